using System.Globalization;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Gnu;
using Org.BouncyCastle.Asn1.Sec;
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
        var secretRing = ReadSecretRing(key);
        return OpenPgpCertificate.Analyse(PublicRingOf(secretRing)).ToProofKey().PublicKey;
    }

    public string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var secretRing = ReadSecretRing(key);
        var cert = OpenPgpCertificate.Analyse(PublicRingOf(secretRing));
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // Like gpg: the newest usable signing subkey first, the primary key last.
        var candidates = cert.Subkeys.Where(k => k.CanSign).OrderByDescending(k => k.Created).ToList();
        if (cert.Primary.CanSign)
        {
            candidates.Add(cert.Primary);
        }
        if (cert.Primary.ExpiredAt(now) is { } primaryExpired)
        {
            throw Refuse($"the key expired at {Time(primaryExpired)}; extend it (gpg --quick-set-expire) and export it again");
        }
        var refusals = new List<string>();
        foreach (var candidate in candidates)
        {
            if (candidate.ExpiredAt(now) is { } expired)
            {
                refusals.Add($"{candidate.Label} expired at {Time(expired)}");
                continue;
            }
            var secret = secretRing.GetSecretKey(candidate.Key.KeyId);
            if (secret is null || secret.IsPrivateKeyEmpty || secret.S2k?.Type == S2k.GnuDummyS2K)
            {
                refusals.Add($"{candidate.Label} has no secret part in this export (a stub or a smartcard key)");
                continue;
            }
            var privateKey = Unlock(secret, key);
            if (privateKey is null)
            {
                refusals.Add($"{candidate.Label} has no secret part in this export");
                continue;
            }
            return SignWith(candidate.Key, privateKey, payload, now);
        }
        refusals.AddRange(cert.AllKeys.Where(k => !k.CanSign).Select(k => $"{k.Label} cannot sign: {k.CannotSign}"));
        throw Refuse("no key in this secret key can sign: " + string.Join("; ", refusals));
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

    private static string SignWith(PgpPublicKey signingKey, PgpPrivateKey privateKey, ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        var generator = new PgpSignatureGenerator(signingKey.Algorithm, HashFor(signingKey));
        generator.InitSign(PgpSignature.BinaryDocument, privateKey);
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetSignatureCreationTime(false, now.UtcDateTime);
        hashed.SetIssuerFingerprint(false, signingKey);
        generator.SetHashedSubpackets(hashed.Generate());
        var unhashed = new PgpSignatureSubpacketGenerator();
        unhashed.SetIssuerKeyID(false, signingKey.KeyId);
        generator.SetUnhashedSubpackets(unhashed.Generate());
        generator.Update(payload);
        var signature = generator.Generate();
        return OpenPgpArmor.Encode(signature.Encode);
    }

    // ECDSA wants a hash at least as wide as its curve (gpg insists when it signs); SHA-256 elsewhere.
    private static HashAlgorithmTag HashFor(PgpPublicKey key) => OpenPgpCertificate.AlgorithmName(key) switch
    {
        "ecdsa-nistp384" or "ecdsa-nistp521" => HashAlgorithmTag.Sha512,
        _ => HashAlgorithmTag.Sha256,
    };

    private static PgpPrivateKey? Unlock(PgpSecretKey secret, PrivateKeyMaterial material)
    {
        if (secret.S2kUsage != SecretKeyPacket.UsageNone && material.Passphrase is null)
        {
            throw Refuse($"the secret key{SourceOf(material)} is protected by a passphrase; give the passphrase with it");
        }
        try
        {
            // gpg derives the key from the passphrase's UTF-8 bytes.
            return secret.ExtractPrivateKeyUtf8(material.Passphrase ?? []);
        }
        catch (PgpException ex)
        {
            throw Refuse($"the passphrase does not unlock the secret key{SourceOf(material)}", ex);
        }
    }

    private static string SourceOf(PrivateKeyMaterial material) => material.Source is null ? string.Empty : $" from {material.Source}";

    private static PgpSecretKeyRing ReadSecretRing(PrivateKeyMaterial material)
    {
        var bytes = material.KeyBytes;
        byte[] packets;
        if (bytes.Length > 0 && (bytes[0] & 0x80) != 0)
        {
            packets = bytes; // gpg --export-secret-keys without --armor
        }
        else
        {
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Refuse($"the secret key{SourceOf(material)} is neither an armored nor a binary OpenPGP secret key");
            }
            if (text.Contains($"-----BEGIN PGP {OpenPgpArmor.PublicKeyLabel}-----", StringComparison.Ordinal))
            {
                throw Refuse($"the key{SourceOf(material)} is a public key; signing needs the secret key (gpg --armor --export-secret-keys)");
            }
            packets = OpenPgpArmor.Decode(text, OpenPgpArmor.SecretKeyLabel, "the secret key");
        }
        var objects = OpenPgpArmor.ReadObjects(packets, "the secret key");
        var rings = objects.OfType<PgpSecretKeyRing>().ToList();
        if (rings.Count != 1 || objects.Count != 1)
        {
            throw Refuse(rings.Count > 1
                ? $"the secret key file holds {rings.Count} keys; export exactly one (gpg --armor --export-secret-keys <fingerprint>)"
                : "the secret key file holds no OpenPGP secret key (gpg --armor --export-secret-keys writes one)");
        }
        return rings[0];
    }

    private static PgpPublicKeyRing PublicRingOf(PgpSecretKeyRing secretRing)
    {
        using var buffer = new MemoryStream();
        foreach (var publicKey in secretRing.GetPublicKeys())
        {
            publicKey.Encode(buffer, true);
        }
        return new PgpPublicKeyRing(buffer.ToArray());
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
