using System.Security.Cryptography;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// The text that binds a FIDO2 challenge or an OIDC nonce to DeIRF payload bytes: BASE64URL(SHA-256(payload)),
/// no padding. One definition, so a responder's browser, the IdP and every verifier agree on it.
/// </summary>
internal static class PayloadDigest
{
    public static string Base64Url(ReadOnlySpan<byte> payload)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(payload, digest);
        return Base64UrlCodec.Encode(digest);
    }
}
