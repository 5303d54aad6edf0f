namespace DeIRF.Identity;

/// <summary>
/// The outcome of checking one signature. A failure is a value with a reason, not an exception: a quorum verdict
/// lists every signature with its status.
/// </summary>
/// <param name="IsValid">True when the signature is good for this key, payload and context.</param>
/// <param name="Kind">The proof kind checked.</param>
/// <param name="Fingerprint">The key the signature was checked against (or recovered, for Ethereum).</param>
/// <param name="Reason">"valid" or why not, in words a responder understands (e.g. "namespace 'git' is not 'deirf'").</param>
/// <param name="SignedAt">Signature creation time when the format carries one (OpenPGP, FIDO2 no, OIDC iat).</param>
/// <param name="Details">Kind-specific facts worth journaling (e.g. FIDO2 signCount, OIDC nonce and jwks key id).</param>
public sealed record SignatureCheck(
    bool IsValid,
    ProofKind Kind,
    string? Fingerprint,
    string Reason,
    DateTimeOffset? SignedAt = null,
    IReadOnlyDictionary<string, string>? Details = null)
{
    public static SignatureCheck Valid(ProofKind kind, string fingerprint, DateTimeOffset? signedAt = null, IReadOnlyDictionary<string, string>? details = null)
        => new(true, kind, fingerprint, "valid", signedAt, details);

    public static SignatureCheck Invalid(ProofKind kind, string? fingerprint, string reason)
        => new(false, kind, fingerprint, reason);
}
