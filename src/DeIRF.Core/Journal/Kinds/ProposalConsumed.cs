using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.consumed" — the proposal's approvals were used to run it, once: written under the journal lock after a
/// met verdict, so a second run is refused. body: { proposal: id, action, target, persons: [handles counted],
/// evidenceOverride?: reason (≤ 2000), given when the runner went on without the evidence the policy asks for }
/// </summary>
public sealed class ProposalConsumed : EntryKind<ProposalConsumed.Body>
{
    public const string KindName = "proposal.consumed";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var proposal = ProposalSigned.RequireDigest(Name, body, "proposal");
        var action = EntryKinds.RequireText(Name, body, "action", 128);
        var target = EntryKinds.RequireText(Name, body, "target", 256);
        if (body["persons"] is not JsonArray persons)
        {
            throw new InvalidStatementException(Name, "persons", $"'{Name}' needs a 'persons' array.");
        }
        var handles = new List<string>();
        foreach (var p in persons)
        {
            handles.Add(p is JsonValue v && v.TryGetValue<string>(out var h) && h.Length > 0
                ? h
                : throw new InvalidStatementException(Name, "persons", $"'{Name}' member 'persons' must be an array of handles."));
        }
        var over = body.ContainsKey("evidenceOverride") ? EntryKinds.RequireText(Name, body, "evidenceOverride", 2000) : null;
        return new Body(proposal, action, target, handles, over);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "proposal");
        var over = EntryKinds.Text(body, "evidenceOverride");
        return $"Proposal {id[..Math.Min(12, id.Length)]} consumed: {EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} (approved by {EntryKinds.List(body, "persons")})"
            + (over.Length > 0 ? $"; evidence overridden: {over}" : string.Empty);
    }

    /// <summary>Which proposal ran, what it decided, the persons its verdict counted, and the evidence override given.</summary>
    public sealed record Body(string Proposal, string Action, string Target, IReadOnlyList<string> Persons, string? EvidenceOverride = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject
            {
                ["action"] = Action,
                ["persons"] = new JsonArray(Persons.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
                ["proposal"] = Proposal,
                ["target"] = Target,
            };
            body.Optional("evidenceOverride", EvidenceOverride);
            return body;
        }

        public bool Equals(Body? other) => other is not null && Proposal == other.Proposal && Action == other.Action && Target == other.Target
            && Persons.SequenceEqual(other.Persons) && EvidenceOverride == other.EvidenceOverride;

        public override int GetHashCode() => HashCode.Combine(Proposal, Action, Target);
    }
}
