using System.Security.Cryptography;
using System.Text;
using DeIRF.Identity;
using DeIRF.Identity.Verifiers;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>
/// SSH proofs against the real ssh-keygen (and git for signed commits). Every key and certificate is made by
/// ssh-keygen at test time in a throwaway folder, deleted when the test class is done; what ssh-keygen will not make
/// (an ssh-rsa SHA-1 SSHSIG, a blob whose embedded key was swapped) is built from ssh-keygen's own output.
/// </summary>
public sealed class SshInteropTests : IClassFixture<SshInteropTests.SshKeys>
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"incident\":\"INC-7\",\"kind\":\"proposal.sign\",\"nonce\":\"5f1c\"}\n");

    private readonly SshKeys keys;

    public SshInteropTests(SshKeys keys) => this.keys = keys;

    private static IProofSigner Signer => Signatures.SignerFor(ProofKind.Ssh);

    private VerificationContext CaContext(string principal = "bob", TimeProvider? clock = null) => new()
    {
        TrustedSshCertificateAuthorities = [keys.PublicLine("ca")],
        ExpectedSshPrincipal = principal,
        Clock = clock ?? TimeProvider.System,
    };

    private static void AssertRefused(SignatureCheck check, string reason)
    {
        Assert.False(check.IsValid);
        Assert.Equal(ProofKind.Ssh, check.Kind);
        Assert.Equal(reason, check.Reason);
    }

    // ---- parsing ----

    [SkippableTheory]
    [InlineData("ed25519", "ed25519")]
    [InlineData("ecdsa-p256", "ecdsa-p256")]
    [InlineData("ecdsa-p384", "ecdsa-p384")]
    [InlineData("ecdsa-p521", "ecdsa-p521")]
    [InlineData("rsa-3072", "rsa-3072")]
    public void ParsePublicKey_FingerprintEqualsSshKeygen(string keyType, string expectedAlgorithm)
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key(keyType);

        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));

        Assert.Equal(keys.SshKeygenFingerprint(name + ".pub"), key.Fingerprint);
        Assert.Equal(expectedAlgorithm, key.Algorithm);
        Assert.Equal(keys.PublicLine(name), key.PublicKey);
        Assert.Equal($"{name}@deirf.test", key.Attributes["comment"]);
        Assert.Equal(key, Signatures.ParsePublicKey(ProofKind.Ssh, key.PublicKey) with { Attributes = key.Attributes });
    }

    [SkippableFact]
    public void ParsePublicKey_Certificate_FingerprintOfCertifiedKeyAndAttributes()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-cert", "ed25519", principals: "bob,robert", validity: "+1h");

        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        Assert.Equal(keys.SshKeygenFingerprint(cert), key.Fingerprint);
        Assert.Equal(keys.SshKeygenFingerprint(keys.Key("ed25519") + ".pub"), key.Fingerprint);
        Assert.Equal("ed25519", key.Algorithm);
        Assert.StartsWith("ssh-ed25519-cert-v01@openssh.com AAAA", key.PublicKey, StringComparison.Ordinal);
        Assert.Equal("bob,robert", key.Attributes["principals"]);
        Assert.Equal("bob-cert", key.Attributes["keyId"]);
        Assert.Equal(keys.SshKeygenFingerprint("ca.pub"), key.Attributes["caFingerprint"]);
        Assert.Equal("user", key.Attributes["certificateType"]);
        var after = DateTimeOffset.Parse(key.Attributes["validAfter"], System.Globalization.CultureInfo.InvariantCulture);
        var before = DateTimeOffset.Parse(key.Attributes["validBefore"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(before - after, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(62));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", key.Attributes["validBefore"]);
    }

    [SkippableFact]
    public void ParsePublicKey_HostCertificate_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("host-cert", "ed25519", principals: "bob", validity: "+1h", host: true);

        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert)));

        Assert.Equal("a host certificate cannot identify a responder; use a user certificate (ssh-keygen -s without -h)", ex.Reason);
    }

    [SkippableFact]
    public void ParsePublicKey_PrivateKey_RefusedWithoutEchoingIt()
    {
        ExternalTool.Require("ssh-keygen");

        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(keys.Path(keys.Key("ed25519")))));

        Assert.Equal("this is a private key; give the public key (the .pub file), and keep the private key to yourself", ex.Reason);
        Assert.DoesNotContain("AAAA", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the SSH public key is empty")]
    [InlineData("hello world", "not an SSH public key line (expected e.g. 'ssh-ed25519 AAAA... comment')")]
    [InlineData("ssh-ed25519 !!notbase64!!", "the key data is not base64")]
    [InlineData("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==", "the line says 'ssh-ed25519' but the key data is 'ssh-rsa'")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", "ed25519 public key is truncated")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3M=", "DSA (ssh-dss) keys are refused: 1024-bit and SHA-1 only, and OpenSSH itself dropped them")]
    public void ParsePublicKey_Malformed_RefusedWithReason(string text, string reason)
    {
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Ssh, text));
        Assert.Equal(reason, ex.Reason);
    }

    // ---- ssh-keygen signs, DeIRF verifies ----

    [SkippableTheory]
    [InlineData("ed25519", "ssh-ed25519", "sha512")]
    [InlineData("ed25519", "ssh-ed25519", "sha256")]
    [InlineData("ecdsa-p256", "ecdsa-sha2-nistp256", "sha512")]
    [InlineData("ecdsa-p384", "ecdsa-sha2-nistp384", "sha512")]
    [InlineData("ecdsa-p521", "ecdsa-sha2-nistp521", "sha512")]
    [InlineData("rsa-3072", "rsa-sha2-512", "sha512")]
    public void SshKeygenSignature_VerifiesInDeirf(string keyType, string signatureAlgorithm, string hash)
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key(keyType);
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(name, "deirf", Payload, hash));

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(key.Fingerprint, check.Fingerprint);
        Assert.Equal("deirf", check.Details!["namespace"]);
        Assert.Equal(hash, check.Details["hashAlgorithm"]);
        Assert.Equal(signatureAlgorithm, check.Details["signatureAlgorithm"]);
    }

    // ---- DeIRF signs, ssh-keygen verifies ----

    [SkippableTheory]
    [InlineData("ed25519")]
    [InlineData("ecdsa-p256")]
    [InlineData("ecdsa-p384")]
    [InlineData("ecdsa-p521")]
    [InlineData("rsa-3072")]
    public void DeirfSignature_VerifiesWithSshKeygen(string keyType)
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key(keyType);
        using var material = PrivateKeyMaterial.FromFile(keys.Path(name));

        Assert.Equal(keys.PublicLine(name), Signer.PublicKeyOf(material));
        var signature = Signer.Sign(Payload, material);

        Assert.StartsWith("-----BEGIN SSH SIGNATURE-----\n", signature, StringComparison.Ordinal);
        Assert.EndsWith("-----END SSH SIGNATURE-----\n", signature, StringComparison.Ordinal);
        var (exit, stdout, stderr) = keys.SshKeygenVerify(name, "bob", "deirf", Payload, signature);
        Assert.True(exit == 0, $"ssh-keygen -Y verify refused a DeIRF signature: {stdout} {stderr}");
        Assert.Contains("Good \"deirf\" signature for bob", stdout + stderr, StringComparison.Ordinal);
        Assert.True(Signatures.Verify(Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name)), Payload, signature).IsValid);
        if (keyType == "rsa-3072")
        {
            Assert.Equal("rsa-sha2-512", SshSigBlob.Parse(signature).SignatureAlgorithm);
        }
    }

    [SkippableFact]
    public void EncryptedPrivateKey_RefusedForSigning()
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key("ed25519-encrypted");
        using var material = PrivateKeyMaterial.FromFile(keys.Path(name), "correct horse".ToCharArray());

        var sign = Assert.Throws<InvalidProofException>(() => Signer.Sign(Payload, material));
        var publicPart = Assert.Throws<InvalidProofException>(() => Signer.PublicKeyOf(material));

        Assert.Equal("encrypted OpenSSH keys are not read; sign with ssh-keygen -Y sign or ssh-agent", sign.Reason);
        Assert.Equal(sign.Reason, publicPart.Reason);
        Assert.Equal(ProofKind.Ssh, sign.ProofKind);
    }

    [SkippableFact]
    public void PemPrivateKey_RefusedForSigning()
    {
        ExternalTool.Require("ssh-keygen");
        var pem = keys.PemCopy(keys.Key("rsa-3072"));
        using var material = PrivateKeyMaterial.FromFile(pem);

        var ex = Assert.Throws<InvalidProofException>(() => Signer.Sign(Payload, material));

        Assert.Equal("only OpenSSH-format private keys (-----BEGIN OPENSSH " + "PRIVATE KEY-----) are read; convert a PEM key with ssh-keygen -p -f <file>", ex.Reason);
    }

    // ---- certificates ----

    [SkippableFact]
    public void Certificate_SignatureCarryingCertificate_VerifiesWithTrustedCaAndPrincipal()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-cert", "ed25519", principals: "bob,robert", validity: "+1h");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload), CaContext());

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("bob-cert", check.Details!["certificateKeyId"]);
        Assert.Equal(keys.SshKeygenFingerprint("ca.pub"), check.Details["certificateAuthority"]);
        Assert.Equal("bob", check.Details["principal"]);
    }

    [SkippableFact]
    public void Certificate_ProofSignedWithPlainKey_VerifiesAgainstTheRosterCertificate()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-cert", "ed25519", principals: "bob,robert", validity: "+1h");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(keys.Key("ed25519"), "deirf", Payload), CaContext(principal: "robert"));

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("robert", check.Details!["principal"]);
    }

    [SkippableFact]
    public void Certificate_SshKeygenAgreesWithCertAuthorityAllowedSigners()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-cert", "ed25519", principals: "bob,robert", validity: "+1h");
        var signature = keys.SshKeygenSign(cert, "deirf", Payload);
        var allowed = keys.Write("allowed-ca", $"bob cert-authority,namespaces=\"deirf\" {keys.PublicLine("ca")}\n");

        var (exit, stdout, stderr) = keys.SshKeygenVerifyWith(allowed, "bob", "deirf", Payload, signature);

        Assert.True(exit == 0, stdout + stderr);
        Assert.True(Signatures.Verify(Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert)), Payload, signature, CaContext()).IsValid);
    }

    [SkippableFact]
    public void PlainProof_SignatureCarryingCertificate_HasTheCertificateChecked()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-cert", "ed25519", principals: "bob,robert", validity: "+1h");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(keys.Key("ed25519")));
        var signature = keys.SshKeygenSign(cert, "deirf", Payload);

        Assert.True(Signatures.Verify(key, Payload, signature, CaContext()).IsValid);
        AssertRefused(Signatures.Verify(key, Payload, signature, new VerificationContext { ExpectedSshPrincipal = "bob" }),
            $"certificate CA {keys.SshKeygenFingerprint("ca.pub")} is not trusted (not among the workspace's SSH CAs)");
    }

    [SkippableFact]
    public void ExpiredCertificate_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-expired", "ed25519", principals: "bob", validity: "20200101:20200102");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload), CaContext());

        AssertRefused(check, $"certificate expired: valid before {key.Attributes["validBefore"]}");
        Assert.StartsWith("2020-01-02T", key.Attributes["validBefore"], StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ExpiredCertificate_ValidAtTheTimeTheEntryWasWritten()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-expired", "ed25519", principals: "bob", validity: "20200101:20200102");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));
        var entryTime = DateTimeOffset.Parse(key.Attributes["validAfter"], System.Globalization.CultureInfo.InvariantCulture).AddHours(12);

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload), CaContext(clock: new FixedClock(entryTime)));

        Assert.True(check.IsValid, check.Reason);
    }

    [SkippableFact]
    public void NotYetValidCertificate_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-future", "ed25519", principals: "bob", validity: "+1d:+2d");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload), CaContext());

        AssertRefused(check, $"certificate not yet valid: valid after {key.Attributes["validAfter"]}");
    }

    [SkippableFact]
    public void CertificateForAnotherPrincipal_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("alice-cert", "ed25519", principals: "alice", validity: "+1h");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload), CaContext(principal: "bob"));

        AssertRefused(check, "certificate principals 'alice' do not include 'bob'");
    }

    [SkippableFact]
    public void CertificateFromUntrustedCa_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-rogue", "ed25519", principals: "bob", validity: "+1h", ca: "rogue-ca");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload), CaContext());

        AssertRefused(check, $"certificate CA {keys.SshKeygenFingerprint("rogue-ca.pub")} is not trusted (not among the workspace's SSH CAs)");
    }

    [SkippableFact]
    public void CertificateWithoutExpectedPrincipal_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var cert = keys.Certificate("bob-cert", "ed25519", principals: "bob,robert", validity: "+1h");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, File.ReadAllText(cert));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(cert, "deirf", Payload),
            new VerificationContext { TrustedSshCertificateAuthorities = [keys.PublicLine("ca")] });

        AssertRefused(check, "no expected principal to check the certificate against");
    }

    // ---- named negatives on the SSHSIG itself ----

    [SkippableFact]
    public void WrongNamespace_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));

        var check = Signatures.Verify(key, Payload, keys.SshKeygenSign(name, "git", Payload));

        AssertRefused(check, "namespace 'git' is not 'deirf'");
    }

    [SkippableFact]
    public void SignedByAnotherKey_EmbeddedKeyNotTrusted_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var bob = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(keys.Key("ed25519")));
        var mallory = keys.Key("ed25519-mallory");

        var check = Signatures.Verify(bob, Payload, keys.SshKeygenSign(mallory, "deirf", Payload));

        AssertRefused(check, $"signed by a key that is not this proof's key ({keys.SshKeygenFingerprint(mallory + ".pub")})");
    }

    [SkippableFact]
    public void EmbeddedKeySwappedForTheRosterKey_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var bobLine = keys.PublicLine(keys.Key("ed25519"));
        var bob = Signatures.ParsePublicKey(ProofKind.Ssh, bobLine);
        var forged = SshSigBlob.Parse(keys.SshKeygenSign(keys.Key("ed25519-mallory"), "deirf", Payload)) with
        {
            PublicKey = Convert.FromBase64String(bobLine.Split(' ')[1]),
        };

        var check = Signatures.Verify(bob, Payload, forged.Armor());

        AssertRefused(check, "the signature does not verify with this key (the payload or the signature was altered)");
    }

    [SkippableFact]
    public void TamperedPayload_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key("ecdsa-p256");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));
        var signature = keys.SshKeygenSign(name, "deirf", Payload);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Payload).Replace("INC-7", "INC-8", StringComparison.Ordinal));

        AssertRefused(Signatures.Verify(key, tampered, signature), "the signature does not verify with this key (the payload or the signature was altered)");
    }

    [SkippableFact]
    public void SshRsaSha1Signature_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        // ssh-keygen -Y sign only makes rsa-sha2-512; the SHA-1 one is made from the same key, exported by ssh-keygen as PEM.
        var name = keys.Key("rsa-3072");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));
        var good = SshSigBlob.Parse(keys.SshKeygenSign(name, "deirf", Payload));
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(keys.PemCopy(name)));
        var signedData = SshSigBlob.SignedData("deirf", good.HashAlgorithm, Payload);
        var sha1 = good with
        {
            Signature = new SshWriter().String("ssh-rsa").String(rsa.SignData(signedData, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1)).ToArray(),
        };

        AssertRefused(Signatures.Verify(key, Payload, sha1.Armor()),
            "ssh-rsa (SHA-1) signatures are refused; sign with rsa-sha2-256 or rsa-sha2-512 (ssh-keygen -Y sign does)");
        Assert.NotEqual(0, keys.SshKeygenVerify(name, "bob", "deirf", Payload, sha1.Armor()).ExitCode);
    }

    [SkippableFact]
    public void SignatureAlgorithmNotFittingTheKey_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));
        var good = SshSigBlob.Parse(keys.SshKeygenSign(name, "deirf", Payload));
        var inner = new SshReader(good.Signature);
        inner.ReadText("alg");
        var relabelled = good with { Signature = new SshWriter().String("ecdsa-sha2-nistp256").String(inner.ReadString("sig")).ToArray() };

        AssertRefused(Signatures.Verify(key, Payload, relabelled.Armor()), "signature algorithm 'ecdsa-sha2-nistp256' does not fit a ssh-ed25519 key");
    }

    [SkippableFact]
    public void UnsupportedVersionOrHash_Refused()
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));
        var good = SshSigBlob.Parse(keys.SshKeygenSign(name, "deirf", Payload));

        AssertRefused(Signatures.Verify(key, Payload, (good with { Version = 2 }).Armor()), "SSHSIG version 2 is not supported (only version 1)");
        AssertRefused(Signatures.Verify(key, Payload, (good with { HashAlgorithm = "sha1" }).Armor()), "hash algorithm 'sha1' is not sha256 or sha512");
    }

    [SkippableTheory]
    [InlineData("garbage", "not an SSH signature (it does not start with -----BEGIN SSH SIGNATURE-----)")]
    [InlineData("-----BEGIN PGP SIGNATURE-----\niQ==\n-----END PGP SIGNATURE-----", "not an SSH signature (it does not start with -----BEGIN SSH SIGNATURE-----)")]
    [InlineData("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH", "the SSH signature armor has no -----END SSH SIGNATURE----- line at its end")]
    [InlineData("-----BEGIN SSH SIGNATURE-----\nnot*base64!\n-----END SSH SIGNATURE-----", "the SSH signature armor is not valid base64")]
    [InlineData("-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----", "malformed SSH signature: the blob does not start with the SSHSIG magic")]
    [InlineData("-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQAAADM=\n-----END SSH SIGNATURE-----", "malformed SSH signature: public key is truncated")]
    public void GarbageArmor_Refused(string signature, string reason)
    {
        ExternalTool.Require("ssh-keygen");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(keys.Key("ed25519")));

        AssertRefused(Signatures.Verify(key, Payload, signature), reason);
    }

    [SkippableFact]
    public void AllowedSignersValidityWindow_Honoured()
    {
        ExternalTool.Require("ssh-keygen");
        var name = keys.Key("ed25519");
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, $"bob valid-after=\"20200101Z\",valid-before=\"20300101Z\",namespaces=\"deirf,git\" {keys.PublicLine(name)}");
        var signature = keys.SshKeygenSign(name, "deirf", Payload);

        Assert.Equal(keys.SshKeygenFingerprint(name + ".pub"), key.Fingerprint);
        Assert.Equal("2030-01-01T00:00:00Z", key.Attributes["keyValidBefore"]);
        Assert.True(Signatures.Verify(key, Payload, signature, new VerificationContext { Clock = new FixedClock(new DateTimeOffset(2029, 6, 1, 0, 0, 0, TimeSpan.Zero)) }).IsValid);
        AssertRefused(Signatures.Verify(key, Payload, signature, new VerificationContext { Clock = new FixedClock(new DateTimeOffset(2030, 6, 1, 0, 0, 0, TimeSpan.Zero)) }),
            "key expired: valid before 2030-01-01T00:00:00Z");
        AssertRefused(Signatures.Verify(key, Payload, signature, new VerificationContext { Clock = new FixedClock(new DateTimeOffset(2019, 6, 1, 0, 0, 0, TimeSpan.Zero)) }),
            "key not yet valid: valid after 2020-01-01T00:00:00Z");
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Ssh, $"valid-before=\"20300101\" {keys.PublicLine(name)}"));
        Assert.Equal("valid-before=\"20300101\" is not a UTC time; write it as YYYYMMDD[HHMM[SS]]Z so every verifier reads the same instant", ex.Reason);
    }

    // ---- git: a signed commit carrying a statement digest ----

    [SkippableFact]
    public void GitSignedCommit_VerifiesForTheKeyAndDigest_RefusesOthers()
    {
        ExternalTool.Require("ssh-keygen");
        var git = ExternalTool.Require("git");
        var name = keys.Key("ed25519");
        var bob = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(name));
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Payload));
        var repo = keys.Path("repo");
        Directory.CreateDirectory(repo);
        var allowed = keys.Write("git-allowed-signers", $"bob@deirf.test namespaces=\"git\" {keys.PublicLine(name)}\n");
        var env = new Dictionary<string, string>
        {
            ["HOME"] = keys.Root,
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["SSH_AUTH_SOCK"] = string.Empty,
        };
        string Git(params string[] args)
        {
            var (exit, stdout, stderr) = ExternalTool.Run(git, args, repo, environment: env);
            Assert.True(exit == 0, $"git {string.Join(' ', args)}: {stderr}");
            return stdout;
        }
        Git("init", "-q", "-b", "main");
        Git("config", "user.name", "Bob");
        Git("config", "user.email", "bob@deirf.test");
        Git("config", "gpg.format", "ssh");
        Git("config", "user.signingkey", keys.Path(name + ".pub"));
        Git("config", "gpg.ssh.allowedSignersFile", allowed);
        File.WriteAllText(Path.Combine(repo, "statement.json"), Encoding.UTF8.GetString(Payload));
        Git("add", "statement.json");
        Git("commit", "-q", "-S", "-m", $"deirf-binding {digest}");
        Git("verify-commit", "HEAD");
        var commit = Git("cat-file", "commit", "HEAD");
        Assert.Contains("gpgsig -----BEGIN SSH SIGNATURE-----", commit, StringComparison.Ordinal);

        var good = GitCommitProof.Check(commit, bob, digest);
        Assert.True(good.IsValid, good.Reason);
        Assert.Equal("git", good.Signature.Details!["namespace"]);
        Assert.Equal($"deirf-binding {digest}\n", good.Message);

        var mallory = Signatures.ParsePublicKey(ProofKind.Ssh, keys.PublicLine(keys.Key("ed25519-mallory")));
        var otherKey = GitCommitProof.Check(commit, mallory, digest);
        Assert.False(otherKey.IsValid);
        Assert.Equal($"signed by a key that is not this proof's key ({bob.Fingerprint})", otherKey.Reason);

        var otherDigest = GitCommitProof.Check(commit, bob, "sha256:" + new string('0', 64));
        Assert.False(otherDigest.IsValid);
        Assert.True(otherDigest.Signature.IsValid);
        Assert.False(otherDigest.CarriesExpectedText);
        Assert.Equal("the commit message does not carry the expected text", otherDigest.Reason);

        var edited = GitCommitProof.Check(commit.Replace("deirf-binding", "deirf-bindinG", StringComparison.Ordinal), bob, digest[..20]);
        Assert.False(edited.IsValid);
        Assert.Equal("the signature does not verify with this key (the payload or the signature was altered)", edited.Reason);

        // The same signature offered as a DeIRF signature is refused: git's namespace is not DeIRF's.
        Assert.True(GitCommitProof.TrySplit(Encoding.UTF8.GetBytes(commit), out var payload, out var signature, out _, out _));
        AssertRefused(Signatures.Verify(bob, payload, signature), "namespace 'git' is not 'deirf'");
    }

    [Fact]
    public void GitCommit_Unsigned_Refused()
    {
        var commit = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Bob <bob@deirf.test> 1700000000 +0000\ncommitter Bob <bob@deirf.test> 1700000000 +0000\n\ndeirf-binding x\n";
        var key = new ProofKey(ProofKind.Ssh, "SHA256:x", "ssh-ed25519 AAAA", "ed25519", new Dictionary<string, string>());

        var check = GitCommitProof.Check(commit, key, "deirf-binding x");

        Assert.False(check.IsValid);
        Assert.Equal("the commit is not signed (no gpgsig header)", check.Reason);
    }

    /// <summary>An SSHSIG blob taken apart and put back together, to bend one field at a time.</summary>
    private sealed record SshSigBlob(uint Version, byte[] PublicKey, string Namespace, byte[] Reserved, string HashAlgorithm, byte[] Signature)
    {
        public string SignatureAlgorithm => new SshReader(Signature).ReadText("alg");

        public static SshSigBlob Parse(string armored)
        {
            var lines = armored.Trim().Split('\n');
            var reader = new SshReader(Convert.FromBase64String(string.Concat(lines[1..^1])));
            Assert.Equal("SSHSIG", Encoding.ASCII.GetString(reader.ReadBytes(6, "magic")));
            var blob = new SshSigBlob(reader.ReadUInt32("version"), reader.ReadString("key"), reader.ReadText("ns"), reader.ReadString("reserved"),
                reader.ReadText("hash"), reader.ReadString("sig"));
            reader.ExpectEnd("blob");
            return blob;
        }

        public static byte[] SignedData(string ns, string hash, byte[] payload) => new SshWriter()
            .Raw("SSHSIG"u8).String(ns).String([]).String(hash)
            .String(hash == "sha256" ? SHA256.HashData(payload) : SHA512.HashData(payload)).ToArray();

        public string Armor()
        {
            var blob = new SshWriter().Raw("SSHSIG"u8).UInt32(Version).String(PublicKey).String(Namespace).String(Reserved)
                .String(HashAlgorithm).String(Signature).ToArray();
            return "-----BEGIN SSH SIGNATURE-----\n" + Convert.ToBase64String(blob, Base64FormattingOptions.InsertLineBreaks).Replace("\r", string.Empty, StringComparison.Ordinal)
                + "\n-----END SSH SIGNATURE-----\n";
        }
    }

    /// <summary>
    /// A throwaway folder of ssh-keygen-made keys and certificates, made on first use (so a missing ssh-keygen skips
    /// the test that asked, not the class) and deleted with the fixture. Private keys never leave it.
    /// </summary>
    public sealed class SshKeys : IDisposable
    {
        private readonly object gate = new();
        private readonly HashSet<string> made = [];
        private int counter;

        public SshKeys()
        {
            Root = Directory.CreateTempSubdirectory("deirf-ssh-").FullName;
        }

        public string Root { get; }

        public string Path(string name) => System.IO.Path.Combine(Root, name);

        public string PublicLine(string name) => File.ReadAllText(Path(name + ".pub")).Trim();

        public string Write(string name, string text)
        {
            File.WriteAllText(Path(name), text);
            return Path(name);
        }

        /// <summary>The file name (in <see cref="Root"/>) of a key of this type, generated once.</summary>
        public string Key(string keyType)
        {
            lock (gate)
            {
                var name = keyType;
                if (made.Add(name))
                {
                    string[] args = keyType switch
                    {
                        "ed25519" or "ed25519-mallory" => ["-t", "ed25519"],
                        "ed25519-encrypted" => ["-t", "ed25519"],
                        "ecdsa-p256" => ["-t", "ecdsa", "-b", "256"],
                        "ecdsa-p384" => ["-t", "ecdsa", "-b", "384"],
                        "ecdsa-p521" => ["-t", "ecdsa", "-b", "521"],
                        "rsa-3072" => ["-t", "rsa", "-b", "3072"],
                        _ => throw new ArgumentException(keyType),
                    };
                    var passphrase = keyType == "ed25519-encrypted" ? "correct horse" : string.Empty;
                    DeIRF.Testing.TestArtifacts.RegisterSecret("ssh key passphrase", passphrase);
                    SshKeygen([.. args, "-q", "-N", passphrase, "-C", $"{name}@deirf.test", "-f", Path(name)]);
                    DeIRF.Testing.TestArtifacts.RegisterKeyFile("openssh private key", Path(name));
                }
                return name;
            }
        }

        /// <summary>A certificate of <paramref name="keyType"/>'s key signed by <paramref name="ca"/>; returns its path.</summary>
        public string Certificate(string id, string keyType, string principals, string validity, string ca = "ca", bool host = false)
        {
            lock (gate)
            {
                var certPath = Path($"{id}-cert.pub");
                if (made.Add(certPath))
                {
                    if (made.Add(ca))
                    {
                        SshKeygen(["-q", "-t", "ed25519", "-N", string.Empty, "-C", ca, "-f", Path(ca)]);
                        DeIRF.Testing.TestArtifacts.RegisterKeyFile("openssh CA private key", Path(ca));
                    }
                    var key = Key(keyType);
                    // ssh-keygen -s writes <key>-cert.pub next to the key: copy the key pair under the certificate's id.
                    File.Copy(Path(key), Path(id), overwrite: true);
                    DeIRF.Testing.TestArtifacts.RegisterKeyFile("openssh private key", Path(id));
                    File.Copy(Path(key + ".pub"), Path(id + ".pub"), overwrite: true);
                    string[] hostFlag = host ? ["-h"] : [];
                    SshKeygen(["-q", "-s", Path(ca), "-I", id, "-n", principals, "-V", validity, .. hostFlag, Path(id + ".pub")]);
                }
                return certPath;
            }
        }

        /// <summary>A PEM (PKCS#1) copy of a key, rewritten by ssh-keygen -p -m PEM.</summary>
        public string PemCopy(string name)
        {
            lock (gate)
            {
                var pem = Path(name + ".pem");
                if (made.Add(pem))
                {
                    File.Copy(Path(name), pem, overwrite: true);
                    SshKeygen(["-q", "-p", "-m", "PEM", "-N", string.Empty, "-P", string.Empty, "-f", pem]);
                    DeIRF.Testing.TestArtifacts.RegisterKeyFile("PEM private key", pem);
                }
                return pem;
            }
        }

        public string SshKeygenFingerprint(string file)
        {
            var output = SshKeygen(["-l", "-f", Path(file)]);
            return output.Split(' ')[1];
        }

        /// <summary>ssh-keygen -Y sign over the payload bytes (from a file); <paramref name="key"/> may be a certificate's path.</summary>
        public string SshKeygenSign(string key, string ns, byte[] payload, string hash = "sha512")
        {
            var file = Path($"payload-{Interlocked.Increment(ref counter)}");
            File.WriteAllBytes(file, payload);
            string[] hashOption = hash == "sha512" ? [] : ["-O", $"hashalg={hash}"];
            SshKeygen(["-Y", "sign", "-f", System.IO.Path.IsPathRooted(key) ? key : Path(key), "-n", ns, .. hashOption, file]);
            return File.ReadAllText(file + ".sig");
        }

        public (int ExitCode, string Stdout, string Stderr) SshKeygenVerify(string name, string principal, string ns, byte[] payload, string signature)
        {
            var allowed = Write($"allowed-{Interlocked.Increment(ref counter)}", $"{principal} namespaces=\"{ns}\" {PublicLine(name)}\n");
            return SshKeygenVerifyWith(allowed, principal, ns, payload, signature);
        }

        /// <summary>ssh-keygen -Y verify -f allowed_signers -I principal -n ns -s sig &lt; payload.</summary>
        public (int ExitCode, string Stdout, string Stderr) SshKeygenVerifyWith(string allowedSigners, string principal, string ns, byte[] payload, string signature)
        {
            var n = Interlocked.Increment(ref counter);
            var payloadFile = Write($"verify-payload-{n}", string.Empty);
            File.WriteAllBytes(payloadFile, payload);
            var sigFile = Write($"verify-{n}.sig", signature);
            return ExternalTool.Run(ExternalTool.Require("sh"),
                ["-c", "exec ssh-keygen -Y verify -f \"$1\" -I \"$2\" -n \"$3\" -s \"$4\" < \"$5\"", "sh", allowedSigners, principal, ns, sigFile, payloadFile]);
        }

        private static string SshKeygen(string[] args)
        {
            var (exit, stdout, stderr) = ExternalTool.Run(ExternalTool.Require("ssh-keygen"), args, environment: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = string.Empty });
            if (exit != 0)
            {
                throw new InvalidOperationException($"ssh-keygen {string.Join(' ', args.Where(a => a.Length < 40))} failed ({exit}): {stderr}");
            }
            return stdout;
        }

        public void Dispose()
        {
            try
            {
                DeIRF.Testing.TestArtifacts.Delete(Root);
            }
            catch (IOException)
            {
            }
        }
    }
}
