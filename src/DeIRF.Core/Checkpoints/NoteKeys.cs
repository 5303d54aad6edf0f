using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Identity;
using DeIRF.Identity.Verifiers;

namespace DeIRF.Checkpoints;

/// <summary>What a signature on a checkpoint says: the log's own signature (the Recorder's) or a witness's cosignature.</summary>
public enum CheckpointRole
{
    Log,
    Witness,
}

/// <summary>
/// The signature types DeIRF writes on checkpoints (C2SP signed-note type bytes): Ed25519 note signatures (0x01) and
/// cosignature/v1 (0x04) for did:key (Ed25519) responders, and the DeIRF envelope (0xff followed by
/// "deirf-envelope/v1") for responders whose keys are OpenPGP, SSH or Ethereum.
/// </summary>
public static class NoteKeys
{
    public const byte Ed25519Type = 0x01;
    public const byte CosignatureV1Type = 0x04;

    /// <summary>
    /// RFC 6962 TreeHeadSignature note signatures (C2SP static-ct-api, Sunlight and every static CT log): the key id
    /// hashes the log id (SHA-256 of the log's SubjectPublicKeyInfo), the signature is a timestamp and a TLS
    /// DigitallySigned over the RFC 6962 tree head.
    /// </summary>
    public const byte Rfc6962Type = 0x05;
    public const byte EnvelopeType = 0xff;
    public const string EnvelopeId = "deirf-envelope/v1";
    public const string CosignatureHeader = "cosignature/v1";

    /// <summary>Key kinds that sign through the envelope (did:key signs natively as Ed25519).</summary>
    public static IReadOnlySet<ProofKind> EnvelopeKinds => ProofKinds.Signing.Where(k => k != ProofKind.DidKey).ToHashSet();

    /// <summary>C2SP key ID: SHA-256(name || 0x0A || type || public key)[:4], big-endian.</summary>
    public static uint KeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buf = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(buf, 0);
        buf[nameBytes.Length] = 0x0A;
        buf[nameBytes.Length + 1] = type;
        publicKey.CopyTo(buf.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(buf));
    }

    /// <summary>
    /// The envelope's key id: type 0xff then "deirf-envelope/v1\n&lt;kind&gt;\n&lt;fingerprint&gt;" as the key
    /// material, so an OpenPGP key block that gains a revocation keeps its id.
    /// </summary>
    public static uint EnvelopeKeyId(string name, ProofKind kind, string fingerprint)
        => KeyId(name, EnvelopeType, Encoding.UTF8.GetBytes($"{EnvelopeId}\n{kind}\n{fingerprint}"));

    /// <summary>The bytes a cosignature/v1 signs: header, time line, then the checkpoint body.</summary>
    public static byte[] CosignedMessage(Checkpoint checkpoint, ulong timestamp)
        => Encoding.UTF8.GetBytes($"{CosignatureHeader}\ntime {timestamp.ToString(CultureInfo.InvariantCulture)}\n" + checkpoint.Body);

    /// <summary>The bytes an envelope signature signs: its own header, role, time, then the checkpoint body.</summary>
    public static byte[] EnvelopeMessage(Checkpoint checkpoint, CheckpointRole role, ulong timestamp)
        => Encoding.UTF8.GetBytes($"{EnvelopeId}\nrole {(role == CheckpointRole.Log ? "log" : "witness")}\ntime {timestamp.ToString(CultureInfo.InvariantCulture)}\n" + checkpoint.Body);

    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '+'))
        {
            throw new CheckpointException("CheckpointSignerName", DeirfErrorKind.InvalidArgument,
                $"'{name}' cannot name a note key: key names have no spaces or '+' (C2SP signed-note).", name);
        }
    }
}

/// <summary>
/// A key DeIRF can sign checkpoints with: a responder's private key file, read for one signature and dropped. The
/// key name on the signature line is the responder's handle.
/// </summary>
public sealed class CheckpointSigner
{
    private readonly string _keyPath;

    private CheckpointSigner(string handle, ProofKind kind, string keyPath, string fingerprint, string publicKeyText)
    {
        Handle = handle;
        Kind = kind;
        _keyPath = keyPath;
        Fingerprint = fingerprint;
        PublicKeyText = publicKeyText;
    }

    public string Handle { get; }
    public ProofKind Kind { get; }
    public string Fingerprint { get; }
    public string PublicKeyText { get; }

    /// <summary>
    /// Opens a key file for <paramref name="handle"/>: with <paramref name="kind"/> null, every kind DeIRF can sign
    /// with is tried, and the one whose public part is an active proof of the responder in <paramref name="roster"/>
    /// wins (without a roster, the first kind that reads the file).
    /// </summary>
    public static CheckpointSigner FromKeyFile(string handle, string keyPath, ProofKind? kind = null, Roster? roster = null)
    {
        NoteKeys.CheckName(handle);
        if (!File.Exists(keyPath))
        {
            throw new DeirfException("SigningKeyMissing", DeirfErrorKind.NotFound, $"The key file '{keyPath}' does not exist.", keyPath);
        }
        // did:key first (it signs natively as Ed25519), then the built-in envelope kinds, then any other kind DeIRF signs with.
        var kinds = kind is { } k ? [k] : new[] { ProofKind.DidKey, ProofKind.Ssh, ProofKind.OpenPgp, ProofKind.Ethereum }.Concat(ProofKinds.Signing).Distinct().ToArray();
        var responder = roster?.Find(handle);
        if (roster is not null && responder is null)
        {
            throw new DeirfException("ResponderNotFound", DeirfErrorKind.NotFound, $"No responder '{handle}' in the roster.", handle);
        }
        string? lastProblem = null;
        foreach (var candidate in kinds)
        {
            string pub;
            ProofKey key;
            try
            {
                using var material = PrivateKeyMaterial.FromFile(keyPath);
                pub = Signatures.SignerFor(candidate).PublicKeyOf(material);
                key = Signatures.ParsePublicKey(candidate, pub);
            }
            catch (InvalidProofException ex)
            {
                lastProblem = ex.Reason;
                continue;
            }
            if (responder is not null && responder.FindProof(key.Fingerprint) is not { IsRevoked: false })
            {
                throw new DeirfException("SigningKeyNotBound", DeirfErrorKind.SecurityError,
                    $"The key at '{keyPath}' ({candidate} {key.Fingerprint}) is not an active proof of '{handle}'. Bind it first with Add-DeirfIdentityProof.", keyPath);
            }
            return new CheckpointSigner(handle, candidate, keyPath, key.Fingerprint, key.PublicKey);
        }
        throw new DeirfException("SigningKeyUnusable", DeirfErrorKind.InvalidData,
            $"The key at '{keyPath}' is not a key DeIRF can sign checkpoints with (did:key seed, OpenSSH, OpenPGP or Ethereum){(lastProblem is null ? "" : $": {lastProblem}")}.", keyPath);
    }

    /// <summary>The verifier key (C2SP vkey form) a checkpoint reader configures to trust this signer in <paramref name="role"/>.</summary>
    public NoteVerifierKey VerifierKey(CheckpointRole role) => Kind == ProofKind.DidKey
        ? NoteVerifierKey.Ed25519(Handle, role == CheckpointRole.Log ? NoteKeys.Ed25519Type : NoteKeys.CosignatureV1Type, DidKeyVerifier.DecodeDid(PublicKeyText, null))
        : NoteVerifierKey.Envelope(Handle, Signatures.ParsePublicKey(Kind, PublicKeyText));

    /// <summary>Signs <paramref name="checkpoint"/> in <paramref name="role"/> at <paramref name="time"/>; returns the signature line.</summary>
    public NoteSignature Sign(Checkpoint checkpoint, CheckpointRole role, DateTimeOffset time)
    {
        var ts = (ulong)time.ToUnixTimeSeconds();
        using var material = PrivateKeyMaterial.FromFile(_keyPath);
        if (Kind == ProofKind.DidKey)
        {
            var ed = (DidKeyVerifier)Signatures.SignerFor(ProofKind.DidKey);
            var pub = ed.RawPublicKeyOf(material);
            if (role == CheckpointRole.Log)
            {
                return new NoteSignature(Handle, NoteKeys.KeyId(Handle, NoteKeys.Ed25519Type, pub), ed.SignRaw(checkpoint.BodyBytes, material));
            }
            var sig = ed.SignRaw(NoteKeys.CosignedMessage(checkpoint, ts), material);
            var blob = new byte[8 + sig.Length];
            BinaryPrimitives.WriteUInt64BigEndian(blob, ts);
            sig.CopyTo(blob, 8);
            return new NoteSignature(Handle, NoteKeys.KeyId(Handle, NoteKeys.CosignatureV1Type, pub), blob);
        }
        var text = Signatures.SignerFor(Kind).Sign(NoteKeys.EnvelopeMessage(checkpoint, role, ts), material);
        var envelope = CanonicalJson.Serialize(new JsonObject
        {
            ["fp"] = Fingerprint,
            ["kind"] = Kind.ToString(),
            ["role"] = role == CheckpointRole.Log ? "log" : "witness",
            ["sig"] = text,
            ["time"] = (long)ts,
        });
        return new NoteSignature(Handle, NoteKeys.EnvelopeKeyId(Handle, Kind, Fingerprint), envelope);
    }
}

/// <summary>
/// A trusted (name, key id, type, public key) tuple. Text form (C2SP vkey): "name+&lt;8 hex key id&gt;+base64(type || key)";
/// for the envelope the key is "deirf-envelope/v1\n&lt;kind&gt;\n&lt;public key text&gt;".
/// </summary>
public sealed class NoteVerifierKey
{
    private NoteVerifierKey(string name, uint keyId, byte type, byte[]? ed25519, ProofKey? proofKey, byte[]? spki = null)
    {
        Name = name;
        KeyId = keyId;
        Type = type;
        Ed25519Key = ed25519;
        ProofKey = proofKey;
        SubjectPublicKeyInfo = spki;
    }

    public string Name { get; }
    public uint KeyId { get; }
    public byte Type { get; }
    public byte[]? Ed25519Key { get; }
    public ProofKey? ProofKey { get; }

    /// <summary>An RFC 6962 log's public key (DER SubjectPublicKeyInfo, ECDSA P-256 or RSA), for <see cref="NoteKeys.Rfc6962Type"/>.</summary>
    public byte[]? SubjectPublicKeyInfo { get; }

    public string KindText => Type switch
    {
        NoteKeys.Ed25519Type => "ed25519",
        NoteKeys.CosignatureV1Type => "cosignature/v1",
        NoteKeys.Rfc6962Type => "rfc6962",
        _ => $"envelope {ProofKey!.Kind}",
    };

    public static NoteVerifierKey Ed25519(string name, byte type, byte[] publicKey)
    {
        NoteKeys.CheckName(name);
        if (Signatures.CheckEd25519PublicKey(publicKey) is { } problem)
        {
            throw BadKey(name, problem);
        }
        return new NoteVerifierKey(name, NoteKeys.KeyId(name, type, publicKey), type, publicKey, null);
    }

    public static NoteVerifierKey Envelope(string name, ProofKey key)
    {
        NoteKeys.CheckName(name);
        if (!NoteKeys.EnvelopeKinds.Contains(key.Kind))
        {
            throw BadKey(name, $"{key.Kind} keys do not sign checkpoints through the envelope");
        }
        return new NoteVerifierKey(name, NoteKeys.EnvelopeKeyId(name, key.Kind, key.Fingerprint), NoteKeys.EnvelopeType, null, key);
    }

    /// <summary>
    /// A static-ct-api (Sunlight) log's key: the log's DER SubjectPublicKeyInfo, named by the log's origin. The key id
    /// is SHA-256(name || 0x0A || 0x05 || SHA-256(SPKI))[:4] (C2SP static-ct-api, "Checkpoints"); the signature is
    /// ECDSA P-256 or RSA PKCS#1 v1.5 with SHA-256 as RFC 6962 allows.
    /// </summary>
    public static NoteVerifierKey Rfc6962(string name, byte[] subjectPublicKeyInfo)
    {
        NoteKeys.CheckName(name);
        try
        {
            using var key = Rfc6962Verifier.Import(subjectPublicKeyInfo);
        }
        catch (CryptographicException ex)
        {
            throw BadKey(name, $"not an ECDSA P-256 or RSA SubjectPublicKeyInfo ({ex.Message})");
        }
        return new NoteVerifierKey(name, NoteKeys.KeyId(name, NoteKeys.Rfc6962Type, SHA256.HashData(subjectPublicKeyInfo)), NoteKeys.Rfc6962Type, null, null, subjectPublicKeyInfo);
    }

    /// <summary>An RFC 6962 log key from the base64 (or PEM) SubjectPublicKeyInfo a CT log list publishes ("key").</summary>
    public static NoteVerifierKey Rfc6962(string name, string publicKeyText)
    {
        var text = publicKeyText.Trim();
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            text = string.Concat(text.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
        }
        try
        {
            return Rfc6962(name, Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            throw BadKey(name, "the log key is not base64 (or PEM) of a DER SubjectPublicKeyInfo");
        }
    }

    /// <summary>The same public key under another name (its key id recomputed): what a public copy of a checkpoint is verified with.</summary>
    public NoteVerifierKey Renamed(string name) => Type switch
    {
        NoteKeys.EnvelopeType => Envelope(name, ProofKey!),
        NoteKeys.Rfc6962Type => Rfc6962(name, SubjectPublicKeyInfo!),
        _ => Ed25519(name, Type, Ed25519Key!),
    };

    /// <summary>
    /// The vkey line: C2SP's for Ed25519 and cosignature/v1; for RFC 6962 keys (which C2SP names by log id and no
    /// vkey form) DeIRF writes the type byte then the whole SubjectPublicKeyInfo, so the line alone can verify.
    /// </summary>
    public override string ToString()
    {
        byte[] material = Type switch
        {
            NoteKeys.EnvelopeType => [NoteKeys.EnvelopeType, .. Encoding.UTF8.GetBytes($"{NoteKeys.EnvelopeId}\n{ProofKey!.Kind}\n{ProofKey.PublicKey}")],
            NoteKeys.Rfc6962Type => [NoteKeys.Rfc6962Type, .. SubjectPublicKeyInfo!],
            _ => [Type, .. Ed25519Key!],
        };
        return $"{Name}+{KeyId:x8}+{Convert.ToBase64String(material)}";
    }

    /// <summary>Parses a vkey line; the key id must match the one computed from the name and key.</summary>
    public static NoteVerifierKey Parse(string text)
    {
        var parts = text.Trim().Split('+');
        // base64 may itself contain '+': name and id are the first two fields, the rest is the key.
        if (parts.Length < 3 || parts[1].Length != 8 || !uint.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id))
        {
            throw BadKey(text, "a verifier key is '<name>+<8 hex digits>+<base64 key>'");
        }
        var name = parts[0];
        byte[] material;
        try
        {
            material = Convert.FromBase64String(string.Join('+', parts[2..]));
        }
        catch (FormatException)
        {
            throw BadKey(name, "the key is not base64");
        }
        NoteVerifierKey key;
        if (material.Length == 33 && material[0] is NoteKeys.Ed25519Type or NoteKeys.CosignatureV1Type)
        {
            key = Ed25519(name, material[0], material[1..]);
        }
        else if (material.Length > 1 && material[0] == NoteKeys.EnvelopeType)
        {
            var rest = Encoding.UTF8.GetString(material, 1, material.Length - 1);
            var lines = rest.Split('\n', 3);
            if (lines.Length != 3 || lines[0] != NoteKeys.EnvelopeId || !ProofKind.TryFromName(lines[1], out var kind))
            {
                throw BadKey(name, $"an envelope key is '{NoteKeys.EnvelopeId}', a proof kind and the public key, one per line");
            }
            key = Envelope(name, Signatures.ParsePublicKey(kind, lines[2]));
        }
        else if (material.Length > 1 && material[0] == NoteKeys.Rfc6962Type)
        {
            key = Rfc6962(name, material[1..]);
        }
        else
        {
            throw BadKey(name, "unsupported signature type (DeIRF reads 0x01 Ed25519, 0x04 cosignature/v1, 0x05 RFC 6962 and 0xff deirf-envelope/v1)");
        }
        if (key.KeyId != id)
        {
            throw BadKey(name, $"the key id {parts[1]} is not the one its name and key give ({key.KeyId:x8})");
        }
        return key;
    }

    private static CheckpointException BadKey(string name, string reason)
        => new("CheckpointKeyInvalid", DeirfErrorKind.InvalidData, $"Verifier key '{name}' refused: {reason}.", name);

    /// <summary>Every checkpoint key of the roster's responders: active did:key proofs as Ed25519 (both types), OpenPGP, SSH and Ethereum as envelopes.</summary>
    public static IReadOnlyList<NoteVerifierKey> FromRoster(Roster roster)
    {
        var keys = new List<NoteVerifierKey>();
        foreach (var responder in roster.Responders)
        {
            if (responder.Handle.Contains('+'))
            {
                continue;
            }
            foreach (var proof in responder.ActiveProofs)
            {
                try
                {
                    if (proof.Kind == ProofKind.DidKey)
                    {
                        var pub = DidKeyVerifier.DecodeDid(proof.Key.PublicKey, null);
                        keys.Add(Ed25519(responder.Handle, NoteKeys.Ed25519Type, pub));
                        keys.Add(Ed25519(responder.Handle, NoteKeys.CosignatureV1Type, pub));
                    }
                    else if (NoteKeys.EnvelopeKinds.Contains(proof.Kind))
                    {
                        keys.Add(Envelope(responder.Handle, proof.Key));
                    }
                }
                catch (DeirfException)
                {
                    // A proof that cannot serve as a note key simply does not sign checkpoints.
                }
            }
        }
        return keys;
    }

    /// <summary>Checks one signature line made by this key; null when it verifies, else the reason.</summary>
    internal string? Check(Checkpoint checkpoint, NoteSignature line, out CheckpointRole role, out DateTimeOffset? time)
    {
        role = CheckpointRole.Log;
        time = null;
        switch (Type)
        {
            case NoteKeys.Ed25519Type:
                return Signatures.CheckEd25519(Ed25519Key, checkpoint.BodyBytes, line.Signature);
            case NoteKeys.CosignatureV1Type:
                role = CheckpointRole.Witness;
                if (line.Signature.Length != 8 + 64)
                {
                    return $"a cosignature/v1 is 72 bytes (time and Ed25519 signature), not {line.Signature.Length}";
                }
                var ts = BinaryPrimitives.ReadUInt64BigEndian(line.Signature);
                if (ts > long.MaxValue / 2 || ts > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                {
                    return "the cosignature time is out of range";
                }
                time = DateTimeOffset.FromUnixTimeSeconds((long)ts);
                return Signatures.CheckEd25519(Ed25519Key, NoteKeys.CosignedMessage(checkpoint, ts), line.Signature.AsSpan(8));
            case NoteKeys.Rfc6962Type:
                return Rfc6962Verifier.Check(SubjectPublicKeyInfo!, checkpoint, line.Signature, out time);
            default:
                return CheckEnvelope(checkpoint, line, out role, out time);
        }
    }

    private string? CheckEnvelope(Checkpoint checkpoint, NoteSignature line, out CheckpointRole role, out DateTimeOffset? time)
    {
        role = CheckpointRole.Log;
        time = null;
        JsonObject env;
        try
        {
            env = JsonNode.Parse(line.Signature) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            return $"the envelope is not JSON ({ex.Message})";
        }
        if (!CanonicalJson.Serialize(env).AsSpan().SequenceEqual(line.Signature))
        {
            return "the envelope is not canonical JSON";
        }
        if (env.Count != 5 || env["kind"]?.GetValueKind() != JsonValueKind.String || env["fp"]?.GetValueKind() != JsonValueKind.String
            || env["role"]?.GetValueKind() != JsonValueKind.String || env["sig"]?.GetValueKind() != JsonValueKind.String
            || env["time"]?.GetValueKind() != JsonValueKind.Number)
        {
            return "the envelope is {fp, kind, role, sig, time}";
        }
        if ((string)env["kind"]! != ProofKey!.Kind.ToString() || (string)env["fp"]! != ProofKey.Fingerprint)
        {
            return $"the envelope names {env["kind"]} {env["fp"]}, not {ProofKey.Kind} {ProofKey.Fingerprint}";
        }
        role = (string)env["role"]! switch
        {
            "log" => CheckpointRole.Log,
            "witness" => CheckpointRole.Witness,
            _ => (CheckpointRole)(-1),
        };
        if ((int)role < 0)
        {
            return "the envelope role is 'log' or 'witness'";
        }
        long ts = (long)env["time"]!;
        if (ts < 0 || ts > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return "the envelope time is out of range";
        }
        time = DateTimeOffset.FromUnixTimeSeconds(ts);
        var check = Signatures.Verify(ProofKey, NoteKeys.EnvelopeMessage(checkpoint, role, (ulong)ts), (string)env["sig"]!,
            new VerificationContext { Clock = new FixedClock(time.Value) });
        return check.IsValid ? null : check.Reason;
    }
}

/// <summary>
/// RFC 6962 note signatures (C2SP static-ct-api): timestamp (uint64 ms) || DigitallySigned { hash 4 (SHA-256), signature
/// 3 (ECDSA) or 1 (RSA), opaque signature&lt;0..2^16-1&gt; } over the RFC 6962 TreeHeadSignature of the checkpoint's
/// size and root. Such a checkpoint has no extension lines (the tree head signs nothing else).
/// </summary>
internal static class Rfc6962Verifier
{
    public static AsymmetricAlgorithm Import(byte[] spki)
    {
        try
        {
            var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || ec.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                ec.Dispose();
                throw new CryptographicException("an ECDSA log key is P-256");
            }
            return ec;
        }
        catch (CryptographicException) when (TryRsa(spki) is { } rsa)
        {
            return rsa;
        }
    }

    private static RSA? TryRsa(byte[] spki)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read == spki.Length && rsa.KeySize >= 2048)
            {
                return rsa;
            }
        }
        catch (CryptographicException)
        {
        }
        rsa.Dispose();
        return null;
    }

    public static string? Check(byte[] spki, Checkpoint checkpoint, ReadOnlySpan<byte> signature, out DateTimeOffset? time)
    {
        time = null;
        if (checkpoint.Extensions.Count > 0)
        {
            return "an RFC 6962 tree head signs no extension lines";
        }
        if (signature.Length < 8 + 4)
        {
            return "an RFC 6962 note signature is a timestamp and a DigitallySigned";
        }
        var ms = BinaryPrimitives.ReadUInt64BigEndian(signature);
        byte hashAlg = signature[8], sigAlg = signature[9];
        int length = BinaryPrimitives.ReadUInt16BigEndian(signature[10..]);
        if (hashAlg != 4)
        {
            return $"hash algorithm {hashAlg} is not SHA-256 (4)";
        }
        if (signature.Length != 12 + length)
        {
            return "the DigitallySigned length does not match the signature";
        }
        if (ms > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return "the tree head timestamp is out of range";
        }
        if (checkpoint.Size < 0 || checkpoint.RootHash.Length != 32)
        {
            return "the checkpoint's root is not a SHA-256 hash";
        }
        // TreeHeadSignature: version v1 (0), signature_type tree_hash (1), timestamp, tree_size, sha256_root_hash.
        Span<byte> tbs = stackalloc byte[1 + 1 + 8 + 8 + 32];
        tbs[0] = 0;
        tbs[1] = 1;
        BinaryPrimitives.WriteUInt64BigEndian(tbs[2..], ms);
        BinaryPrimitives.WriteUInt64BigEndian(tbs[10..], (ulong)checkpoint.Size);
        checkpoint.RootHash.CopyTo(tbs[18..]);
        var sig = signature[12..];
        using var key = Import(spki);
        bool ok = (key, sigAlg) switch
        {
            (ECDsa ec, 3) => ec.VerifyData(tbs, sig, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            (RSA rsa, 1) => rsa.VerifyData(tbs, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => false,
        };
        if (!ok)
        {
            return key is ECDsa && sigAlg != 3 || key is RSA && sigAlg != 1 ? $"signature algorithm {sigAlg} does not match the log key" : "the RFC 6962 tree head signature does not verify";
        }
        time = DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        return null;
    }
}
