using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeIRF.Core.Tests.Identity;

/// <summary>What to get wrong (or choose) in one assertion, to exercise each WebAuthn §7.2 check.</summary>
internal sealed record AssertionOptions
{
    public string? Origin { get; init; }
    public string? RpId { get; init; }
    public string Type { get; init; } = "webauthn.get";
    public bool UserPresent { get; init; } = true;
    public bool UserVerified { get; init; } = true;
    public bool CrossOrigin { get; init; }

    /// <summary>The counter to report; null: the authenticator's own counter, incremented.</summary>
    public uint? SignCount { get; init; }

    /// <summary>The credential id to claim; null: this authenticator's own.</summary>
    public byte[]? ClaimedCredentialId { get; init; }

    /// <summary>Emit the PublicKeyCredential.toJSON() shape instead of the flat one.</summary>
    public bool ToJsonShape { get; init; }
}

/// <summary>
/// A software FIDO2 authenticator plus the browser's part: a P-256 key made at test time, its COSE key, and real
/// assertions (authenticatorData = rpIdHash || flags || signCount, clientDataJSON, DER ECDSA over
/// authenticatorData || SHA-256(clientDataJSON)). Written from the WebAuthn spec, independently of the verifier.
/// </summary>
internal sealed class SoftwareAuthenticator : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private uint _counter;

    public SoftwareAuthenticator(string rpId = "deirf.example", string origin = "https://deirf.example")
    {
        RpId = rpId;
        Origin = origin;
        CredentialId = RandomNumberGenerator.GetBytes(32);
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("fido2 authenticator private key", _key.ExportParameters(true).D);
    }

    public string RpId { get; }
    public string Origin { get; }
    public byte[] CredentialId { get; }
    public string CredentialIdText => Base64Url.EncodeToString(CredentialId);

    /// <summary>COSE_Key {1:2, 3:-7, -1:1, -2:x, -3:y}, hand-encoded CBOR.</summary>
    public byte[] CoseKey
    {
        get
        {
            var q = _key.ExportParameters(false).Q;
            var cbor = new List<byte> { 0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20 };
            cbor.AddRange(q.X!);
            cbor.AddRange([0x22, 0x58, 0x20]);
            cbor.AddRange(q.Y!);
            return [.. cbor];
        }
    }

    /// <summary>The public part DeIRF pins at binding: credential id, relying party, origin, COSE key.</summary>
    public string PublicKeyJson() => new JsonObject
    {
        ["credentialId"] = CredentialIdText,
        ["rpId"] = RpId,
        ["origin"] = Origin,
        ["publicKey"] = Base64Url.EncodeToString(CoseKey),
    }.ToJsonString();

    /// <summary>The same public part with the key as an EC JWK.</summary>
    public string PublicKeyJwkJson()
    {
        var q = _key.ExportParameters(false).Q;
        return new JsonObject
        {
            ["credentialId"] = CredentialIdText,
            ["rpId"] = RpId,
            ["origin"] = Origin,
            ["publicKeyJwk"] = new JsonObject
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = Base64Url.EncodeToString(q.X!),
                ["y"] = Base64Url.EncodeToString(q.Y!),
            },
        }.ToJsonString();
    }

    /// <summary>An assertion over the challenge BASE64URL(SHA-256(payload)), as navigator.credentials.get() returns it.</summary>
    public string Sign(ReadOnlySpan<byte> payload, AssertionOptions? options = null)
        => SignChallenge(Base64Url.EncodeToString(SHA256.HashData(payload)), options);

    public string SignChallenge(string challenge, AssertionOptions? options = null)
    {
        options ??= new AssertionOptions();
        uint count = options.SignCount ?? ++_counter;

        var authData = new byte[37];
        SHA256.HashData(Encoding.UTF8.GetBytes(options.RpId ?? RpId), authData.AsSpan(0, 32));
        authData[32] = (byte)((options.UserPresent ? 0x01 : 0) | (options.UserVerified ? 0x04 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(authData.AsSpan(33), count);

        // Property order as browsers write it; the verifier must not depend on it.
        var clientData = new JsonObject
        {
            ["type"] = options.Type,
            ["challenge"] = challenge,
            ["origin"] = options.Origin ?? Origin,
            ["crossOrigin"] = options.CrossOrigin,
        };
        byte[] clientDataJson = Encoding.UTF8.GetBytes(clientData.ToJsonString());

        byte[] signed = [.. authData, .. SHA256.HashData(clientDataJson)];
        byte[] signature = _key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        string id = Base64Url.EncodeToString(options.ClaimedCredentialId ?? CredentialId);
        var fields = new JsonObject
        {
            ["authenticatorData"] = Base64Url.EncodeToString(authData),
            ["clientDataJSON"] = Base64Url.EncodeToString(clientDataJson),
            ["signature"] = Base64Url.EncodeToString(signature),
        };
        if (options.ToJsonShape)
        {
            fields["userHandle"] = Base64Url.EncodeToString("responder-alice"u8);
            return new JsonObject
            {
                ["id"] = id,
                ["rawId"] = id,
                ["type"] = "public-key",
                ["authenticatorAttachment"] = "cross-platform",
                ["clientExtensionResults"] = new JsonObject(),
                ["response"] = fields,
            }.ToJsonString();
        }
        fields["credentialId"] = id;
        return fields.ToJsonString();
    }

    /// <summary>Rewrites one base64url member of a flat assertion (to tamper with signed bytes after signing).</summary>
    public static string Tamper(string assertion, string member, Func<byte[], byte[]> change)
    {
        var obj = JsonNode.Parse(assertion)!.AsObject();
        var bytes = Base64Url.DecodeFromChars(obj[member]!.GetValue<string>());
        obj[member] = Base64Url.EncodeToString(change(bytes));
        return obj.ToJsonString(new JsonSerializerOptions());
    }

    /// <summary>A COSE RS256 key {1:3, 3:-257, -1:n, -2:e} for an RSA key made at test time.</summary>
    public static byte[] CoseRs256Key()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        var cbor = new List<byte> { 0xA4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59 };
        cbor.Add((byte)(p.Modulus!.Length >> 8));
        cbor.Add((byte)p.Modulus.Length);
        cbor.AddRange(p.Modulus);
        cbor.Add(0x21);
        cbor.Add((byte)(0x40 + p.Exponent!.Length));
        cbor.AddRange(p.Exponent);
        return [.. cbor];
    }

    public void Dispose() => _key.Dispose();
}
