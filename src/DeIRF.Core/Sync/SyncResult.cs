namespace DeIRF.Sync;

/// <summary>
/// An order-dependent fact that two replicas decided apart while offline and that the merged journal now records
/// twice: a proposal consumed twice, an incident closed twice. The folds read the merged order (the first
/// consumption counts; the close that comes last in the journal is the close), so every converged replica gives the
/// same answer; the conflict is reported so that a person looks at it.
/// </summary>
public sealed record SyncConflict(string Journal, string Kind, string Subject, IReadOnlyList<long> Seqs, string Detail)
{
    public override string ToString() => $"{Journal}: {Kind} {Subject} at seq {string.Join(", ", Seqs)}: {Detail}";
}

/// <summary>What one journal went through in a sync.</summary>
public sealed record SyncedJournal(string Journal, long LocalEntries, long RemoteEntries, long MergedEntries, long Received, long Relinked, long Duplicates)
{
    public bool Changed => Received > 0 || Relinked > 0;
}

/// <summary>The result of Sync-DeirfWorkspace / Initialize-DeirfWorkspace -Remote.</summary>
public sealed class SyncResult
{
    public string Workspace { get; init; } = string.Empty;
    public string Remote { get; init; } = string.Empty;
    public string Branch { get; init; } = string.Empty;

    /// <summary>Journals verified and merged (incidents and the roster).</summary>
    public int JournalsChecked { get; init; }

    /// <summary>Entries taken from the remote that this replica did not have.</summary>
    public long EntriesReceived { get; init; }

    /// <summary>Local unpushed entries re-linked after the remote ones (statement and signatures unchanged).</summary>
    public long EntriesRelinked { get; init; }

    /// <summary>Local entries whose statement the remote already held (not duplicated).</summary>
    public long DuplicatesDropped { get; init; }

    /// <summary>True when this replica's commit reached the remote.</summary>
    public bool Pushed { get; init; }

    /// <summary>The commit the remote branch points to after the sync.</summary>
    public string? Commit { get; init; }

    /// <summary>Fetch-merge-push rounds (more than one when a push lost a race).</summary>
    public int Attempts { get; init; }

    public IReadOnlyList<SyncConflict> Conflicts { get; init; } = [];

    /// <summary>Checkpoint files of this replica that covered re-linked entries and were set aside (never pushed as a fork).</summary>
    public IReadOnlyList<string> CheckpointsSuperseded { get; init; } = [];

    /// <summary>Other files changed on both sides: the remote copy was kept, this replica's copy set aside under .deirf-sync/conflicts.</summary>
    public IReadOnlyList<string> FileConflicts { get; init; } = [];

    /// <summary>Git lock files an interrupted sync had left (relative to .git), removed before this one ran.</summary>
    public IReadOnlyList<string> StaleGitLocksRemoved { get; init; } = [];

    /// <summary>Files of this replica left out of the commit: links, or paths outside the workspace layout the other replicas would refuse.</summary>
    public IReadOnlyList<string> NotShared { get; init; } = [];

    /// <summary>True when this sync pushed a commit it signed (SSH or OpenPGP, the actor's signing key).</summary>
    public bool CommitSigned { get; init; }

    /// <summary>The commit signature policy this replica synced under (require, warn, off: sync-policy.json as the roster set it).</summary>
    public string CommitSignatures { get; init; } = "warn";

    /// <summary>Received commits that are unsigned or signed by a key the roster does not vouch for, let through because the policy is warn.</summary>
    public IReadOnlyList<SyncRefusal> UnverifiedCommits { get; init; } = [];

    public IReadOnlyList<SyncedJournal> Journals { get; init; } = [];
    public TimeSpan Elapsed { get; init; }

    public override string ToString()
        => $"{Workspace}: {JournalsChecked} journals, {EntriesReceived} received, {EntriesRelinked} re-linked, pushed {Pushed}, {Conflicts.Count} conflicts";
}
