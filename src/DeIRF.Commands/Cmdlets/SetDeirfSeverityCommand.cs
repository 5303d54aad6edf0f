using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Sets an incident's severity from impact and urgency through the workspace's matrix; journals who and why.</summary>
[Cmdlet(VerbsCommon.Set, "DeirfSeverity", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class SetDeirfSeverityCommand : IncidentChangeCmdlet
{

    [Parameter(Mandatory = true)]
    [ValidateSet("Low", "Medium", "High")]
    public string Impact { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    [ValidateSet("Low", "Medium", "High")]
    public string Urgency { get; set; } = string.Empty;

    /// <summary>The responder setting the severity.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Why: recorded in the entry.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }


    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            var change = Severity.SeverityChange.Plan(ws, Incident, Impact, Urgency, Actor, Reason, Incidents.Deadline.DueIn(TimeSpan.Zero));
            if (!ShouldProcess(change.Current.Id, change.Describe(Actor)))
            {
                return;
            }
            change.Apply(ws, AppendOptions(ws, Actor));
            if (change.RaisesToP1)
            {
                RenderKickoff(ws, change.Current.Id);
            }
            if (PassThru)
            {
                WriteObject(ws.GetIncident(Incident));
            }
        });
    }

    /// <summary>
    /// Raising to P1 renders the kickoff message next to the journal (kickoff.md), ready to post; a template problem
    /// is a warning here, because the severity is already recorded and must not be undone by a formatting error.
    /// </summary>
    private void RenderKickoff(Workspaces.Workspace ws, string incidentId)
    {
        try
        {
            var path = Templates.KickoffMessage.WriteBesideJournal(ws, incidentId, ShippedTemplates, WriteWarning);
            WriteInformation(new InformationRecord($"{incidentId} is P1: kickoff message rendered to {path} (New-DeirfKickoffMessage renders it again).", "Set-DeirfSeverity"));
        }
        catch (DeirfException ex)
        {
            WriteWarning($"{incidentId} is P1, but the kickoff message was not rendered: {ex.Message}");
        }
        catch (IOException ex)
        {
            WriteWarning($"{incidentId} is P1, but the kickoff message was not written: {ex.Message}");
        }
    }
}
