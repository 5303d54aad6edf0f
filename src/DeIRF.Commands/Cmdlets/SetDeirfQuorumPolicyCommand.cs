using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Replaces the workspace's quorum policy with a document, under a met "policy.set" proposal whose sha256 parameter
/// is that document's digest (Get-DeirfQuorumPolicy -Path shows it). The proposal is consumed and the change journaled.
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
            var proposal = QuorumGate.GetProposal(ws, Incident, Proposal);
            if (!ShouldProcess($"{ws.Root} (sha256 {policy.Sha256})", "Replace the quorum policy"))
            {
                return;
            }
            var actor = Actor ?? proposal.Proposer;
            WriteObject(QuorumGate.SetPolicy(ws, Incident, proposal.Id, policy, actor, AppendOptions(ws, actor)));
        });
    }
}
