using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Lists an incident's proposals, or the one named by -Id.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfProposal")]
[OutputType("DeIRF.Quorum.Proposal")]
public sealed class GetDeirfProposalCommand : WorkspaceCmdlet
{
    /// <summary>The incident. Binds from the Incident of piped proposals and the IncidentId of piped incidents (their Id is -Id here).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IncidentId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>A proposal id or unique prefix (8+ hex digits).</summary>
    [Parameter(Position = 1)]
    [Alias("Proposal", "ProposalId")]
    [ArgumentCompleter(typeof(Completers.ProposalIdCompleter))]
    public string? Id { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            if (Id is not null)
            {
                WriteObject(QuorumGate.GetProposal(ws, Incident, Id));
                return;
            }
            foreach (var p in QuorumGate.Proposals(ws, Incident))
            {
                WriteObject(p);
            }
        });
    }
}
