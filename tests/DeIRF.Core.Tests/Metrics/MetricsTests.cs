using DeIRF.Metrics;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Metrics;

/// <summary>MTTD/MTTA/MTTC/MTTR on hand-built journals with known times: known numbers, sample sizes, drills, replicas.</summary>
public class MetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 9, 1, 8, 0, 0, TimeSpan.Zero);

    private static TimeSpan Min(double m) => TimeSpan.FromMinutes(m);

    /// <summary>Three P1s, one P2 without alert and never contained, one open P2, one P1 drill.</summary>
    private static (MetricsJournal J, string[] Ids) World()
    {
        var j = new MetricsJournal();
        var a = j.Full(T0, "P1", detectMin: 10, ackMin: 4, containMin: 30, resolveMin: 120);
        var b = j.Full(T0 + TimeSpan.FromDays(1), "P1", detectMin: 20, ackMin: 6, containMin: 60, resolveMin: 240);
        var c = j.Full(T0 + TimeSpan.FromDays(2), "P1", detectMin: 60, ackMin: 20, containMin: 90, resolveMin: 600);
        // P2 opened by hand (no alert): no MTTD; never contained: no MTTC.
        var d = j.Open(T0 + TimeSpan.FromDays(3));
        j.Severity(d, T0 + TimeSpan.FromDays(3) + Min(1), "P2");
        j.Grant(d, T0 + TimeSpan.FromDays(3) + Min(15), "TriageLead", "bob");
        j.Close(d, T0 + TimeSpan.FromDays(3) + Min(45));
        // P2 still open: MTTD and MTTA only.
        var e = j.Open(T0 + TimeSpan.FromDays(4), T0 + TimeSpan.FromDays(4) - Min(5));
        j.Severity(e, T0 + TimeSpan.FromDays(4) + Min(2), "P2");
        j.Grant(e, T0 + TimeSpan.FromDays(4) + Min(3), "TriageLead", "bob");
        // A drill, much faster than anything real.
        var f = j.Full(T0 + TimeSpan.FromDays(5), "P1", detectMin: 1, ackMin: 1, containMin: 2, resolveMin: 3, drill: true);
        return (j, [a, b, c, d, e, f]);
    }

    private static MetricSummary Row(IEnumerable<MetricSummary> rows, string severity, string metric) => Assert.Single(rows, r => r.Severity == severity && r.Metric == metric);

    [Fact]
    public void PerIncidentDurationsAreTheKnownTimes()
    {
        var (j, ids) = World();
        var all = MetricsCalculator.ForWorkspace(j.Workspace).ToDictionary(m => m.Incident);
        var a = all[ids[0]];
        Assert.Equal(Min(10), a.Mttd);
        // MTTA stops at the first TriageLead grant, not at severity.set (2 min) nor the second lead (5 min).
        Assert.Equal(Min(4), a.Mtta);
        // MTTC stops at the first VERIFIED containment (30 min), not the unverified one at 15.
        Assert.Equal(Min(30), a.Mttc);
        Assert.Equal(Min(120), a.Mttr);
        Assert.Equal("P1", a.Severity);
        Assert.Empty(a.Excluded);

        var d = all[ids[3]];
        Assert.Null(d.Mttd);
        Assert.StartsWith("no alert", d.Excluded["MTTD"]);
        Assert.Equal(Min(15), d.Mtta);
        Assert.Null(d.Mttc);
        Assert.Equal(Min(45), d.Mttr);
        var e = all[ids[4]];
        Assert.Equal(Min(5), e.Mttd);
        Assert.Null(e.Mttr);
        Assert.Equal("not closed", e.Excluded["MTTR"]);
        Assert.True(all[ids[5]].IsDrill);
    }

    [Fact]
    public void AggregatesPerSeverityWithSampleSizes()
    {
        var (j, _) = World();
        var rows = MetricsCalculator.Summarize(MetricsCalculator.Select(MetricsCalculator.ForWorkspace(j.Workspace), new MetricsSelection()));
        // P1: three real incidents (the drill is left out).
        var p1d = Row(rows, "P1", "MTTD");
        Assert.Equal(3, p1d.N);
        Assert.Equal(Min(30), p1d.Mean);          // (10 + 20 + 60) / 3
        Assert.Equal(Min(20), p1d.Median);
        Assert.Null(p1d.P90);                      // n < 10
        Assert.Equal("mean of 3", p1d.Statistic);
        Assert.Equal(Min(10), Row(rows, "P1", "MTTA").Mean);   // (4 + 6 + 20) / 3
        Assert.Equal(Min(60), Row(rows, "P1", "MTTC").Mean);   // (30 + 60 + 90) / 3
        Assert.Equal(Min(320), Row(rows, "P1", "MTTR").Mean);  // (120 + 240 + 600) / 3
        Assert.Equal(Min(240), Row(rows, "P1", "MTTR").Median);

        // P2: two incidents; each metric says how many were counted and why the others were not.
        var p2d = Row(rows, "P2", "MTTD");
        Assert.Equal((1, 1), (p2d.N, p2d.NotCounted));
        Assert.Equal("one incident (not a mean)", p2d.Statistic);
        Assert.Equal("1 without alert", p2d.Note);
        var p2c = Row(rows, "P2", "MTTC");
        Assert.Equal(0, p2c.N);
        Assert.Null(p2c.Mean);
        Assert.Equal("no sample", p2c.Statistic);
        Assert.Equal("2 no verified containment", p2c.Note);
        var p2a = Row(rows, "P2", "MTTA");
        Assert.Equal(2, p2a.N);
        Assert.Equal(Min(9), p2a.Mean);            // (15 + 3) / 2
        Assert.Equal(Min(9), p2a.Median);          // even count: mean of the two middle values
        var p2r = Row(rows, "P2", "MTTR");
        Assert.Equal((1, "1 not closed"), (p2r.N, p2r.Note));

        // Overall: five real incidents.
        var allD = Row(rows, "all", "MTTD");
        Assert.Equal(4, allD.N);
        Assert.Equal(Min(23.75), allD.Mean);       // (10 + 20 + 60 + 5) / 4
        Assert.Equal(Min(15), allD.Median);        // 5 10 | 20 60 → (10 + 20) / 2
        Assert.Equal(5, Row(rows, "all", "MTTA").N);
        Assert.Equal(4 * 2 + 4, rows.Count);       // P1 and P2 × 4 metrics + all × 4
    }

    [Fact]
    public void DrillsExcludedUnlessIncluded()
    {
        var (j, ids) = World();
        var all = MetricsCalculator.ForWorkspace(j.Workspace);
        var real = MetricsCalculator.Select(all, new MetricsSelection());
        Assert.DoesNotContain(real, m => m.Incident == ids[5]);
        Assert.Equal(5, real.Count);
        var withDrill = MetricsCalculator.Select(all, new MetricsSelection { IncludeDrill = true });
        Assert.Equal(6, withDrill.Count);
        var p1 = Row(MetricsCalculator.Summarize(withDrill), "P1", "MTTD");
        Assert.Equal(4, p1.N);
        Assert.Equal(Min(22.75), p1.Mean);         // (10 + 20 + 60 + 1) / 4
    }

    [Fact]
    public void SinceUntilAndSeverityFilterByOpening()
    {
        var (j, ids) = World();
        var all = MetricsCalculator.ForWorkspace(j.Workspace);
        var window = MetricsCalculator.Select(all, new MetricsSelection { Since = T0 + TimeSpan.FromDays(1), Until = T0 + TimeSpan.FromDays(3) });
        Assert.Equal([ids[1], ids[2]], window.Select(m => m.Incident));
        var p2 = MetricsCalculator.Select(all, new MetricsSelection { Severities = ["p2"] });
        Assert.Equal([ids[3], ids[4]], p2.Select(m => m.Incident));
    }

    [Fact]
    public void NinetiethPercentileFromTenIncidents()
    {
        var j = new MetricsJournal();
        for (int i = 1; i <= 10; i++)
        {
            j.Full(T0 + TimeSpan.FromHours(i), "P3", detectMin: i, ackMin: 1, containMin: 2, resolveMin: 3);
        }
        var row = Row(MetricsCalculator.Summarize(MetricsCalculator.Select(MetricsCalculator.ForWorkspace(j.Workspace), new MetricsSelection())), "P3", "MTTD");
        Assert.Equal(10, row.N);
        Assert.Equal(Min(9), row.P90);             // nearest rank: ⌈0.9 × 10⌉ = 9th of 1..10
        Assert.Equal(Min(5.5), row.Mean);
        Assert.Equal(Min(5.5), row.Median);
        Assert.Equal((Min(1), Min(10)), (row.Min!.Value, row.Max!.Value));
    }

    [Fact]
    public void AReplicaGivesTheSameNumbers()
    {
        var (j, _) = World();
        // A replica: the journals copied into another folder (as a git clone would), without the replica-local head records.
        var copy = Path.Combine(Directory.CreateTempSubdirectory("deirf-replica-").FullName, "ws");
        foreach (var file in Directory.EnumerateFiles(j.Workspace.Root, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".head", StringComparison.Ordinal) || file.EndsWith(".lock", StringComparison.Ordinal))
            {
                continue;
            }
            var to = Path.Combine(copy, Path.GetRelativePath(j.Workspace.Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        var replica = Workspace.Open(copy);
        string Digest(Workspace ws) => string.Join("\n", MetricsCalculator.Summarize(MetricsCalculator.Select(MetricsCalculator.ForWorkspace(ws), new MetricsSelection { IncludeDrill = true }))
            .Select(r => $"{r.Severity} {r.Metric} {r.N} {r.Mean?.Ticks} {r.Median?.Ticks} {r.P90?.Ticks} {r.Note}"));
        var original = Digest(j.Workspace);
        Assert.Equal(original, Digest(replica));
        Assert.Contains("P1 MTTD 4", original);
    }

    [Fact]
    public void StopBeforeStartIsClockSkewNotAFastResponse()
    {
        var j = new MetricsJournal();
        // The alert's event time is two minutes after the incident was opened: the pipeline clock runs ahead.
        var id = j.Open(T0, T0 + Min(2));
        var m = Assert.Single(MetricsCalculator.ForWorkspace(j.Workspace));
        Assert.Null(m.Mttd);
        Assert.Contains("clock skew", m.Excluded["MTTD"]);
        Assert.Equal("1 with clock skew", MetricsCalculator.Summarize("all", "MTTD", [m]).Note);
        Assert.Equal(id, m.Incident);
    }
}
