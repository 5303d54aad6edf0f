using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Verifies a recovery by monitoring: samples a PromQL query (or a count endpoint) for a while, journals every sample
/// and the verdict, and returns Stable, Unstable or NoData with the values. With -ProposeUndo an Unstable verdict
/// proposes the undo of the roll-forward (a proposal for the quorum, never an automatic rollback).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfRecovery", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByPrometheus)]
[OutputType("DeIRF.Recovery.RecoveryResult")]
public sealed class TestDeirfRecoveryCommand : WorkspaceCmdlet
{
    private const string ByPrometheus = "ByPrometheus";
    private const string ByCount = "ByCount";
    private const int ProgressId = 0x5245; // "RE"

    /// <summary>The incident whose recovery is verified. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The Prometheus base URL (http://prom:9090); its HTTP API /api/v1/query and /api/v1/query_range are read.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByPrometheus)]
    [ValidateNotNullOrEmpty]
    public string Prometheus { get; set; } = string.Empty;

    /// <summary>The PromQL query; it must answer one series (aggregate with sum(...) or max(...)).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByPrometheus)]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = string.Empty;

    /// <summary>A log check: any HTTP endpoint that answers a count (a number, {"count": n} as OpenSearch's _count, or Loki's query result).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByCount)]
    [ValidateNotNullOrEmpty]
    public string CountUrl { get; set; } = string.Empty;

    /// <summary>Every sample must be strictly below this value.</summary>
    [Parameter]
    public double? Below { get; set; }

    /// <summary>Every sample must be strictly above this value.</summary>
    [Parameter]
    public double? Above { get; set; }

    /// <summary>How long the recovery must hold (whole seconds, at least one step).</summary>
    [Parameter(Mandatory = true)]
    public TimeSpan For { get; set; }

    /// <summary>Time between samples (whole seconds; default 15 s).</summary>
    [Parameter]
    public TimeSpan? Step { get; set; }

    /// <summary>Live (default): sample from now on for -For. Past: read the window that ended at -End (default now) with one range query.</summary>
    [Parameter(ParameterSetName = ByPrometheus)]
    [ValidateSet("Live", "Past")]
    public string Window { get; set; } = "Live";

    /// <summary>End of the past window (-Window Past); default now.</summary>
    [Parameter(ParameterSetName = ByPrometheus)]
    public DateTime? End { get; set; }

    /// <summary>When the verdict is Unstable, propose the undo of the incident's roll-forward as the actor (it runs only through the quorum).</summary>
    [Parameter]
    public SwitchParameter ProposeUndo { get; set; }

    /// <summary>Time to live of the undo proposal (default and maximum from policy).</summary>
    [Parameter]
    public TimeSpan? UndoTimeToLive { get; set; }

    /// <summary>Who verifies (journaled). Default: the one responder this machine signs as in this workspace, else $env:DEIRF_ACTOR.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            if ((Below is null) == (Above is null))
            {
                throw new Recovery.RecoveryException("RecoveryCheckInvalid", DeirfErrorKind.InvalidArgument,
                    "Say what a healthy sample is: exactly one of -Below <value> or -Above <value>.", Incident);
            }
            var comparison = Below is not null ? "below" : "above";
            var threshold = Below ?? Above!.Value;
            var check = ParameterSetName == ByCount
                ? Recovery.RecoveryCheck.ForCount(CountUrl, comparison, threshold, For, Step)
                : Recovery.RecoveryCheck.ForPrometheus(Prometheus, Query, comparison, threshold, For, Step, Window == "Past",
                    End is { } e ? new DateTimeOffset(e.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(e, DateTimeKind.Local) : e).ToUniversalTime() : null);
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            var what = $"{check.Query} {comparison} {check.ThresholdText()} for {check.For} every {check.Step} ({Recovery.MonitorHttp.EndpointOf(check.Endpoint)})";
            if (!ShouldProcess(Incident, $"Verify recovery and journal each sample: {what}", ConfirmImpact.Low))
            {
                return;
            }
            if (ProposeUndo && !ShouldProcess(Incident, $"If the recovery is Unstable, propose the undo of the roll-forward as {actor}", ConfirmImpact.Medium))
            {
                return;
            }
            var activity = $"Verifying recovery of {Incident}";
            try
            {
                var result = Recovery.RecoveryVerifier.Verify(ws, Incident, actor, check, AppendOptions(ws, actor),
                    (sample, total) =>
                    {
                        WriteVerbose($"{Incident}#{sample.Seq}: sample {sample.Index + 1}/{total} {sample}");
                        WriteProgress(new ProgressRecord(ProgressId, activity, $"{check.Query}: {(sample.Value is null ? "no data" : sample.Raw)} ({sample.Outcome})")
                        {
                            PercentComplete = Math.Min(100, (sample.Index + 1) * 100 / total),
                        });
                    },
                    ProposeUndo ? actor : null, UndoTimeToLive, cancellationToken: CancellationToken);
                WriteFromWorkspace(result, ws);
                if (result.UndoProposal is { } undo)
                {
                    WriteNotice($"{Incident} is Unstable: proposed {undo.Action} on '{undo.Target}' ({undo.ShortId}); it runs only after the quorum signs and approves it.", "Recovery");
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(ProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        });
    }
}
