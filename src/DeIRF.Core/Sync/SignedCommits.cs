using System.Text;
using DeIRF.Identity;

namespace DeIRF.Sync;

/// <summary>
/// An OpenPGP-signed sync commit, made as git makes one (gpg.format openpgp): the detached, armored signature over
/// the commit object goes into its gpgsig header. The signature is DeIRF's own OpenPGP signer's over the key file
/// Set-DeirfSigningKey points at, so no keyring, agent or gpg program holds a copy of the key; `git verify-commit`
/// with the public key in a keyring checks it as any gpg-signed commit.
/// </summary>
internal static class SignedCommits
{
    /// <summary>Signs the unsigned commit <paramref name="unsigned"/> and writes the signed one; returns its id.</summary>
    public static string SignOpenPgp(GitCli git, string unsigned, SigningKeySetting key)
    {
        var raw = git.Run(["cat-file", "commit", unsigned]).Stdout;
        string signature;
        try
        {
            using var material = PrivateKeyMaterial.FromFile(key.KeyPath);
            signature = Signatures.SignerFor(ProofKind.OpenPgp).Sign(raw, material);
        }
        catch (InvalidProofException ex)
        {
            // The reason names the file and what is wrong with it, never its content.
            throw new SyncException("SyncCommitSigningFailed", DeirfErrorKind.InvalidData,
                $"Signing the sync commit with the OpenPGP key of '{key.Handle}' ({key.Fingerprint}, {key.KeyPath}) failed: {ex.Reason}. Nothing was pushed.", key.Handle, ex);
        }
        return git.Run(["hash-object", "-t", "commit", "-w", "--stdin"], WithSignature(raw, signature)).Text;
    }

    /// <summary>The commit object with a gpgsig header at the end of its headers (continuation lines start with a space).</summary>
    internal static byte[] WithSignature(byte[] commit, string signature)
    {
        var text = Encoding.UTF8.GetString(commit);
        int end = text.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = end < 0 ? text.TrimEnd('\n') : text[..end];
        var rest = end < 0 ? "\n" : text[end..];
        var value = string.Join("\n ", signature.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'));
        return Encoding.UTF8.GetBytes(headers + "\ngpgsig " + value + rest);
    }
}
