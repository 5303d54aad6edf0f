using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Lists what containment did in an incident: every apply, undo and failure, with before/after state.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfContainment")]
[OutputType("DeIRF.Containment.ContainmentRecord")]
public sealed class GetDeirfContainmentCommand : WorkspaceCmdlet
{
    /// <summary>The incident. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>Only applied containments that are still in place (not undone).</summary>
    [Parameter]
    public SwitchParameter Active { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            foreach (var r in Containment.ContainmentRunner.List(ws, Incident, CancellationToken))
            {
                if (!Active || (r.Outcome == "Applied" && r.UndoneBy is null))
                {
                    WriteFromWorkspace(r, ws);
                }
            }
        });
    }
}
