using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of proposal ids from the incident on the command line (or every incident), newest first.</summary>
public sealed class ProposalIdCompleter : DeirfCompleter
{
    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
    {
        var ws = request.Workspace;
        var incident = request.Bound("Incident");
        foreach (var id in incident is not null ? [incident] : ws.IncidentIds())
        {
            foreach (var p in QuorumGate.Proposals(ws, id).Reverse().Where(p => p.Id.StartsWith(request.Word, StringComparison.OrdinalIgnoreCase)))
            {
                yield return new CompletionResult(p.Id, $"{p.ShortId} {p.Action} {p.Target}", CompletionResultType.ParameterValue,
                    $"{p.Incident}: {p.Action} {p.Target} by {p.Proposer}, expires {p.Expires:u}");
            }
        }
    }
}
