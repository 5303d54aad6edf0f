using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Core.Tests;
using Xunit;

namespace DeIRF.Providers.Host.Tests;

/// <summary>
/// host.quarantine for Windows: the generated scripts' content and the pairing of apply with confirm and undo. No
/// Windows host runs here: the scripts are parsed by the real PowerShell parser (the pinned pwsh), never executed.
/// </summary>
public sealed class WindowsFirewallScriptTests
{
    private static QuarantineSpec Spec(string allow = "10.0.9.0/24") => QuarantineSpec.Parse(new ContainmentRequest(HostQuarantineProvider.QuarantineAction, "win-7.prod",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["ssh"] = "ops@192.0.2.70", ["allow"] = allow, ["os"] = "windows", ["confirmWithin"] = "00:01:30" }));

    [Fact]
    public void Complement_IsEveryAddressOutsideTheAllowListAndLoopback()
    {
        var ranges = WindowsFirewallScript.Complement(QuarantineSpec.ParseAllow("10.0.9.0/24,fd00:9::/64"));

        Assert.Equal(new[]
        {
            "0.0.0.0-10.0.8.255", "10.0.10.0-126.255.255.255", "128.0.0.0-255.255.255.255",
            "::-::", "::2-fd00:8:ffff:ffff:ffff:ffff:ffff:ffff", "fd00:9:0:1::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        }, ranges);
        Assert.Equal(new[] { "1-21", "23-65535" }, WindowsFirewallScript.PortsBut(22));
        Assert.Equal(new[] { "2-65535" }, WindowsFirewallScript.PortsBut(1));
    }

    [SkippableFact]
    public void Apply_Confirm_Undo_Parse_AndPairExactly()
    {
        var spec = Spec();
        var apply = WindowsFirewallScript.Apply(spec);
        var confirm = WindowsFirewallScript.Confirm();
        var undo = WindowsFirewallScript.Undo([("Domain", true), ("Private", true), ("Public", false)]);

        var applyAst = Parse(apply);
        var undoAst = Parse(undo);
        var confirmAst = Parse(confirm);

        // Every rule apply adds is one undo expects and removes; nothing else is in the group.
        Assert.Equal(WindowsFirewallScript.RuleNames, applyAst["rules"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains($"$expected = @({string.Join(", ", WindowsFirewallScript.RuleNames.Order(StringComparer.Ordinal).Select(n => $"'{n}'"))})", undo, StringComparison.Ordinal);
        Assert.All(applyAst["groups"]!.AsArray(), g => Assert.Equal("$Group", g!.GetValue<string>()));
        Assert.Contains("Remove-NetFirewallRule -Group $Group", undo, StringComparison.Ordinal);
        // Evidence and the profiles' state are read before the first rule; the revert is registered before the first rule too.
        var commands = applyAst["commands"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        int firstRule = commands.IndexOf("New-NetFirewallRule");
        Assert.True(commands.IndexOf("Get-NetTCPConnection") < firstRule);
        Assert.True(commands.IndexOf("Get-CimInstance") < firstRule);
        Assert.True(commands.IndexOf("netsh") < firstRule);
        Assert.True(commands.IndexOf("Get-NetFirewallProfile") < firstRule);
        Assert.True(commands.IndexOf("Register-ScheduledTask") < firstRule);
        Assert.Equal("Set-NetFirewallProfile", commands[commands.LastIndexOf("Set-NetFirewallProfile")]);
        Assert.True(commands.LastIndexOf("Set-NetFirewallProfile") > commands.LastIndexOf("New-NetFirewallRule"));
        Assert.Contains("netsh advfirewall show allprofiles state", apply, StringComparison.Ordinal);
        Assert.Contains("(Get-Date).AddSeconds(90)", apply, StringComparison.Ordinal);
        // The same task: registered by apply, unregistered by confirm and by undo; the revert removes the same group.
        Assert.Contains($"$Task = '{WindowsFirewallScript.RevertTask}'", apply, StringComparison.Ordinal);
        Assert.Contains($"Unregister-ScheduledTask -TaskName '{WindowsFirewallScript.RevertTask}'", confirm, StringComparison.Ordinal);
        Assert.Contains($"Unregister-ScheduledTask -TaskName '{WindowsFirewallScript.RevertTask}'", undo, StringComparison.Ordinal);
        Assert.Contains("$revert = \"Remove-NetFirewallRule -Group '$Group'", apply, StringComparison.Ordinal);
        // Undo restores each profile exactly as apply found it.
        Assert.Contains("Set-NetFirewallProfile -Name 'Public' -Enabled False", undo, StringComparison.Ordinal);
        Assert.Contains("Set-NetFirewallProfile -Name 'Domain' -Enabled True", undo, StringComparison.Ordinal);
        // The allow list is blocked on every TCP port but SSH, and everything outside it is blocked both ways.
        Assert.Contains("-Name 'DeIRF-Q-In-Allow-Tcp' -DisplayName 'DeIRF-Q-In-Allow-Tcp' -Direction Inbound -Action Block -Protocol TCP -LocalPort @('1-21', '23-65535') -RemoteAddress @('10.0.9.0/24')", apply, StringComparison.Ordinal);
        Assert.Contains("-Name 'DeIRF-Q-Out-Outside' -DisplayName 'DeIRF-Q-Out-Outside' -Direction Outbound -Action Block -Protocol Any -RemoteAddress @('0.0.0.0-10.0.8.255', '10.0.10.0-126.255.255.255'", apply, StringComparison.Ordinal);
        Assert.Equal(0, confirmAst["errors"]!.GetValue<int>());
        Assert.Equal(0, undoAst["errors"]!.GetValue<int>());
        Assert.Throws<ArgumentException>(() => WindowsFirewallScript.Undo([("Public'; Remove-Item C:\\ -Recurse; '", true)]));
    }

    [Fact]
    public async Task Plan_ShowsTheScript_WithoutConnecting_AndApplyIsRefused()
    {
        var request = new ContainmentRequest(HostQuarantineProvider.QuarantineAction, "win-7.prod",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["ssh"] = "ops@192.0.2.70", ["allow"] = "10.0.9.0/24", ["os"] = "windows" });
        var provider = new HostQuarantineProvider();

        var plan = await provider.PlanAsync(request, CancellationToken.None);

        Assert.Contains(plan.Steps, s => s.Contains("Register-ScheduledTask", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("HostWindowsNotRun", StringComparison.Ordinal));
        Assert.False(plan.Before["read"]!.GetValue<bool>());
        Assert.Equal("HostWindowsNotRun", (await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(request, CancellationToken.None))).ErrorId);
        Assert.Equal("HostWindowsNotRun", (await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(request, new JsonObject(), CancellationToken.None))).ErrorId);
    }

    /// <summary>The real PowerShell parser: errors, the command names in order, and the -Name / -Group of each New-NetFirewallRule.</summary>
    private static JsonObject Parse(string script)
    {
        var (pwsh, prefix) = ExternalTool.RequirePwsh();
        var dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-winscript-");
        try
        {
            var file = Path.Combine(dir, "script.ps1");
            File.WriteAllText(file, script);
            const string Reader = """
                $t = $null; $e = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseFile($args[0], [ref]$t, [ref]$e)
                $cmds = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) | Sort-Object { $_.Extent.StartOffset })
                function Arg($c, $name) { $el = $c.CommandElements; for ($i = 0; $i -lt $el.Count - 1; $i++) { if ($el[$i] -is [System.Management.Automation.Language.CommandParameterAst] -and $el[$i].ParameterName -eq $name) { return $el[$i + 1].Extent.Text.Trim("'") } } }
                $rules = @($cmds | Where-Object { $_.GetCommandName() -eq 'New-NetFirewallRule' })
                [ordered]@{ errors = $e.Count; commands = @($cmds | ForEach-Object { $_.GetCommandName() }); rules = @($rules | ForEach-Object { Arg $_ 'Name' }); groups = @($rules | ForEach-Object { Arg $_ 'Group' }) } | ConvertTo-Json -Compress
                """;
            var reader = Path.Combine(dir, "reader.ps1");
            File.WriteAllText(reader, Reader);
            var (code, output, error) = ExternalTool.Run(pwsh, [.. prefix, "-NoProfile", "-NonInteractive", "-File", reader, file], timeout: TimeSpan.FromMinutes(2));
            Assert.True(code == 0, error);
            var result = JsonNode.Parse(output.Trim().Split('\n').Last())!.AsObject();
            Assert.Equal(0, result["errors"]!.GetValue<int>());
            return result;
        }
        finally
        {
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
    }
}
