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
        (double Seconds, long Bytes) Export(IncidentReportOptions options, string name)
        {
            long written = 0;
            double t = Best(3, () =>
            {
                var html = IncidentReport.Render(IncidentReport.Collect(ws, id, clock), options);
                written = IncidentReport.Write(Path.Combine(work, name), html, overwrite: true).Length;
            });
            return (t, written);
        }
        var (report, bytes) = Export(IncidentReportOptions.Default, "report.html");
        var (full, fullBytes) = Export(new IncidentReportOptions { Full = true }, "report-full.html");
        Console.Error.WriteLine($"report: {Entries:N0} entries, journal {journalBytes / 1e6:F1} MB; default {bytes / 1e6:F2} MB in {report:F2} s, "
            + $"-Full {fullBytes / 1e6:F1} MB in {full:F2} s (verify alone {verify:F3} s)");
        var rows = new List<(string, string, string, string, string)>
        {
            ($"Export-DeirfReport of a {Entries:N0}-entry journal ({journalBytes / 1e6:F0} MB), default: collect + verify + render + write, journal listed as an excerpt",
                $"{bytes / 1e6:F2} MB in {report:F2} s", $"linear verify of the same journal: {verify:F3} s", $"{report / verify:F1}× verify", "≤ 2 MB (the section throws above)"),
            ($"… with -Full (all {Entries:N0} entries listed)",
                $"{fullBytes / 1e6:F1} MB in {full:F2} s", $"the journal file: {journalBytes / 1e6:F1} MB", $"{(double)fullBytes / journalBytes:F2}× the journal's size", "—"),
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
