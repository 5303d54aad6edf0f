using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "incident.closed" — the incident is resolved; starts the 72-hour retrospective clock (seed section 7).
/// body: { resolution: string (≤ 4096) }
/// </summary>
public sealed class IncidentClosed : EntryKind<IncidentClosed.Body>
{
    public const string KindName = "incident.closed";

    public override string Name => KindName;

    public override Body Read(JsonObject body) => new(EntryKinds.RequireText(Name, body, "resolution", 4096));

    public override string Summarize(IReadOnlyDictionary<string, object?> body) => $"Closed: {EntryKinds.Text(body, "resolution")}";

    public sealed record Body(string Resolution) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody() => new() { ["resolution"] = Resolution };
    }
}
