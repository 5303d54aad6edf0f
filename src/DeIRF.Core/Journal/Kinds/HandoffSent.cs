using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "handoff.sent" — a follow-the-sun hand-off: the sender's open tasks (and, if said, incident roles) pass to the
/// receiver, and the hand-off text was rendered for them. body: { from: handle, to: handle, tasks: [task ids handed
/// over], roles: [role names handed over], sha256: "sha256:" + hex of the text as rendered, template: its file name
/// (≤ 64) }. The task and role changes are their own task.updated / role.granted entries, in the same append.
/// </summary>
public sealed partial class HandoffSent : EntryKind<HandoffSent.Body>
{
    public const string KindName = "handoff.sent";

    public override string Name => KindName;

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    public override Body Read(JsonObject body)
    {
        var from = TaskCreated.OptionalHandle(Name, body, "from") ?? throw new InvalidStatementException(Name, "from", $"'{Name}' needs 'from'.");
        var to = TaskCreated.OptionalHandle(Name, body, "to") ?? throw new InvalidStatementException(Name, "to", $"'{Name}' needs 'to'.");
        string[] List(string member, Func<string, bool> valid)
        {
            if (body[member] is not JsonArray items)
            {
                throw new InvalidStatementException(Name, member, $"'{Name}' needs a '{member}' array (may be empty).");
            }
            return items.Select(i => i is JsonValue v && v.TryGetValue<string>(out var s) && valid(s) ? s
                : throw new InvalidStatementException(Name, member, $"'{Name}' member '{member}' holds '{i}', which does not belong there.", i?.ToString())).ToArray();
        }
        var tasks = List("tasks", TaskCreated.IsValidId);
        var roles = List("roles", r => Enum.GetNames<Identity.ResponderRole>().Contains(r, StringComparer.Ordinal));
        var digest = EntryKinds.RequireText(Name, body, "sha256", 71);
        if (!DigestPattern().IsMatch(digest))
        {
            throw new InvalidStatementException(Name, "sha256", $"'{Name}' member 'sha256' is 'sha256:' and 64 lower-case hex digits.", digest);
        }
        return new Body(from, to, tasks, roles, digest, EntryKinds.RequireText(Name, body, "template", 64));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var tasks = EntryKinds.List(body, "tasks");
        var roles = EntryKinds.List(body, "roles");
        return $"Hand-off from {EntryKinds.Text(body, "from")} to {EntryKinds.Text(body, "to")}"
            + (tasks.Length > 0 ? $": tasks {tasks}" : ": no open tasks of theirs")
            + (roles.Length > 0 ? $"; roles {roles}" : string.Empty);
    }

    public sealed record Body(string From, string To, IReadOnlyList<string> Tasks, IReadOnlyList<string> Roles, string Sha256, string Template) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody() => new()
        {
            ["from"] = From,
            ["roles"] = new JsonArray(Roles.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray()),
            ["sha256"] = Sha256,
            ["tasks"] = new JsonArray(Tasks.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
            ["template"] = Template,
            ["to"] = To,
        };
    }
}
