using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Identity;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "task.created" — a piece of work in the swarm, given to one responder or to whoever holds an incident role.
/// body: { id: "T-" + 8 lower-case hex (random: replicas never collide), title (≤ 200), assignee?: handle (≤ 64) |
/// role?: FirstReporter|TriageLead|CommsLead|ContainmentLead|Recorder (exactly one of the two), due?: UTC
/// ("yyyy-MM-ddTHH:mm:ss.fffZ"), template?: the task template it was seeded from (≤ 64) }
/// </summary>
public sealed partial class TaskCreated : EntryKind<TaskCreated.Body>
{
    public const string KindName = "task.created";

    public override string Name => KindName;

    [GeneratedRegex("^T-[0-9a-f]{8}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex TemplatePattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public static bool IsValidTemplateName(string name) => TemplatePattern().IsMatch(name);

    public static string NewId() => "T-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    internal static string RequireId(string kind, JsonObject body)
    {
        var id = EntryKinds.RequireText(kind, body, "id", 16);
        return IsValidId(id) ? id : throw new InvalidStatementException(kind, "id", $"'{id}' is not a task id (T- and 8 lower-case hex digits).", id);
    }

    internal static string? OptionalHandle(string kind, JsonObject body, string member)
    {
        var handle = EntryKinds.OptionalText(kind, body, member, 64);
        return handle is not null && handle.Any(char.IsWhiteSpace)
            ? throw new InvalidStatementException(kind, member, $"'{kind}' member '{member}' must be a handle without spaces.", handle)
            : handle;
    }

    internal static ResponderRole? OptionalRole(string kind, JsonObject body)
    {
        var role = EntryKinds.OptionalText(kind, body, "role", 32);
        if (role is null)
        {
            return null;
        }
        return Enum.GetNames<ResponderRole>().Contains(role, StringComparer.Ordinal)
            ? Enum.Parse<ResponderRole>(role)
            : throw new InvalidStatementException(kind, "role", $"'{role}' is not a role ({string.Join(", ", Enum.GetNames<ResponderRole>())}).", role);
    }

    public override Body Read(JsonObject body)
    {
        var id = RequireId(Name, body);
        var title = EntryKinds.RequireText(Name, body, "title", 200);
        var assignee = OptionalHandle(Name, body, "assignee");
        var role = OptionalRole(Name, body);
        if ((assignee is null) == (role is null))
        {
            throw new InvalidStatementException(Name, "assignee", $"'{Name}' names exactly one of 'assignee' (a responder) or 'role' (whoever holds it).");
        }
        DateTimeOffset? due = null;
        if (EntryKinds.OptionalText(Name, body, "due", 40) is { } dueText)
        {
            due = DeadlineSet.TryParseDue(dueText, out var d) ? d
                : throw new InvalidStatementException(Name, "due", $"'{Name}' member 'due' must be an ISO 8601 time in UTC ending in Z.", dueText);
        }
        var template = EntryKinds.OptionalText(Name, body, "template", 64);
        if (template is not null && !IsValidTemplateName(template))
        {
            throw new InvalidStatementException(Name, "template", $"'{template}' is not a task template name (lower-case letters, digits and '-').", template);
        }
        return new Body(id, title, assignee, role, due, template);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var who = EntryKinds.Text(body, "assignee") is { Length: > 0 } a ? a : "the " + EntryKinds.Text(body, "role");
        var due = EntryKinds.Text(body, "due");
        return $"Task {EntryKinds.Text(body, "id")} \"{EntryKinds.Text(body, "title")}\" for {who}" + (due.Length > 0 ? $", due {due}" : string.Empty);
    }

    /// <summary>A new task: who it is for (a responder, or an incident role), by when, and which template seeded it.</summary>
    public sealed record Body(string Id, string Title, string? Assignee, ResponderRole? Role, DateTimeOffset? Due = null, string? Template = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["id"] = Id, ["title"] = Title };
            body.Optional("assignee", Assignee);
            body.Optional("role", Role?.ToString());
            body.Optional("due", Due is { } d ? DeadlineSet.FormatDue(d) : null);
            body.Optional("template", Template);
            return body;
        }
    }
}
