using System.Globalization;
using System.Numerics;
using System.Text;
using Nethereum.Signer;
using Nethereum.Util;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// Ethereum proofs: the public part is an address; a signature is an EIP-191 personal_sign signature (0x, r‖s‖v,
/// 130 hex digits) over the payload bytes, as a wallet, <c>cast wallet sign</c> or ethers/viem <c>signMessage</c>
/// produce it. SPEC "Lessons": the length in the prefix is the UTF-8 byte length; v is normalised (27/28 and 0/1);
/// high-s twins (EIP-2) are refused. ECDSA signatures are malleable, so callers must deduplicate approvals by the
/// recovered address (<see cref="SignatureCheck.Fingerprint"/>, Details["recoveredAddress"]), never by signature bytes.
/// </summary>
public sealed class EthereumVerifier : IProofKindDescriptor, IProofSigner, IProofKeyMaker
{
    private const string Prefix = "\u0019Ethereum Signed Message:\n";

    /// <summary>secp256k1 group order n.</summary>
    private static readonly BigInteger N = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static readonly BigInteger HalfN = N / 2;

    public ProofKind Kind => ProofKind.Ethereum;

    /// <inheritdoc/>
    public int Order => 30;

    /// <inheritdoc/>
    public bool Recognizes(string signature) => (signature.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? signature[2..] : signature) is { Length: 130 } hex && hex.All(Uri.IsHexDigit);

    /// <inheritdoc/>
    public void WriteNewKey(string path, string? responder) => SigningKeyFile.WriteEthereumKey(path);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var text = (publicKeyText ?? string.Empty).Trim();
        if (!text.StartsWith("0x", StringComparison.Ordinal) || text.Length != 42 || !IsHex(text.AsSpan(2)))
        {
            throw new InvalidProofException(Kind, "an Ethereum address is 0x followed by 40 hex digits", publicKeyText);
        }
        var checksummed = AddressUtil.Current.ConvertToChecksumAddress(text);
        var digits = text.AsSpan(2);
        var mixedCase = digits.IndexOfAnyInRange('a', 'f') >= 0 && digits.IndexOfAnyInRange('A', 'F') >= 0;
        if (mixedCase && !string.Equals(text, checksummed, StringComparison.Ordinal))
        {
            // A mixed-case address claims an EIP-55 checksum; a wrong one means a typo or a tampered copy.
            throw new InvalidProofException(Kind, "address checksum does not match (EIP-55)", publicKeyText);
        }
        if (digits.IndexOfAnyExcept('0') < 0)
        {
            throw new InvalidProofException(Kind, "the zero address is no one's key", publicKeyText);
        }
        return new ProofKey(Kind, checksummed, checksummed, "secp256k1",
            new Dictionary<string, string> { ["address"] = checksummed });
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != Kind)
        {
            return SignatureCheck.Invalid(Kind, key.Fingerprint, $"a {key.Kind} key cannot check an Ethereum signature");
        }
        string expected;
        try
        {
            expected = ParsePublicKey(key.PublicKey).Fingerprint;
        }
        catch (InvalidProofException ex)
        {
            return SignatureCheck.Invalid(Kind, key.Fingerprint, ex.Reason);
        }

        var text = (signature ?? string.Empty).Trim();
        var hex = text.StartsWith("0x", StringComparison.Ordinal) ? text.AsSpan(2) : text.AsSpan();
        if (hex.Length != 130)
        {
            return SignatureCheck.Invalid(Kind, expected,
                $"malformed signature: {hex.Length} hex digits; a personal_sign signature is 0x and 130 hex digits (r, s, v)");
        }
        if (!IsHex(hex))
        {
            return SignatureCheck.Invalid(Kind, expected, "malformed signature: not hex");
        }
        var bytes = Convert.FromHexString(hex);
        var r = bytes.AsSpan(0, 32).ToArray();
        var s = bytes.AsSpan(32, 32).ToArray();
        var v = bytes[64];

        int recoveryId;
        switch (v)
        {
            case 27 or 28: recoveryId = v - 27; break;
            case 0 or 1: recoveryId = v; break;
            default:
                return SignatureCheck.Invalid(Kind, expected, $"v is {v}; a personal_sign signature ends in 27 or 28 (or 0 or 1)");
        }
        var rValue = new BigInteger(r, isUnsigned: true, isBigEndian: true);
        var sValue = new BigInteger(s, isUnsigned: true, isBigEndian: true);
        if (rValue.IsZero || rValue >= N || sValue.IsZero || sValue >= N)
        {
            return SignatureCheck.Invalid(Kind, expected, "r or s is outside the secp256k1 group order");
        }
        if (sValue > HalfN)
        {
            // Anyone can turn (r, s, v) into (r, n−s, v^1) for the same message: accept only the low-s form.
            return SignatureCheck.Invalid(Kind, expected,
                "s is in the upper half of the curve order (EIP-2): a malleated twin of a signature; refused");
        }

        var recovered = Recover(PersonalSignHash(payload, payload.Length), r, s, recoveryId);
        if (recovered is null)
        {
            return SignatureCheck.Invalid(Kind, expected, "no public key can be recovered from this signature");
        }
        var details = new Dictionary<string, string> { ["recoveredAddress"] = recovered };
        if (!string.Equals(recovered, expected, StringComparison.OrdinalIgnoreCase))
        {
            var reason = $"signed by {recovered}, not {expected}";
            if (SignerCountedCharacters(payload, r, s, recoveryId, expected, out var chars))
            {
                reason = $"the signing tool put the character count ({chars}) in the EIP-191 prefix instead of the UTF-8 byte count ({payload.Length}); refused";
            }
            return new SignatureCheck(false, Kind, expected, reason, null, details);
        }
        return SignatureCheck.Valid(Kind, recovered, details: details);
    }

    public string PublicKeyOf(PrivateKeyMaterial key)
    {
        var ecKey = ReadPrivateKey(key);
        return AddressUtil.Current.ConvertToChecksumAddress(ecKey.GetPublicAddress());
    }

    public string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key)
    {
        var ecKey = ReadPrivateKey(key);
        var sig = ecKey.SignAndCalculateV(PersonalSignHash(payload, payload.Length));
        var r = new BigInteger(sig.R, isUnsigned: true, isBigEndian: true);
        var s = new BigInteger(sig.S, isUnsigned: true, isBigEndian: true);
        var v = sig.V[^1];
        if (s > HalfN)
        {
            // Never emit the high-s twin our own verifier refuses.
            s = N - s;
            v = (byte)(v == 27 ? 28 : 27);
        }
        var output = new byte[65];
        // Right-aligned in their 32 bytes: a short r or s (leading zero bytes, about 1 in 256 each) keeps its zeros,
        // and the span is exactly its own length (a 32-byte span from 64 - 30 ran past the 65-byte output).
        var rLength = r.GetByteCount(isUnsigned: true);
        var sLength = s.GetByteCount(isUnsigned: true);
        r.TryWriteBytes(output.AsSpan(32 - rLength, rLength), out _, isUnsigned: true, isBigEndian: true);
        s.TryWriteBytes(output.AsSpan(64 - sLength, sLength), out _, isUnsigned: true, isBigEndian: true);
        output[64] = v;
        return "0x" + Convert.ToHexString(output).ToLowerInvariant();
    }

    /// <summary>keccak256("\x19Ethereum Signed Message:\n" + decimal length + payload); the length is a parameter only so a
    /// wrong count by a signer's tool can be diagnosed.</summary>
    private static byte[] PersonalSignHash(ReadOnlySpan<byte> payload, int declaredLength)
    {
        var prefix = Encoding.ASCII.GetBytes(Prefix + declaredLength.ToString(CultureInfo.InvariantCulture));
        var message = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(message, 0);
        payload.CopyTo(message.AsSpan(prefix.Length));
        return Sha3Keccack.Current.CalculateHash(message);
    }

    private static string? Recover(byte[] hash, byte[] r, byte[] s, int recoveryId)
    {
        try
        {
            var sig = EthECDSASignatureFactory.FromComponents(r, s, (byte)(27 + recoveryId));
            var pub = EthECKey.RecoverFromSignature(sig, recoveryId, hash);
            return pub is null ? null : AddressUtil.Current.ConvertToChecksumAddress(pub.GetPublicAddress());
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or ArithmeticException)
        {
            return null;
        }
    }

    /// <summary>A known bug in signing tools: the prefix counts UTF-16 characters, not bytes. Detected only to say so.</summary>
    private static bool SignerCountedCharacters(ReadOnlySpan<byte> payload, byte[] r, byte[] s, int recoveryId, string expected, out int characters)
    {
        characters = 0;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        characters = text.Length;
        if (characters == payload.Length)
        {
            return false;
        }
        var recovered = Recover(PersonalSignHash(payload, characters), r, s, recoveryId);
        return string.Equals(recovered, expected, StringComparison.OrdinalIgnoreCase);
    }

    private EthECKey ReadPrivateKey(PrivateKeyMaterial key)
    {
        var where = key.Source is null ? "the Ethereum private key" : $"the Ethereum private key from {key.Source}";
        var text = Encoding.UTF8.GetString(key.KeyBytes).Trim();
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length != 64 || !IsHex(hex))
        {
            throw new InvalidProofException(Kind, $"{where} is not 64 hex digits (with or without 0x)", key.Source);
        }
        var bytes = Convert.FromHexString(hex);
        try
        {
            var k = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            if (k.IsZero || k >= N)
            {
                throw new InvalidProofException(Kind, $"{where} is outside the secp256k1 group order", key.Source);
            }
            return new EthECKey(bytes, true);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    private static bool IsHex(ReadOnlySpan<char> text) => text.Length > 0 && !text.ContainsAnyExcept("0123456789abcdefABCDEF");
}
