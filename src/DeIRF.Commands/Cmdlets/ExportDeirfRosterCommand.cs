using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Exports the public handle → name → key fingerprints mapping, deterministic for a tamper-evident repository.</summary>
[Cmdlet(VerbsData.Export, "DeirfRoster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class ExportDeirfRosterCommand : WorkspaceCmdlet
{
    /// <summary>Only public facts (handles, names, roles, fingerprints, dates): no public keys, bindings or signatures.</summary>
    [Parameter(Mandatory = true)]
    public SwitchParameter Public { get; set; }

    /// <summary>Write to this file (UTF-8, LF) instead of returning the text.</summary>
    [Parameter]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        Try(Path ?? Workspace ?? CurrentDirectory, () =>
        {
            var text = RosterExport.ToPublicJson(Roster.Load(ResolveWorkspace()));
            if (Path is null)
            {
                WriteObject(text);
                return;
            }
            var full = ResolvePath(Path);
            if (ShouldProcess(full, "Write public roster"))
            {
                File.WriteAllText(full, text, new System.Text.UTF8Encoding(false));
            }
        });
    }
}
