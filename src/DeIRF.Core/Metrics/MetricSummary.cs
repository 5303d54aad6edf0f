using System.Globalization;

namespace DeIRF.Metrics;

/// <summary>
/// One metric over a set of incidents (one severity, or all): the sample size always, mean and median when there is a
/// sample, p90 from ten incidents on. With one incident the value is that incident's duration, and says so.
/// </summary>
public sealed class MetricSummary
{
    /// <summary>P1..P4, <see cref="MetricsCalculator.Unrated"/>, or <see cref="MetricsCalculator.All"/>.</summary>
    public string Severity { get; init; } = string.Empty;

    /// <summary>MTTD, MTTA, MTTC or MTTR.</summary>
    public string Metric { get; init; } = string.Empty;

    /// <summary>Incidents whose duration is counted (the sample size).</summary>
    public int N { get; init; }

    /// <summary>Incidents in the selection whose duration is not counted (no alert, not contained, not closed...).</summary>
    public int NotCounted { get; init; }

    public TimeSpan? Mean { get; init; }
    public TimeSpan? Median { get; init; }

    /// <summary>90th percentile (nearest rank); only when N ≥ <see cref="MetricsCalculator.P90MinimumSample"/>.</summary>
    public TimeSpan? P90 { get; init; }
    public TimeSpan? Min { get; init; }
    public TimeSpan? Max { get; init; }

    /// <summary>What the numbers are: "mean of 4", "one incident (not a mean)", "no sample".</summary>
    public string Statistic => N switch
    {
        0 => "no sample",
        1 => "one incident (not a mean)",
        _ => $"mean of {N}",
    };

    /// <summary>Why incidents were not counted, e.g. "2 without alert"; empty when all were.</summary>
    public string Note { get; init; } = string.Empty;

    public string MeanText => Format(Mean);
    public string MedianText => Format(Median);
    public string P90Text => N >= MetricsCalculator.P90MinimumSample ? Format(P90) : $"n<{MetricsCalculator.P90MinimumSample}";

    /// <summary>"1d 02:03:04", "02:03:04", "03:04.5" style, invariant; "-" for none.</summary>
    public static string Format(TimeSpan? span)
    {
        if (span is not { } s)
        {
            return "-";
        }
        if (s.TotalDays >= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalDays}d {s.Hours:00}:{s.Minutes:00}:{s.Seconds:00}");
        }
        if (s.TotalHours >= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{s.Hours:00}:{s.Minutes:00}:{s.Seconds:00}");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{s.Minutes:00}:{s.Seconds:00}.{s.Milliseconds / 100}");
    }

    public override string ToString() => N == 0
        ? $"{Severity} {Metric}: no sample{(Note.Length > 0 ? $" ({Note})" : string.Empty)}"
        : $"{Severity} {Metric}: {Statistic} {MeanText}, median {MedianText}{(P90 is null ? string.Empty : $", p90 {P90Text}")} (n={N})";
}
