using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.created" — a proposed action for the quorum to sign (docs/quorum.md). The id is recomputed from the other
/// members on every read, so an edited proposal is caught. body: { id: 64 hex (SHA-256 of the canonical proposal),
/// action, target (≤ 256), parameters: {name: string}, nonce, notBefore, expires (journal timestamps), proposer: handle,
/// rule: the policy pattern that matched when it was made (informational) }
/// </summary>
public sealed class ProposalCreated : EntryKind<ProposalCreated.Body>
{
    public const string KindName = "proposal.created";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var id = ProposalSigned.RequireDigest(Name, body, "id");
        var action = EntryKinds.RequireText(Name, body, "action", 128);
        var target = EntryKinds.RequireText(Name, body, "target", 256);
        var nonce = EntryKinds.RequireText(Name, body, "nonce", 64);
        var notBefore = EntryKinds.RequireText(Name, body, "notBefore", 24);
        var expires = EntryKinds.RequireText(Name, body, "expires", 24);
        var proposer = EntryKinds.RequireText(Name, body, "proposer", 64);
        JournalFile.ValidateHandle(proposer);
        if (body["parameters"] is not JsonObject parameters || parameters.Any(kv => kv.Value is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw new InvalidStatementException(Name, "parameters", $"'{Name}' needs a 'parameters' object of strings (may be empty).");
        }
        var values = parameters.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>(), StringComparer.Ordinal);
        return new Body(id, action, target, values, nonce, notBefore, expires, proposer, EntryKinds.OptionalText(Name, body, "rule", 128));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "id");
        return $"Proposal {id[..Math.Min(12, id.Length)]}: {EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} by {EntryKinds.Text(body, "proposer")}, expires {EntryKinds.Text(body, "expires")}";
    }

    /// <summary>A proposal as journaled: its members (times in the journal's form) and the policy rule that matched.</summary>
    public sealed record Body(string Id, string Action, string Target, IReadOnlyDictionary<string, string> Parameters, string Nonce, string NotBefore,
        string Expires, string Proposer, string? Rule = null) : IEntryBody
    {
        public string Kind => KindName;

        public static Body Of(Quorum.Proposal p, string? rule) => new(p.Id, p.Action, p.Target, p.Parameters, p.Nonce,
            Timestamps.ToJournal(p.NotBefore), Timestamps.ToJournal(p.Expires), p.Proposer, rule);

        public JsonObject ToBody()
        {
            var parameters = new JsonObject();
            foreach (var kv in Parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                parameters[kv.Key] = kv.Value;
            }
            var body = new JsonObject
            {
                ["action"] = Action,
                ["expires"] = Expires,
                ["id"] = Id,
                ["nonce"] = Nonce,
                ["notBefore"] = NotBefore,
                ["parameters"] = parameters,
                ["proposer"] = Proposer,
                ["target"] = Target,
            };
            body.Optional("rule", Rule);
            return body;
        }

        public bool Equals(Body? other) => other is not null && Id == other.Id && Action == other.Action && Target == other.Target && Nonce == other.Nonce
            && NotBefore == other.NotBefore && Expires == other.Expires && Proposer == other.Proposer && Rule == other.Rule
            && Parameters.Count == other.Parameters.Count && Parameters.All(kv => other.Parameters.TryGetValue(kv.Key, out var v) && v == kv.Value);

        public override int GetHashCode() => Id.GetHashCode(StringComparison.Ordinal);
    }
}
