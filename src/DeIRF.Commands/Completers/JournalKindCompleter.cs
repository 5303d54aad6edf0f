using System.Management.Automation;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of journal entry kinds (the registry).</summary>
public sealed class JournalKindCompleter : DeirfCompleter
{
    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
    {
        var pattern = request.Pattern;
        return Journal.Kinds.EntryKinds.Names.Where(k => pattern.IsMatch(k)).Order(StringComparer.Ordinal).Select(k => Value(k, k));
    }
}
