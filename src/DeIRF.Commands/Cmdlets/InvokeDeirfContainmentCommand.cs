using System.Collections;
using System.Management.Automation;
using DeIRF.Containment;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Carries out a quorum-approved proposal: plans (shown by -WhatIf/-Confirm), consumes the proposal (digest recomputed
/// from what is about to run, met verdict required, never twice), applies through the provider, reads the effect back
/// and journals before/after state. Containment is ConfirmImpact High; automation runs it with -Confirm:$false.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DeirfContainment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Containment.ContainmentRecord")]
public sealed class InvokeDeirfContainmentCommand : ProposalCmdlet
{
    /// <summary>Who executes (journaled). Default: the one responder this machine signs as in this workspace (Set-DeirfSigningKey), else $env:DEIRF_ACTOR.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Run-time credentials by name (tsigSecret, token, azureToken): SecureString or string values. Never journaled.</summary>
    [Parameter]
    public Hashtable? Secret { get; set; }

    /// <summary>Run although policy wants evidence on the target first; needs -Reason, which is journaled.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Why evidence-first is overridden (with -Force).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    private const int ProgressId = 0x5EC0;

    protected override void ProcessRecord()
    {
        Try(Proposal, () =>
        {
            if (Force && Reason is null)
            {
                throw new ContainmentException("ContainmentForceNeedsReason", DeirfErrorKind.InvalidArgument,
                    "-Force overrides evidence-first only with a -Reason, which is journaled.", Proposal);
            }
            var ws = ResolveWorkspace();
            var proposal = QuorumGate.GetProposal(ws, Incident, Proposal);
            ContainmentCmdletSupport.UseThisPowerShell(this);
            var secrets = ContainmentCmdletSupport.Secrets(Secret);
            // Planning reads only: -WhatIf works before anyone is named as the executor.
            // The quorum is judged once, under the journal lock when it is consumed (and, for a provider with a precheck, once more here).
            var run = ContainmentRunner.Prepare(ws, proposal, Actor ?? "(plan)", secrets, AppendOptions());
            var planRequest = run.Request;
            var progress = new ProgressRecord(ProgressId, $"Containment {proposal.Action}", $"Planning on '{proposal.Target}'") { PercentComplete = 10 };
            try
            {
                WriteProgress(progress);
                var plan = ContainmentProviders.Find(proposal.Action).PlanAsync(planRequest, CancellationToken).GetAwaiter().GetResult();
                foreach (var warning in plan.Warnings)
                {
                    WriteWarning($"{proposal.Action} {proposal.Target}: {warning}");
                }
                var description = ContainmentCmdletSupport.Describe(plan, proposal.ShortId);
                // Under -Verbose, ShouldProcess itself writes the description ("Performing the operation"); under
                // -WhatIf it goes to the host only, so the verbose stream gets it here (once either way).
                if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                {
                    WriteVerbose(description);
                }
                if (!ShouldProcess(description, $"Apply {proposal.Action}", $"Apply {proposal.Action} to '{proposal.Target}'?"))
                {
                    return;
                }
                var actor = ResolveActor(ws, Actor);
                var options = AppendOptions(ws, actor);
                progress.StatusDescription = $"Applying and reading back on '{proposal.Target}'";
                progress.PercentComplete = 50;
                WriteProgress(progress);
                // A long step (a roll-forward following its pipeline run) reports progress from its own thread; the
                // lines are shown here, on the pipeline thread, while it runs.
                var lines = new ProgressQueue();
                var running = ContainmentRunner.ExecuteAsync(ws, run with { Request = run.Request.WithProgress(lines) }, actor, options, Force ? Reason : null, CancellationToken);
                while (!running.IsCompleted)
                {
                    Task.WhenAny(running, Task.Delay(200)).GetAwaiter().GetResult();
                    if (lines.TakeLast() is { } line)
                    {
                        progress.StatusDescription = line;
                        WriteProgress(progress);
                    }
                }
                var record = running.GetAwaiter().GetResult();
                WriteFromWorkspace(record, ws);
                if (!record.Verified)
                {
                    WriteError(new ErrorRecord(new ContainmentException("ContainmentNotVerified", DeirfErrorKind.InvalidOperation,
                        $"{record.Action} on '{record.Target}' was applied but the read-back does not show it: {record.Message}", record.Target),
                        "ContainmentNotVerified", ErrorCategory.InvalidResult, record.Target));
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        });
    }
}

/// <summary>The newest progress line a provider reported (older ones are superseded: a progress bar shows one).</summary>
internal sealed class ProgressQueue : IProgress<string>
{
    private string? _last;

    public void Report(string value) => Interlocked.Exchange(ref _last, value);

    public string? TakeLast() => Interlocked.Exchange(ref _last, null);
}
