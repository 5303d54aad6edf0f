using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using static DeIRF.Identity.Verifiers.OpenPgpSignatureRules;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// An exported gpg secret key (gpg --armor --export-secret-keys, or the binary export) as a caller hands it in, able to
/// make the detached signatures gpg would make with it. Read for one call and dropped; only the caller's
/// <see cref="PrivateKeyMaterial"/> holds the key bytes and passphrase.
/// </summary>
internal sealed class OpenPgpSecretKey
{
    private readonly PgpSecretKeyRing secretRing;
    private readonly PrivateKeyMaterial material;

    private OpenPgpSecretKey(PgpSecretKeyRing secretRing, PrivateKeyMaterial material)
    {
        this.secretRing = secretRing;
        this.material = material;
        Certificate = OpenPgpCertificate.Analyse(PublicRingOf(secretRing));
    }

    /// <summary>The public part, judged as a proof's key block is: refused when no key in it can sign.</summary>
    public OpenPgpCertificate Certificate { get; }

    /// <summary>Reads one exported secret key, armored or binary; refused with a reason (a public key, several keys, damaged packets).</summary>
    public static OpenPgpSecretKey Read(PrivateKeyMaterial material) => new(ReadSecretRing(material), material);

    /// <summary>A binary detached signature over <paramref name="payload"/>, armored, as gpg --detach-sign --armor makes it.</summary>
    public string Sign(ReadOnlySpan<byte> payload)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // Like gpg: the newest usable signing subkey first, the primary key last.
        var candidates = Certificate.Subkeys.Where(k => k.CanSign).OrderByDescending(k => k.Created).ToList();
        if (Certificate.Primary.CanSign)
        {
            candidates.Add(Certificate.Primary);
        }
        if (Certificate.Primary.ExpiredAt(now) is { } primaryExpired)
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
            var privateKey = Unlock(secret, material);
            if (privateKey is null)
            {
                refusals.Add($"{candidate.Label} has no secret part in this export");
                continue;
            }
            return SignWith(candidate.Key, privateKey, payload, now);
        }
        refusals.AddRange(Certificate.AllKeys.Where(k => !k.CanSign).Select(k => $"{k.Label} cannot sign: {k.CannotSign}"));
        throw Refuse("no key in this secret key can sign: " + string.Join("; ", refusals));
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
}
