using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Closes an incident with its resolution; the retrospective falls due 72 hours later.</summary>
[Cmdlet(VerbsCommon.Close, "DeirfIncident", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class CloseDeirfIncidentCommand : IncidentChangeCmdlet
{

    /// <summary>How the incident was resolved.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Resolution { get; set; } = string.Empty;

    /// <summary>The responder closing the incident.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }


    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            var current = ws.GetIncident(Incident);
            if (!ShouldProcess(current.Id, $"Close with resolution '{Resolution}' by {Actor}"))
            {
                return;
            }
            ws.CloseIncident(current.Id, Actor, Resolution, AppendOptions(ws, Actor));
            var closed = ws.GetIncident(Incident);
            WriteVerbose($"Retrospective due {closed.RetroDue:yyyy-MM-dd HH:mm}Z (templates/retro-form.md).");
            if (PassThru)
            {
                WriteObject(closed);
            }
        });
    }
}
