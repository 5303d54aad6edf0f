using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>"note" — free text added to the timeline. body: { text: string (≤ 16384) }</summary>
public sealed class Note : IEntryKind
{
    public const string KindName = "note";

    public string Name => KindName;

    public void Validate(JsonObject body) => EntryKinds.RequireText(Name, body, "text", 16384);

    public string Summarize(IReadOnlyDictionary<string, object?> body) => EntryKinds.Text(body, "text");
}
