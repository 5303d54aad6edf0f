using System.Globalization;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// What every OpenPGP signature DeIRF counts must pass, whether it binds a key (self-signatures, subkey bindings,
/// back-signatures) or signs a payload: a modern hash, no critical subpacket DeIRF does not understand, and math that holds.
/// </summary>
internal static class OpenPgpSignatureRules
{
    // Subpackets whose meaning we apply or that are harmless to ignore; any other critical one voids the signature (RFC 4880 5.2.3.1).
    private static readonly HashSet<SignatureSubpacketTag> UnderstoodSubpackets =
    [
        SignatureSubpacketTag.CreationTime, SignatureSubpacketTag.ExpireTime, SignatureSubpacketTag.Exportable,
        SignatureSubpacketTag.Revocable, SignatureSubpacketTag.KeyExpireTime, SignatureSubpacketTag.PreferredSymmetricAlgorithms,
        SignatureSubpacketTag.IssuerKeyId, SignatureSubpacketTag.PreferredHashAlgorithms, SignatureSubpacketTag.PreferredCompressionAlgorithms,
        SignatureSubpacketTag.KeyServerPreferences, SignatureSubpacketTag.PrimaryUserId, SignatureSubpacketTag.KeyFlags,
        SignatureSubpacketTag.SignerUserId, SignatureSubpacketTag.RevocationReason, SignatureSubpacketTag.Features,
        SignatureSubpacketTag.EmbeddedSignature, SignatureSubpacketTag.IssuerFingerprint, SignatureSubpacketTag.PreferredAeadAlgorithms,
    ];

    /// <summary>The one place a signature's math is checked: <paramref name="signedData"/>, then the signature's own trailer.</summary>
    public static bool Holds(PgpSignature sig, PgpPublicKey key, params byte[][] signedData)
    {
        if (sig.KeyAlgorithm != key.Algorithm)
        {
            return false;
        }
        sig.InitVerify(key);
        foreach (var part in signedData)
        {
            sig.Update(part);
        }
        return sig.Verify();
    }

    public static SignatureSubpacketTag? UnknownCritical(PgpSignature sig)
    {
        var hashed = sig.GetHashedSubPackets();
        if (hashed is null)
        {
            return null;
        }
        foreach (var tag in hashed.GetCriticalTags())
        {
            if (!UnderstoodSubpackets.Contains(tag))
            {
                return tag;
            }
        }
        return null;
    }

    public static string? HashRefusal(HashAlgorithmTag hash) => hash switch
    {
        HashAlgorithmTag.Sha256 or HashAlgorithmTag.Sha384 or HashAlgorithmTag.Sha512 or HashAlgorithmTag.Sha224
            or HashAlgorithmTag.Sha3_256 or HashAlgorithmTag.Sha3_512 => null,
        HashAlgorithmTag.Sha1 => "SHA-1 signatures are refused",
        HashAlgorithmTag.MD5 => "MD5 signatures are refused",
        HashAlgorithmTag.RipeMD160 => "RIPEMD-160 signatures are refused",
        _ => $"{HashName(hash)} signatures are refused",
    };

    public static string HashName(HashAlgorithmTag hash) => hash switch
    {
        HashAlgorithmTag.Sha1 => "SHA-1",
        HashAlgorithmTag.MD5 => "MD5",
        HashAlgorithmTag.RipeMD160 => "RIPEMD-160",
        _ => Enum.IsDefined(hash) ? hash.ToString().ToUpperInvariant() : $"hash algorithm {(int)hash}",
    };

    // The wording every OpenPGP refusal shares: key ids as gpg prints them, times in UTC.
    public static string KeyIdHex(long keyId) => keyId.ToString("X16", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static InvalidProofException Refuse(string reason, Exception? inner = null) => new(ProofKind.OpenPgp, reason, null, inner);
}
