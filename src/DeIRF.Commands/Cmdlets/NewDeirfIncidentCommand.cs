using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Opens an incident: a new journal whose genesis entry records title, reporter and tags.</summary>
[Cmdlet(VerbsCommon.New, "DeirfIncident", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class NewDeirfIncidentCommand : WorkspaceCmdlet
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

    protected override void ProcessRecord()
    {
        Try(Title, () =>
        {
            var ws = ResolveWorkspace(createDefault: true);
            if (!ShouldProcess($"{ws.Root}: '{Title}' reported by {Reporter}" + (Alert?.BaseObject is Alerts.Alert a ? $" from {a.Source} alert {a.Sha256[..12]}" : string.Empty), "Open incident"))
            {
                return;
            }
            WriteObject(ws.OpenIncident(Title, Reporter, Tag, Drill.IsPresent, AppendOptions(ws, Reporter), Alert?.BaseObject as Alerts.Alert));
        });
    }
}
