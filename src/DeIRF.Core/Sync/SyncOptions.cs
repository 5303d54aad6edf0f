namespace DeIRF.Sync;

/// <summary>How one sync (or the first share or join of a workspace) runs.</summary>
public sealed record SyncOptions
{
    /// <summary>The git remote to sync with.</summary>
    public string Remote { get; init; } = "origin";

    /// <summary>Who syncs: the author and committer of the sync commit.</summary>
    public string Actor { get; init; } = "deirf";

    /// <summary>The remote branch the workspace is shared on. Null: the current branch (sync), the branch that holds the workspace (clone), main (empty remote).</summary>
    public string? Branch { get; init; }

    /// <summary>Fetch-merge-push rounds before giving up when pushes keep losing races.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>Size caps a fetched tree must keep (per blob, per tree, files).</summary>
    public SyncTreeLimits TreeLimits { get; init; } = SyncTreeLimits.Default;

    /// <summary>
    /// The key that signs the sync commit (an SSH or OpenPGP proof of <see cref="Actor"/>). Null: the one this machine
    /// has configured for the actor in the workspace (Set-DeirfSigningKey).
    /// </summary>
    public Identity.SigningKeySetting? SigningKey { get; init; }

    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Test seam: called at named points ("after-write", "after-commit") so a test can kill the process there.</summary>
    internal Action<string>? FaultPoint { get; init; }
}
