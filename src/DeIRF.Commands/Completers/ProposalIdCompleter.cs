using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of proposal ids from the incident on the command line (or every incident), newest first.</summary>
public sealed class ProposalIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            var ws = CompletionWorkspace.Resolve(fakeBoundParameters);
            var incident = fakeBoundParameters.Contains("Incident") ? fakeBoundParameters["Incident"]?.ToString() : null;
            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (var id in incident is not null ? [incident] : ws.IncidentIds())
            {
                foreach (var p in QuorumGate.Proposals(ws, id).Reverse().Where(p => p.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                {
                    results.Add(new CompletionResult(p.Id, $"{p.ShortId} {p.Action} {p.Target}", CompletionResultType.ParameterValue,
                        $"{p.Incident}: {p.Action} {p.Target} by {p.Proposer}, expires {p.Expires:u}"));
                }
            }
        }
        catch (DeirfException)
        {
            // No workspace or incident: nothing to complete.
        }
        return results;
    }
}
