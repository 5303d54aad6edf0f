using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "incident.opened" — the genesis entry of every incident journal.
/// body: { title: string (≤ 200), reporter: handle, tags: [string], drill: bool,
///         alert?: { format, source, time (UTC), fingerprint? (≤ 128), target? (≤ 512), sha256 (of the original alert bytes; the bytes are in the evidence store,
///                   with an evidence.added entry right after this one), file? (only in journals written before that) } }
/// </summary>
public sealed class IncidentOpened : EntryKind<IncidentOpened.Body>
{
    public const string KindName = "incident.opened";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var title = EntryKinds.RequireText(Name, body, "title", Canonical.OutsideText.MaxTitle);
        // The title is shown in consoles, chats and public updates: one printable line, nothing that steers a terminal.
        if (!Canonical.OutsideText.IsPrintableLine(title))
        {
            throw new InvalidStatementException(Name, "title",
                "'incident.opened' member 'title' must be one line of printable text: no line break, tab, control or escape character, bidi control or zero-width character.", title);
        }
        var reporter = EntryKinds.RequireText(Name, body, "reporter", 64);
        if (body["tags"] is not JsonArray tags)
        {
            throw new InvalidStatementException(Name, "tags", "'incident.opened' needs a 'tags' array (may be empty).");
        }
        var tagList = new List<string>();
        foreach (var t in tags)
        {
            if (t is not JsonValue v || !v.TryGetValue<string>(out var tag) || !Canonical.OutsideText.IsPrintableLine(tag))
            {
                throw new InvalidStatementException(Name, "tags", "'incident.opened' tags must be strings of printable text on one line.", t?.ToJsonString());
            }
            tagList.Add(tag);
        }
        var drill = body["drill"] is JsonValue d && d.TryGetValue<bool>(out var isDrill) && isDrill;
        AlertRef? alertRef = null;
        if (body["alert"] is { } a)
        {
            if (a is not JsonObject alert)
            {
                throw new InvalidStatementException(Name, "alert", "'incident.opened' member 'alert' must be an object.");
            }
            var format = EntryKinds.RequireText(Name, alert, "format", 32);
            var source = EntryKinds.RequireText(Name, alert, "source", 200);
            var time = EntryKinds.RequireText(Name, alert, "time", 32);
            var sha = EntryKinds.RequireText(Name, alert, "sha256", 64);
            if (sha.Length != 64 || sha.Any(c => !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)))
            {
                throw new InvalidStatementException(Name, "alert.sha256", "'alert.sha256' must be 64 lowercase hex digits.", sha);
            }
            alertRef = new AlertRef(format, source, time, sha, alert["file"] is JsonValue f && f.TryGetValue<string>(out var file) ? file : null,
                EntryKinds.OptionalText(Name, alert, "fingerprint", 128), EntryKinds.OptionalText(Name, alert, "target", 512));
        }
        return new Body(title, reporter, tagList, drill, alertRef);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Opened: {EntryKinds.Text(body, "title")} (reported by {EntryKinds.Text(body, "reporter")})";

    /// <summary>The alert an incident was opened from: its format, source, event time (journal form) and the SHA-256 of its bytes.</summary>
    /// <summary>Fingerprint: the sender's identity of the alert (Alertmanager, Grafana, Forta); Target: what it is about, when named.</summary>
    public sealed record AlertRef(string Format, string Source, string Time, string Sha256, string? File = null, string? Fingerprint = null, string? Target = null);

    /// <summary>The genesis body; tags are written distinct, sorted and without blanks.</summary>
    public sealed record Body(string Title, string Reporter, IReadOnlyList<string> Tags, bool Drill, AlertRef? Alert = null) : IEntryBody
    {
        public string Kind => KindName;

        public static Body Of(string title, string reporter, IEnumerable<string>? tags, bool drill, Alerts.Alert? alert)
            => new(title, reporter, (tags ?? []).Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(), drill,
                alert is null ? null : new AlertRef(alert.Format, alert.Source, Timestamps.ToJournal(alert.EventTime), alert.Sha256, null, alert.Fingerprint, alert.Target));

        public JsonObject ToBody()
        {
            var body = new JsonObject
            {
                ["drill"] = Drill,
                ["reporter"] = Reporter,
                ["tags"] = new JsonArray(Tags.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                ["title"] = Title,
            };
            if (Alert is { } a)
            {
                var alert = new JsonObject { ["format"] = a.Format, ["sha256"] = a.Sha256, ["source"] = a.Source, ["time"] = a.Time };
                alert.Optional("file", a.File);
                alert.Optional("fingerprint", a.Fingerprint);
                alert.Optional("target", a.Target);
                body["alert"] = alert;
            }
            return body;
        }

        public bool Equals(Body? other) => other is not null && Title == other.Title && Reporter == other.Reporter && Drill == other.Drill
            && Tags.SequenceEqual(other.Tags) && Alert == other.Alert;

        public override int GetHashCode() => HashCode.Combine(Title, Reporter, Drill);
    }
}
