using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// Shares a workspace through a git remote. Journals are never merged by git: each is fetched, verified (chain,
/// canonical form, signatures against the roster), checked against the head this replica last accepted from the
/// remote, and merged by re-linking this replica's unpushed entries after the remote's; other files merge three
/// ways. The result is committed on top of the remote commit (so the push is a fast-forward) and pushed; a push
/// that lost a race is retried from the fetch. The entry points callers use; the work is in
/// <see cref="ReplicaSetup"/> (share, join), <see cref="SyncSession"/> (a sync's rounds), <see cref="JournalReconciler"/>,
/// <see cref="SharedFileMerger"/> and <see cref="CheckpointReconciler"/>. docs/sync.md describes the protocol.
/// </summary>
public static class WorkspaceSync
{
    /// <summary>The branch DeIRF shares a new workspace on, and prefers when cloning.</summary>
    public const string DefaultBranch = ReplicaRepository.DefaultBranch;

    /// <inheritdoc cref="WorkspaceLayout.JournalIdOf"/>
    public static string? JournalIdOf(string relativePath) => WorkspaceLayout.JournalIdOf(relativePath);

    /// <inheritdoc cref="ReplicaSetup.Initialize"/>
    public static (Workspace Workspace, SyncResult Result) Initialize(string path, string remoteUrl, string? name, SyncOptions options)
        => ReplicaSetup.Initialize(path, remoteUrl, name, options);

    /// <summary>One sync: fetch, verify everything received, merge, commit and push (docs/sync.md, "The protocol").</summary>
    public static SyncResult Sync(Workspace ws, SyncOptions options) => new SyncSession(ws, options).Run();

    /// <inheritdoc cref="JournalReconciler.VerifyReceived(Workspace, string, byte[], string)"/>
    public static SyncRefusal? VerifyReceived(Workspace ws, string id, byte[] bytes, string rosterFile)
        => JournalReconciler.VerifyReceived(ws, id, bytes, rosterFile);

    /// <inheritdoc cref="JournalReconciler.RecoverPendingWrites"/>
    public static void RecoverPendingWrites(Workspace ws) => JournalReconciler.RecoverPendingWrites(ws);

    /// <inheritdoc cref="JournalReconciler.FindConflicts"/>
    public static IReadOnlyList<SyncConflict> FindConflicts(string id, JournalFile journal) => JournalReconciler.FindConflicts(id, journal);

    public static bool IsRepository(string root) => ReplicaRepository.IsRepository(root);

    /// <inheritdoc cref="ReplicaRepository.EnsureIgnored"/>
    public static void EnsureIgnored(string root) => ReplicaRepository.EnsureIgnored(root);
}
