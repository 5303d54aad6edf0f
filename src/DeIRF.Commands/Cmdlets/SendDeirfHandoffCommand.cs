using System.Collections;
using System.Management.Automation;
using DeIRF.Integrations;
using DeIRF.Swarm;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Hands an incident over to the next responder (follow the sun): the sender's open tasks go to them (task.updated),
/// optionally incident roles (-Role: role.granted), and a handoff.sent entry records the briefing rendered from
/// templates/handoff.md (open tasks, deadlines, pending proposals, last decisions), all in one append. With -Channel the
/// briefing is posted like Send-DeirfUpdate (and the delivery journaled); -WhatIf shows the text and writes nothing.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "DeirfHandoff", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Swarm.HandoffPlan")]
public sealed class SendDeirfHandoffCommand : IntegrationCmdlet
{
    /// <summary>The incident id. Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The responder taking over.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string To { get; set; } = string.Empty;

    /// <summary>Incident roles of the sender the receiver takes on too (the sender keeps theirs).</summary>
    [Parameter]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder")]
    public string[] Role { get; set; } = [];

    /// <summary>Also post the briefing here (Matrix, Slack, Webhook or an imported channel).</summary>
    [Parameter]
    [Completers.ValidateExtensionKey(Extensions.ExtensionPoints.ChatChannel)]
    [ArgumentCompleter(typeof(Completers.ChatChannelCompleter))]
    public string? Channel { get; set; }

    /// <summary>Options of the channel by name (Room, Homeserver, SlackChannel, SlackApiUrl, WebhookUrl), as Send-DeirfUpdate's parameters. Never a secret: use -Token.</summary>
    [Parameter]
    public Hashtable? ChannelOption { get; set; }

    /// <summary>The Matrix or Slack token; default $env:DEIRF_MATRIX_TOKEN or $env:DEIRF_SLACK_TOKEN. Never journaled.</summary>
    [Parameter]
    public System.Security.SecureString? Token { get; set; }

    /// <summary>Render this template file instead of handoff.md.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TemplatePath { get; set; }

    /// <summary>The responder handing over (their open tasks pass to -To).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            RequireOnRoster(ws, actor);
            var incident = ws.GetIncident(Incident);
            var template = TemplatePath is not null ? ResolvePath(TemplatePath) : Templates.TemplateRenderer.Resolve(Handoff.TemplateName, ws.Root, ShippedTemplates, WriteWarning);
            var roles = Role.Select(r => Enum.Parse<Identity.ResponderRole>(r)).ToArray();
            var plan = Handoff.Prepare(ws, incident.Id, actor, To, roles, template, TimeProvider.System);
            var post = Channel is null ? null : IntegrationCatalog.Channel(Channel).Prepare(new ChatUpdate(incident, plan.Text, null, ChannelOptions(), Token));
            var what = $"Hand {incident.Id} over from {actor} to {To} ({plan.Tasks.Count} task(s){(plan.Roles.Count > 0 ? ", roles " + string.Join(", ", plan.Roles) : string.Empty)})"
                + (post is null ? string.Empty : $" and post it: {post.Description}");
            if (!ShouldProcess(what + ":\n" + plan.Text, what + "?", "Send-DeirfHandoff"))
            {
                return;
            }
            Handoff.Record(ws, plan, AppendOptions(ws, actor));
            if (post is not null)
            {
                Conclude(ws, incident.Id, actor, post.Send(IntegrationHttp.Shared, CancellationToken));
            }
            WriteFromWorkspace(plan, ws);
        });
    }

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
        return options;
    }
}
