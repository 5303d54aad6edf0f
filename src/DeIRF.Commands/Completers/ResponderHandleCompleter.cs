using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DeIRF.Identity;
using DeIRF.Workspaces;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of responder handles from the roster of the workspace the command line names.</summary>
public sealed class ResponderHandleCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            var roster = Roster.Load(CompletionWorkspace.Resolve(fakeBoundParameters));
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var r in roster.Responders.Where(r => pattern.IsMatch(r.Handle)).OrderBy(r => r.Handle, StringComparer.Ordinal))
            {
                results.Add(new CompletionResult(r.Handle, r.Handle, CompletionResultType.ParameterValue, $"{r.Name} ({string.Join(", ", r.Roles)})"));
            }
        }
        catch (DeirfException)
        {
            // No workspace or roster: nothing to complete.
        }
        return results;
    }
}
