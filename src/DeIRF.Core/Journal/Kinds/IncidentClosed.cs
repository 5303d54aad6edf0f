using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "incident.closed" — the incident is resolved; starts the 72-hour retrospective clock (seed section 7).
/// body: { resolution: string (≤ 4096) }
/// </summary>
public sealed class IncidentClosed : IEntryKind
{
    public const string KindName = "incident.closed";

    public string Name => KindName;

    public void Validate(JsonObject body) => EntryKinds.RequireText(Name, body, "resolution", 4096);

    public string Summarize(IReadOnlyDictionary<string, object?> body) => $"Closed: {EntryKinds.Text(body, "resolution")}";
}
