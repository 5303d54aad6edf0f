using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Takes an incident role from a responder.</summary>
[Cmdlet(VerbsSecurity.Revoke, "DeirfIncidentRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class RevokeDeirfIncidentRoleCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder")]
    public string Role { get; set; } = string.Empty;

    /// <summary>The responder who gives up the role.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The responder revoking the role.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Actor { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var current = ws.GetIncident(Incident);
            var role = Incidents.IncidentRoles.ParseRole(Role).ToString();
            if (!current.HoldsRole(role, Responder))
            {
                throw new DeirfException("RoleNotHeld", DeirfErrorKind.InvalidOperation,
                    $"'{Responder}' does not hold {role} on {current.Id} (roles: {(current.RolesText.Length > 0 ? current.RolesText : "none")}).", Responder);
            }
            if (!ShouldProcess(current.Id, $"Revoke {role} from {Responder} (by {Actor})"))
            {
                return;
            }
            ws.JournalOf(current.Id).Append(new StatementDraft(RoleRevoked.KindName, Actor,
                new JsonObject { ["responder"] = Responder, ["role"] = role }), AppendOptions(ws, Actor));
            if (PassThru)
            {
                WriteObject(ws.GetIncident(current.Id));
            }
        });
    }
}
