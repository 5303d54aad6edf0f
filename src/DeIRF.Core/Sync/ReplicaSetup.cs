using System.Diagnostics;
using DeIRF.Identity;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// Makes a replica of a shared workspace (Initialize-DeirfWorkspace -Remote). The first replica shares its workspace
/// with an empty remote: git init, then a sync pushes it. Every other one joins: a clone without checkout, its tree
/// checked before a single file is written, every journal verified before the clone is kept, the verified heads
/// recorded as trusted.
/// </summary>
internal static class ReplicaSetup
{
    /// <summary>
    /// Shares a workspace through <paramref name="remoteUrl"/>. An empty remote gets this workspace (created if
    /// needed): git init, commit, push. A remote that already holds a workspace is cloned into
    /// <paramref name="path"/> (same workspace id), every journal verified before the clone is kept.
    /// </summary>
    public static (Workspace Workspace, SyncResult Result) Initialize(string path, string remoteUrl, string? name, SyncOptions options)
    {
        var root = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))!;
        Directory.CreateDirectory(parent);
        var probe = new GitCli(parent);
        var branch = options.Branch is null ? null : ReplicaRepository.CheckBranchName(probe, options.Branch);
        var refs = probe.TryRun(["ls-remote", "--heads", remoteUrl], cancellationToken: options.CancellationToken);
        if (refs.ExitCode != 0)
        {
            throw new SyncException("SyncRemoteUnreachable", DeirfErrorKind.ResourceUnavailable, $"Cannot read the remote '{remoteUrl}': {refs.Stderr.Trim()}", remoteUrl);
        }
        return refs.Text.Length == 0
            ? Share(root, remoteUrl, name, branch, options)
            : Join(root, remoteUrl, probe, refs.Text, branch, options);
    }

    /// <summary>The first replica: this workspace (created if needed) goes to the empty remote.</summary>
    private static (Workspace Workspace, SyncResult Result) Share(string root, string remoteUrl, string? name, string? branch, SyncOptions options)
    {
        var ws = Workspace.IsWorkspace(root) ? Workspace.Open(root) : Workspace.Initialize(root, name);
        ReplicaRepository.EnsureIgnored(ws.Root);
        var git = new GitCli(ws.Root);
        if (!ReplicaRepository.IsRepository(ws.Root))
        {
            git.Run(["init", "--quiet", "--initial-branch=" + (branch ?? ReplicaRepository.DefaultBranch)]);
        }
        if (git.TryRun(["remote", "get-url", options.Remote]).ExitCode == 0)
        {
            git.Run(["remote", "set-url", options.Remote, remoteUrl]);
        }
        else
        {
            git.Run(["remote", "add", options.Remote, remoteUrl]);
        }
        return (ws, new SyncSession(ws, options).Run());
    }

    /// <summary>Every other replica: a clone of the remote's workspace branch, kept only once all of it verifies.</summary>
    private static (Workspace Workspace, SyncResult Result) Join(string root, string remoteUrl, GitCli probe, string lsRemote, string? branch, SyncOptions options)
    {
        var heads = lsRemote.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t') is [_, var r] && r.StartsWith("refs/heads/", StringComparison.Ordinal) ? r["refs/heads/".Length..] : null)
            .OfType<string>().ToList();
        if (branch is not null && !heads.Contains(branch, StringComparer.Ordinal))
        {
            throw new SyncException("SyncBranchNotFound", DeirfErrorKind.NotFound,
                $"The remote '{remoteUrl}' has no branch '{branch}' (it has: {string.Join(", ", heads)}). Nothing was written.", branch);
        }
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new SyncException("SyncTargetNotEmpty", DeirfErrorKind.AlreadyExists,
                $"The remote '{remoteUrl}' already holds a workspace; it is cloned into an empty or new folder, and '{root}' is not empty.", root);
        }
        var sw = Stopwatch.StartNew();
        // No checkout: the fetched tree is checked before a single file of it is written.
        probe.Run(["clone", "--quiet", "--no-checkout", "--origin", options.Remote, remoteUrl, root], cancellationToken: options.CancellationToken);
        try
        {
            var cloned = new GitCli(root);
            // The remote's HEAD need not name the workspace's branch (a plain `git init --bare` says master).
            branch ??= WorkspaceBranch(cloned, options.Remote, heads, remoteUrl);
            var fetchedHead = cloned.RevParse($"refs/remotes/{options.Remote}/{branch}")
                ?? throw new SyncException("SyncBranchNotFound", DeirfErrorKind.NotFound, $"The clone of '{remoteUrl}' has no branch '{branch}'.", branch);
            var treeRefusals = SyncTreePolicy.Check(cloned.Entries(fetchedHead), options.TreeLimits);
            if (treeRefusals.Count > 0)
            {
                throw new SyncRefusedException(treeRefusals);
            }
            cloned.Run(["update-ref", "refs/heads/" + branch, fetchedHead]);
            cloned.Run(["symbolic-ref", "HEAD", "refs/heads/" + branch]);
            cloned.Run(["config", $"branch.{branch}.remote", options.Remote]);
            cloned.Run(["config", $"branch.{branch}.merge", "refs/heads/" + branch]);
            cloned.Run(["reset", "--quiet", "--hard", fetchedHead]);
            foreach (var other in cloned.Text("for-each-ref", "--format=%(refname:short)", "refs/heads/").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (other != branch)
                {
                    cloned.Run(["branch", "--quiet", "-D", other]);
                }
            }
            if (!Workspace.IsWorkspace(root))
            {
                throw new SyncException("SyncRemoteNotAWorkspace", DeirfErrorKind.InvalidData,
                    $"The remote '{remoteUrl}' is not empty and holds no {Workspace.FileName}: it is not a DeIRF workspace.", remoteUrl);
            }
            var ws = Workspace.Open(root);
            ReplicaRepository.EnsureIgnored(ws.Root);
            var trust = SyncTrustStore.Load(ws.Root);
            var refusals = new List<SyncRefusal>();
            var journals = new List<SyncedJournal>();
            var rosterPath = Roster.PathIn(ws);
            foreach (var (id, file) in JournalReconciler.LocalJournals(ws))
            {
                var copy = JournalCopy.TryParse(File.ReadAllBytes(file), out var problem, out var badLine);
                var refusal = copy is null
                    ? new SyncRefusal("SyncRemoteTampered", id, badLine, null, null, $"the remote copy is damaged: {problem}")
                    : JournalReconciler.Verify(ws, id, copy, rosterPath, file);
                if (refusal is not null)
                {
                    refusals.Add(refusal);
                    continue;
                }
                copy!.Head!.Write(file, durable: true);
                trust.Accept(SyncTrustStore.KeyFor(ws.WorkspaceId, id), copy.Head!);
                journals.Add(new SyncedJournal(id, 0, copy.Count, copy.Count, copy.Count, 0, 0));
            }
            var unverified = new List<SyncRefusal>();
            if (refusals.Count == 0)
            {
                // Signed history, all of it: each commit against the roster as of its parent (the root: the roster it founds).
                var tmp = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SyncTempFolder);
                Directory.CreateDirectory(tmp);
                var accepted = File.Exists(rosterPath) ? JournalCopy.TryParse(File.ReadAllBytes(rosterPath), out _, out _) ?? JournalCopy.Empty : JournalCopy.Empty;
                new SignedHistory(ws, cloned, tmp, accepted, replicaRoster: null).Check(null, fetchedHead, refusals, unverified);
            }
            if (refusals.Count > 0)
            {
                throw new SyncRefusedException(refusals);
            }
            trust.Save();
            var git = new GitCli(ws.Root);
            return (ws, new SyncResult
            {
                Workspace = ws.Root, Remote = options.Remote, Branch = git.Text("symbolic-ref", "--short", "HEAD"),
                JournalsChecked = journals.Count, EntriesReceived = journals.Sum(j => j.Received), Journals = journals,
                Commit = git.RevParse("HEAD"), Attempts = 1, Elapsed = sw.Elapsed,
                CommitSignatures = SyncPolicy.Name(SyncPolicy.Of(Roster.Load(ws)).CommitSignatures), UnverifiedCommits = unverified,
            });
        }
        catch
        {
            // An unverified clone is not a workspace anyone should act on.
            TryDeleteTree(root);
            throw;
        }
    }

    /// <summary>
    /// The fetched branch that holds the workspace: main, else the remote's HEAD branch, else the only other branch
    /// with a workspace file. Several candidates and none preferred: the caller must say (-Branch).
    /// </summary>
    private static string WorkspaceBranch(GitCli cloned, string remote, IReadOnlyList<string> heads, string remoteUrl)
    {
        bool Holds(string b) => cloned.TryRun(["cat-file", "-e", $"refs/remotes/{remote}/{b}:{Workspace.FileName}"]).ExitCode == 0;
        var remoteHead = cloned.TryRun(["symbolic-ref", "--short", $"refs/remotes/{remote}/HEAD"]) is { ExitCode: 0 } h && h.Text.StartsWith(remote + "/", StringComparison.Ordinal)
            ? h.Text[(remote.Length + 1)..] : null;
        foreach (var preferred in new[] { ReplicaRepository.DefaultBranch, remoteHead })
        {
            if (preferred is not null && heads.Contains(preferred, StringComparer.Ordinal) && Holds(preferred))
            {
                return preferred;
            }
        }
        var holding = heads.Where(Holds).Order(StringComparer.Ordinal).ToList();
        return holding switch
        {
            [var only] => only,
            [] => throw new SyncException("SyncRemoteNotAWorkspace", DeirfErrorKind.InvalidData,
                $"The remote '{remoteUrl}' is not empty and no branch of it ({string.Join(", ", heads)}) holds a {Workspace.FileName}: it is not a DeIRF workspace.", remoteUrl),
            _ => throw new SyncException("SyncBranchAmbiguous", DeirfErrorKind.InvalidArgument,
                $"Several branches of '{remoteUrl}' hold a workspace ({string.Join(", ", holding)}): pass -Branch to say which one to join.", remoteUrl),
        };
    }

    private static void TryDeleteTree(string root)
    {
        try
        {
            if (Directory.Exists(root))
            {
                foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
                {
                    File.SetAttributes(f, FileAttributes.Normal);
                }
                Directory.Delete(root, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
