using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Incidents;

/// <summary>One line of an incident's timeline: what happened, when, by whom, and how long into the incident.</summary>
public sealed class TimelineEntry
{
    public string Incident { get; init; } = string.Empty;
    public long Seq { get; init; }
    public DateTimeOffset Time { get; init; }
    public string Kind { get; init; } = string.Empty;
    public string Actor { get; init; } = string.Empty;
    public string Summary { get; init; } = string.Empty;

    /// <summary>The phase the incident is in after this entry (Opened, Triaged, Closed).</summary>
    public string Phase { get; init; } = string.Empty;

    /// <summary>True when this entry starts a phase.</summary>
    public bool IsPhaseChange { get; init; }

    /// <summary>Time since the incident was opened.</summary>
    public TimeSpan SinceOpened { get; init; }

    /// <summary>Time since the previous phase change (for a phase change: how long the previous phase lasted).</summary>
    public TimeSpan SincePhaseChange { get; init; }

    public override string ToString() => $"{Time:yyyy-MM-dd HH:mm:ss}Z +{SinceOpened} {Kind} {Actor}: {Summary}";
}

/// <summary>Builds the chronological view of a journal: every entry kind, with durations between phases.</summary>
public static class Timeline
{
    /// <summary>The phase an entry kind starts; null for entries within a phase (notes, evidence...).</summary>
    public static string? PhaseOf(string kind) => kind switch
    {
        IncidentOpened.KindName => "Opened",
        SeveritySet.KindName => "Triaged",
        ContainmentApplied.KindName => "Contained",
        IncidentClosed.KindName => "Closed",
        _ => null,
    };

    /// <summary>Phases only move forward: a severity change after containment is not a return to triage.</summary>
    private static int Rank(string phase) => phase switch { "Opened" => 0, "Triaged" => 1, "Contained" => 2, "Closed" => 3, _ => -1 };

    public static IEnumerable<TimelineEntry> Build(IEnumerable<JournalEntry> entries)
    {
        // Sorted by time, then sequence: an entry may carry the time the event happened, earlier than its append.
        var ordered = entries.OrderBy(e => e.Timestamp).ThenBy(e => e.Seq).ToList();
        if (ordered.Count == 0)
        {
            yield break;
        }
        var opened = ordered.FirstOrDefault(e => e.Kind == IncidentOpened.KindName)?.Timestamp ?? ordered[0].Timestamp;
        var phaseStart = opened;
        var phase = "Opened";
        foreach (var e in ordered)
        {
            var next = PhaseOf(e.Kind);
            // Re-setting severity while triaged is not a new phase; closing again is not either; a severity change or a
            // second containment after a later phase does not move the incident back.
            var change = next is not null && (Rank(next) > Rank(phase) || e.Kind == IncidentOpened.KindName);
            var sincePhase = e.Timestamp - phaseStart;
            if (change)
            {
                phase = next!;
                phaseStart = e.Timestamp;
            }
            yield return new TimelineEntry
            {
                Incident = e.Incident,
                Seq = e.Seq,
                Time = e.Timestamp,
                Kind = e.Kind,
                Actor = e.Actor,
                Summary = e.Summary,
                Phase = phase,
                IsPhaseChange = change,
                SinceOpened = e.Timestamp - opened,
                SincePhaseChange = sincePhase,
            };
        }
    }
}
