using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// The seed's preparation checklist (section 3) and keep-alive cadences (section 10), checked against the workspace:
/// one Pass/Warn/Fail result per item with a reason and a fix (docs/readiness.md). -Quiet: one bool for schedulers.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfReadiness")]
[OutputType("DeIRF.Readiness.ReadinessCheck", "System.Boolean")]
public sealed class TestDeirfReadinessCommand : WorkspaceCmdlet
{
    /// <summary>Return only $true (no check failed; warnings allowed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        bool answered = false;
        Try(Workspace, () =>
        {
            var ctx = new Readiness.ReadinessContext(ResolveWorkspace(), cancellationToken: CancellationToken);
            var checks = Readiness.ReadinessChecklist.Run(ctx);
            foreach (var problem in ctx.Problems)
            {
                WriteWarning($"Left out of the metrics checks: {problem}");
            }
            foreach (var c in checks.Where(c => c.Status != Readiness.ReadinessStatus.Pass))
            {
                WriteVerbose(c.ToString());
            }
            WriteObject(Quiet ? Readiness.ReadinessChecklist.IsReady(checks) : checks, enumerateCollection: !Quiet);
            answered = true;
        });
        if (Quiet && !answered)
        {
            // No workspace is not ready: a scheduler testing the bool must see $false.
            WriteObject(false);
        }
    }
}
