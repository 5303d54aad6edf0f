using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Swarm;

/// <summary>Creating and moving tasks: each change is one journal entry, judged under the journal lock.</summary>
public static class TaskWork
{
    /// <summary>The incident's tasks as its journal tells them now.</summary>
    public static TaskBoard Board(Workspace ws, string incident)
    {
        Workspace.ValidateIncidentId(incident);
        var journal = ws.JournalOf(incident);
        if (!journal.Exists)
        {
            throw new DeirfException("IncidentNotFound", DeirfErrorKind.NotFound, $"No incident {incident} in '{ws.Root}'.", incident);
        }
        return TaskBoard.From(journal.ReadEntries());
    }

    /// <summary>A handle a task may go to: on the roster when the workspace has one (TaskAssigneeNotOnRoster otherwise).</summary>
    public static void CheckAssignee(Workspace ws, string? assignee)
    {
        if (assignee is null)
        {
            return;
        }
        JournalFile.ValidateHandle(assignee);
        if (File.Exists(Roster.PathIn(ws)) && Roster.Load(ws) is { Responders.Count: > 0 } roster && roster.Find(assignee) is null)
        {
            throw new DeirfException("TaskAssigneeNotOnRoster", DeirfErrorKind.InvalidArgument,
                $"'{assignee}' is not on this workspace's roster (Get-DeirfResponder): a task goes to a responder or to a role.", assignee);
        }
    }

    /// <summary>Journals one new task (task.created) and returns it.</summary>
    public static IncidentTask Create(Workspace ws, string incident, string title, string? assignee, ResponderRole? role, TimeSpan? dueIn,
        string actor, JournalAppendOptions options)
    {
        CheckAssignee(ws, assignee);
        var now = options.Clock.GetUtcNow();
        var body = new TaskCreated.Body(TaskCreated.NewId(), title, assignee, role, dueIn is { } d ? now + d : null);
        EntryKinds.Validate(TaskCreated.KindName, body.ToBody());
        Board(ws, incident);
        var entry = ws.JournalOf(incident).Append(StatementDraft.Of(actor, body) with { Timestamp = now }, options);
        return Board(ws, incident).Find(body.Id) ?? throw new InvalidOperationException($"task {body.Id} was written at #{entry.Seq} but does not fold");
    }

    /// <summary>Seeds a template's tasks into an incident in one append (due times counted from now); returns them in template order.</summary>
    public static IReadOnlyList<IncidentTask> Seed(Workspace ws, string incident, TaskTemplate template, string actor, JournalAppendOptions options)
    {
        foreach (var item in template.Tasks)
        {
            CheckAssignee(ws, item.Assignee);
        }
        Board(ws, incident);
        var now = options.Clock.GetUtcNow();
        var bodies = template.Tasks.Select(t => new TaskCreated.Body(TaskCreated.NewId(), t.Title, t.Assignee, t.Role, t.Due is { } d ? now + d : null, template.Name)).ToList();
        ws.JournalOf(incident).AppendBatch(bodies.Select(b => StatementDraft.Of(actor, b) with { Timestamp = now }).ToList(), options);
        var board = Board(ws, incident);
        return bodies.Select(b => board.Find(b.Id)!).ToList();
    }

    /// <summary>
    /// Moves a task (status), gives it to someone else (assignee or role) or adds a note: one task.updated, decided
    /// under the journal lock (TaskNotFound; TaskDone: a done task is not changed again, only reopened with Status Open).
    /// </summary>
    public static IncidentTask Update(Workspace ws, string incident, string id, string? status, string? assignee, ResponderRole? role, string? note,
        string actor, JournalAppendOptions options)
    {
        CheckAssignee(ws, assignee);
        var body = new TaskUpdated.Body(id, status, assignee, role, note);
        EntryKinds.Validate(TaskUpdated.KindName, body.ToBody());
        Board(ws, incident);
        var journal = ws.JournalOf(incident);
        journal.AppendChecked(() =>
        {
            var board = TaskBoard.From(journal.ReadEntries());
            var task = board.Find(id) ?? throw NotFound(incident, id);
            if (!task.IsOpen && status != "Open")
            {
                throw new DeirfException("TaskDone", DeirfErrorKind.InvalidOperation,
                    $"Task {id} of {incident} was done on {task.Completed:u} by {task.CompletedBy}; reopen it with -Status Open first.", id);
            }
            return [StatementDraft.Of(actor, body) with { Timestamp = options.Clock.GetUtcNow() }];
        }, options);
        return Board(ws, incident).Find(id)!;
    }

    public static DeirfException NotFound(string incident, string id)
        => new("TaskNotFound", DeirfErrorKind.NotFound, $"No task {id} in {incident} (Get-DeirfTask -Incident {incident} lists them).", id);
}
