using System.Collections;
using System.Management.Automation;
using System.Security;

namespace DeIRF.Commands.Cmdlets;

/// <summary>What Invoke- and Undo-DeirfContainment share: who acts, run-time secrets, the PowerShell that runs scripts.</summary>
internal static class ContainmentCmdletSupport
{
    /// <summary>-Secret @{ tsigSecret = (Read-Host -AsSecureString) }: SecureString or plain string values.</summary>
    public static IReadOnlyDictionary<string, string> Secrets(Hashtable? table)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table ?? new Hashtable())
        {
            var value = e.Value is PSObject pso ? pso.BaseObject : e.Value;
            given[e.Key.ToString()!] = value switch
            {
                SecureString s => Integrations.IntegrationSecrets.Reveal(s),
                string t => t,
                _ => throw new DeirfException("ContainmentSecretInvalid", DeirfErrorKind.InvalidArgument,
                    $"-Secret '{e.Key}' must be a SecureString or a string.", e.Key),
            };
        }
        return Containment.ContainmentSecrets.Resolve(given);
    }

    /// <summary>Scripts run in the same PowerShell as this session: pwsh in $PSHOME, or dotnet + pwsh.dll for the dotnet tool.</summary>
    public static void UseThisPowerShell(PSCmdlet cmdlet)
    {
        if (cmdlet.SessionState.PSVariable.GetValue("PSHOME") is not string home)
        {
            return;
        }
        var exe = Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        var dll = Path.Combine(home, "pwsh.dll");
        if (File.Exists(exe))
        {
            Containment.ScriptProvider.PowerShell = (exe, []);
        }
        else if (File.Exists(dll))
        {
            var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
            Containment.ScriptProvider.PowerShell = (dotnet, [dll]);
        }
    }

    /// <summary>The plan as the -WhatIf / -Confirm text: steps, warnings, before and expected state.</summary>
    public static string Describe(Containment.ContainmentPlan plan, string proposalShortId)
    {
        var lines = new List<string> { $"{plan.Action} on '{plan.Target}' (proposal {proposalShortId}):" };
        lines.AddRange(plan.Steps.Count == 0 ? ["  (no change needed)"] : plan.Steps.Select(s => "  - " + s));
        lines.AddRange(plan.Warnings.Select(w => "  WARNING: " + w));
        lines.Add("  before:   " + plan.Before.ToJsonString());
        lines.Add("  expected: " + plan.Expected.ToJsonString());
        return string.Join(Environment.NewLine, lines);
    }
}
