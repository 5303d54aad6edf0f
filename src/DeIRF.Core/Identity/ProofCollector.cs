namespace DeIRF.Identity;

/// <summary>
/// A proof kind whose signatures signers leave somewhere DeIRF can read them (a chat room), so they can be gathered
/// instead of passed one by one (<c>Add-DeirfQuorumSignature -From…</c>). Optional, on the kind's descriptor. A
/// collector only finds candidates: each one is then recorded through the quorum like any other signature, and that
/// decides whether it counts.
/// </summary>
public interface IProofCollector
{
    /// <summary>
    /// The candidate signatures over <see cref="ProofCollectionRequest.Payload"/> found at the source, oldest first;
    /// a candidate already known to fail carries its <see cref="CollectedSignature.Refusal"/>. Throws a
    /// <see cref="DeirfException"/> when the source cannot be read at all (no room, no token, the service refused).
    /// </summary>
    IReadOnlyList<CollectedSignature> Collect(ProofCollectionRequest request, CancellationToken cancellationToken);
}

/// <summary>What a collector looks for and where.</summary>
public sealed class ProofCollectionRequest
{
    /// <summary>Who holds which key: a candidate's signer is the responder holding the key it was made with.</summary>
    public required Roster Roster { get; init; }

    /// <summary>The exact bytes signers sign (a proposal's signing payload); what a signer names of them is the kind's rule.</summary>
    public required byte[] Payload { get; init; }

    /// <summary>Where to look, as the user gave it (a room id), or null for the incident's own place.</summary>
    public string? Source { get; init; }

    /// <summary>The incident the signatures are for (its chat room and homeserver are the default source).</summary>
    public Incidents.Incident? Incident { get; init; }
}

/// <summary>One candidate signature a collector found.</summary>
/// <param name="Origin">Where it was found, in words ("event $e in !room:hs by @alice:hs at 2026-…"), for messages.</param>
/// <param name="Responder">The responder holding the signer's key, or null when nobody does.</param>
/// <param name="Signature">The signature text to record (what the kind's verifier takes).</param>
/// <param name="Refusal">Why it cannot count, when the collector already knows (unbound signer, malformed); else null.</param>
public sealed record CollectedSignature(string Origin, string? Responder, string Signature, string? Refusal = null);
