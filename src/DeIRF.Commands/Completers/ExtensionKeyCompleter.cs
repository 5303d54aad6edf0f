using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DeIRF.Extensions;

namespace DeIRF.Commands.Completers;

/// <summary>
/// Validates a parameter against the keys declared at one extension point (-Tracker, -Channel), ignoring case as
/// [ValidateSet] did: an imported extension's tracker or channel is accepted with no cmdlet edit.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateExtensionKeyAttribute : ValidateEnumeratedArgumentsAttribute
{
    public ValidateExtensionKeyAttribute(string point) => Point = point;

    public string Point { get; }

    protected override void ValidateElement(object element)
    {
        var text = element?.ToString();
        var keys = ExtensionCatalog.Of(Point).Select(e => e.Key).ToArray();
        if (!keys.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            throw new ValidationMetadataException(
                $"The argument \"{text}\" does not belong to the set \"{string.Join(",", keys)}\" ({Point} extensions this machine has). Supply an argument that is in the set and then try the command again.");
        }
    }
}

/// <summary>Tab completion from the keys declared at one extension point.</summary>
public abstract class ExtensionKeyCompleter : IArgumentCompleter
{
    private readonly string _point;

    protected ExtensionKeyCompleter(string point) => _point = point;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return ExtensionCatalog.Of(_point).Select(e => e.Key).Where(pattern.IsMatch)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n)).ToArray();
    }
}

/// <summary>-Tracker of New-DeirfIncident.</summary>
public sealed class TicketTrackerCompleter : ExtensionKeyCompleter
{
    public TicketTrackerCompleter() : base(ExtensionPoints.TicketTracker)
    {
    }
}

/// <summary>-Channel of Send-DeirfUpdate.</summary>
public sealed class ChatChannelCompleter : ExtensionKeyCompleter
{
    public ChatChannelCompleter() : base(ExtensionPoints.ChatChannel)
    {
    }
}
