using System.Text.Json.Nodes;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Severity;

/// <summary>
/// A severity change as it will be journaled: the severity.set statement from the workspace's matrix, followed by the
/// deadline.set statements the deadline policy brings, appended together in one write (a reader never sees a P1
/// without its T-minus).
/// </summary>
public sealed class SeverityChange
{
    private SeverityChange(Incident current, string impact, string urgency, string severity, IReadOnlyList<StatementDraft> drafts)
    {
        Current = current;
        Impact = impact;
        Urgency = urgency;
        Severity = severity;
        Drafts = drafts;
    }

    public Incident Current { get; }
    public string Impact { get; }
    public string Urgency { get; }
    public string Severity { get; }
    public IReadOnlyList<StatementDraft> Drafts { get; }

    /// <summary>The deadline statements among the drafts.</summary>
    public IEnumerable<StatementDraft> Deadlines => Drafts.Where(d => d.Kind == DeadlineSet.KindName);

    /// <summary>True when this change raises the incident to P1 (the kickoff message is due).</summary>
    public bool RaisesToP1 => Severity == "P1" && Current.Severity != "P1";

    public static SeverityChange Plan(Workspace ws, string incidentId, string impact, string urgency, string actor, string? reason, DateTimeOffset now)
    {
        var current = ws.GetIncident(Workspace.ValidateIncidentId(incidentId)); // IncidentNotFound before anything else
        var normalizedImpact = SeverityMatrix.Normalize(impact, "impact");
        var normalizedUrgency = SeverityMatrix.Normalize(urgency, "urgency");
        var severity = SeverityMatrix.For(ws.Root).SeverityOf(normalizedImpact, normalizedUrgency);
        var drafts = new List<StatementDraft> { StatementDraft.Of(actor, new SeveritySet.Body(normalizedImpact, normalizedUrgency, severity, reason)) };
        drafts.AddRange(DeadlinePolicy.For(ws).DraftsFor(current, severity, actor, now));
        return new SeverityChange(current, normalizedImpact, normalizedUrgency, severity, drafts);
    }

    public string Describe(string actor)
        => $"Set severity {Severity} (impact {Impact}, urgency {Urgency}) by {actor}"
            + (Deadlines.Any() ? $"; set deadlines {string.Join(", ", Deadlines.Select(d => $"{d.Body["name"]} {d.Body["due"]}"))}" : string.Empty);

    public IReadOnlyList<JournalEntry> Apply(Workspace ws, JournalAppendOptions options)
        => ws.JournalOf(Current.Id).AppendBatch(Drafts, options);
}
