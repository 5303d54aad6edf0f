using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using DeIRF.Workspaces;

namespace DeIRF.Commands.Completers;

/// <summary>
/// Base of DeIRF's argument completers (as <see cref="Cmdlets.DeirfCmdlet"/> is of its cmdlets): hands the derived
/// completer the word as typed and the parameters already on the command line, resolves the workspace that command
/// line names when asked, and turns "no workspace, roster or incident to read" into no (further) completions.
/// </summary>
public abstract class DeirfCompleter : IArgumentCompleter
{
    private protected DeirfCompleter()
    {
    }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            foreach (var result in Complete(new CompletionRequest(commandName, wordToComplete, fakeBoundParameters)))
            {
                results.Add(result);
            }
        }
        catch (DeirfException)
        {
            // No workspace, roster or incident: nothing (more) to complete.
        }
        return results;
    }

    /// <summary>The completions for <paramref name="request"/>, in the order offered (a lazy sequence is fine).</summary>
    private protected abstract IEnumerable<CompletionResult> Complete(CompletionRequest request);

    /// <summary>A completion offering <paramref name="text"/> as it is, with a tooltip.</summary>
    private protected static CompletionResult Value(string text, string toolTip) => new(text, text, CompletionResultType.ParameterValue, toolTip);
}

/// <summary>What a completer is asked: the command, the word as typed, the parameters already bound; the workspace on demand.</summary>
internal sealed class CompletionRequest(string commandName, string? wordToComplete, IDictionary fakeBoundParameters)
{
    private Workspace? _workspace;

    public string CommandName { get; } = commandName;

    /// <summary>The word typed so far, without the quotes PowerShell leaves around it.</summary>
    public string Word { get; } = (wordToComplete ?? string.Empty).Trim('\'', '"');

    /// <summary>The word as a case-insensitive wildcard prefix.</summary>
    public WildcardPattern Pattern => new(Word + "*", WildcardOptions.IgnoreCase);

    /// <summary>A parameter already on the command line, as text; null when it is not there.</summary>
    public string? Bound(string parameter) => fakeBoundParameters.Contains(parameter) ? fakeBoundParameters[parameter]?.ToString() : null;

    /// <summary>
    /// The workspace the completion is about: -Workspace as typed (relative to the PowerShell location, as the cmdlet
    /// will resolve it), else the one at or above the PowerShell location (Set-Location ws; Get-DeirfIncident -Id
    /// &lt;Tab&gt;), not the process's working directory, which PowerShell does not move. Resolved once, on first use.
    /// </summary>
    public Workspace Workspace => _workspace ??= ResolveWorkspace();

    private Workspace ResolveWorkspace()
    {
        var location = Location();
        var typed = Bound("Workspace");
        if (typed is not null && !Path.IsPathRooted(typed))
        {
            typed = Path.GetFullPath(Path.Combine(location, typed));
        }
        return Workspace.Resolve(typed, location, createDefault: false);
    }

    private static string Location()
    {
        // Completion runs on the pipeline thread of the user's runspace: a nested Get-Location there is the location
        // the user set (the session state proxy is unavailable while that pipeline runs).
        try
        {
            if (Runspace.DefaultRunspace is not null)
            {
                using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
                var found = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>();
                if (found.Count > 0 && found[0].ProviderPath is { Length: > 0 } here)
                {
                    return here;
                }
            }
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or RuntimeException)
        {
            // No usable runspace here: fall back to the process directory.
        }
        return Environment.CurrentDirectory;
    }
}
