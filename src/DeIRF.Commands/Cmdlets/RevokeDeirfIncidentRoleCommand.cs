using System.Management.Automation;
using DeIRF.Incidents;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Takes an incident role from a responder.</summary>
[Cmdlet(VerbsSecurity.Revoke, "DeirfIncidentRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class RevokeDeirfIncidentRoleCommand : IncidentRoleCmdlet
{
    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            var current = ws.GetIncident(Incident);
            var role = IncidentRoles.ParseRole(Role);
            var revoke = IncidentRoles.PlanRevoke(current, role, Responder, Actor);
            if (!ShouldProcess(current.Id, $"Revoke {role} from {Responder} (by {Actor})"))
            {
                return;
            }
            Record(ws, current.Id, Actor, revoke);
            if (PassThru)
            {
                WriteObject(ws.GetIncident(current.Id));
            }
        });
    }
}
