using System.Security.Cryptography;
using System.Text;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Testing;

namespace DeIRF.Core.Tests;

/// <summary>
/// Key material made at test time (never committed) and the one way tests bind it to a responder: exactly what
/// Add-DeirfIdentityProof -KeyPath does (sign the proof binding with the new key, append proof.added).
/// </summary>
internal static class TestKeys
{
    /// <summary>A did:key Ed25519 seed, as hex text (registered for the secrets scan).</summary>
    public static byte[] NewSeed()
    {
        var seed = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        TestArtifacts.RegisterSecret("did:key seed", seed);
        return Encoding.ASCII.GetBytes(seed);
    }

    /// <summary>An Ethereum secp256k1 key, as 0x hex (first byte kept well below the curve order).</summary>
    public static byte[] NewEthKey()
    {
        byte[] key;
        do { key = RandomNumberGenerator.GetBytes(32); } while (key[0] == 0 || key[0] >= 0xF0);
        TestArtifacts.RegisterSecretBytes("ethereum private key", key);
        return Encoding.ASCII.GetBytes("0x" + Convert.ToHexString(key).ToLowerInvariant());
    }

    /// <summary>Writes a fresh did:key seed or Ethereum key to <paramref name="path"/> and returns the path.</summary>
    public static string WriteNew(ProofKind kind, string path)
    {
        // 0600, as every key file must be to be read (PrivateKeyFileTooOpen).
        PrivateKeyFiles.Write(path, kind == ProofKind.Ethereum ? NewEthKey() : NewSeed());
        TestArtifacts.RegisterKeyFile(kind == ProofKind.Ethereum ? "ethereum private key" : "did:key seed", path);
        return path;
    }

    /// <summary>Binds the private key to <paramref name="handle"/> in the roster, signed as the responder.</summary>
    public static RosterProof Bind(Roster roster, string handle, ProofKind kind, byte[] privateKey, JournalAppendOptions options, DateTimeOffset? bindingTime = null)
    {
        using var material = new PrivateKeyMaterial((byte[])privateKey.Clone());
        return Bind(roster, handle, kind, material, options, bindingTime);
    }

    public static RosterProof BindFile(Roster roster, string handle, ProofKind kind, string keyFile, JournalAppendOptions options, DateTimeOffset? bindingTime = null)
    {
        using var material = PrivateKeyMaterial.FromFile(keyFile);
        return Bind(roster, handle, kind, material, options, bindingTime);
    }

    private static RosterProof Bind(Roster roster, string handle, ProofKind kind, PrivateKeyMaterial material, JournalAppendOptions options, DateTimeOffset? bindingTime)
    {
        var signer = Signatures.SignerFor(kind);
        var key = Signatures.ParsePublicKey(kind, signer.PublicKeyOf(material));
        var binding = new ProofBinding(roster.Workspace.WorkspaceId, handle, kind, key.Fingerprint, bindingTime ?? DateTimeOffset.UtcNow).ToBytes();
        return roster.AddProof(handle, key, binding, signer.Sign(binding, material), handle, options);
    }
}
