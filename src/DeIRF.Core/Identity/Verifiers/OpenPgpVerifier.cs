using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using static DeIRF.Identity.Verifiers.OpenPgpSignatureRules;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// OpenPGP proofs as gpg makes them: an armored v4 public key, armored binary detached signatures.
/// The signature math is the last of many checks (SPEC "Lessons: OpenPGP: the math is not enough"): the issuing key
/// must belong to the proof's key, carry the sign flag in a self-signature or a subkey binding that itself verifies
/// (with a primary key binding back-signature for subkeys), be neither revoked nor expired, and the signature must be
/// a binary document signature with a modern hash, not from the future and not expired.
/// The key block is read and judged by OpenPgpCertificate (armor in OpenPgpArmor, hash and subpacket rules in
/// OpenPgpSignatureRules); signing with an exported gpg secret key is OpenPgpSecretKey's.
/// </summary>
public sealed class OpenPgpVerifier : IProofKindDescriptor, IProofSigner
{
    public ProofKind Kind => ProofKind.OpenPgp;

    /// <inheritdoc/>
    public int Order => 10;

    /// <inheritdoc/>
    public bool Recognizes(string signature) => signature.StartsWith("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        ArgumentNullException.ThrowIfNull(publicKeyText);
        return OpenPgpCertificate.Read(publicKeyText).ToProofKey();
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(context);
        if (key.Kind != ProofKind.OpenPgp)
        {
            return Invalid(key.Fingerprint, $"a {key.Kind} proof cannot check an OpenPGP signature");
        }

        OpenPgpCertificate cert;
        try
        {
            // Re-read the stored block: revocations and flags are judged on what the proof holds, not on a cached verdict.
            cert = OpenPgpCertificate.Read(key.PublicKey);
        }
        catch (InvalidProofException ex)
        {
            return Invalid(key.Fingerprint, ex.Reason);
        }
        if (!string.Equals(cert.Primary.Fingerprint, key.Fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            return Invalid(key.Fingerprint, $"the proof's key block holds key {cert.Primary.Fingerprint}, not its fingerprint {key.Fingerprint}");
        }

        PgpSignature sig;
        try
        {
            sig = ReadDetachedSignature(signature);
        }
        catch (InvalidProofException ex)
        {
            return Invalid(key.Fingerprint, ex.Reason);
        }

        try
        {
            return Check(cert, sig, payload, context);
        }
        catch (Exception ex) when (ex is PgpException or IOException or InvalidOperationException or ArgumentException or FormatException or InvalidCastException
            or UnsupportedPacketVersionException)
        {
            // A signature BouncyCastle cannot process is refused with a reason, never a crash of the verdict.
            return Invalid(key.Fingerprint, "the signature could not be checked: malformed OpenPGP signature data");
        }
    }

    public string PublicKeyOf(PrivateKeyMaterial key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return OpenPgpSecretKey.Read(key).Certificate.ToProofKey().PublicKey;
    }

    public string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return OpenPgpSecretKey.Read(key).Sign(payload);
    }

    private static SignatureCheck Check(OpenPgpCertificate cert, PgpSignature sig, ReadOnlySpan<byte> payload, VerificationContext context)
    {
        var fpr = cert.Primary.Fingerprint;
        if (sig.Version != 4)
        {
            return Invalid(fpr, $"only version 4 signatures are accepted (this is a version {sig.Version} signature)");
        }
        if (sig.SignatureType == PgpSignature.CanonicalTextDocument)
        {
            // Text canonicalisation differs between tools (trailing whitespace, line endings); DeIRF signs exact bytes.
            return Invalid(fpr, "text-mode signatures (gpg --textmode or --clearsign) are refused; sign with gpg --detach-sign --armor");
        }
        if (sig.SignatureType != PgpSignature.BinaryDocument)
        {
            return Invalid(fpr, $"signature type 0x{sig.SignatureType:X2} is not a signature over data; expected a binary detached signature (type 0x00)");
        }
        if (HashRefusal(sig.HashAlgorithm) is { } hashRefusal)
        {
            return Invalid(fpr, hashRefusal);
        }
        var hashed = sig.GetHashedSubPackets();
        if (UnknownCritical(sig) is { } critical)
        {
            return Invalid(fpr, $"the signature carries a critical subpacket DeIRF does not understand (type {critical})");
        }
        if (hashed is null || !hashed.HasSignatureCreationTime())
        {
            return Invalid(fpr, "the signature has no signed creation time");
        }

        var issuer = FindIssuer(cert, sig, out var issuerRefusal);
        if (issuer is null)
        {
            return Invalid(fpr, issuerRefusal!);
        }
        if (issuer.Revocation is { } revocation)
        {
            return Invalid(fpr, $"{issuer.Label} is revoked ({revocation})");
        }
        if (issuer.CannotSign is { } cannotSign)
        {
            return Invalid(fpr, $"{issuer.Label} cannot sign: {cannotSign}");
        }
        if (sig.KeyAlgorithm != issuer.Key.Algorithm)
        {
            return Invalid(fpr, $"the signature's algorithm ({sig.KeyAlgorithm}) is not that of {issuer.Label} ({issuer.Key.Algorithm})");
        }

        if (!Holds(sig, issuer.Key, payload.ToArray()))
        {
            return Invalid(fpr, $"bad signature: the payload is not what {issuer.Label} signed (the payload or the signature was changed)");
        }

        var now = context.Clock.GetUtcNow();
        var signedAt = new DateTimeOffset(DateTime.SpecifyKind(hashed.GetSignatureCreationTime(), DateTimeKind.Utc));
        if (signedAt > now + context.ClockSkew)
        {
            return Invalid(fpr, $"the signature's creation time {Time(signedAt)} is in the future (now {Time(now)})");
        }
        if (signedAt + context.ClockSkew < issuer.Created)
        {
            return Invalid(fpr, $"the signature ({Time(signedAt)}) is older than {issuer.Label} (created {Time(issuer.Created)})");
        }
        var sigLifetime = hashed.GetSignatureExpirationTime();
        if (sigLifetime > 0 && now >= signedAt.AddSeconds(sigLifetime))
        {
            return Invalid(fpr, $"the signature expired at {Time(signedAt.AddSeconds(sigLifetime))}");
        }
        foreach (var k in issuer.IsPrimary ? new[] { issuer } : new[] { cert.Primary, issuer })
        {
            if (k.ExpiredAt(signedAt) is { } expiredBefore)
            {
                return Invalid(fpr, $"{k.Label} had expired at {Time(expiredBefore)}, before the signature was made ({Time(signedAt)})");
            }
            if (k.ExpiredAt(now) is { } expired)
            {
                return Invalid(fpr, $"{k.Label} expired at {Time(expired)}");
            }
        }

        var details = new Dictionary<string, string>
        {
            ["keyId"] = issuer.KeyId,
            ["signingKeyFingerprint"] = issuer.Fingerprint,
            ["hashAlgorithm"] = sig.HashAlgorithm.ToString().ToUpperInvariant(),
        };
        return SignatureCheck.Valid(ProofKind.OpenPgp, fpr, signedAt, details);
    }

    private static OpenPgpCertificate.SubjectKey? FindIssuer(OpenPgpCertificate cert, PgpSignature sig, out string? refusal)
    {
        refusal = null;
        byte[]? issuerFpr = null;
        long? issuerKeyId = null;
        foreach (var vector in new[] { sig.GetHashedSubPackets(), sig.GetUnhashedSubPackets() })
        {
            if (vector is null)
            {
                continue;
            }
            if (issuerFpr is null && vector.GetIssuerFingerprint() is { } f)
            {
                issuerFpr = f.GetFingerprint();
            }
            if (issuerKeyId is null && vector.HasSubpacket(SignatureSubpacketTag.IssuerKeyId))
            {
                issuerKeyId = vector.GetIssuerKeyId();
            }
        }
        if (issuerFpr is not null)
        {
            var hex = Convert.ToHexString(issuerFpr);
            if (issuerKeyId is { } id && issuerFpr.Length == 20 && !hex.EndsWith(KeyIdHex(id), StringComparison.Ordinal))
            {
                refusal = "the signature's issuer key id and issuer fingerprint disagree";
                return null;
            }
            var byFpr = cert.AllKeys.FirstOrDefault(k => k.Fingerprint == hex);
            refusal = byFpr is null ? $"the signature was made by key {hex}, which is not part of this proof's key {cert.Primary.Fingerprint}" : null;
            return byFpr;
        }
        if (issuerKeyId is { } keyId)
        {
            var byId = cert.AllKeys.FirstOrDefault(k => k.Key.KeyId == keyId);
            refusal = byId is null ? $"the signature was made by key {KeyIdHex(keyId)}, which is not part of this proof's key {cert.Primary.Fingerprint}" : null;
            return byId;
        }
        refusal = "the signature does not name the key that made it (no issuer subpacket)";
        return null;
    }

    private static PgpSignature ReadDetachedSignature(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("-----BEGIN PGP SIGNED MESSAGE-----", StringComparison.Ordinal))
        {
            return Throw("this is a clear-signed message (gpg --clearsign); sign with gpg --detach-sign --armor");
        }
        if (trimmed.StartsWith("-----BEGIN PGP MESSAGE-----", StringComparison.Ordinal))
        {
            return Throw("this is a signed message (gpg --sign), not a detached signature; sign with gpg --detach-sign --armor");
        }
        var objects = OpenPgpArmor.ReadObjects(OpenPgpArmor.Decode(trimmed, OpenPgpArmor.SignatureLabel, "the signature"), "the signature");
        var signatures = objects.OfType<PgpSignatureList>().SelectMany(l => Enumerable.Range(0, l.Count).Select(i => l[i])).ToList();
        if (objects.Any(o => o is not PgpSignatureList))
        {
            return Throw("the signature block holds more than a detached signature; sign with gpg --detach-sign --armor");
        }
        if (signatures.Count != 1)
        {
            return Throw(signatures.Count == 0 ? "the signature block holds no signature" : $"the signature block holds {signatures.Count} signatures; give exactly one");
        }
        return signatures[0];

        static PgpSignature Throw(string reason) => throw Refuse(reason);
    }

    private static SignatureCheck Invalid(string? fingerprint, string reason) => SignatureCheck.Invalid(ProofKind.OpenPgp, fingerprint, reason);
}
