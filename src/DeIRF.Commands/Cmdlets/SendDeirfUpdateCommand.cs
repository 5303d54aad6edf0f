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
    [ValidateSet("Matrix", "Slack", "Webhook")]
    public string Channel { get; set; } = string.Empty;

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

    public const string SlackChannelVariable = "DEIRF_SLACK_CHANNEL";

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            RequireOnRoster(ws, Actor);
            var incident = ws.GetIncident(Incident);
            var text = Compose(ws, incident);
            var operation = "message.send";
            IntegrationResult result;
            switch (Channel.ToLowerInvariant())
            {
                case "matrix":
                {
                    var room = Room ?? incident.ChatRoom ?? throw new DeirfException("IncidentChannelMissing", DeirfErrorKind.NotFound,
                        $"{incident.Id} has no Matrix room yet: run New-DeirfIncidentChannel, or pass -Room.", incident.Id);
                    var homeserver = ResolveHomeserver(Homeserver ?? (Room is null ? incident.ChatHomeserver : null), operation);
                    var token = IntegrationSecrets.Resolve(Token, IntegrationSecrets.MatrixTokenVariable, "matrix", operation, nameof(Token));
                    if (!ShouldProcess($"Matrix room {room} on {homeserver.Host}: {Preview(text)}", "Send update"))
                    {
                        return;
                    }
                    result = ChatChannels.SendMatrixMessage(IntegrationHttp.Shared, homeserver, token, incident.Id, room, text, Audience, CancellationToken);
                    break;
                }
                case "slack":
                {
                    var channel = SlackChannel ?? Environment.GetEnvironmentVariable(SlackChannelVariable);
                    if (string.IsNullOrWhiteSpace(channel))
                    {
                        throw new DeirfException("SlackChannelMissing", DeirfErrorKind.InvalidArgument, $"-Channel Slack needs -SlackChannel (or ${SlackChannelVariable}).", nameof(SlackChannel));
                    }
                    var api = IntegrationCallRunner.ValidateBase(SlackApiUrl, ChatChannels.SlackDefaultApi, "slack", operation, nameof(SlackApiUrl));
                    var token = IntegrationSecrets.Resolve(Token, IntegrationSecrets.SlackTokenVariable, "slack", operation, nameof(Token));
                    if (!ShouldProcess($"Slack channel {channel}: {Preview(text)}", "Send update"))
                    {
                        return;
                    }
                    result = ChatChannels.SendSlackMessage(IntegrationHttp.Shared, api, token, incident.Id, channel.Trim(), text, Audience, CancellationToken);
                    break;
                }
                default:
                {
                    var raw = WebhookUrl ?? Environment.GetEnvironmentVariable(IntegrationSecrets.WebhookUrlVariable);
                    if (string.IsNullOrWhiteSpace(raw))
                    {
                        throw new DeirfException("WebhookUrlMissing", DeirfErrorKind.InvalidArgument, $"-Channel Webhook needs -WebhookUrl (or ${IntegrationSecrets.WebhookUrlVariable}).", nameof(WebhookUrl));
                    }
                    var url = ChatChannels.ValidateWebhookUrl(raw);
                    if (!ShouldProcess($"webhook at {Redaction.Origin(url)}: {Preview(text)}", "Send update"))
                    {
                        return;
                    }
                    result = ChatChannels.PostWebhook(IntegrationHttp.Shared, url, incident.Id, text, Audience, CancellationToken);
                    break;
                }
            }
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

    private static string Preview(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 80 ? line[..80] + "…" : line;
    }
}
