using System.Collections;
using System.Text;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Core.Tests.Containment;

/// <summary>
/// Issue 18, findings 1 and 2: a script proposal's plan is read from its declared section, never by running it; the
/// child's environment is built by allowlist plus the declared secrets; what runs is a private copy of the bytes checked.
/// </summary>
public sealed class ScriptSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-script-safety-").FullName;

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private const string Plan = """
        <#
        .SYNOPSIS
            help first, as runbooks have it
        #>

        <# DEIRF-PLAN
        {
          "steps": ["label {{target}} with {{label}} in {{incident}}"],
          "expected": { "labelled": true, "label": "{{label}}", "count": 1 },
          "warnings": ["replicas are not isolated"]
        }
        #>
        param($Operation)
        """;

    private static ContainmentRequest Request(IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string>? secrets = null)
        => new(ScriptProvider.ActionName, "prod/api-7f9", parameters, "INC-20261124-0001", null, secrets);

    [Fact]
    public void PlanSection_IsParsedAndFilled_ValuesAreNotRescanned()
    {
        var declared = ScriptPlanSection.Parse(Plan, "x.ps1");
        // A parameter value that itself looks like a placeholder (or JSON) stays text.
        var parameters = new Dictionary<string, string> { ["label"] = "{{target}}\", \"x\": \"" };
        var plan = ScriptPlanSection.Fill(declared, Request(parameters), parameters, "x.ps1");
        Assert.Equal(["label prod/api-7f9 with {{target}}\", \"x\": \" in INC-20261124-0001"], plan.Steps);
        Assert.Equal("{{target}}\", \"x\": \"", (string)plan.Expected["label"]!);
        Assert.Equal(1, (int)plan.Expected["count"]!);
        Assert.True((bool)plan.Expected["labelled"]!);
        Assert.Empty(plan.Before);
        Assert.Equal(["replicas are not isolated"], plan.Warnings);
    }

    [Theory]
    [InlineData("param($Operation)\nWrite-Output hi\n", "ScriptPlanMissing")]
    [InlineData("<# DEIRF-PLAN\n{ \"steps\": [], \"expected\": {} }\n#>\n<# DEIRF-PLAN\n{ \"steps\": [], \"expected\": {} }\n#>\n", "ScriptPlanInvalid")]
    [InlineData("<# DEIRF-PLAN\n{ \"steps\": [], \"expected\": {} }\n", "ScriptPlanInvalid")]
    [InlineData("<# DEIRF-PLAN\nsteps: write\n#>\n", "ScriptPlanInvalid")]
    [InlineData("<# DEIRF-PLAN\n{ \"expected\": {} }\n#>\n", "ScriptPlanInvalid")]
    [InlineData("<# DEIRF-PLAN\n{ \"steps\": [1], \"expected\": {} }\n#>\n", "ScriptPlanInvalid")]
    [InlineData("<# DEIRF-PLAN\n{ \"steps\": [], \"expected\": [] }\n#>\n", "ScriptPlanInvalid")]
    [InlineData("<# DEIRF-PLAN\n{ \"steps\": [], \"expected\": {}, \"before\": \"now\" }\n#>\n", "ScriptPlanInvalid")]
    public void PlanSection_MissingOrMalformed_IsNamed(string text, string errorId)
    {
        var ex = Assert.Throws<ContainmentException>(() => ScriptPlanSection.Parse(text, "bad.ps1"));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal("bad.ps1", ex.Target);
    }

    [Fact]
    public void PlanSection_UnknownPlaceholder_IsScriptPlanInvalid()
    {
        var declared = ScriptPlanSection.Parse("<# DEIRF-PLAN\n{ \"steps\": [\"read {{tsigSecret}}\"], \"expected\": {} }\n#>", "x.ps1");
        var ex = Assert.Throws<ContainmentException>(() => ScriptPlanSection.Fill(declared, Request(new Dictionary<string, string>()), new Dictionary<string, string>(), "x.ps1"));
        Assert.Equal("ScriptPlanInvalid", ex.ErrorId);
        Assert.Contains("{{tsigSecret}}", ex.Message);
    }

    [Fact]
    public async Task Plan_NeverRunsTheScript()
    {
        // The script would write the marker if anything ran it; planning must leave no trace.
        var marker = Path.Combine(_dir, "ran.marker");
        var script = Path.Combine(_dir, "marker.ps1");
        File.WriteAllText(script, Plan.Replace("param($Operation)", $"param($Operation)\nSet-Content -LiteralPath '{marker}' -Value ran", StringComparison.Ordinal));
        var parameters = new Dictionary<string, string> { ["path"] = script, ["sha256"] = ScriptProvider.HashOf(script), ["label"] = "q", ["secrets"] = "token" };
        var plan = await ContainmentProviders.Find("script").PlanAsync(Request(parameters, new Dictionary<string, string> { ["token"] = "t" }), default);
        Assert.Equal(["label prod/api-7f9 with q in INC-20261124-0001"], plan.Steps);
        Assert.Contains(plan.Warnings, w => w.Contains("DEIRF_SECRET_TOKEN", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("not run", StringComparison.Ordinal));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Environment_IsTheAllowlistPlusDeclaredSecrets()
    {
        var parent = new Hashtable
        {
            ["PATH"] = "/usr/bin", ["HOME"] = "/home/bob", ["TMPDIR"] = "/tmp/bob", ["LANG"] = "C.UTF-8", ["LC_ALL"] = "C.UTF-8",
            ["DEIRF_K8S_TOKEN"] = "k8s", ["DEIRF_SECRET_TOKEN"] = "inherited", ["AWS_SECRET_ACCESS_KEY"] = "aws",
            ["DEIRF_SIGNING_CONFIG"] = "/home/bob/.config/deirf/signing-keys.json", ["SSH_AUTH_SOCK"] = "/run/agent",
        };
        var env = ScriptEnvironment.Build(parent, new Dictionary<string, string> { ["apiKey"] = "declared" }, "INC-1", windows: false);
        Assert.Equal(
            ["DEIRF_INCIDENT", "DEIRF_SECRET_APIKEY", "HOME", "LANG", "LC_ALL", "PATH", "POWERSHELL_TELEMETRY_OPTOUT", "POWERSHELL_UPDATECHECK", "TMPDIR"],
            env.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("declared", env["DEIRF_SECRET_APIKEY"]);
        Assert.Equal("INC-1", env["DEIRF_INCIDENT"]);

        var windows = ScriptEnvironment.Build(new Hashtable { ["Path"] = @"C:\Windows", ["SYSTEMROOT"] = @"C:\Windows", ["GITHUB_TOKEN"] = "gh", ["LC_ALL"] = "x" },
            new Dictionary<string, string>(), null, windows: true);
        Assert.Equal(["DEIRF_INCIDENT", "POWERSHELL_TELEMETRY_OPTOUT", "POWERSHELL_UPDATECHECK", "Path", "SYSTEMROOT"], windows.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DeclaredSecrets_AreNamedByTheProposal_MissingOnesRefused()
    {
        var parameters = new Dictionary<string, string> { ["secrets"] = "apiKey, token" };
        Assert.Equal(["apiKey", "token"], ScriptEnvironment.DeclaredSecrets(parameters));
        Assert.Empty(ScriptEnvironment.DeclaredSecrets(new Dictionary<string, string>()));

        var bad = Assert.Throws<ContainmentException>(() => ScriptEnvironment.DeclaredSecrets(new Dictionary<string, string> { ["secrets"] = "PATH=x" }));
        Assert.Equal("ScriptSecretsInvalid", bad.ErrorId);
        var clash = Assert.Throws<ContainmentException>(() => ScriptEnvironment.DeclaredSecrets(new Dictionary<string, string> { ["secrets"] = "token,TOKEN" }));
        Assert.Equal("ScriptSecretsInvalid", clash.ErrorId);

        var given = ScriptEnvironment.DeclaredValues(Request(parameters, new Dictionary<string, string> { ["apiKey"] = "a", ["token"] = "t", ["evmKey"] = "e" }));
        Assert.Equal(["apiKey", "token"], given.Keys.Order(StringComparer.Ordinal));
        var missing = Assert.Throws<ContainmentException>(() => ScriptEnvironment.DeclaredValues(Request(parameters, new Dictionary<string, string> { ["apiKey"] = "a" })));
        Assert.Equal("ScriptSecretMissing", missing.ErrorId);
        Assert.Equal("token", missing.Target);
    }

    [Fact]
    public void PinnedScript_RunsACopyOfTheBytesChecked_NotWhatThePathHoldsLater()
    {
        var original = Path.Combine(_dir, "approved.ps1");
        var approved = Encoding.UTF8.GetBytes("Write-Output approved\n");
        File.WriteAllBytes(original, approved);
        string copy;
        using (var pinned = PinnedScript.Read(original, PinnedScript.HashOf(approved), "approved.ps1"))
        {
            // The attacker's swap, after the check and before the run.
            File.WriteAllText(original, "Write-Output swapped\n");
            copy = pinned.WriteCopy();
            Assert.NotEqual(original, copy);
            Assert.Equal("approved.ps1", Path.GetFileName(copy));
            Assert.Equal(approved, File.ReadAllBytes(copy));
            Assert.Equal(PinnedScript.HashOf(approved), pinned.Sha256);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(copy));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(copy)!));
            }
            Assert.Equal(copy, pinned.WriteCopy());
        }
        Assert.False(File.Exists(copy));
        Assert.False(Directory.Exists(Path.GetDirectoryName(copy)));

        // The swapped file is refused next time: it is not what was approved.
        var changed = Assert.Throws<ContainmentException>(() => PinnedScript.Read(original, PinnedScript.HashOf(approved), "approved.ps1"));
        Assert.Equal("ScriptChanged", changed.ErrorId);
        Assert.Equal("ScriptNotFound", Assert.Throws<ContainmentException>(() => PinnedScript.Read(Path.Combine(_dir, "gone.ps1"), new string('0', 64), "gone.ps1")).ErrorId);
        var big = Path.Combine(_dir, "big.ps1");
        using (var f = File.Create(big))
        {
            f.SetLength(PinnedScript.MaxBytes + 1);
        }
        Assert.Equal("ScriptTooLarge", Assert.Throws<ContainmentException>(() => PinnedScript.Read(big, new string('0', 64), "big.ps1")).ErrorId);
    }

    [SkippableFact]
    public async Task Apply_RunsTheCopy_WithOnlyDeclaredSecrets_AndSaysWhichBytesRan()
    {
        ScriptProvider.PowerShell = ExternalTool.RequirePwsh();
        var report = Path.Combine(_dir, "seen.txt");
        var script = Path.Combine(_dir, "seen.ps1");
        File.WriteAllText(script, Plan + $$"""

            "$PSCommandPath`n" + ((Get-ChildItem env: | ForEach-Object Name | Sort-Object) -join ',') | Set-Content -LiteralPath '{{report}}'
            '{"before":{},"after":{},"undoState":{},"verified":true}'
            """);
        var sha = ScriptProvider.HashOf(script);
        var parameters = new Dictionary<string, string> { ["path"] = script, ["sha256"] = sha, ["label"] = "q", ["secrets"] = "apiKey" };
        var result = await ContainmentProviders.Find("script").ApplyAsync(
            Request(parameters, new Dictionary<string, string> { ["apiKey"] = "a", ["token"] = "undeclared" }), default);
        Assert.True(result.Verified);
        Assert.Equal(sha, (string)result.Ran!["sha256"]!);
        var lines = File.ReadAllLines(report);
        Assert.NotEqual(script, lines[0]);
        Assert.False(File.Exists(lines[0]));
        var names = lines[1].Split(',');
        Assert.Contains("DEIRF_SECRET_APIKEY", names);
        Assert.DoesNotContain("DEIRF_SECRET_TOKEN", names);
    }
}
