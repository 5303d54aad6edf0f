using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Swarm;

/// <summary>One change of a task as the journal tells it (task.created or task.updated).</summary>
public sealed record TaskEvent(long Seq, DateTimeOffset Time, string Actor, string Summary);

/// <summary>Time a responder spent on a task: from the InProgress they set to the next status change (or until now, still running).</summary>
public sealed record TaskTime(string Responder, string Task, DateTimeOffset Started, DateTimeOffset? Stopped, TimeSpan Duration);

/// <summary>
/// A task of an incident, folded from its task.created and task.updated entries: never kept anywhere else, so every
/// replica of the journal shows the same board.
/// </summary>
public sealed class IncidentTask
{
    public string Id { get; init; } = string.Empty;
    public string Incident { get; init; } = string.Empty;
    public string Title { get; init; } = string.Empty;

    /// <summary>The responder it is for, or empty when it is for a role (<see cref="Role"/>).</summary>
    public string Assignee { get; internal set; } = string.Empty;

    /// <summary>The incident role it is for (whoever holds it), or empty.</summary>
    public string Role { get; internal set; } = string.Empty;

    /// <summary>Open, InProgress, Blocked or Done.</summary>
    public string Status { get; internal set; } = "Open";
    public DateTimeOffset? Due { get; init; }
    public string Template { get; init; } = string.Empty;
    public DateTimeOffset Created { get; init; }
    public string CreatedBy { get; init; } = string.Empty;
    public long Seq { get; init; }

    /// <summary>When work first started (the first InProgress), and when and by whom it was done (the last Done).</summary>
    public DateTimeOffset? Started { get; internal set; }
    public DateTimeOffset? Completed { get; internal set; }
    public string CompletedBy { get; internal set; } = string.Empty;

    /// <summary>The latest note given with a change.</summary>
    public string Note { get; internal set; } = string.Empty;
    public IReadOnlyList<TaskEvent> History => _history;
    internal readonly List<TaskEvent> _history = [];

    /// <summary>Time on task per responder (the InProgress intervals each of them ran).</summary>
    public IReadOnlyList<TaskTime> Times => _times;
    internal readonly List<TaskTime> _times = [];
    internal (string Who, DateTimeOffset From)? Running;

    public bool IsOpen => Status != "Done";

    /// <summary>Who it is for, in words: "bob" or "the ContainmentLead".</summary>
    public string AssignedTo => Assignee.Length > 0 ? Assignee : "the " + Role;

    public bool IsOverdueAt(DateTimeOffset t) => IsOpen && Due is { } d && d < t;

    /// <summary>Is this task <paramref name="handle"/>'s: given to them, or to a role they hold in the incident (<paramref name="holdsRole"/>).</summary>
    public bool IsFor(string handle, Func<string, string, bool> holdsRole)
        => Assignee == handle || (Role.Length > 0 && holdsRole(Role, handle));

    public override string ToString() => $"{Id} [{Status}] {Title} ({AssignedTo}{(Due is { } d ? $", due {d:yyyy-MM-dd HH:mm}Z" : string.Empty)})";
}

/// <summary>The tasks of one incident: a fold over its journal.</summary>
public sealed class TaskBoard
{
    private readonly Dictionary<string, IncidentTask> _tasks = new(StringComparer.Ordinal);
    private readonly List<IncidentTask> _order = [];

    public IReadOnlyList<IncidentTask> Tasks => _order;

    public IncidentTask? Find(string id) => _tasks.GetValueOrDefault(id);

    public static TaskBoard From(IEnumerable<JournalEntry> entries)
    {
        var board = new TaskBoard();
        foreach (var e in entries)
        {
            board.Apply(e);
        }
        return board;
    }

    /// <summary>The time each responder spent on the incident's tasks (running intervals counted up to <paramref name="now"/>).</summary>
    public IReadOnlyList<(string Responder, TimeSpan Time, int Tasks)> TimeByResponder(DateTimeOffset now)
        => _order.SelectMany(t => t.Times.Concat(t.Running is { } r ? [new TaskTime(r.Who, t.Id, r.From, null, now - r.From)] : Array.Empty<TaskTime>()))
            .GroupBy(x => x.Responder, StringComparer.Ordinal)
            .Select(g => (g.Key, TimeSpan.FromTicks(g.Sum(x => Math.Max(0, x.Duration.Ticks))), g.Select(x => x.Task).Distinct().Count()))
            .OrderBy(x => x.Key, StringComparer.Ordinal).ToList();

    public void Apply(JournalEntry e)
    {
        string T(string m) => EntryKinds.Text(e.Body, m);
        switch (e.Kind)
        {
            case TaskCreated.KindName:
            {
                if (_tasks.ContainsKey(T("id")))
                {
                    return; // the first record of an id stands
                }
                var task = new IncidentTask
                {
                    Id = T("id"), Incident = e.Incident, Title = Canonical.OutsideText.Line(T("title"), 200), Assignee = T("assignee"), Role = T("role"),
                    Due = DeadlineSet.TryParseDue(T("due"), out var due) ? due : null, Template = T("template"), Created = e.Timestamp, CreatedBy = e.Actor, Seq = e.Seq,
                };
                task._history.Add(new TaskEvent(e.Seq, e.Timestamp, e.Actor, $"created for {task.AssignedTo}"));
                _tasks[task.Id] = task;
                _order.Add(task);
                break;
            }
            case TaskUpdated.KindName:
            {
                if (!_tasks.TryGetValue(T("id"), out var task))
                {
                    return; // an update of a task this journal never created changes nothing
                }
                if (T("assignee") is { Length: > 0 } a)
                {
                    task.Assignee = a;
                    task.Role = string.Empty;
                }
                if (T("role") is { Length: > 0 } r)
                {
                    task.Role = r;
                    task.Assignee = string.Empty;
                }
                if (T("status") is { Length: > 0 } status && status != task.Status)
                {
                    if (task.Running is { } run)
                    {
                        task._times.Add(new TaskTime(run.Who, task.Id, run.From, e.Timestamp, e.Timestamp - run.From));
                        task.Running = null;
                    }
                    task.Status = status;
                    if (status == "InProgress")
                    {
                        task.Started ??= e.Timestamp;
                        task.Running = (e.Actor, e.Timestamp);
                    }
                    if (status == "Done")
                    {
                        task.Completed = e.Timestamp;
                        task.CompletedBy = e.Actor;
                    }
                    else
                    {
                        task.Completed = null;
                        task.CompletedBy = string.Empty;
                    }
                }
                if (T("note") is { Length: > 0 } note)
                {
                    task.Note = Canonical.OutsideText.Line(note, 2000);
                }
                task._history.Add(new TaskEvent(e.Seq, e.Timestamp, e.Actor, e.Summary));
                break;
            }
        }
    }
}
