using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "incident.opened" — the genesis entry of every incident journal.
/// body: { title: string (≤ 200), reporter: handle, tags: [string], drill: bool,
///         alert?: { format, source, time (UTC), sha256 (of the original alert bytes; the bytes are in the evidence store,
///                   with an evidence.added entry right after this one), file? (only in journals written before that) } }
/// </summary>
public sealed class IncidentOpened : IEntryKind
{
    public const string KindName = "incident.opened";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        var title = EntryKinds.RequireText(Name, body, "title", Canonical.OutsideText.MaxTitle);
        // The title is shown in consoles, chats and public updates: one printable line, nothing that steers a terminal.
        if (!Canonical.OutsideText.IsPrintableLine(title))
        {
            throw new InvalidStatementException(Name, "title",
                "'incident.opened' member 'title' must be one line of printable text: no line break, tab, control or escape character, bidi control or zero-width character.", title);
        }
        EntryKinds.RequireText(Name, body, "reporter", 64);
        if (body["tags"] is not JsonArray tags)
        {
            throw new InvalidStatementException(Name, "tags", "'incident.opened' needs a 'tags' array (may be empty).");
        }
        foreach (var t in tags)
        {
            if (t is not JsonValue v || !v.TryGetValue<string>(out var tag) || !Canonical.OutsideText.IsPrintableLine(tag))
            {
                throw new InvalidStatementException(Name, "tags", "'incident.opened' tags must be strings of printable text on one line.", t?.ToJsonString());
            }
        }
        if (body["alert"] is { } a)
        {
            if (a is not JsonObject alert)
            {
                throw new InvalidStatementException(Name, "alert", "'incident.opened' member 'alert' must be an object.");
            }
            EntryKinds.RequireText(Name, alert, "format", 32);
            EntryKinds.RequireText(Name, alert, "source", 200);
            EntryKinds.RequireText(Name, alert, "time", 32);
            var sha = EntryKinds.RequireText(Name, alert, "sha256", 64);
            if (sha.Length != 64 || sha.Any(c => !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)))
            {
                throw new InvalidStatementException(Name, "alert.sha256", "'alert.sha256' must be 64 lowercase hex digits.", sha);
            }
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Opened: {EntryKinds.Text(body, "title")} (reported by {EntryKinds.Text(body, "reporter")})";
}
