using System.Diagnostics;
using DeIRF.Core.Tests.Reports;
using DeIRF.Reports;
using DeIRF.Workspaces;

/// <summary>
/// Issue 19 finding 9: Export-DeirfReport of a 200,000-entry journal. The default report must stay bounded (the
/// section throws above <see cref="MaxBytes"/>); its time stands beside the linear verification of the same journal,
/// which the report also does.
/// </summary>
internal static class ReportBench
{
    public const int Entries = 200_000;
    public const long MaxBytes = 2_000_000;

    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var ws = Workspace.Initialize(Path.Combine(work, "report"));
        var opened = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        var id = LongIncident.Create(ws, Entries, opened, TimeSpan.FromMilliseconds(10), keyEvery: 1000);
        var journal = ws.JournalOf(id);
        long journalBytes = new FileInfo(ws.JournalPathFor(id)).Length;
        var clock = new DeIRF.Identity.FixedClock(opened + TimeSpan.FromHours(2));

        double verify = Best(3, () =>
        {
            if (!journal.Verify().IsValid)
            {
                throw new InvalidOperationException("report benchmark journal did not verify");
            }
        });
        long bytes = 0;
        double report = Best(3, () =>
        {
            var html = IncidentReport.Render(IncidentReport.Collect(ws, id, clock));
            bytes = IncidentReport.Write(Path.Combine(work, "report.html"), html, overwrite: true).Length;
        });
        Console.Error.WriteLine($"report: {Entries:N0} entries, journal {journalBytes / 1e6:F1} MB, report {bytes / 1e6:F2} MB in {report:F2} s (verify alone {verify:F3} s)");
        var rows = new List<(string, string, string, string, string)>
        {
            ($"Export-DeirfReport of a {Entries:N0}-entry journal ({journalBytes / 1e6:F0} MB; collect, verify, render, write)",
                $"{bytes / 1e6:F2} MB in {report:F2} s", $"linear verify of the same journal: {verify:F3} s", $"{report / verify:F1}× verify", "≤ 2 MB"),
        };
        if (bytes > MaxBytes)
        {
            throw new InvalidOperationException($"the default report of a {Entries:N0}-entry journal is {bytes:N0} bytes, over the {MaxBytes:N0}-byte bound");
        }
        return rows;
    }

    private static double Best(int runs, Action action)
    {
        double best = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
