using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "role.granted" — a responder takes one of the five roles (seed section 2) on this incident.
/// body: { role: FirstReporter|TriageLead|CommsLead|ContainmentLead|Recorder, responder: handle (≤ 64) }
/// </summary>
public sealed class RoleGranted : IEntryKind
{
    public const string KindName = "role.granted";

    public string Name => KindName;

    public void Validate(JsonObject body) => RoleGranted.ValidateRoleBody(Name, body);

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "responder")} is {EntryKinds.Text(body, "role")}";

    internal static void ValidateRoleBody(string kind, JsonObject body)
    {
        var role = EntryKinds.RequireText(kind, body, "role", 32);
        if (!Enum.GetNames<Identity.ResponderRole>().Contains(role, StringComparer.Ordinal))
        {
            throw new InvalidStatementException(kind, "role", $"'{role}' is not a role ({string.Join(", ", Enum.GetNames<Identity.ResponderRole>())}).", role);
        }
        var responder = EntryKinds.RequireText(kind, body, "responder", 64);
        if (responder.Any(char.IsWhiteSpace))
        {
            throw new InvalidStatementException(kind, "responder", $"'{kind}' member 'responder' must be a handle without spaces.", responder);
        }
    }
}
