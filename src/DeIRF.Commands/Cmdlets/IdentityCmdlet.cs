using System.Management.Automation;
using System.Security;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Shared by cmdlets that read public keys, signatures and private keys from files.</summary>
public abstract class IdentityCmdlet : WorkspaceCmdlet
{
    /// <summary>Reads the public part of a proof from -PublicKeyPath or -PublicKey text.</summary>
    protected ProofKey ReadPublicKey(ProofKind kind, string? publicKeyPath, string? publicKey)
    {
        string text;
        if (publicKeyPath is not null && publicKey is not null)
        {
            throw new DeirfException("PublicKeyAmbiguous", DeirfErrorKind.InvalidArgument, "Give -PublicKeyPath or -PublicKey, not both.", publicKeyPath);
        }
        if (publicKeyPath is not null)
        {
            var full = ResolvePath(publicKeyPath);
            if (!File.Exists(full))
            {
                throw new DeirfException("PublicKeyNotFound", DeirfErrorKind.NotFound, $"Public key file '{full}' does not exist.", publicKeyPath);
            }
            text = File.ReadAllText(full);
        }
        else
        {
            text = publicKey ?? throw new DeirfException("PublicKeyMissing", DeirfErrorKind.InvalidArgument, "Give -PublicKeyPath or -PublicKey.", kind);
        }
        return Signatures.ParsePublicKey(kind, text);
    }

    protected string ReadSignature(string signaturePath)
    {
        var full = ResolvePath(signaturePath);
        if (!File.Exists(full))
        {
            throw new DeirfException("SignatureNotFound", DeirfErrorKind.NotFound, $"Signature file '{full}' does not exist.", signaturePath);
        }
        var text = File.ReadAllText(full);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new DeirfException("SignatureEmpty", DeirfErrorKind.InvalidData, $"Signature file '{full}' is empty.", signaturePath);
        }
        return text;
    }
}
