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
/// A parsed, checked public key block (gpg --armor --export): the primary key, its subkeys and the first valid user id,
/// each key judged by its own verified self-signature or binding (key flags, expiry, revocation, back-signature).
/// </summary>
internal sealed class OpenPgpCertificate(PgpPublicKeyRing ring, OpenPgpCertificate.SubjectKey primary, List<OpenPgpCertificate.SubjectKey> subkeys, string? userId)
{
    public SubjectKey Primary { get; } = primary;
    public List<SubjectKey> Subkeys { get; } = subkeys;
    public IEnumerable<SubjectKey> AllKeys => Subkeys.Prepend(Primary);

    public ProofKey ToProofKey()
    {
        var attributes = new Dictionary<string, string> { ["keyId"] = Primary.KeyId };
        if (userId is not null)
        {
            attributes["userId"] = userId;
        }
        var armored = OpenPgpArmor.Encode(output =>
        {
            foreach (var key in ring.GetPublicKeys())
            {
                key.Encode(output, true);
            }
        });
        return new ProofKey(ProofKind.OpenPgp, Primary.Fingerprint, armored, AlgorithmName(Primary.Key), attributes);
    }

    /// <summary>Reads one armored public key block (gpg --armor --export); refused with a reason unless it holds exactly one usable v4 key.</summary>
    public static OpenPgpCertificate Read(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Contains($"-----BEGIN PGP {OpenPgpArmor.SecretKeyLabel}-----", StringComparison.Ordinal))
        {
            throw Refuse("this is a secret key block; give the public key (gpg --armor --export), and keep the secret key to yourself");
        }
        var objects = OpenPgpArmor.ReadObjects(OpenPgpArmor.Decode(trimmed, OpenPgpArmor.PublicKeyLabel, "the public key"), "the public key");
        if (objects.OfType<PgpSecretKeyRing>().Any())
        {
            throw Refuse("this block holds a secret key; give the public key (gpg --armor --export), and keep the secret key to yourself");
        }
        var rings = objects.OfType<PgpPublicKeyRing>().ToList();
        if (rings.Count > 1)
        {
            throw Refuse($"the block holds {rings.Count} keys; give exactly one (gpg --armor --export <fingerprint>)");
        }
        if (rings.Count == 0 || objects.Count != 1)
        {
            throw Refuse("the block holds no OpenPGP public key");
        }
        return Analyse(rings[0]);
    }

    /// <summary>Judges each key of <paramref name="ring"/> by its verified self-signatures, bindings and revocations; refused unless one can sign.</summary>
    public static OpenPgpCertificate Analyse(PgpPublicKeyRing ring)
    {
        var primaryKey = ring.GetPublicKey();
        if (primaryKey.Version != PublicKeyPacket.Version4)
        {
            throw Refuse($"only version 4 OpenPGP keys are accepted (this is a version {primaryKey.Version} key)");
        }
        var primary = new SubjectKey(primaryKey, isPrimary: true);
        primary.Revocation = Revocation(primaryKey.GetSignaturesOfType(PgpSignature.KeyRevocation).Where(s => IssuerMayBe(s, primaryKey)),
            s => Holds(s, primaryKey, KeyPart(primaryKey)));
        if (primary.Revocation is { } revoked)
        {
            throw Refuse($"the primary key {primary.Fingerprint} is revoked ({revoked})");
        }

        var notes = new List<string>();
        string? userId = null;
        var selfSignatures = new List<PgpSignature>();
        foreach (var rawId in primaryKey.GetRawUserIds())
        {
            var sigs = primaryKey.GetSignaturesForId(rawId).Where(s => IssuerMayBe(s, primaryKey)).ToList();
            var certification = Newest(sigs.Where(s => PgpSignature.IsCertification(s.SignatureType)),
                s => VerifyUserIdSignature(s, primaryKey, rawId), notes, "self-signature");
            if (certification is null)
            {
                continue;
            }
            var idRevocation = sigs.Where(s => s.SignatureType == PgpSignature.CertificationRevocation && s.CreationTime >= certification.CreationTime)
                .Any(s => Verifies(() => VerifyUserIdSignature(s, primaryKey, rawId)));
            if (idRevocation)
            {
                continue;
            }
            userId ??= Encoding.UTF8.GetString(rawId);
            selfSignatures.Add(certification);
        }
        var directKey = Newest(primaryKey.GetSignaturesOfType(PgpSignature.DirectKey).Where(s => IssuerMayBe(s, primaryKey)),
            s => VerifyDirectKeySignature(s, primaryKey), notes, "direct-key signature");
        if (directKey is not null)
        {
            selfSignatures.Add(directKey);
        }
        var selfSignature = selfSignatures.OrderByDescending(s => s.CreationTime).FirstOrDefault();
        if (selfSignature is null)
        {
            throw Refuse("the key has no valid self-signature (a user id or direct-key signature made by the primary key)"
                + (notes.Count > 0 ? ": " + string.Join("; ", notes.Distinct()) : string.Empty));
        }
        primary.ApplyBinding(selfSignature, backSignatureProblem: null);

        var subkeys = new List<SubjectKey>();
        foreach (var subkeyKey in ring.GetPublicKeys().Skip(1))
        {
            subkeys.Add(AnalyseSubkey(primaryKey, subkeyKey));
        }

        var cert = new OpenPgpCertificate(ring, primary, subkeys, userId);
        if (!cert.AllKeys.Any(k => k.CanSign))
        {
            throw Refuse("no key in this block can sign: "
                + string.Join("; ", cert.AllKeys.Select(k => $"{k.Label}: {k.Revocation ?? k.CannotSign}")));
        }
        return cert;
    }

    private static SubjectKey AnalyseSubkey(PgpPublicKey primaryKey, PgpPublicKey subkeyKey)
    {
        var subkey = new SubjectKey(subkeyKey, isPrimary: false);
        if (subkeyKey.Version != PublicKeyPacket.Version4)
        {
            subkey.CannotSign = $"it is a version {subkeyKey.Version} key";
            return subkey;
        }
        var bySigner = subkeyKey.GetSignatures().Where(s => IssuerMayBe(s, primaryKey)).ToList();
        subkey.Revocation = Revocation(bySigner.Where(s => s.SignatureType == PgpSignature.SubkeyRevocation),
            s => Holds(s, primaryKey, KeyPart(primaryKey), KeyPart(subkeyKey)));
        var notes = new List<string>();
        var binding = Newest(bySigner.Where(s => s.SignatureType == PgpSignature.SubkeyBinding),
            s => Holds(s, primaryKey, KeyPart(primaryKey), KeyPart(subkeyKey)), notes, "binding signature");
        if (binding is null)
        {
            subkey.CannotSign = "it has no valid binding signature (type 0x18) from the primary key"
                + (notes.Count > 0 ? ": " + string.Join("; ", notes.Distinct()) : string.Empty);
            return subkey;
        }
        subkey.ApplyBinding(binding, BackSignatureProblem(binding, primaryKey, subkeyKey));
        return subkey;
    }

    // A signing subkey must sign the primary back (type 0x19), or anyone could bind our victim's subkey to their key.
    private static string? BackSignatureProblem(PgpSignature binding, PgpPublicKey primaryKey, PgpPublicKey subkeyKey)
    {
        var problem = "it has no primary key binding back-signature (type 0x19), so nothing shows it agreed to sign for this key";
        var embedded = new List<PgpSignature>();
        foreach (var vector in new[] { binding.GetHashedSubPackets(), binding.GetUnhashedSubPackets() })
        {
            if (vector?.GetEmbeddedSignatures() is { } list)
            {
                embedded.AddRange(Enumerable.Range(0, list.Count).Select(i => list[i]));
            }
        }
        foreach (var back in embedded.Where(s => s.SignatureType == PgpSignature.PrimaryKeyBinding))
        {
            if (!Verifies(() => Holds(back, subkeyKey, KeyPart(primaryKey), KeyPart(subkeyKey))))
            {
                problem = "its primary key binding back-signature (type 0x19) does not verify";
                continue;
            }
            if (HashRefusal(back.HashAlgorithm) is not null)
            {
                problem = $"its primary key binding back-signature uses {HashName(back.HashAlgorithm)}, which is refused";
                continue;
            }
            return null;
        }
        return problem;
    }

    private static PgpSignature? Newest(IEnumerable<PgpSignature> signatures, Func<PgpSignature, bool> verify, List<string> notes, string what)
    {
        PgpSignature? newest = null;
        foreach (var s in signatures)
        {
            if (s.Version != 4 || s.GetHashedSubPackets() is not { } hashed || !hashed.HasSignatureCreationTime() || UnknownCritical(s) is not null)
            {
                continue;
            }
            if (!Verifies(() => verify(s)))
            {
                continue;
            }
            if (HashRefusal(s.HashAlgorithm) is not null)
            {
                notes.Add($"a {what} uses {HashName(s.HashAlgorithm)}, which is refused; re-sign it with a current gpg");
                continue;
            }
            if (newest is null || s.CreationTime > newest.CreationTime)
            {
                newest = s;
            }
        }
        return newest;
    }

    // Revocations count whatever their hash: a weak hash can only make us refuse more.
    private static string? Revocation(IEnumerable<PgpSignature> revocations, Func<PgpSignature, bool> verify)
    {
        foreach (var s in revocations)
        {
            if (Verifies(() => verify(s)))
            {
                var reason = s.GetHashedSubPackets()?.GetRevocationReason()?.GetRevocationReason();
                return $"revoked on {Time(new DateTimeOffset(DateTime.SpecifyKind(s.CreationTime, DateTimeKind.Utc)))}, reason: {ReasonName(reason)}";
            }
        }
        return null;
    }

    private static string ReasonName(RevocationReasonTag? reason) => reason switch
    {
        RevocationReasonTag.KeySuperseded => "key superseded",
        RevocationReasonTag.KeyCompromised => "key compromised",
        RevocationReasonTag.KeyRetired => "key retired",
        RevocationReasonTag.UserNoLongerValid => "user id no longer valid",
        _ => "none given",
    };

    private static bool VerifyUserIdSignature(PgpSignature sig, PgpPublicKey primaryKey, byte[] rawId)
    {
        // Hash the raw user id bytes (not a decoded string) so a non-UTF-8 id still verifies as gpg made it.
        byte[] header = [0xB4, (byte)(rawId.Length >> 24), (byte)(rawId.Length >> 16), (byte)(rawId.Length >> 8), (byte)rawId.Length];
        return Holds(sig, primaryKey, KeyPart(primaryKey), header, rawId);
    }

    private static bool VerifyDirectKeySignature(PgpSignature sig, PgpPublicKey primaryKey) => Holds(sig, primaryKey, KeyPart(primaryKey));

    /// <summary>A key as it is hashed into a key signature (RFC 4880 5.2.4): 0x99, two-byte length, packet body.</summary>
    private static byte[] KeyPart(PgpPublicKey key)
    {
        var body = key.PublicKeyPacket.GetEncodedContents();
        return [0x99, (byte)(body.Length >> 8), (byte)body.Length, .. body];
    }

    private static bool Verifies(Func<bool> verify)
    {
        try
        {
            return verify();
        }
        catch (Exception ex) when (ex is PgpException or IOException or InvalidOperationException or ArgumentException or InvalidCastException)
        {
            return false;
        }
    }

    // Issuer subpackets are hints (the math decides), but a signature naming another issuer is a third party's.
    private static bool IssuerMayBe(PgpSignature sig, PgpPublicKey key)
    {
        foreach (var vector in new[] { sig.GetHashedSubPackets(), sig.GetUnhashedSubPackets() })
        {
            if (vector is null)
            {
                continue;
            }
            if (vector.GetIssuerFingerprint() is { } f && !f.GetFingerprint().AsSpan().SequenceEqual(key.GetFingerprint()))
            {
                return false;
            }
            if (vector.HasSubpacket(SignatureSubpacketTag.IssuerKeyId) && vector.GetIssuerKeyId() != key.KeyId)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The algorithm as a user names it: ed25519, rsa-3072, ecdsa-nistp256.</summary>
    public static string AlgorithmName(PgpPublicKey key) => key.Algorithm switch
    {
        PublicKeyAlgorithmTag.RsaGeneral or PublicKeyAlgorithmTag.RsaSign or PublicKeyAlgorithmTag.RsaEncrypt => $"rsa-{key.BitStrength}",
        PublicKeyAlgorithmTag.Dsa => $"dsa-{key.BitStrength}",
        PublicKeyAlgorithmTag.ElGamalEncrypt or PublicKeyAlgorithmTag.ElGamalGeneral => $"elgamal-{key.BitStrength}",
        PublicKeyAlgorithmTag.ECDsa => $"ecdsa-{CurveName(key)}",
        PublicKeyAlgorithmTag.ECDH => $"ecdh-{CurveName(key)}",
        PublicKeyAlgorithmTag.EdDsa_Legacy => CurveOf(key) switch
        {
            var oid when GnuObjectIdentifiers.Ed25519.Equals(oid) || EdECObjectIdentifiers.id_Ed25519.Equals(oid) => "ed25519",
            var oid when EdECObjectIdentifiers.id_Ed448.Equals(oid) => "ed448",
            _ => $"eddsa-{CurveName(key)}",
        },
        PublicKeyAlgorithmTag.Ed25519 => "ed25519",
        PublicKeyAlgorithmTag.Ed448 => "ed448",
        PublicKeyAlgorithmTag.X25519 => "x25519",
        PublicKeyAlgorithmTag.X448 => "x448",
        _ => $"algorithm-{(int)key.Algorithm}",
    };

    private static DerObjectIdentifier? CurveOf(PgpPublicKey key) => (key.PublicKeyPacket.Key as ECPublicBcpgKey)?.CurveOid;

    private static string CurveName(PgpPublicKey key) => CurveOf(key) switch
    {
        null => "unknown",
        var oid when SecObjectIdentifiers.SecP256r1.Equals(oid) => "nistp256",
        var oid when SecObjectIdentifiers.SecP384r1.Equals(oid) => "nistp384",
        var oid when SecObjectIdentifiers.SecP521r1.Equals(oid) => "nistp521",
        var oid when oid.Id == "1.3.6.1.4.1.3029.1.5.1" => "cv25519", // RFC 6637 bis legacy Curve25519 OID
        var oid => oid.Id,
    };

    /// <summary>Why this key's algorithm cannot make signatures we accept, or null.</summary>
    private static string? AlgorithmRefusal(PgpPublicKey key)
    {
        var name = AlgorithmName(key);
        return key.Algorithm switch
        {
            PublicKeyAlgorithmTag.RsaGeneral or PublicKeyAlgorithmTag.RsaSign =>
                key.BitStrength < 2048 ? $"RSA keys shorter than 2048 bits are refused ({name})" : null,
            PublicKeyAlgorithmTag.ECDsa =>
                name is "ecdsa-nistp256" or "ecdsa-nistp384" or "ecdsa-nistp521" ? null : $"ECDSA is accepted on NIST P-256, P-384 and P-521 only ({name})",
            PublicKeyAlgorithmTag.EdDsa_Legacy => name is "ed25519" ? null : $"EdDSA is accepted on Ed25519 only ({name})",
            PublicKeyAlgorithmTag.Ed25519 => "RFC 9580 Ed25519 (algorithm 27) is not supported by this build's BouncyCastle; use a gpg ed25519 (EdDSA) key",
            _ => $"{name} cannot make signatures DeIRF accepts (RSA, ECDSA on NIST curves, Ed25519)",
        };
    }

    /// <summary>One key of a certificate (the primary or a subkey) and what its self-signature or binding says about it.</summary>
    public sealed class SubjectKey
    {
        public SubjectKey(PgpPublicKey key, bool isPrimary)
        {
            Key = key;
            IsPrimary = isPrimary;
            Fingerprint = Convert.ToHexString(key.GetFingerprint());
            KeyId = KeyIdHex(key.KeyId);
            Created = new DateTimeOffset(DateTime.SpecifyKind(key.CreationTime, DateTimeKind.Utc));
            Label = isPrimary ? $"the primary key {KeyId}" : $"subkey {KeyId}";
        }

        public PgpPublicKey Key { get; }
        public bool IsPrimary { get; }
        public string Fingerprint { get; }
        public string KeyId { get; }
        public string Label { get; }
        public DateTimeOffset Created { get; }
        public DateTimeOffset? Expires { get; private set; }
        public string? Revocation { get; set; }
        public string? CannotSign { get; set; }
        public bool CanSign => Revocation is null && CannotSign is null;

        public DateTimeOffset? ExpiredAt(DateTimeOffset at) => Expires is { } e && at >= e ? e : null;

        /// <summary>Takes flags and expiry from the newest valid self-signature (primary) or binding (subkey).</summary>
        public void ApplyBinding(PgpSignature binding, string? backSignatureProblem)
        {
            var hashed = binding.GetHashedSubPackets();
            var lifetime = hashed.GetKeyExpirationTime();
            Expires = lifetime > 0 ? Created.AddSeconds(lifetime) : null;
            CannotSign = AlgorithmRefusal(Key);
            if (CannotSign is not null)
            {
                return;
            }
            if (!hashed.HasSubpacket(SignatureSubpacketTag.KeyFlags))
            {
                CannotSign = IsPrimary ? "its self-signature carries no key flags" : "its binding signature carries no key flags";
                return;
            }
            if ((hashed.GetKeyFlags() & PgpKeyFlags.CanSign) == 0)
            {
                CannotSign = IsPrimary
                    ? $"its self-signature's key flags do not allow signing ({Flags(hashed.GetKeyFlags())})"
                    : $"its binding signature's key flags do not allow signing ({Flags(hashed.GetKeyFlags())})";
                return;
            }
            CannotSign = backSignatureProblem;
        }

        private static string Flags(int flags)
        {
            var names = new List<string>();
            if ((flags & PgpKeyFlags.CanCertify) != 0) names.Add("certify");
            if ((flags & PgpKeyFlags.CanEncryptCommunications) != 0) names.Add("encrypt communications");
            if ((flags & PgpKeyFlags.CanEncryptStorage) != 0) names.Add("encrypt storage");
            if ((flags & 0x20) != 0) names.Add("authenticate");
            return names.Count == 0 ? "no usage" : string.Join(", ", names);
        }
    }
}
