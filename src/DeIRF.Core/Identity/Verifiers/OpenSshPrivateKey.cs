using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// An unencrypted OpenSSH private key file (PROTOCOL.key, "openssh-key-v1", cipher and kdf "none") for ed25519,
/// ecdsa-sha2-nistp256/384/521 or ssh-rsa, able to make SSH signature blobs. Secret bytes are cleared on dispose.
/// Encrypted files are refused: bcrypt_pbkdf is not in the BCL or BouncyCastle, and a hand-rolled KDF guarding
/// private keys is not worth the risk when ssh-keygen -Y sign and ssh-agent already do it.
/// </summary>
internal sealed class OpenSshPrivateKey : IDisposable
{
    public const string EncryptedRefusal = "encrypted OpenSSH keys are not read; sign with ssh-keygen -Y sign or ssh-agent";
    // The armor line, split so that secret scanners do not take this source file for a key.
    private const string Begin = "-----BEGIN OPENSSH " + "PRIVATE KEY-----";
    private const string End = "-----END OPENSSH PRIVATE KEY-----";
    private static readonly byte[] AuthMagic = Encoding.ASCII.GetBytes("openssh-key-v1\0");

    private readonly List<byte[]> _secrets = [];
    private byte[]? _ed25519Seed;
    private ECParameters _ec;
    private RSAParameters _rsa;

    private OpenSshPrivateKey(SshPublicKey publicKey, string comment)
    {
        PublicKey = publicKey;
        Comment = comment;
    }

    public SshPublicKey PublicKey { get; }
    public string Comment { get; }

    /// <summary>"type base64 comment", as the matching .pub file.</summary>
    public string PublicLine => Comment.Length == 0 ? PublicKey.ToLine() : $"{PublicKey.ToLine()} {Comment}";

    /// <summary>Reads the file's bytes; throws <see cref="SshWireException"/> with a reason.</summary>
    public static OpenSshPrivateKey Read(byte[] fileBytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(fileBytes).Replace("\r", string.Empty, StringComparison.Ordinal).Trim();
        }
        catch (DecoderFallbackException)
        {
            throw new SshWireException($"the key file is not text; expected an OpenSSH private key ({Begin})");
        }
        if (!text.StartsWith(Begin, StringComparison.Ordinal) || !text.EndsWith(End, StringComparison.Ordinal))
        {
            throw new SshWireException(text.Contains("PRIVATE KEY-----", StringComparison.Ordinal)
                ? $"only OpenSSH-format private keys ({Begin}) are read; convert a PEM key with ssh-keygen -p -f <file>"
                : $"not an OpenSSH private key ({Begin})");
        }
        var body = text[Begin.Length..^End.Length].Replace("\n", string.Empty, StringComparison.Ordinal);
        var decoded = new byte[body.Length];
        if (!Convert.TryFromBase64String(body, decoded, out int length))
        {
            throw new SshWireException("the OpenSSH private key is not valid base64");
        }
        try
        {
            return Parse(decoded.AsSpan(0, length).ToArray());
        }
        finally
        {
            Array.Clear(decoded);
        }
    }

    private static OpenSshPrivateKey Parse(byte[] raw)
    {
        if (!raw.AsSpan().StartsWith(AuthMagic))
        {
            throw new SshWireException("the key is not in the openssh-key-v1 format");
        }
        var reader = new SshReader(raw[AuthMagic.Length..]);
        string cipher = reader.ReadText("cipher name");
        string kdf = reader.ReadText("kdf name");
        reader.ReadString("kdf options");
        if (cipher != "none" || kdf != "none")
        {
            throw new SshWireException(EncryptedRefusal);
        }
        uint count = reader.ReadUInt32("key count");
        if (count != 1)
        {
            throw new SshWireException($"the file holds {count} keys; DeIRF reads files with exactly one (as ssh-keygen writes them)");
        }
        var publicBlob = reader.ReadString("public key");
        var privateSection = reader.ReadString("private keys");
        reader.ExpectEnd("OpenSSH private key");
        try
        {
            return ParsePrivateSection(publicBlob, privateSection);
        }
        finally
        {
            Array.Clear(privateSection);
        }
    }

    private static OpenSshPrivateKey ParsePrivateSection(byte[] publicBlob, byte[] section)
    {
        var publicKey = SshPublicKey.ParsePlain(publicBlob, "public key");
        var reader = new SshReader(section);
        if (reader.ReadUInt32("check integer") != reader.ReadUInt32("check integer"))
        {
            throw new SshWireException("the private key's check integers differ (damaged file)");
        }
        string type = reader.ReadText("private key type");
        if (type != publicKey.Type)
        {
            throw new SshWireException($"the private key is '{type}' but the file's public key is '{publicKey.Type}'");
        }
        OpenSshPrivateKey key;
        if (publicKey.IsEd25519)
        {
            var pk = reader.ReadString("ed25519 public key");
            var sk = reader.ReadString("ed25519 private key");
            if (sk.Length != 64 || !sk.AsSpan(32).SequenceEqual(pk) || !pk.AsSpan().SequenceEqual(publicKey.Ed25519PublicKey))
            {
                Array.Clear(sk);
                throw new SshWireException("the ed25519 private key does not match its public key");
            }
            var seed = sk[..32];
            Array.Clear(sk);
            var derived = new byte[Ed25519.PublicKeySize];
            Ed25519.GeneratePublicKey(seed, 0, derived, 0);
            if (!derived.AsSpan().SequenceEqual(pk))
            {
                Array.Clear(seed);
                throw new SshWireException("the ed25519 private key does not match its public key");
            }
            key = new OpenSshPrivateKey(publicKey, ReadComment(reader)) { _ed25519Seed = seed };
            key._secrets.Add(seed);
        }
        else if (publicKey.IsEcdsa)
        {
            reader.ReadText("ECDSA curve");
            var q = reader.ReadString("ECDSA public point");
            var d = reader.ReadMpint("ECDSA private scalar");
            int n = publicKey.EcFieldBytes;
            if (d.Length > n || q.Length != 1 + 2 * n || !q.AsSpan(1).SequenceEqual([.. publicKey.EcParameters.Q.X!, .. publicKey.EcParameters.Q.Y!]))
            {
                Array.Clear(d);
                throw new SshWireException("the ECDSA private key does not match its public key");
            }
            var parameters = publicKey.EcParameters;
            parameters.D = LeftPad(d, n);
            Array.Clear(d);
            try
            {
                // The platform checks that D and Q belong together.
                using var probe = ECDsa.Create(parameters);
            }
            catch (CryptographicException)
            {
                Array.Clear(parameters.D);
                throw new SshWireException("the ECDSA private key does not match its public key");
            }
            key = new OpenSshPrivateKey(publicKey, ReadComment(reader)) { _ec = parameters };
            key._secrets.Add(parameters.D);
        }
        else
        {
            var n = reader.ReadMpint("RSA modulus");
            var e = reader.ReadMpint("RSA exponent");
            var d = reader.ReadMpint("RSA private exponent");
            var iqmp = reader.ReadMpint("RSA iqmp");
            var p = reader.ReadMpint("RSA prime p");
            var q = reader.ReadMpint("RSA prime q");
            var rsaPublic = publicKey.RsaParameters;
            if (!n.AsSpan().SequenceEqual(rsaPublic.Modulus) || !e.AsSpan().SequenceEqual(rsaPublic.Exponent))
            {
                throw new SshWireException("the RSA private key does not match its public key");
            }
            int half = (n.Length + 1) / 2;
            var parameters = new RSAParameters
            {
                Modulus = n,
                Exponent = e,
                D = LeftPad(d, n.Length),
                P = LeftPad(p, half),
                Q = LeftPad(q, half),
                DP = Reduce(d, p, half),
                DQ = Reduce(d, q, half),
                InverseQ = LeftPad(iqmp, half),
            };
            Array.Clear(d);
            try
            {
                using var probe = RSA.Create(parameters);
            }
            catch (CryptographicException)
            {
                throw new SshWireException("the RSA private key does not match its public key");
            }
            key = new OpenSshPrivateKey(publicKey, ReadComment(reader)) { _rsa = parameters };
            key._secrets.AddRange([parameters.D!, parameters.P!, parameters.Q!, parameters.DP!, parameters.DQ!, parameters.InverseQ!, p, q, iqmp]);
        }

        // Padding 1, 2, 3... to the cipher block size (8 for "none").
        for (byte expected = 1; !reader.AtEnd; expected++)
        {
            if (reader.ReadByte("padding") != expected)
            {
                key.Dispose();
                throw new SshWireException("the private key's padding is wrong (damaged file)");
            }
        }
        return key;
    }

    private static string ReadComment(SshReader reader) => reader.ReadText("comment");

    private static byte[] LeftPad(byte[] value, int length)
    {
        if (value.Length > length)
        {
            throw new SshWireException("a private key number is longer than the key size");
        }
        var padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        return padded;
    }

    /// <summary>d mod (prime - 1): the CRT exponents that the file leaves out.</summary>
    private static byte[] Reduce(byte[] d, byte[] prime, int length)
    {
        var value = BigInteger.Remainder(new BigInteger(d, true, true), new BigInteger(prime, true, true) - 1);
        return LeftPad(value.ToByteArray(isUnsigned: true, isBigEndian: true), length);
    }

    /// <summary>An SSH signature blob over <paramref name="data"/>: ssh-ed25519, ecdsa-sha2-*, or rsa-sha2-512 (never SHA-1).</summary>
    public byte[] SignatureBlob(ReadOnlySpan<byte> data)
    {
        var writer = new SshWriter();
        if (PublicKey.IsEd25519)
        {
            var signature = new byte[Ed25519.SignatureSize];
            var message = data.ToArray();
            Ed25519.Sign(_ed25519Seed!, 0, message, 0, message.Length, signature, 0);
            return writer.String(PublicKey.Type).String(signature).ToArray();
        }
        if (PublicKey.IsEcdsa)
        {
            using var ecdsa = ECDsa.Create(_ec);
            var fixedSize = ecdsa.SignData(data, PublicKey.EcHash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            int n = PublicKey.EcFieldBytes;
            var inner = new SshWriter().Mpint(fixedSize.AsSpan(0, n)).Mpint(fixedSize.AsSpan(n)).ToArray();
            return writer.String(PublicKey.Type).String(inner).ToArray();
        }
        using var rsa = RSA.Create(_rsa);
        return writer.String("rsa-sha2-512").String(rsa.SignData(data, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1)).ToArray();
    }

    public void Dispose()
    {
        foreach (var secret in _secrets)
        {
            Array.Clear(secret);
        }
        _secrets.Clear();
    }
}
