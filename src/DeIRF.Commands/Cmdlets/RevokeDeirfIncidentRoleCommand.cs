using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Takes an incident role from a responder.</summary>
[Cmdlet(VerbsSecurity.Revoke, "DeirfIncidentRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class RevokeDeirfIncidentRoleCommand : IncidentChangeCmdlet
{

    [Parameter(Mandatory = true)]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder")]
    public string Role { get; set; } = string.Empty;

    /// <summary>The responder who gives up the role.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The responder revoking the role.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }


    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
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
            if (Actor != Responder && current.MayGrant(Actor) is { } refused)
            {
                throw new DeirfException("RoleGrantNotAllowed", DeirfErrorKind.SecurityError, refused + ". Nothing was written.", Actor);
            }
            Record(ws, current.Id, RoleRevoked.KindName, Actor, new JsonObject { ["responder"] = Responder, ["role"] = role });
            if (PassThru)
            {
                WriteObject(ws.GetIncident(current.Id));
            }
        });
    }
}
