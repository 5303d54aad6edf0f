namespace DeIRF.Identity;

/// <summary>One proof kind's verification: parse its public part, check a signature over exact payload bytes.</summary>
public interface IProofVerifier
{
    ProofKind Kind { get; }

    /// <summary>Parses and normalises the public part; throws <see cref="InvalidProofException"/> with a reason.</summary>
    ProofKey ParsePublicKey(string publicKeyText);

    /// <summary>
    /// Checks <paramref name="signature"/> (the text a user's tool produced: armored signature, SSHSIG armor, 0x-hex,
    /// detached JWS, WebAuthn assertion JSON, id_token) over <paramref name="payload"/>. Never throws for a bad
    /// signature: returns an invalid <see cref="SignatureCheck"/> with the reason.
    /// </summary>
    SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context);
}

/// <summary>
/// Signs payload bytes with a private key the caller holds (drills, automation accounts). The key is read, used and
/// dropped: never stored, logged or journaled.
/// </summary>
public interface IProofSigner
{
    ProofKind Kind { get; }

    /// <summary>The public part matching the private key, in the form <see cref="IProofVerifier.ParsePublicKey"/> takes.</summary>
    string PublicKeyOf(PrivateKeyMaterial key);

    /// <summary>The signature text, in the same form the kind's usual tool produces.</summary>
    string Sign(ReadOnlySpan<byte> payload, PrivateKeyMaterial key);
}

/// <summary>A private key handed in for one operation: its bytes (file content or hex) and an optional passphrase.</summary>
public sealed class PrivateKeyMaterial : IDisposable
{
    public PrivateKeyMaterial(byte[] keyBytes, char[]? passphrase = null, string? source = null)
    {
        KeyBytes = keyBytes;
        Passphrase = passphrase;
        Source = source;
    }

    public byte[] KeyBytes { get; }
    public char[]? Passphrase { get; }

    /// <summary>Where the key came from (a path, "environment variable X"), for error messages; never the key itself.</summary>
    public string? Source { get; }

    /// <summary>Reads a key file; refused (PrivateKeyFileTooOpen) when others may read or change it (<see cref="PrivateKeyFiles"/>).</summary>
    public static PrivateKeyMaterial FromFile(string path, char[]? passphrase = null) => new(PrivateKeyFiles.Read(path), passphrase, path);

    public void Dispose()
    {
        Array.Clear(KeyBytes);
        if (Passphrase is not null)
        {
            Array.Clear(Passphrase);
        }
    }
}

/// <summary>A public key or proof that cannot be accepted (malformed, wrong kind, unsupported algorithm...).</summary>
public sealed class InvalidProofException : DeirfException
{
    public InvalidProofException(ProofKind kind, string reason, object? target = null, Exception? inner = null)
        : base("ProofInvalid", DeirfErrorKind.InvalidData, $"{kind} proof refused: {reason}", target, inner)
    {
        ProofKind = kind;
        Reason = reason;
    }

    public ProofKind ProofKind { get; }
    public string Reason { get; }
}
