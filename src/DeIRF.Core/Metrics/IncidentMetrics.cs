using DeIRF.Incidents;

namespace DeIRF.Metrics;

/// <summary>
/// The four response durations of one incident, read from its journal fold only (so every replica gives the same
/// numbers). A duration is null when its stop event has not happened (or, for MTTD, when there was no alert); the
/// matching *Excluded text says why. Definitions: docs/metrics.md.
/// </summary>
public sealed class IncidentMetrics
{
    public string Incident { get; init; } = string.Empty;
    public string Title { get; init; } = string.Empty;

    /// <summary>P1..P4 from the latest severity.set; <see cref="MetricsCalculator.Unrated"/> when never set.</summary>
    public string Severity { get; init; } = string.Empty;
    public bool IsDrill { get; init; }
    public string State { get; init; } = string.Empty;

    /// <summary>incident.opened: where MTTA, MTTC and MTTR start, and where MTTD stops.</summary>
    public DateTimeOffset Opened { get; init; }

    /// <summary>The alert's event time (incident.opened body alert.time): where MTTD starts.</summary>
    public DateTimeOffset? AlertTime { get; init; }

    /// <summary>The first role.granted of TriageLead.</summary>
    public DateTimeOffset? TriageLeadAt { get; init; }

    /// <summary>The first containment.applied with verified=true.</summary>
    public DateTimeOffset? ContainedAt { get; init; }

    /// <summary>incident.closed.</summary>
    public DateTimeOffset? Closed { get; init; }

    /// <summary>Time to detect: opened − alert event time.</summary>
    public TimeSpan? Mttd { get; init; }

    /// <summary>Time to acknowledge: first Triage Lead assignment − opened.</summary>
    public TimeSpan? Mtta { get; init; }

    /// <summary>Time to contain: first verified containment − opened.</summary>
    public TimeSpan? Mttc { get; init; }

    /// <summary>Time to resolve: closed − opened.</summary>
    public TimeSpan? Mttr { get; init; }

    public string MttdText => MetricSummary.Format(Mttd);
    public string MttaText => MetricSummary.Format(Mtta);
    public string MttcText => MetricSummary.Format(Mttc);
    public string MttrText => MetricSummary.Format(Mttr);

    /// <summary>Why a duration is missing, per metric name (MTTD, MTTA, MTTC, MTTR); absent when it is counted.</summary>
    public IReadOnlyDictionary<string, string> Excluded { get; init; } = new Dictionary<string, string>();

    /// <summary>The missing durations and why, as one line for tables.</summary>
    public string ExcludedText => string.Join("; ", Excluded.Select(kv => $"{kv.Key}: {kv.Value}"));

    public TimeSpan? Of(string metric) => metric switch
    {
        MetricsCalculator.Mttd => Mttd,
        MetricsCalculator.Mtta => Mtta,
        MetricsCalculator.Mttc => Mttc,
        MetricsCalculator.Mttr => Mttr,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a metric"),
    };

    public static IncidentMetrics From(Incident incident)
    {
        var excluded = new Dictionary<string, string>(StringComparer.Ordinal);
        TimeSpan? Span(string metric, DateTimeOffset? start, DateTimeOffset? stop, string missing)
        {
            if (start is null || stop is null)
            {
                excluded[metric] = missing;
                return null;
            }
            var d = stop.Value - start.Value;
            if (d < TimeSpan.Zero)
            {
                // A stop before its start is a clock problem (pipeline or responder clock), not a fast response.
                excluded[metric] = $"stop event {(-d).TotalSeconds:0.###} s before its start (clock skew)";
                return null;
            }
            return d;
        }
        return new IncidentMetrics
        {
            Incident = incident.Id,
            Title = incident.Title,
            Severity = incident.Severity.Length > 0 ? incident.Severity : MetricsCalculator.Unrated,
            IsDrill = incident.IsDrill,
            State = incident.State,
            Opened = incident.Opened,
            AlertTime = incident.AlertTime,
            TriageLeadAt = incident.TriageLeadAt,
            ContainedAt = incident.ContainedAt,
            Closed = incident.Closed,
            Mttd = Span(MetricsCalculator.Mttd, incident.AlertTime, incident.Opened, "no alert (opened by hand): no detection start"),
            Mtta = Span(MetricsCalculator.Mtta, incident.Opened, incident.TriageLeadAt, "no Triage Lead assigned yet"),
            Mttc = Span(MetricsCalculator.Mttc, incident.Opened, incident.ContainedAt, "no verified containment"),
            Mttr = Span(MetricsCalculator.Mttr, incident.Opened, incident.Closed, "not closed"),
            Excluded = excluded,
        };
    }

    public override string ToString() => $"{Incident} {Severity} MTTD {MetricSummary.Format(Mttd)} MTTA {MetricSummary.Format(Mtta)} MTTC {MetricSummary.Format(Mttc)} MTTR {MetricSummary.Format(Mttr)}";
}
