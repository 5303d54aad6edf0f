using System.Management.Automation;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of incident ids from the workspace the command line names (or the default one).</summary>
public sealed class IncidentIdCompleter : DeirfCompleter
{
    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
    {
        var ws = request.Workspace;
        var pattern = request.Pattern;
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
            yield return Value(id, tip);
        }
    }
}
