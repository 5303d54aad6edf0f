using System.Collections;
using System.Management.Automation;
using DeIRF.Integrations;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Posts an update about an incident to its Matrix room, a Slack channel or a webhook, and journals the delivery
/// result. -Message is sent as given (pipe New-DeirfKickoffMessage into it); with -Audience the update is rendered from
/// templates/update-&lt;audience&gt;.md, with -Message as the Comms Lead's own words. Matrix and webhook posts carry a
/// transaction id derived from the incident and the text, so a retry or a re-run never posts twice.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "DeirfUpdate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Integrations.IntegrationResult")]
public sealed class SendDeirfUpdateCommand : IntegrationCmdlet
{
    /// <summary>The incident id. Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>Where the update goes.</summary>
    [Parameter(Mandatory = true)]
    [Completers.ValidateExtensionKey(Extensions.ExtensionPoints.ChatChannel)]
    [ArgumentCompleter(typeof(Completers.ChatChannelCompleter))]
    public string Channel { get; set; } = string.Empty;

    /// <summary>Options of the channel by name (an imported channel's own settings); -Room, -SlackChannel, -WebhookUrl... win over the same names here. Never put a secret here: use -Token.</summary>
    [Parameter]
    public Hashtable? ChannelOption { get; set; }

    /// <summary>The text. Piped strings are one post each (use Get-Content -Raw for a file).</summary>
    [Parameter(Position = 1, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string? Message { get; set; }

    /// <summary>Render templates/update-internal.md, update-community.md or update-regulator.md around -Message.</summary>
    [Parameter]
    [ValidateSet("Internal", "Community", "Regulator")]
    public string? Audience { get; set; }

    /// <summary>The responder posting (normally the Comms Lead); the journal entry is theirs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Render this template file instead of update-&lt;audience&gt;.md (needs -Audience).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TemplatePath { get; set; }

    /// <summary>Matrix: the room id (!id:server); default the incident's room from New-DeirfIncidentChannel.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Room { get; set; }

    /// <summary>Matrix: the homeserver API base; default the one the incident's room was created on, then $env:DEIRF_MATRIX_HOMESERVER.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Homeserver { get; set; }

    /// <summary>Slack: the channel id (C0123...) or name; default $env:DEIRF_SLACK_CHANNEL.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SlackChannel { get; set; }

    /// <summary>Slack: the Web API base; default https://slack.com/api.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SlackApiUrl { get; set; }

    /// <summary>Webhook: the URL (treated as a secret: only scheme and host are journaled); default $env:DEIRF_WEBHOOK_URL.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WebhookUrl { get; set; }

    /// <summary>The Matrix or Slack token; default $env:DEIRF_MATRIX_TOKEN or $env:DEIRF_SLACK_TOKEN. Never journaled.</summary>
    [Parameter]
    public System.Security.SecureString? Token { get; set; }

    /// <summary>Compute T-minus in the rendered update as of this time instead of now.</summary>
    [Parameter]
    public DateTimeOffset? AsOf { get; set; }

    public const string SlackChannelVariable = ChatChannels.SlackChannelVariable;

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            RequireOnRoster(ws, Actor);
            var incident = ws.GetIncident(Incident);
            var text = Compose(ws, incident);
            // The channel (a registered extension: Matrix, Slack, Webhook or an imported one) resolves its target and
            // secret before anything is sent; a missing room, channel, URL or token is an error with nothing posted.
            var post = Integrations.IntegrationCatalog.Channel(Channel).Prepare(new ChatUpdate(incident, text, Audience, ChannelOptions(), Token));
            if (!ShouldProcess(post.Description, "Send update"))
            {
                return;
            }
            var result = post.Send(IntegrationHttp.Shared, CancellationToken);
            Conclude(ws, incident.Id, Actor, result);
            WriteObject(result);
        });
    }

    private string Compose(Workspaces.Workspace ws, Incidents.Incident incident)
    {
        if (Audience is null)
        {
            if (TemplatePath is not null)
            {
                throw new DeirfException("UpdateAudienceMissing", DeirfErrorKind.InvalidArgument, "-TemplatePath renders an audience update: add -Audience.", nameof(TemplatePath));
            }
            if (string.IsNullOrWhiteSpace(Message))
            {
                throw new DeirfException("UpdateMessageMissing", DeirfErrorKind.InvalidArgument,
                    "Nothing to send: give -Message (or pipe New-DeirfKickoffMessage), or -Audience to render an update template.", incident.Id);
            }
            return Message;
        }
        var template = TemplatePath is not null
            ? ResolvePath(TemplatePath)
            : Templates.TemplateRenderer.Resolve(Templates.UpdateMessage.TemplateNameFor(Audience), ws.Root, ShippedTemplates, WriteWarning);
        TimeProvider? clock = AsOf is { } at ? new Identity.FixedClock(at.ToUniversalTime()) : null;
        WriteVerbose($"Rendering {template} for {incident.Id} ({Audience}).");
        return Templates.UpdateMessage.Render(ws, incident, Audience, template, Message, clock);
    }

    /// <summary>The channel options: -ChannelOption, then the named parameters (which win).</summary>
    private Dictionary<string, string> ChannelOptions()
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (ChannelOption is not null)
        {
            foreach (DictionaryEntry e in ChannelOption)
            {
                if (e.Key?.ToString() is { Length: > 0 } key && e.Value is not null)
                {
                    options[key] = e.Value is PSObject pso ? pso.BaseObject.ToString() ?? string.Empty : e.Value.ToString() ?? string.Empty;
                }
            }
        }
        foreach (var (name, value) in new[] { (nameof(Room), Room), (nameof(Homeserver), Homeserver), (nameof(SlackChannel), SlackChannel), (nameof(SlackApiUrl), SlackApiUrl), (nameof(WebhookUrl), WebhookUrl) })
        {
            if (value is not null)
            {
                options[name] = value;
            }
        }
        return options;
    }
}
