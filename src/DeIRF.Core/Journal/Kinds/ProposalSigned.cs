using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.signed" — one quorum signature, stored so it can be re-verified offline from the journal and roster alone.
/// body: { proposal: id, responder: handle, kind: proof kind, fingerprint: the proof's, signature: the signature text
/// as the signer's tool made it, payload: the exact text that was signed (normally Proposal.SigningPayload), details?:
/// {string: string} facts from the verifier (OIDC nonce and the pinned JWK used, FIDO2 signCount, OpenPGP key id) }
/// </summary>
public sealed class ProposalSigned : IEntryKind
{
    public const string KindName = "proposal.signed";

    public string Name => KindName;

    public void Validate(JsonObject body) => ValidateSignatureBody(Name, body);

    public string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "proposal");
        return $"{EntryKinds.Text(body, "responder")} signed proposal {id[..Math.Min(12, id.Length)]} ({EntryKinds.Text(body, "kind")} {EntryKinds.Text(body, "fingerprint")})";
    }

    internal static void ValidateSignatureBody(string kind, JsonObject body)
    {
        RequireDigest(kind, body, "proposal");
        JournalFile.ValidateHandle(EntryKinds.RequireText(kind, body, "responder", 64));
        var proofKind = EntryKinds.RequireText(kind, body, "kind", 16);
        if (!Identity.ProofKind.IsWellFormed(proofKind))
        {
            throw new InvalidStatementException(kind, "kind", $"'{proofKind}' is not a proof kind.", proofKind);
        }
        EntryKinds.RequireText(kind, body, "fingerprint", 512);
        EntryKinds.RequireText(kind, body, "signature", 64 * 1024);
        EntryKinds.RequireText(kind, body, "payload", 64 * 1024);
        if (body["details"] is { } details && (details is not JsonObject o || o.Any(kv => kv.Value is not JsonValue v || !v.TryGetValue<string>(out _))))
        {
            throw new InvalidStatementException(kind, "details", $"'{kind}' member 'details' must be an object of strings.");
        }
    }

    internal static void RequireDigest(string kind, JsonObject body, string member)
    {
        var id = EntryKinds.RequireText(kind, body, member, 64);
        if (id.Length != 64 || !id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new InvalidStatementException(kind, member, $"'{kind}' member '{member}' must be a proposal id (64 lowercase hex digits).", id);
        }
    }
}
