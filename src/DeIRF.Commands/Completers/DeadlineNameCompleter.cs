using System.Management.Automation;

namespace DeIRF.Commands.Completers;

/// <summary>Completes the well-known T-minus deadline names (any lower-case token is accepted).</summary>
public sealed class DeadlineNameCompleter : DeirfCompleter
{
    private static readonly string[] Names = ["triage", "containment", "first-comms", "retrospective"];

    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
        => Names
            .Where(n => n.StartsWith(request.Word, StringComparison.OrdinalIgnoreCase))
            .Where(n => n != "retrospective" || request.CommandName.StartsWith("Get", StringComparison.OrdinalIgnoreCase))
            .Select(n => Value(n, n));
}
