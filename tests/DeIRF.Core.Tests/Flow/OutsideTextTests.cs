using System.Text;
using CsCheck;
using DeIRF.Alerts;
using DeIRF.Canonical;
using DeIRF.Integrations;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Templates;
using DeIRF.Testing;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>
/// Issue 18 finding 3: alert titles (Alertmanager summary, generic title, Falco rule and hostname) became incident
/// titles unfiltered, so line breaks, Markdown, &lt;!channel&gt;/@room and terminal escape sequences reached the
/// community update, the ticket and the console (Get-DeirfIncident set the window title, cleared the screen and
/// printed a fake "all clear"). <see cref="OutsideText"/> is the one sanitizer; these tests reproduce the attack and
/// hold its properties over generated text.
/// </summary>
public sealed class OutsideTextTests : IDisposable
{
    // Set the window title, clear the screen and home the cursor, then a fake second line, a mention, a link, a bidi override.
    private const string Hostile = "Disk 91% on db-1\n\u001b]0;ALL CLEAR\u0007\u001b[2J\u001b[H\u001b[32mRESOLVED: all clear\u001b[0m\r\n"
        + "**<!channel> @room** [details](https://evil.example/x) \u202Etxt.exe\u200B # heading";

    private readonly string _dir = TestArtifacts.NewDirectory("deirf-outside-text-");

    public void Dispose() => TestArtifacts.Delete(_dir);

    private static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private static void AssertOneSafeLine(string text)
    {
        Assert.DoesNotContain(text, c => char.IsControl(c));
        Assert.DoesNotContain('\u202E', text);
        Assert.DoesNotContain('\u200B', text);
    }

    [Fact]
    public void HostileAlertTitles_BecomeOnePrintableLine_InEveryReader()
    {
        var alertmanager = $$"""{"version":"4","groupKey":"g","status":"firing","receiver":"ops","alerts":[{"status":"firing","labels":{"alertname":"DiskFull"},"annotations":{"summary":{{Json(Hostile)}}},"startsAt":"2031-03-04T05:06:07Z"}]}""";
        var generic = $$"""{"title":{{Json(Hostile)}},"time":"2031-03-04T05:06:07Z","source":{{Json("grafana\u001b[2J")}},"tags":[{{Json("a\nb")}}]}""";
        var falco = $$"""{"rule":{{Json("Shell in container\u001b]0;x\u0007")}},"priority":"Warning","time":"2031-03-04T05:06:07Z","hostname":{{Json("node-1\r\nRESOLVED")}},"output":"o"}""";
        foreach (var raw in new[] { alertmanager, generic, falco })
        {
            var alert = Assert.Single(AlertReader.Read(raw));
            AssertOneSafeLine(alert.Title);
            AssertOneSafeLine(alert.Source);
            Assert.All(alert.Tags, AssertOneSafeLine);
            Assert.DoesNotContain("ALL CLEAR", alert.Title, StringComparison.Ordinal); // the OSC payload goes with its sequence
        }
        var am = Assert.Single(AlertReader.Read(alertmanager));
        Assert.StartsWith("Disk 91% on db-1 RESOLVED: all clear **<!channel> @room**", am.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAlertTitleOfOnlyEscapes_IsRefused()
    {
        var ex = Assert.Throws<AlertInvalidException>(() => AlertReader.Read($$"""{"title":{{Json("\u001b[2J\u200B")}},"time":"2031-03-04T05:06:07Z"}"""));
        Assert.Equal("AlertInvalid", ex.ErrorId);
        Assert.Equal("title", ex.Field);
    }

    [Fact]
    public void ATypedTitleWithControlCharacters_IsRefusedBeforeAnythingIsWritten()
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
        foreach (var title in new[] { "ok\u001b]0;pwned\u0007", "two\nlines", "rtl \u202Eoverride", "tag ok" })
        {
            if (title == "tag ok")
            {
                var tagEx = Assert.Throws<InvalidStatementException>(() => ws.OpenIncident(title, "alice", ["bad\u001b[2Jtag"]));
                Assert.Equal("tags", tagEx.Member);
                continue;
            }
            var ex = Assert.Throws<InvalidStatementException>(() => ws.OpenIncident(title, "alice"));
            Assert.Equal("InvalidStatement", ex.ErrorId);
            Assert.Equal("title", ex.Member);
        }
        Assert.Empty(ws.IncidentIds());
    }

    [Fact]
    public void TheCommunityUpdateAndTheTicket_CarryTheAlertTitleAsLiteralText()
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
        var alert = Assert.Single(AlertReader.Read($$"""{"title":{{Json(Hostile)}},"time":"2031-03-04T05:06:07Z"}"""));
        var inc = ws.OpenIncident(alert.Title, "alice", alert.Tags, options: new JournalAppendOptions { Durable = false }, alert: alert);
        var template = Path.Combine(ExternalTool.RepoRoot, "templates", UpdateMessage.TemplateNameFor("Community"));
        foreach (var text in new[] { UpdateMessage.Render(ws, ws.GetIncident(inc.Id), "Community", template, null), TicketTracker.Describe(ws.GetIncident(inc.Id)) })
        {
            Assert.DoesNotContain('\u001b', text);
            Assert.DoesNotContain("<!channel>", text, StringComparison.Ordinal);
            Assert.DoesNotContain("@room", text, StringComparison.Ordinal);
            Assert.DoesNotContain("[details](", text, StringComparison.Ordinal);
            Assert.DoesNotContain("**<", text, StringComparison.Ordinal);
            // The title is still there, readable, on one line.
            Assert.Contains("Disk 91% on db-1 RESOLVED: all clear \\*\\*\\<\\!channel\\> @\u2060room\\*\\* \\[details\\]", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("- item", "\\- item")]
    [InlineData("1. first", "1\\. first")]
    [InlineData("a_b snake_case _em_", "a_b snake_case \\_em\\_")]
    [InlineData("`code` <b>x</b> ~~s~~ | t", "\\`code\\` \\<b\\>x\\</b\\> \\~\\~s\\~\\~ \\| t")]
    [InlineData("ops@example.com @here", "ops@\u2060example.com @\u2060here")]
    [InlineData("&amp; $x$", "\\&amp; \\$x\\$")]
    public void Markdown_EscapesStructureAndDefusesMentions(string input, string expected)
        => Assert.Equal(expected, OutsideText.Markdown(input));

    [Fact]
    public void Line_StripsWholeEscapeSequences_AndCutsWithoutSplittingAPair()
    {
        Assert.Equal("a b c", OutsideText.Line("a\u001b[1;31m b\u009b2J \u001b]8;;http://x\u001b\\c"));
        var cut = OutsideText.Line(new string('x', 198) + "😀😀", 200);
        Assert.True(cut.Length <= 200);
        Assert.EndsWith("…", cut);
        Assert.False(char.IsHighSurrogate(cut[^2]));
    }

    private static readonly Gen<string> Outside = Gen.OneOf(
        Gen.String,
        Gen.Char.Array[0, 300].Select(a => new string(a)),
        Gen.OneOf("\u001b", "\u001b[", "\u001b]0;", "\u0007", "\u009b", "\u009d", "\n", "\r", "\u2028", "\u202e", "\u2066", "\u200b", "\ufeff",
            "@", "@room", "<!channel>", "*", "_", "[", "]", "(", "`", "#", "-", "1.", "|", "\\", " ", "a", "é", "😀", "\ud800", "\udc00")
            .Array[0, 40].Select(a => string.Concat(a)));

    private static bool IsEscapedAt(string s, int i)
    {
        int slashes = 0;
        for (int j = i - 1; j >= 0 && s[j] == '\\'; j--)
        {
            slashes++;
        }
        return slashes % 2 == 1;
    }

    [Fact]
    public void Property_LineIsOnePrintableBoundedLine_AndIdempotent()
    {
        Outside.Select(Gen.Int[1, 250]).Sample((text, max) =>
        {
            var line = OutsideText.Line(text, max);
            Assert.True(line.Length <= max, $"{line.Length} > {max}");
            Assert.True(OutsideText.IsPrintableLine(line), line);
            Assert.Equal(line, line.Trim());
            Assert.Equal(line, OutsideText.Line(line, max));
            Assert.DoesNotContain("  ", line, StringComparison.Ordinal);
        }, iter: 3000);
    }

    [Fact]
    public void Property_MarkdownLeavesNoUnescapedMetacharacterOrMention()
    {
        Outside.Sample(text =>
        {
            var md = OutsideText.Markdown(text);
            for (int i = 0; i < md.Length; i++)
            {
                var c = md[i];
                Assert.False(char.IsControl(c) && c != '\n', $"control U+{(int)c:X4} in {md}");
                if (c is '`' or '*' or '[' or ']' or '<' or '>' or '#' or '|' or '~' or '&' or '!' or '$')
                {
                    Assert.True(IsEscapedAt(md, i), $"unescaped '{c}' at {i} in {md}");
                }
                if (c == '@' && i + 1 < md.Length)
                {
                    Assert.False(char.IsLetterOrDigit(md[i + 1]), $"live mention at {i} in {md}");
                }
            }
            Assert.DoesNotContain(OutsideText.ForSlack(md), c => c is '<' or '>');
        }, iter: 3000);
    }
}
