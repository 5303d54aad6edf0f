using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.created" — a proposed action for the quorum to sign (docs/quorum.md). The id is recomputed from the other
/// members on every read, so an edited proposal is caught. body: { id: 64 hex (SHA-256 of the canonical proposal),
/// action, target (≤ 256), parameters: {name: string}, nonce, notBefore, expires (journal timestamps), proposer: handle,
/// rule: the policy pattern that matched when it was made (informational) }
/// </summary>
public sealed class ProposalCreated : IEntryKind
{
    public const string KindName = "proposal.created";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        ProposalSigned.RequireDigest(Name, body, "id");
        EntryKinds.RequireText(Name, body, "action", 128);
        EntryKinds.RequireText(Name, body, "target", 256);
        EntryKinds.RequireText(Name, body, "nonce", 64);
        EntryKinds.RequireText(Name, body, "notBefore", 24);
        EntryKinds.RequireText(Name, body, "expires", 24);
        JournalFile.ValidateHandle(EntryKinds.RequireText(Name, body, "proposer", 64));
        if (body["parameters"] is not JsonObject parameters || parameters.Any(kv => kv.Value is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw new InvalidStatementException(Name, "parameters", $"'{Name}' needs a 'parameters' object of strings (may be empty).");
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "id");
        return $"Proposal {id[..Math.Min(12, id.Length)]}: {EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} by {EntryKinds.Text(body, "proposer")}, expires {EntryKinds.Text(body, "expires")}";
    }
}
