using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Opens an incident: a new journal whose genesis entry records title, reporter and tags.</summary>
[Cmdlet(VerbsCommon.New, "DeirfIncident", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class NewDeirfIncidentCommand : IntegrationCmdlet
{
    /// <summary>What happened, in one line.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = string.Empty;

    /// <summary>The First Reporter's handle.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Reporter { get; set; } = string.Empty;

    /// <summary>Free tags (service, team, alert source).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Tags")]
    public string[] Tag { get; set; } = [];

    /// <summary>
    /// An alert from ConvertFrom-DeirfAlert (bound from the pipeline): its source, event time and SHA-256 go into the
    /// genesis entry and its original bytes are kept beside the journal. Other piped objects are ignored here.
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? Alert { get; set; }

    /// <summary>Marks the incident as a drill: kept apart from real incidents in metrics.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter Drill { get; set; }

    /// <summary>Also open a ticket: a draft GitHub repository security advisory, or a confidential GitLab issue (type incident).</summary>
    [Parameter]
    [Completers.ValidateExtensionKey(Extensions.ExtensionPoints.TicketTracker)]
    [ArgumentCompleter(typeof(Completers.TicketTrackerCompleter))]
    public string? Tracker { get; set; }

    /// <summary>Where the ticket goes: owner/name on GitHub; the project id or its path (group/project) on GitLab.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TrackerRepository { get; set; }

    /// <summary>The tracker token; default $env:DEIRF_GITHUB_TOKEN or $env:DEIRF_GITLAB_TOKEN. Never journaled.</summary>
    [Parameter]
    public System.Security.SecureString? TrackerToken { get; set; }

    /// <summary>The REST API base: default https://api.github.com or https://gitlab.com/api/v4 (GitHub Enterprise Server: https://host/api/v3).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TrackerApiUrl { get; set; }

    protected override void ProcessRecord()
    {
        Try(Title, () =>
        {
            // Tracker inputs are checked before anything is written: a bad repository or a missing token never leaves an incident behind.
            var ticket = Tracker is null ? null : PrepareTicket();
            var ws = ResolveWorkspace(createDefault: true);
            if (Alert?.BaseObject is Alerts.Alert alert && !Intake(ws, alert))
            {
                return;
            }
            var what = $"{ws.Root}: '{Title}' reported by {Reporter}" + (Alert?.BaseObject is Alerts.Alert a ? $" from {a.Source} alert {a.Sha256[..12]}" : string.Empty)
                + (ticket is null ? string.Empty : $", with a {ticket.Value.Tracker.TicketNoun} in {ticket.Value.Repository}");
            if (!ShouldProcess(what, "Open incident"))
            {
                return;
            }
            var incident = ws.OpenIncident(Title, Reporter, Tag, Drill.IsPresent, AppendOptions(ws, Reporter, requireOnRoster: false), Alert?.BaseObject as Alerts.Alert);
            if (ticket is { } t)
            {
                // The incident is open and stays open whatever the tracker answers; the call's result is its own entry.
                var draft = new Integrations.TicketDraft(incident.Id, incident.Title, Integrations.TicketTracker.Describe(incident));
                var result = t.Tracker.Create(IntegrationHttp.Shared, t.Api, t.Repository, t.Token, draft, CancellationToken);
                try
                {
                    Conclude(ws, incident.Id, Reporter, result);
                }
                finally
                {
                    WriteObject(ws.GetIncident(incident.Id));
                }
                return;
            }
            WriteObject(incident);
        });
    }

    /// <summary>
    /// An alert that already opened an incident still open (same fingerprint) is recorded there instead (alert.received),
    /// once per episode; a resolved alert never opens one. False when nothing is to be opened.
    /// </summary>
    private bool Intake(Workspaces.Workspace ws, Alerts.Alert alert)
    {
        var decision = Alerts.AlertIntake.Decide(ws, alert);
        switch (decision.Action)
        {
            case Alerts.AlertIntakeAction.Open:
                return true;
            case Alerts.AlertIntakeAction.Record:
                var id = decision.Incident!.Id;
                if (ShouldProcess(id, $"Record the alert on the incident it opened: {decision.Reason} ('{alert.Title}')"))
                {
                    var incident = Alerts.AlertIntake.Record(ws, id, Reporter, alert, AppendOptions(ws, Reporter, requireOnRoster: false));
                    WriteNotice($"{id}: {decision.Reason}; recorded there, no incident opened (journal #{incident.HeadSeq}).", "Alert");
                }
                return false;
            default:
                WriteVerbose($"Nothing opened: {decision.Reason}.");
                return false;
        }
    }

    /// <summary>The tracker (a registered extension) and everything its call needs, checked before the incident opens.</summary>
    private (Integrations.ITicketTracker Tracker, string Repository, Uri Api, string Token)? PrepareTicket()
    {
        var tracker = Integrations.IntegrationCatalog.Tracker(Tracker!);
        if (TrackerRepository is null)
        {
            throw new Integrations.IntegrationException("TrackerRepositoryMissing", DeirfErrorKind.InvalidArgument,
                $"-Tracker {Tracker} needs -TrackerRepository ({tracker.RepositoryHint}).", Tracker, tracker.Integration, tracker.Operation, 0);
        }
        var repository = tracker.ValidateRepository(TrackerRepository);
        var api = Integrations.IntegrationCallRunner.ValidateBase(TrackerApiUrl, tracker.DefaultApi, tracker.Integration, tracker.Operation, nameof(TrackerApiUrl));
        var token = Integrations.IntegrationSecrets.Resolve(TrackerToken, tracker.TokenVariable, tracker.Integration, tracker.Operation, nameof(TrackerToken));
        return (tracker, repository, api, token);
    }
}
