using System.Management.Automation;
using DeIRF.Incidents;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Gives a responder one of the five incident roles; with a roster, only eligible responders may hold it.</summary>
[Cmdlet(VerbsSecurity.Grant, "DeirfIncidentRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class GrantDeirfIncidentRoleCommand : IncidentRoleCmdlet
{
    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var current = ws.GetIncident(Incident);
            var role = IncidentRoles.ParseRole(Role);
            // Who grants: -Actor, the responder this machine signs as, $env:DEIRF_ACTOR (as Revoke-DeirfIncidentRole),
            // and only then the grantee (someone taking a role themselves, which MayGrant allows while nobody holds it).
            var actor = ResolveActor(ws, Actor, fallback: Responder);
            if (IncidentRoles.PlanGrant(ws, current, role, Responder, actor) is not { } grant)
            {
                WriteWarning($"'{Responder}' already holds {role} on {current.Id}; nothing was written.");
            }
            else
            {
                if (!ShouldProcess(current.Id, $"Grant {role} to {Responder} (by {actor})"))
                {
                    return;
                }
                Record(ws, current.Id, actor, grant);
            }
            if (PassThru)
            {
                WriteObject(ws.GetIncident(current.Id));
            }
        });
    }
}
