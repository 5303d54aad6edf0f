using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Replaces the workspace's quorum policy with a document, under a met ROSTER "policy.set" proposal whose sha256
/// parameter is that document's digest (Get-DeirfQuorumPolicy -Path shows it). The proposal is consumed and the
/// change journaled in the roster journal.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfQuorumPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Quorum.QuorumPolicy")]
public sealed class SetDeirfQuorumPolicyCommand : ProposalCmdlet
{
    /// <summary>The new policy document ({version, rules}).</summary>
    [Parameter(Mandatory = true)]
    public string Path { get; set; } = string.Empty;

    /// <summary>Who records the change. Default: the proposer.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Path, () =>
        {
            var ws = ResolveWorkspace();
            var full = ResolvePath(Path);
            if (!File.Exists(full))
            {
                throw new DeirfException("PolicyNotFound", DeirfErrorKind.NotFound, $"Policy file '{full}' does not exist.", Path);
            }
            var policy = QuorumPolicy.Parse(File.ReadAllText(full), full);
            if (Incident != Identity.Roster.JournalId)
            {
                throw new QuorumException("PolicyProposalNotInRoster", DeirfErrorKind.InvalidArgument,
                    $"A policy change is decided in the workspace's governance journal: New-DeirfProposal -Incident {Identity.Roster.JournalId} -Action {QuorumPolicy.PolicySetAction} -Target workspace -Parameter @{{sha256='{policy.Sha256}'}}; {Incident} is an incident.", Incident);
            }
            var proposal = QuorumGate.GetProposal(ws, Incident, Proposal);
            if (!ShouldProcess($"{ws.Root} (sha256 {policy.Sha256})", "Replace the quorum policy"))
            {
                return;
            }
            var actor = Actor ?? proposal.Proposer;
            WriteObject(QuorumGate.SetPolicy(ws, proposal.Id, policy, actor, AppendOptions(ws, actor, requireOnRoster: false)));
        });
    }
}
