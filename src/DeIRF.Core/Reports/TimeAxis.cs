using System.Globalization;
using System.Text;

namespace DeIRF.Reports;

/// <summary>Where a time falls against an axis window.</summary>
public enum AxisSide
{
    Before = -1,
    Inside = 0,
    After = 1,
}

/// <summary>One tick of a <see cref="TimeAxis"/>: its offset from the axis origin, its x position and its label.</summary>
public readonly record struct AxisTick(TimeSpan Offset, double X, string Label);

/// <summary>
/// The report chart's time axis (issue 19 finding 9). The window runs from the first to the last journal entry with a
/// small margin, never stretched by a deadline or the alert time: marks outside it are drawn at the edge with their real
/// offset. Ticks are whole multiples of a "nice" step (1/2/5 × 10ⁿ ms, 1/2/5/10/15/30 s and min, 1/2/3/6/12 h,
/// 1/2/5 × 10ⁿ days) counted from the origin (the incident's opening), labelled in the step's unit ("+1.4 s",
/// "+1 min 30 s", "+2 h").
/// </summary>
public sealed class TimeAxis
{
    /// <summary>Margin on each side of the entries, as a share of their span.</summary>
    public const double MarginShare = 0.03;

    /// <summary>The window when every entry is at one instant (one entry, or a batch written at once).</summary>
    public static readonly TimeSpan InstantWindow = TimeSpan.FromSeconds(1);

    /// <summary>The narrowest window for entries a few milliseconds apart (the journal keeps milliseconds).</summary>
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan[] Steps = BuildSteps();

    private TimeAxis(DateTimeOffset origin, DateTimeOffset start, DateTimeOffset end, double x0, double x1, TimeSpan step)
    {
        Origin = origin;
        Start = start;
        End = end;
        X0 = x0;
        X1 = x1;
        Step = step;
        var ticks = new List<AxisTick>();
        long first = (long)Math.Ceiling((start - origin).Ticks / (double)step.Ticks);
        long last = (long)Math.Floor((end - origin).Ticks / (double)step.Ticks);
        for (long k = first; k <= last; k++)
        {
            var offset = TimeSpan.FromTicks(k * step.Ticks);
            ticks.Add(new AxisTick(offset, X(origin + offset), TickLabel(offset, step)));
        }
        Ticks = ticks;
    }

    /// <summary>Offsets and labels count from here (the incident's opening).</summary>
    public DateTimeOffset Origin { get; }

    /// <summary>The window's left end.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The window's right end.</summary>
    public DateTimeOffset End { get; }

    /// <summary>The x of <see cref="Start"/>.</summary>
    public double X0 { get; }

    /// <summary>The x of <see cref="End"/>.</summary>
    public double X1 { get; }

    /// <summary>The distance between two ticks: one of the nice steps.</summary>
    public TimeSpan Step { get; }

    public IReadOnlyList<AxisTick> Ticks { get; }

    public TimeSpan Span => End - Start;

    /// <summary>The nice steps a tick distance is chosen from, smallest first.</summary>
    public static IReadOnlyList<TimeSpan> NiceSteps => Steps;

    /// <summary>
    /// Fits the window to <paramref name="entryTimes"/> (the journal entries; empty means the origin alone) and maps
    /// it onto x from <paramref name="x0"/> to <paramref name="x1"/>, with at most <paramref name="maxTicks"/> ticks.
    /// </summary>
    public static TimeAxis Fit(IEnumerable<DateTimeOffset> entryTimes, DateTimeOffset origin, double x0, double x1, int maxTicks = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTicks, 2);
        if (!(x1 > x0))
        {
            throw new ArgumentOutOfRangeException(nameof(x1), "the axis needs x1 > x0");
        }
        DateTimeOffset? min = null, max = null;
        foreach (var t in entryTimes)
        {
            min = min is null || t < min ? t : min;
            max = max is null || t > max ? t : max;
        }
        var first = min ?? origin;
        var last = max ?? origin;
        var span = last - first;
        DateTimeOffset start, end;
        if (span == TimeSpan.Zero)
        {
            start = first - InstantWindow / 2;
            end = first + InstantWindow / 2;
        }
        else if (span < MinimumWindow)
        {
            var centre = first + span / 2;
            start = centre - MinimumWindow / 2;
            end = centre + MinimumWindow / 2;
        }
        else
        {
            var margin = TimeSpan.FromTicks(Math.Max(1, (long)(span.Ticks * MarginShare)));
            start = first - margin;
            end = last + margin;
        }
        return new TimeAxis(origin, start, end, x0, x1, NiceStep(end - start, maxTicks));
    }

    /// <summary>The smallest nice step that puts at most <paramref name="maxTicks"/> ticks on a window of <paramref name="span"/>.</summary>
    public static TimeSpan NiceStep(TimeSpan span, int maxTicks)
    {
        foreach (var step in Steps)
        {
            if (span.Ticks / step.Ticks + 1 <= maxTicks)
            {
                return step;
            }
        }
        return Steps[^1];
    }

    /// <summary>Where <paramref name="t"/> falls against the window.</summary>
    public AxisSide SideOf(DateTimeOffset t) => t < Start ? AxisSide.Before : t > End ? AxisSide.After : AxisSide.Inside;

    /// <summary>The x of <paramref name="t"/>, clamped to the window's ends (use <see cref="SideOf"/> to tell an edge marker).</summary>
    public double X(DateTimeOffset t)
    {
        var share = (t - Start).Ticks / (double)(End - Start).Ticks;
        return X0 + Math.Clamp(share, 0, 1) * (X1 - X0);
    }

    /// <summary>The time at x (inverse of <see cref="X"/>), for bins.</summary>
    public DateTimeOffset TimeAt(double x) => Start + TimeSpan.FromTicks((long)((x - X0) / (X1 - X0) * (End - Start).Ticks));

    /// <summary>The offset of <paramref name="t"/> from the origin, for a label or a tooltip ("+30 min", "−7 min 12 s", "+1.25 s").</summary>
    public string OffsetLabel(DateTimeOffset t) => FormatOffset(t - Origin);

    /// <summary>
    /// An offset at the precision its size deserves: milliseconds under 10 s, seconds under an hour, minutes under a
    /// day, hours beyond. Zero is "0".
    /// </summary>
    public static string FormatOffset(TimeSpan offset)
    {
        var abs = offset.Duration();
        var unit = abs < TimeSpan.FromSeconds(10) ? TimeSpan.FromMilliseconds(1)
            : abs < TimeSpan.FromHours(1) ? TimeSpan.FromSeconds(1)
            : abs < TimeSpan.FromDays(1) ? TimeSpan.FromMinutes(1)
            : TimeSpan.FromHours(1);
        var rounded = TimeSpan.FromTicks((long)Math.Round(offset.Ticks / (double)unit.Ticks, MidpointRounding.AwayFromZero) * unit.Ticks);
        return Compose(rounded, unit, trimDecimals: true);
    }

    /// <summary>A tick's label, in the unit of the step (a 0.2 s step labels "+1.4 s"; a 15 min step "+1 h 15 min").</summary>
    public static string TickLabel(TimeSpan offset, TimeSpan step)
    {
        var unit = step < TimeSpan.FromSeconds(1) ? step
            : step < TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1)
            : step < TimeSpan.FromHours(1) ? TimeSpan.FromMinutes(1)
            : step < TimeSpan.FromDays(1) ? TimeSpan.FromHours(1)
            : TimeSpan.FromDays(1);
        return Compose(offset, unit, trimDecimals: false);
    }

    // "+1 d 6 h", "+2 min 30 s", "−0.25 s": the largest unit first, down to the smallest one the precision keeps; zero
    // parts between are left out. Below a second the seconds carry the decimals the precision needs.
    private static string Compose(TimeSpan value, TimeSpan precision, bool trimDecimals)
    {
        if (value == TimeSpan.Zero)
        {
            return "0";
        }
        var sb = new StringBuilder(value < TimeSpan.Zero ? "\u2212" : "+");
        var abs = value.Duration();
        var parts = new List<string>(4);
        long days = (long)abs.TotalDays;
        if (days > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{days} d"));
        }
        if (precision < TimeSpan.FromDays(1) && abs.Hours > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{abs.Hours} h"));
        }
        if (precision < TimeSpan.FromHours(1) && abs.Minutes > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{abs.Minutes} min"));
        }
        if (precision < TimeSpan.FromMinutes(1))
        {
            var seconds = abs.Seconds + abs.Milliseconds / 1000.0;
            if (precision < TimeSpan.FromSeconds(1))
            {
                int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(precision.TotalSeconds) - 1e-9), 1, 3);
                var text = seconds.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                if (trimDecimals)
                {
                    text = text.TrimEnd('0').TrimEnd('.');
                }
                if (seconds > 0 || parts.Count == 0)
                {
                    parts.Add(text + " s");
                }
            }
            else if (abs.Seconds > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{abs.Seconds} s"));
            }
        }
        if (parts.Count == 0)
        {
            // Only a remainder below the precision kept: never print a bare sign.
            parts.Add("0 s");
        }
        return sb.Append(string.Join(' ', parts)).ToString();
    }

    private static TimeSpan[] BuildSteps()
    {
        var steps = new List<TimeSpan>();
        foreach (var ms in new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500 })
        {
            steps.Add(TimeSpan.FromMilliseconds(ms));
        }
        foreach (var s in new[] { 1, 2, 5, 10, 15, 30 })
        {
            steps.Add(TimeSpan.FromSeconds(s));
        }
        foreach (var m in new[] { 1, 2, 5, 10, 15, 30 })
        {
            steps.Add(TimeSpan.FromMinutes(m));
        }
        foreach (var h in new[] { 1, 2, 3, 6, 12 })
        {
            steps.Add(TimeSpan.FromHours(h));
        }
        // Days up to about 5,000 years: far beyond any journal a DateTimeOffset can hold.
        for (long scale = 1; scale <= 1_000_000; scale *= 10)
        {
            foreach (var d in new[] { 1, 2, 5 })
            {
                steps.Add(TimeSpan.FromDays(d * scale));
            }
        }
        return steps.ToArray();
    }
}
