using System.Text.Json.Nodes;
using DeIRF.Identity;

namespace DeIRF.Journal.Kinds;

/// <summary>"roster.opened" — genesis of the roster journal (roster.jsonl). body: { name: workspace name }</summary>
public sealed class RosterOpened : EntryKind<RosterOpened.Body>
{
    public const string KindName = "roster.opened";

    public override string Name => KindName;

    public override Body Read(JsonObject body) => new(EntryKinds.RequireText(Name, body, "name", 200));

    public override string Summarize(IReadOnlyDictionary<string, object?> body) => $"Roster opened for {EntryKinds.Text(body, "name")}";

    public sealed record Body(string WorkspaceName) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody() => new() { ["name"] = WorkspaceName };
    }
}

/// <summary>"responder.added" — body: { handle, name (≤ 200), roles: [FirstReporter|TriageLead|CommsLead|ContainmentLead|Recorder] }</summary>
public sealed class ResponderAdded : EntryKind<ResponderBody>
{
    public const string KindName = "responder.added";

    public override string Name => KindName;

    public override ResponderBody Read(JsonObject body) => ResponderBody.Read(Name, body);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Responder {EntryKinds.Text(body, "handle")} ({EntryKinds.Text(body, "name")}) roles {EntryKinds.List(body, "roles")}";
}

/// <summary>"responder.updated" — body: { handle, name, roles } (the full new values).</summary>
public sealed class ResponderUpdated : EntryKind<ResponderBody>
{
    public const string KindName = "responder.updated";

    public override string Name => KindName;

    public override ResponderBody Read(JsonObject body) => ResponderBody.Read(Name, body);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Responder {EntryKinds.Text(body, "handle")} now {EntryKinds.Text(body, "name")}, roles {EntryKinds.List(body, "roles")}";
}

/// <summary>The body of responder.added and responder.updated: handle, name and the roles (written distinct and sorted).</summary>
public sealed record ResponderBody(string Kind, string Handle, string Name, IReadOnlyList<ResponderRole> Roles) : IEntryBody
{
    public static ResponderBody Added(string handle, string name, IEnumerable<ResponderRole> roles) => new(ResponderAdded.KindName, handle, name, Sorted(roles));

    public static ResponderBody Updated(string handle, string name, IEnumerable<ResponderRole> roles) => new(ResponderUpdated.KindName, handle, name, Sorted(roles));

    private static ResponderRole[] Sorted(IEnumerable<ResponderRole> roles) => roles.Distinct().Order().ToArray();

    public JsonObject ToBody() => new()
    {
        ["handle"] = Handle,
        ["name"] = Name,
        ["roles"] = new JsonArray(Roles.Select(r => (JsonNode)JsonValue.Create(r.ToString())!).ToArray()),
    };

    internal static ResponderBody Read(string kind, JsonObject body)
    {
        var handle = EntryKinds.RequireText(kind, body, "handle", 64);
        var name = EntryKinds.RequireText(kind, body, "name", 200);
        EntryKinds.RequireRoles(kind, body);
        var roles = ((JsonArray)body["roles"]!).Select(r => Enum.Parse<ResponderRole>(r!.GetValue<string>())).ToArray();
        return new ResponderBody(kind, handle, name, roles);
    }

    public bool Equals(ResponderBody? other) => other is not null && Kind == other.Kind && Handle == other.Handle && Name == other.Name && Roles.SequenceEqual(other.Roles);

    public override int GetHashCode() => HashCode.Combine(Kind, Handle, Name);
}

/// <summary>
/// "proof.added" — a proof bound with proof of possession. body: { handle, kind, fingerprint, algorithm, publicKey,
/// binding (the exact binding statement text that was signed), signature (the signature text over it), signCount?
/// (FIDO2: the authenticator's counter at binding) }. Anyone can re-verify the binding later from the entry alone.
/// </summary>
public sealed class ProofAdded : EntryKind<ProofAdded.Body>
{
    public const string KindName = "proof.added";

    public override string Name => KindName;

    public override Body Read(JsonObject body) => new(
        EntryKinds.RequireText(Name, body, "handle", 64),
        EntryKinds.RequireText(Name, body, "kind", 32),
        EntryKinds.RequireText(Name, body, "fingerprint", 512),
        EntryKinds.RequireText(Name, body, "algorithm", 64),
        EntryKinds.RequireText(Name, body, "publicKey", 65536),
        EntryKinds.RequireText(Name, body, "binding", 4096),
        EntryKinds.RequireText(Name, body, "signature", 65536),
        ProofConfirmed.OptionalCount(Name, body));

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Proof {EntryKinds.Text(body, "kind")} {EntryKinds.Text(body, "fingerprint")} bound to {EntryKinds.Text(body, "handle")}";

    public sealed record Body(string Handle, string ProofKind, string Fingerprint, string Algorithm, string PublicKey, string Binding, string Signature,
        long? SignCount = null) : IEntryBody
    {
        public string Kind => KindName;

        public static Body For(string handle, ProofKey key, string binding, string signature, long? signCount)
            => new(handle, key.Kind.Name, key.Fingerprint, key.Algorithm, key.PublicKey, binding, signature, signCount);

        public JsonObject ToBody()
        {
            var body = new JsonObject
            {
                ["algorithm"] = Algorithm,
                ["binding"] = Binding,
                ["fingerprint"] = Fingerprint,
                ["handle"] = Handle,
                ["kind"] = ProofKind,
                ["publicKey"] = PublicKey,
                ["signature"] = Signature,
            };
            body.Optional("signCount", SignCount);
            return body;
        }
    }
}

/// <summary>"proof.confirmed" — a fresh proof of possession for the periodic review. Same body as proof.added minus publicKey/algorithm.</summary>
public sealed class ProofConfirmed : EntryKind<ProofConfirmed.Body>
{
    public const string KindName = "proof.confirmed";

    public override string Name => KindName;

    public override Body Read(JsonObject body) => new(
        EntryKinds.RequireText(Name, body, "handle", 64),
        EntryKinds.RequireText(Name, body, "fingerprint", 512),
        EntryKinds.RequireText(Name, body, "binding", 4096),
        EntryKinds.RequireText(Name, body, "signature", 65536),
        OptionalCount(Name, body));

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Proof {EntryKinds.Text(body, "fingerprint")} of {EntryKinds.Text(body, "handle")} confirmed";

    internal static long? OptionalCount(string kind, JsonObject body)
        => body["signCount"] is null ? null
            : body["signCount"] is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? n
            : throw new InvalidStatementException(kind, "signCount", $"'{kind}' member 'signCount' must be a non-negative integer.");

    public sealed record Body(string Handle, string Fingerprint, string Binding, string Signature, long? SignCount = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["binding"] = Binding, ["fingerprint"] = Fingerprint, ["handle"] = Handle, ["signature"] = Signature };
            body.Optional("signCount", SignCount);
            return body;
        }
    }
}

/// <summary>
/// "proof.revoked" — body: { handle, fingerprint, reason, incident? and proposal? (the incident and met proposal of
/// an identity.revoke containment that revoked it) }. Signatures made after it fail.
/// </summary>
public sealed class ProofRevoked : EntryKind<ProofRevoked.Body>
{
    public const string KindName = "proof.revoked";

    public override string Name => KindName;

    public override Body Read(JsonObject body) => new(
        EntryKinds.RequireText(Name, body, "handle", 64),
        EntryKinds.RequireText(Name, body, "fingerprint", 512),
        EntryKinds.RequireText(Name, body, "reason", 2000),
        EntryKinds.OptionalText(Name, body, "incident", 64),
        EntryKinds.OptionalText(Name, body, "proposal", 64));

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Proof {EntryKinds.Text(body, "fingerprint")} of {EntryKinds.Text(body, "handle")} revoked: {EntryKinds.Text(body, "reason")}";

    public sealed record Body(string Handle, string Fingerprint, string Reason, string? Incident = null, string? Proposal = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["fingerprint"] = Fingerprint, ["handle"] = Handle, ["reason"] = Reason };
            body.Optional("incident", Incident);
            body.Optional("proposal", Proposal);
            return body;
        }
    }
}

/// <summary>
/// "roster.sealed" — one founder signs off the founding roster. body: { founders: [handles, sorted], head: the hash
/// of the roster entry before the first seal }. When every founder has sealed (each entry signed by that founder),
/// the founding is over: from then on responders, other people's proofs and shared settings change only by quorum.
/// </summary>
public sealed class RosterSealed : EntryKind<RosterSealed.Body>
{
    public const string KindName = "roster.sealed";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var head = ProposalSigned.RequireDigest(Name, body, "head");
        if (body["founders"] is not JsonArray founders || founders.Count < 2 || founders.Any(f => f is not JsonValue v || !v.TryGetValue<string>(out var h) || h.Length is 0 or > 64))
        {
            throw new InvalidStatementException(Name, "founders", $"'{Name}' needs 'founders': the handles of at least two founders.");
        }
        return new Body(founders.Select(f => f!.GetValue<string>()).ToArray(), head);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body) => $"Founding roster sealed ({EntryKinds.List(body, "founders")})";

    public sealed record Body(IReadOnlyList<string> Founders, string Head) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody() => new()
        {
            ["founders"] = new JsonArray(Founders.Select(h => (JsonNode)JsonValue.Create(h)!).ToArray()),
            ["head"] = Head,
        };

        public bool Equals(Body? other) => other is not null && Head == other.Head && Founders.SequenceEqual(other.Founders);

        public override int GetHashCode() => Head.GetHashCode(StringComparison.Ordinal);
    }
}

/// <summary>
/// "settings.set" — a shared settings file (quorum-policy.json, evidence-store.json, …) changed. body: { file,
/// sha256 (of the canonical document), content (the document), proposal? (the met, consumed ROSTER proposal: required
/// once the roster is sealed) }. The file on disk must match the latest one; a file that does not is refused.
/// </summary>
public sealed class SettingsSet : EntryKind<SettingsSet.Body>
{
    public const string KindName = "settings.set";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var file = EntryKinds.RequireText(Name, body, "file", 64);
        var sha = ProposalSigned.RequireDigest(Name, body, "sha256");
        if (body["content"] is not JsonObject content)
        {
            throw new InvalidStatementException(Name, "content", $"'{Name}' needs the 'content' document.");
        }
        var proposal = body.ContainsKey("proposal") ? ProposalSigned.RequireDigest(Name, body, "proposal") : null;
        return new Body(file, sha, (JsonObject)content.DeepClone(), proposal);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "file")} set to {EntryKinds.Text(body, "sha256")[..Math.Min(12, EntryKinds.Text(body, "sha256").Length)]}";

    /// <summary>A shared file's new document and its SHA-256 (of the canonical bytes); the governing proposal is added when the roster is sealed.</summary>
    public sealed record Body(string File, string Sha256, JsonObject Content, string? Proposal = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["content"] = Content.DeepClone(), ["file"] = File, ["sha256"] = Sha256 };
            body.Optional("proposal", Proposal);
            return body;
        }

        public bool Equals(Body? other) => other is not null && File == other.File && Sha256 == other.Sha256 && Proposal == other.Proposal && JsonNode.DeepEquals(Content, other.Content);

        public override int GetHashCode() => HashCode.Combine(File, Sha256);
    }
}
