using DeIRF.Identity;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Incidents;

/// <summary>
/// Who may hold an incident role. With a roster in the workspace, only a responder who is on it, is eligible (two proofs
/// of different kinds) and lists the role may hold it; without one, actors are plain handles (issue 5).
/// </summary>
public static class IncidentRoles
{
    public static ResponderRole ParseRole(string role)
        => Enum.GetNames<ResponderRole>().FirstOrDefault(n => string.Equals(n, role, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<ResponderRole>(name)
            : throw new DeirfException("RoleUnknown", DeirfErrorKind.InvalidArgument,
                $"'{role}' is not a role ({string.Join(", ", Enum.GetNames<ResponderRole>())}).", role);

    /// <summary>
    /// The "role.granted" body for <paramref name="actor"/> giving <paramref name="role"/> to <paramref name="responder"/>
    /// on <paramref name="incident"/>, or null when they already hold it. Throws the roster's refusals
    /// (<see cref="CheckMayHold(Workspace, string, ResponderRole)"/>) and RoleGrantNotAllowed; nothing is written.
    /// </summary>
    public static RoleChange? PlanGrant(Workspace ws, Incident incident, ResponderRole role, string responder, string actor)
    {
        if (incident.HoldsRole(role.ToString(), responder))
        {
            return null;
        }
        CheckMayHold(ws, responder, role);
        if (incident.MayGrant(actor, role.ToString(), responder) is { } refused)
        {
            throw new DeirfException("RoleGrantNotAllowed", DeirfErrorKind.SecurityError, refused + ". Nothing was written (-Actor names who grants).", actor);
        }
        return RoleChange.Granted(role, responder);
    }

    /// <summary>
    /// The "role.revoked" body for <paramref name="actor"/> taking <paramref name="role"/> from <paramref name="responder"/>.
    /// Anyone may step down; taking a role from someone else needs the right to grant (RoleGrantNotAllowed). Throws
    /// RoleNotHeld when they do not hold it; nothing is written.
    /// </summary>
    public static RoleChange PlanRevoke(Incident incident, ResponderRole role, string responder, string actor)
    {
        if (!incident.HoldsRole(role.ToString(), responder))
        {
            throw new DeirfException("RoleNotHeld", DeirfErrorKind.InvalidOperation,
                $"'{responder}' does not hold {role} on {incident.Id} (roles: {(incident.RolesText.Length > 0 ? incident.RolesText : "none")}).", responder);
        }
        if (actor != responder && incident.MayGrant(actor) is { } refused)
        {
            throw new DeirfException("RoleGrantNotAllowed", DeirfErrorKind.SecurityError, refused + ". Nothing was written.", actor);
        }
        return RoleChange.Revoked(role, responder);
    }

    /// <summary>Throws RoleResponderUnknown, RoleResponderIneligible or RoleNotEligible when the roster says no.</summary>
    public static void CheckMayHold(Workspace ws, string handle, ResponderRole role)
    {
        var roster = Roster.Load(ws);
        if (roster.Responders.Count == 0)
        {
            return;
        }
        CheckMayHold(roster, handle, role);
    }

    public static void CheckMayHold(Roster roster, string handle, ResponderRole role)
    {
        var r = roster.Find(handle) ?? throw new DeirfException("RoleResponderUnknown", DeirfErrorKind.NotFound,
            $"'{handle}' is not on the workspace roster; add them with New-DeirfResponder and two identity proofs first.", handle);
        if (!r.Eligible)
        {
            var have = r.ProofKinds;
            var missing = ProofKinds.Available.Where(k => !have.Contains(k)).ToArray();
            var need = Roster.MinimumProofKinds - have.Count;
            throw new DeirfException("RoleResponderIneligible", DeirfErrorKind.SecurityError,
                $"'{handle}' may not hold a role: {Roster.MinimumProofKinds} active identity proofs of different kinds are required, " +
                $"they have {(have.Count == 0 ? "none" : string.Join(", ", have))}; add {need} more of: {string.Join(", ", missing)} (Add-DeirfIdentityProof).", handle);
        }
        if (!r.Roles.Contains(role))
        {
            throw new DeirfException("RoleNotEligible", DeirfErrorKind.SecurityError,
                $"'{handle}' is not eligible for {role}: their roster roles are {(r.Roles.Count == 0 ? "none" : string.Join(", ", r.Roles))}.", handle);
        }
    }
}
