using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// did:key proofs (Ed25519 only): the public part is "did:key:z6Mk…", the signature a detached compact JWS
/// "header..signature" (RFC 7515 Appendix F) with alg EdDSA (RFC 8037) over the payload bytes.
/// <para>
/// Decoding is strict (SPEC "Lessons"): multibase 'z' (base58btc) only, exactly 34 bytes = multicodec varint 0xed 0x01
/// (ed25519-pub) + 32-byte key, and the text must be the canonical encoding of those bytes.
/// </para>
/// <para>
/// Pinned Ed25519 strictness rule ("strict", like libsodium's verify plus a prime-order key check):
/// the public key A must be a canonical encoding (y &lt; p; no "negative zero" x), decode to a curve point, not be of
/// small order ([8]A ≠ identity: this refuses the 8 small-order points and their non-canonical variants) and lie in
/// the prime-order subgroup (BouncyCastle <c>ValidatePublicKeyFull</c>; keys made from a seed always do);
/// the signature must be 64 bytes with S &lt; L (no S+L twin) and a canonical R (y &lt; p), checked with the
/// cofactorless RFC 8032 §5.1.7 equation [S]B = R + [k]A (BouncyCastle). Every rule is enforced here too, not left to
/// the library, so a library upgrade cannot loosen it silently.
/// </para>
/// </summary>
public sealed class DidKeyVerifier : IProofKindDescriptor, IProofSigner, IProofKeyMaker
{
    private const string DidPrefix = "did:key:";

    /// <summary>Field prime p = 2^255 − 19.</summary>
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    /// <summary>Prime order of the base point, L = 2^252 + 27742317777372353535851937790883648493.</summary>
    internal static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", CultureInfo.InvariantCulture);

    /// <summary>Edwards curve constant d = −121665/121666 mod p.</summary>
    private static readonly BigInteger D = Mod(-121665 * BigInteger.ModPow(121666, P - 2, P));

    /// <summary>sqrt(−1) mod p = 2^((p−1)/4).</summary>
    private static readonly BigInteger SqrtMinusOne = BigInteger.ModPow(2, (P - 1) / 4, P);

    public ProofKind Kind => ProofKind.DidKey;

    /// <inheritdoc/>
    public int Order => 40;

    /// <inheritdoc/>
    public bool Recognizes(string signature) => signature.Split('.') is { Length: 3 } parts && parts[1].Length == 0;

    /// <inheritdoc/>
    public void WriteNewKey(string path, string? responder) => SigningKeyFile.WriteDidKeySeed(path);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var did = (publicKeyText ?? string.Empty).Trim();
        _ = DecodeDid(did, publicKeyText);
        var id = did[DidPrefix.Length..];
        return new ProofKey(Kind, did, did, "ed25519",
            new Dictionary<string, string> { ["verificationMethod"] = did + "#" + id });
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != Kind)
        {
            return SignatureCheck.Invalid(Kind, key.Fingerprint, $"a {key.Kind} key cannot check a did:key signature");
        }
        string did = key.PublicKey.Trim();
        byte[] publicKey;
        try
        {
            publicKey = DecodeDid(did, key.PublicKey);
        }
        catch (InvalidProofException ex)
        {
            return SignatureCheck.Invalid(Kind, key.Fingerprint, ex.Reason);
        }

        var parts = (signature ?? string.Empty).Trim().Split('.');
        if (parts.Length != 3)
        {
            return SignatureCheck.Invalid(Kind, did, "malformed signature: not a compact JWS (header..signature)");
        }
        if (!Base64UrlCodec.TryDecode(parts[0], out var headerBytes))
        {
            return SignatureCheck.Invalid(Kind, did, "malformed signature: the JWS header is not base64url");
        }
        var headerProblem = CheckHeader(headerBytes, did);
        if (headerProblem is not null)
        {
            return SignatureCheck.Invalid(Kind, did, headerProblem);
        }

        var encodedPayload = Base64UrlCodec.Encode(payload);
        if (parts[1].Length != 0)
        {
            // An attached payload is accepted only when it is the very statement being checked.
            if (!Base64UrlCodec.TryDecode(parts[1], out var attached))
            {
                return SignatureCheck.Invalid(Kind, did, "malformed signature: the JWS payload is not base64url");
            }
            if (!payload.SequenceEqual(attached))
            {
                return SignatureCheck.Invalid(Kind, did, "the JWS carries a payload that is not the statement being checked");
            }
        }
        if (!Base64UrlCodec.TryDecode(parts[2], out var sig))
        {
            return SignatureCheck.Invalid(Kind, did, "malformed signature: the JWS signature is not base64url");
        }

        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + encodedPayload);
        var problem = CheckEd25519(publicKey, signingInput, sig);
        return problem is null ? SignatureCheck.Valid(Kind, did) : SignatureCheck.Invalid(Kind, did, problem);
    }

    public string PublicKeyOf(PrivateKeyMaterial key)
    {
        var seed = ReadSeed(key);
        try
        {
            return DidOf(Ed25519PublicKey(seed));
        }
        finally
        {
            Array.Clear(seed);
        }
    }

    /// <summary>The raw 32-byte Ed25519 public key of a seed file (checkpoint note keys).</summary>
    internal byte[] RawPublicKeyOf(PrivateKeyMaterial key)
    {
        var seed = ReadSeed(key);
        try
        {
            return Ed25519PublicKey(seed);
        }
        finally
        {
            Array.Clear(seed);
        }
    }

    /// <summary>A raw RFC 8032 Ed25519 signature over exact bytes (C2SP signed-note lines), not a JWS.</summary>
    internal byte[] SignRaw(ReadOnlySpan<byte> message, PrivateKeyMaterial key)
    {
        var seed = ReadSeed(key);
        try
        {
            var publicKey = Ed25519PublicKey(seed);
            var bytes = message.ToArray();
            var sig = new byte[Ed25519.SignatureSize];
            Ed25519.Sign(seed, 0, publicKey, 0, bytes, 0, bytes.Length, sig, 0);
            return sig;
        }
        finally
        {
            Array.Clear(seed);
        }
    }

    public string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key)
    {
        var seed = ReadSeed(key);
        try
        {
            var publicKey = Ed25519PublicKey(seed);
            var did = DidOf(publicKey);
            var header = Base64UrlCodec.Encode(Encoding.UTF8.GetBytes(
                $"{{\"alg\":\"EdDSA\",\"kid\":\"{did}#{did[DidPrefix.Length..]}\"}}"));
            var signingInput = Encoding.ASCII.GetBytes(header + "." + Base64UrlCodec.Encode(payload));
            var sig = new byte[Ed25519.SignatureSize];
            Ed25519.Sign(seed, 0, publicKey, 0, signingInput, 0, signingInput.Length, sig, 0);
            return header + ".." + Base64UrlCodec.Encode(sig);
        }
        finally
        {
            Array.Clear(seed);
        }
    }

    /// <summary>The did:key of a 32-byte Ed25519 public key.</summary>
    public static string DidOf(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != 32)
        {
            throw new ArgumentException("an Ed25519 public key is 32 bytes", nameof(publicKey));
        }
        var bytes = new byte[34];
        bytes[0] = 0xed;
        bytes[1] = 0x01;
        publicKey.CopyTo(bytes.AsSpan(2));
        return DidPrefix + "z" + Base58Btc.Encode(bytes);
    }

    /// <summary>
    /// The strict Ed25519 check of the class comment; null when the signature is good, otherwise the reason.
    /// </summary>
    internal static string? CheckEd25519(byte[] publicKey, byte[] message, byte[] signature)
    {
        var keyHex = Convert.ToHexString(publicKey);
        if (!GoodKeys.ContainsKey(keyHex))
        {
            var keyProblem = CheckPublicKey(publicKey);
            if (keyProblem is not null)
            {
                return keyProblem;
            }
            if (GoodKeys.Count > 4096)
            {
                GoodKeys.Clear();
            }
            GoodKeys[keyHex] = true;
        }
        if (signature.Length != Ed25519.SignatureSize)
        {
            return $"malformed signature: {signature.Length} bytes; an Ed25519 signature is 64";
        }
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: false);
        if (s >= L)
        {
            return "non-canonical Ed25519 signature: S ≥ L (a malleated twin); refused";
        }
        if (LittleEndianY(signature.AsSpan(0, 32)) >= P)
        {
            return "non-canonical Ed25519 signature: R is not a canonical point encoding; refused";
        }
        return Ed25519.Verify(signature, 0, publicKey, 0, message, 0, message.Length)
            ? null
            : "the Ed25519 signature does not match this payload and key";
    }

    /// <summary>Null when the 32 bytes are an acceptable Ed25519 public key under the pinned rule, otherwise why not.</summary>
    internal static string? CheckPublicKey(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != 32)
        {
            return $"an Ed25519 public key is 32 bytes, not {encoded.Length}";
        }
        var y = LittleEndianY(encoded);
        if (y >= P)
        {
            return "the Ed25519 public key is not canonically encoded (y ≥ p)";
        }
        var signBit = (encoded[31] & 0x80) != 0;
        var x = RecoverX(y, signBit);
        if (x is null)
        {
            return "the Ed25519 public key is not a point on the curve";
        }
        if (x.Value.IsZero && signBit)
        {
            return "the Ed25519 public key is not canonically encoded (x = 0 with the sign bit set)";
        }
        var point = (X: x.Value, Y: y);
        for (var i = 0; i < 3; i++)
        {
            point = Add(point, point);
        }
        if (point.X.IsZero && point.Y.IsOne)
        {
            // [8]A = identity: a small-order key lets one signature verify for many messages.
            return "the Ed25519 public key is a small-order point; refused";
        }
        if (!Ed25519.ValidatePublicKeyFull(encoded))
        {
            return "the Ed25519 public key is not in the prime-order subgroup; refused";
        }
        return null;
    }

    // The subgroup check costs two scalar multiplications in managed arithmetic; a key that passed it once passes
    // it always, so validated DIDs are remembered (bounded; only successes are kept).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Validated = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> GoodKeys = new(StringComparer.Ordinal);

    internal static byte[] DecodeDid(string did, object? target)
    {
        if (Validated.TryGetValue(did, out var known))
        {
            return (byte[])known.Clone();
        }
        var key = DecodeDidUncached(did, target);
        if (Validated.Count > 4096)
        {
            Validated.Clear();
        }
        Validated[did] = (byte[])key.Clone();
        return key;
    }

    private static byte[] DecodeDidUncached(string did, object? target)
    {
        if (!did.StartsWith(DidPrefix, StringComparison.Ordinal))
        {
            throw new InvalidProofException(ProofKind.DidKey, "not a did:key DID (did:key:z6Mk…)", target);
        }
        var id = did[DidPrefix.Length..];
        if (id.Length == 0 || id == "z")
        {
            throw new InvalidProofException(ProofKind.DidKey, "the did:key has no key", target);
        }
        if (id[0] != 'z')
        {
            throw new InvalidProofException(ProofKind.DidKey,
                $"multibase prefix '{id[0]}' is not 'z' (base58btc), the only encoding did:key allows", target);
        }
        var bytes = Base58Btc.Decode(id.AsSpan(1), out var badIndex);
        if (bytes is null)
        {
            var bad = badIndex < id.Length - 1 ? $"'{id[badIndex + 1]}'" : "a character";
            throw new InvalidProofException(ProofKind.DidKey,
                $"{bad} at position {badIndex + 1} of the key is not a base58btc character", target);
        }
        var (codec, codecLength) = ReadVarint(bytes);
        if (codec == 0xed && codecLength != 2)
        {
            throw new InvalidProofException(ProofKind.DidKey, "the multicodec varint is not minimally encoded", target);
        }
        if (codec != 0xed)
        {
            var name = codec switch
            {
                0xe7 => " (secp256k1-pub)",
                0xec => " (x25519-pub)",
                0x1200 => " (p256-pub)",
                0xeb => " (bls12_381-g1-pub)",
                _ => string.Empty,
            };
            throw new InvalidProofException(ProofKind.DidKey,
                codec is null
                    ? "the key does not start with a multicodec varint"
                    : $"multicodec 0x{codec.Value:x}{name} is not ed25519-pub (0xed); only Ed25519 did:key is accepted",
                target);
        }
        if (bytes.Length != 34)
        {
            throw new InvalidProofException(ProofKind.DidKey,
                $"the key decodes to {bytes.Length} bytes; an Ed25519 did:key is exactly 34 (0xed 0x01 and a 32-byte key)", target);
        }
        var publicKey = bytes[2..];
        var problem = CheckPublicKey(publicKey);
        if (problem is not null)
        {
            throw new InvalidProofException(ProofKind.DidKey, problem, target);
        }
        if (!string.Equals(DidOf(publicKey), did, StringComparison.Ordinal))
        {
            throw new InvalidProofException(ProofKind.DidKey, "the did:key is not the canonical encoding of its key", target);
        }
        return publicKey;
    }

    /// <summary>An unsigned LEB128 varint (multicodec); null when it does not end within 4 bytes.</summary>
    private static (ulong? Value, int Length) ReadVarint(byte[] bytes)
    {
        ulong value = 0;
        for (var i = 0; i < Math.Min(bytes.Length, 4); i++)
        {
            value |= (ulong)(bytes[i] & 0x7f) << (7 * i);
            if ((bytes[i] & 0x80) == 0)
            {
                return (value, i + 1);
            }
        }
        return (null, 0);
    }

    /// <summary>Why the JWS protected header cannot be accepted, or null.</summary>
    private static string? CheckHeader(byte[] headerBytes, string did)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException)
        {
            return "malformed signature: the JWS header is not JSON";
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "malformed signature: the JWS header is not a JSON object";
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    return $"the JWS header names '{property.Name}' twice";
                }
            }
            if (!doc.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
            {
                return "the JWS header has no alg";
            }
            var algName = alg.GetString();
            if (string.Equals(algName, "none", StringComparison.OrdinalIgnoreCase))
            {
                return "alg 'none' is refused: an unsigned JWS proves nothing";
            }
            if (!string.Equals(algName, "EdDSA", StringComparison.Ordinal))
            {
                return $"alg '{algName}' is not EdDSA; a did:key Ed25519 proof signs with EdDSA";
            }
            if (doc.RootElement.TryGetProperty("crit", out _))
            {
                return "the JWS header lists critical extensions (crit) that DeIRF does not implement; refused";
            }
            if (doc.RootElement.TryGetProperty("b64", out var b64) && b64.ValueKind != JsonValueKind.True)
            {
                return "an unencoded-payload JWS (b64 other than true, RFC 7797) is not accepted; sign the base64url payload";
            }
            if (doc.RootElement.TryGetProperty("kid", out var kid))
            {
                if (kid.ValueKind != JsonValueKind.String)
                {
                    return "the JWS kid is not a string";
                }
                var kidText = kid.GetString()!;
                var hash = kidText.IndexOf('#');
                var kidDid = hash < 0 ? kidText : kidText[..hash];
                if (!string.Equals(kidDid, did, StringComparison.Ordinal))
                {
                    return $"kid names {kidDid}, not {did}";
                }
                if (hash >= 0 && !string.Equals(kidText[(hash + 1)..], did[DidPrefix.Length..], StringComparison.Ordinal))
                {
                    return $"kid names verification method #{kidText[(hash + 1)..]}, not #{did[DidPrefix.Length..]}";
                }
            }
        }
        return null;
    }

    /// <summary>The 32-byte seed from hex, base64url or an OKP/Ed25519 JWK; the caller clears it.</summary>
    private byte[] ReadSeed(PrivateKeyMaterial key)
    {
        var where = key.Source is null ? "the did:key private key" : $"the did:key private key from {key.Source}";
        var text = Encoding.UTF8.GetString(key.KeyBytes).Trim();
        byte[]? seed = null;
        if (text.StartsWith('{'))
        {
            seed = ReadJwkSeed(text, where, key.Source);
        }
        else if (text.Length == 64 && !text.AsSpan().ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            seed = Convert.FromHexString(text);
        }
        else if (Base64UrlCodec.TryDecode(text, out var decoded) && decoded.Length == 32)
        {
            seed = decoded;
        }
        if (seed is null)
        {
            throw new InvalidProofException(Kind,
                $"{where} is not a 32-byte Ed25519 seed (64 hex digits or base64url) or an Ed25519 JWK", key.Source);
        }
        return seed;
    }

    private byte[] ReadJwkSeed(string json, string where, string? source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string? Member(string name) =>
                root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString() : null;
            if (Member("kty") != "OKP" || Member("crv") != "Ed25519")
            {
                throw new InvalidProofException(Kind, $"{where} is a JWK but not kty OKP, crv Ed25519", source);
            }
            if (Member("d") is not { } d || !Base64UrlCodec.TryDecode(d, out var seed) || seed.Length != 32)
            {
                throw new InvalidProofException(Kind, $"{where} is a JWK without a 32-byte private part d", source);
            }
            if (Member("x") is { } x && !string.Equals(x, Base64UrlCodec.Encode(Ed25519PublicKey(seed)), StringComparison.Ordinal))
            {
                Array.Clear(seed);
                throw new InvalidProofException(Kind, $"{where} is a JWK whose public part x does not belong to its d", source);
            }
            return seed;
        }
        catch (JsonException)
        {
            throw new InvalidProofException(Kind, $"{where} starts like a JWK but is not JSON", source);
        }
    }

    private static byte[] Ed25519PublicKey(byte[] seed)
    {
        var publicKey = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(seed, 0, publicKey, 0);
        return publicKey;
    }

    private static BigInteger LittleEndianY(ReadOnlySpan<byte> encoded)
    {
        Span<byte> y = stackalloc byte[32];
        encoded.CopyTo(y);
        y[31] &= 0x7f;
        return new BigInteger(y, isUnsigned: true, isBigEndian: false);
    }

    /// <summary>x from y on −x² + y² = 1 + d·x²·y² (RFC 8032 §5.1.3); null when no x exists.</summary>
    private static BigInteger? RecoverX(BigInteger y, bool signBit)
    {
        var y2 = y * y % P;
        var u = Mod(y2 - 1);
        var v = Mod(D * y2 + 1);
        var x2 = u * BigInteger.ModPow(v, P - 2, P) % P;
        var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (Mod(x * x - x2) != 0)
        {
            x = x * SqrtMinusOne % P;
        }
        if (Mod(x * x - x2) != 0)
        {
            return null;
        }
        if (!x.IsZero && x.IsEven == signBit)
        {
            x = P - x;
        }
        return x;
    }

    /// <summary>Complete twisted Edwards addition (a = −1), affine; used only for the small-order check.</summary>
    internal static (BigInteger X, BigInteger Y) Add((BigInteger X, BigInteger Y) p, (BigInteger X, BigInteger Y) q)
    {
        var t = D * p.X % P * q.X % P * p.Y % P * q.Y % P;
        var x = (p.X * q.Y + p.Y * q.X) % P * BigInteger.ModPow(Mod(1 + t), P - 2, P) % P;
        var y = (p.Y * q.Y + p.X * q.X) % P * BigInteger.ModPow(Mod(1 - t), P - 2, P) % P;
        return (x, y);
    }

    /// <summary>Decodes a canonical Ed25519 point encoding to affine coordinates (tests build mixed-order keys with it).</summary>
    internal static (BigInteger X, BigInteger Y)? DecodePoint(ReadOnlySpan<byte> encoded)
    {
        var y = LittleEndianY(encoded);
        if (y >= P)
        {
            return null;
        }
        var x = RecoverX(y, (encoded[31] & 0x80) != 0);
        return x is null ? null : (x.Value, y);
    }

    internal static byte[] EncodePoint((BigInteger X, BigInteger Y) point)
    {
        var bytes = new byte[32];
        point.Y.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        if (!point.X.IsEven)
        {
            bytes[31] |= 0x80;
        }
        return bytes;
    }

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }

    /// <summary>Base58 with the Bitcoin alphabet (multibase 'z'); leading zero bytes are leading '1's.</summary>
    internal static class Base58Btc
    {
        private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

        public static string Encode(ReadOnlySpan<byte> bytes)
        {
            var zeros = 0;
            while (zeros < bytes.Length && bytes[zeros] == 0)
            {
                zeros++;
            }
            var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            var digits = new StringBuilder();
            while (value > 0)
            {
                value = BigInteger.DivRem(value, 58, out var remainder);
                digits.Insert(0, Alphabet[(int)remainder]);
            }
            return new string('1', zeros) + digits;
        }

        /// <summary>The bytes, or null with <paramref name="badIndex"/> at the first character outside the alphabet.</summary>
        public static byte[]? Decode(ReadOnlySpan<char> text, out int badIndex)
        {
            badIndex = -1;
            var value = BigInteger.Zero;
            var zeros = 0;
            var leading = true;
            for (var i = 0; i < text.Length; i++)
            {
                var digit = Alphabet.IndexOf(text[i]);
                if (digit < 0)
                {
                    badIndex = i;
                    return null;
                }
                if (leading && digit == 0)
                {
                    zeros++;
                    continue;
                }
                leading = false;
                value = value * 58 + digit;
            }
            if (text.Length == 0)
            {
                badIndex = 0;
                return null;
            }
            var body = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
            var result = new byte[zeros + body.Length];
            body.CopyTo(result, zeros);
            return result;
        }
    }
}
