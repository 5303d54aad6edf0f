using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.consumed" — the proposal's approvals were used to run it, once: written under the journal lock after a
/// met verdict, so a second run is refused. body: { proposal: id, action, target, persons: [handles counted],
/// evidenceOverride?: reason (≤ 2000), given when the runner went on without the evidence the policy asks for }
/// </summary>
public sealed class ProposalConsumed : IEntryKind
{
    public const string KindName = "proposal.consumed";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        ProposalSigned.RequireDigest(Name, body, "proposal");
        EntryKinds.RequireText(Name, body, "action", 128);
        EntryKinds.RequireText(Name, body, "target", 256);
        if (body["persons"] is not JsonArray)
        {
            throw new InvalidStatementException(Name, "persons", $"'{Name}' needs a 'persons' array.");
        }
        if (body.ContainsKey("evidenceOverride"))
        {
            EntryKinds.RequireText(Name, body, "evidenceOverride", 2000);
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "proposal");
        var over = EntryKinds.Text(body, "evidenceOverride");
        return $"Proposal {id[..Math.Min(12, id.Length)]} consumed: {EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} (approved by {EntryKinds.List(body, "persons")})"
            + (over.Length > 0 ? $"; evidence overridden: {over}" : string.Empty);
    }
}
