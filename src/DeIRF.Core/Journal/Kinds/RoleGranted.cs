using System.Text.Json.Nodes;
using DeIRF.Identity;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "role.granted" — a responder takes one of the five roles (seed section 2) on this incident.
/// body: { role: FirstReporter|TriageLead|CommsLead|ContainmentLead|Recorder, responder: handle (≤ 64) }
/// </summary>
public sealed class RoleGranted : EntryKind<RoleChange>
{
    public const string KindName = "role.granted";

    public override string Name => KindName;

    public override RoleChange Read(JsonObject body) => RoleChange.Read(Name, body);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "responder")} is {EntryKinds.Text(body, "role")}";
}

/// <summary>The body of "role.granted" and "role.revoked": who, and which role.</summary>
public sealed record RoleChange(string Kind, ResponderRole Role, string Responder) : IEntryBody
{
    public static RoleChange Granted(ResponderRole role, string responder) => new(RoleGranted.KindName, role, responder);

    public static RoleChange Revoked(ResponderRole role, string responder) => new(RoleRevoked.KindName, role, responder);

    public JsonObject ToBody() => new() { ["responder"] = Responder, ["role"] = Role.ToString() };

    internal static RoleChange Read(string kind, JsonObject body)
    {
        var role = EntryKinds.RequireText(kind, body, "role", 32);
        if (!Enum.GetNames<ResponderRole>().Contains(role, StringComparer.Ordinal))
        {
            throw new InvalidStatementException(kind, "role", $"'{role}' is not a role ({string.Join(", ", Enum.GetNames<ResponderRole>())}).", role);
        }
        var responder = EntryKinds.RequireText(kind, body, "responder", 64);
        if (responder.Any(char.IsWhiteSpace))
        {
            throw new InvalidStatementException(kind, "responder", $"'{kind}' member 'responder' must be a handle without spaces.", responder);
        }
        return new RoleChange(kind, Enum.Parse<ResponderRole>(role), responder);
    }
}
