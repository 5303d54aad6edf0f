using System.Globalization;
using System.Text.Json;
using DeIRF.Identity;

namespace DeIRF.Swarm;

/// <summary>One task of a template: its title, who it goes to (a role, or a handle), and when it is due after seeding.</summary>
public sealed record TaskTemplateItem(string Title, ResponderRole? Role, string? Assignee, TimeSpan? Due);

/// <summary>
/// A standard task list (templates/tasks/&lt;name&gt;.json: one per severity or runbook, e.g. p1-kickoff), seeded into an
/// incident by New-DeirfTask -Template and by drills. Format: { "name", "description", "tasks": [ { "title", "role" |
/// "assignee", "due": "hh:mm:ss" after seeding (optional) } ] }.
/// </summary>
public sealed class TaskTemplate
{
    public string Name { get; init; } = string.Empty;
    public string Description { get; init; } = string.Empty;
    public IReadOnlyList<TaskTemplateItem> Tasks { get; init; } = [];
    public string Path { get; init; } = string.Empty;

    public const string Folder = "tasks";

    static TaskTemplate() { }

    private static DeirfException Invalid(string path, string reason) => new("TaskTemplateInvalid", DeirfErrorKind.InvalidData, $"Task template '{path}' is refused: {reason}.", path);

    /// <summary>
    /// The template file: this machine's override (<see cref="Workspaces.LocalOverrides.Templates"/>/tasks), else the
    /// module's templates/tasks. A workspace's own copy is never used (it travels through sync).
    /// </summary>
    public static string Resolve(string name, string shippedTemplates, string? overridesDirectory = null)
    {
        if (!Journal.Kinds.TaskCreated.IsValidTemplateName(name))
        {
            throw new DeirfException("TaskTemplateNotFound", DeirfErrorKind.InvalidArgument, $"'{name}' is not a task template name (lower-case letters, digits and '-', e.g. p1-kickoff).", name);
        }
        var overrides = System.IO.Path.Combine(overridesDirectory ?? Workspaces.LocalOverrides.Templates, Folder);
        var shipped = System.IO.Path.Combine(shippedTemplates, Folder);
        return new[] { System.IO.Path.Combine(overrides, name + ".json"), System.IO.Path.Combine(shipped, name + ".json") }.FirstOrDefault(File.Exists)
            ?? throw new DeirfException("TaskTemplateNotFound", DeirfErrorKind.NotFound,
                $"No task template '{name}' in {overrides} or {shipped}. Shipped: {string.Join(", ", Shipped(shippedTemplates))}.", name);
    }

    public static IEnumerable<string> Shipped(string shippedTemplates)
    {
        var dir = System.IO.Path.Combine(shippedTemplates, Folder);
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.json").Select(f => System.IO.Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal) : [];
    }

    public static TaskTemplate Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw Invalid(path, $"not JSON ({ex.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tasks", out var tasks) || tasks.ValueKind != JsonValueKind.Array || tasks.GetArrayLength() == 0)
            {
                throw Invalid(path, "it must be an object with a non-empty 'tasks' array");
            }
            string? Str(JsonElement e, string m) => e.TryGetProperty(m, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var name = Str(root, "name") ?? System.IO.Path.GetFileNameWithoutExtension(path);
            if (!Journal.Kinds.TaskCreated.IsValidTemplateName(name))
            {
                throw Invalid(path, $"'name' = '{name}' is not lower-case letters, digits and '-'");
            }
            var items = new List<TaskTemplateItem>();
            int i = 0;
            foreach (var t in tasks.EnumerateArray())
            {
                var where = $"tasks[{i++}]";
                if (t.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(path, $"{where} must be an object");
                }
                if (t.EnumerateObject().Select(p => p.Name).Except(["title", "role", "assignee", "due"]).FirstOrDefault() is { } extra)
                {
                    throw Invalid(path, $"{where}: unknown member '{extra}' (a task is {{title, role | assignee, due}})");
                }
                var title = Str(t, "title");
                if (string.IsNullOrWhiteSpace(title) || title.Length > 200)
                {
                    throw Invalid(path, $"{where}: 'title' is 1 to 200 characters");
                }
                var roleText = Str(t, "role");
                var assignee = Str(t, "assignee");
                if ((roleText is null) == (assignee is null))
                {
                    throw Invalid(path, $"{where}: exactly one of 'role' or 'assignee'");
                }
                ResponderRole? role = null;
                if (roleText is not null)
                {
                    role = Enum.GetNames<ResponderRole>().Contains(roleText, StringComparer.Ordinal) ? Enum.Parse<ResponderRole>(roleText)
                        : throw Invalid(path, $"{where}: '{roleText}' is not a role ({string.Join(", ", Enum.GetNames<ResponderRole>())})");
                }
                TimeSpan? due = null;
                if (Str(t, "due") is { } dueText)
                {
                    due = TimeSpan.TryParseExact(dueText, "c", CultureInfo.InvariantCulture, out var d) && d > TimeSpan.Zero ? d
                        : throw Invalid(path, $"{where}: 'due' = '{dueText}' is not a positive time span (hh:mm:ss, or d.hh:mm:ss)");
                }
                items.Add(new TaskTemplateItem(title, role, assignee, due));
            }
            return new TaskTemplate { Name = name, Description = Str(root, "description") ?? string.Empty, Tasks = items, Path = path };
        }
    }
}
