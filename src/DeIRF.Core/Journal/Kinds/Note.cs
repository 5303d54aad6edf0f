using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>"note" — free text added to the timeline. body: { text: string (≤ 16384) }</summary>
public sealed class Note : EntryKind<Note.Body>
{
    public const string KindName = "note";

    public override string Name => KindName;

    public override Body Read(JsonObject body) => new(EntryKinds.RequireText(Name, body, "text", 16384));

    public override string Summarize(IReadOnlyDictionary<string, object?> body) => EntryKinds.Text(body, "text");

    public sealed record Body(string Text) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody() => new() { ["text"] = Text };
    }
}
