using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "alert.received" — an alert for an incident that is already open (same fingerprint as the alert that opened it):
/// it fired again, or the sender says it is resolved. Nothing is opened for it.
/// body: { format, source (≤ 200), status: firing|resolved, time: the alert's event time (UTC), sha256: of the alert's
///         bytes (64 lowercase hex), title (≤ 200), fingerprint (≤ 128) }
/// </summary>
public sealed class AlertReceived : EntryKind<AlertReceived.Body>
{
    public const string KindName = "alert.received";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var format = EntryKinds.RequireText(Name, body, "format", 32);
        var source = EntryKinds.RequireText(Name, body, "source", 200);
        var status = EntryKinds.RequireText(Name, body, "status", 16);
        if (status is not (Alerts.Alert.Firing or Alerts.Alert.Resolved))
        {
            throw new InvalidStatementException(Name, "status", $"'{Name}' member 'status' must be firing or resolved.", status);
        }
        var time = EntryKinds.RequireText(Name, body, "time", 32);
        var sha = EntryKinds.RequireText(Name, body, "sha256", 64);
        if (sha.Length != 64 || sha.Any(c => !char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)))
        {
            throw new InvalidStatementException(Name, "sha256", $"'{Name}' member 'sha256' must be 64 lowercase hex digits.", sha);
        }
        var title = EntryKinds.RequireText(Name, body, "title", Canonical.OutsideText.MaxTitle);
        if (!Canonical.OutsideText.IsPrintableLine(title))
        {
            throw new InvalidStatementException(Name, "title", $"'{Name}' member 'title' must be one line of printable text.", title);
        }
        return new Body(format, source, status, time, sha, title, EntryKinds.RequireText(Name, body, "fingerprint", 128));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => (EntryKinds.Text(body, "status") == Alerts.Alert.Resolved ? "Alert resolved: " : "Alert fired again: ")
            + $"{EntryKinds.Text(body, "title")} ({EntryKinds.Text(body, "source")}, since {EntryKinds.Text(body, "time")})";

    public sealed record Body(string Format, string Source, string Status, string Time, string Sha256, string Title, string Fingerprint) : IEntryBody
    {
        public string Kind => KindName;

        public static Body Of(Alerts.Alert alert) => new(alert.Format, alert.Source, alert.Status, Timestamps.ToJournal(alert.EventTime), alert.Sha256,
            alert.Title, alert.Fingerprint ?? throw new ArgumentException("An alert.received needs the alert's fingerprint.", nameof(alert)));

        public JsonObject ToBody() => new()
        {
            ["fingerprint"] = Fingerprint, ["format"] = Format, ["sha256"] = Sha256, ["source"] = Source, ["status"] = Status, ["time"] = Time, ["title"] = Title,
        };
    }
}
