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
            var ws = CompletionWorkspace.Resolve(fakeBoundParameters);
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var id in ws.IncidentIds().Where(i => pattern.IsMatch(i)))
            {
                // The tooltip says which incident it is: its title and state (an unreadable journal just shows the id).
                string tip = id;
                try
                {
                    var incident = ws.GetIncident(id);
                    tip = $"{Canonical.OutsideText.Line(incident.Title)} ({incident.State}{(incident.Severity is { Length: > 0 } sev ? ", " + sev : string.Empty)})";
                }
                catch (DeirfException)
                {
                }
                results.Add(new CompletionResult(id, id, CompletionResultType.ParameterValue, tip));
            }
        }
        catch (DeirfException)
        {
            // No workspace: nothing to complete.
        }
        return results;
    }
}
