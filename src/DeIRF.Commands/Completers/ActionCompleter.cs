using System.Management.Automation;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of containment and governance actions (the provider catalog and the quorum defaults).</summary>
public sealed class ActionCompleter : DeirfCompleter
{
    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
    {
        var pattern = request.Pattern;
        var actions = Containment.ContainmentProviders.KnownActions.Where(a => !a.EndsWith('*'))
            .Concat([Quorum.QuorumPolicy.PolicySetAction, Identity.Roster.AddResponderAction, Identity.Roster.UpdateResponderAction,
                Identity.Roster.BindProofAction, Identity.Roster.RevokeProofAction, Identity.Roster.SettingsAction])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return actions.Where(a => pattern.IsMatch(a)).Select(a => Value(a, a));
    }
}
