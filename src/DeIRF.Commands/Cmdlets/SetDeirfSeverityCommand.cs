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
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Actor { get; set; } = string.Empty;

    /// <summary>Why: recorded in the entry.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }


    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            _ = ws.JournalOf(Workspaces.Workspace.ValidateIncidentId(Incident)); // IncidentNotFound before anything else
            var matrix = Severity.SeverityMatrix.For(ws.Root);
            var impact = Severity.SeverityMatrix.Normalize(Impact, "impact");
            var urgency = Severity.SeverityMatrix.Normalize(Urgency, "urgency");
            var severity = matrix.SeverityOf(impact, urgency);
            if (!ShouldProcess(Incident, $"Set severity {severity} (impact {impact}, urgency {urgency}) by {Actor}"))
            {
                return;
            }
            var body = new JsonObject { ["impact"] = impact, ["severity"] = severity, ["urgency"] = urgency };
            if (Reason is not null)
            {
                body["reason"] = Reason;
            }
            Record(ws, Incident, SeveritySet.KindName, Actor, body);
            // Kickoff rendering and T-minus deadlines on P1 come with the Templates/Deadlines pieces of issue 5.
            if (PassThru)
            {
                WriteObject(ws.GetIncident(Incident));
            }
        });
    }
}
