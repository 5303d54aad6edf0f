using DeIRF.Identity.Verifiers;

namespace DeIRF.Identity;

/// <summary>
/// The one signature-verification entry point of DeIRF: every signature, whatever its kind or where it came from
/// (a binding, a journal entry, a quorum approval, a checkpoint cosignature), is checked here.
/// </summary>
public static class Signatures
{
    private static readonly Dictionary<ProofKind, IProofVerifier> Verifiers = new();
    private static readonly Dictionary<ProofKind, IProofSigner> Signers = new();

    static Signatures()
    {
        foreach (var type in typeof(Signatures).Assembly.GetTypes())
        {
            if (type.IsAbstract || type.IsInterface || type.Namespace != typeof(VerifierNamespaceMarker).Namespace)
            {
                continue;
            }
            object? instance = null;
            if (typeof(IProofVerifier).IsAssignableFrom(type))
            {
                instance = Activator.CreateInstance(type);
                var v = (IProofVerifier)instance!;
                Verifiers[v.Kind] = v;
            }
            if (typeof(IProofSigner).IsAssignableFrom(type))
            {
                var s = (IProofSigner)(instance ?? Activator.CreateInstance(type)!);
                Signers[s.Kind] = s;
            }
        }
    }

    public static IReadOnlyCollection<ProofKind> SupportedKinds => Verifiers.Keys;

    public static IProofVerifier VerifierFor(ProofKind kind)
        => Verifiers.TryGetValue(kind, out var v) ? v : throw new InvalidProofException(kind, "this kind of proof is not supported by this build");

    public static IProofSigner SignerFor(ProofKind kind)
        => Signers.TryGetValue(kind, out var s) ? s : throw new InvalidProofException(kind, "DeIRF cannot sign with this kind of key; sign with your own tool and pass the signature file");

    public static ProofKey ParsePublicKey(ProofKind kind, string publicKeyText) => VerifierFor(kind).ParsePublicKey(publicKeyText);

    /// <summary>Guesses the proof kind from the shape of a signature text (armor headers, hex, JWS, JSON, JWT).</summary>
    public static ProofKind? DetectKind(string signature)
    {
        var s = signature.Trim();
        if (s.StartsWith("-----BEGIN SSH SIGNATURE-----", StringComparison.Ordinal)) { return ProofKind.Ssh; }
        if (s.StartsWith("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal)) { return ProofKind.OpenPgp; }
        if (s.StartsWith('{') && s.Contains("authenticatorData", StringComparison.Ordinal)) { return ProofKind.Fido2; }
        var hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s;
        if (hex.Length == 130 && hex.All(Uri.IsHexDigit)) { return ProofKind.Ethereum; }
        var parts = s.Split('.');
        if (parts.Length == 3 && parts[1].Length == 0) { return ProofKind.DidKey; }
        if (parts.Length == 3) { return ProofKind.Oidc; }
        return null;
    }

    /// <summary>
    /// A raw Ed25519 (RFC 8032) signature over exact bytes — checkpoint note signatures and cosignatures (C2SP
    /// signed-note) — under the same pinned strictness rule as did:key. Null when it verifies, otherwise the reason.
    /// </summary>
    public static string? CheckEd25519(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64)
        {
            return $"an Ed25519 signature is 64 bytes, not {signature.Length}";
        }
        return DidKeyVerifier.CheckEd25519(publicKey.ToArray(), message.ToArray(), signature.ToArray());
    }

    /// <summary>Null when 32 bytes are an acceptable Ed25519 public key under the pinned did:key rule, otherwise why not.</summary>
    public static string? CheckEd25519PublicKey(ReadOnlySpan<byte> publicKey) => DidKeyVerifier.CheckPublicKey(publicKey);

    public static SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext? context = null)
    {
        context ??= VerificationContext.Default;
        if (string.IsNullOrWhiteSpace(signature))
        {
            return SignatureCheck.Invalid(key.Kind, key.Fingerprint, "the signature is empty");
        }
        try
        {
            return VerifierFor(key.Kind).Verify(key, payload, signature, context);
        }
        catch (InvalidProofException ex)
        {
            return SignatureCheck.Invalid(key.Kind, key.Fingerprint, ex.Reason);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException or IOException)
        {
            // A malformed signature is a refusal with a reason, never a crash of the verdict.
            return SignatureCheck.Invalid(key.Kind, key.Fingerprint, $"malformed signature: {ex.Message}");
        }
    }
}
