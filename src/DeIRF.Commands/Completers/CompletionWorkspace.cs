using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DeIRF.Workspaces;

namespace DeIRF.Commands.Completers;

/// <summary>
/// The workspace a completion is about: -Workspace as typed (relative to the PowerShell location, as the cmdlet
/// will resolve it), else the one at or above the PowerShell location (Set-Location ws; Get-DeirfIncident -Id &lt;Tab&gt;),
/// not the process's working directory, which PowerShell does not move.
/// </summary>
internal static class CompletionWorkspace
{
    public static Workspace Resolve(IDictionary fakeBoundParameters)
    {
        var location = Location();
        var typed = fakeBoundParameters.Contains("Workspace") ? fakeBoundParameters["Workspace"]?.ToString() : null;
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

    public static WildcardPattern Pattern(string? wordToComplete)
        => new((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
}

/// <summary>Tab completion of containment and governance actions (the provider catalog and the quorum defaults).</summary>
public sealed class ActionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = CompletionWorkspace.Pattern(wordToComplete);
        var actions = Containment.ContainmentProviders.KnownActions.Where(a => !a.EndsWith('*'))
            .Concat([Quorum.QuorumPolicy.PolicySetAction, Identity.Roster.AddResponderAction, Identity.Roster.UpdateResponderAction,
                Identity.Roster.BindProofAction, Identity.Roster.RevokeProofAction, Identity.Roster.SettingsAction])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return actions.Where(a => pattern.IsMatch(a)).Select(a => new CompletionResult(a, a, CompletionResultType.ParameterValue, a)).ToArray();
    }
}

/// <summary>Tab completion of journal entry kinds (the registry).</summary>
public sealed class JournalKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = CompletionWorkspace.Pattern(wordToComplete);
        return Journal.Kinds.EntryKinds.Names.Where(k => pattern.IsMatch(k)).Order(StringComparer.Ordinal)
            .Select(k => new CompletionResult(k, k, CompletionResultType.ParameterValue, k)).ToArray();
    }
}

/// <summary>Tab completion of a responder's proof fingerprints (-Responder as typed), with kind and state as tooltip.</summary>
public sealed class FingerprintCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            var roster = Identity.Roster.Load(CompletionWorkspace.Resolve(fakeBoundParameters));
            var who = fakeBoundParameters.Contains("Responder") ? fakeBoundParameters["Responder"]?.ToString() : null;
            var pattern = CompletionWorkspace.Pattern(wordToComplete);
            foreach (var p in roster.Responders.Where(r => who is null || r.Handle == who).SelectMany(r => r.Proofs).Where(p => pattern.IsMatch(p.Fingerprint)))
            {
                var text = p.Fingerprint.Contains(' ') ? $"'{p.Fingerprint}'" : p.Fingerprint;
                results.Add(new CompletionResult(text, p.Fingerprint, CompletionResultType.ParameterValue, $"{p.Handle}: {p.Kind}{(p.IsRevoked ? " (revoked)" : string.Empty)}"));
            }
        }
        catch (DeirfException)
        {
            // No workspace or roster: nothing to complete.
        }
        return results;
    }
}
