using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DeIRF.Workspaces;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of incident ids from the workspace the command line names (or the default one).</summary>
public sealed class IncidentIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            var wsParam = fakeBoundParameters.Contains("Workspace") ? fakeBoundParameters["Workspace"]?.ToString() : null;
            var ws = Workspace.Resolve(wsParam, Environment.CurrentDirectory, createDefault: false);
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var id in ws.IncidentIds().Where(i => pattern.IsMatch(i)))
            {
                results.Add(new CompletionResult(id, id, CompletionResultType.ParameterValue, id));
            }
        }
        catch (DeirfException)
        {
            // No workspace: nothing to complete.
        }
        return results;
    }
}
