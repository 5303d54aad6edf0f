using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>
/// An OpenID provider minted at test time: an RSA-2048 and a P-256 key, their JWKS, and id_tokens made with
/// JsonWebTokenHandler.CreateToken. Nothing is fetched or stored.
/// </summary>
internal sealed class LocalIssuer : IDisposable
{
    public const string Issuer = "https://idp.deirf.test";
    public const string Audience = "deirf-cli";
    public const string Subject = "248289761001";
    public const string RsaKid = "rsa-2031-1";
    public const string EcKid = "ec-2031-1";

    public static readonly DateTimeOffset Now = new(2031, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public LocalIssuer()
    {
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("oidc issuer RSA private exponent", Rsa.ExportParameters(true).D);
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("oidc issuer EC private key", Ec.ExportParameters(true).D);
    }

    public RSA Rsa { get; } = RSA.Create(2048);
    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public JsonObject RsaJwk()
    {
        var p = Rsa.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = RsaKid,
            ["n"] = Base64Url.EncodeToString(p.Modulus),
            ["e"] = Base64Url.EncodeToString(p.Exponent),
        };
    }

    public JsonObject EcJwk()
    {
        var q = Ec.ExportParameters(false).Q;
        return new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["kid"] = EcKid,
            ["x"] = Base64Url.EncodeToString(q.X),
            ["y"] = Base64Url.EncodeToString(q.Y),
        };
    }

    public string ProofJson(string subject = Subject, params JsonObject[] keys) => new JsonObject
    {
        ["issuer"] = Issuer,
        ["subject"] = subject,
        ["audience"] = Audience,
        ["jwks"] = new JsonObject { ["keys"] = new JsonArray(keys.Length > 0 ? keys : [RsaJwk(), EcJwk()]) },
    }.ToJsonString();

    public static string Nonce(ReadOnlySpan<byte> payload) => Base64Url.EncodeToString(SHA256.HashData(payload));

    /// <summary>A descriptor for a good id_token over <paramref name="payload"/>, to be bent by a test.</summary>
    public SecurityTokenDescriptor Descriptor(ReadOnlySpan<byte> payload, string alg = SecurityAlgorithms.RsaSha256) => new()
    {
        Issuer = Issuer,
        Audience = Audience,
        IssuedAt = Now.AddMinutes(-1).UtcDateTime,
        NotBefore = Now.AddMinutes(-1).UtcDateTime,
        Expires = Now.AddMinutes(10).UtcDateTime,
        Claims = new Dictionary<string, object> { ["sub"] = Subject, ["nonce"] = Nonce(payload) },
        SigningCredentials = alg switch
        {
            SecurityAlgorithms.EcdsaSha256 => new SigningCredentials(new ECDsaSecurityKey(Ec) { KeyId = EcKid }, alg),
            _ => new SigningCredentials(new RsaSecurityKey(Rsa) { KeyId = RsaKid }, alg),
        },
    };

    public static string Mint(SecurityTokenDescriptor descriptor)
        => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);

    public void Dispose()
    {
        Rsa.Dispose();
        Ec.Dispose();
    }
}

/// <summary>id_tokens as approvals (SPEC "Lessons": issuer, audience, expiry, algorithm allow-list, single-use nonce, JWKS snapshot).</summary>
public sealed class OidcVerifierTests : IDisposable
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"action\":\"cloud.lock\",\"incident\":\"INC-9\"}");

    private readonly LocalIssuer _idp = new();
    private readonly ProofKey _key;
    private readonly VerificationContext _context = new() { Clock = new FixedClock(LocalIssuer.Now) };

    public OidcVerifierTests()
    {
        _key = Signatures.ParsePublicKey(ProofKind.Oidc, _idp.ProofJson());
    }

    public void Dispose() => _idp.Dispose();

    private SignatureCheck Check(string token, VerificationContext? context = null, ProofKey? key = null)
        => Signatures.Verify(key ?? _key, Payload, token, context ?? _context);

    private static void AssertRefused(SignatureCheck check, string reason)
    {
        Assert.False(check.IsValid);
        Assert.Equal(ProofKind.Oidc, check.Kind);
        Assert.Equal(reason, check.Reason);
    }

    private static string Segment(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static JsonObject ValidClaims() => new()
    {
        ["iss"] = LocalIssuer.Issuer,
        ["aud"] = LocalIssuer.Audience,
        ["sub"] = LocalIssuer.Subject,
        ["nonce"] = LocalIssuer.Nonce(Payload),
        ["iat"] = LocalIssuer.Now.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = LocalIssuer.Now.AddMinutes(10).ToUnixTimeSeconds(),
    };

    [Fact]
    public void ParsePublicKey_Fingerprint_Algorithm_Attributes()
    {
        Assert.Equal("https://idp.deirf.test#248289761001", _key.Fingerprint);
        Assert.Equal("oidc", _key.Algorithm);
        Assert.Equal(LocalIssuer.Issuer, _key.Attributes["issuer"]);
        Assert.Equal(LocalIssuer.Subject, _key.Attributes["subject"]);
        Assert.Equal(LocalIssuer.Audience, _key.Attributes["audience"]);
        Assert.Equal("rsa-2031-1,ec-2031-1", _key.Attributes["jwksKeyIds"]);
    }

    [Fact]
    public void ValidRs256Token_Verifies_WithNonceKidIatAndKeySnapshot()
    {
        var check = Check(LocalIssuer.Mint(_idp.Descriptor(Payload)));
        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(_key.Fingerprint, check.Fingerprint);
        Assert.Equal(LocalIssuer.Now.AddMinutes(-1), check.SignedAt);
        Assert.Equal(LocalIssuer.Nonce(Payload), check.Details!["nonce"]);
        Assert.Equal(LocalIssuer.RsaKid, check.Details["kid"]);
        Assert.Equal(LocalIssuer.Now.AddMinutes(-1).ToUnixTimeSeconds().ToString(), check.Details["iat"]);
        Assert.Equal(DeIRF.Canonical.CanonicalJson.Canonicalize(_idp.RsaJwk().ToJsonString()), check.Details["jwksKeys"]);
    }

    [Fact]
    public void KeySnapshot_ReverifiesOffline_AfterTheIssuerRotatedKeys()
    {
        string token = LocalIssuer.Mint(_idp.Descriptor(Payload));
        var snapshot = JsonNode.Parse(Check(token).Details!["jwksKeys"])!.AsObject();
        var fromJournal = Signatures.ParsePublicKey(ProofKind.Oidc, _idp.ProofJson(LocalIssuer.Subject, snapshot));
        Assert.True(Check(token, key: fromJournal).IsValid);
    }

    [Fact]
    public void ValidEs256Token_Verifies()
    {
        var check = Check(LocalIssuer.Mint(_idp.Descriptor(Payload, SecurityAlgorithms.EcdsaSha256)));
        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(LocalIssuer.EcKid, check.Details!["kid"]);
    }

    [Fact]
    public void ValidPs256Token_Verifies()
    {
        var check = Check(LocalIssuer.Mint(_idp.Descriptor(Payload, SecurityAlgorithms.RsaSsaPssSha256)));
        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void ExpiredWithinClockSkew_StillValid()
    {
        var d = _idp.Descriptor(Payload);
        d.Expires = LocalIssuer.Now.AddMinutes(-1).UtcDateTime;
        d.IssuedAt = d.NotBefore = LocalIssuer.Now.AddMinutes(-30).UtcDateTime;
        Assert.True(Check(LocalIssuer.Mint(d)).IsValid);
    }

    [Fact]
    public void Expired_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Expires = LocalIssuer.Now.AddMinutes(-10).UtcDateTime;
        d.IssuedAt = d.NotBefore = LocalIssuer.Now.AddMinutes(-70).UtcDateTime;
        AssertRefused(Check(LocalIssuer.Mint(d)), "expired: the id_token expired at 2031-03-04T04:56:07Z");
    }

    [Fact]
    public void Expired_AccordingToTheContextClock_NotTheMachineClock()
    {
        // Valid now on this machine's clock for years to come; expired at the context's "now" in 2040.
        var check = Check(LocalIssuer.Mint(_idp.Descriptor(Payload)), new VerificationContext { Clock = new FixedClock(new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero)) });
        AssertRefused(check, "expired: the id_token expired at 2031-03-04T05:16:07Z");
    }

    [Fact]
    public void NotYetValid_Nbf_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.IssuedAt = LocalIssuer.Now.UtcDateTime;
        d.NotBefore = LocalIssuer.Now.AddMinutes(10).UtcDateTime;
        d.Expires = LocalIssuer.Now.AddMinutes(70).UtcDateTime;
        AssertRefused(Check(LocalIssuer.Mint(d)), "not yet valid: the id_token is valid from 2031-03-04T05:16:07Z");
    }

    [Fact]
    public void NoExpiry_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Expires = null;
        AssertRefused(Check(LocalIssuer.Mint(d)), "the id_token has no expiry (exp)");
    }

    [Fact]
    public void WrongAudience_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Audience = "some-other-app";
        AssertRefused(Check(LocalIssuer.Mint(d)), "wrong audience: the id_token is for 'some-other-app', not 'deirf-cli'");
    }

    [Fact]
    public void ExtraAudience_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Audience = null;
        d.Claims["aud"] = new[] { LocalIssuer.Audience, "some-other-app" };
        AssertRefused(Check(LocalIssuer.Mint(d)), "the id_token is also for other audiences (some-other-app); DeIRF trusts only 'deirf-cli'");
    }

    [Fact]
    public void AuthorizedPartyOtherClient_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Claims["azp"] = "some-other-app";
        AssertRefused(Check(LocalIssuer.Mint(d)), "authorized party (azp) 'some-other-app' is not the audience 'deirf-cli'");
    }

    [Fact]
    public void WrongIssuer_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Issuer = "https://evil.test";
        AssertRefused(Check(LocalIssuer.Mint(d)), "wrong issuer: 'https://evil.test' is not 'https://idp.deirf.test'");
    }

    [Fact]
    public void AlgNone_Refused()
    {
        string token = Segment(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Segment(ValidClaims()) + ".";
        AssertRefused(Check(token), "algorithm 'none' is not allowed: the id_token is unsigned");
    }

    [Fact]
    public void Hs256SignedWithTheRsaPublicKey_KeyConfusion_Refused()
    {
        string signingInput = Segment(new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = LocalIssuer.RsaKid }) + "." + Segment(ValidClaims());
        // The attacker's "secret" is public: the RSA key as its JWKS and SubjectPublicKeyInfo publish it.
        byte[] secret = Encoding.ASCII.GetBytes(_idp.Rsa.ExportSubjectPublicKeyInfoPem());
        string token = signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
        AssertRefused(Check(token), "algorithm 'HS256' is not allowed (RS256, ES256, PS256 only)");
    }

    [Fact]
    public void UnknownKid_Refused()
    {
        using var rogue = RSA.Create(2048);
        var d = _idp.Descriptor(Payload);
        d.SigningCredentials = new SigningCredentials(new RsaSecurityKey(rogue) { KeyId = "rogue-1" }, SecurityAlgorithms.RsaSha256);
        AssertRefused(Check(LocalIssuer.Mint(d)), "unknown key id 'rogue-1': not in the JWKS pinned for https://idp.deirf.test");
    }

    [Fact]
    public void PinnedKidSignedByAnotherKey_Refused()
    {
        using var rogue = RSA.Create(2048);
        var d = _idp.Descriptor(Payload);
        d.SigningCredentials = new SigningCredentials(new RsaSecurityKey(rogue) { KeyId = LocalIssuer.RsaKid }, SecurityAlgorithms.RsaSha256);
        AssertRefused(Check(LocalIssuer.Mint(d)), "bad signature: the id_token does not verify with pinned key 'rsa-2031-1'");
    }

    [Fact]
    public void OtherSubject_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Claims["sub"] = "mallory";
        AssertRefused(Check(LocalIssuer.Mint(d)), "subject 'mallory' is not the bound subject '248289761001'");
    }

    [Fact]
    public void NonceForAnotherPayload_Refused()
    {
        var d = _idp.Descriptor("{\"action\":\"dns.reroute\"}"u8);
        AssertRefused(Check(LocalIssuer.Mint(d)), "nonce is not this payload's digest");
    }

    [Fact]
    public void NoNonce_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.Claims.Remove("nonce");
        AssertRefused(Check(LocalIssuer.Mint(d)), "the id_token has no nonce");
    }

    [Fact]
    public void ReplayedNonce_Refused()
    {
        string? asked = null;
        var context = new VerificationContext
        {
            Clock = new FixedClock(LocalIssuer.Now),
            IsOidcNonceUnused = nonce =>
            {
                asked = nonce;
                return false;
            },
        };
        AssertRefused(Check(LocalIssuer.Mint(_idp.Descriptor(Payload)), context), "nonce already used (token replay)");
        Assert.Equal(LocalIssuer.Nonce(Payload), asked);
    }

    [Fact]
    public void UnusedNonce_Accepted()
    {
        var context = new VerificationContext { Clock = new FixedClock(LocalIssuer.Now), IsOidcNonceUnused = _ => true };
        Assert.True(Check(LocalIssuer.Mint(_idp.Descriptor(Payload)), context).IsValid);
    }

    [Fact]
    public void IssuedInTheFuture_Refused()
    {
        var d = _idp.Descriptor(Payload);
        d.IssuedAt = LocalIssuer.Now.AddMinutes(5).UtcDateTime;
        AssertRefused(Check(LocalIssuer.Mint(d)), "the id_token was issued in the future (iat 2031-03-04T05:11:07Z)");
    }

    [Fact]
    public void TamperedPayloadSegment_Refused()
    {
        // A token the IdP minted for other content, its nonce rewritten to this payload's digest.
        var parts = LocalIssuer.Mint(_idp.Descriptor("{\"action\":\"other\"}"u8)).Split('.');
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        claims["nonce"] = LocalIssuer.Nonce(Payload);
        string token = parts[0] + "." + Segment(claims) + "." + parts[2];
        AssertRefused(Check(token), "bad signature: the id_token does not verify with pinned key 'rsa-2031-1'");
    }

    [Fact]
    public void DuplicateClaim_Refused()
    {
        var parts = LocalIssuer.Mint(_idp.Descriptor(Payload)).Split('.');
        string json = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
        json = json[..^1] + ",\"sub\":\"mallory\"}";
        var check = Check(parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json)) + "." + parts[2]);
        Assert.False(check.IsValid);
        Assert.StartsWith("malformed id_token: Duplicate key \"sub\"", check.Reason);
    }

    [Fact]
    public void EncryptedToken_Refused()
    {
        AssertRefused(Check("a.b.c.d.e"), "encrypted id_tokens (JWE) are not accepted; the identity provider must sign, not encrypt");
    }

    [Fact]
    public void GarbageToken_Refused_WithoutThrowing()
    {
        var check = Signatures.VerifierFor(ProofKind.Oidc).Verify(_key, Payload, "not-a-token", _context);
        AssertRefused(check, "malformed id_token: not a compact JWS (header.payload.signature)");
    }

    [Fact]
    public void JwksWithPrivateKey_RefusedAtParse()
    {
        var jwk = _idp.EcJwk();
        jwk["d"] = Base64Url.EncodeToString(_idp.Ec.ExportParameters(true).D);
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Oidc, _idp.ProofJson(LocalIssuer.Subject, jwk)));
        Assert.Equal("a JWKS key holds private or secret material ('d'); pin the issuer's public keys only", ex.Reason);
    }

    [Fact]
    public void JwksWithSymmetricKey_RefusedAtParse()
    {
        var jwk = new JsonObject { ["kty"] = "oct", ["kid"] = "hmac", ["k"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) };
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Oidc, _idp.ProofJson(LocalIssuer.Subject, jwk)));
        Assert.Equal("a JWKS key holds private or secret material ('k'); pin the issuer's public keys only", ex.Reason);
    }

    [Fact]
    public void JwksWithShortRsaKey_RefusedAtParse()
    {
        using var small = RSA.Create(1024);
        var p = small.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "RSA", ["kid"] = "small", ["n"] = Base64Url.EncodeToString(p.Modulus), ["e"] = Base64Url.EncodeToString(p.Exponent) };
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Oidc, _idp.ProofJson(LocalIssuer.Subject, jwk)));
        Assert.Equal("JWKS key 'small' is an RSA key shorter than 2048 bits or has a bad exponent", ex.Reason);
    }
}
