using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.signed" — one quorum signature, stored so it can be re-verified offline from the journal and roster alone.
/// body: { proposal: id, responder: handle, kind: proof kind, fingerprint: the proof's, signature: the signature text
/// as the signer's tool made it, payload: the exact text that was signed (normally Proposal.SigningPayload), details?:
/// {string: string} facts from the verifier (OIDC nonce and the pinned JWK used, FIDO2 signCount, OpenPGP key id) }
/// </summary>
public sealed class ProposalSigned : EntryKind<QuorumSignatureBody>
{
    public const string KindName = "proposal.signed";

    public override string Name => KindName;

    public override QuorumSignatureBody Read(JsonObject body) => QuorumSignatureBody.Read(Name, body);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "proposal");
        return $"{EntryKinds.Text(body, "responder")} signed proposal {id[..Math.Min(12, id.Length)]} ({EntryKinds.Text(body, "kind")} {EntryKinds.Text(body, "fingerprint")})";
    }

    internal static string RequireDigest(string kind, JsonObject body, string member)
    {
        var id = EntryKinds.RequireText(kind, body, member, 64);
        if (id.Length != 64 || !id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new InvalidStatementException(kind, member, $"'{kind}' member '{member}' must be a proposal id (64 lowercase hex digits).", id);
        }
        return id;
    }
}

/// <summary>
/// The body of "proposal.signed" and "proposal.approved": one person's signature over a proposal, with everything a
/// later verifier needs (the proof's kind and fingerprint, the signature as the tool made it, the exact text signed)
/// and the verifier's facts (<see cref="Details"/>, written in key order).
/// </summary>
public sealed record QuorumSignatureBody(string Kind, string Proposal, string Responder, Identity.ProofKind ProofKind, string Fingerprint,
    string Signature, string Payload, IReadOnlyDictionary<string, string>? Details = null) : IEntryBody
{
    public static QuorumSignatureBody Signed(string proposal, string responder, Identity.ProofKind kind, string fingerprint, string signature, string payload,
        IReadOnlyDictionary<string, string>? details = null) => new(ProposalSigned.KindName, proposal, responder, kind, fingerprint, signature, payload, details);

    public static QuorumSignatureBody Approved(string proposal, string responder, Identity.ProofKind kind, string fingerprint, string signature, string payload,
        IReadOnlyDictionary<string, string>? details = null) => new(ProposalApproved.KindName, proposal, responder, kind, fingerprint, signature, payload, details);

    public JsonObject ToBody()
    {
        var body = new JsonObject
        {
            ["fingerprint"] = Fingerprint,
            ["kind"] = ProofKind.Name,
            ["payload"] = Payload,
            ["proposal"] = Proposal,
            ["responder"] = Responder,
            ["signature"] = Signature,
        };
        if (Details is { Count: > 0 })
        {
            var d = new JsonObject();
            foreach (var kv in Details.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                d[kv.Key] = kv.Value;
            }
            body["details"] = d;
        }
        return body;
    }

    internal static QuorumSignatureBody Read(string kind, JsonObject body)
    {
        var proposal = ProposalSigned.RequireDigest(kind, body, "proposal");
        var responder = EntryKinds.RequireText(kind, body, "responder", 64);
        JournalFile.ValidateHandle(responder);
        var proofKind = EntryKinds.RequireText(kind, body, "kind", 16);
        if (!Identity.ProofKind.TryFromName(proofKind, out var parsed))
        {
            throw new InvalidStatementException(kind, "kind", $"'{proofKind}' is not a proof kind.", proofKind);
        }
        var fingerprint = EntryKinds.RequireText(kind, body, "fingerprint", 512);
        var signature = EntryKinds.RequireText(kind, body, "signature", 64 * 1024);
        var payload = EntryKinds.RequireText(kind, body, "payload", 64 * 1024);
        Dictionary<string, string>? details = null;
        if (body["details"] is { } node)
        {
            if (node is not JsonObject o || o.Any(kv => kv.Value is not JsonValue v || !v.TryGetValue<string>(out _)))
            {
                throw new InvalidStatementException(kind, "details", $"'{kind}' member 'details' must be an object of strings.");
            }
            details = o.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>(), StringComparer.Ordinal);
        }
        return new QuorumSignatureBody(kind, proposal, responder, parsed, fingerprint, signature, payload, details);
    }

    /// <summary>Records compare their members; the details compare as sets of pairs (their order is the writer's).</summary>
    public bool Equals(QuorumSignatureBody? other)
        => other is not null && Kind == other.Kind && Proposal == other.Proposal && Responder == other.Responder && ProofKind == other.ProofKind
           && Fingerprint == other.Fingerprint && Signature == other.Signature && Payload == other.Payload
           && (Details?.Count ?? 0) == (other.Details?.Count ?? 0)
           && (Details is null || Details.All(kv => other.Details!.TryGetValue(kv.Key, out var v) && v == kv.Value));

    public override int GetHashCode() => HashCode.Combine(Kind, Proposal, Responder, Signature);
}
