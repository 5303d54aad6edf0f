using DeIRF.Extensions;

namespace DeIRF.Quorum;

/// <summary>
/// An action whose quorum signers sign something other than DeIRF's text payload: for evm.safe.freeze, the Safe
/// transaction hash (EIP-712 SafeTx), so the owners' signatures are exactly what the Safe checks on chain. The bytes
/// must follow from the proposal's members alone (action, target, parameters): a changed target or parameter gives
/// other bytes, and the verdict recomputes them for every row.
/// </summary>
public interface IProposalPayload
{
    /// <summary>
    /// Validates target and parameters at proposal time and returns the parameters to sign, with whatever must be bound
    /// at proposal time filled in (the Safe nonce read from the chain). Throws a <see cref="DeirfException"/> to refuse.
    /// </summary>
    IReadOnlyDictionary<string, string> Complete(string action, string target, IReadOnlyDictionary<string, string> parameters,
        CancellationToken cancellationToken);

    /// <summary>The exact bytes a quorum signer signs for this proposal.</summary>
    byte[] SigningPayload(Proposal proposal);

    /// <summary>What the signer compares on a second device (the Safe transaction hash, 0x-hex).</summary>
    string Digest(Proposal proposal);

    /// <summary>Lines a person reads before signing: what the bytes mean (Safe, chain, call, nonce) and the DeIRF proposal.</summary>
    string Describe(Proposal proposal);
}

/// <summary>
/// Which actions have their own signing payload: registered here (tests) or declared in the extension catalog
/// (<see cref="ExtensionPoints.ProposalPayload"/>, keyed by exact action) and loaded from the provider's assembly on
/// first use; actions with neither sign <see cref="Proposal"/>'s DeIRF text.
/// </summary>
public static class ProposalPayloads
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, IProposalPayload> Registered = new(StringComparer.Ordinal);

    public static bool HasCustomPayload(string action)
    {
        lock (Gate)
        {
            return Registered.ContainsKey(action) || ExtensionCatalog.Find(ExtensionPoints.ProposalPayload, action) is not null;
        }
    }

    /// <summary>The payload of <paramref name="action"/>, or null when its signers sign DeIRF's text.</summary>
    public static IProposalPayload? For(string action)
    {
        lock (Gate)
        {
            if (Registered.TryGetValue(action, out var found))
            {
                return found;
            }
            if (ExtensionCatalog.Find(ExtensionPoints.ProposalPayload, action) is not { } entry)
            {
                return null;
            }
            try
            {
                return Registered[action] = entry.Instance<IProposalPayload>();
            }
            catch (ExtensionException ex)
            {
                // Fail closed: without the payload no signature for this action can be checked.
                throw new QuorumException("ProposalPayloadUnavailable", DeirfErrorKind.ResourceUnavailable,
                    $"The signing payload of '{action}' ({entry.AssemblyName}) could not be loaded: {ex.Message}", action, inner: ex);
            }
        }
    }

    /// <summary>Registers a payload for an exact action name (tests, or a provider loaded some other way).</summary>
    public static void Register(string action, IProposalPayload payload)
    {
        lock (Gate)
        {
            Registered[action] = payload;
        }
    }
}
