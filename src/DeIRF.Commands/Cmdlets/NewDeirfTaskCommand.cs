using System.Management.Automation;
using DeIRF.Swarm;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Gives a piece of the incident's work to a responder (-Assignee) or to whoever holds an incident role (-Role), with
/// an optional due time; or seeds a template's standard tasks (-Template p1-kickoff). Each task is a task.created entry.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ToResponder)]
[OutputType("DeIRF.Swarm.IncidentTask")]
public sealed class NewDeirfTaskCommand : WorkspaceCmdlet
{
    private const string ToResponder = "ToResponder";
    private const string ToRole = "ToRole";
    private const string FromTemplate = "FromTemplate";

    /// <summary>The incident id. Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>What is to be done, in one line (at most 200 characters).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ToResponder)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ToRole)]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 200)]
    public string Title { get; set; } = string.Empty;

    /// <summary>The responder the task is for.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ToResponder)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Assignee { get; set; } = string.Empty;

    /// <summary>The incident role the task is for: whoever holds it now or later.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ToRole)]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder")]
    public string Role { get; set; } = string.Empty;

    /// <summary>Due this long from now ('00:30:00').</summary>
    [Parameter(ParameterSetName = ToResponder)]
    [Parameter(ParameterSetName = ToRole)]
    public TimeSpan? Due { get; set; }

    /// <summary>Seed the standard tasks of templates/tasks/&lt;name&gt;.json (p1-kickoff, p2-kickoff...), due times counted from now.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromTemplate)]
    [ValidateNotNullOrEmpty]
    public string Template { get; set; } = string.Empty;

    /// <summary>The responder handing out the work.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            if (Due is { } due && due <= TimeSpan.Zero)
            {
                throw new DeirfException("TaskDueInvalid", DeirfErrorKind.InvalidArgument, $"-Due is a positive time from now (got {due}).", due);
            }
            var ws = ResolveWorkspace();
            var incident = ws.GetIncident(Incident);
            var actor = ResolveActor(ws, Actor);
            if (ParameterSetName == FromTemplate)
            {
                var template = TaskTemplate.Load(TaskTemplate.Resolve(Template, ShippedTemplates));
                if (!ShouldProcess(incident.Id, $"Seed {template.Tasks.Count} task(s) from template {template.Name}"))
                {
                    return;
                }
                foreach (var t in TaskWork.Seed(ws, incident.Id, template, actor, AppendOptions(ws, actor)))
                {
                    WriteFromWorkspace(t, ws);
                }
                return;
            }
            var role = ParameterSetName == ToRole ? Enum.Parse<Identity.ResponderRole>(Role) : (Identity.ResponderRole?)null;
            var whom = role is null ? Assignee : "the " + Role;
            if (!ShouldProcess(incident.Id, $"Give task \"{Title}\" to {whom}{(Due is { } d ? $", due in {d}" : string.Empty)}"))
            {
                return;
            }
            var task = TaskWork.Create(ws, incident.Id, Title, role is null ? Assignee : null, role, Due, actor, AppendOptions(ws, actor));
            WriteFromWorkspace(task, ws);
        });
    }
}
