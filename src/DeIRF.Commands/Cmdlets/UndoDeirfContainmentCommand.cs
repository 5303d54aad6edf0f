using System.Collections;
using System.Management.Automation;
using DeIRF.Containment;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Reverses an applied containment, itself by quorum: with -Proposer it proposes the undo (action "undo.&lt;action&gt;",
/// bound to the containment.applied entry); without, it runs the approved undo proposal, removing exactly what the
/// apply recorded it added.
/// </summary>
// Default ByProposal: a piped undo proposal fits both sets (it has Action and Target too) and must run as itself;
// a piped containment record has no Id, so it lands in ByTarget.
[Cmdlet(VerbsCommon.Undo, "DeirfContainment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByProposal)]
[OutputType("DeIRF.Containment.ContainmentRecord", "DeIRF.Quorum.Proposal")]
public sealed class UndoDeirfContainmentCommand : WorkspaceCmdlet
{
    private const string ByTarget = "ByTarget";
    private const string ByProposal = "ByProposal";

    /// <summary>The incident.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The action that was applied (k8s.pod.quarantine). Binds from piped containment records.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByTarget, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Action { get; set; } = string.Empty;

    /// <summary>The target it was applied to. Binds from piped containment records.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByTarget, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = string.Empty;

    /// <summary>Propose the undo (instead of running it) as this responder.</summary>
    [Parameter(ParameterSetName = ByTarget)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Proposer { get; set; }

    /// <summary>Time to live of the undo proposal (default and maximum from policy).</summary>
    [Parameter(ParameterSetName = ByTarget)]
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>The undo proposal to run (binds from a piped proposal's Id).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByProposal, ValueFromPipelineByPropertyName = true)]
    // Not ProposalId: a piped containment record's ProposalId is the proposal that applied it, never its undo.
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ProposalIdCompleter))]
    public string Proposal { get; set; } = string.Empty;

    /// <summary>Who executes (journaled). Default: the one responder this machine signs as in this workspace (Set-DeirfSigningKey), else $env:DEIRF_ACTOR.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Run-time credentials by name (tsigSecret, token, azureToken). Never journaled.</summary>
    [Parameter]
    public Hashtable? Secret { get; set; }

    protected override void ProcessRecord()
    {
        Try(ParameterSetName == ByProposal ? Proposal : Target, () =>
        {
            var ws = ResolveWorkspace();
            if (Proposer is not null)
            {
                // Proposing changes no system (as New-DeirfProposal, Medium); running the undo does (High).
                if (ShouldProcess($"{Action} on '{Target}'", $"Propose the undo (undo.{Action}) as {Proposer}", ConfirmImpact.Medium))
                {
                    WriteObject(ContainmentRunner.ProposeUndo(ws, Incident, Action, Target, Proposer, TimeToLive, AppendOptions(ws, Proposer)));
                }
                return;
            }
            var undo = ParameterSetName == ByProposal
                ? QuorumGate.GetProposal(ws, Incident, Proposal)
                : ContainmentRunner.PendingUndo(ws, Incident, Action, Target)
                    ?? throw new ContainmentException("UndoProposalMissing", DeirfErrorKind.NotFound,
                        $"No pending undo proposal for {Action} on '{Target}'. Propose one: Undo-DeirfContainment -Incident {Incident} -Action {Action} -Target {Target} -Proposer <you>.", Target);
            ContainmentCmdletSupport.UseThisPowerShell(this);
            if (!ShouldProcess($"{undo.Action} on '{undo.Target}' (proposal {undo.ShortId})", "Undo containment"))
            {
                return;
            }
            var actor = ResolveActor(ws, Actor);
            var record = ContainmentRunner.ExecuteUndoAsync(ws, undo, actor, ContainmentCmdletSupport.Secrets(Secret), AppendOptions(ws, actor), CancellationToken)
                .GetAwaiter().GetResult();
            WriteFromWorkspace(record, ws);
            if (!record.Verified)
            {
                WriteError(new ErrorRecord(new ContainmentException("ContainmentNotVerified", DeirfErrorKind.InvalidOperation,
                    $"The undo of {record.Action} on '{record.Target}' ran but the read-back does not confirm it: {record.Message}", record.Target),
                    "ContainmentNotVerified", ErrorCategory.InvalidResult, record.Target));
            }
        });
    }
}
