using System.Management.Automation;
using DeIRF.Integrations;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Creates the incident's private Matrix room (name "&lt;INC id&gt; &lt;title&gt;", topic with severity and journal head,
/// preset private_chat) and invites the responders; the room id is journaled and later posts go to it.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfIncidentChannel", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Integrations.IntegrationResult")]
public sealed class NewDeirfIncidentChannelCommand : IntegrationCmdlet
{
    public const string HomeserverVariable = Integrations.ChatChannels.HomeserverVariable;

    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The responder creating the room (normally the Comms Lead); the journal entry is theirs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>The homeserver's client-server API base, e.g. https://matrix.example.org; default $env:DEIRF_MATRIX_HOMESERVER.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Homeserver { get; set; }

    /// <summary>Matrix user ids to invite (@user:server).</summary>
    [Parameter]
    public string[] Invite { get; set; } = [];

    /// <summary>Also invite every responder holding a role in the incident, as @handle:&lt;this server name&gt;.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RoleHolderDomain { get; set; }

    /// <summary>The Matrix access token; default $env:DEIRF_MATRIX_TOKEN. Never journaled.</summary>
    [Parameter]
    public System.Security.SecureString? Token { get; set; }

    /// <summary>Create a room even though the incident already has one (createRoom is not idempotent).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            RequireOnRoster(ws, Actor);
            var incident = ws.GetIncident(Incident);
            if (incident.ChatRoom is { } existing && !Force)
            {
                throw new DeirfException("IncidentChannelExists", DeirfErrorKind.AlreadyExists,
                    $"{incident.Id} already has a Matrix room ({existing}). Post to it with Send-DeirfUpdate -Channel Matrix, or use -Force for a second room.", incident.Id);
            }
            var homeserver = ResolveHomeserver(Homeserver, "room.create");
            var token = IntegrationSecrets.Resolve(Token, IntegrationSecrets.MatrixTokenVariable, "matrix", "room.create", nameof(Token));
            var invite = new List<string>();
            foreach (var user in Invite.Concat(RoleHolderDomain is null ? [] : incident.Roles.Values.SelectMany(h => h).Select(h => $"@{h.ToLowerInvariant()}:{RoleHolderDomain}")))
            {
                if (!invite.Contains(user, StringComparer.Ordinal))
                {
                    invite.Add(user);
                }
            }
            var name = $"{incident.Id} {incident.Title}";
            name = name.Length > 255 ? name[..255] : name;
            var topic = $"{(incident.IsDrill ? "DRILL · " : string.Empty)}{(incident.Severity.Length > 0 ? incident.Severity : "unrated")} · {incident.Id} · journal head #{incident.HeadSeq} {incident.HeadHash[..Math.Min(16, incident.HeadHash.Length)]}"
                + " · evidence first; nothing leaves this room except through the Comms Lead";
            if (!ShouldProcess($"{homeserver.Host}: private room '{name}'" + (invite.Count > 0 ? $" inviting {string.Join(", ", invite)}" : string.Empty), "Create incident channel"))
            {
                return;
            }
            var result = ChatChannels.CreateMatrixRoom(IntegrationHttp.Shared, homeserver, token, incident.Id, name, topic, invite, CancellationToken);
            Conclude(ws, incident.Id, Actor, result);
            WriteObject(result);
        });
    }
}
