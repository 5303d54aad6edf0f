using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>"roster.opened" — genesis of the roster journal (roster.jsonl). body: { name: workspace name }</summary>
public sealed class RosterOpened : IEntryKind
{
    public const string KindName = "roster.opened";

    public string Name => KindName;

    public void Validate(JsonObject body) => EntryKinds.RequireText(Name, body, "name", 200);

    public string Summarize(IReadOnlyDictionary<string, object?> body) => $"Roster opened for {EntryKinds.Text(body, "name")}";
}

/// <summary>"responder.added" — body: { handle, name (≤ 200), roles: [FirstReporter|TriageLead|CommsLead|ContainmentLead|Recorder] }</summary>
public sealed class ResponderAdded : IEntryKind
{
    public const string KindName = "responder.added";

    public string Name => KindName;

    public void Validate(JsonObject body) => ValidateResponder(Name, body);

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Responder {EntryKinds.Text(body, "handle")} ({EntryKinds.Text(body, "name")}) roles {EntryKinds.List(body, "roles")}";

    /// <summary>The body shared by responder.added and responder.updated: handle, name, roles.</summary>
    internal static void ValidateResponder(string kind, JsonObject body)
    {
        EntryKinds.RequireText(kind, body, "handle", 64);
        EntryKinds.RequireText(kind, body, "name", 200);
        EntryKinds.RequireRoles(kind, body);
    }
}

/// <summary>"responder.updated" — body: { handle, name, roles } (the full new values).</summary>
public sealed class ResponderUpdated : IEntryKind
{
    public const string KindName = "responder.updated";

    public string Name => KindName;

    public void Validate(JsonObject body) => ResponderAdded.ValidateResponder(Name, body);

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Responder {EntryKinds.Text(body, "handle")} now {EntryKinds.Text(body, "name")}, roles {EntryKinds.List(body, "roles")}";
}

/// <summary>
/// "proof.added" — a proof bound with proof of possession. body: { handle, kind, fingerprint, algorithm, publicKey,
/// binding (the exact binding statement text that was signed), signature (the signature text over it) }.
/// Anyone can re-verify the binding later from the entry alone.
/// </summary>
public sealed class ProofAdded : IEntryKind
{
    public const string KindName = "proof.added";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        EntryKinds.RequireText(Name, body, "handle", 64);
        EntryKinds.RequireText(Name, body, "kind", 32);
        EntryKinds.RequireText(Name, body, "fingerprint", 512);
        EntryKinds.RequireText(Name, body, "algorithm", 64);
        EntryKinds.RequireText(Name, body, "publicKey", 65536);
        EntryKinds.RequireText(Name, body, "binding", 4096);
        EntryKinds.RequireText(Name, body, "signature", 65536);
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Proof {EntryKinds.Text(body, "kind")} {EntryKinds.Text(body, "fingerprint")} bound to {EntryKinds.Text(body, "handle")}";
}

/// <summary>"proof.confirmed" — a fresh proof of possession for the periodic review. Same body as proof.added minus publicKey/algorithm.</summary>
public sealed class ProofConfirmed : IEntryKind
{
    public const string KindName = "proof.confirmed";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        EntryKinds.RequireText(Name, body, "handle", 64);
        EntryKinds.RequireText(Name, body, "fingerprint", 512);
        EntryKinds.RequireText(Name, body, "binding", 4096);
        EntryKinds.RequireText(Name, body, "signature", 65536);
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Proof {EntryKinds.Text(body, "fingerprint")} of {EntryKinds.Text(body, "handle")} confirmed";
}

/// <summary>"proof.revoked" — body: { handle, fingerprint, reason }. Signatures made after it fail.</summary>
public sealed class ProofRevoked : IEntryKind
{
    public const string KindName = "proof.revoked";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        EntryKinds.RequireText(Name, body, "handle", 64);
        EntryKinds.RequireText(Name, body, "fingerprint", 512);
        EntryKinds.RequireText(Name, body, "reason", 2000);
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Proof {EntryKinds.Text(body, "fingerprint")} of {EntryKinds.Text(body, "handle")} revoked: {EntryKinds.Text(body, "reason")}";
}

/// <summary>
/// "roster.sealed" — one founder signs off the founding roster. body: { founders: [handles, sorted], head: the hash
/// of the roster entry before the first seal }. When every founder has sealed (each entry signed by that founder),
/// the founding is over: from then on responders, other people's proofs and shared settings change only by quorum.
/// </summary>
public sealed class RosterSealed : IEntryKind
{
    public const string KindName = "roster.sealed";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        ProposalSigned.RequireDigest(Name, body, "head");
        if (body["founders"] is not JsonArray founders || founders.Count < 2 || founders.Any(f => f is not JsonValue v || !v.TryGetValue<string>(out var h) || h.Length is 0 or > 64))
        {
            throw new InvalidStatementException(Name, "founders", $"'{Name}' needs 'founders': the handles of at least two founders.");
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body) => $"Founding roster sealed ({EntryKinds.List(body, "founders")})";
}

/// <summary>
/// "settings.set" — a shared settings file (quorum-policy.json, evidence-store.json, …) changed. body: { file,
/// sha256 (of the canonical document), content (the document), proposal? (the met, consumed ROSTER proposal: required
/// once the roster is sealed) }. The file on disk must match the latest one; a file that does not is refused.
/// </summary>
public sealed class SettingsSet : IEntryKind
{
    public const string KindName = "settings.set";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        EntryKinds.RequireText(Name, body, "file", 64);
        ProposalSigned.RequireDigest(Name, body, "sha256");
        if (body["content"] is not JsonObject)
        {
            throw new InvalidStatementException(Name, "content", $"'{Name}' needs the 'content' document.");
        }
        if (body.ContainsKey("proposal"))
        {
            ProposalSigned.RequireDigest(Name, body, "proposal");
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "file")} set to {EntryKinds.Text(body, "sha256")[..Math.Min(12, EntryKinds.Text(body, "sha256").Length)]}";
}
