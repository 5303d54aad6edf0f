using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Lists an incident's T-minus deadlines with the time remaining, computed from the journal and the clock.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfDeadline")]
[OutputType("DeIRF.Incidents.Deadline")]
public sealed class GetDeirfDeadlineCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>Only deadlines with these names (wildcards allowed).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.DeadlineNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Compute remaining time and overdue as of this time instead of now.</summary>
    [Parameter]
    public DateTimeOffset? AsOf { get; set; }

    /// <summary>Only overdue deadlines.</summary>
    [Parameter]
    public SwitchParameter Overdue { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var incident = ws.GetIncident(Incident);
            TimeProvider? clock = AsOf is { } at ? new Identity.FixedClock(at.ToUniversalTime()) : null;
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (var d in Incidents.Deadline.For(incident, clock))
            {
                if (patterns is not null && !patterns.Any(p => p.IsMatch(d.Name)))
                {
                    continue;
                }
                if (Overdue && !d.IsOverdue)
                {
                    continue;
                }
                WriteFromWorkspace(d, ws);
            }
        });
    }
}
