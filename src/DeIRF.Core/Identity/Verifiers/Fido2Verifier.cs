using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Canonical;

namespace DeIRF.Identity.Verifiers;

/// <summary>
/// FIDO2 / WebAuthn proofs: a credential (COSE ES256 public key, credential id, relying party id and origin) and
/// assertions from navigator.credentials.get() whose challenge is <see cref="PayloadDigest"/> of the payload.
/// Verification follows WebAuthn Level 2/3 §7.2 "Verifying an Authentication Assertion", written by hand: the Fido2
/// NuGet package needs NSec on net9+ and this engine targets net8.0, and §7.2 for one algorithm is short enough to
/// read in full. ES256 only: it is what every platform and roaming authenticator offers.
/// No signer: a FIDO2 private key never leaves its authenticator; the browser signs.
/// </summary>
public sealed class Fido2Verifier : IProofKindDescriptor
{
    private const byte FlagUserPresent = 0x01;
    private const byte FlagUserVerified = 0x04;
    private const byte FlagAttestedCredentialData = 0x40;
    private const byte FlagExtensionData = 0x80;
    private const int AuthenticatorDataMinLength = 37; // rpIdHash(32) || flags(1) || signCount(4)

    public ProofKind Kind => ProofKind.Fido2;

    /// <inheritdoc/>
    public int Order => 50;

    /// <inheritdoc/>
    public bool Recognizes(string signature) => signature.StartsWith('{') && signature.Contains("authenticatorData", StringComparison.Ordinal);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var credential = Fido2Credential.Parse(publicKeyText);
        return new ProofKey(
            ProofKind.Fido2,
            credential.Fingerprint,
            credential.ToNormalisedJson(),
            "es256",
            new Dictionary<string, string>
            {
                ["rpId"] = credential.RpId,
                ["origin"] = credential.Origin,
                ["credentialId"] = credential.CredentialIdText,
            });
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != ProofKind.Fido2)
        {
            return SignatureCheck.Invalid(ProofKind.Fido2, key.Fingerprint, $"a {key.Kind} key cannot check a FIDO2 assertion");
        }
        Fido2Credential credential;
        try
        {
            credential = Fido2Credential.Parse(key.PublicKey);
        }
        catch (InvalidProofException ex)
        {
            return Fail(key, $"the stored FIDO2 credential is unusable: {ex.Reason}");
        }

        if (!TryReadAssertion(signature, out var assertion, out string? malformed))
        {
            return Fail(key, malformed!);
        }
        if (!assertion.CredentialId.AsSpan().SequenceEqual(credential.CredentialId))
        {
            return Fail(key, "the assertion is from another credential (credential id does not match this proof)");
        }
        var authData = assertion.AuthenticatorData;
        if (authData.Length < AuthenticatorDataMinLength)
        {
            return Fail(key, $"authenticatorData is {authData.Length} bytes, shorter than the 37 of rpIdHash, flags and signCount");
        }
        byte flags = authData[32];
        if (authData.Length > AuthenticatorDataMinLength && (flags & (FlagAttestedCredentialData | FlagExtensionData)) == 0)
        {
            return Fail(key, "authenticatorData has trailing bytes that no flag announces");
        }

        // The signature first: every later reason is then about bytes this credential really signed (§7.2 step 20).
        var signedBytes = new byte[authData.Length + SHA256.HashSizeInBytes];
        authData.CopyTo(signedBytes, 0);
        SHA256.HashData(assertion.ClientDataJson, signedBytes.AsSpan(authData.Length));
        bool signatureOk;
        using (var ecdsa = credential.CreateEcdsa())
        {
            try
            {
                signatureOk = ecdsa.VerifyData(signedBytes, assertion.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }
            catch (CryptographicException)
            {
                signatureOk = false;
            }
        }
        if (!signatureOk)
        {
            return Fail(key, "the ES256 signature does not verify with this credential's public key (other key, or authenticatorData/clientDataJSON altered)");
        }

        // §7.2 steps 10-14: the client data says what was asked, for which content, by which site.
        JsonObject clientData;
        try
        {
            clientData = CanonicalJson.Parse(assertion.ClientDataJson) as JsonObject
                ?? throw new InvalidProofException(ProofKind.Fido2, "clientDataJSON is not a JSON object");
        }
        catch (Exception ex) when (ex is JsonCanonicalizationException or InvalidProofException or DecoderFallbackException)
        {
            return Fail(key, $"clientDataJSON is not valid JSON: {ex.Message}");
        }
        string? type = StringMember(clientData, "type");
        if (type != "webauthn.get")
        {
            return Fail(key, $"clientDataJSON type is '{type}', expected 'webauthn.get' (a registration is not a signature)");
        }
        if (StringMember(clientData, "challenge") != PayloadDigest.Base64Url(payload))
        {
            return Fail(key, "challenge is not this payload's digest (the assertion was made for other content)");
        }
        string? origin = StringMember(clientData, "origin");
        if (!string.Equals(origin, credential.Origin, StringComparison.Ordinal))
        {
            return Fail(key, $"origin '{origin}' is not the proof's origin '{credential.Origin}'");
        }
        if (clientData["crossOrigin"] is JsonValue crossOrigin && crossOrigin.TryGetValue(out bool isCrossOrigin) && isCrossOrigin)
        {
            return Fail(key, "the assertion was made inside a cross-origin frame (crossOrigin is true)");
        }

        // §7.2 steps 15-17: authenticator data is for this relying party and a person touched the authenticator.
        Span<byte> rpIdHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(credential.RpId), rpIdHash);
        if (!authData.AsSpan(0, 32).SequenceEqual(rpIdHash))
        {
            return Fail(key, $"rpIdHash is not SHA-256 of '{credential.RpId}' (the assertion is for another relying party)");
        }
        if ((flags & FlagUserPresent) == 0)
        {
            return Fail(key, "user-present (UP) flag is not set: nobody touched the authenticator");
        }
        bool userVerified = (flags & FlagUserVerified) != 0;

        // §7.2 step 21: a counter that does not move forward means two authenticators share one private key.
        uint signCount = BinaryPrimitives.ReadUInt32BigEndian(authData.AsSpan(33, 4));
        if (context.LastFido2SignCount is uint last && (last != 0 || signCount != 0) && signCount <= last)
        {
            return Fail(key, $"signCount did not increase: possible cloned authenticator (last accepted {last}, this assertion {signCount})");
        }

        return SignatureCheck.Valid(
            ProofKind.Fido2,
            key.Fingerprint,
            signedAt: null,
            details: new Dictionary<string, string>
            {
                ["signCount"] = signCount.ToString(CultureInfo.InvariantCulture),
                ["userVerified"] = userVerified ? "true" : "false",
            });
    }

    private static SignatureCheck Fail(ProofKey key, string reason) => SignatureCheck.Invalid(ProofKind.Fido2, key.Fingerprint, reason);

    private static string? StringMember(JsonObject obj, string name)
        => obj[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private sealed record Assertion(byte[] CredentialId, byte[] AuthenticatorData, byte[] ClientDataJson, byte[] Signature);

    /// <summary>
    /// Reads the flat form {"credentialId","authenticatorData","clientDataJSON","signature"} or the form
    /// PublicKeyCredential.toJSON() gives ({"id","rawId","type":"public-key","response":{...}}), base64url throughout.
    /// </summary>
    private static bool TryReadAssertion(string text, out Assertion assertion, out string? reason)
    {
        assertion = null!;
        JsonObject root;
        try
        {
            if (CanonicalJson.Parse(Encoding.UTF8.GetBytes(text)) is not JsonObject o)
            {
                reason = "the assertion is not a JSON object";
                return false;
            }
            root = o;
        }
        catch (JsonCanonicalizationException ex)
        {
            reason = $"the assertion is not valid JSON: {ex.Message}";
            return false;
        }

        JsonObject fields = root;
        string credentialIdMember = "credentialId";
        if (root["response"] is JsonObject response)
        {
            if (StringMember(root, "type") is string t && t != "public-key")
            {
                reason = $"credential type is '{t}', expected 'public-key'";
                return false;
            }
            fields = response;
            credentialIdMember = root.ContainsKey("rawId") ? "rawId" : "id";
        }
        if (!TryBytes(root, credentialIdMember, out var credentialId, out reason)
            || !TryBytes(fields, "authenticatorData", out var authData, out reason)
            || !TryBytes(fields, "clientDataJSON", out var clientDataJson, out reason)
            || !TryBytes(fields, "signature", out var sig, out reason))
        {
            return false;
        }
        assertion = new Assertion(credentialId, authData, clientDataJson, sig);
        return true;
    }

    private static bool TryBytes(JsonObject obj, string name, out byte[] bytes, out string? reason)
    {
        bytes = [];
        string? text = StringMember(obj, name);
        if (text is null)
        {
            reason = $"the assertion has no '{name}'";
            return false;
        }
        if (!Base64UrlCodec.TryDecode(text, out bytes) || bytes.Length == 0)
        {
            reason = $"'{name}' is not base64url";
            return false;
        }
        reason = null;
        return true;
    }
}

/// <summary>A registered FIDO2 credential: what the relying party stored at registration, pinned in the roster.</summary>
internal sealed class Fido2Credential
{
    private Fido2Credential(byte[] credentialId, string rpId, string origin, byte[] x, byte[] y)
    {
        CredentialId = credentialId;
        RpId = rpId;
        Origin = origin;
        X = x;
        Y = y;
    }

    public byte[] CredentialId { get; }
    public string CredentialIdText => Base64UrlCodec.Encode(CredentialId);
    public string RpId { get; }
    public string Origin { get; }
    public byte[] X { get; }
    public byte[] Y { get; }
    public string Fingerprint => $"fido2:{RpId}:{CredentialIdText}";

    public ECDsa CreateEcdsa() => ECDsa.Create(Parameters());

    private ECParameters Parameters() => new() { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = X, Y = Y } };

    /// <summary>One spelling of the public part, whichever form came in: the COSE key, base64url, in JCS JSON.</summary>
    public string ToNormalisedJson() => CanonicalJson.Canonicalize(new JsonObject
    {
        ["credentialId"] = CredentialIdText,
        ["rpId"] = RpId,
        ["origin"] = Origin,
        ["publicKey"] = Base64UrlCodec.Encode(CoseEc2Key.Encode(X, Y)),
    }.ToJsonString());

    public static Fido2Credential Parse(string text)
    {
        JsonObject root;
        try
        {
            root = CanonicalJson.Parse(Encoding.UTF8.GetBytes(text ?? "")) as JsonObject
                ?? throw Refuse("the public part must be a JSON object {credentialId, rpId, origin, publicKey}");
        }
        catch (JsonCanonicalizationException ex)
        {
            throw Refuse($"the public part is not valid JSON: {ex.Message}", ex);
        }

        string credentialIdText = Text(root, "credentialId");
        if (!Base64UrlCodec.TryDecode(credentialIdText, out var credentialId) || credentialId.Length is 0 or > 1023)
        {
            throw Refuse("credentialId must be base64url of 1 to 1023 bytes");
        }
        string rpId = Text(root, "rpId");
        if (rpId != rpId.ToLowerInvariant() || Uri.CheckHostName(rpId) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
        {
            throw Refuse($"rpId '{rpId}' is not a lower-case domain name");
        }
        string origin = Text(root, "origin");
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri)
            || originUri.GetLeftPart(UriPartial.Authority) != origin)
        {
            throw Refuse($"origin '{origin}' is not an origin such as 'https://{rpId}' (scheme, host, optional port; no path or trailing slash)");
        }
        if (originUri.Scheme != Uri.UriSchemeHttps && !(originUri.Scheme == Uri.UriSchemeHttp && originUri.IsLoopback))
        {
            throw Refuse($"origin '{origin}' must use https (http only for localhost)");
        }
        // WebAuthn: the RP ID is the origin's host or a registrable suffix of it.
        if (originUri.Host != rpId && !originUri.Host.EndsWith("." + rpId, StringComparison.Ordinal))
        {
            throw Refuse($"rpId '{rpId}' is neither the host of origin '{origin}' nor a parent domain of it");
        }

        byte[] x, y;
        bool hasCose = root.ContainsKey("publicKey");
        bool hasJwk = root.ContainsKey("publicKeyJwk");
        if (hasCose == hasJwk)
        {
            throw Refuse("give exactly one of 'publicKey' (base64url COSE key) and 'publicKeyJwk' (EC P-256 JWK)");
        }
        if (hasCose)
        {
            if (!Base64UrlCodec.TryDecode(Text(root, "publicKey"), out var cose))
            {
                throw Refuse("publicKey must be base64url of a COSE key");
            }
            (x, y) = CoseEc2Key.Decode(cose);
        }
        else
        {
            (x, y) = ReadJwk(root["publicKeyJwk"] as JsonObject ?? throw Refuse("publicKeyJwk must be a JSON object"));
        }

        var credential = new Fido2Credential(credentialId, rpId, origin, x, y);
        try
        {
            // Importing checks the point is on P-256; an off-curve key must never reach verification.
            using var probe = credential.CreateEcdsa();
            probe.ExportParameters(false);
        }
        catch (CryptographicException ex)
        {
            throw Refuse("the public key is not a point on P-256", ex);
        }
        return credential;
    }

    private static (byte[] X, byte[] Y) ReadJwk(JsonObject jwk)
    {
        if (jwk.ContainsKey("d"))
        {
            throw Refuse("publicKeyJwk holds a private key ('d'); give the public key only");
        }
        if (Text(jwk, "kty") != "EC" || Text(jwk, "crv") != "P-256")
        {
            throw Refuse("publicKeyJwk must be kty 'EC', crv 'P-256' (ES256 only)");
        }
        if (jwk.ContainsKey("alg") && Text(jwk, "alg") is var alg && alg != "ES256")
        {
            throw Refuse($"publicKeyJwk alg '{alg}' is not supported: ES256 only");
        }
        if (!Base64UrlCodec.TryDecode(Text(jwk, "x"), out var x) || x.Length != 32
            || !Base64UrlCodec.TryDecode(Text(jwk, "y"), out var y) || y.Length != 32)
        {
            throw Refuse("publicKeyJwk x and y must be base64url of 32 bytes each");
        }
        return (x, y);
    }

    private static string Text(JsonObject obj, string name)
        => obj[name] is JsonValue v && v.TryGetValue(out string? s) && s.Length > 0 ? s : throw Refuse($"'{name}' is missing or not a string");

    internal static InvalidProofException Refuse(string reason, Exception? inner = null) => new(ProofKind.Fido2, reason, inner: inner);
}

/// <summary>
/// The COSE_Key (RFC 9052/9053) of an ES256 credential: a CBOR map {1:2, 3:-7, -1:1, -2:x, -3:y}. The decoder reads
/// only the CBOR a COSE key uses (unsigned and negative integers, byte and text strings, maps), with definite lengths;
/// System.Formats.Cbor is not referenced by the engine.
/// </summary>
internal static class CoseEc2Key
{
    private const long KeyKty = 1, KeyAlg = 3, KeyCrv = -1, KeyX = -2, KeyY = -3;

    public static byte[] Encode(byte[] x, byte[] y)
    {
        // CTAP2 canonical order: 1, 3, -1, -2, -3.
        var cose = new List<byte> { 0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20 };
        cose.AddRange(x);
        cose.AddRange([0x22, 0x58, 0x20]);
        cose.AddRange(y);
        return [.. cose];
    }

    public static (byte[] X, byte[] Y) Decode(byte[] cose)
    {
        var reader = new CborReader(cose);
        var map = reader.ReadMap();
        if (!reader.AtEnd)
        {
            throw Fido2Credential.Refuse("the COSE key has trailing bytes after its map");
        }
        long kty = Int(map, KeyKty, "kty");
        long alg = Int(map, KeyAlg, "alg");
        if (alg != -7)
        {
            throw Fido2Credential.Refuse($"COSE algorithm {alg} ({AlgorithmName(alg)}) is not supported: DeIRF accepts ES256 (-7) only");
        }
        if (kty != 2)
        {
            throw Fido2Credential.Refuse($"COSE key type {kty} is not EC2 (2), as ES256 requires");
        }
        if (Int(map, KeyCrv, "crv") != 1)
        {
            throw Fido2Credential.Refuse("COSE curve is not P-256 (1), as ES256 requires");
        }
        var x = map.GetValueOrDefault(KeyX) as byte[];
        var y = map.GetValueOrDefault(KeyY) as byte[];
        if (x is not { Length: 32 } || y is not { Length: 32 })
        {
            throw Fido2Credential.Refuse("COSE x and y must be byte strings of 32 bytes");
        }
        return (x, y);
    }

    private static long Int(Dictionary<object, object> map, long label, string name)
        => map.GetValueOrDefault(label) is long v ? v : throw Fido2Credential.Refuse($"the COSE key has no integer '{name}' ({label})");

    private static string AlgorithmName(long alg) => alg switch
    {
        -8 => "EdDSA",
        -35 => "ES384",
        -36 => "ES512",
        -37 => "PS256",
        -257 => "RS256",
        -65535 => "RS1",
        _ => "unknown",
    };

    /// <summary>Definite-length CBOR, major types 0, 1, 2, 3 and 5; anything else is refused, not skipped.</summary>
    private ref struct CborReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _pos;

        public CborReader(ReadOnlySpan<byte> data)
        {
            _data = data;
            _pos = 0;
        }

        public readonly bool AtEnd => _pos == _data.Length;

        public Dictionary<object, object> ReadMap()
        {
            var (major, count) = ReadHead();
            if (major != 5)
            {
                throw Fido2Credential.Refuse("the COSE key is not a CBOR map");
            }
            var map = new Dictionary<object, object>();
            for (ulong i = 0; i < count; i++)
            {
                object label = ReadScalar();
                object value = ReadScalar();
                if (!map.TryAdd(label, value))
                {
                    throw Fido2Credential.Refuse($"the COSE key repeats label {label}");
                }
            }
            return map;
        }

        private object ReadScalar()
        {
            var (major, arg) = ReadHead();
            switch (major)
            {
                case 0:
                    return arg <= long.MaxValue ? (long)arg : throw Fido2Credential.Refuse("a COSE integer is out of range");
                case 1:
                    return arg <= long.MaxValue ? -1 - (long)arg : throw Fido2Credential.Refuse("a COSE integer is out of range");
                case 2:
                    return Take(arg).ToArray();
                case 3:
                    try
                    {
                        return new UTF8Encoding(false, true).GetString(Take(arg));
                    }
                    catch (DecoderFallbackException ex)
                    {
                        throw Fido2Credential.Refuse("a COSE text string is not UTF-8", ex);
                    }
                default:
                    throw Fido2Credential.Refuse($"the COSE key holds CBOR major type {major}, which a P-256 key does not use");
            }
        }

        private ReadOnlySpan<byte> Take(ulong length)
        {
            if (length > (ulong)(_data.Length - _pos))
            {
                throw Fido2Credential.Refuse("the COSE key is truncated");
            }
            var slice = _data.Slice(_pos, (int)length);
            _pos += (int)length;
            return slice;
        }

        private (int Major, ulong Argument) ReadHead()
        {
            var head = Take(1)[0];
            int major = head >> 5;
            int info = head & 0x1F;
            ulong arg = info switch
            {
                < 24 => (ulong)info,
                24 => Take(1)[0],
                25 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
                26 => BinaryPrimitives.ReadUInt32BigEndian(Take(4)),
                27 => BinaryPrimitives.ReadUInt64BigEndian(Take(8)),
                _ => throw Fido2Credential.Refuse("the COSE key uses indefinite-length or reserved CBOR encoding"),
            };
            return (major, arg);
        }
    }
}
