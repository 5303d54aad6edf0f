using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>One chronological view of everything in an incident's journal, with durations between phases.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfTimeline")]
[OutputType("DeIRF.Incidents.TimelineEntry")]
public sealed class GetDeirfTimelineCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var journal = ws.JournalOf(Workspaces.Workspace.ValidateIncidentId(Incident));
            foreach (var line in Incidents.Timeline.Build(journal.ReadEntries(CancellationToken)))
            {
                WriteFromWorkspace(line, ws);
            }
        });
    }
}
