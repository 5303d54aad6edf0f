using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// The git repository one replica is: whether a workspace is one, the ignore lines its replica-local paths need, the
/// lock files a killed git left behind, and which branch names it takes.
/// </summary>
internal static class ReplicaRepository
{
    /// <summary>The branch DeIRF shares a new workspace on, and prefers when cloning.</summary>
    public const string DefaultBranch = "main";

    public static bool IsRepository(string root)
        => Directory.Exists(WorkspaceLayout.PathIn(root, WorkspaceLayout.GitFolder)) || File.Exists(WorkspaceLayout.PathIn(root, WorkspaceLayout.GitFolder));

    /// <summary>Refuses a -Branch git would not accept as a branch name (or would read as an option).</summary>
    public static string CheckBranchName(GitCli git, string branch)
    {
        if (branch.StartsWith('-') || git.TryRun(["check-ref-format", "refs/heads/" + branch]).ExitCode != 0)
        {
            throw new SyncException("SyncBranchInvalid", DeirfErrorKind.InvalidArgument, $"'{branch}' is not a valid git branch name.", branch);
        }
        return branch;
    }

    /// <summary>Adds the sync's replica-local folder to the workspace's .gitignore (older workspaces lack it).</summary>
    public static void EnsureIgnored(string root)
    {
        var path = WorkspaceLayout.PathIn(root, WorkspaceLayout.GitIgnoreFile);
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
        // This replica's own exclude file: the synced .gitignore is shared, so it is a convenience, not the guard.
        var gitDir = WorkspaceLayout.PathIn(root, WorkspaceLayout.GitFolder);
        var exclude = WorkspaceLayout.PathIn(root, WorkspaceLayout.GitExcludeFile);
        if (Directory.Exists(gitDir) && new DirectoryInfo(gitDir).LinkTarget is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(exclude)!);
            var want = string.Join("\n", WorkspaceLayout.ReplicaLocal) + "\n";
            if (!File.Exists(exclude) || File.ReadAllText(exclude) != want)
            {
                File.WriteAllText(exclude, want);
            }
        }
        var missing = WorkspaceLayout.ReplicaLocal.Where(l => !lines.Contains(l)).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        File.AppendAllText(path, (lines.Count > 0 && !File.ReadAllText(path).EndsWith('\n') ? "\n" : string.Empty) + string.Join("\n", missing) + "\n");
    }

    /// <summary>
    /// Removes the lock files git leaves when it is killed mid-command (index.lock, HEAD.lock, packed-refs.lock,
    /// refs/**/*.lock): with them every later git command in the replica fails with "File exists". Called under the
    /// replica's sync lock, so a lock found here belongs to a sync that died; running git by hand in a workspace while
    /// Sync-DeirfWorkspace runs is not supported (docs/sync.md). Returns the removed paths, relative to .git.
    /// </summary>
    public static IReadOnlyList<string> ClearStaleGitLocks(string root)
    {
        var gitDir = WorkspaceLayout.PathIn(root, WorkspaceLayout.GitFolder);
        if (!Directory.Exists(gitDir))
        {
            return [];
        }
        var candidates = new[] { "index.lock", "HEAD.lock", "packed-refs.lock", "shallow.lock", "config.lock", "FETCH_HEAD.lock", "ORIG_HEAD.lock" }
            .Select(n => Path.Combine(gitDir, n)).Where(File.Exists).ToList();
        var refs = Path.Combine(gitDir, "refs");
        if (Directory.Exists(refs))
        {
            candidates.AddRange(Directory.EnumerateFiles(refs, "*.lock", SearchOption.AllDirectories));
        }
        var removed = new List<string>();
        foreach (var file in candidates)
        {
            File.Delete(file);
            removed.Add(Path.GetRelativePath(gitDir, file).Replace('\\', '/'));
        }
        return removed;
    }
}
