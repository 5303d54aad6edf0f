using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>WebAuthn assertions (SPEC "Lessons": type, challenge, origin, rpIdHash, user-present flag, signCount increase).</summary>
public sealed class Fido2VerifierTests : IDisposable
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"action\":\"k8s.pod.quarantine\",\"incident\":\"INC-7\"}");

    private readonly SoftwareAuthenticator _authenticator = new();
    private readonly ProofKey _key;

    public Fido2VerifierTests()
    {
        _key = Signatures.ParsePublicKey(ProofKind.Fido2, _authenticator.PublicKeyJson());
    }

    public void Dispose() => _authenticator.Dispose();

    private static SignatureCheck Check(ProofKey key, string assertion, VerificationContext? context = null, byte[]? payload = null)
        => Signatures.Verify(key, payload ?? Payload, assertion, context);

    private static void AssertRefused(SignatureCheck check, string reason)
    {
        Assert.False(check.IsValid);
        Assert.Equal(ProofKind.Fido2, check.Kind);
        Assert.Equal(reason, check.Reason);
    }

    [Fact]
    public void ParsePublicKey_Fingerprint_Algorithm_Attributes()
    {
        Assert.Equal($"fido2:deirf.example:{_authenticator.CredentialIdText}", _key.Fingerprint);
        Assert.Equal("es256", _key.Algorithm);
        Assert.Equal("deirf.example", _key.Attributes["rpId"]);
        Assert.Equal("https://deirf.example", _key.Attributes["origin"]);
        Assert.Equal(_authenticator.CredentialIdText, _key.Attributes["credentialId"]);
    }

    [Fact]
    public void ParsePublicKey_JwkForm_NormalisesToTheSameCoseKey()
    {
        var fromJwk = Signatures.ParsePublicKey(ProofKind.Fido2, _authenticator.PublicKeyJwkJson());
        Assert.Equal(_key.Fingerprint, fromJwk.Fingerprint);
        Assert.Equal(_key.PublicKey, fromJwk.PublicKey);
        Assert.True(Check(fromJwk, _authenticator.Sign(Payload)).IsValid);
    }

    [Fact]
    public void ChallengeConvention_IsBase64UrlOfSha256OfPayload()
    {
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Payload)), DeIRF.Identity.Verifiers.PayloadDigest.Base64Url(Payload));
    }

    [Fact]
    public void ValidAssertion_Verifies_WithSignCountAndUserVerified()
    {
        var check = Check(_key, _authenticator.Sign(Payload, new AssertionOptions { SignCount = 42 }), new VerificationContext { LastFido2SignCount = 41 });
        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(_key.Fingerprint, check.Fingerprint);
        Assert.Null(check.SignedAt);
        Assert.Equal("42", check.Details!["signCount"]);
        Assert.Equal("true", check.Details["userVerified"]);
    }

    [Fact]
    public void ValidAssertion_PublicKeyCredentialToJsonShape_Verifies()
    {
        var check = Check(_key, _authenticator.Sign(Payload, new AssertionOptions { ToJsonShape = true, UserVerified = false }));
        Assert.True(check.IsValid, check.Reason);
        Assert.Equal("false", check.Details!["userVerified"]);
    }

    [Fact]
    public void ValidAssertion_AuthenticatorWithoutCounter_BothZero_Accepted()
    {
        var check = Check(_key, _authenticator.Sign(Payload, new AssertionOptions { SignCount = 0 }), new VerificationContext { LastFido2SignCount = 0 });
        Assert.True(check.IsValid, check.Reason);
    }

    [Fact]
    public void WrongOrigin_Refused()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { Origin = "https://deirf.example.evil" });
        AssertRefused(Check(_key, assertion), "origin 'https://deirf.example.evil' is not the proof's origin 'https://deirf.example'");
    }

    [Fact]
    public void WrongRpId_Refused()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { RpId = "evil.example" });
        AssertRefused(Check(_key, assertion), "rpIdHash is not SHA-256 of 'deirf.example' (the assertion is for another relying party)");
    }

    [Fact]
    public void TypeWebauthnCreate_Refused()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { Type = "webauthn.create" });
        AssertRefused(Check(_key, assertion), "clientDataJSON type is 'webauthn.create', expected 'webauthn.get' (a registration is not a signature)");
    }

    [Fact]
    public void ChallengeForAnotherPayload_Refused()
    {
        var assertion = _authenticator.Sign("{\"action\":\"dns.reroute\"}"u8);
        AssertRefused(Check(_key, assertion), "challenge is not this payload's digest (the assertion was made for other content)");
    }

    [Fact]
    public void ChallengeWithPadding_Refused()
    {
        var assertion = _authenticator.SignChallenge(Convert.ToBase64String(SHA256.HashData(Payload)).Replace('+', '-').Replace('/', '_'));
        AssertRefused(Check(_key, assertion), "challenge is not this payload's digest (the assertion was made for other content)");
    }

    [Fact]
    public void UserPresentFlagMissing_Refused()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { UserPresent = false });
        AssertRefused(Check(_key, assertion), "user-present (UP) flag is not set: nobody touched the authenticator");
    }

    [Fact]
    public void SignCountEqual_Refused_AsPossibleClone()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { SignCount = 7 });
        AssertRefused(Check(_key, assertion, new VerificationContext { LastFido2SignCount = 7 }),
            "signCount did not increase: possible cloned authenticator (last accepted 7, this assertion 7)");
    }

    [Fact]
    public void SignCountLower_Refused_AsPossibleClone()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { SignCount = 6 });
        AssertRefused(Check(_key, assertion, new VerificationContext { LastFido2SignCount = 7 }),
            "signCount did not increase: possible cloned authenticator (last accepted 7, this assertion 6)");
    }

    [Fact]
    public void SignCountZeroAfterNonZero_Refused_AsPossibleClone()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { SignCount = 0 });
        AssertRefused(Check(_key, assertion, new VerificationContext { LastFido2SignCount = 3 }),
            "signCount did not increase: possible cloned authenticator (last accepted 3, this assertion 0)");
    }

    [Fact]
    public void SignatureFromAnotherCredential_Refused()
    {
        using var other = new SoftwareAuthenticator();
        var assertion = other.Sign(Payload, new AssertionOptions { ClaimedCredentialId = _authenticator.CredentialId });
        AssertRefused(Check(_key, assertion),
            "the ES256 signature does not verify with this credential's public key (other key, or authenticatorData/clientDataJSON altered)");
    }

    [Fact]
    public void AssertionForAnotherCredentialId_Refused()
    {
        using var other = new SoftwareAuthenticator();
        AssertRefused(Check(_key, other.Sign(Payload)), "the assertion is from another credential (credential id does not match this proof)");
    }

    [Fact]
    public void TamperedAuthenticatorData_Refused()
    {
        // Raise the signCount byte after signing: an attacker hiding a cloned authenticator's counter.
        var assertion = SoftwareAuthenticator.Tamper(_authenticator.Sign(Payload, new AssertionOptions { SignCount = 1 }), "authenticatorData", b =>
        {
            b[33] ^= 0x01;
            return b;
        });
        AssertRefused(Check(_key, assertion),
            "the ES256 signature does not verify with this credential's public key (other key, or authenticatorData/clientDataJSON altered)");
    }

    [Fact]
    public void TamperedClientDataJson_Refused()
    {
        var assertion = SoftwareAuthenticator.Tamper(_authenticator.Sign("{\"other\":1}"u8), "clientDataJSON", b =>
        {
            var cd = JsonNode.Parse(b)!.AsObject();
            cd["challenge"] = Base64Url.EncodeToString(SHA256.HashData(Payload));
            return Encoding.UTF8.GetBytes(cd.ToJsonString());
        });
        AssertRefused(Check(_key, assertion),
            "the ES256 signature does not verify with this credential's public key (other key, or authenticatorData/clientDataJSON altered)");
    }

    [Fact]
    public void CrossOriginFrame_Refused()
    {
        var assertion = _authenticator.Sign(Payload, new AssertionOptions { CrossOrigin = true });
        AssertRefused(Check(_key, assertion), "the assertion was made inside a cross-origin frame (crossOrigin is true)");
    }

    [Fact]
    public void ShortAuthenticatorData_Refused_WithoutThrowing()
    {
        var assertion = SoftwareAuthenticator.Tamper(_authenticator.Sign(Payload), "authenticatorData", b => b[..36]);
        AssertRefused(Check(_key, assertion), "authenticatorData is 36 bytes, shorter than the 37 of rpIdHash, flags and signCount");
    }

    [Fact]
    public void AssertionNotJson_Refused_WithoutThrowing()
    {
        // The verifier itself, not only the entry point's safety net, returns a reason.
        var check = Signatures.VerifierFor(ProofKind.Fido2).Verify(_key, Payload, "not json", VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.StartsWith("the assertion is not valid JSON", check.Reason);
    }

    [Fact]
    public void AssertionMissingSignature_Refused()
    {
        var obj = JsonNode.Parse(_authenticator.Sign(Payload))!.AsObject();
        obj.Remove("signature");
        AssertRefused(Check(_key, obj.ToJsonString()), "the assertion has no 'signature'");
    }

    [Fact]
    public void NonEs256CoseKey_RefusedAtParse()
    {
        var json = JsonNode.Parse(_authenticator.PublicKeyJson())!.AsObject();
        json["publicKey"] = Base64Url.EncodeToString(SoftwareAuthenticator.CoseRs256Key());
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Fido2, json.ToJsonString()));
        Assert.Equal(ProofKind.Fido2, ex.ProofKind);
        Assert.Equal("COSE algorithm -257 (RS256) is not supported: DeIRF accepts ES256 (-7) only", ex.Reason);
    }

    [Fact]
    public void OffCurvePoint_RefusedAtParse()
    {
        var json = JsonNode.Parse(_authenticator.PublicKeyJson())!.AsObject();
        var cose = _authenticator.CoseKey;
        cose[^1] ^= 0x01; // last byte of y: the point leaves the curve
        json["publicKey"] = Base64Url.EncodeToString(cose);
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Fido2, json.ToJsonString()));
        Assert.Equal("the public key is not a point on P-256", ex.Reason);
    }

    [Fact]
    public void TruncatedCoseKey_RefusedAtParse()
    {
        var json = JsonNode.Parse(_authenticator.PublicKeyJson())!.AsObject();
        json["publicKey"] = Base64Url.EncodeToString(_authenticator.CoseKey[..40]);
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Fido2, json.ToJsonString()));
        Assert.Equal("the COSE key is truncated", ex.Reason);
    }

    [Fact]
    public void RpIdNotSuffixOfOrigin_RefusedAtParse()
    {
        using var mismatched = new SoftwareAuthenticator(rpId: "deirf.example", origin: "https://evil.example");
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Fido2, mismatched.PublicKeyJson()));
        Assert.Equal("rpId 'deirf.example' is neither the host of origin 'https://evil.example' nor a parent domain of it", ex.Reason);
    }

    [Fact]
    public void PlainHttpOrigin_RefusedAtParse()
    {
        using var insecure = new SoftwareAuthenticator(rpId: "deirf.example", origin: "http://deirf.example");
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.Fido2, insecure.PublicKeyJson()));
        Assert.Equal("origin 'http://deirf.example' must use https (http only for localhost)", ex.Reason);
    }
}
