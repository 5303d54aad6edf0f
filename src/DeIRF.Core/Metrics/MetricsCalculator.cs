using DeIRF.Incidents;
using DeIRF.Workspaces;

namespace DeIRF.Metrics;

/// <summary>Which incidents a metrics run looks at.</summary>
public sealed record MetricsSelection
{
    /// <summary>Incidents opened at or after this time (UTC).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Incidents opened before this time (UTC).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only these severities (P1..P4, or "unrated"); empty for all.</summary>
    public IReadOnlyList<string> Severities { get; init; } = [];

    /// <summary>Drill incidents (incident.opened body drill=true) are left out unless this is set.</summary>
    public bool IncludeDrill { get; init; }

    public bool Includes(IncidentMetrics m)
        => (IncludeDrill || !m.IsDrill)
            && (Since is not { } s || m.Opened >= s)
            && (Until is not { } u || m.Opened < u)
            && (Severities.Count == 0 || Severities.Contains(m.Severity, StringComparer.OrdinalIgnoreCase));
}

/// <summary>
/// MTTD, MTTA, MTTC and MTTR from journals only: per incident (<see cref="IncidentMetrics"/>) and aggregated per
/// severity and overall (<see cref="MetricSummary"/>), every aggregate with its sample size. docs/metrics.md.
/// </summary>
public static class MetricsCalculator
{
    public const string Mttd = "MTTD";
    public const string Mtta = "MTTA";
    public const string Mttc = "MTTC";
    public const string Mttr = "MTTR";
    public static readonly IReadOnlyList<string> Names = [Mttd, Mtta, Mttc, Mttr];

    /// <summary>The severity group of incidents never triaged with severity.set.</summary>
    public const string Unrated = "unrated";

    /// <summary>The overall group.</summary>
    public const string All = "all";

    /// <summary>A 90th percentile of fewer than ten durations is the maximum in disguise: not shown.</summary>
    public const int P90MinimumSample = 10;

    /// <summary>
    /// Every incident of the workspace, folded from its journal. An incident whose journal cannot be read is reported
    /// to <paramref name="onProblem"/> and left out (the caller says so), never silently counted as zero.
    /// </summary>
    public static IReadOnlyList<IncidentMetrics> ForWorkspace(Workspace ws, Action<string, Exception>? onProblem = null, CancellationToken cancellationToken = default)
    {
        var list = new List<IncidentMetrics>();
        foreach (var id in ws.IncidentIds())
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                list.Add(IncidentMetrics.From(ws.GetIncident(id)));
            }
            catch (Exception ex) when (ex is DeirfException or IOException or UnauthorizedAccessException && onProblem is not null)
            {
                onProblem!(id, ex);
            }
        }
        return list;
    }

    /// <summary>The incidents <paramref name="selection"/> includes, oldest first.</summary>
    public static IReadOnlyList<IncidentMetrics> Select(IEnumerable<IncidentMetrics> incidents, MetricsSelection selection)
        => incidents.Where(selection.Includes).OrderBy(m => m.Opened).ThenBy(m => m.Incident, StringComparer.Ordinal).ToList();

    /// <summary>
    /// One summary per severity present (P1..P4, then unrated) and metric, then the overall group <see cref="All"/>.
    /// <paramref name="incidents"/> must already be selected.
    /// </summary>
    public static IReadOnlyList<MetricSummary> Summarize(IReadOnlyList<IncidentMetrics> incidents)
    {
        var result = new List<MetricSummary>();
        var groups = incidents.GroupBy(m => m.Severity, StringComparer.Ordinal).OrderBy(g => g.Key == Unrated ? "~" : g.Key, StringComparer.Ordinal);
        foreach (var g in groups)
        {
            result.AddRange(Names.Select(n => Summarize(g.Key, n, g.ToList())));
        }
        result.AddRange(Names.Select(n => Summarize(All, n, incidents)));
        return result;
    }

    public static MetricSummary Summarize(string severity, string metric, IReadOnlyList<IncidentMetrics> incidents)
    {
        var values = incidents.Select(m => m.Of(metric)).Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
        var reasons = incidents.Where(m => m.Excluded.ContainsKey(metric))
            .GroupBy(m => Reason(m.Excluded[metric]), StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}");
        return new MetricSummary
        {
            Severity = severity,
            Metric = metric,
            N = values.Length,
            NotCounted = incidents.Count - values.Length,
            Mean = values.Length == 0 ? null : TimeSpan.FromTicks((long)values.Average(v => (decimal)v.Ticks)),
            Median = values.Length == 0 ? null : Median(values),
            P90 = values.Length >= P90MinimumSample ? NearestRank(values, 0.90) : null,
            Min = values.Length == 0 ? null : values[0],
            Max = values.Length == 0 ? null : values[^1],
            Note = string.Join(", ", reasons),
        };
    }

    /// <summary>The short form of an exclusion reason for the summary note ("without alert", "not closed").</summary>
    private static string Reason(string text) => text switch
    {
        _ when text.StartsWith("no alert", StringComparison.Ordinal) => "without alert",
        _ when text.Contains("clock skew", StringComparison.Ordinal) => "with clock skew",
        _ => text,
    };

    /// <summary>The middle value; the mean of the two middle values for an even count. <paramref name="sorted"/> ascending.</summary>
    public static TimeSpan Median(IReadOnlyList<TimeSpan> sorted)
    {
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : TimeSpan.FromTicks((sorted[n / 2 - 1].Ticks + sorted[n / 2].Ticks) / 2);
    }

    /// <summary>Nearest-rank percentile: the ⌈p·n⌉-th smallest value. <paramref name="sorted"/> ascending.</summary>
    public static TimeSpan NearestRank(IReadOnlyList<TimeSpan> sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
