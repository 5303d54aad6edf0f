using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Core.Tests.Metrics;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Reports;
using Xunit;

namespace DeIRF.Core.Tests.Reports;

/// <summary>The HTML report: escaped journal text, nothing external, and a real headless Chromium that draws it.</summary>
public class IncidentReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private const string HostileTitle = "<script>alert('title')</script><img src=x onerror=alert(1)>";

    private static (MetricsJournal J, string Id) Incident()
    {
        var j = new MetricsJournal();
        var id = j.Open(T0, T0 - TimeSpan.FromMinutes(7), title: HostileTitle);
        j.Severity(id, T0 + TimeSpan.FromMinutes(3), "P1");
        j.Append(id, T0 + TimeSpan.FromMinutes(3), DeadlineSet.KindName, "bob", new JsonObject { ["due"] = Timestamps.ToJournal(T0 + TimeSpan.FromMinutes(15)), ["name"] = "triage" });
        j.Append(id, T0 + TimeSpan.FromMinutes(3), DeadlineSet.KindName, "bob", new JsonObject { ["due"] = Timestamps.ToJournal(T0 + TimeSpan.FromMinutes(40)), ["name"] = "containment" });
        j.Grant(id, T0 + TimeSpan.FromMinutes(5), "TriageLead", "bob");
        j.Note(id, T0 + TimeSpan.FromMinutes(8), "</svg><a href=\"https://evil.example/x\">click</a><style>@import url(http://evil.example/a.css)</style>");
        foreach (var (who, at) in new[] { ("carol", 20), ("dana", 24) })
        {
            j.Append(id, T0 + TimeSpan.FromMinutes(at), ProposalSigned.KindName, who, new JsonObject
            {
                ["fingerprint"] = "did:key:z6Mk" + who, ["kind"] = "DidKey", ["payload"] = "DeIRF-proposal-v1", ["proposal"] = MetricsJournal.ProposalId,
                ["responder"] = who, ["signature"] = "sig-" + who,
            });
        }
        j.Append(id, T0 + TimeSpan.FromMinutes(30), ContainmentFailed.KindName, "dana", new JsonObject
        {
            ["action"] = "identity.revoke", ["error"] = "timeout", ["error_id"] = "ProviderTimeout", ["proposal"] = MetricsJournal.ProposalId,
            ["stage"] = "apply", ["target"] = "dana/did:key",
        });
        // Containment verified after its deadline: the containment deadline is missed.
        j.Contain(id, T0 + TimeSpan.FromMinutes(50), verified: true);
        j.Close(id, T0 + TimeSpan.FromMinutes(90));
        return (j, id);
    }

    private static string Render(MetricsJournal j, string id)
        => IncidentReport.Render(IncidentReport.Collect(j.Workspace, id, new DeIRF.Identity.FixedClock(T0 + TimeSpan.FromHours(2))));

    [Fact]
    public void HostileJournalTextIsEscapedAndNothingIsExternal()
    {
        var (j, id) = Incident();
        var html = Render(j, id);
        // The hostile title and note appear only escaped.
        Assert.Contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, Regex.Matches(html, "</svg>").Count);
        Assert.Equal(1, Regex.Matches(html, "<style>").Count);
        // Nothing is loaded from anywhere: no src/href at all, no CSS import or url(), and a CSP that forbids fetches.
        Assert.DoesNotMatch(new Regex(@"\b(src|href)\s*=\s*[""']?\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"<[^>]+\s(src|href|xlink:href)\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"@import|url\(", RegexOptions.IgnoreCase), html.Replace("@import url(http://evil.example/a.css)", string.Empty, StringComparison.Ordinal));
        Assert.Contains("default-src 'none'", html);
    }

    [Fact]
    public void ShowsVerdictMetricsDeadlinesAndTimelineMarks()
    {
        var (j, id) = Incident();
        var html = Render(j, id);
        Assert.Contains("class=\"verdict good\"", html);
        Assert.Contains("<b>valid</b>", html);
        Assert.Contains("all 1 item(s) re-hashed and intact", html);    // the alert's bytes are evidence
        // Metrics of this incident: MTTD 7 min, MTTA 5 min, MTTC 50 min, MTTR 90 min; single durations, not means.
        Assert.Contains("<td>MTTD</td>", html);
        Assert.Contains("07:00.0", html);
        Assert.Contains("05:00.0", html);
        Assert.Contains("50:00.0", html);
        Assert.Contains("01:30:00", html);
        Assert.Contains("not a mean", html);
        // Deadlines: triage met (lead at +5 < +15), containment missed (+50 > +40).
        Assert.Matches(@"<td>triage</td>.*<td class=""met"">met</td>", html);
        Assert.Matches(@"<td>containment</td>.*<td class=""missed"">MISSED</td>", html);
        // The chart: four phases, two signatures, one failure cross, one verified containment, a note tick.
        var svg = html[html.IndexOf("<svg", StringComparison.Ordinal)..(html.IndexOf("</svg>", StringComparison.Ordinal) + 6)];
        foreach (var phase in new[] { "Opened at", "Triaged at", "Contained at", "Closed at" })
        {
            Assert.Contains(phase, svg);
        }
        Assert.Equal(2, Regex.Matches(svg, "fill=\"#7c3aed\"").Count);
        Assert.Single(Regex.Matches(svg, "stroke=\"#d93025\" stroke-width=\"4\""));
        Assert.Contains("T-minus containment: due", svg);
        Assert.Contains("Alert event time", svg);
        // Tampering shows up red at the top.
        var path = j.Workspace.JournalPathFor(id);
        var lines = File.ReadAllLines(path);
        lines[3] = lines[3].Replace("\"bob\"", "\"eve\"", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);
        var tampered = Render(j, id);
        Assert.Contains("class=\"verdict bad\"", tampered);
        Assert.Contains("<b>INVALID</b> — HashMismatch at entry #3", tampered);
    }

    [Fact]
    public void WriteRefusesToClobberWithoutOverwrite()
    {
        var dir = Directory.CreateTempSubdirectory("deirf-report-").FullName;
        var path = Path.Combine(dir, "r.html");
        IncidentReport.Write(path, "<p>one</p>", overwrite: false);
        var ex = Assert.Throws<DeirfException>(() => IncidentReport.Write(path, "<p>two</p>", overwrite: false));
        Assert.Equal("ReportFileExists", ex.ErrorId);
        Assert.Equal("<p>one</p>", File.ReadAllText(path));
        IncidentReport.Write(path, "<p>two</p>", overwrite: true);
        Assert.Equal("<p>two</p>", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFiles(dir));   // no temporary file left behind
    }

    [SkippableFact]
    public void RendersInHeadlessChromium()
    {
        var chromium = ExternalTool.Require("chromium");
        var (j, id) = Incident();
        var dir = Directory.CreateTempSubdirectory("deirf-chromium-").FullName;
        var report = Path.Combine(dir, "report.html");
        IncidentReport.Write(report, Render(j, id), overwrite: false);
        var png = Path.Combine(dir, "shot.png");
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--hide-scrollbars",
            $"--user-data-dir={Path.Combine(dir, "profile")}", $"--screenshot={png}", "--window-size=1200,900", new Uri(report).AbsoluteUri,
        })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HOME"] = dir;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            // Ours, by PID, with its children (renderer, GPU and zygote processes).
            p.Kill(entireProcessTree: true);
            Assert.Fail($"chromium (pid {p.Id}) did not finish within 90 s; killed.");
        }
        Assert.True(File.Exists(png), $"no screenshot (exit {p.ExitCode}): {stderr.Result}");

        var image = PngImage.Decode(File.ReadAllBytes(png));
        Assert.Equal((1200, 900), (image.Width, image.Height));
        // The chart sits below the header and the verdict; look at the band where it is drawn, and at the whole page.
        var (chartColours, chartInk) = image.Stats(0, 200, image.Width, 700);
        var (pageColours, _) = image.Stats(0, 0, image.Width, image.Height);
        Assert.True(pageColours >= 8, $"only {pageColours} distinct colours on the page");
        Assert.True(chartColours >= 5, $"only {chartColours} distinct colours in the chart area");
        Assert.True(chartInk > 0.02, $"only {chartInk:P1} non-white pixels in the chart area");
        // The phase colours of the chart are on screen (exact sRGB fills, as drawn).
        Assert.True(image.Contains(0x5b8def) && image.Contains(0x2e9e5b), "the phase bands are not on screen");

        // Issue 19 finding 9: the marks sit where their times put them on the window of the entries (opened +0 to
        // closed +90 min), not squeezed by a deadline. The chart is found by its background; SVG units scale to pixels.
        var box = image.RunBox(0xfbfbfd, 600) ?? throw new Xunit.Sdk.XunitException("the chart's background is not on screen");
        double scale = (box.X1 - box.X0 + 1) / 1100.0;
        int Y(double units) => box.Y0 + (int)Math.Round(units * scale);
        var signatures = PngImage.Marks(image.MarkColumns(0x7c3aed, box.X0, Y(150), box.X1, Y(170), (int)(8 * scale)));
        var containment = PngImage.Marks(image.MarkColumns(0x2e9e5b, box.X0, Y(200), box.X1, Y(220), (int)(10 * scale)));
        Assert.Equal(2, signatures.Count);
        Assert.Single(containment);
        // x of +20 min, +24 min and +50 min on a window of −2.7..+92.7 min over 900 units (150+10 to 1070−10).
        double Expected(double minutes) => box.X0 + (160 + (minutes + 2.7) / 95.4 * 900) * scale;
        Assert.InRange(signatures[0], Expected(20) - 4, Expected(20) + 4);
        Assert.InRange(signatures[1], Expected(24) - 4, Expected(24) + 4);
        Assert.InRange(containment[0], Expected(50) - 4, Expected(50) + 4);
    }
}
