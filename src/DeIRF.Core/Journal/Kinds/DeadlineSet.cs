using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "deadline.set" — a T-minus deadline (seed section 4): a name and when it falls due, in UTC. A later entry with the
/// same name moves the deadline.
/// body: { name: lower-case token (triage, containment, first-comms...; ≤ 40), due: UTC ISO 8601 ("yyyy-MM-ddTHH:mm:ss.fffZ"),
/// reason?: string (≤ 2000; "default for P1 (default)" when set by the deadline policy) }
/// </summary>
public sealed partial class DeadlineSet : EntryKind<DeadlineSet.Body>
{
    public const string KindName = "deadline.set";

    /// <summary>The retrospective deadline comes from incident.closed; it cannot be set by name.</summary>
    public const string Retrospective = "retrospective";

    public override string Name => KindName;

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name) && name != Retrospective;

    public static string FormatDue(DateTimeOffset due) => due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static bool TryParseDue(string? text, out DateTimeOffset due)
    {
        if (text is not null && text.EndsWith('Z') && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
        {
            due = d.ToUniversalTime();
            return true;
        }
        due = default;
        return false;
    }

    public override Body Read(JsonObject body)
    {
        var name = EntryKinds.RequireText(Name, body, "name", 40);
        if (!IsValidName(name))
        {
            throw new InvalidStatementException(Name, "name",
                $"'{name}' is not a deadline name: lower-case letters, digits and '-', starting with a letter ('{Retrospective}' is reserved: it comes from closing).", name);
        }
        var dueText = EntryKinds.RequireText(Name, body, "due", 40);
        if (!TryParseDue(dueText, out var due))
        {
            throw new InvalidStatementException(Name, "due", $"'{Name}' member 'due' must be an ISO 8601 time in UTC ending in Z.", dueText);
        }
        return new Body(name, due, EntryKinds.OptionalText(Name, body, "reason", 2000));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Deadline {EntryKinds.Text(body, "name")} due {EntryKinds.Text(body, "due")}"
            + (EntryKinds.Text(body, "reason") is { Length: > 0 } why ? $" ({why})" : string.Empty);

    /// <summary>A deadline: its name, when it falls due (written in UTC to the millisecond) and why, if said.</summary>
    public sealed record Body(string Name, DateTimeOffset Due, string? Reason = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["due"] = FormatDue(Due), ["name"] = Name };
            body.Optional("reason", Reason);
            return body;
        }
    }
}
