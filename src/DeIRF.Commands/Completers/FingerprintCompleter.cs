using System.Management.Automation;

namespace DeIRF.Commands.Completers;

/// <summary>Tab completion of a responder's proof fingerprints (-Responder as typed), with kind and state as tooltip.</summary>
public sealed class FingerprintCompleter : DeirfCompleter
{
    private protected override IEnumerable<CompletionResult> Complete(CompletionRequest request)
    {
        var roster = Identity.Roster.Load(request.Workspace);
        var who = request.Bound("Responder");
        var pattern = request.Pattern;
        foreach (var p in roster.Responders.Where(r => who is null || r.Handle == who).SelectMany(r => r.Proofs).Where(p => pattern.IsMatch(p.Fingerprint)))
        {
            var text = p.Fingerprint.Contains(' ') ? $"'{p.Fingerprint}'" : p.Fingerprint;
            yield return new CompletionResult(text, p.Fingerprint, CompletionResultType.ParameterValue, $"{p.Handle}: {p.Kind}{(p.IsRevoked ? " (revoked)" : string.Empty)}");
        }
    }
}
