using DeIRF.Reports;
using Xunit;

namespace DeIRF.Core.Tests.Reports;

/// <summary>
/// The report chart's time axis (issue 19 finding 9: a 1.5 s drill with open deadlines drew an axis from −00:30 to
/// +30:55, every event in one pixel column, ticks at odd values).
/// </summary>
public class TimeAxisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    private static void AssertNiceTicks(TimeAxis axis)
    {
        Assert.Contains(axis.Step, TimeAxis.NiceSteps);
        Assert.InRange(axis.Ticks.Count, 2, 8);
        foreach (var tick in axis.Ticks)
        {
            // Whole multiples of the step, counted from the opening, inside the window and in x order.
            Assert.Equal(0, tick.Offset.Ticks % axis.Step.Ticks);
            Assert.InRange(T0 + tick.Offset, axis.Start, axis.End);
            Assert.InRange(tick.X, axis.X0, axis.X1);
        }
        Assert.True(axis.Ticks.Zip(axis.Ticks.Skip(1)).All(p => p.Second.X > p.First.X && p.Second.Offset - p.First.Offset == axis.Step));
        Assert.Equal(axis.Ticks.Count, axis.Ticks.Select(t => t.Label).Distinct().Count());
    }

    [Fact]
    public void DrillOfOneAndAHalfSecondsWithAThirtyMinuteDeadlineGetsASecondsWindow()
    {
        var entries = new[] { At(0), At(0.05), At(0.4), At(0.9), At(1.2), At(1.5) };
        var axis = TimeAxis.Fit(entries, T0, 160, 1060);
        // About 0..1.6 s: the entries plus a small margin; the deadline 30 min out plays no part.
        Assert.InRange((axis.Start - T0).TotalSeconds, -0.1, 0);
        Assert.InRange((axis.End - T0).TotalSeconds, 1.5, 1.6);
        var deadline = T0 + TimeSpan.FromMinutes(30);
        Assert.Equal(AxisSide.After, axis.SideOf(deadline));
        Assert.Equal(axis.X1, axis.X(deadline));
        Assert.Equal("+30 min", axis.OffsetLabel(deadline));
        // The entries spread over the width: the first near the left end, the last near the right.
        Assert.InRange(axis.X(entries[0]), 160, 160 + 0.05 * 900);
        Assert.InRange(axis.X(entries[^1]), 1060 - 0.05 * 900, 1060);
        AssertNiceTicks(axis);
        Assert.Equal(TimeSpan.FromMilliseconds(200), axis.Step);
        Assert.Equal(["0", "+0.2 s", "+0.4 s", "+0.6 s", "+0.8 s", "+1.0 s", "+1.2 s", "+1.4 s"], axis.Ticks.Select(t => t.Label));
    }

    [Theory]
    [InlineData(0.3, 50)]              // 300 ms
    [InlineData(45, 10_000)]           // under a minute
    [InlineData(100, 15_000)]          // a minute and a half: 15 s ticks labelled in minutes and seconds
    [InlineData(1_700, 300_000)]       // about half an hour
    [InlineData(5_400, 900_000)]       // an hour and a half
    [InlineData(30_000, 7_200_000)]    // a working day
    [InlineData(200_000, 43_200_000)]  // two days and more
    [InlineData(3_000_000, 432_000_000)] // five weeks
    public void StepsAreNiceAtEveryScale(double spanSeconds, long expectedStepMs)
    {
        var axis = TimeAxis.Fit([At(0), At(spanSeconds / 3), At(spanSeconds)], T0, 0, 1000);
        AssertNiceTicks(axis);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedStepMs), axis.Step);
        Assert.InRange(axis.Span.TotalSeconds, spanSeconds, spanSeconds * (1 + 2 * TimeAxis.MarginShare) + 1e-6);
    }

    [Fact]
    public void LabelsReadAsTimes()
    {
        Assert.Equal("+1 min 30 s", TimeAxis.TickLabel(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(15)));
        Assert.Equal("+2 min", TimeAxis.TickLabel(TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(15)));
        Assert.Equal("+1 h 15 min", TimeAxis.TickLabel(TimeSpan.FromMinutes(75), TimeSpan.FromMinutes(15)));
        Assert.Equal("+1 d 6 h", TimeAxis.TickLabel(TimeSpan.FromHours(30), TimeSpan.FromHours(6)));
        Assert.Equal("+3 d", TimeAxis.TickLabel(TimeSpan.FromDays(3), TimeSpan.FromDays(1)));
        Assert.Equal("+0.05 s", TimeAxis.TickLabel(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)));
        Assert.Equal("\u22120.4 s", TimeAxis.TickLabel(TimeSpan.FromMilliseconds(-400), TimeSpan.FromMilliseconds(200)));
        Assert.Equal("0", TimeAxis.TickLabel(TimeSpan.Zero, TimeSpan.FromHours(1)));
        // Edge-marker offsets keep the precision their size deserves.
        Assert.Equal("+1.25 s", TimeAxis.FormatOffset(TimeSpan.FromMilliseconds(1250)));
        Assert.Equal("+29 min 58 s", TimeAxis.FormatOffset(TimeSpan.FromSeconds(1798.4)));
        Assert.Equal("\u22127 min", TimeAxis.FormatOffset(TimeSpan.FromMinutes(-7)));
        Assert.Equal("+3 d 2 h", TimeAxis.FormatOffset(TimeSpan.FromHours(74.2)));
        Assert.Equal("+3 d", TimeAxis.FormatOffset(TimeSpan.FromHours(72)));
    }

    [Fact]
    public void OneEntryGetsASecondAroundIt()
    {
        var axis = TimeAxis.Fit([T0], T0, 0, 1000);
        Assert.Equal(T0 - TimeSpan.FromSeconds(0.5), axis.Start);
        Assert.Equal(T0 + TimeSpan.FromSeconds(0.5), axis.End);
        Assert.Equal(500, axis.X(T0), 6);
        AssertNiceTicks(axis);
        Assert.Contains(axis.Ticks, t => t.Offset == TimeSpan.Zero && t.Label == "0");
    }

    [Fact]
    public void EntriesAtOneInstantAwayFromTheOpeningStillGetAWindow()
    {
        // A batch written at once, its times all equal; the origin (opening) is elsewhere.
        var at = At(42);
        var axis = TimeAxis.Fit([at, at, at], T0, 0, 1000);
        Assert.Equal(AxisSide.Inside, axis.SideOf(at));
        Assert.Equal(500, axis.X(at), 6);
        AssertNiceTicks(axis);
        Assert.All(axis.Ticks, t => Assert.StartsWith("+4", t.Label));
        // No entries at all: the origin alone.
        var empty = TimeAxis.Fit([], T0, 0, 1000);
        Assert.Equal(AxisSide.Inside, empty.SideOf(T0));
    }

    [Fact]
    public void EntriesMillisecondsApartGetTheNarrowestWindow()
    {
        var axis = TimeAxis.Fit([At(0), At(0.002)], T0, 0, 1000);
        Assert.Equal(TimeAxis.MinimumWindow, axis.Span);
        AssertNiceTicks(axis);
        Assert.True(axis.X(At(0.002)) - axis.X(At(0)) > 150);
    }

    [Fact]
    public void EntriesSpanningDaysWithTheAlertBeforeTheWindow()
    {
        var entries = new[] { At(0), At(3_600), At(86_400), At(3 * 86_400 + 7_200) };
        var axis = TimeAxis.Fit(entries, T0, 0, 1000);
        AssertNiceTicks(axis);
        Assert.Equal(TimeSpan.FromHours(12), axis.Step);
        Assert.Equal(["0", "+12 h", "+1 d", "+1 d 12 h", "+2 d", "+2 d 12 h", "+3 d"], axis.Ticks.Select(t => t.Label));
        // An alert a week before the opening is an edge marker on the left, never a stretch of the axis.
        var alert = T0 - TimeSpan.FromDays(7);
        Assert.Equal(AxisSide.Before, axis.SideOf(alert));
        Assert.Equal(0, axis.X(alert));
        Assert.Equal("\u22127 d", axis.OffsetLabel(alert));
    }

    [Fact]
    public void RefusesAnEmptyPixelRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeAxis.Fit([T0], T0, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeAxis.Fit([T0], T0, 0, 10, maxTicks: 1));
    }
}
