using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace DeIRF.Commands.Completers;

/// <summary>Completes the well-known T-minus deadline names (any lower-case token is accepted).</summary>
public sealed class DeadlineNameCompleter : IArgumentCompleter
{
    private static readonly string[] Names = ["triage", "containment", "first-comms", "retrospective"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return Names
            .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Where(n => n != "retrospective" || commandName.StartsWith("Get", StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n))
            .ToArray();
    }
}
