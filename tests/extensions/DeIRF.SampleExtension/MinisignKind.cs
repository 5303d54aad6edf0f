using System.Text;
using DeIRF.Identity;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DeIRF.SampleExtension;

/// <summary>
/// The sample identity kind: minisign (https://jedisct1.github.io/minisign/) Ed25519 keys and signatures, in the
/// files the minisign tool writes. Public key: "untrusted comment" line, then base64 of "Ed" | key id (8) | key (32).
/// Signature: "untrusted comment", base64 of "Ed"/"ED" | key id | signature (64) over the payload ("ED": over its
/// BLAKE2b-512), "trusted comment: ...", base64 of the global signature over signature | trusted comment.
/// DeIRF signs with an unencrypted minisign secret key (minisign -G -W).
/// </summary>
public sealed class MinisignKind : IProofKindDescriptor, IProofSigner
{
    public static readonly ProofKind Minisign = ProofKind.Of("Minisign");

    public ProofKind Kind => Minisign;

    public int Order => 100;

    public bool Recognizes(string signature)
        => signature.StartsWith("untrusted comment:", StringComparison.Ordinal) && signature.Contains("\ntrusted comment:", StringComparison.Ordinal);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var line = KeyLine(publicKeyText);
        var raw = Base64(line, 42, "public key");
        if (raw[0] != 'E' || raw[1] != 'd')
        {
            throw Refuse("the public key is not an Ed25519 minisign key (it must start with \"Ed\")");
        }
        var pk = raw[10..];
        if (Signatures.CheckEd25519PublicKey(pk) is { } problem)
        {
            throw Refuse(problem);
        }
        // The fingerprint is the base64 key line itself (what `minisign -P` takes): it names the key bytes, not only
        // the key id, which the key's owner chooses and so anyone could copy.
        return new ProofKey(Minisign, line, line, "ed25519",
            new Dictionary<string, string> { ["keyId"] = KeyId(raw.AsSpan(2, 8)) });
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != Minisign)
        {
            return SignatureCheck.Invalid(Minisign, key.Fingerprint, $"a {key.Kind} key cannot check a minisign signature");
        }
        var lines = signature.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length < 4 || !lines[0].StartsWith("untrusted comment:", StringComparison.Ordinal) || !lines[2].StartsWith("trusted comment: ", StringComparison.Ordinal))
        {
            return SignatureCheck.Invalid(Minisign, key.Fingerprint, "not a minisign signature file (untrusted comment, signature, trusted comment, global signature)");
        }
        var sig = Base64(lines[1].Trim(), 74, "signature");
        var global = Base64(lines[3].Trim(), 64, "global signature");
        var pkRaw = Convert.FromBase64String(key.PublicKey);
        if (!sig.AsSpan(2, 8).SequenceEqual(pkRaw.AsSpan(2, 8)))
        {
            return SignatureCheck.Invalid(Minisign, key.Fingerprint, $"signed by key id {KeyId(sig.AsSpan(2, 8))}, not {KeyId(pkRaw.AsSpan(2, 8))}");
        }
        byte[] message;
        if (sig[0] == 'E' && sig[1] == 'D')
        {
            message = Blake2b512(payload);
        }
        else if (sig[0] == 'E' && sig[1] == 'd')
        {
            message = payload.ToArray();
        }
        else
        {
            return SignatureCheck.Invalid(Minisign, key.Fingerprint, "unknown minisign signature algorithm");
        }
        var pk = pkRaw[10..];
        if (Signatures.CheckEd25519(pk, message, sig.AsSpan(10, 64)) is { } bad)
        {
            return SignatureCheck.Invalid(Minisign, key.Fingerprint, bad);
        }
        var trusted = lines[2]["trusted comment: ".Length..];
        var globalMessage = sig[10..74].Concat(Encoding.UTF8.GetBytes(trusted)).ToArray();
        if (Signatures.CheckEd25519(pk, globalMessage, global) is { } badGlobal)
        {
            return SignatureCheck.Invalid(Minisign, key.Fingerprint, "the trusted comment's signature does not verify: " + badGlobal);
        }
        return SignatureCheck.Valid(Minisign, key.Fingerprint, null, new Dictionary<string, string> { ["trustedComment"] = trusted });
    }

    public string PublicKeyOf(PrivateKeyMaterial key)
    {
        var (keyId, secret) = ReadSecretKey(key);
        try
        {
            var raw = new byte[42];
            raw[0] = (byte)'E';
            raw[1] = (byte)'d';
            keyId.CopyTo(raw, 2);
            Array.Copy(secret, 32, raw, 10, 32);
            return Convert.ToBase64String(raw);
        }
        finally
        {
            Array.Clear(secret);
        }
    }

    public string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key)
    {
        var (keyId, secret) = ReadSecretKey(key);
        try
        {
            var sig = new byte[74];
            sig[0] = (byte)'E';
            sig[1] = (byte)'D';
            keyId.CopyTo(sig, 2);
            var digest = Blake2b512(payload);
            Ed25519.Sign(secret, 0, secret, 32, digest, 0, digest.Length, sig, 10);
            var trusted = $"timestamp:{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}\tfile:deirf-payload\thashed";
            var globalMessage = sig[10..74].Concat(Encoding.UTF8.GetBytes(trusted)).ToArray();
            var global = new byte[64];
            Ed25519.Sign(secret, 0, secret, 32, globalMessage, 0, globalMessage.Length, global, 0);
            return $"untrusted comment: signature from DeIRF (minisign key {KeyId(keyId)})\n{Convert.ToBase64String(sig)}\ntrusted comment: {trusted}\n{Convert.ToBase64String(global)}\n";
        }
        finally
        {
            Array.Clear(secret);
        }
    }

    /// <summary>An unencrypted minisign secret key: "Ed", kdf "\0\0", "B2", salt, limits, then key id | seed | public key | checksum.</summary>
    private static (byte[] KeyId, byte[] Secret) ReadSecretKey(PrivateKeyMaterial key)
    {
        var text = Encoding.UTF8.GetString(key.KeyBytes);
        var raw = Base64(KeyLine(text), 158, "secret key");
        try
        {
            if (raw[0] != 'E' || raw[1] != 'd' || raw[4] != 'B' || raw[5] != '2')
            {
                throw Refuse("not a minisign Ed25519 secret key");
            }
            if (raw[2] != 0 || raw[3] != 0)
            {
                throw Refuse("the minisign secret key is encrypted (scrypt): DeIRF signs only with keys made by `minisign -G -W`; sign with minisign itself and pass the .minisig file");
            }
            var keyId = raw[54..62];
            var secret = raw[62..126];
            // minisign -W leaves the checksum zero; when present it is BLAKE2b-256(sig_alg | key id | secret key).
            if (raw.AsSpan(126, 32).IndexOfAnyExcept((byte)0) >= 0)
            {
                var sum = new Blake2bDigest(256);
                sum.BlockUpdate(raw, 0, 2);
                sum.BlockUpdate(keyId, 0, 8);
                sum.BlockUpdate(secret, 0, 64);
                var expected = new byte[32];
                sum.DoFinal(expected, 0);
                if (!expected.AsSpan().SequenceEqual(raw.AsSpan(126, 32)))
                {
                    Array.Clear(secret);
                    throw Refuse("the minisign secret key's checksum does not match (damaged file)");
                }
            }
            // Either way the stored public half must be the one the seed gives.
            var derived = new byte[32];
            Ed25519.GeneratePublicKey(secret, 0, derived, 0);
            if (!derived.AsSpan().SequenceEqual(secret.AsSpan(32, 32)))
            {
                Array.Clear(secret);
                throw Refuse("the minisign secret key's public half does not match its seed (damaged file)");
            }
            return (keyId, secret);
        }
        finally
        {
            Array.Clear(raw);
        }
    }

    private static byte[] Blake2b512(ReadOnlySpan<byte> data)
    {
        var d = new Blake2bDigest(512);
        d.BlockUpdate(data);
        var output = new byte[64];
        d.DoFinal(output, 0);
        return output;
    }

    /// <summary>The base64 line of a minisign file (after its untrusted comment), or the text itself when it is one line.</summary>
    private static string KeyLine(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length switch
        {
            1 => lines[0],
            >= 2 when lines[0].StartsWith("untrusted comment:", StringComparison.Ordinal) => lines[1],
            _ => throw Refuse("not a minisign key file (an untrusted comment line, then the base64 key)"),
        };
    }

    private static byte[] Base64(string text, int length, string what)
    {
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Refuse($"the {what} is not base64");
        }
        return raw.Length == length ? raw : throw Refuse($"the {what} is {raw.Length} bytes, not {length}");
    }

    /// <summary>minisign prints key ids as the 8 bytes little-endian, upper-case hex.</summary>
    private static string KeyId(ReadOnlySpan<byte> id)
    {
        var b = id.ToArray();
        Array.Reverse(b);
        return Convert.ToHexString(b);
    }

    private static InvalidProofException Refuse(string reason) => new(Minisign, reason);
}
