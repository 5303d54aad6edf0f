using System.Diagnostics;
using System.IO.Compression;
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

        var image = Png.Decode(File.ReadAllBytes(png));
        Assert.Equal((1200, 900), (image.Width, image.Height));
        // The chart sits below the header and the verdict; look at the band where it is drawn, and at the whole page.
        var (chartColours, chartInk) = image.Stats(0, 200, image.Width, 700);
        var (pageColours, pageInk) = image.Stats(0, 0, image.Width, image.Height);
        Assert.True(pageColours >= 8, $"only {pageColours} distinct colours on the page");
        Assert.True(chartColours >= 5, $"only {chartColours} distinct colours in the chart area");
        Assert.True(chartInk > 0.02, $"only {chartInk:P1} non-white pixels in the chart area");
        // The phase colours of the chart are on screen (exact sRGB fills, as drawn).
        Assert.True(image.Contains(0x5b, 0x8d, 0xef) && image.Contains(0x2e, 0x9e, 0x5b), "the phase bands are not on screen");
        _ = pageInk;
    }

    /// <summary>Just enough PNG to check a screenshot: 8-bit RGB/RGBA, non-interlaced; IDAT inflated with ZLibStream.</summary>
    private sealed class Png
    {
        public int Width { get; private init; }
        public int Height { get; private init; }
        private byte[] _rgb = [];

        public static Png Decode(byte[] file)
        {
            Assert.True(file.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
            int pos = 8, width = 0, height = 0, colourType = 0;
            using var idat = new MemoryStream();
            while (pos < file.Length)
            {
                int len = (file[pos] << 24) | (file[pos + 1] << 16) | (file[pos + 2] << 8) | file[pos + 3];
                var type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
                var data = file.AsSpan(pos + 8, len);
                if (type == "IHDR")
                {
                    width = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
                    height = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
                    Assert.Equal(8, data[8]);
                    colourType = data[9];
                    Assert.Contains(colourType, new[] { 2, 6 });
                    Assert.Equal(0, data[12]);
                }
                else if (type == "IDAT")
                {
                    idat.Write(data);
                }
                else if (type == "IEND")
                {
                    break;
                }
                pos += 12 + len;
            }
            int bpp = colourType == 6 ? 4 : 3, stride = width * bpp;
            var raw = new byte[(stride + 1) * height];
            idat.Position = 0;
            using (var z = new ZLibStream(idat, CompressionMode.Decompress))
            {
                z.ReadExactly(raw);
            }
            var img = new byte[stride * height];
            for (int y = 0; y < height; y++)
            {
                int filter = raw[y * (stride + 1)];
                for (int x = 0; x < stride; x++)
                {
                    int v = raw[y * (stride + 1) + 1 + x];
                    int a = x >= bpp ? img[y * stride + x - bpp] : 0;
                    int b = y > 0 ? img[(y - 1) * stride + x] : 0;
                    int c = x >= bpp && y > 0 ? img[(y - 1) * stride + x - bpp] : 0;
                    img[y * stride + x] = (byte)(filter switch
                    {
                        0 => v,
                        1 => v + a,
                        2 => v + b,
                        3 => v + ((a + b) >> 1),
                        4 => v + Paeth(a, b, c),
                        _ => throw new InvalidDataException($"PNG filter {filter}"),
                    });
                }
            }
            var rgb = new byte[width * height * 3];
            for (int i = 0; i < width * height; i++)
            {
                rgb[i * 3] = img[i * bpp];
                rgb[i * 3 + 1] = img[i * bpp + 1];
                rgb[i * 3 + 2] = img[i * bpp + 2];
            }
            return new Png { Width = width, Height = height, _rgb = rgb };
        }

        private static int Paeth(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }

        /// <summary>Distinct colours and the share of non-white pixels in a rectangle.</summary>
        public (int Colours, double Ink) Stats(int x0, int y0, int x1, int y1)
        {
            var colours = new HashSet<int>();
            long ink = 0, total = 0;
            for (int y = y0; y < Math.Min(y1, Height); y++)
            {
                for (int x = x0; x < Math.Min(x1, Width); x++)
                {
                    int i = (y * Width + x) * 3;
                    int rgb = (_rgb[i] << 16) | (_rgb[i + 1] << 8) | _rgb[i + 2];
                    colours.Add(rgb);
                    total++;
                    if (rgb != 0xFFFFFF)
                    {
                        ink++;
                    }
                }
            }
            return (colours.Count, total == 0 ? 0 : (double)ink / total);
        }

        public bool Contains(byte r, byte g, byte b)
        {
            for (int i = 0; i < _rgb.Length; i += 3)
            {
                if (Math.Abs(_rgb[i] - r) <= 2 && Math.Abs(_rgb[i + 1] - g) <= 2 && Math.Abs(_rgb[i + 2] - b) <= 2)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
