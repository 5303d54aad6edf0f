using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "severity.set" — the incident's severity from the impact × urgency matrix, with who (the actor) and why.
/// body: { impact: High|Medium|Low, urgency: High|Medium|Low, severity: P1..P4, reason?: string (≤ 2000) }
/// </summary>
public sealed class SeveritySet : IEntryKind
{
    public const string KindName = "severity.set";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        foreach (var member in new[] { "impact", "urgency" })
        {
            var v = EntryKinds.RequireText(Name, body, member, 6);
            if (!Severity.SeverityMatrix.Levels.Contains(v))
            {
                throw new InvalidStatementException(Name, member, $"'{Name}' member '{member}' must be High, Medium or Low.", v);
            }
        }
        var s = EntryKinds.RequireText(Name, body, "severity", 2);
        if (!Severity.SeverityMatrix.Severities.Contains(s))
        {
            throw new InvalidStatementException(Name, "severity", $"'{Name}' member 'severity' must be P1, P2, P3 or P4.", s);
        }
        if (body["reason"] is not null)
        {
            EntryKinds.RequireText(Name, body, "reason", 2000);
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var reason = EntryKinds.Text(body, "reason");
        return $"Severity {EntryKinds.Text(body, "severity")} (impact {EntryKinds.Text(body, "impact")}, urgency {EntryKinds.Text(body, "urgency")})"
            + (reason.Length > 0 ? $": {reason}" : string.Empty);
    }
}
