using System.Text;
using System.Text.RegularExpressions;
using DeIRF.Incidents;
using DeIRF.Journal.Kinds;
using DeIRF.Reports;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Reports;

/// <summary>
/// Issue 19 finding 9: a 200,000-entry journal gave a 52.9 MB report. Over 500 entries the journal table is an
/// excerpt (first and last 100, the key entries, capped) with a line saying what was left out; the chart draws a
/// crowded lane as density; -Full lists every entry.
/// </summary>
public class LongJournalReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private const long Bound = 2_000_000;

    private static (Workspace Ws, string Id) Long(int entries, int keyEvery)
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-longreport-").FullName, "ws"));
        return (ws, LongIncident.Create(ws, entries, T0, TimeSpan.FromMilliseconds(10), keyEvery));
    }

    private static IncidentReportData Collect(Workspace ws, string id)
        => IncidentReport.Collect(ws, id, new DeIRF.Identity.FixedClock(T0 + TimeSpan.FromHours(2)));

    private static string JournalTable(string html)
    {
        int start = html.IndexOf("<section><h2>Journal</h2>", StringComparison.Ordinal);
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static long[] ListedSeqs(string html)
        => Regex.Matches(JournalTable(html), "<tr(?: class=\"phase\")?><td>(\\d+)</td>").Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void TwentyThousandEntriesGiveAReportUnderTwoMegabytesAndFullListsThemAll()
    {
        var (ws, id) = Long(20_000, keyEvery: 50);
        var data = Collect(ws, id);
        Assert.True(data.Journal.IsValid);
        Assert.Equal(20_000, data.Timeline.Count);

        var html = IncidentReport.Render(data);
        long bytes = Encoding.UTF8.GetByteCount(html);
        Assert.True(bytes < Bound, $"default report of 20,000 entries is {bytes:N0} bytes");
        var listed = ListedSeqs(html);
        var excerpt = JournalExcerpt.Select(data.Timeline);
        Assert.Equal(excerpt.Shown.Count, listed.Length);
        Assert.Equal(excerpt.Shown.Select(e => e.Seq), listed);
        Assert.InRange(listed.Length, 201, 500);
        // The first and last 100, and the key entries: the severity, the deadlines, the signatures, the containment, the close.
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), listed.Take(100));
        Assert.Equal(Enumerable.Range(19_900, 100).Select(i => (long)i), listed.TakeLast(100));
        foreach (var e in data.Timeline.Where(e => e.Kind is ProposalSigned.KindName or ContainmentApplied.KindName))
        {
            Assert.Contains(e.Seq, listed);
        }
        // 400 role grants: over the cap of 300, so some are left out, and the line says so.
        Assert.Equal(300, excerpt.KeyShown);
        Assert.True(excerpt.KeyLeftOut > 0);
        Assert.Contains($"Listed: {listed.Length:N0} of 20,000 entries", html);
        Assert.Contains($"{20_000 - listed.Length:N0} entries are not listed.", html);
        Assert.Contains($"{excerpt.KeyLeftOut:N0} more left out", html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(ws.JournalPathFor(id)), html);
        Assert.Contains($"head #19999 {data.Entries[^1].Hash}", html);
        Assert.Contains("Export-DeirfReport -Full", html);
        Assert.Contains("<tr class=\"gap\"><td colspan=\"6\">… ", html);
        // The chart is bounded too: 19,000-odd notes are a density strip, not one line each.
        var svg = html[html.IndexOf("<svg", StringComparison.Ordinal)..html.IndexOf("</svg>", StringComparison.Ordinal)];
        Assert.True(svg.Length < 200_000, $"chart is {svg.Length:N0} characters");
        Assert.Contains("Drawn as density", html);
        // 400 responders granted a role: the roles row is clipped too, and says where the rest is.
        Assert.Contains("more characters: Get-DeirfIncident shows them all)", html);

        var full = IncidentReport.Render(data, new IncidentReportOptions { Full = true });
        Assert.Equal(data.Timeline.Select(e => e.Seq), ListedSeqs(full));
        Assert.DoesNotContain("entries are not listed", full);
        Assert.DoesNotContain("class=\"gap\"", full);
        Assert.True(Encoding.UTF8.GetByteCount(full) > 10 * bytes, "-Full is the whole journal");
    }

    [Fact]
    public void UpToTheThresholdEveryEntryIsListed()
    {
        var (ws, id) = Long(500, keyEvery: 0);
        var data = Collect(ws, id);
        var html = IncidentReport.Render(data);
        Assert.Equal(data.Timeline.Select(e => e.Seq), ListedSeqs(html));
        Assert.DoesNotContain("entries are not listed", html);
        // 490-odd notes: drawn one by one (a tick each), no density strip below 500 marks a lane.
        Assert.DoesNotContain("Drawn as density", html);
    }

    [Fact]
    public void TheCapKeepsPhasesAndContainmentBeforeRoleChanges()
    {
        var (ws, id) = Long(5_000, keyEvery: 5);
        var data = Collect(ws, id);
        var excerpt = JournalExcerpt.Select(data.Timeline, new IncidentReportOptions { Head = 1, Tail = 10, KeyCap = 20 });
        Assert.True(excerpt.IsExcerpt);
        Assert.Equal(31, excerpt.Shown.Count);
        Assert.Equal(20, excerpt.KeyShown);
        Assert.True(excerpt.KeyLeftOut > 900, $"{excerpt.KeyLeftOut} key entries left out");
        // Under the cap: the containment, the severity and both deadlines, the two signatures, then role grants.
        var middle = excerpt.Shown.Skip(1).Take(20).ToList();
        Assert.Single(middle, e => e.Kind == ContainmentApplied.KindName);
        Assert.Single(middle, e => e.Kind == SeveritySet.KindName);
        Assert.Equal(2, middle.Count(e => e.Kind == DeadlineSet.KindName));
        Assert.Equal(2, middle.Count(e => e.Kind == ProposalSigned.KindName));
        Assert.Equal(14, middle.Count(e => e.Kind == RoleGranted.KindName));
        // In timeline order, whatever the priority that picked them.
        Assert.Equal(excerpt.Shown.Select(e => e.Seq).Order(), excerpt.Shown.Select(e => e.Seq));
        Assert.False(JournalExcerpt.IsKey(data.Timeline.First(e => e.Kind == Note.KindName)));
    }
}
