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
    public string? Actor { get; set; }

    /// <summary>Why: recorded in the entry.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }


    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            Actor = ResolveActor(Actor);
            var ws = ResolveWorkspace();
            var current = ws.GetIncident(Workspaces.Workspace.ValidateIncidentId(Incident)); // IncidentNotFound before anything else
            var matrix = Severity.SeverityMatrix.For(ws.Root);
            var impact = Severity.SeverityMatrix.Normalize(Impact, "impact");
            var urgency = Severity.SeverityMatrix.Normalize(Urgency, "urgency");
            var severity = matrix.SeverityOf(impact, urgency);
            var policy = Incidents.DeadlinePolicy.For(ws);
            var deadlines = policy.DraftsFor(current, severity, Actor, Incidents.Deadline.DueIn(TimeSpan.Zero));
            var plan = $"Set severity {severity} (impact {impact}, urgency {urgency}) by {Actor}"
                + (deadlines.Count > 0 ? $"; set deadlines {string.Join(", ", deadlines.Select(d => $"{d.Body["name"]} {d.Body["due"]}"))}" : string.Empty);
            if (!ShouldProcess(current.Id, plan))
            {
                return;
            }
            var body = new JsonObject { ["impact"] = impact, ["severity"] = severity, ["urgency"] = urgency };
            if (Reason is not null)
            {
                body["reason"] = Reason;
            }
            // Severity and the deadlines it brings land in one write: a reader never sees a P1 without its T-minus.
            var drafts = new List<StatementDraft> { new(SeveritySet.KindName, Actor, body) };
            drafts.AddRange(deadlines);
            ws.JournalOf(current.Id).AppendBatch(drafts, AppendOptions(ws, Actor));
            if (severity == "P1" && current.Severity != "P1")
            {
                RenderKickoff(ws, current.Id);
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
            var incident = ws.GetIncident(incidentId);
            var template = Templates.TemplateRenderer.Resolve(Templates.KickoffMessage.TemplateName, ws.Root, ShippedTemplates);
            var text = Templates.KickoffMessage.Render(ws, incident, template);
            var path = Path.Combine(Path.GetDirectoryName(incident.JournalPath)!, "kickoff.md");
            File.WriteAllText(path, text);
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
