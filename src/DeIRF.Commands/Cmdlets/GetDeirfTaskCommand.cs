using System.Management.Automation;
using DeIRF.Swarm;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Lists tasks as the journals tell them: of one incident (-Incident, or piped incidents), else of every open
/// incident; -Mine keeps the acting responder's (given to them or to a role they hold), -Overdue the open ones past due.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeirfTask")]
[OutputType("DeIRF.Swarm.IncidentTask")]
public sealed class GetDeirfTaskCommand : WorkspaceCmdlet
{
    /// <summary>The incident ids; default every open incident. Binds from the IncidentId or Incident property of piped objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string[]? Incident { get; set; }

    /// <summary>Task ids; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only the tasks of the acting responder (-Actor, Set-DeirfSigningKey, $env:DEIRF_ACTOR): given to them, or to a role they hold in the incident.</summary>
    [Parameter]
    public SwitchParameter Mine { get; set; }

    /// <summary>Only open tasks past their due time (as of -At).</summary>
    [Parameter]
    public SwitchParameter Overdue { get; set; }

    /// <summary>Only tasks in these statuses.</summary>
    [Parameter]
    [ValidateSet("Open", "InProgress", "Blocked", "Done")]
    public string[]? Status { get; set; }

    /// <summary>Judge -Overdue as of this time instead of now.</summary>
    [Parameter]
    public DateTimeOffset? At { get; set; }

    /// <summary>Whose tasks -Mine lists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Workspaces.Workspace ws;
        string? me = null;
        try
        {
            ws = ResolveWorkspace();
            if (Mine)
            {
                me = ResolveActor(ws, Actor);
            }
        }
        catch (DeirfException ex)
        {
            ThrowTerminating(ex, Workspace ?? CurrentDirectory);
            return;
        }
        var at = (At ?? DateTimeOffset.UtcNow).ToUniversalTime();
        var patterns = Id?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        var incidents = Incident ?? ws.GetIncidents().Where(i => i.State == "Open").Select(i => i.Id).ToArray();
        foreach (var id in incidents)
        {
            Try(id, () =>
            {
                var journal = ws.JournalOf(Workspaces.Workspace.ValidateIncidentId(id));
                if (!journal.Exists)
                {
                    throw new DeirfException("IncidentNotFound", DeirfErrorKind.NotFound, $"No incident {id} in '{ws.Root}'.", id);
                }
                var entries = journal.ReadEntries().ToList();
                var incident = Incidents.Incident.Load(ws, id, entries);
                foreach (var task in TaskBoard.From(entries).Tasks)
                {
                    if ((patterns is null || patterns.Any(p => p.IsMatch(task.Id)))
                        && (me is null || task.IsFor(me, incident.HoldsRole))
                        && (!Overdue || task.IsOverdueAt(at))
                        && (Status is null || Status.Contains(task.Status, StringComparer.Ordinal)))
                    {
                        WriteFromWorkspace(task, ws);
                    }
                }
            });
        }
    }
}
