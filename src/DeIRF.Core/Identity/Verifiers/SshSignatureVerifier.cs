using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// SSH proofs: an authorized_keys line (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa), optionally with
/// allowed_signers validity options, or an OpenSSH user certificate from a CA the workspace trusts; signatures in the
/// armored SSHSIG format of ssh-keygen -Y sign (PROTOCOL.sshsig). Verification uses the proof's key and never the key
/// the signature carries: that one must be the same key (or a certificate of it), or the signature is refused.
/// Signs with an unencrypted OpenSSH private key file, as ssh-keygen -Y sign -n deirf would.
/// </summary>
public sealed class SshSignatureVerifier : IProofKindDescriptor, IProofSigner, IProofKeyMaker
{
    /// <summary>The namespace DeIRF signs in, and the hash ssh-keygen -Y sign uses by default.</summary>
    public const string DeirfNamespace = "deirf";
    private const string SignHashAlgorithm = "sha512";
    private const string ArmorBegin = "-----BEGIN SSH SIGNATURE-----";
    private const string ArmorEnd = "-----END SSH SIGNATURE-----";
    private const int ArmorLineLength = 70;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("SSHSIG");
    private const uint SigVersion = 1;

    public ProofKind Kind => ProofKind.Ssh;

    /// <inheritdoc/>
    public int Order => 20;

    /// <inheritdoc/>
    public bool Recognizes(string signature) => signature.StartsWith("-----BEGIN SSH SIGNATURE-----", StringComparison.Ordinal);

    /// <inheritdoc/>
    public void WriteNewKey(string path, string? responder) => SigningKeyFile.RunSshKeygen(path, responder);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        SshKeyLine line;
        try
        {
            line = SshKeyLine.Parse(publicKeyText ?? string.Empty);
        }
        catch (FormatException ex)
        {
            throw new InvalidProofException(ProofKind.Ssh, ex.Message);
        }
        if (line.IsCertAuthority)
        {
            throw new InvalidProofException(ProofKind.Ssh, "a cert-authority line is a CA key, not a responder's key; list it among the workspace's trusted SSH CAs instead");
        }
        var attributes = new Dictionary<string, string>();
        if (line.Comment is { } comment)
        {
            attributes["comment"] = comment;
        }
        if (line.ValidAfter is { } after)
        {
            attributes["keyValidAfter"] = Iso(after);
        }
        if (line.ValidBefore is { } before)
        {
            attributes["keyValidBefore"] = Iso(before);
        }
        if (line.Namespaces is { } namespaces)
        {
            attributes["namespaces"] = string.Join(',', namespaces);
        }
        if (line.Certificate is { } cert)
        {
            if (cert.CertificateType != SshCertificate.UserType)
            {
                throw new InvalidProofException(ProofKind.Ssh, "a host certificate cannot identify a responder; use a user certificate (ssh-keygen -s without -h)");
            }
            attributes["certificateType"] = "user";
            attributes["principals"] = string.Join(',', cert.Principals);
            attributes["validAfter"] = SshCertificate.FormatTime(cert.ValidAfter, isEnd: false);
            attributes["validBefore"] = SshCertificate.FormatTime(cert.ValidBefore, isEnd: true);
            attributes["caFingerprint"] = cert.CaKey.Fingerprint;
            attributes["keyId"] = cert.KeyId;
            attributes["serial"] = cert.Serial.ToString(CultureInfo.InvariantCulture);
        }
        return new ProofKey(ProofKind.Ssh, line.Key.Fingerprint, line.Normalised, line.Key.Algorithm, attributes);
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != ProofKind.Ssh)
        {
            return SignatureCheck.Invalid(ProofKind.Ssh, key.Fingerprint, $"a {key.Kind} key cannot check an SSH signature");
        }
        SshKeyLine proof;
        try
        {
            proof = SshKeyLine.Parse(key.PublicKey);
        }
        catch (FormatException ex)
        {
            return Fail(key, $"the stored SSH key is unusable: {ex.Message}");
        }

        if (!TryUnarmor(signature, out var blob, out var malformed))
        {
            return Fail(key, malformed!);
        }
        SshSig sig;
        try
        {
            sig = SshSig.Parse(blob);
        }
        catch (FormatException ex)
        {
            return Fail(key, $"malformed SSH signature: {ex.Message}");
        }
        if (sig.Version != SigVersion)
        {
            return Fail(key, $"SSHSIG version {sig.Version} is not supported (only version 1)");
        }

        // Never trust the key in the blob: it only has to name the proof's key, which alone checks the signature.
        SshPublicKey signedBy;
        SshCertificate? carriedCertificate;
        try
        {
            (signedBy, carriedCertificate) = SshKeyLine.ParseBlob(sig.PublicKey, "signature's key");
        }
        catch (FormatException ex)
        {
            return Fail(key, $"the signature's key is unusable: {ex.Message}");
        }
        if (!signedBy.SameKeyAs(proof.Key))
        {
            return Fail(key, $"signed by a key that is not this proof's key ({signedBy.Fingerprint})");
        }
        if (sig.HashAlgorithm is not ("sha256" or "sha512"))
        {
            return Fail(key, $"hash algorithm '{sig.HashAlgorithm}' is not sha256 or sha512");
        }

        var signedData = SignedData(sig.Namespace, sig.Reserved, sig.HashAlgorithm, payload);
        bool verified;
        string algorithm;
        string? refusal;
        try
        {
            verified = proof.Key.VerifySignature(sig.Signature, signedData, out algorithm, out refusal);
        }
        catch (FormatException ex)
        {
            return Fail(key, $"malformed SSH signature: {ex.Message}");
        }
        if (refusal is not null)
        {
            return Fail(key, refusal);
        }
        if (!verified)
        {
            return Fail(key, "the signature does not verify with this key (the payload or the signature was altered)");
        }

        // Every reason below is about a blob this key really signed.
        if (sig.Namespace != context.SshNamespace)
        {
            return Fail(key, $"namespace '{sig.Namespace}' is not '{context.SshNamespace}'");
        }
        if (proof.Namespaces is { } allowed && !allowed.Contains(sig.Namespace, StringComparer.Ordinal))
        {
            return Fail(key, $"the key line allows namespaces '{string.Join(',', allowed)}', not '{sig.Namespace}'");
        }
        var now = context.Clock.GetUtcNow();
        if (proof.ValidAfter is { } keyAfter && now + context.ClockSkew < keyAfter)
        {
            return Fail(key, $"key not yet valid: valid after {Iso(keyAfter)}");
        }
        if (proof.ValidBefore is { } keyBefore && now - context.ClockSkew >= keyBefore)
        {
            return Fail(key, $"key expired: valid before {Iso(keyBefore)}");
        }

        var details = new Dictionary<string, string>
        {
            ["namespace"] = sig.Namespace,
            ["hashAlgorithm"] = sig.HashAlgorithm,
            ["signatureAlgorithm"] = algorithm,
        };
        // A certificate the signature carries speaks for the key now (a renewed short-lived certificate); else the
        // roster's. A plain-key proof signed through a certificate still has that certificate checked.
        if ((carriedCertificate ?? proof.Certificate) is { } certificate)
        {
            if (CheckCertificate(certificate, context, now) is { } certificateRefusal)
            {
                return Fail(key, certificateRefusal);
            }
            details["certificateKeyId"] = certificate.KeyId;
            details["certificateSerial"] = certificate.Serial.ToString(CultureInfo.InvariantCulture);
            details["certificateAuthority"] = certificate.CaKey.Fingerprint;
            details["principal"] = context.ExpectedSshPrincipal!;
        }
        return SignatureCheck.Valid(ProofKind.Ssh, key.Fingerprint, signedAt: null, details);
    }

    /// <summary>
    /// A user certificate is good when a trusted CA signed it, it names the expected principal, and "now" (the
    /// context clock: the time a journal entry was written, when re-verifying) lies in its validity window.
    /// </summary>
    private static string? CheckCertificate(SshCertificate certificate, VerificationContext context, DateTimeOffset now)
    {
        if (certificate.CertificateType != SshCertificate.UserType)
        {
            return "a host certificate is not a user certificate";
        }
        bool trusted = false;
        foreach (var line in context.TrustedSshCertificateAuthorities)
        {
            try
            {
                var ca = SshKeyLine.Parse(line);
                if (ca.Certificate is null && ca.Key.SameKeyAs(certificate.CaKey))
                {
                    trusted = true;
                    break;
                }
            }
            catch (FormatException)
            {
                // An unreadable trust line trusts nothing; the others still count.
            }
        }
        if (!trusted)
        {
            return $"certificate CA {certificate.CaKey.Fingerprint} is not trusted (not among the workspace's SSH CAs)";
        }
        if (certificate.CheckCaSignature() is { } caRefusal)
        {
            return caRefusal;
        }
        if (certificate.UnknownCriticalOption is { } option)
        {
            return $"certificate has critical option '{option}' that DeIRF does not understand";
        }
        if (string.IsNullOrEmpty(context.ExpectedSshPrincipal))
        {
            return "no expected principal to check the certificate against";
        }
        if (certificate.Principals.Count == 0)
        {
            return "the certificate names no principal (valid for anyone); DeIRF needs the responder's handle among them";
        }
        if (!certificate.Principals.Contains(context.ExpectedSshPrincipal, StringComparer.Ordinal))
        {
            return $"certificate principals '{string.Join(',', certificate.Principals)}' do not include '{context.ExpectedSshPrincipal}'";
        }
        // PROTOCOL.certkeys: valid after <= time < valid before.
        if (now + context.ClockSkew < SshCertificate.ToTime(certificate.ValidAfter))
        {
            return $"certificate not yet valid: valid after {SshCertificate.FormatTime(certificate.ValidAfter, isEnd: false)}";
        }
        if (certificate.ValidBefore != SshCertificate.Forever && now - context.ClockSkew >= SshCertificate.ToTime(certificate.ValidBefore))
        {
            return $"certificate expired: valid before {SshCertificate.FormatTime(certificate.ValidBefore, isEnd: true)}";
        }
        return null;
    }

    public string PublicKeyOf(PrivateKeyMaterial key)
    {
        using var privateKey = ReadPrivateKey(key);
        return privateKey.PublicLine;
    }

    public string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key)
    {
        using var privateKey = ReadPrivateKey(key);
        byte[] reserved = [];
        var signatureBlob = privateKey.SignatureBlob(SignedData(DeirfNamespace, reserved, SignHashAlgorithm, payload));
        var blob = new SshWriter()
            .Raw(Magic)
            .UInt32(SigVersion)
            .String(privateKey.PublicKey.Blob)
            .String(DeirfNamespace)
            .String(reserved)
            .String(SignHashAlgorithm)
            .String(signatureBlob)
            .ToArray();
        return Armor(blob);
    }

    private static OpenSshPrivateKey ReadPrivateKey(PrivateKeyMaterial key)
    {
        try
        {
            return OpenSshPrivateKey.Read(key.KeyBytes);
        }
        catch (FormatException ex)
        {
            throw new InvalidProofException(ProofKind.Ssh, ex.Message, key.Source);
        }
    }

    /// <summary>PROTOCOL.sshsig §3: "SSHSIG" || string namespace || string reserved || string hash_algorithm || string H(message).</summary>
    private static byte[] SignedData(string ns, byte[] reserved, string hashAlgorithm, ReadOnlySpan<byte> payload)
    {
        var digest = hashAlgorithm == "sha256" ? SHA256.HashData(payload) : SHA512.HashData(payload);
        return new SshWriter().Raw(Magic).String(ns).String(reserved).String(hashAlgorithm).String(digest).ToArray();
    }

    /// <summary>The armor ssh-keygen writes: header, base64 in lines of 70, footer, final newline.</summary>
    private static string Armor(byte[] blob)
    {
        var b64 = Convert.ToBase64String(blob);
        var sb = new StringBuilder(ArmorBegin).Append('\n');
        for (int i = 0; i < b64.Length; i += ArmorLineLength)
        {
            sb.Append(b64, i, Math.Min(ArmorLineLength, b64.Length - i)).Append('\n');
        }
        return sb.Append(ArmorEnd).Append('\n').ToString();
    }

    private static bool TryUnarmor(string signature, out byte[] blob, out string? reason)
    {
        blob = [];
        var text = signature.Replace("\r", string.Empty, StringComparison.Ordinal).Trim();
        if (!text.StartsWith(ArmorBegin + "\n", StringComparison.Ordinal))
        {
            reason = "not an SSH signature (it does not start with -----BEGIN SSH SIGNATURE-----)";
            return false;
        }
        if (!text.EndsWith("\n" + ArmorEnd, StringComparison.Ordinal))
        {
            reason = "the SSH signature armor has no -----END SSH SIGNATURE----- line at its end";
            return false;
        }
        var body = text[(ArmorBegin.Length + 1)..^(ArmorEnd.Length + 1)];
        if (body.Contains("-----", StringComparison.Ordinal))
        {
            reason = "the SSH signature armor holds more than one signature";
            return false;
        }
        var compact = string.Concat(body.Split('\n').Select(l => l.Trim()));
        var buffer = new byte[compact.Length];
        if (compact.Length == 0 || !Convert.TryFromBase64String(compact, buffer, out int written))
        {
            reason = "the SSH signature armor is not valid base64";
            return false;
        }
        blob = buffer[..written];
        reason = null;
        return true;
    }

    private static SignatureCheck Fail(ProofKey key, string reason) => SignatureCheck.Invalid(ProofKind.Ssh, key.Fingerprint, reason);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The SSHSIG blob (PROTOCOL.sshsig §2).</summary>
    private sealed record SshSig(uint Version, byte[] PublicKey, string Namespace, byte[] Reserved, string HashAlgorithm, byte[] Signature)
    {
        public static SshSig Parse(byte[] blob)
        {
            if (blob.Length < Magic.Length || !blob.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            {
                throw new SshWireException("the blob does not start with the SSHSIG magic");
            }
            var reader = new SshReader(blob[Magic.Length..]);
            uint version = reader.ReadUInt32("version");
            if (version != SigVersion)
            {
                return new SshSig(version, [], string.Empty, [], string.Empty, []);
            }
            var publicKey = reader.ReadString("public key");
            var ns = reader.ReadText("namespace");
            var reserved = reader.ReadString("reserved field");
            var hash = reader.ReadText("hash algorithm");
            var signature = reader.ReadString("signature");
            reader.ExpectEnd("SSHSIG blob");
            return new SshSig(version, publicKey, ns, reserved, hash, signature);
        }
    }
}
