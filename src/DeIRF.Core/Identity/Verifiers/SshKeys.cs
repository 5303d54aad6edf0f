using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// A plain SSH public key (RFC 4253 ssh-rsa, RFC 5656 ecdsa-sha2-nistp*, RFC 8709 ssh-ed25519) and the check of an
/// SSH signature blob made with it. DSA and security-key (sk-) keys are refused with a reason.
/// </summary>
internal sealed class SshPublicKey
{
    public const string Ed25519Type = "ssh-ed25519";
    public const string RsaType = "ssh-rsa";
    public const int MinimumRsaBits = 2048;
    public const int MaximumRsaBits = 16384;

    private byte[]? _ed25519;
    private ECParameters _ec;
    private HashAlgorithmName _ecHash;
    private int _ecFieldBytes;
    private RSAParameters _rsa;

    private SshPublicKey(string type, byte[] blob, string algorithm)
    {
        Type = type;
        Blob = blob;
        Algorithm = algorithm;
        Fingerprint = FingerprintOf(blob);
    }

    /// <summary>The key type name ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa").</summary>
    public string Type { get; }

    /// <summary>The canonical public key blob: what ssh-keygen -l hashes and what two keys are compared by.</summary>
    public byte[] Blob { get; }

    /// <summary>As a user names it: "ed25519", "ecdsa-p256", "rsa-3072".</summary>
    public string Algorithm { get; }

    /// <summary>"SHA256:" and unpadded base64 of SHA-256 over <see cref="Blob"/>, as ssh-keygen -l prints it.</summary>
    public string Fingerprint { get; }

    public bool IsEd25519 => Type == Ed25519Type;
    public bool IsRsa => Type == RsaType;
    public bool IsEcdsa => _ecFieldBytes != 0;

    public static string FingerprintOf(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    public bool SameKeyAs(SshPublicKey other) => Blob.AsSpan().SequenceEqual(other.Blob);

    internal ECParameters EcParameters => _ec;
    internal HashAlgorithmName EcHash => _ecHash;
    internal int EcFieldBytes => _ecFieldBytes;
    internal RSAParameters RsaParameters => _rsa;
    internal byte[] Ed25519PublicKey => _ed25519!;

    /// <summary>Why a key type is not accepted, or null for the three supported families.</summary>
    public static string? RefusalForType(string type)
    {
        if (type is Ed25519Type or RsaType || EcCurve(type) is not null)
        {
            return null;
        }
        if (type.StartsWith("ssh-dss", StringComparison.Ordinal))
        {
            return "DSA (ssh-dss) keys are refused: 1024-bit and SHA-1 only, and OpenSSH itself dropped them";
        }
        if (type.StartsWith("sk-", StringComparison.Ordinal))
        {
            return $"security-key SSH keys ('{type}') are not supported yet; bind a plain ed25519 key, or the authenticator as a FIDO2 proof";
        }
        return $"unknown SSH key type '{type}'";
    }

    /// <summary>Reads the fields that follow the type (and, in a certificate, the nonce) of a plain key.</summary>
    public static SshPublicKey ReadFields(string type, SshReader reader)
    {
        if (RefusalForType(type) is { } refusal)
        {
            throw new SshWireException(refusal);
        }
        var writer = new SshWriter().String(type);
        if (type == Ed25519Type)
        {
            var pk = reader.ReadString("ed25519 public key");
            if (pk.Length != Ed25519.PublicKeySize)
            {
                throw new SshWireException($"an ed25519 public key is 32 bytes, not {pk.Length}");
            }
            if (!Ed25519.ValidatePublicKeyFull(pk, 0))
            {
                throw new SshWireException("the ed25519 public key is not a valid curve point");
            }
            return new SshPublicKey(type, writer.String(pk).ToArray(), "ed25519") { _ed25519 = pk };
        }
        if (type == RsaType)
        {
            var e = reader.ReadMpint("RSA exponent");
            var n = reader.ReadMpint("RSA modulus");
            int bits = n.Length == 0 ? 0 : (int)new BigInteger(n, isUnsigned: true, isBigEndian: true).GetBitLength();
            if (bits < MinimumRsaBits)
            {
                throw new SshWireException($"RSA keys under {MinimumRsaBits} bits are refused (this one has {bits})");
            }
            if (bits > MaximumRsaBits || e.Length == 0 || e.Length > 8 || (e[^1] & 1) == 0)
            {
                throw new SshWireException("the RSA public key has an unusable modulus or exponent");
            }
            return new SshPublicKey(type, writer.Mpint(e).Mpint(n).ToArray(), $"rsa-{bits}")
            {
                _rsa = new RSAParameters { Exponent = e, Modulus = n },
            };
        }

        var (curveName, curve, hash, fieldBytes) = EcCurve(type)!.Value;
        string curveField = reader.ReadText("ECDSA curve name");
        if (curveField != curveName)
        {
            throw new SshWireException($"the key type is {type} but its curve field says '{curveField}'");
        }
        var q = reader.ReadString("ECDSA public point");
        if (q.Length != 1 + 2 * fieldBytes || q[0] != 0x04)
        {
            throw new SshWireException($"the {curveName} public point is not an uncompressed point of {1 + 2 * fieldBytes} bytes");
        }
        var parameters = new ECParameters { Curve = curve, Q = new ECPoint { X = q[1..(1 + fieldBytes)], Y = q[(1 + fieldBytes)..] } };
        try
        {
            using var probe = ECDsa.Create(parameters);
        }
        catch (CryptographicException)
        {
            throw new SshWireException($"the {curveName} public point is not on the curve");
        }
        return new SshPublicKey(type, writer.String(curveName).String(q).ToArray(), "ecdsa-p" + curveName[5..])
        {
            _ec = parameters,
            _ecHash = hash,
            _ecFieldBytes = fieldBytes,
        };
    }

    /// <summary>Parses a whole plain key blob (no certificate).</summary>
    public static SshPublicKey ParsePlain(byte[] blob, string what)
    {
        var reader = new SshReader(blob);
        var key = ReadFields(reader.ReadText($"{what} type"), reader);
        reader.ExpectEnd(what);
        return key;
    }

    public static (string CurveName, ECCurve Curve, HashAlgorithmName Hash, int FieldBytes)? EcCurve(string type) => type switch
    {
        "ecdsa-sha2-nistp256" => ("nistp256", ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, 32),
        "ecdsa-sha2-nistp384" => ("nistp384", ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, 48),
        "ecdsa-sha2-nistp521" => ("nistp521", ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, 66),
        _ => null,
    };

    /// <summary>
    /// Checks an SSH signature blob (string algorithm, string signature) over <paramref name="data"/> with this key.
    /// False with a <paramref name="refusal"/>: the algorithm is not acceptable for this key. False without one: the
    /// signature does not verify.
    /// </summary>
    public bool VerifySignature(byte[] signatureBlob, ReadOnlySpan<byte> data, out string algorithm, out string? refusal)
    {
        var reader = new SshReader(signatureBlob);
        algorithm = reader.ReadText("signature algorithm");
        var signature = reader.ReadString("signature");
        reader.ExpectEnd("signature");
        refusal = null;

        if (IsRsa)
        {
            HashAlgorithmName hash;
            if (algorithm == "rsa-sha2-512")
            {
                hash = HashAlgorithmName.SHA512;
            }
            else if (algorithm == "rsa-sha2-256")
            {
                hash = HashAlgorithmName.SHA256;
            }
            else
            {
                refusal = algorithm == RsaType
                    ? "ssh-rsa (SHA-1) signatures are refused; sign with rsa-sha2-256 or rsa-sha2-512 (ssh-keygen -Y sign does)"
                    : $"signature algorithm '{algorithm}' does not fit an RSA key";
                return false;
            }
            int modulusBytes = _rsa.Modulus!.Length;
            if (signature.Length > modulusBytes)
            {
                return false;
            }
            // OpenSSH accepts a signature shorter than the modulus (leading zeros dropped) and pads it back.
            var padded = new byte[modulusBytes];
            signature.CopyTo(padded, modulusBytes - signature.Length);
            using var rsa = RSA.Create(_rsa);
            return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1);
        }
        if (algorithm != Type)
        {
            refusal = $"signature algorithm '{algorithm}' does not fit a {Type} key";
            return false;
        }
        if (IsEd25519)
        {
            return signature.Length == Ed25519.SignatureSize
                && Ed25519.Verify(signature, 0, _ed25519, 0, data.ToArray(), 0, data.Length);
        }

        // ECDSA: the signature string holds mpint r and mpint s (RFC 5656 §3.1.2).
        var inner = new SshReader(signature);
        var r = inner.ReadMpint("ECDSA r");
        var s = inner.ReadMpint("ECDSA s");
        inner.ExpectEnd("ECDSA signature");
        if (r.Length > _ecFieldBytes || s.Length > _ecFieldBytes)
        {
            return false;
        }
        var fixedSize = new byte[2 * _ecFieldBytes];
        r.CopyTo(fixedSize, _ecFieldBytes - r.Length);
        s.CopyTo(fixedSize, 2 * _ecFieldBytes - s.Length);
        using var ecdsa = ECDsa.Create(_ec);
        return ecdsa.VerifyData(data, fixedSize, _ecHash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>The authorized_keys form: "type base64".</summary>
    public string ToLine() => $"{Type} {Convert.ToBase64String(Blob)}";
}

/// <summary>An OpenSSH certificate (PROTOCOL.certkeys): a key, who it is for, when, and the CA that says so.</summary>
internal sealed class SshCertificate
{
    public const string Suffix = "-cert-v01@openssh.com";
    public const uint UserType = 1;
    public const uint HostType = 2;
    public const ulong Forever = ulong.MaxValue;

    /// <summary>Critical options defined for user certificates; they restrict logins, not signatures.</summary>
    private static readonly HashSet<string> KnownCriticalOptions = new(StringComparer.Ordinal) { "force-command", "source-address" };

    private SshCertificate()
    {
    }

    public required string Type { get; init; }
    public required byte[] Blob { get; init; }
    public required SshPublicKey Key { get; init; }
    public required ulong Serial { get; init; }
    public required uint CertificateType { get; init; }
    public required string KeyId { get; init; }
    public required IReadOnlyList<string> Principals { get; init; }
    public required ulong ValidAfter { get; init; }
    public required ulong ValidBefore { get; init; }
    public required IReadOnlyList<string> CriticalOptions { get; init; }
    public required SshPublicKey CaKey { get; init; }
    public required byte[] CaSignature { get; init; }
    public required int SignedLength { get; init; }

    public static bool IsCertificateType(string type) => type.EndsWith(Suffix, StringComparison.Ordinal);

    /// <summary>Reads a certificate blob, checking its structure and that its CA signature verifies with its CA key.</summary>
    public static SshCertificate Parse(byte[] blob)
    {
        var reader = new SshReader(blob);
        string type = reader.ReadText("certificate type");
        if (!IsCertificateType(type))
        {
            throw new SshWireException($"'{type}' is not a certificate type");
        }
        reader.ReadString("certificate nonce");
        var key = SshPublicKey.ReadFields(type[..^Suffix.Length], reader);
        ulong serial = reader.ReadUInt64("certificate serial");
        uint certificateType = reader.ReadUInt32("certificate type");
        string keyId = reader.ReadText("certificate key id");
        var principals = ReadList(reader.ReadString("certificate principals"), "principal", withData: false);
        ulong validAfter = reader.ReadUInt64("certificate valid-after");
        ulong validBefore = reader.ReadUInt64("certificate valid-before");
        var critical = ReadList(reader.ReadString("certificate critical options"), "critical option", withData: true);
        ReadList(reader.ReadString("certificate extensions"), "extension", withData: true);
        reader.ReadString("certificate reserved field");
        var caBlob = reader.ReadString("certificate signature key");
        int signedLength = reader.Position;
        var caSignature = reader.ReadString("certificate signature");
        reader.ExpectEnd("certificate");

        var caReader = new SshReader(caBlob);
        string caType = caReader.ReadText("CA key type");
        if (IsCertificateType(caType))
        {
            throw new SshWireException("the certificate is signed by another certificate (chained certificates are not supported by OpenSSH either)");
        }
        var caKey = SshPublicKey.ReadFields(caType, caReader);
        caReader.ExpectEnd("CA key");
        if (certificateType is not (UserType or HostType))
        {
            throw new SshWireException($"certificate type {certificateType} is neither user (1) nor host (2)");
        }

        var certificate = new SshCertificate
        {
            Type = type,
            Blob = blob,
            Key = key,
            Serial = serial,
            CertificateType = certificateType,
            KeyId = keyId,
            Principals = principals,
            ValidAfter = validAfter,
            ValidBefore = validBefore,
            CriticalOptions = critical,
            CaKey = caKey,
            CaSignature = caSignature,
            SignedLength = signedLength,
        };
        if (certificate.CheckCaSignature() is { } refusal)
        {
            throw new SshWireException(refusal);
        }
        return certificate;
    }

    /// <summary>Null when the CA signature over the certificate verifies with the certificate's CA key; else why not.</summary>
    public string? CheckCaSignature()
    {
        bool ok;
        string? refusal;
        try
        {
            ok = CaKey.VerifySignature(CaSignature, Blob.AsSpan(0, SignedLength), out _, out refusal);
        }
        catch (SshWireException ex)
        {
            return $"the certificate's CA signature is malformed: {ex.Message}";
        }
        if (refusal is not null)
        {
            return $"the certificate's CA signature is refused: {refusal}";
        }
        return ok ? null : "the certificate's CA signature does not verify (the certificate was altered)";
    }

    /// <summary>The first critical option DeIRF does not understand, or null (PROTOCOL.certkeys: refuse unknown ones).</summary>
    public string? UnknownCriticalOption => CriticalOptions.FirstOrDefault(o => !KnownCriticalOptions.Contains(o));

    public static string FormatTime(ulong seconds, bool isEnd)
    {
        if (isEnd && seconds == Forever)
        {
            return "forever";
        }
        return seconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? "forever"
            : DateTimeOffset.FromUnixTimeSeconds((long)seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    public static DateTimeOffset ToTime(ulong seconds)
        => seconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds((long)seconds);

    /// <summary>Packed names (principals), or name/data pairs (options, extensions): each name once, as text.</summary>
    private static List<string> ReadList(byte[] packed, string what, bool withData)
    {
        var reader = new SshReader(packed);
        var names = new List<string>();
        while (!reader.AtEnd)
        {
            string name = reader.ReadText($"certificate {what}");
            if (withData)
            {
                reader.ReadString($"certificate {what} '{name}' data");
                if (names.Contains(name, StringComparer.Ordinal))
                {
                    throw new SshWireException($"certificate {what} '{name}' appears twice");
                }
            }
            names.Add(name);
        }
        return names;
    }
}

/// <summary>One key in authorized_keys / allowed_signers form, with the options DeIRF honours.</summary>
internal sealed class SshKeyLine
{
    private const string TimeFormat = "yyyyMMddHHmmss";

    private SshKeyLine()
    {
    }

    /// <summary>The plain key (for a certificate: the certified key).</summary>
    public required SshPublicKey Key { get; init; }
    public SshCertificate? Certificate { get; init; }
    public string? Comment { get; init; }

    /// <summary>allowed_signers valid-after / valid-before (authorized_keys expiry-time), in UTC.</summary>
    public DateTimeOffset? ValidAfter { get; init; }
    public DateTimeOffset? ValidBefore { get; init; }

    /// <summary>allowed_signers namespaces="..." (null: any).</summary>
    public IReadOnlyList<string>? Namespaces { get; init; }
    public bool IsCertAuthority { get; init; }

    /// <summary>The line in a stable form that parses back to the same key and options.</summary>
    public string Normalised
    {
        get
        {
            var options = new List<string>();
            if (IsCertAuthority)
            {
                options.Add("cert-authority");
            }
            if (ValidAfter is { } after)
            {
                options.Add($"valid-after=\"{after.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}Z\"");
            }
            if (ValidBefore is { } before)
            {
                options.Add($"valid-before=\"{before.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}Z\"");
            }
            if (Namespaces is not null)
            {
                options.Add($"namespaces=\"{string.Join(',', Namespaces)}\"");
            }
            var keyPart = Certificate is null ? Key.ToLine() : $"{Certificate.Type} {Convert.ToBase64String(Certificate.Blob)}";
            var sb = new StringBuilder();
            if (options.Count > 0)
            {
                sb.Append(string.Join(',', options)).Append(' ');
            }
            sb.Append(keyPart);
            if (!string.IsNullOrEmpty(Comment))
            {
                sb.Append(' ').Append(Comment);
            }
            return sb.ToString();
        }
    }

    /// <summary>A public key blob that may be a certificate.</summary>
    public static (SshPublicKey Key, SshCertificate? Certificate) ParseBlob(byte[] blob, string what)
    {
        var reader = new SshReader(blob);
        string type = reader.ReadText($"{what} type");
        if (SshCertificate.IsCertificateType(type))
        {
            var certificate = SshCertificate.Parse(blob);
            return (certificate.Key, certificate);
        }
        var key = SshPublicKey.ReadFields(type, reader);
        reader.ExpectEnd(what);
        return (key, null);
    }

    /// <summary>Parses one line; throws <see cref="SshWireException"/> with a reason.</summary>
    public static SshKeyLine Parse(string text)
    {
        var lines = text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new SshWireException("this is a private key; give the public key (the .pub file), and keep the private key to yourself");
        }
        if (lines.Count == 0)
        {
            throw new SshWireException("the SSH public key is empty");
        }
        if (lines.Count > 1)
        {
            throw new SshWireException($"give one SSH key line, not {lines.Count}");
        }
        var tokens = Tokenize(lines[0]);
        int at = -1;
        for (int i = 0; i + 1 < tokens.Count; i++)
        {
            if (LooksLikeKeyType(tokens[i]))
            {
                at = i;
                break;
            }
        }
        if (at < 0)
        {
            throw new SshWireException("not an SSH public key line (expected e.g. 'ssh-ed25519 AAAA... comment')");
        }
        var blob = new byte[tokens[at + 1].Length];
        if (!Convert.TryFromBase64String(tokens[at + 1], blob, out int written))
        {
            throw new SshWireException("the key data is not base64");
        }
        blob = blob[..written];
        var embeddedType = new SshReader(blob).ReadText("key type");
        if (embeddedType != tokens[at])
        {
            throw new SshWireException($"the line says '{tokens[at]}' but the key data is '{embeddedType}'");
        }
        var (key, certificate) = ParseBlob(blob, "key");

        DateTimeOffset? validAfter = null;
        DateTimeOffset? validBefore = null;
        List<string>? namespaces = null;
        bool certAuthority = false;
        foreach (var option in tokens.Take(at).SelectMany(SplitOptions))
        {
            int eq = option.IndexOf('=');
            string name = (eq < 0 ? option : option[..eq]).ToLowerInvariant();
            string? value = eq < 0 ? null : Unquote(option[(eq + 1)..]);
            switch (name)
            {
                case "cert-authority":
                    certAuthority = true;
                    break;
                case "valid-after":
                    validAfter = ParseTime(name, value);
                    break;
                case "valid-before":
                case "expiry-time":
                    var t = ParseTime(name, value);
                    validBefore = validBefore is { } v && v < t ? v : t;
                    break;
                case "namespaces":
                    namespaces = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                    break;
                default:
                    // Other authorized_keys options (from=, no-pty...) and an allowed_signers principals field do
                    // not bear on a signature; the roster, not the line, says who the key belongs to.
                    break;
            }
        }
        if (validAfter is { } a && validBefore is { } b && a >= b)
        {
            throw new SshWireException("valid-after is not before valid-before");
        }
        return new SshKeyLine
        {
            Key = key,
            Certificate = certificate,
            Comment = tokens.Count > at + 2 ? string.Join(' ', tokens.Skip(at + 2)) : null,
            ValidAfter = validAfter,
            ValidBefore = validBefore,
            Namespaces = namespaces,
            IsCertAuthority = certAuthority,
        };
    }

    private static bool LooksLikeKeyType(string token)
        => (token.StartsWith("ssh-", StringComparison.Ordinal) || token.StartsWith("ecdsa-", StringComparison.Ordinal)
            || token.StartsWith("sk-", StringComparison.Ordinal) || token.StartsWith("rsa-", StringComparison.Ordinal))
           && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '@' or '.');

    /// <summary>allowed_signers times: YYYYMMDD[HHMM[SS]] with a trailing Z. Local times differ per machine, so they are refused.</summary>
    private static DateTimeOffset ParseTime(string option, string? value)
    {
        if (value is null || !value.EndsWith('Z'))
        {
            throw new SshWireException($"{option}=\"{value}\" is not a UTC time; write it as YYYYMMDD[HHMM[SS]]Z so every verifier reads the same instant");
        }
        var digits = value[..^1];
        string[] formats = ["yyyyMMdd", "yyyyMMddHHmm", "yyyyMMddHHmmss"];
        if (!DateTime.TryParseExact(digits, formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            throw new SshWireException($"{option}=\"{value}\" is not a time of the form YYYYMMDD[HHMM[SS]]Z");
        }
        return new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }

    private static string Unquote(string value)
        => value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    /// <summary>Whitespace-separated tokens; a double-quoted run (an option value) may hold spaces.</summary>
    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (!quoted && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                }
                continue;
            }
            current.Append(c);
        }
        if (quoted)
        {
            throw new SshWireException("an option's double quote is not closed");
        }
        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }
        return tokens;
    }

    private static IEnumerable<string> SplitOptions(string token)
    {
        var current = new StringBuilder();
        bool quoted = false;
        foreach (char c in token)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (c == ',' && !quoted)
            {
                yield return current.ToString();
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        yield return current.ToString();
    }
}
