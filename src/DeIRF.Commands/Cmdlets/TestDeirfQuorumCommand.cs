using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>The quorum verdict on a proposal: met or not, each signature's status and reason, what is missing.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfQuorum")]
[OutputType("DeIRF.Quorum.QuorumVerdict")]
public sealed class TestDeirfQuorumCommand : ProposalCmdlet
{
    protected override void ProcessRecord()
    {
        Try(Proposal, () => WriteObject(QuorumGate.Judge(ResolveWorkspace(), Incident, Proposal)));
    }
}
