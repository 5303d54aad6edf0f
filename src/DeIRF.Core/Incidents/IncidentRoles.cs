using DeIRF.Identity;
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
