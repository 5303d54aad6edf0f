using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "role.revoked" — a responder no longer holds a role on this incident.
/// body: { role: FirstReporter|TriageLead|CommsLead|ContainmentLead|Recorder, responder: handle (≤ 64) }
/// </summary>
public sealed class RoleRevoked : EntryKind<RoleChange>
{
    public const string KindName = "role.revoked";

    public override string Name => KindName;

    public override RoleChange Read(JsonObject body) => RoleChange.Read(Name, body);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "responder")} is no longer {EntryKinds.Text(body, "role")}";
}
