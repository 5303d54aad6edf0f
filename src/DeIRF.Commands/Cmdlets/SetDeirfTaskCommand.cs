using System.Management.Automation;
using DeIRF.Swarm;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Moves a task (InProgress, Blocked, Done; Open reopens it), gives it to someone else (-Assignee or -Role) or adds a
/// note: one task.updated entry. Binds -Incident and -Id from piped tasks (Get-DeirfTask -Mine | Set-DeirfTask -Status Done).
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Swarm.IncidentTask")]
public sealed class SetDeirfTaskCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Incident property of piped tasks.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The task id (T-xxxxxxxx). Binds from the Id of piped tasks.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Task")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    /// <summary>The new status.</summary>
    [Parameter(Position = 1)]
    [ValidateSet("Open", "InProgress", "Blocked", "Done")]
    public string? Status { get; set; }

    /// <summary>Give the task to this responder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Assignee { get; set; }

    /// <summary>Give the task to whoever holds this incident role.</summary>
    [Parameter]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder")]
    public string? Role { get; set; }

    /// <summary>A note with the change (why it is blocked, what was done; at most 2000 characters).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 2000)]
    public string? Note { get; set; }

    /// <summary>The responder making the change (time on task is theirs from InProgress on).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Id, () =>
        {
            if (Status is null && Assignee is null && Role is null && Note is null)
            {
                throw new DeirfException("TaskChangeMissing", DeirfErrorKind.InvalidArgument, "Say what changes: -Status, -Assignee, -Role or -Note.", Id);
            }
            if (Assignee is not null && Role is not null)
            {
                throw new DeirfException("TaskAssigneeAmbiguous", DeirfErrorKind.InvalidArgument, "Give the task to a responder (-Assignee) or to a role (-Role), not both.", Id);
            }
            var ws = ResolveWorkspace();
            var incident = ws.GetIncident(Incident);
            var actor = ResolveActor(ws, Actor);
            var task = TaskWork.Board(ws, incident.Id).Find(Id) ?? throw TaskWork.NotFound(incident.Id, Id);
            var what = string.Join(", ", new[] { Status, Assignee is null ? null : "to " + Assignee, Role is null ? null : "to the " + Role, Note is null ? null : "note" }.Where(x => x is not null));
            if (!ShouldProcess($"{incident.Id} {task.Id} ({task.Title})", $"Update task: {what}"))
            {
                return;
            }
            var role = Role is null ? (Identity.ResponderRole?)null : Enum.Parse<Identity.ResponderRole>(Role);
            WriteFromWorkspace(TaskWork.Update(ws, incident.Id, Id, Status, Assignee, role, Note, actor, AppendOptions(ws, actor)), ws);
        });
    }
}
