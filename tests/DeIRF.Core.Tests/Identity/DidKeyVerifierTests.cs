using System.Numerics;
using System.Text;
using DeIRF.Identity;
using DeIRF.Identity.Verifiers;
using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Org.BouncyCastle.Security;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

public sealed class DidKeyVerifierTests
{
    // RFC 8032 §7.1 TEST 1 (the same key is RFC 8037 Appendix A.1's JWK): its public key and signature only; the
    // vector's secret key is not committed (key derivation is tested with keys made at test time).
    private const string Rfc8032Public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    private const string Rfc8032EmptySignature =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    // RFC 8037 Appendix A.4: {"alg":"EdDSA"} over "Example of Ed25519 signing" with the key above.
    private const string Rfc8037Header = "eyJhbGciOiJFZERTQSJ9";
    private const string Rfc8037Payload = "Example of Ed25519 signing";
    private const string Rfc8037Signature = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

    private readonly IProofVerifier verifier = Signatures.VerifierFor(ProofKind.DidKey);
    private readonly IProofSigner signer = Signatures.SignerFor(ProofKind.DidKey);

    private static string Rfc8032Did => DidKeyVerifier.DidOf(Convert.FromHexString(Rfc8032Public));

    private static byte[] NewSeed()
    {
        var seed = new byte[32];
        Ed25519.GeneratePrivateKey(new SecureRandom(), seed);
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("did:key seed", seed);
        return seed;
    }

    private static byte[] PublicKeyOf(byte[] seed)
    {
        var pk = new byte[32];
        Ed25519.GeneratePublicKey(seed, 0, pk, 0);
        return pk;
    }

    private static PrivateKeyMaterial HexMaterial(byte[] seed) => new(Encoding.ASCII.GetBytes(Convert.ToHexString(seed)), source: "test key");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A JWS made by hand, so the only fault in it is the one a test puts there.</summary>
    private static string Jws(byte[] seed, string headerJson, byte[] payload, bool detached = true)
    {
        var header = Base64UrlEncoder.Encode(Utf8(headerJson));
        var encodedPayload = Base64UrlEncoder.Encode(payload);
        var input = Encoding.ASCII.GetBytes(header + "." + encodedPayload);
        var sig = new byte[64];
        Ed25519.Sign(seed, 0, input, 0, input.Length, sig, 0);
        return header + "." + (detached ? string.Empty : encodedPayload) + "." + Base64UrlEncoder.Encode(sig);
    }

    private static string MultibaseDid(byte[] bytes) => "did:key:z" + DidKeyVerifier.Base58Btc.Encode(bytes);

    private static byte[] WithEd25519Prefix(byte[] key) => new byte[] { 0xed, 0x01 }.Concat(key).ToArray();

    private InvalidProofException Refused(string did) => Assert.Throws<InvalidProofException>(() => verifier.ParsePublicKey(did));

    [Fact]
    public void TheEntryPointRegistersTheDidKeyVerifierAndSigner()
    {
        Assert.IsType<DidKeyVerifier>(verifier);
        Assert.IsType<DidKeyVerifier>(signer);
    }

    // w3c-ccg/did-method-key, test-vectors/ed25519-x25519.json: publicKeyBase58 → did:key (the vectors' seeds are not
    // committed: a seed made now checks seed → did).
    [Theory]
    [InlineData("4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")]
    [InlineData("6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt", "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG")]
    [InlineData("8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH", "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf")]
    [InlineData("HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2", "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ")]
    [InlineData("J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x", "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL")]
    public void DidKeySpecVectors_PublicKeyAndSeedGiveTheDid(string publicKeyBase58, string did)
    {
        var publicKey = DidKeyVerifier.Base58Btc.Decode(publicKeyBase58, out _)!;
        Assert.Equal(32, publicKey.Length);

        Assert.Equal(did, DidKeyVerifier.DidOf(publicKey));
        var proof = verifier.ParsePublicKey(did);
        Assert.Equal(did, proof.Fingerprint);
        Assert.Equal(did, proof.PublicKey);
        Assert.Equal("ed25519", proof.Algorithm);
        Assert.Equal($"{did}#{did["did:key:".Length..]}", proof.Attributes["verificationMethod"]);
        var seed = NewSeed();
        using var material = HexMaterial(seed);
        Assert.Equal(DidKeyVerifier.DidOf(PublicKeyOf(seed)), signer.PublicKeyOf(material));
    }

    [Fact]
    public void Rfc8032Test1_DirectEd25519Check()
    {
        Assert.Null(DidKeyVerifier.CheckEd25519(Convert.FromHexString(Rfc8032Public), [], Convert.FromHexString(Rfc8032EmptySignature)));
        Assert.Equal("the Ed25519 signature does not match this payload and key",
            DidKeyVerifier.CheckEd25519(Convert.FromHexString(Rfc8032Public), [0x00], Convert.FromHexString(Rfc8032EmptySignature)));
    }

    [Fact]
    public void Rfc8037AppendixA4_AsDetachedJws_Verifies()
    {
        var proof = verifier.ParsePublicKey(Rfc8032Did);

        var check = Signatures.Verify(proof, Utf8(Rfc8037Payload), $"{Rfc8037Header}..{Rfc8037Signature}");

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(Rfc8032Did, check.Fingerprint);
    }

    [Fact]
    public void Rfc8037AppendixA4_WithItsAttachedPayload_VerifiesWhenItIsTheStatement()
    {
        var jws = $"{Rfc8037Header}.{Base64UrlEncoder.Encode(Rfc8037Payload)}.{Rfc8037Signature}";

        var check = Signatures.Verify(verifier.ParsePublicKey(Rfc8032Did), Utf8(Rfc8037Payload), jws);

        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void Rfc8037AppendixA1Jwk_IsAcceptedAsPrivateKey()
    {
        const string jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
        using var material = new PrivateKeyMaterial(Utf8(jwk));

        Assert.Equal(Rfc8032Did, signer.PublicKeyOf(material));
        var payload = Utf8(Rfc8037Payload);
        Assert.True(Signatures.Verify(verifier.ParsePublicKey(Rfc8032Did), payload, signer.Sign(payload, material)).IsValid);
    }

    [Fact]
    public void RoundTrip_GeneratedKey_HexSeed()
    {
        var seed = NewSeed();
        using var material = HexMaterial(seed);
        var did = signer.PublicKeyOf(material);
        var payload = Utf8("{\"approve\":\"k8s.pod.quarantine\",\"naïve\":true}");

        var jws = signer.Sign(payload, material);
        var check = Signatures.Verify(verifier.ParsePublicKey(did), payload, jws);

        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(DidKeyVerifier.DidOf(PublicKeyOf(seed)), did);
        var parts = jws.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Empty(parts[1]);
        Assert.Equal($"{{\"alg\":\"EdDSA\",\"kid\":\"{did}#{did["did:key:".Length..]}\"}}", Base64UrlEncoder.Decode(parts[0]));
    }

    [Fact]
    public void RoundTrip_GeneratedKey_Base64UrlSeedWithWhitespace()
    {
        var seed = NewSeed();
        using var material = new PrivateKeyMaterial(Utf8(Base64UrlEncoder.Encode(seed) + "\r\n"));
        var payload = new byte[] { 0x00, 0xff, 0x10 };

        var check = Signatures.Verify(verifier.ParsePublicKey(signer.PublicKeyOf(material)), payload, signer.Sign(payload, material));

        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void HeaderWithoutKid_IsAccepted()
    {
        var seed = NewSeed();
        var did = DidKeyVerifier.DidOf(PublicKeyOf(seed));
        var payload = Utf8("statement");

        var check = Signatures.Verify(verifier.ParsePublicKey(did), payload, Jws(seed, "{\"alg\":\"EdDSA\"}", payload));

        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void Negative_33ByteDecoding_IsRefused()
    {
        var ex = Refused(MultibaseDid(WithEd25519Prefix(PublicKeyOf(NewSeed())[..31])));

        Assert.Equal("the key decodes to 33 bytes; an Ed25519 did:key is exactly 34 (0xed 0x01 and a 32-byte key)", ex.Reason);
    }

    [Fact]
    public void Negative_35ByteDecoding_IsRefused()
    {
        var ex = Refused(MultibaseDid(WithEd25519Prefix(PublicKeyOf(NewSeed()).Append((byte)0).ToArray())));

        Assert.Equal("the key decodes to 35 bytes; an Ed25519 did:key is exactly 34 (0xed 0x01 and a 32-byte key)", ex.Reason);
    }

    [Fact]
    public void Negative_WrongMulticodec_IsRefused()
    {
        var x25519 = new byte[] { 0xec, 0x01 }.Concat(PublicKeyOf(NewSeed())).ToArray();

        var ex = Refused(MultibaseDid(x25519));

        Assert.Equal("multicodec 0xec (x25519-pub) is not ed25519-pub (0xed); only Ed25519 did:key is accepted", ex.Reason);
    }

    [Fact]
    public void Negative_Secp256k1DidKey_IsRefused()
    {
        // w3c-ccg/did-method-key test-vectors/secp256k1.json style: multicodec 0xe7 0x01 + a 33-byte compressed key.
        var ex = Refused(MultibaseDid(new byte[] { 0xe7, 0x01, 0x02 }.Concat(new byte[32]).ToArray()));

        Assert.Equal("multicodec 0xe7 (secp256k1-pub) is not ed25519-pub (0xed); only Ed25519 did:key is accepted", ex.Reason);
    }

    [Fact]
    public void Negative_NonMinimalMulticodecVarint_IsRefused()
    {
        var ex = Refused(MultibaseDid(new byte[] { 0xed, 0x81, 0x00 }.Concat(PublicKeyOf(NewSeed())[..31]).ToArray()));

        Assert.Equal("the multicodec varint is not minimally encoded", ex.Reason);
    }

    [Fact]
    public void Negative_FPrefixedMultibase_IsRefused()
    {
        var hex = "did:key:f" + Convert.ToHexString(WithEd25519Prefix(PublicKeyOf(NewSeed()))).ToLowerInvariant();

        var ex = Refused(hex);

        Assert.Equal("multibase prefix 'f' is not 'z' (base58btc), the only encoding did:key allows", ex.Reason);
    }

    [Theory]
    [InlineData('0')]
    [InlineData('O')]
    [InlineData('I')]
    [InlineData('l')]
    public void Negative_InvalidBase58Character_IsRefused(char bad)
    {
        var did = Rfc8032Did;
        var broken = did[..12] + bad + did[13..];

        var ex = Refused(broken);

        Assert.Equal($"'{bad}' at position 4 of the key is not a base58btc character", ex.Reason);
    }

    [Fact]
    public void Negative_NotADidKey_IsRefused()
    {
        Assert.Equal("not a did:key DID (did:key:z6Mk…)", Refused("did:web:example.com").Reason);
        Assert.Equal("the did:key has no key", Refused("did:key:z").Reason);
    }

    [Fact]
    public void Negative_SmallOrderKey_IdentityPoint_IsRefused()
    {
        var identity = new byte[32];
        identity[0] = 1;

        var ex = Refused(DidKeyVerifier.DidOf(identity));

        Assert.Equal("the Ed25519 public key is a small-order point; refused", ex.Reason);
    }

    [Fact]
    public void Negative_AllEightSmallOrderPoints_AreRefused()
    {
        // An order-8 point; its multiples are the whole torsion subgroup.
        var t8 = DidKeyVerifier.DecodePoint(Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))!.Value;
        var encodings = new HashSet<string>();
        var point = (X: BigInteger.Zero, Y: BigInteger.One);
        for (var k = 0; k < 8; k++)
        {
            encodings.Add(Convert.ToHexString(DidKeyVerifier.EncodePoint(point)).ToLowerInvariant());
            point = DidKeyVerifier.Add(point, t8);
        }
        Assert.Equal((BigInteger.Zero, BigInteger.One), point);
        Assert.Equal(8, encodings.Count);
        Assert.Contains("0100000000000000000000000000000000000000000000000000000000000000", encodings);
        Assert.Contains("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", encodings);
        Assert.Contains("0000000000000000000000000000000000000000000000000000000000000000", encodings);
        Assert.Contains("0000000000000000000000000000000000000000000000000000000000000080", encodings);
        Assert.Contains("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", encodings);

        foreach (var hex in encodings)
        {
            Assert.Equal("the Ed25519 public key is a small-order point; refused", Refused(DidKeyVerifier.DidOf(Convert.FromHexString(hex))).Reason);
        }
    }

    [Theory]
    // y = p and y = p + 1 (≡ 0 and 1, small-order y values), with and without the sign bit.
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "the Ed25519 public key is not canonically encoded (y ≥ p)")]
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "the Ed25519 public key is not canonically encoded (y ≥ p)")]
    [InlineData("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "the Ed25519 public key is not canonically encoded (y ≥ p)")]
    [InlineData("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "the Ed25519 public key is not canonically encoded (y ≥ p)")]
    // x = 0 with the sign bit set: the identity and the order-2 point written as "−0".
    [InlineData("0100000000000000000000000000000000000000000000000000000000000080", "the Ed25519 public key is not canonically encoded (x = 0 with the sign bit set)")]
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "the Ed25519 public key is not canonically encoded (x = 0 with the sign bit set)")]
    public void Negative_NonCanonicalSmallOrderEncodings_AreRefused(string hex, string reason)
    {
        Assert.Equal(reason, Refused(DidKeyVerifier.DidOf(Convert.FromHexString(hex))).Reason);
    }

    [Fact]
    public void Negative_MixedOrderKey_IsRefused()
    {
        // A real key plus an order-8 point: not small order, but outside the prime-order subgroup.
        var a = DidKeyVerifier.DecodePoint(Convert.FromHexString(Rfc8032Public))!.Value;
        var t8 = DidKeyVerifier.DecodePoint(Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))!.Value;
        var mixed = DidKeyVerifier.EncodePoint(DidKeyVerifier.Add(a, t8));

        Assert.Equal("the Ed25519 public key is not in the prime-order subgroup; refused", Refused(DidKeyVerifier.DidOf(mixed)).Reason);
    }

    [Fact]
    public void Negative_PointNotOnCurve_IsRefused()
    {
        // y = 2: (y² − 1)/(d·y² + 1) is not a square mod p.
        var y2 = new byte[32];
        y2[0] = 2;

        Assert.Equal("the Ed25519 public key is not a point on the curve", Refused(DidKeyVerifier.DidOf(y2)).Reason);
    }

    [Fact]
    public void Negative_NonCanonicalS_SPlusL_IsRefused()
    {
        var sig = Base64UrlEncoder.DecodeBytes(Rfc8037Signature);
        var s = new BigInteger(sig.AsSpan(32), isUnsigned: true, isBigEndian: false);
        var twin = new byte[64];
        sig.AsSpan(0, 32).CopyTo(twin);
        (s + DidKeyVerifier.L).TryWriteBytes(twin.AsSpan(32), out _, isUnsigned: true, isBigEndian: false);

        var check = Signatures.Verify(verifier.ParsePublicKey(Rfc8032Did), Utf8(Rfc8037Payload), $"{Rfc8037Header}..{Base64UrlEncoder.Encode(twin)}");

        Assert.False(check.IsValid);
        Assert.Equal("non-canonical Ed25519 signature: S ≥ L (a malleated twin); refused", check.Reason);
    }

    [Fact]
    public void Negative_AlgNone_IsRefused()
    {
        var payload = Utf8(Rfc8037Payload);
        var jws = Base64UrlEncoder.Encode("{\"alg\":\"none\"}") + "..";

        var check = Signatures.Verify(verifier.ParsePublicKey(Rfc8032Did), payload, jws);

        Assert.False(check.IsValid);
        Assert.Equal("alg 'none' is refused: an unsigned JWS proves nothing", check.Reason);
    }

    [Fact]
    public void Negative_AlgES256_IsRefused()
    {
        var seed = NewSeed();
        var payload = Utf8("statement");

        var check = Signatures.Verify(verifier.ParsePublicKey(DidKeyVerifier.DidOf(PublicKeyOf(seed))), payload, Jws(seed, "{\"alg\":\"ES256\"}", payload));

        Assert.False(check.IsValid);
        Assert.Equal("alg 'ES256' is not EdDSA; a did:key Ed25519 proof signs with EdDSA", check.Reason);
    }

    [Fact]
    public void Negative_KidNamingAnotherDid_IsRefused()
    {
        var seed = NewSeed();
        var did = DidKeyVerifier.DidOf(PublicKeyOf(seed));
        var other = DidKeyVerifier.DidOf(PublicKeyOf(NewSeed()));
        var payload = Utf8("statement");
        var jws = Jws(seed, $"{{\"alg\":\"EdDSA\",\"kid\":\"{other}#{other[8..]}\"}}", payload);

        var check = Signatures.Verify(verifier.ParsePublicKey(did), payload, jws);

        Assert.False(check.IsValid);
        Assert.Equal($"kid names {other}, not {did}", check.Reason);
    }

    [Fact]
    public void Negative_KidNamingAnotherVerificationMethod_IsRefused()
    {
        var seed = NewSeed();
        var did = DidKeyVerifier.DidOf(PublicKeyOf(seed));
        var payload = Utf8("statement");
        var jws = Jws(seed, $"{{\"alg\":\"EdDSA\",\"kid\":\"{did}#keys-1\"}}", payload);

        var check = Signatures.Verify(verifier.ParsePublicKey(did), payload, jws);

        Assert.False(check.IsValid);
        Assert.Equal($"kid names verification method #keys-1, not #{did[8..]}", check.Reason);
    }

    [Fact]
    public void Negative_TamperedPayload_IsRefused()
    {
        var check = Signatures.Verify(verifier.ParsePublicKey(Rfc8032Did), Utf8(Rfc8037Payload + "!"), $"{Rfc8037Header}..{Rfc8037Signature}");

        Assert.False(check.IsValid);
        Assert.Equal("the Ed25519 signature does not match this payload and key", check.Reason);
    }

    [Fact]
    public void Negative_OtherSigner_IsRefused()
    {
        var seed = NewSeed();
        using var otherMaterial = HexMaterial(NewSeed());
        var payload = Utf8("statement");
        var jws = signer.Sign(payload, otherMaterial);
        var withoutKid = Jws(NewSeed(), "{\"alg\":\"EdDSA\"}", payload);
        var proof = verifier.ParsePublicKey(DidKeyVerifier.DidOf(PublicKeyOf(seed)));

        var named = Signatures.Verify(proof, payload, jws);
        var unnamed = Signatures.Verify(proof, payload, withoutKid);

        Assert.False(named.IsValid);
        Assert.StartsWith("kid names did:key:z6Mk", named.Reason);
        Assert.False(unnamed.IsValid);
        Assert.Equal("the Ed25519 signature does not match this payload and key", unnamed.Reason);
    }

    [Fact]
    public void Negative_AttachedPayloadThatIsNotTheStatement_IsRefused()
    {
        var seed = NewSeed();
        var did = DidKeyVerifier.DidOf(PublicKeyOf(seed));
        var jws = Jws(seed, "{\"alg\":\"EdDSA\"}", Utf8("approve P-1"), detached: false);

        var check = Signatures.Verify(verifier.ParsePublicKey(did), Utf8("approve P-2"), jws);

        Assert.False(check.IsValid);
        Assert.Equal("the JWS carries a payload that is not the statement being checked", check.Reason);
    }

    [Fact]
    public void AttachedPayloadThatIsTheStatement_IsAccepted()
    {
        var seed = NewSeed();
        var payload = Utf8("approve P-1");
        var jws = Jws(seed, "{\"alg\":\"EdDSA\"}", payload, detached: false);

        var check = Signatures.Verify(verifier.ParsePublicKey(DidKeyVerifier.DidOf(PublicKeyOf(seed))), payload, jws);

        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void Negative_UnencodedPayloadHeader_IsRefused()
    {
        var seed = NewSeed();
        var payload = Utf8("statement");
        var jws = Jws(seed, "{\"alg\":\"EdDSA\",\"b64\":false}", payload);

        var check = Signatures.Verify(verifier.ParsePublicKey(DidKeyVerifier.DidOf(PublicKeyOf(seed))), payload, jws);

        Assert.False(check.IsValid);
        Assert.Equal("an unencoded-payload JWS (b64 other than true, RFC 7797) is not accepted; sign the base64url payload", check.Reason);
    }

    [Fact]
    public void Negative_CritHeader_IsRefused()
    {
        var seed = NewSeed();
        var payload = Utf8("statement");
        var jws = Jws(seed, "{\"alg\":\"EdDSA\",\"crit\":[\"exp\"],\"exp\":1}", payload);

        var check = Signatures.Verify(verifier.ParsePublicKey(DidKeyVerifier.DidOf(PublicKeyOf(seed))), payload, jws);

        Assert.False(check.IsValid);
        Assert.Equal("the JWS header lists critical extensions (crit) that DeIRF does not implement; refused", check.Reason);
    }

    [Fact]
    public void Negative_DuplicateHeaderParameter_IsRefused()
    {
        var seed = NewSeed();
        var payload = Utf8("statement");
        var jws = Jws(seed, "{\"alg\":\"EdDSA\",\"alg\":\"none\"}", payload);

        var check = Signatures.Verify(verifier.ParsePublicKey(DidKeyVerifier.DidOf(PublicKeyOf(seed))), payload, jws);

        Assert.False(check.IsValid);
        Assert.Equal("the JWS header names 'alg' twice", check.Reason);
    }

    [Theory]
    [InlineData("eyJhbGciOiJFZERTQSJ9.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg", "malformed signature: not a compact JWS (header..signature)")]
    [InlineData("eyJhbGciOiJFZERTQSJ9=..hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg", "malformed signature: the JWS header is not base64url")]
    [InlineData("bm90IGpzb24..hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg", "malformed signature: the JWS header is not JSON")]
    [InlineData("eyJhbGciOiJFZERTQSJ9..hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0K", "malformed signature: 63 bytes; an Ed25519 signature is 64")]
    public void Negative_MalformedJws_IsRefused(string jws, string reason)
    {
        var check = Signatures.Verify(verifier.ParsePublicKey(Rfc8032Did), Utf8(Rfc8037Payload), jws);

        Assert.False(check.IsValid);
        Assert.Equal(reason, check.Reason);
    }

    [Fact]
    public void Negative_JwkWhosePublicPartIsNotItsOwn_IsRefused()
    {
        var seed = NewSeed();
        var jwk = $"{{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"{Base64UrlEncoder.Encode(seed)}\",\"x\":\"{Base64UrlEncoder.Encode(PublicKeyOf(NewSeed()))}\"}}";
        using var material = new PrivateKeyMaterial(Utf8(jwk), source: "alice.jwk");

        var ex = Assert.Throws<InvalidProofException>(() => signer.PublicKeyOf(material));

        Assert.Equal("the did:key private key from alice.jwk is a JWK whose public part x does not belong to its d", ex.Reason);
    }

    [Fact]
    public void Negative_PrivateKeyOfWrongShape_IsRefusedWithoutEchoingIt()
    {
        using var material = new PrivateKeyMaterial(Utf8(new string('a', 62)), source: "env DEIRF_DID_KEY");

        var ex = Assert.Throws<InvalidProofException>(() => signer.Sign(Utf8("x"), material));

        Assert.Equal("the did:key private key from env DEIRF_DID_KEY is not a 32-byte Ed25519 seed (64 hex digits or base64url) or an Ed25519 JWK", ex.Reason);
        Assert.DoesNotContain("aaaa", ex.Message);
    }

    [Fact]
    public void Base58Btc_KeepsLeadingZeroBytes()
    {
        var bytes = new byte[] { 0, 0, 1, 2, 255 };

        var text = DidKeyVerifier.Base58Btc.Encode(bytes);

        Assert.StartsWith("11", text);
        Assert.Equal(bytes, DidKeyVerifier.Base58Btc.Decode(text, out _));
    }
}
