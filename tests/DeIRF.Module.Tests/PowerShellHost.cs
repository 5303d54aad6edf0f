using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace DeIRF.Module.Tests;

/// <summary>A PowerShell runspace in this process with the built module imported, as a host application would.</summary>
public sealed class PowerShellHost : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellHost()
    {
        var manifest = ModulePath;
        if (!File.Exists(manifest))
        {
            throw new InvalidOperationException($"Built module not found at {manifest}: run `dotnet pwsh ./build.ps1 build` first.");
        }
        var iss = InitialSessionState.CreateDefault2();
        // A host without $PSHOME/Modules does not always pick up the Utility/Management/Security cmdlets (it depends
        // on whether their assemblies were loaded yet): add them from the referenced assemblies explicitly.
        var present = new HashSet<string>(iss.Commands.OfType<SessionStateCmdletEntry>().Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var asm in new[] { typeof(Microsoft.PowerShell.Commands.ConvertToJsonCommand).Assembly, typeof(Microsoft.PowerShell.Commands.GetChildItemCommand).Assembly, typeof(Microsoft.PowerShell.Commands.GetExecutionPolicyCommand).Assembly })
        {
            foreach (var type in asm.GetExportedTypes())
            {
                if (type.GetCustomAttributes(typeof(CmdletAttribute), false).FirstOrDefault() is CmdletAttribute attr)
                {
                    var name = $"{attr.VerbName}-{attr.NounName}";
                    if (present.Add(name))
                    {
                        iss.Commands.Add(new SessionStateCmdletEntry(name, type, null));
                    }
                }
            }
        }
        iss.ImportPSModule(manifest);
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
        // ImportPSModule fails silently: prove the commands are there.
        var missing = Invoke("@('New-DeirfIncident','Test-DeirfJournal','ConvertTo-Json','Get-FileHash') | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) }");
        if (missing.Count > 0)
        {
            throw new InvalidOperationException("Commands missing in the hosted runspace: " + string.Join(", ", missing));
        }
    }

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DeIRF.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
        }
    }

    public static string ModulePath => Environment.GetEnvironmentVariable("DEIRF_TEST_MODULE") is { Length: > 0 } p ? p : Path.Combine(RepoRoot, "out", "DeIRF", "DeIRF.psd1");

    /// <summary>Runs a script; returns its output. Errors are collected in <paramref name="errors"/>.</summary>
    public Collection<PSObject> Invoke(string script, out IReadOnlyList<ErrorRecord> errors, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        if (variables is not null)
        {
            foreach (var kv in variables)
            {
                _runspace.SessionStateProxy.SetVariable(kv.Key, kv.Value);
            }
        }
        ps.AddScript(script);
        var output = ps.Invoke();
        errors = ps.Streams.Error.ToList();
        return output;
    }

    public Collection<PSObject> Invoke(string script, IDictionary<string, object?>? variables = null)
    {
        var output = Invoke(script, out var errors, variables);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Script wrote errors: " + string.Join(" | ", errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        }
        return output;
    }

    /// <summary>A PowerShell on this host's runspace, for a test that starts a command and stops it (Ctrl+C).</summary>
    public PowerShell Create()
    {
        var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        return ps;
    }

    public void Dispose() => _runspace.Dispose();
}
