namespace DeIRF.Identity;

/// <summary>
/// The public part of one proof, as parsed and normalised by its verifier.
/// <see cref="Fingerprint"/> is the stable identifier used in the roster and in signature objects:
/// OpenPGP v4 fingerprint (40 upper-case hex), SSH "SHA256:..." (as ssh-keygen -l prints), Ethereum EIP-55
/// checksummed address, the did:key DID itself, FIDO2 "fido2:&lt;rpId&gt;:&lt;base64url credential id&gt;",
/// OIDC "&lt;issuer&gt;#&lt;subject&gt;".
/// </summary>
/// <param name="Kind">The proof kind.</param>
/// <param name="Fingerprint">Stable identifier of the key.</param>
/// <param name="PublicKey">The public part in its usual text form (armored key, authorized_keys line, address, DID, JSON for FIDO2/OIDC).</param>
/// <param name="Algorithm">Key algorithm as the user would name it (ed25519, rsa-3072, ecdsa-p256, secp256k1...).</param>
/// <param name="Attributes">Kind-specific facts (e.g. OpenPGP user id, SSH certificate principals, FIDO2 rpId/origin, OIDC issuer/audience).</param>
public sealed record ProofKey(
    ProofKind Kind,
    string Fingerprint,
    string PublicKey,
    string Algorithm,
    IReadOnlyDictionary<string, string> Attributes)
{
    public override string ToString() => $"{Kind} {Fingerprint} ({Algorithm})";
}
