namespace DeIRF.Identity;

/// <summary>What a verifier may need beyond key, payload and signature. Unused members are ignored by a kind.</summary>
public sealed class VerificationContext
{
    public static readonly VerificationContext Default = new();

    /// <summary>"Now" for expiry and validity windows.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>SSHSIG namespace; must match exactly.</summary>
    public string SshNamespace { get; init; } = "deirf";

    /// <summary>SSH CA public keys (authorized_keys form) trusted to certify responders' SSH keys.</summary>
    public IReadOnlyList<string> TrustedSshCertificateAuthorities { get; init; } = [];

    /// <summary>The principal an SSH certificate must name (the responder's handle).</summary>
    public string? ExpectedSshPrincipal { get; init; }

    /// <summary>FIDO2: the signCount last accepted for this credential; a new assertion must exceed it (unless both are 0).</summary>
    public uint? LastFido2SignCount { get; init; }

    /// <summary>OIDC: true if this nonce was never accepted before (single use). Null: not checked here.</summary>
    public Func<string, bool>? IsOidcNonceUnused { get; init; }

    /// <summary>
    /// The responder's other proofs in force at <see cref="Clock"/>'s time (set by <see cref="Roster.ContextFor"/>): a kind
    /// whose binding must be vouched for by a key already bound (a chat account: its message carries a signature by one
    /// of these) checks against them. Empty when the caller has no roster.
    /// </summary>
    public IReadOnlyList<ProofKey> OtherProofs { get; init; } = [];

    /// <summary>Allowed clock skew for time checks (token expiry, certificate validity).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(2);
}
