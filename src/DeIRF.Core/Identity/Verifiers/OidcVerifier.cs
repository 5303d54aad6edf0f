using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// OIDC proofs: an issuer, a subject, the audience (client id) DeIRF's tokens are minted for, and the issuer's JWKS
/// pinned in the workspace (never fetched: a verdict must not depend on what a web server says today). A signature is
/// an id_token whose nonce is <see cref="PayloadDigest"/> of the payload, checked as OpenID Connect Core §3.1.3.7
/// says, with an algorithm allow-list (RS256, ES256, PS256) so "none" and HMAC key confusion never reach the library.
/// No signer: the identity provider signs.
/// </summary>
public sealed class OidcVerifier : IProofKindDescriptor
{
    internal static readonly string[] AllowedAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSsaPssSha256];

    public ProofKind Kind => ProofKind.Oidc;

    /// <inheritdoc/>
    public int Order => 60;

    /// <inheritdoc/>
    // Three base64url parts and nothing else: "matrix:event/!r:example.org/$e:example.org" also has two dots.
    public bool Recognizes(string signature)
        => signature.Split('.') is { Length: 3 } parts && parts[0].Length > 0
            && parts.All(p => p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var proof = OidcProof.Parse(publicKeyText);
        return new ProofKey(
            ProofKind.Oidc,
            proof.Fingerprint,
            proof.ToNormalisedJson(),
            "oidc",
            new Dictionary<string, string>
            {
                ["issuer"] = proof.Issuer,
                ["subject"] = proof.Subject,
                ["audience"] = proof.Audience,
                ["jwksKeyIds"] = string.Join(",", proof.Keys.Keys),
            });
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != ProofKind.Oidc)
        {
            return SignatureCheck.Invalid(ProofKind.Oidc, key.Fingerprint, $"a {key.Kind} key cannot check an id_token");
        }
        OidcProof proof;
        try
        {
            proof = OidcProof.Parse(key.PublicKey);
        }
        catch (InvalidProofException ex)
        {
            return Fail(key, $"the stored OIDC proof is unusable: {ex.Reason}");
        }

        // Header checks before the library sees the token: the allow-list and the pinned key are ours to enforce.
        string token = signature.Trim();
        if (!TryReadHeader(token, out var header, out string? headerProblem))
        {
            return Fail(key, headerProblem!);
        }
        string? alg = StringMember(header, "alg");
        if (alg is null || alg.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(key, "algorithm 'none' is not allowed: the id_token is unsigned");
        }
        if (!AllowedAlgorithms.Contains(alg, StringComparer.Ordinal))
        {
            return Fail(key, $"algorithm '{alg}' is not allowed (RS256, ES256, PS256 only)");
        }
        if (header.ContainsKey("crit"))
        {
            return Fail(key, "the id_token header has critical extensions ('crit') DeIRF does not understand");
        }
        string? kid = StringMember(header, "kid");
        PinnedKey pinned;
        if (kid is null)
        {
            if (proof.Keys.Count != 1)
            {
                return Fail(key, $"the id_token names no key id (kid) and the pinned JWKS holds {proof.Keys.Count} keys");
            }
            pinned = proof.Keys.Values.Single();
        }
        else if (!proof.Keys.TryGetValue(kid, out pinned!))
        {
            return Fail(key, $"unknown key id '{kid}': not in the JWKS pinned for {proof.Issuer}");
        }

        var handler = new JsonWebTokenHandler();
        JsonWebToken unverified;
        try
        {
            unverified = handler.ReadJsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return Fail(key, "malformed id_token: not a compact JWS");
        }

        TokenValidationResult result;
        using (var signingKey = pinned.CreateSecurityKey())
        {
            var parameters = new TokenValidationParameters
            {
                ValidIssuer = proof.Issuer,
                ValidAudience = proof.Audience,
                IssuerSigningKeys = [signingKey.Key],
                ValidAlgorithms = AllowedAlgorithms,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                RequireAudience = true,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ValidateIssuerSigningKey = false, // pinned keys: nothing about them to validate at run time
                TryAllIssuerSigningKeys = true, // the list holds exactly the one key the header selected
                ClockSkew = context.ClockSkew,
                // "Now" is the context's clock (drills, re-verification at a journaled time), not the machine's.
                LifetimeValidator = (notBefore, expires, _, p) => CheckLifetime(notBefore, expires, context.Clock.GetUtcNow().UtcDateTime, p.ClockSkew),
                // No cache: a provider cached under a kid must never verify for another workspace's key of that kid.
                CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
            };
            try
            {
                result = handler.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or CryptographicException)
            {
                result = new TokenValidationResult { IsValid = false, Exception = ex };
            }
        }
        if (!result.IsValid)
        {
            return Fail(key, Explain(result.Exception, unverified, proof, pinned));
        }
        var jwt = (JsonWebToken)result.SecurityToken;

        // §3.1.3.7 beyond what the library checks, then the DeIRF binding (nonce = payload digest, single use).
        if (!string.Equals(jwt.Subject, proof.Subject, StringComparison.Ordinal))
        {
            return Fail(key, $"subject '{jwt.Subject}' is not the bound subject '{proof.Subject}'");
        }
        var audiences = jwt.Audiences.ToList();
        if (audiences.Count != 1)
        {
            return Fail(key, $"the id_token is also for other audiences ({string.Join(", ", audiences.Where(a => a != proof.Audience))}); DeIRF trusts only '{proof.Audience}'");
        }
        if (jwt.TryGetPayloadValue("azp", out string? azp) && azp != proof.Audience)
        {
            return Fail(key, $"authorized party (azp) '{azp}' is not the audience '{proof.Audience}'");
        }
        if (!jwt.TryGetPayloadValue("iat", out long iat))
        {
            return Fail(key, "the id_token has no issue time (iat)");
        }
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(iat);
        if (issuedAt > context.Clock.GetUtcNow() + context.ClockSkew)
        {
            return Fail(key, $"the id_token was issued in the future (iat {Format(issuedAt)})");
        }
        if (!jwt.TryGetPayloadValue("nonce", out string? nonce) || string.IsNullOrEmpty(nonce))
        {
            return Fail(key, "the id_token has no nonce");
        }
        if (!string.Equals(nonce, PayloadDigest.Base64Url(payload), StringComparison.Ordinal))
        {
            return Fail(key, "nonce is not this payload's digest");
        }
        // Checked last, so only a token that is good in every other way is reported as a replay.
        if (context.IsOidcNonceUnused is { } isUnused && !isUnused(nonce))
        {
            return Fail(key, "nonce already used (token replay)");
        }

        return SignatureCheck.Valid(
            ProofKind.Oidc,
            key.Fingerprint,
            signedAt: issuedAt,
            details: new Dictionary<string, string>
            {
                ["nonce"] = nonce,
                ["kid"] = pinned.KeyId,
                ["alg"] = alg,
                ["iat"] = iat.ToString(CultureInfo.InvariantCulture),
                // The exact public JWK that verified: journaled, it lets anyone re-verify offline after rotation.
                ["jwksKeys"] = pinned.Json,
            });
    }

    private static SignatureCheck Fail(ProofKey key, string reason) => SignatureCheck.Invalid(ProofKind.Oidc, key.Fingerprint, reason);

    /// <summary>RequireExpirationTime, nbf and exp with skew, as the library would, against the context's clock.</summary>
    private static bool CheckLifetime(DateTime? notBefore, DateTime? expires, DateTime now, TimeSpan skew)
    {
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("no exp");
        }
        if (notBefore is { } nbf && expires is { } end && nbf > end)
        {
            throw new SecurityTokenInvalidLifetimeException("nbf after exp") { NotBefore = nbf, Expires = end };
        }
        if (notBefore is { } from && from > now + skew)
        {
            throw new SecurityTokenNotYetValidException("nbf in the future") { NotBefore = from };
        }
        if (expires.Value < now - skew)
        {
            throw new SecurityTokenExpiredException("exp in the past") { Expires = expires.Value };
        }
        return true;
    }

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Format(DateTime t) => Format(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)));

    /// <summary>The library's exception, as a reason a responder can act on (its messages hide values and cite IDX codes).</summary>
    private static string Explain(Exception? ex, JsonWebToken token, OidcProof proof, PinnedKey pinned) => ex switch
    {
        SecurityTokenExpiredException => $"expired: the id_token expired at {Format(token.ValidTo)}",
        SecurityTokenNotYetValidException => $"not yet valid: the id_token is valid from {Format(token.ValidFrom)}",
        SecurityTokenNoExpirationException => "the id_token has no expiry (exp)",
        SecurityTokenInvalidLifetimeException => "the id_token's validity window is empty (nbf after exp)",
        SecurityTokenInvalidAudienceException => $"wrong audience: the id_token is for '{string.Join(", ", token.Audiences)}', not '{proof.Audience}'",
        SecurityTokenInvalidIssuerException => $"wrong issuer: '{token.Issuer}' is not '{proof.Issuer}'",
        SecurityTokenInvalidAlgorithmException => $"algorithm '{token.Alg}' is not allowed (RS256, ES256, PS256 only)",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException
            => $"bad signature: the id_token does not verify with pinned key '{pinned.KeyId}'",
        SecurityTokenMalformedException or ArgumentException => "malformed id_token: not a compact JWS",
        null => "the id_token was refused",
        _ => $"the id_token was refused ({ex.GetType().Name})",
    };

    private static bool TryReadHeader(string token, out JsonObject header, out string? reason)
    {
        header = null!;
        var parts = token.Split('.');
        if (parts.Length == 5)
        {
            reason = "encrypted id_tokens (JWE) are not accepted; the identity provider must sign, not encrypt";
            return false;
        }
        if (parts.Length != 3)
        {
            reason = "malformed id_token: not a compact JWS (header.payload.signature)";
            return false;
        }
        if (!Base64UrlCodec.TryDecode(parts[0], out var headerBytes) || !Base64UrlCodec.TryDecode(parts[1], out var payloadBytes))
        {
            reason = "malformed id_token: header or payload is not base64url";
            return false;
        }
        try
        {
            // Strict parse of both: a duplicated "alg", "sub" or "nonce" could be read one way here and another there.
            if (CanonicalJson.Parse(headerBytes) is not JsonObject h || CanonicalJson.Parse(payloadBytes) is not JsonObject)
            {
                reason = "malformed id_token: header and payload must be JSON objects";
                return false;
            }
            header = h;
        }
        catch (JsonCanonicalizationException ex)
        {
            reason = $"malformed id_token: {ex.Message}";
            return false;
        }
        reason = null;
        return true;
    }

    internal static string? StringMember(JsonObject obj, string name)
        => obj[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}

/// <summary>One public key from the pinned JWKS: its id, its canonical JWK text, and how to build a verifying key.</summary>
internal sealed class PinnedKey
{
    private readonly RSAParameters? _rsa;
    private readonly ECParameters? _ec;

    private PinnedKey(string keyId, string json, RSAParameters? rsa, ECParameters? ec)
    {
        KeyId = keyId;
        Json = json;
        _rsa = rsa;
        _ec = ec;
    }

    public string KeyId { get; }

    /// <summary>The JWK in JCS form.</summary>
    public string Json { get; }

    public LeasedKey CreateSecurityKey()
    {
        if (_rsa is { } rsa)
        {
            return new LeasedKey(new RsaSecurityKey(rsa) { KeyId = KeyId }, null);
        }
        var ecdsa = ECDsa.Create(_ec!.Value);
        return new LeasedKey(new ECDsaSecurityKey(ecdsa) { KeyId = KeyId }, ecdsa);
    }

    public static PinnedKey Parse(JsonObject jwk)
    {
        foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi", "oth", "k" })
        {
            if (jwk.ContainsKey(secret))
            {
                throw OidcProof.Refuse($"a JWKS key holds private or secret material ('{secret}'); pin the issuer's public keys only");
            }
        }
        string kid = OidcProof.Text(jwk, "kid", "every pinned JWKS key needs a 'kid'");
        if (OidcVerifier.StringMember(jwk, "use") is string use && use != "sig")
        {
            throw OidcProof.Refuse($"JWKS key '{kid}' has use '{use}', not 'sig'");
        }
        if (OidcVerifier.StringMember(jwk, "alg") is string alg && !OidcVerifier.AllowedAlgorithms.Contains(alg))
        {
            throw OidcProof.Refuse($"JWKS key '{kid}' is for algorithm '{alg}'; allowed: RS256, ES256, PS256");
        }
        string json = CanonicalJson.Canonicalize(jwk.ToJsonString());
        switch (OidcVerifier.StringMember(jwk, "kty"))
        {
            case "RSA":
                {
                    var n = Bytes(jwk, "n", kid);
                    var e = Bytes(jwk, "e", kid);
                    int firstNonZero = Array.FindIndex(n, b => b != 0);
                    if (firstNonZero < 0 || n.Length - firstNonZero < 256 || e.Length is 0 or > 8)
                    {
                        throw OidcProof.Refuse($"JWKS key '{kid}' is an RSA key shorter than 2048 bits or has a bad exponent");
                    }
                    return new PinnedKey(kid, json, new RSAParameters { Modulus = n[firstNonZero..], Exponent = e }, null);
                }
            case "EC":
                {
                    if (OidcVerifier.StringMember(jwk, "crv") != "P-256")
                    {
                        throw OidcProof.Refuse($"JWKS key '{kid}' is not on curve P-256 (ES256 only)");
                    }
                    var x = Bytes(jwk, "x", kid);
                    var y = Bytes(jwk, "y", kid);
                    if (x.Length != 32 || y.Length != 32)
                    {
                        throw OidcProof.Refuse($"JWKS key '{kid}' x and y must be 32 bytes each");
                    }
                    var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } };
                    try
                    {
                        using var probe = ECDsa.Create(parameters);
                    }
                    catch (CryptographicException ex)
                    {
                        throw OidcProof.Refuse($"JWKS key '{kid}' is not a point on P-256", ex);
                    }
                    return new PinnedKey(kid, json, null, parameters);
                }
            default:
                throw OidcProof.Refuse($"JWKS key '{kid}' has kty '{OidcVerifier.StringMember(jwk, "kty")}'; RSA and EC keys only");
        }
    }

    private static byte[] Bytes(JsonObject jwk, string name, string kid)
        => Base64UrlCodec.TryDecode(OidcVerifier.StringMember(jwk, name), out var b) && b.Length > 0
            ? b
            : throw OidcProof.Refuse($"JWKS key '{kid}' member '{name}' is missing or not base64url");
}

/// <summary>A security key for one validation, and the native key behind it to release afterwards.</summary>
internal sealed class LeasedKey(SecurityKey key, IDisposable? native) : IDisposable
{
    public SecurityKey Key { get; } = key;

    public void Dispose() => native?.Dispose();
}

/// <summary>The public part of an OIDC proof: who (issuer, subject), for which client (audience), with which keys.</summary>
internal sealed class OidcProof
{
    private readonly JsonObject _jwks;

    private OidcProof(string issuer, string subject, string audience, JsonObject jwks, IReadOnlyDictionary<string, PinnedKey> keys)
    {
        Issuer = issuer;
        Subject = subject;
        Audience = audience;
        _jwks = jwks;
        Keys = keys;
    }

    public string Issuer { get; }
    public string Subject { get; }
    public string Audience { get; }
    public IReadOnlyDictionary<string, PinnedKey> Keys { get; }
    public string Fingerprint => $"{Issuer}#{Subject}";

    public string ToNormalisedJson() => CanonicalJson.Canonicalize(new JsonObject
    {
        ["issuer"] = Issuer,
        ["subject"] = Subject,
        ["audience"] = Audience,
        ["jwks"] = _jwks.DeepClone(),
    }.ToJsonString());

    public static OidcProof Parse(string text)
    {
        JsonObject root;
        try
        {
            root = CanonicalJson.Parse(Encoding.UTF8.GetBytes(text ?? "")) as JsonObject
                ?? throw Refuse("the public part must be a JSON object {issuer, subject, audience, jwks}");
        }
        catch (JsonCanonicalizationException ex)
        {
            throw Refuse($"the public part is not valid JSON: {ex.Message}", ex);
        }
        string issuer = Text(root, "issuer", "'issuer' is missing or not a string");
        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var issuerUri)
            || !(issuerUri.Scheme == Uri.UriSchemeHttps || (issuerUri.Scheme == Uri.UriSchemeHttp && issuerUri.IsLoopback))
            || issuerUri.Query.Length > 0 || issuerUri.Fragment.Length > 0)
        {
            throw Refuse($"issuer '{issuer}' must be an https URL with no query or fragment");
        }
        string subject = Text(root, "subject", "'subject' is missing or not a string");
        if (subject.Length > 255 || subject.Any(c => c > 0x7E || c < 0x20))
        {
            throw Refuse("subject must be at most 255 printable ASCII characters");
        }
        string audience = Text(root, "audience", "'audience' (the client id tokens are minted for) is missing or not a string");
        if (root["jwks"] is not JsonObject jwks || jwks["keys"] is not JsonArray keyArray || keyArray.Count == 0)
        {
            throw Refuse("'jwks' must be a JWKS object with a non-empty 'keys' array (the issuer's keys, pinned)");
        }
        var keys = new Dictionary<string, PinnedKey>(StringComparer.Ordinal);
        foreach (var node in keyArray)
        {
            var pinned = PinnedKey.Parse(node as JsonObject ?? throw Refuse("every JWKS key must be a JSON object"));
            if (!keys.TryAdd(pinned.KeyId, pinned))
            {
                throw Refuse($"the pinned JWKS has two keys with kid '{pinned.KeyId}'");
            }
        }
        return new OidcProof(issuer, subject, audience, jwks, keys);
    }

    internal static string Text(JsonObject obj, string name, string problem)
        => OidcVerifier.StringMember(obj, name) is { Length: > 0 } s ? s : throw Refuse(problem);

    internal static InvalidProofException Refuse(string reason, Exception? inner = null) => new(ProofKind.Oidc, reason, inner: inner);
}
