using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "severity.set" — the incident's severity from the impact × urgency matrix, with who (the actor) and why.
/// body: { impact: High|Medium|Low, urgency: High|Medium|Low, severity: P1..P4, reason?: string (≤ 2000) }
/// </summary>
public sealed class SeveritySet : EntryKind<SeveritySet.Body>
{
    public const string KindName = "severity.set";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        string Level(string member)
        {
            var v = EntryKinds.RequireText(Name, body, member, 6);
            return Severity.SeverityMatrix.Levels.Contains(v)
                ? v
                : throw new InvalidStatementException(Name, member, $"'{Name}' member '{member}' must be High, Medium or Low.", v);
        }
        var impact = Level("impact");
        var urgency = Level("urgency");
        var s = EntryKinds.RequireText(Name, body, "severity", 2);
        if (!Severity.SeverityMatrix.Severities.Contains(s))
        {
            throw new InvalidStatementException(Name, "severity", $"'{Name}' member 'severity' must be P1, P2, P3 or P4.", s);
        }
        return new Body(impact, urgency, s, EntryKinds.OptionalText(Name, body, "reason", 2000));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var reason = EntryKinds.Text(body, "reason");
        return $"Severity {EntryKinds.Text(body, "severity")} (impact {EntryKinds.Text(body, "impact")}, urgency {EntryKinds.Text(body, "urgency")})"
            + (reason.Length > 0 ? $": {reason}" : string.Empty);
    }

    /// <summary>Impact and urgency (High, Medium, Low), the severity the matrix gives them, and why.</summary>
    public sealed record Body(string Impact, string Urgency, string Severity, string? Reason = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["impact"] = Impact, ["severity"] = Severity, ["urgency"] = Urgency };
            body.Optional("reason", Reason);
            return body;
        }
    }
}
