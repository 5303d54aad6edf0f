using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of responder handles from the roster of the workspace the command line names.</summary>
public sealed class ResponderHandleCompleter : DeirfCompleter
{
    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
    {
        var roster = Roster.Load(request.Workspace);
        var pattern = request.Pattern;
        return roster.Responders.Where(r => pattern.IsMatch(r.Handle)).OrderBy(r => r.Handle, StringComparer.Ordinal)
            .Select(r => Value(r.Handle, $"{r.Name} ({string.Join(", ", r.Roles)})"));
    }
}
