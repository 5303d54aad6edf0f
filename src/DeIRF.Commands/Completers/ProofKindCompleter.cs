using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DeIRF.Identity;

namespace DeIRF.Commands.Completers;

/// <summary>
/// Which proof kinds a -Kind parameter takes: every kind this machine knows ("All"), the kinds DeIRF signs with
/// ("Signing") or the kinds it makes key files for ("KeyMaking"). Fed by the extension catalog, so an imported kind is
/// accepted and completed with no cmdlet edit. (PowerShellStandard 5.1, which DeIRF.dll compiles against, has no
/// IValidateSetValuesGenerator: this attribute and <see cref="ProofKindCompleter"/> do its two jobs.)
/// </summary>
internal static class ProofKindSets
{
    public static IReadOnlyList<string> Names(string set) => (set switch
    {
        "Signing" => ProofKinds.Signing,
        "KeyMaking" => ProofKinds.KeyMaking,
        _ => ProofKinds.Available,
    }).Select(k => k.Name).ToArray();
}

/// <summary>Validates a -Kind string against the catalog's proof kinds, ignoring case, like [ValidateSet] did.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateProofKindAttribute : ValidateEnumeratedArgumentsAttribute
{
    public ValidateProofKindAttribute(string set = "All") => Set = set;

    /// <summary>All, Signing or KeyMaking.</summary>
    public string Set { get; }

    protected override void ValidateElement(object element)
    {
        var text = element?.ToString();
        var names = ProofKindSets.Names(Set);
        if (!names.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            throw new ValidationMetadataException(
                $"The argument \"{text}\" does not belong to the proof kinds {(Set == "All" ? "this machine knows" : Set == "Signing" ? "DeIRF signs with" : "DeIRF makes keys for")}: \"{string.Join(",", names)}\". Supply an argument that is in the set and then try the command again.");
        }
    }
}

/// <summary>Tab completion of -Kind from the catalog's proof kinds (the same sets as <see cref="ValidateProofKindAttribute"/>).</summary>
public class ProofKindCompleter : IArgumentCompleter
{
    private readonly string _set;

    public ProofKindCompleter() : this("All")
    {
    }

    protected ProofKindCompleter(string set) => _set = set;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return ProofKindSets.Names(_set).Where(pattern.IsMatch)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n)).ToArray();
    }
}

/// <summary>The kinds DeIRF signs with (New-DeirfSignature, Add-DeirfQuorumSignature -KeyPath).</summary>
public sealed class SigningProofKindCompleter : ProofKindCompleter
{
    public SigningProofKindCompleter() : base("Signing")
    {
    }
}

/// <summary>The kinds DeIRF makes key files for (New-DeirfSigningKey).</summary>
public sealed class KeyMakingProofKindCompleter : ProofKindCompleter
{
    public KeyMakingProofKindCompleter() : base("KeyMaking")
    {
    }
}
