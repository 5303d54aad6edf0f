using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// MTTD, MTTA, MTTC and MTTR from the workspace's journals: per severity and overall, each with its sample size
/// (docs/metrics.md). Drill incidents are left out unless -IncludeDrill.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeirfMetric")]
[OutputType("DeIRF.Metrics.MetricSummary", "DeIRF.Metrics.IncidentMetrics")]
public sealed class GetDeirfMetricCommand : WorkspaceCmdlet
{
    /// <summary>Only incidents opened at or after this time.</summary>
    [Parameter]
    public DateTimeOffset? Since { get; set; }

    /// <summary>Only incidents opened before this time.</summary>
    [Parameter]
    public DateTimeOffset? Until { get; set; }

    /// <summary>Only incidents of these severities (the latest severity.set); "unrated" for incidents never rated.</summary>
    [Parameter]
    [ValidateSet("P1", "P2", "P3", "P4", "unrated")]
    public string[]? Severity { get; set; }

    /// <summary>Count drill incidents too.</summary>
    [Parameter]
    public SwitchParameter IncludeDrill { get; set; }

    /// <summary>One object per incident with its four durations instead of the aggregates.</summary>
    [Parameter]
    public SwitchParameter PerIncident { get; set; }

    protected override void EndProcessing()
    {
        Try(Workspace, () =>
        {
            var ws = ResolveWorkspace();
            var all = Metrics.MetricsCalculator.ForWorkspace(ws,
                (id, ex) => WriteWarning($"{id} is left out of the metrics: its journal cannot be read ({ex.Message}). Test-DeirfJournal -Incident {id} says why."),
                CancellationToken);
            var selection = new Metrics.MetricsSelection
            {
                Since = Since?.ToUniversalTime(),
                Until = Until?.ToUniversalTime(),
                Severities = Severity ?? [],
                IncludeDrill = IncludeDrill,
            };
            var selected = Metrics.MetricsCalculator.Select(all, selection);
            var drills = all.Count(m => m.IsDrill) - selected.Count(m => m.IsDrill);
            WriteVerbose($"{selected.Count} of {all.Count} incident(s) selected{(drills > 0 ? $"; {drills} drill incident(s) left out (-IncludeDrill counts them)" : string.Empty)}.");
            if (PerIncident)
            {
                WriteObject(selected, enumerateCollection: true);
                return;
            }
            WriteObject(Metrics.MetricsCalculator.Summarize(selected), enumerateCollection: true);
        });
    }
}
