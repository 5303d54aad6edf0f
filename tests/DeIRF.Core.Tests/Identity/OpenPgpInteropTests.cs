using System.Globalization;
using System.Text;
using DeIRF.Identity;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Org.BouncyCastle.Security;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>
/// OpenPGP proofs against the real gpg: keys are generated per test run in a throwaway GNUPGHOME; what gpg will not
/// make (a signature by an encryption subkey, a subkey without back-signature) is built with BouncyCastle from the
/// gpg-made secret key, so the key block under test is still gpg's.
/// </summary>
public sealed class OpenPgpInteropTests : IClassFixture<OpenPgpInteropTests.SharedKeys>, IDisposable
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"incident\":\"INC-7\",\"kind\":\"proposal.sign\",\"nonce\":\"5f1c\"}\n");

    private readonly SharedKeys shared;
    private readonly List<Gpg> homes = [];

    public OpenPgpInteropTests(SharedKeys shared) => this.shared = shared;

    // xUnit makes one instance per test and theory row, and disposes it however the row ended.
    public void Dispose()
    {
        foreach (var home in homes)
        {
            home.Dispose();
        }
    }

    // ---- parsing ----

    [SkippableTheory]
    [InlineData("ed25519", "ed25519")]
    [InlineData("rsa3072", "rsa-3072")]
    [InlineData("nistp256", "ecdsa-nistp256")]
    [InlineData("nistp384", "ecdsa-nistp384")]
    [InlineData("nistp521", "ecdsa-nistp521")]
    public void ParsePublicKey_FingerprintAlgorithmAndUserIdMatchGpg(string gpgAlgorithm, string expectedAlgorithm)
    {
        var gpg = shared.Home;
        var k = shared.Key(gpgAlgorithm);

        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));

        Assert.Equal(k.Fingerprint, key.Fingerprint);
        Assert.Matches("^[0-9A-F]{40}$", key.Fingerprint);
        Assert.Equal(expectedAlgorithm, key.Algorithm);
        Assert.Equal(k.UserId, key.Attributes["userId"]);
        Assert.Equal(k.Fingerprint[^16..], key.Attributes["keyId"]);
        // The normalised block is still a key gpg reads, with the same fingerprint.
        using var other = new Gpg();
        other.RunOk(["--import"], stdin: key.PublicKey);
        Assert.Equal(k.Fingerprint, other.Fingerprints(k.Fingerprint)[0]);
    }

    [SkippableFact]
    public void PublicKeyOf_ExportedSecretKey_IsTheGpgPublicKey()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        using var secret = new PrivateKeyMaterial(Encoding.ASCII.GetBytes(gpg.ExportSecret(k.Fingerprint)));

        var publicText = Signatures.SignerFor(ProofKind.OpenPgp).PublicKeyOf(secret);

        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, publicText);
        Assert.Equal(k.Fingerprint, key.Fingerprint);
        Assert.DoesNotContain("PRIVATE", publicText, StringComparison.Ordinal);
    }

    // ---- gpg signs, DeIRF verifies ----

    [SkippableTheory]
    [InlineData("ed25519")]
    [InlineData("rsa3072")]
    [InlineData("nistp256")]
    [InlineData("nistp384")]
    [InlineData("nistp521")]
    public void GpgSignature_VerifiesInDeirf(string gpgAlgorithm)
    {
        var gpg = shared.Home;
        var k = shared.Key(gpgAlgorithm);
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        var check = Signatures.Verify(key, Payload, gpg.DetachSign(k.Fingerprint, Payload));

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(k.Fingerprint, check.Fingerprint);
        Assert.NotNull(check.SignedAt);
        Assert.InRange(check.SignedAt!.Value, before.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Equal(k.Fingerprint[^16..], check.Details!["keyId"]);
    }

    [SkippableFact]
    public void GpgSignatureWithWindowsLineEndings_VerifiesInDeirf()
    {
        // A signature file that went through a Windows editor or git autocrlf is the same signature.
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint).Replace("\n", "\r\n", StringComparison.Ordinal));

        var check = Signatures.Verify(key, Payload, gpg.DetachSign(k.Fingerprint, Payload).Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.True(check.IsValid, check.Reason);
    }

    [SkippableFact]
    public void SigningSubkey_GpgSignature_VerifiesInDeirf()
    {
        using var gpg = new Gpg();
        var fpr = gpg.GenerateKey("Sub Signer <sub@example.org>", "ed25519", "cert", "1y");
        var subFpr = gpg.AddSubkey(fpr, "ed25519", "sign");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));

        var check = Signatures.Verify(key, Payload, gpg.DetachSign(subFpr, Payload));

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(fpr, check.Fingerprint);
        Assert.Equal(subFpr[^16..], check.Details!["keyId"]);
        Assert.Equal(subFpr, check.Details["signingKeyFingerprint"]);
    }

    // ---- DeIRF signs, gpg verifies ----

    [SkippableTheory]
    [InlineData("ed25519")]
    [InlineData("rsa3072")]
    [InlineData("nistp256")]
    [InlineData("nistp384")]
    [InlineData("nistp521")]
    public void DeirfSignature_VerifiesWithGpg(string gpgAlgorithm)
    {
        var gpg = shared.Home;
        var k = shared.Key(gpgAlgorithm);
        using var secret = new PrivateKeyMaterial(Encoding.ASCII.GetBytes(gpg.ExportSecret(k.Fingerprint)));

        var signature = Signatures.SignerFor(ProofKind.OpenPgp).Sign(Payload, secret);

        Assert.StartsWith("-----BEGIN PGP SIGNATURE-----", signature, StringComparison.Ordinal);
        var (exit, stderr) = gpg.VerifyDetached(signature, Payload);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Good signature", stderr, StringComparison.Ordinal);
        Assert.Contains(k.Fingerprint, stderr, StringComparison.Ordinal);
        var packets = gpg.ListPackets(signature);
        Assert.Contains("sigclass 0x00", packets, StringComparison.Ordinal);
        Assert.Matches(@"hashed subpkt 33 len 21 \(issuer fpr v4 " + k.Fingerprint + @"\)", packets);
        Assert.Matches(@"hashed subpkt 2 len 4 \(sig created", packets);
        Assert.Matches(gpgAlgorithm is "nistp384" or "nistp521" ? "digest algo 10," : "digest algo 8,", packets); // SHA-512 or SHA-256
        // And DeIRF agrees with itself.
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        Assert.True(Signatures.Verify(key, Payload, signature).IsValid);
    }

    [SkippableFact]
    public void DeirfSigner_UsesTheSigningSubkey_AndGpgVerifies()
    {
        using var gpg = new Gpg();
        var fpr = gpg.GenerateKey("Sub Signer <sub@example.org>", "ed25519", "cert", "1y");
        var subFpr = gpg.AddSubkey(fpr, "ed25519", "sign");
        using var secret = new PrivateKeyMaterial(Encoding.ASCII.GetBytes(gpg.ExportSecret(fpr)));

        var signature = Signatures.SignerFor(ProofKind.OpenPgp).Sign(Payload, secret);

        var (exit, stderr) = gpg.VerifyDetached(signature, Payload);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Good signature", stderr, StringComparison.Ordinal);
        var check = Signatures.Verify(Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr)), Payload, signature);
        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(subFpr[^16..], check.Details!["keyId"]);
    }

    [SkippableFact]
    public void DeirfSignature_WithPassphraseProtectedKey_VerifiesWithGpg()
    {
        using var gpg = new Gpg();
        var fpr = gpg.GenerateKey("Protected <protected@example.org>", "ed25519", "sign", "1y", passphrase: "correct horse");
        var armored = Encoding.ASCII.GetBytes(gpg.ExportSecret(fpr, passphrase: "correct horse"));
        using var secret = new PrivateKeyMaterial(armored, "correct horse".ToCharArray(), "test key");

        var signature = Signatures.SignerFor(ProofKind.OpenPgp).Sign(Payload, secret);

        var (exit, stderr) = gpg.VerifyDetached(signature, Payload);
        Assert.True(exit == 0, stderr);
    }

    [SkippableFact]
    public void Sign_WithWrongPassphrase_IsRefused()
    {
        using var gpg = new Gpg();
        var fpr = gpg.GenerateKey("Protected <protected@example.org>", "ed25519", "sign", "1y", passphrase: "correct horse");
        var armored = Encoding.ASCII.GetBytes(gpg.ExportSecret(fpr, passphrase: "correct horse"));
        using var wrong = new PrivateKeyMaterial((byte[])armored.Clone(), "battery staple".ToCharArray(), "alice.key");
        using var none = new PrivateKeyMaterial((byte[])armored.Clone(), null, "alice.key");
        var signer = Signatures.SignerFor(ProofKind.OpenPgp);

        var wrongEx = Assert.Throws<InvalidProofException>(() => signer.Sign(Payload, wrong));
        var noneEx = Assert.Throws<InvalidProofException>(() => signer.Sign(Payload, none));

        Assert.Equal("the passphrase does not unlock the secret key from alice.key", wrongEx.Reason);
        Assert.Equal("the secret key from alice.key is protected by a passphrase; give the passphrase with it", noneEx.Reason);
        Assert.DoesNotContain("battery", wrongEx.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Sign_WithPublicKeyInsteadOfSecretKey_IsRefused()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        using var material = new PrivateKeyMaterial(Encoding.ASCII.GetBytes(gpg.ExportPublic(k.Fingerprint)), null, "alice.asc");

        var ex = Assert.Throws<InvalidProofException>(() => Signatures.SignerFor(ProofKind.OpenPgp).Sign(Payload, material));

        Assert.Equal("the key from alice.asc is a public key; signing needs the secret key (gpg --armor --export-secret-keys)", ex.Reason);
    }

    // ---- refused signatures: each names the reason a responder reads in the quorum verdict ----

    /// <summary>Every way a signature must be refused, by name; each row builds its key and signature and says why DeIRF refuses it.</summary>
    private static readonly Dictionary<string, Func<OpenPgpInteropTests, SignatureRefusal>> SignatureRefusals = new()
    {
        [nameof(TamperedPayload)] = t => t.TamperedPayload(),
        [nameof(Sha1Signature)] = t => t.Sha1Signature(),
        [nameof(TextModeSignature)] = t => t.TextModeSignature(),
        [nameof(ClearSignedMessage)] = t => t.ClearSignedMessage(),
        [nameof(SignatureByEncryptionOnlySubkey)] = t => t.SignatureByEncryptionOnlySubkey(),
        [nameof(SignatureByCertifyOnlyPrimaryKey)] = t => t.SignatureByCertifyOnlyPrimaryKey(),
        [nameof(SigningSubkeyWithoutBackSignature)] = t => t.SigningSubkeyWithoutBackSignature(),
        [nameof(SigningSubkeyWithBackSignatureByAnotherKey)] = t => t.SigningSubkeyWithBackSignatureByAnotherKey(),
        [nameof(SubkeyWithForgedBinding)] = t => t.SubkeyWithForgedBinding(),
        [nameof(ExpiredKey)] = t => t.ExpiredKey(),
        [nameof(SignatureDatedAfterKeyExpiry)] = t => t.SignatureDatedAfterKeyExpiry(),
        [nameof(ExpiredSignature)] = t => t.ExpiredSignature(),
        [nameof(SignatureFromTheFuture)] = t => t.SignatureFromTheFuture(),
        [nameof(RevokedKey)] = t => t.RevokedKey(),
        [nameof(RevokedSigningSubkey)] = t => t.RevokedSigningSubkey(),
        [nameof(SignatureFromDifferentKey)] = t => t.SignatureFromDifferentKey(),
        [nameof(FlippedBitInsideSignatureArmor)] = t => t.FlippedBitInsideSignatureArmor(),
        [nameof(StoredKeyBlockNotMatchingFingerprint)] = t => t.StoredKeyBlockNotMatchingFingerprint(),
    };

    public static TheoryData<string> SignatureRefusalNames => new(SignatureRefusals.Keys);

    [SkippableTheory]
    [MemberData(nameof(SignatureRefusalNames))]
    public void RefusedSignature_NamesTheReason(string scenario)
    {
        var refusal = SignatureRefusals[scenario](this);

        var check = Signatures.Verify(refusal.Key, refusal.Payload, refusal.Signature, refusal.Context);

        Assert.False(check.IsValid);
        refusal.Reason.AssertIs(check.Reason);
        if (refusal.ValidIn is { } validIn)
        {
            // The same signature is good at another time: what is refused is the time, not the signature.
            Assert.True(Signatures.Verify(refusal.Key, refusal.Payload, refusal.Signature, validIn).IsValid);
        }
    }

    private SignatureRefusal TamperedPayload()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        var signature = gpg.DetachSign(k.Fingerprint, Payload);
        var tampered = (byte[])Payload.Clone();
        tampered[5] ^= 0x01;

        return new(key, signature, $"bad signature: the payload is not what the primary key {k.Fingerprint[^16..]} signed (the payload or the signature was changed)")
        {
            Payload = tampered,
        };
    }

    private SignatureRefusal Sha1Signature()
    {
        var gpg = shared.Home;
        var k = shared.Key("rsa3072");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        // gpg 2.2 still makes SHA-1 data signatures on request; a gpg that refuses gets one built by BouncyCastle instead.
        var signature = gpg.TryDetachSign(k.Fingerprint, Payload, "--digest-algo", "SHA1");
        if (signature is null || Bc.ReadSignature(signature).HashAlgorithm != HashAlgorithmTag.Sha1)
        {
            signature = gpg.TryDetachSign(k.Fingerprint, Payload, "--allow-weak-digest-algos", "--digest-algo", "SHA1");
        }
        if (signature is null || Bc.ReadSignature(signature).HashAlgorithm != HashAlgorithmTag.Sha1)
        {
            var secretKey = Bc.ReadSecretRing(gpg.ExportSecret(k.Fingerprint)).GetSecretKey();
            signature = Bc.Sign(secretKey.PublicKey, secretKey.ExtractPrivateKeyUtf8([]), Payload, HashAlgorithmTag.Sha1);
        }
        Assert.Equal(HashAlgorithmTag.Sha1, Bc.ReadSignature(signature).HashAlgorithm);

        return new(key, signature, "SHA-1 signatures are refused");
    }

    private SignatureRefusal TextModeSignature()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));

        return new(key, gpg.DetachSign(k.Fingerprint, Payload, "--textmode"),
            "text-mode signatures (gpg --textmode or --clearsign) are refused; sign with gpg --detach-sign --armor");
    }

    private SignatureRefusal ClearSignedMessage()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        var clearSigned = gpg.RunOk(["--passphrase", "", "--local-user", k.Fingerprint + "!", "--clearsign"], stdin: Encoding.UTF8.GetString(Payload)).Stdout;

        return new(key, clearSigned, "this is a clear-signed message (gpg --clearsign); sign with gpg --detach-sign --armor");
    }

    private SignatureRefusal SignatureByEncryptionOnlySubkey()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Encryptor <enc@example.org>", "ed25519", "sign", "1y");
        // An RSA subkey could sign mathematically; only its binding's key flags (encrypt) forbid it. gpg will not sign with it.
        var encFpr = gpg.AddSubkey(fpr, "rsa2048", "encr");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));
        var secretRing = Bc.ReadSecretRing(gpg.ExportSecret(fpr));
        var encSecret = secretRing.GetSecretKey(Bc.KeyIdOf(encFpr));
        var signature = Bc.Sign(encSecret.PublicKey, encSecret.ExtractPrivateKeyUtf8([]), Payload);

        return new(key, signature, $"subkey {encFpr[^16..]} cannot sign: its binding signature's key flags do not allow signing (encrypt communications, encrypt storage)");
    }

    private SignatureRefusal SignatureByCertifyOnlyPrimaryKey()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Certifier <cert@example.org>", "ed25519", "cert", "1y");
        gpg.AddSubkey(fpr, "ed25519", "sign");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));
        var primarySecret = Bc.ReadSecretRing(gpg.ExportSecret(fpr)).GetSecretKey();
        var signature = Bc.Sign(primarySecret.PublicKey, primarySecret.ExtractPrivateKeyUtf8([]), Payload);

        return new(key, signature, $"the primary key {fpr[^16..]} cannot sign: its self-signature's key flags do not allow signing (certify)");
    }

    [SkippableFact]
    public void SigningSubkeyWithBackSignature_BuiltByBouncyCastle_Verifies()
    {
        // The control for the back-signature rows of RefusedSignature_NamesTheReason: the same construction with a good back-signature is accepted.
        var (key, signature, subKeyId) = BuildKeyWithBcSigningSubkey(BackSignature.Valid);

        var check = Signatures.Verify(key, Payload, signature);

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(subKeyId, check.Details!["keyId"]);
    }

    private SignatureRefusal SigningSubkeyWithoutBackSignature()
    {
        var (key, signature, subKeyId) = BuildKeyWithBcSigningSubkey(BackSignature.None);

        return new(key, signature, $"subkey {subKeyId} cannot sign: it has no primary key binding back-signature (type 0x19), so nothing shows it agreed to sign for this key");
    }

    private SignatureRefusal SigningSubkeyWithBackSignatureByAnotherKey()
    {
        var (key, signature, subKeyId) = BuildKeyWithBcSigningSubkey(BackSignature.ByAnotherKey);

        return new(key, signature, $"subkey {subKeyId} cannot sign: its primary key binding back-signature (type 0x19) does not verify");
    }

    private SignatureRefusal SubkeyWithForgedBinding()
    {
        // A binding signature whose bytes were altered: the subkey is not bound to the primary key at all.
        var (key, signature, subKeyId) = BuildKeyWithBcSigningSubkey(BackSignature.Valid, corruptBinding: true);

        return new(key, signature, $"subkey {subKeyId} cannot sign: it has no valid binding signature (type 0x18) from the primary key");
    }

    private SignatureRefusal ExpiredKey()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Short Lived <short@example.org>", "ed25519", "sign", "1d");
        var expires = gpg.PrimaryExpiry(fpr)!.Value;
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));
        var signature = gpg.DetachSign(fpr, Payload);

        return new(key, signature, $"the primary key {fpr[^16..]} expired at {Time(expires)}")
        {
            Context = new VerificationContext { Clock = new FixedClock(expires.AddDays(1)) },
            ValidIn = VerificationContext.Default,
        };
    }

    private SignatureRefusal SignatureDatedAfterKeyExpiry()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Short Lived <short@example.org>", "ed25519", "sign", "1d");
        var expires = gpg.PrimaryExpiry(fpr)!.Value;
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));
        // gpg will not sign with an expired key, so the late signature is made with BouncyCastle from gpg's secret key.
        var secretKey = Bc.ReadSecretRing(gpg.ExportSecret(fpr)).GetSecretKey();
        var signedAt = expires.AddHours(1);
        var signature = Bc.Sign(secretKey.PublicKey, secretKey.ExtractPrivateKeyUtf8([]), Payload, created: signedAt.UtcDateTime);

        return new(key, signature, $"the primary key {fpr[^16..]} had expired at {Time(expires)}, before the signature was made ({Time(signedAt)})")
        {
            Context = new VerificationContext { Clock = new FixedClock(signedAt.AddMinutes(1)) },
        };
    }

    private SignatureRefusal ExpiredSignature()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        var signature = gpg.DetachSign(k.Fingerprint, Payload, "--default-sig-expire", "1d");
        var signedAt = new DateTimeOffset(Bc.ReadSignature(signature).CreationTime, TimeSpan.Zero);

        return new(key, signature, $"the signature expired at {Time(signedAt.AddDays(1))}")
        {
            Context = new VerificationContext { Clock = new FixedClock(signedAt.AddDays(2)) },
            ValidIn = VerificationContext.Default,
        };
    }

    private SignatureRefusal SignatureFromTheFuture()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        var future = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddHours(6);
        var signature = gpg.DetachSign(k.Fingerprint, Payload, "--faked-system-time", future.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "!");
        var now = future.AddHours(-6);

        return new(key, signature, $"the signature's creation time {Time(future)} is in the future (now {Time(now)})")
        {
            Context = new VerificationContext { Clock = new FixedClock(now) },
            // Within the allowed clock skew the same signature is fine.
            ValidIn = new VerificationContext { Clock = new FixedClock(future.AddMinutes(-1)) },
        };
    }

    private SignatureRefusal RevokedKey()
    {
        // The stored proof predates the revocation; the block it is checked against now carries it.
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Revoked <revoked@example.org>", "ed25519", "sign", "1y");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));
        var signature = gpg.DetachSign(fpr, Payload);
        gpg.ImportRevocationCertificate(fpr);
        var revokedBlock = gpg.ExportPublic(fpr);

        return new(key with { PublicKey = revokedBlock }, signature, Reason.Matching(RevokedPrimaryPattern(fpr)));
    }

    private SignatureRefusal RevokedSigningSubkey()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Sub Revoked <subrev@example.org>", "ed25519", "sign", "1y");
        var subFpr = gpg.AddSubkey(fpr, "ed25519", "sign");
        var signature = gpg.DetachSign(subFpr, Payload);
        gpg.RevokeSubkey(fpr, subFpr);
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(fpr));

        return new(key, signature, Reason.Matching($"^subkey {subFpr[^16..]} is revoked \\(revoked on [^,]+ UTC, reason: none given\\)$"));
    }

    private SignatureRefusal SignatureFromDifferentKey()
    {
        var gpg = shared.Home;
        var alice = shared.Key("ed25519");
        var bob = shared.Key("rsa3072");
        var aliceKey = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(alice.Fingerprint));

        return new(aliceKey, gpg.DetachSign(bob.Fingerprint, Payload),
            $"the signature was made by key {bob.Fingerprint}, which is not part of this proof's key {alice.Fingerprint}");
    }

    private SignatureRefusal FlippedBitInsideSignatureArmor()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));
        var lines = gpg.DetachSign(k.Fingerprint, Payload).Split('\n');
        var body = Array.FindIndex(lines, l => l.Length == 0) + 1;
        var chars = lines[body].ToCharArray();
        chars[^3] = chars[^3] == 'A' ? 'B' : 'A';
        lines[body] = new string(chars);

        return new(key, string.Join('\n', lines), "the armor of the signature is damaged (bad base64 or checksum)");
    }

    private SignatureRefusal StoredKeyBlockNotMatchingFingerprint()
    {
        var gpg = shared.Home;
        var alice = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(shared.Key("ed25519").Fingerprint));
        var bob = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(shared.Key("rsa3072").Fingerprint));

        return new(alice with { PublicKey = bob.PublicKey }, gpg.DetachSign(bob.Fingerprint, Payload),
            $"the proof's key block holds key {bob.Fingerprint}, not its fingerprint {alice.Fingerprint}");
    }

    // ---- refused key blocks ----

    /// <summary>Every way a key block must be refused at bind time, by name; each row builds the block and says why DeIRF refuses it.</summary>
    private static readonly Dictionary<string, Func<OpenPgpInteropTests, KeyBlockRefusal>> KeyBlockRefusals = new()
    {
        [nameof(SecretKeyBlockGivenAsPublicKey)] = t => t.SecretKeyBlockGivenAsPublicKey(),
        [nameof(SecretKeyBlockRelabelledAsPublicKey)] = t => t.SecretKeyBlockRelabelledAsPublicKey(),
        [nameof(RevokedKeyBlock)] = t => t.RevokedKeyBlock(),
        [nameof(MultipleKeysInOneBlock)] = t => t.MultipleKeysInOneBlock(),
        [nameof(KeyWithoutAnySigningKey)] = t => t.KeyWithoutAnySigningKey(),
        [nameof(KeyWhoseOnlySelfSignatureIsSha1)] = t => t.KeyWhoseOnlySelfSignatureIsSha1(),
        [nameof(Rsa1024Key)] = t => t.Rsa1024Key(),
        [nameof(NativeEd25519V4Key)] = t => t.NativeEd25519V4Key(),
    };

    public static TheoryData<string> KeyBlockRefusalNames => new(KeyBlockRefusals.Keys);

    [SkippableTheory]
    [MemberData(nameof(KeyBlockRefusalNames))]
    public void RefusedKeyBlock_NamesTheReason(string scenario)
    {
        var refusal = KeyBlockRefusals[scenario](this);

        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.OpenPgp, refusal.KeyBlock));

        refusal.Reason.AssertIs(ex.Reason);
        foreach (var line in (refusal.SecretNotToEcho ?? string.Empty).Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, ex.Message, StringComparison.Ordinal);
        }
    }

    private KeyBlockRefusal SecretKeyBlockGivenAsPublicKey()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var secret = gpg.ExportSecret(k.Fingerprint);

        return new(secret, "this is a secret key block; give the public key (gpg --armor --export), and keep the secret key to yourself")
        {
            SecretNotToEcho = secret,
        };
    }

    private KeyBlockRefusal SecretKeyBlockRelabelledAsPublicKey()
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var secret = gpg.ExportSecret(k.Fingerprint);
        // Relabelled armor: the packets inside are still secret, and must be recognised as such.
        var relabelled = secret.Replace("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK", StringComparison.Ordinal);

        return new(relabelled, "this block holds a secret key; give the public key (gpg --armor --export), and keep the secret key to yourself")
        {
            SecretNotToEcho = secret,
        };
    }

    private KeyBlockRefusal RevokedKeyBlock()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Revoked <revoked@example.org>", "ed25519", "sign", "1y");
        gpg.ImportRevocationCertificate(fpr);

        return new(gpg.ExportPublic(fpr), Reason.Matching(RevokedPrimaryPattern(fpr)));
    }

    private KeyBlockRefusal MultipleKeysInOneBlock()
    {
        var gpg = shared.Home;
        var both = gpg.RunOk(["--armor", "--export", shared.Key("ed25519").Fingerprint, shared.Key("rsa3072").Fingerprint]).Stdout;

        return new(both, "the block holds 2 keys; give exactly one (gpg --armor --export <fingerprint>)");
    }

    private KeyBlockRefusal KeyWithoutAnySigningKey()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("No Signer <nosign@example.org>", "ed25519", "cert", "1y");
        var encFpr = gpg.AddSubkey(fpr, "cv25519", "encr");

        return new(gpg.ExportPublic(fpr), $"no key in this block can sign: the primary key {fpr[^16..]}: its self-signature's key flags do not allow signing (certify); "
            + $"subkey {encFpr[^16..]}: ecdh-cv25519 cannot make signatures DeIRF accepts (RSA, ECDSA on NIST curves, Ed25519)");
    }

    private KeyBlockRefusal KeyWhoseOnlySelfSignatureIsSha1()
    {
        // A SHA-1 self-signature can be forged by a chosen-prefix collision ("SHA-1 is a Shambles", 2020), so it binds nothing.
        var gpg = NewHome();
        gpg.RunOk(["--passphrase", "", "--cert-digest-algo", "SHA1", "--quick-gen-key", "Old <old@example.org>", "ed25519", "sign", "1y"]);
        var fpr = gpg.Fingerprints("old@example.org")[0];

        return new(gpg.ExportPublic(fpr), "the key has no valid self-signature (a user id or direct-key signature made by the primary key): "
            + "a self-signature uses SHA-1, which is refused; re-sign it with a current gpg");
    }

    private KeyBlockRefusal Rsa1024Key()
    {
        var gpg = NewHome();
        var fpr = gpg.GenerateKey("Weak <weak@example.org>", "rsa1024", "sign", "1y");

        return new(gpg.ExportPublic(fpr), $"no key in this block can sign: the primary key {fpr[^16..]}: RSA keys shorter than 2048 bits are refused (rsa-1024)");
    }

    // RFC 9580 Ed25519 (algorithm 27) in a v4 key: gpg 2.2 cannot make one and BouncyCastle 2.7 cannot parse its
    // signature packets, so DeIRF refuses it with a reason instead of calling it malformed. No gpg needed.
    private KeyBlockRefusal NativeEd25519V4Key()
    {
        var (publicKeyText, native) = Bc.NativeEd25519Key("Native <native@example.org>");
        // The test's own algorithm-27 signer works, so the refusal is about reading the key, not a broken fixture.
        Assert.StartsWith("-----BEGIN PGP SIGNATURE-----", native.SignData(Payload), StringComparison.Ordinal);

        return new(publicKeyText, "the public key uses a signature algorithm this build cannot read (Ed25519); gpg ed25519 (EdDSA), RSA and NIST ECDSA keys are accepted");
    }

    private static string RevokedPrimaryPattern(string fingerprint)
        => $"^the primary key {fingerprint} is revoked \\(revoked on \\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, reason: none given\\)$";

    [Theory]
    [InlineData("", "the public key is not armored OpenPGP data (it must start with -----BEGIN PGP PUBLIC KEY BLOCK-----)")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVsbG8 alice", "the public key is not armored OpenPGP data (it must start with -----BEGIN PGP PUBLIC KEY BLOCK-----)")]
    [InlineData("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ", "the public key is truncated or has text after its END line")]
    [InlineData("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!! not base64 !!!!\n-----END PGP PUBLIC KEY BLOCK-----", "the armor of the public key is damaged (bad base64 or checksum)")]
    [InlineData("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAECAwQFBgcICQ==\n-----END PGP PUBLIC KEY BLOCK-----", "the public key could not be read: malformed OpenPGP packets")]
    [InlineData("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAQID\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----", "the armor of the public key is damaged (bad base64 or checksum)")]
    public void GarbageArmorAsPublicKey_IsRefused(string text, string reason)
    {
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.OpenPgp, text));

        Assert.Equal(reason, ex.Reason);
    }

    [SkippableTheory]
    [InlineData("not a signature at all", "the signature is not armored OpenPGP data (it must start with -----BEGIN PGP SIGNATURE-----)")]
    [InlineData("-----BEGIN PGP SIGNATURE-----\n\n%%%%\n-----END PGP SIGNATURE-----", "the armor of the signature is damaged (bad base64 or checksum)")]
    [InlineData("-----BEGIN PGP SIGNATURE-----\n\nAAECAwQFBgcICQ==\n-----END PGP SIGNATURE-----", "the signature could not be read: malformed OpenPGP packets")]
    [InlineData("-----BEGIN PGP MESSAGE-----\n\nAQID\n-----END PGP MESSAGE-----", "this is a signed message (gpg --sign), not a detached signature; sign with gpg --detach-sign --armor")]
    [InlineData("-----BEGIN PGP SIGNATURE-----\n\niQ", "the signature is truncated or has text after its END line")]
    public void GarbageArmorAsSignature_IsRefused(string signature, string reason)
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, gpg.ExportPublic(k.Fingerprint));

        var check = Signatures.Verify(key, Payload, signature);

        Assert.False(check.IsValid);
        Assert.Equal(reason, check.Reason);
    }

    private enum BackSignature
    {
        None,
        Valid,
        ByAnotherKey,
    }

    /// <summary>gpg's Ed25519 key plus a BouncyCastle-made Ed25519 signing subkey bound by gpg's primary secret key.</summary>
    private (ProofKey Key, string Signature, string SubKeyId) BuildKeyWithBcSigningSubkey(BackSignature backSignature, bool corruptBinding = false)
    {
        var gpg = shared.Home;
        var k = shared.Key("ed25519");
        var primarySecret = Bc.ReadSecretRing(gpg.ExportSecret(k.Fingerprint)).GetSecretKey();
        var primaryPrivate = primarySecret.ExtractPrivateKeyUtf8([]);
        var ring = Bc.ReadPublicRing(gpg.ExportPublic(k.Fingerprint));
        var (subkey, subPrivate) = Bc.NewEd25519Subkey();

        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetSignatureCreationTime(false, DateTime.UtcNow.AddMinutes(-1));
        hashed.SetKeyFlags(false, PgpKeyFlags.CanSign);
        hashed.SetIssuerFingerprint(false, ring.GetPublicKey());
        if (backSignature != BackSignature.None)
        {
            var (backSigner, backPrivate) = backSignature == BackSignature.Valid ? (subkey, subPrivate) : Bc.NewEd25519Subkey();
            var back = new PgpSignatureGenerator(PublicKeyAlgorithmTag.EdDsa_Legacy, HashAlgorithmTag.Sha256);
            back.InitSign(PgpSignature.PrimaryKeyBinding, backPrivate);
            var backHashed = new PgpSignatureSubpacketGenerator();
            backHashed.SetSignatureCreationTime(false, DateTime.UtcNow.AddMinutes(-1));
            backHashed.SetIssuerFingerprint(false, backSigner);
            back.SetHashedSubpackets(backHashed.Generate());
            hashed.AddEmbeddedSignature(false, back.GenerateCertification(ring.GetPublicKey(), subkey));
        }
        var binder = new PgpSignatureGenerator(ring.GetPublicKey().Algorithm, HashAlgorithmTag.Sha256);
        binder.InitSign(PgpSignature.SubkeyBinding, primaryPrivate);
        binder.SetHashedSubpackets(hashed.Generate());
        var binding = binder.GenerateCertification(ring.GetPublicKey(), subkey).GetEncoded();
        if (corruptBinding)
        {
            binding[^5] ^= 0x40;
        }

        var block = Bc.Armor(s =>
        {
            ring.Encode(s);
            subkey.Encode(s);
            s.Write(binding);
        });
        var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, block);
        return (key, Bc.Sign(subkey, subPrivate, Payload), subkey.KeyId.ToString("X16", CultureInfo.InvariantCulture));
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A throwaway GNUPGHOME of this test's own, deleted when the test ends.</summary>
    private Gpg NewHome()
    {
        var home = new Gpg();
        homes.Add(home);
        return home;
    }

    /// <summary>The reason a row expects: the exact text, or a pattern where the text holds a time gpg chose.</summary>
    private sealed record Reason(string Text, bool IsPattern)
    {
        public static implicit operator Reason(string exact) => new(exact, IsPattern: false);

        public static Reason Matching(string pattern) => new(pattern, IsPattern: true);

        public void AssertIs(string actual)
        {
            if (IsPattern)
            {
                Assert.Matches(Text, actual);
            }
            else
            {
                Assert.Equal(Text, actual);
            }
        }
    }

    /// <summary>A proof's key, a signature over <see cref="Payload"/> and why DeIRF must refuse it, checked in <see cref="Context"/>.</summary>
    private sealed record SignatureRefusal(ProofKey Key, string Signature, Reason Reason)
    {
        public byte[] Payload { get; init; } = OpenPgpInteropTests.Payload;

        /// <summary>The context of the check; null is the default one (the real clock).</summary>
        public VerificationContext? Context { get; init; }

        /// <summary>A context in which the same signature verifies, when the refusal is about time.</summary>
        public VerificationContext? ValidIn { get; init; }
    }

    /// <summary>A key block given to bind a proof and why DeIRF must refuse it; the refusal must not echo <see cref="SecretNotToEcho"/>.</summary>
    private sealed record KeyBlockRefusal(string KeyBlock, Reason Reason)
    {
        public string? SecretNotToEcho { get; init; }
    }

    /// <summary>Keys every test may read but none changes, generated once per run (RSA-3072 takes a while).</summary>
    public sealed class SharedKeys : IDisposable
    {
        private readonly Lazy<Gpg> home = new(() => new Gpg());
        private readonly Dictionary<string, (string Fingerprint, string UserId)> keys = new();
        private readonly object gate = new();

        /// <summary>The shared home; skips (or fails under CI) when gpg is missing.</summary>
        public Gpg Home
        {
            get
            {
                ExternalTool.Require("gpg");
                return home.Value;
            }
        }

        public (string Fingerprint, string UserId) Key(string gpgAlgorithm)
        {
            lock (gate)
            {
                if (!keys.TryGetValue(gpgAlgorithm, out var k))
                {
                    var userId = $"Responder {gpgAlgorithm} <{gpgAlgorithm}@example.org>";
                    // "future-default"-like layout: a signing primary plus an encryption subkey DeIRF must ignore.
                    var fpr = Home.GenerateKey(userId, gpgAlgorithm, "sign", "1y");
                    Home.AddSubkey(fpr, gpgAlgorithm switch { "ed25519" => "cv25519", "rsa3072" => "rsa2048", _ => gpgAlgorithm }, "encr");
                    k = (fpr, userId);
                    keys[gpgAlgorithm] = k;
                }
                return k;
            }
        }

        public void Dispose()
        {
            if (home.IsValueCreated)
            {
                home.Value.Dispose();
            }
        }
    }

    /// <summary>A throwaway GNUPGHOME; its agent is stopped and its directory (with every secret key) deleted on dispose.</summary>
    public sealed class Gpg : IDisposable
    {
        private readonly string gpg;
        private readonly string dir;
        private readonly Dictionary<string, string> environment;

        public Gpg()
        {
            gpg = ExternalTool.Require("gpg");
            dir = Directory.CreateTempSubdirectory("deirf-gpg-").FullName;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            environment = new Dictionary<string, string> { ["GNUPGHOME"] = dir, ["LC_ALL"] = "C", ["LANGUAGE"] = "C" };
        }

        public (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, string? stdin = null)
            => ExternalTool.Run(gpg, new[] { "--batch", "--no-tty", "--pinentry-mode", "loopback" }.Concat(args), dir, stdin, environment);

        public (int ExitCode, string Stdout, string Stderr) RunOk(IEnumerable<string> args, string? stdin = null)
        {
            var argList = args.ToList();
            var result = Run(argList, stdin);
            Assert.True(result.ExitCode == 0, $"gpg {string.Join(' ', argList.Where(a => a.Length < 80))} failed: {result.Stderr}");
            return result;
        }

        public string GenerateKey(string userId, string algorithm, string usage, string expire, string passphrase = "")
        {
            DeIRF.Testing.TestArtifacts.RegisterSecret("gpg passphrase", passphrase);
            RunOk(["--passphrase", passphrase, "--quick-gen-key", userId, algorithm, usage, expire]);
            return Fingerprints(userId)[0];
        }

        public string AddSubkey(string fingerprint, string algorithm, string usage)
        {
            RunOk(["--passphrase", "", "--quick-add-key", fingerprint, algorithm, usage, "1y"]);
            return Fingerprints(fingerprint)[^1];
        }

        /// <summary>Primary then subkey fingerprints, as gpg --with-colons --fingerprint prints them.</summary>
        public List<string> Fingerprints(string who)
            => RunOk(["--with-colons", "--fingerprint", "--fingerprint", who]).Stdout.Split('\n')
                .Where(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Select(l => l.Split(':')[9]).ToList();

        public DateTimeOffset? PrimaryExpiry(string fingerprint)
        {
            var pub = RunOk(["--with-colons", "--list-keys", fingerprint]).Stdout.Split('\n').First(l => l.StartsWith("pub:", StringComparison.Ordinal));
            var field = pub.Split(':')[6];
            return field.Length == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(long.Parse(field, CultureInfo.InvariantCulture));
        }

        public string ExportPublic(string fingerprint) => RunOk(["--armor", "--export", fingerprint]).Stdout;

        public string ExportSecret(string fingerprint, string passphrase = "")
        {
            var secret = RunOk(["--passphrase", passphrase, "--armor", "--export-secret-keys", fingerprint]).Stdout;
            DeIRF.Testing.TestArtifacts.RegisterKeyText("openpgp secret key", secret, ExportPublic(fingerprint));
            return secret;
        }

        public string DetachSign(string signingFingerprint, byte[] payload, params string[] extra)
            => TryDetachSign(signingFingerprint, payload, extra) ?? throw new InvalidOperationException($"gpg could not sign with {string.Join(' ', extra)}");

        public string? TryDetachSign(string signingFingerprint, byte[] payload, params string[] extra)
        {
            var payloadPath = Path.Combine(dir, "payload-" + Guid.NewGuid().ToString("N"));
            var signaturePath = payloadPath + ".asc";
            File.WriteAllBytes(payloadPath, payload);
            // The "!" pins exactly this (sub)key instead of letting gpg choose.
            var result = Run(new[] { "--passphrase", "" }.Concat(extra).Concat(["--local-user", signingFingerprint + "!", "--armor", "--detach-sign", "--output", signaturePath, payloadPath]));
            return result.ExitCode == 0 && File.Exists(signaturePath) ? File.ReadAllText(signaturePath) : null;
        }

        public (int ExitCode, string Stderr) VerifyDetached(string signature, byte[] payload)
        {
            var payloadPath = Path.Combine(dir, "payload-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(payloadPath, payload);
            File.WriteAllText(payloadPath + ".asc", signature);
            var result = Run(["--verify", payloadPath + ".asc", payloadPath]);
            return (result.ExitCode, result.Stderr);
        }

        public string ListPackets(string armored) => RunOk(["--list-packets"], stdin: armored).Stdout;

        /// <summary>Imports the revocation certificate gpg wrote at key generation (its armor is defused with a leading colon).</summary>
        public void ImportRevocationCertificate(string fingerprint)
        {
            var certificate = File.ReadAllText(Path.Combine(dir, "openpgp-revocs.d", fingerprint + ".rev"))
                .Replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal);
            RunOk(["--import"], stdin: certificate);
        }

        public void RevokeSubkey(string fingerprint, string subkeyFingerprint)
            => RunOk(["--passphrase", "", "--command-fd", "0", "--edit-key", fingerprint],
                stdin: $"key {subkeyFingerprint}\nrevkey\ny\n0\n\ny\nsave\n");

        public void Dispose()
        {
            try
            {
                ExternalTool.Run(Path.Combine(Path.GetDirectoryName(gpg)!, "gpgconf"), ["--kill", "gpg-agent"], dir, null, environment);
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
            {
                // No gpgconf: the agent exits on its own once its home is gone.
            }
            try
            {
                DeIRF.Testing.TestArtifacts.Delete(dir);
            }
            catch (IOException)
            {
                // An agent socket vanishing mid-delete; the temp directory is the test's only trace.
            }
        }
    }

    /// <summary>BouncyCastle builders for what gpg refuses to make.</summary>
    internal static class Bc
    {
        public static PgpSecretKeyRing ReadSecretRing(string armored)
            => new(PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(armored))));

        public static PgpPublicKeyRing ReadPublicRing(string armored)
            => new(PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(armored))));

        public static PgpSignature ReadSignature(string armored)
            => ((PgpSignatureList)new PgpObjectFactory(PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(armored)))).NextPgpObject())[0];

        public static long KeyIdOf(string fingerprint) => (long)ulong.Parse(fingerprint[^16..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

        public static string Sign(PgpPublicKey signer, PgpPrivateKey privateKey, byte[] payload, HashAlgorithmTag hash = HashAlgorithmTag.Sha256, DateTime? created = null)
        {
            var generator = new PgpSignatureGenerator(signer.Algorithm, hash);
            generator.InitSign(PgpSignature.BinaryDocument, privateKey);
            var hashed = new PgpSignatureSubpacketGenerator();
            hashed.SetSignatureCreationTime(false, created ?? DateTime.UtcNow);
            hashed.SetIssuerFingerprint(false, signer);
            generator.SetHashedSubpackets(hashed.Generate());
            generator.Update(payload);
            return Armor(generator.Generate().Encode);
        }

        public static string Armor(Action<Stream> write)
        {
            var buffer = new MemoryStream();
            using (var armored = new ArmoredOutputStream(buffer, false))
            {
                write(armored);
            }
            return Encoding.ASCII.GetString(buffer.ToArray());
        }

        /// <summary>A fresh EdDSA (legacy, as gpg writes) subkey packet and its private key.</summary>
        public static (PgpPublicKey Subkey, PgpPrivateKey Private) NewEd25519Subkey()
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            var created = DateTime.UtcNow.AddMinutes(-2);
            var keyPair = generator.GenerateKeyPair();
            DeIRF.Testing.TestArtifacts.RegisterSecretBytes("openpgp ed25519 secret", ((Ed25519PrivateKeyParameters)keyPair.Private).GetEncoded());
            var pair = new PgpKeyPair(PublicKeyAlgorithmTag.EdDsa_Legacy, keyPair, created);
            var subkey = new PgpPublicKey(new PublicSubkeyPacket(PublicKeyPacket.Version4, PublicKeyAlgorithmTag.EdDsa_Legacy, pair.PublicKey.CreationTime, pair.PublicKey.PublicKeyPacket.Key));
            return (subkey, pair.PrivateKey);
        }

        /// <summary>
        /// A v4 key of RFC 9580 algorithm 27 (Ed25519) with a positive self-certification allowing signing. BouncyCastle
        /// 2.7 cannot make algorithm-27 signatures, so the signature packets are assembled here byte by byte.
        /// </summary>
        public static (string PublicKeyText, NativeEd25519 Key) NativeEd25519Key(string userId)
        {
            var secret = new byte[Ed25519.SecretKeySize];
            new SecureRandom().NextBytes(secret);
            DeIRF.Testing.TestArtifacts.RegisterSecretBytes("openpgp ed25519 secret", secret);
            var raw = new byte[Ed25519.PublicKeySize];
            Ed25519.GeneratePublicKey(secret, 0, raw, 0);
            var packet = new PublicKeyPacket(PublicKeyPacket.Version4, PublicKeyAlgorithmTag.Ed25519, DateTime.UtcNow.AddMinutes(-2), new Ed25519PublicBcpgKey(raw));
            var key = new NativeEd25519(packet.GetEncodedContents(), new PgpPublicKey(packet).GetFingerprint(), secret);
            var id = Encoding.UTF8.GetBytes(userId);
            byte[] keyFlags = [PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify];
            var certification = key.SignPacket(PgpSignature.PositiveCertification, [.. key.HashedForm, 0xB4, .. BigEndian(id.Length), .. id],
                Subpacket(SignatureSubpacketTag.KeyFlags, keyFlags));
            return (Armor(s =>
            {
                s.Write(Packet(6, key.Body));
                s.Write(Packet(13, id));
                s.Write(certification);
            }), key);
        }

        /// <summary>An RFC 9580 Ed25519 key held in the test: signs the digest of data plus the v4 trailer.</summary>
        public sealed record NativeEd25519(byte[] Body, byte[] Fingerprint, byte[] Secret)
        {
            public byte[] HashedForm => [0x99, (byte)(Body.Length >> 8), (byte)Body.Length, .. Body];

            public string SignData(byte[] payload) => Armor(s => s.Write(SignPacket(PgpSignature.BinaryDocument, payload)));

            public byte[] SignPacket(int signatureType, byte[] signedData, params byte[][] extraHashed)
            {
                byte[] hashed = [.. Subpacket(SignatureSubpacketTag.CreationTime, BigEndian((int)DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds())),
                    .. Subpacket(SignatureSubpacketTag.IssuerFingerprint, [4, .. Fingerprint]), .. extraHashed.SelectMany(x => x)];
                byte[] head = [4, (byte)signatureType, (byte)PublicKeyAlgorithmTag.Ed25519, (byte)HashAlgorithmTag.Sha256, (byte)(hashed.Length >> 8), (byte)hashed.Length, .. hashed];
                var digest = System.Security.Cryptography.SHA256.HashData([.. signedData, .. head, 4, 0xFF, .. BigEndian(head.Length)]);
                var signature = new byte[Ed25519.SignatureSize];
                Ed25519.Sign(Secret, 0, digest, 0, digest.Length, signature, 0);
                byte[] unhashed = Subpacket(SignatureSubpacketTag.IssuerKeyId, Fingerprint[^8..]);
                return Packet(2, [.. head, (byte)(unhashed.Length >> 8), (byte)unhashed.Length, .. unhashed, digest[0], digest[1], .. signature]);
            }
        }

        private static byte[] Subpacket(SignatureSubpacketTag tag, byte[] data) => [(byte)(data.Length + 1), (byte)tag, .. data];

        private static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

        // New-format packet header; every packet here is shorter than 192 bytes.
        private static byte[] Packet(int tag, byte[] body) => body.Length < 192 ? [(byte)(0xC0 | tag), (byte)body.Length, .. body] : throw new ArgumentException("packet too long for this helper");
    }
}
