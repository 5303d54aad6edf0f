using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using static DeIRF.Identity.Verifiers.OpenPgpSignatureRules;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// OpenPGP ASCII armor (RFC 4880 section 6) as gpg writes it, and the packets inside: one block per input, its CRC-24
/// checked by BouncyCastle's armor reader, and every failure a refusal with a reason instead of a parser exception.
/// </summary>
internal static class OpenPgpArmor
{
    /// <summary>The labels of the BEGIN PGP / END PGP lines DeIRF reads and writes.</summary>
    public const string PublicKeyLabel = "PUBLIC KEY BLOCK";
    public const string SecretKeyLabel = "PRIVATE KEY BLOCK";
    public const string SignatureLabel = "SIGNATURE";

    private const string UnknownAlgorithmPrefix = "unknown signature key algorithm:";

    /// <summary>The bytes of exactly one armored block labelled <paramref name="label"/>; refused with a reason naming <paramref name="what"/>.</summary>
    public static byte[] Decode(string text, string label, string what)
    {
        var trimmed = text.Trim();
        var begin = $"-----BEGIN PGP {label}-----";
        var end = $"-----END PGP {label}-----";
        if (!trimmed.StartsWith(begin, StringComparison.Ordinal))
        {
            throw Refuse($"{what} is not armored OpenPGP data (it must start with {begin})");
        }
        if (trimmed.IndexOf("-----BEGIN PGP ", begin.Length, StringComparison.Ordinal) >= 0)
        {
            throw Refuse($"{what} holds more than one armored block; give exactly one");
        }
        if (!trimmed.EndsWith(end, StringComparison.Ordinal))
        {
            throw Refuse($"{what} is truncated or has text after its END line");
        }
        try
        {
            using var armored = new ArmoredInputStream(new MemoryStream(Encoding.ASCII.GetBytes(trimmed + "\n")));
            using var body = new MemoryStream();
            armored.CopyTo(body);
            var bytes = body.ToArray();
            if (bytes.Length == 0)
            {
                throw Refuse($"{what} is an empty armored block");
            }
            return bytes;
        }
        catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw Refuse($"the armor of {what} is damaged (bad base64 or checksum)", ex);
        }
    }

    /// <summary>Armors what <paramref name="write"/> writes, with LF line ends and no Version header.</summary>
    public static string Encode(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        // No Version header: it would journal our library version into every signature and key.
        using (var armored = new ArmoredOutputStream(buffer, false))
        {
            write(armored);
        }
        return Encoding.ASCII.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>The OpenPGP objects (key rings, signature lists) in <paramref name="packets"/>; malformed packets are refused, never echoed.</summary>
    public static List<PgpObject> ReadObjects(byte[] packets, string what)
    {
        try
        {
            var factory = new PgpObjectFactory(packets);
            var objects = new List<PgpObject>();
            while (factory.NextPgpObject() is { } o)
            {
                objects.Add(o);
            }
            return objects;
        }
        catch (IOException ex) when (ex.Message.StartsWith(UnknownAlgorithmPrefix, StringComparison.Ordinal))
        {
            // BouncyCastle 2.7 cannot even parse RFC 9580 Ed25519/Ed448 (algorithm 27/28) signature packets.
            throw Refuse($"{what} uses a signature algorithm this build cannot read ({ex.Message[UnknownAlgorithmPrefix.Length..].Trim()}); "
                + "gpg ed25519 (EdDSA), RSA and NIST ECDSA keys are accepted", ex);
        }
        catch (Exception ex) when (ex is IOException or PgpException or InvalidOperationException or ArgumentException or FormatException or InvalidCastException or IndexOutOfRangeException
            or UnsupportedPacketVersionException)
        {
            // Never echo the packets: they may be key material.
            throw Refuse($"{what} could not be read: malformed OpenPGP packets", ex);
        }
    }
}
