using System.Text.Json.Nodes;
using DeIRF.Identity;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "task.updated" — a task moves (status), changes hands (assignee or role) or gets a note.
/// body: { id: task id, status?: Open|InProgress|Blocked|Done, assignee?: handle | role?: role name (not both),
/// note?: string (≤ 2000) }; at least one of status, assignee, role, note. The entry's actor is who did it: time on
/// task runs from the InProgress they set to the next status change.
/// </summary>
public sealed class TaskUpdated : EntryKind<TaskUpdated.Body>
{
    public const string KindName = "task.updated";

    public override string Name => KindName;

    /// <summary>The statuses a task can be in.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["Open", "InProgress", "Blocked", "Done"];

    public override Body Read(JsonObject body)
    {
        var id = TaskCreated.RequireId(Name, body);
        var status = EntryKinds.OptionalText(Name, body, "status", 16);
        if (status is not null && !Statuses.Contains(status, StringComparer.Ordinal))
        {
            throw new InvalidStatementException(Name, "status", $"'{status}' is not a task status ({string.Join(", ", Statuses)}).", status);
        }
        var assignee = TaskCreated.OptionalHandle(Name, body, "assignee");
        var role = TaskCreated.OptionalRole(Name, body);
        if (assignee is not null && role is not null)
        {
            throw new InvalidStatementException(Name, "assignee", $"'{Name}' gives a task to a responder or to a role, not both.");
        }
        var note = EntryKinds.OptionalText(Name, body, "note", 2000);
        if (status is null && assignee is null && role is null && note is null)
        {
            throw new InvalidStatementException(Name, "status", $"'{Name}' changes something: 'status', 'assignee', 'role' or 'note'.");
        }
        return new Body(id, status, assignee, role, note);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var parts = new List<string>();
        if (EntryKinds.Text(body, "status") is { Length: > 0 } s)
        {
            parts.Add(s);
        }
        if (EntryKinds.Text(body, "assignee") is { Length: > 0 } a)
        {
            parts.Add("to " + a);
        }
        if (EntryKinds.Text(body, "role") is { Length: > 0 } r)
        {
            parts.Add("to the " + r);
        }
        if (EntryKinds.Text(body, "note") is { Length: > 0 } n)
        {
            parts.Add(n);
        }
        return $"Task {EntryKinds.Text(body, "id")}: {string.Join("; ", parts)}";
    }

    public sealed record Body(string Id, string? Status = null, string? Assignee = null, ResponderRole? Role = null, string? Note = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["id"] = Id };
            body.Optional("status", Status);
            body.Optional("assignee", Assignee);
            body.Optional("role", Role?.ToString());
            body.Optional("note", Note);
            return body;
        }
    }
}
