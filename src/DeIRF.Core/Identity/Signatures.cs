using DeIRF.Identity.Verifiers;

namespace DeIRF.Identity;

/// <summary>
/// The one signature-verification entry point of DeIRF: every signature, whatever its kind or where it came from
/// (a binding, a journal entry, a quorum approval, a checkpoint cosignature), is checked here.
/// </summary>
public static class Signatures
{
    /// <summary>The kinds this machine can verify (the catalog's proof kinds).</summary>
    public static IReadOnlyCollection<ProofKind> SupportedKinds => ProofKinds.Available;

    public static IProofVerifier VerifierFor(ProofKind kind)
        => ProofKinds.Find(kind) ?? throw new InvalidProofException(kind,
            "this kind of proof is not available on this machine (a kind an extension adds needs Import-DeirfExtension here too)");

    public static IProofSigner SignerFor(ProofKind kind)
        => VerifierFor(kind) as IProofSigner ?? throw new InvalidProofException(kind, "DeIRF cannot sign with this kind of key; sign with your own tool and pass the signature file");

    public static ProofKey ParsePublicKey(ProofKind kind, string publicKeyText) => VerifierFor(kind).ParsePublicKey(publicKeyText);

    /// <summary>Guesses the proof kind from the shape of a signature text (armor headers, hex, JWS, JSON, JWT): the first descriptor that recognises it.</summary>
    public static ProofKind? DetectKind(string signature)
    {
        var s = signature.Trim();
        foreach (var d in ProofKinds.Descriptors)
        {
            if (d.Recognizes(s))
            {
                return d.Kind;
            }
        }
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
