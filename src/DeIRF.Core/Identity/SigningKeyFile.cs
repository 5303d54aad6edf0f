using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace DeIRF.Identity;

/// <summary>A private key file made for a responder: where it is, its public part, and what to do next.</summary>
public sealed record NewSigningKey(ProofKind Kind, string Path, string PublicKey, string Fingerprint, string NextStep);

/// <summary>
/// Makes a private key file a responder can bind and sign with (did:key seed, Ethereum key, OpenSSH ed25519 key):
/// created exclusively with mode 0600, never inside a workspace (a workspace is shared through git), never over an
/// existing file. The key bytes are never written anywhere else, logged or returned.
/// </summary>
public static class SigningKeyFile
{
    public static NewSigningKey Create(ProofKind kind, string path, string? workspaceRoot, string? responder = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (workspaceRoot is not null && IsInside(full, System.IO.Path.GetFullPath(workspaceRoot)))
        {
            throw new DeirfException("SigningKeyInWorkspace", DeirfErrorKind.SecurityError,
                $"'{full}' is inside the workspace '{workspaceRoot}', which is shared through git: keep private keys outside it (e.g. ~/.config/deirf/keys). Nothing was written.", path);
        }
        if (File.Exists(full) || Directory.Exists(full))
        {
            throw new DeirfException("SigningKeyFileExists", DeirfErrorKind.AlreadyExists, $"'{full}' already exists; a key file is never overwritten.", path);
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        if (ProofKinds.Find(kind) is not IProofKeyMaker maker)
        {
            throw new DeirfException("SigningKeyKindUnsupported", DeirfErrorKind.InvalidArgument,
                $"DeIRF makes {string.Join(", ", ProofKinds.KeyMaking)} keys; {kind} keys come from their own tools (gpg, an authenticator, an identity provider).", kind.Name);
        }
        maker.WriteNewKey(full, responder);
        using var material = PrivateKeyMaterial.FromFile(full);
        var publicText = Signatures.SignerFor(kind).PublicKeyOf(material).Trim();
        var fingerprint = Signatures.ParsePublicKey(kind, publicText).Fingerprint;
        var who = responder ?? "<you>";
        var next = $"Add-DeirfIdentityProof -Responder {who} -Kind {kind} -KeyPath '{full}'; then (first key) Set-DeirfSigningKey -Responder {who} -Kind {kind} -KeyPath '{full}'";
        return new NewSigningKey(kind, full, publicText, fingerprint, next);
    }

    private static bool IsInside(string path, string root)
    {
        var r = root.TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
        return path.StartsWith(r, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>A did:key seed: 32 random bytes as lowercase hex.</summary>
    internal static void WriteDidKeySeed(string path)
        => PrivateKeyFiles.Write(path, Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant()));

    /// <summary>An Ethereum key: 32 random bytes below the secp256k1 order, 0x-hex.</summary>
    internal static void WriteEthereumKey(string path)
    {
        byte[] key;
        do { key = RandomNumberGenerator.GetBytes(32); } while (key[0] == 0 || key[0] >= 0xF0); // non-zero, below the secp256k1 order
        PrivateKeyFiles.Write(path, Encoding.ASCII.GetBytes("0x" + Convert.ToHexString(key).ToLowerInvariant()));
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>An OpenSSH ed25519 key without passphrase, from ssh-keygen.</summary>
    internal static void RunSshKeygen(string path, string? responder)
    {
        var keygen = Sync.GitCli.FindOnPath("ssh-keygen")
            ?? throw new DeirfException("SshKeygenNotFound", DeirfErrorKind.ResourceUnavailable, "ssh-keygen is not installed or not on PATH (OpenSSH client).", "ssh-keygen");
        var psi = new ProcessStartInfo(keygen) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-q", "-t", "ed25519", "-N", string.Empty, "-C", "deirf:" + (responder ?? "responder"), "-f", path })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(path))
        {
            throw new DeirfException("SigningKeyCreateFailed", DeirfErrorKind.InvalidOperation, $"ssh-keygen failed (exit {p.ExitCode}): {err.Trim()}", path);
        }
    }
}
