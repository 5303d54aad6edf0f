using System.Globalization;
using System.Numerics;
using System.Text;
using DeIRF.Identity;
using DeIRF.Identity.Verifiers;
using Nethereum.Signer;
using Nethereum.Util;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

public sealed class EthereumVerifierTests
{
    // Anvil's default account 0 (its address and viem's signatures: public data; the account's key is not committed).
    private const string AnvilAddress0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    // wevm/viem src/accounts/utils/signMessage.test.ts: signMessage with anvil account 0.
    private const string HelloWorldSignature =
        "0xa461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b";
    private const string HotFaceSignature =
        "0x05c99bbbe9fac3ad61721a815d19d6771ad39f3e8dffa7ae7561358f20431d8e7f9e1d487c77355790c79c6eb0b0d63690f690615ef99ee3e4f25eef0317d0701b";

    private static readonly BigInteger N = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private readonly IProofVerifier verifier = Signatures.VerifierFor(ProofKind.Ethereum);
    private readonly IProofSigner signer = Signatures.SignerFor(ProofKind.Ethereum);

    private static PrivateKeyMaterial Material(EthECKey key) => new(Encoding.ASCII.GetBytes(key.GetPrivateKey()), source: "test key");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string WithLastByte(string signature, byte v) => signature[..^2] + v.ToString("x2", CultureInfo.InvariantCulture);

    [Fact]
    public void TheEntryPointRegistersTheEthereumVerifierAndSigner()
    {
        Assert.IsType<EthereumVerifier>(verifier);
        Assert.IsType<EthereumVerifier>(signer);
    }

    [Fact]
    public void RoundTrip_SignedWithAGeneratedKey_Verifies()
    {
        var key = EthECKey.GenerateKey();
        using var material = Material(key);
        var address = signer.PublicKeyOf(material);
        var proof = verifier.ParsePublicKey(address);
        var payload = Utf8("{\"approve\":\"k8s.pod.quarantine\",\"digest\":\"sha256:00ff\"}");

        var signature = signer.Sign(payload, material);
        var check = Signatures.Verify(proof, payload, signature);

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(proof.Fingerprint, check.Fingerprint);
        Assert.Equal(proof.Fingerprint, check.Details!["recoveredAddress"]);
        Assert.Matches("^0x[0-9a-f]{130}$", signature);
        Assert.True(signature.EndsWith("1b", StringComparison.Ordinal) || signature.EndsWith("1c", StringComparison.Ordinal));
    }

    [Fact]
    public void RoundTrip_ArbitraryBinaryPayload_Verifies()
    {
        var key = EthECKey.GenerateKey();
        using var material = Material(key);
        var payload = new byte[] { 0x00, 0xff, 0xc3, 0x28, 0x0a, 0x19 }; // not UTF-8
        var proof = verifier.ParsePublicKey(signer.PublicKeyOf(material));

        var check = Signatures.Verify(proof, payload, signer.Sign(payload, material));

        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void KnownVector_AnvilAccount0_HelloWorld_FromViem()
    {
        var proof = verifier.ParsePublicKey(AnvilAddress0);

        var check = Signatures.Verify(proof, Utf8("hello world"), HelloWorldSignature);

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(AnvilAddress0, check.Details!["recoveredAddress"]);
    }

    [Fact]
    public void KnownVector_NonAsciiPayload_UsesTheUtf8ByteLength()
    {
        // "🥵" is 4 UTF-8 bytes but 2 UTF-16 characters: viem signs with the prefix length 4.
        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("🥵"), HotFaceSignature);

        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void OurSignerMatchesNethereumsPersonalSign_ForAKeyMadeNow()
    {
        var key = EthECKey.GenerateKey();
        DeIRF.Testing.TestArtifacts.RegisterSecret("ethereum private key", key.GetPrivateKey());
        using var material = new PrivateKeyMaterial(Utf8("  " + key.GetPrivateKey() + "\n"), source: "test key");

        Assert.Equal(key.GetPublicAddress(), signer.PublicKeyOf(material));
        foreach (var message in new[] { "hello world", "🥵" })
        {
            // RFC 6979 signatures are deterministic: an independent signer over the same key gives the same bytes.
            var reference = new EthereumMessageSigner().EncodeUTF8AndSign(message, key);
            Assert.Equal(reference.ToLowerInvariant(), signer.Sign(Utf8(message), material));
        }
    }

    [Fact]
    public void PrivateKeyWithout0x_IsAccepted()
    {
        var key = EthECKey.GenerateKey();
        DeIRF.Testing.TestArtifacts.RegisterSecret("ethereum private key", key.GetPrivateKey());
        using var material = new PrivateKeyMaterial(Utf8(key.GetPrivateKey().StartsWith("0x", StringComparison.Ordinal) ? key.GetPrivateKey()[2..] : key.GetPrivateKey()));

        Assert.Equal(key.GetPublicAddress(), signer.PublicKeyOf(material));
    }

    [Fact]
    public void ParsePublicKey_NormalisesToTheEip55Form()
    {
        var lower = verifier.ParsePublicKey(AnvilAddress0.ToLowerInvariant());
        var upper = verifier.ParsePublicKey("0x" + AnvilAddress0[2..].ToUpperInvariant());

        Assert.Equal(AnvilAddress0, lower.Fingerprint);
        Assert.Equal(AnvilAddress0, upper.Fingerprint);
        Assert.Equal(AnvilAddress0, lower.PublicKey);
        Assert.Equal(AnvilAddress0, lower.Attributes["address"]);
        Assert.Equal("secp256k1", lower.Algorithm);
        Assert.Equal(ProofKind.Ethereum, lower.Kind);
    }

    [Fact]
    public void Negative_TamperedPayload_IsRefused()
    {
        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("hello world!"), HelloWorldSignature);

        Assert.False(check.IsValid);
        Assert.StartsWith("signed by 0x", check.Reason);
        Assert.EndsWith($", not {AnvilAddress0}", check.Reason);
        Assert.NotEqual(AnvilAddress0, check.Details!["recoveredAddress"]);
    }

    [Fact]
    public void Negative_OtherSigner_IsRefusedNamingBothAddresses()
    {
        var mine = EthECKey.GenerateKey();
        var other = EthECKey.GenerateKey();
        using var mineMaterial = Material(mine);
        using var otherMaterial = Material(other);
        var proof = verifier.ParsePublicKey(signer.PublicKeyOf(mineMaterial));
        var otherAddress = signer.PublicKeyOf(otherMaterial);
        var payload = Utf8("approve proposal P-1");

        var check = Signatures.Verify(proof, payload, signer.Sign(payload, otherMaterial));

        Assert.False(check.IsValid);
        Assert.Equal($"signed by {otherAddress}, not {proof.Fingerprint}", check.Reason);
        Assert.Equal(otherAddress, check.Details!["recoveredAddress"]);
    }

    [Fact]
    public void Negative_SignerThatCountedCharactersNotBytes_IsRefused()
    {
        // A buggy tool: prefix "\x19Ethereum Signed Message:\n5" for "naïve" (5 characters, 6 UTF-8 bytes).
        var key = EthECKey.GenerateKey();
        using var material = Material(key);
        var proof = verifier.ParsePublicKey(signer.PublicKeyOf(material));
        var payload = Utf8("naïve");
        Assert.Equal(6, payload.Length);
        var buggyMessage = Encoding.ASCII.GetBytes("\u0019Ethereum Signed Message:\n5").Concat(payload).ToArray();
        var sig = key.SignAndCalculateV(Sha3Keccack.Current.CalculateHash(buggyMessage));
        var signature = EthECDSASignature.CreateStringSignature(sig);

        var check = Signatures.Verify(proof, payload, signature);

        Assert.False(check.IsValid);
        Assert.Equal(
            "the signing tool put the character count (5) in the EIP-191 prefix instead of the UTF-8 byte count (6); refused",
            check.Reason);
    }

    [Fact]
    public void VZeroOrOne_IsAcceptedLike27Or28()
    {
        var proof = verifier.ParsePublicKey(AnvilAddress0);
        var payload = Utf8("hello world");
        var v27 = Signatures.Verify(proof, payload, HelloWorldSignature);
        var v0 = Signatures.Verify(proof, payload, WithLastByte(HelloWorldSignature, 0));

        Assert.True(v27.IsValid, v27.Reason);
        Assert.True(v0.IsValid, v0.Reason);
        Assert.Equal(v27.Details!["recoveredAddress"], v0.Details!["recoveredAddress"]);

        // The other parity: find a signature with v = 28 and check it as 1.
        var key = EthECKey.GenerateKey();
        using var material = Material(key);
        var keyProof = verifier.ParsePublicKey(signer.PublicKeyOf(material));
        for (var i = 0; ; i++)
        {
            var p = Utf8($"statement {i}");
            var s = signer.Sign(p, material);
            if (!s.EndsWith("1c", StringComparison.Ordinal))
            {
                continue;
            }
            var v28 = Signatures.Verify(keyProof, p, s);
            var v1 = Signatures.Verify(keyProof, p, WithLastByte(s, 1));
            Assert.True(v28.IsValid, v28.Reason);
            Assert.True(v1.IsValid, v1.Reason);
            Assert.Equal(v28.Details!["recoveredAddress"], v1.Details!["recoveredAddress"]);
            break;
        }
    }

    [Fact]
    public void Negative_V29_IsRefused()
    {
        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("hello world"), WithLastByte(HelloWorldSignature, 29));

        Assert.False(check.IsValid);
        Assert.Equal("v is 29; a personal_sign signature ends in 27 or 28 (or 0 or 1)", check.Reason);
    }

    [Fact]
    public void Negative_HighSMalleatedTwin_IsRefused()
    {
        // (r, n − s, v ^ 1) recovers the same address: the twin a deduplication by signature bytes would count twice.
        var bytes = Convert.FromHexString(HelloWorldSignature[2..]);
        var s = new BigInteger(bytes.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twinS = (N - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var twin = bytes[..32].Concat(new byte[32 - twinS.Length]).Concat(twinS).Append((byte)(bytes[64] == 27 ? 28 : 27)).ToArray();
        var twinHex = "0x" + Convert.ToHexString(twin).ToLowerInvariant();
        Assert.Equal(AnvilAddress0, new EthereumMessageSigner().EcRecover(Utf8("hello world"), twinHex), ignoreCase: true);

        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("hello world"), twinHex);

        Assert.False(check.IsValid);
        Assert.Equal("s is in the upper half of the curve order (EIP-2): a malleated twin of a signature; refused", check.Reason);
    }

    [Fact]
    public void Negative_WrongChecksumAddress_IsRefused()
    {
        // The first 'F' lowered: still mixed case, no longer the EIP-55 form.
        const string wrong = "0xf39fd6e51aad88F6F4ce6aB8827279cffFb92266";

        var ex = Assert.Throws<InvalidProofException>(() => verifier.ParsePublicKey(wrong));

        Assert.Equal("address checksum does not match (EIP-55)", ex.Reason);
        Assert.Equal(ProofKind.Ethereum, ex.ProofKind);
    }

    [Theory]
    [InlineData("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")]
    [InlineData("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226")]
    [InlineData("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266")]
    [InlineData("")]
    public void Negative_MalformedAddress_IsRefused(string text)
    {
        var ex = Assert.Throws<InvalidProofException>(() => verifier.ParsePublicKey(text));

        Assert.Equal("an Ethereum address is 0x followed by 40 hex digits", ex.Reason);
    }

    [Fact]
    public void Negative_ZeroAddress_IsRefused()
    {
        var ex = Assert.Throws<InvalidProofException>(() => verifier.ParsePublicKey("0x0000000000000000000000000000000000000000"));

        Assert.Equal("the zero address is no one's key", ex.Reason);
    }

    [Fact]
    public void Negative_MalformedHexSignature_IsRefused()
    {
        var notHex = HelloWorldSignature[..10] + "zz" + HelloWorldSignature[12..];

        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("hello world"), notHex);

        Assert.False(check.IsValid);
        Assert.Equal("malformed signature: not hex", check.Reason);
    }

    [Fact]
    public void Negative_TruncatedSignature_IsRefused()
    {
        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("hello world"), HelloWorldSignature[..^2]);

        Assert.False(check.IsValid);
        Assert.Equal("malformed signature: 128 hex digits; a personal_sign signature is 0x and 130 hex digits (r, s, v)", check.Reason);
    }

    [Fact]
    public void Negative_ZeroR_IsRefused()
    {
        var zeroR = "0x" + new string('0', 64) + HelloWorldSignature[66..];

        var check = Signatures.Verify(verifier.ParsePublicKey(AnvilAddress0), Utf8("hello world"), zeroR);

        Assert.False(check.IsValid);
        Assert.Equal("r or s is outside the secp256k1 group order", check.Reason);
    }

    [Fact]
    public void Negative_PrivateKeyNotHex_IsRefusedWithoutEchoingIt()
    {
        using var material = new PrivateKeyMaterial(Utf8("not-a-key-" + new string('q', 54)), source: "env DEIRF_ETH_KEY");

        var ex = Assert.Throws<InvalidProofException>(() => signer.PublicKeyOf(material));

        Assert.Equal("the Ethereum private key from env DEIRF_ETH_KEY is not 64 hex digits (with or without 0x)", ex.Reason);
        Assert.DoesNotContain("qqqq", ex.Message);
    }
}
