using DeIRF.Journal;

namespace DeIRF.Sync;

/// <summary>What one fetch's worth of merging did: the reconcilers add to it, the session sums the rounds up.</summary>
internal sealed class SyncRound
{
    public long Received, Relinked, Duplicates;
    public List<SyncedJournal> Journals { get; } = [];
    public List<SyncConflict> Conflicts { get; } = [];
    public List<string> Superseded { get; } = [];
    public List<string> FileConflicts { get; } = [];
    public List<string> NotShared { get; } = [];

    /// <summary>Received commits whose signature failed where the policy is warn (let through, reported).</summary>
    public List<SyncRefusal> UnverifiedCommits { get; } = [];

    /// <summary>The merged heads, by trust key: trusted once the round's commit is the remote's (pushed or equal).</summary>
    public Dictionary<string, HeadRecord> MergedHeads { get; } = new(StringComparer.Ordinal);
}
