using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Renders the kickoff message of an incident (templates/incident-kickoff.md; a workspace's own templates/ folder wins)
/// from what the journal says now. Read-only: it changes nothing, so it can be rendered again at any time.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfKickoffMessage")]
[OutputType(typeof(string))]
public sealed class NewDeirfKickoffMessageCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The channel name the message names (default "#inc-…", the incident id in lower case).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChannelName { get; set; }

    /// <summary>Render this template file instead of incident-kickoff.md.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TemplatePath { get; set; }

    /// <summary>Compute T-minus as of this time instead of now.</summary>
    [Parameter]
    public DateTimeOffset? AsOf { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var incident = ws.GetIncident(Incident);
            var template = TemplatePath is not null
                ? ResolvePath(TemplatePath)
                : Templates.TemplateRenderer.Resolve(Templates.KickoffMessage.TemplateName, ws.Root, ShippedTemplates, WriteWarning);
            TimeProvider? clock = AsOf is { } at ? new Identity.FixedClock(at.ToUniversalTime()) : null;
            WriteVerbose($"Rendering {template} for {incident.Id}.");
            // A string that also carries Incident and Workspace, so "| Send-DeirfUpdate -Channel Matrix" binds them by name.
            var message = PSObject.AsPSObject(Templates.KickoffMessage.Render(ws, incident, template, ChannelName, clock));
            message.Properties.Add(new PSNoteProperty("Incident", incident.Id));
            message.Properties.Add(new PSNoteProperty("Workspace", ws.Root));
            WriteObject(message);
        });
    }
}
