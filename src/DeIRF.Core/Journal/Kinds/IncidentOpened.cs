using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "incident.opened" — the genesis entry of every incident journal.
/// body: { title: string (≤ 200), reporter: handle, tags: [string], drill: bool }
/// </summary>
public sealed class IncidentOpened : IEntryKind
{
    public const string KindName = "incident.opened";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        EntryKinds.RequireText(Name, body, "title", 200);
        EntryKinds.RequireText(Name, body, "reporter", 64);
        if (body["tags"] is not JsonArray)
        {
            throw new InvalidStatementException(Name, "tags", "'incident.opened' needs a 'tags' array (may be empty).");
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Opened: {EntryKinds.Text(body, "title")} (reported by {EntryKinds.Text(body, "reporter")})";
}
