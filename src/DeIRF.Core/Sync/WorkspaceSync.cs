using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Checkpoints;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

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

    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Test seam: called at named points ("after-write", "after-commit") so a test can kill the process there.</summary>
    internal Action<string>? FaultPoint { get; init; }
}

/// <summary>
/// Shares a workspace through a git remote. Journals are never merged by git: each is fetched, verified (chain,
/// canonical form, signatures against the roster), checked against the head this replica last accepted from the
/// remote, and merged by re-linking this replica's unpushed entries after the remote's; other files merge three
/// ways. The result is committed on top of the remote commit (so the push is a fast-forward) and pushed; a push
/// that lost a race is retried from the fetch.
/// </summary>
public static class WorkspaceSync
{
    /// <inheritdoc cref="WorkspaceLayout.JournalIdOf"/>
    public static string? JournalIdOf(string relativePath) => WorkspaceLayout.JournalIdOf(relativePath);

    // ---------------------------------------------------------------- initialize

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
        var branch = options.Branch is null ? null : CheckBranchName(probe, options.Branch);
        var refs = probe.TryRun(["ls-remote", "--heads", remoteUrl], cancellationToken: options.CancellationToken);
        if (refs.ExitCode != 0)
        {
            throw new SyncException("SyncRemoteUnreachable", DeirfErrorKind.ResourceUnavailable, $"Cannot read the remote '{remoteUrl}': {refs.Stderr.Trim()}", remoteUrl);
        }
        if (refs.Text.Length == 0)
        {
            var ws = Workspace.IsWorkspace(root) ? Workspace.Open(root) : Workspace.Initialize(root, name);
            EnsureIgnored(ws.Root);
            var git = new GitCli(ws.Root);
            if (!IsRepository(ws.Root))
            {
                git.Run(["init", "--quiet", "--initial-branch=" + (branch ?? DefaultBranch)]);
            }
            if (git.TryRun(["remote", "get-url", options.Remote]).ExitCode == 0)
            {
                git.Run(["remote", "set-url", options.Remote, remoteUrl]);
            }
            else
            {
                git.Run(["remote", "add", options.Remote, remoteUrl]);
            }
            return (ws, Sync(ws, options));
        }
        var heads = refs.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
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
            EnsureIgnored(ws.Root);
            var trust = SyncTrustStore.Load(ws.Root);
            var refusals = new List<SyncRefusal>();
            var journals = new List<SyncedJournal>();
            var rosterPath = Roster.PathIn(ws);
            foreach (var (id, file) in LocalJournals(ws))
            {
                var copy = JournalCopy.TryParse(File.ReadAllBytes(file), out var problem, out var badLine);
                var refusal = copy is null
                    ? new SyncRefusal("SyncRemoteTampered", id, badLine, null, null, $"the remote copy is damaged: {problem}")
                    : VerifyCopy(ws, id, copy, rosterPath, file);
                if (refusal is not null)
                {
                    refusals.Add(refusal);
                    continue;
                }
                copy!.Head!.Write(file, durable: true);
                trust.Accept(SyncTrustStore.KeyFor(ws.WorkspaceId, id), copy.Head!);
                journals.Add(new SyncedJournal(id, 0, copy.Count, copy.Count, copy.Count, 0, 0));
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
            });
        }
        catch
        {
            // An unverified clone is not a workspace anyone should act on.
            TryDeleteTree(root);
            throw;
        }
    }

    /// <summary>The branch DeIRF shares a new workspace on, and prefers when cloning.</summary>
    public const string DefaultBranch = "main";

    /// <summary>Refuses a -Branch git would not accept as a branch name (or would read as an option).</summary>
    private static string CheckBranchName(GitCli git, string branch)
    {
        if (branch.StartsWith('-') || git.TryRun(["check-ref-format", "refs/heads/" + branch]).ExitCode != 0)
        {
            throw new SyncException("SyncBranchInvalid", DeirfErrorKind.InvalidArgument, $"'{branch}' is not a valid git branch name.", branch);
        }
        return branch;
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
        foreach (var preferred in new[] { DefaultBranch, remoteHead })
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

    // ---------------------------------------------------------------- sync

    public static SyncResult Sync(Workspace ws, SyncOptions options)
    {
        var sw = Stopwatch.StartNew();
        JournalFile.ValidateHandle(options.Actor);
        if (!IsRepository(ws.Root))
        {
            throw new SyncException("SyncNotARepository", DeirfErrorKind.InvalidOperation,
                $"Workspace '{ws.Root}' is not a git repository. Share it first: Initialize-DeirfWorkspace -Path '{ws.Root}' -Remote <url>.", ws.Root);
        }
        EnsureIgnored(ws.Root);
        // One sync at a time on a replica; under this lock, git lock files can only be left by an interrupted sync.
        var syncLock = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SyncLockFile);
        Directory.CreateDirectory(Path.GetDirectoryName(syncLock)!);
        using var held = JournalLock.Acquire(syncLock, options.LockTimeout, options.CancellationToken);
        var staleLocks = ClearStaleGitLocks(ws.Root);
        RecoverPendingWrites(ws);
        var git = new GitCli(ws.Root);
        var current = git.TryRun(["symbolic-ref", "--short", "HEAD"]) is { ExitCode: 0 } b ? b.Text : null;
        var branch = options.Branch is null ? current ?? DefaultBranch : CheckBranchName(git, options.Branch);
        if (current is not null && current != branch)
        {
            // -Branch moves this replica onto that branch for good: the next sync without -Branch stays on it.
            git.Run(git.RevParse("HEAD") is null ? ["symbolic-ref", "HEAD", "refs/heads/" + branch] : ["branch", "-M", branch]);
        }
        var trackingRef = $"refs/remotes/{options.Remote}/{branch}";
        var totals = new Totals { StaleGitLocks = staleLocks };
        for (int attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var fetch = git.TryRun(["fetch", "--quiet", "--no-tags", options.Remote, $"+refs/heads/{branch}:{trackingRef}"], cancellationToken: options.CancellationToken);
            if (fetch.ExitCode != 0 && !fetch.Stderr.Contains("couldn't find remote ref", StringComparison.OrdinalIgnoreCase))
            {
                throw new SyncException("SyncFetchFailed", DeirfErrorKind.ResourceUnavailable, $"git fetch {options.Remote} failed: {fetch.Stderr.Trim()}", options.Remote);
            }
            var remoteCommit = fetch.ExitCode == 0 ? git.RevParse(trackingRef) : null;
            var round = MergeRound(ws, git, remoteCommit, options);
            totals.Add(round);
            options.FaultPoint?.Invoke("after-write");

            round.NotShared.AddRange(Stage(git));
            var tree = git.Text("write-tree");
            if (remoteCommit is not null && tree == git.Text("rev-parse", remoteCommit + "^{tree}"))
            {
                // Nothing of ours to push: this replica now equals the remote.
                git.Run(["update-ref", "HEAD", remoteCommit]);
                SaveTrust(ws, round.MergedHeads);
                return totals.Result(ws, options, branch, pushed: false, remoteCommit, attempt, sw.Elapsed);
            }
            var message = $"deirf sync by {options.Actor}: {round.Received} received, {round.Relinked} re-linked, {round.Journals.Count} journals";
            var args = new List<string> { "-c", "user.name=" + options.Actor, "-c", "user.email=" + EmailOf(options.Actor), "commit-tree", tree, "-m", message };
            if (remoteCommit is not null)
            {
                args.Add("-p");
                args.Add(remoteCommit);
            }
            var commit = git.Run(args).Text;
            git.Run(["update-ref", "HEAD", commit]);
            options.FaultPoint?.Invoke("after-commit");
            var push = git.TryRun(["push", "--porcelain", options.Remote, $"{commit}:refs/heads/{branch}"], cancellationToken: options.CancellationToken);
            if (push.ExitCode == 0)
            {
                git.TryRun(["update-ref", trackingRef, commit]);
                SaveTrust(ws, round.MergedHeads);
                return totals.Result(ws, options, branch, pushed: true, commit, attempt, sw.Elapsed);
            }
            var said = push.Text + "\n" + push.Stderr;
            if (!(said.Contains("[rejected]") || said.Contains("non-fast-forward") || said.Contains("fetch first") || said.Contains("[remote rejected]")
                || said.Contains("cannot lock ref", StringComparison.OrdinalIgnoreCase)))
            {
                throw new SyncException("SyncPushFailed", DeirfErrorKind.ResourceUnavailable, $"git push {options.Remote} failed: {push.Stderr.Trim()}", options.Remote);
            }
            // Another replica pushed first: fetch its commit and merge again (our commit is superseded, its content kept).
            Thread.Sleep(Random.Shared.Next(10, 50 * attempt));
        }
        throw new SyncException("SyncPushRaceLost", DeirfErrorKind.ResourceBusy,
            $"The push lost {options.MaxAttempts} races in a row to other replicas; run Sync-DeirfWorkspace again.", options.Remote);
    }

    private sealed class Totals
    {
        public long Received, Relinked, Duplicates;
        public Round? Last;
        public List<string> Superseded { get; } = [];
        public List<string> FileConflicts { get; } = [];
        public IReadOnlyList<string> StaleGitLocks { get; init; } = [];

        public void Add(Round r)
        {
            Received += r.Received;
            Relinked = r.Relinked; // re-linking again after a lost race is the same entries once more
            Duplicates += r.Duplicates;
            Superseded.AddRange(r.Superseded);
            FileConflicts.AddRange(r.FileConflicts);
            Last = r;
        }

        public SyncResult Result(Workspace ws, SyncOptions o, string branch, bool pushed, string commit, int attempts, TimeSpan elapsed) => new()
        {
            Workspace = ws.Root, Remote = o.Remote, Branch = branch, JournalsChecked = Last!.Journals.Count,
            EntriesReceived = Received, EntriesRelinked = Relinked, DuplicatesDropped = Duplicates, Pushed = pushed, Commit = commit,
            Attempts = attempts, Conflicts = Last.Conflicts, CheckpointsSuperseded = Superseded, FileConflicts = FileConflicts,
            Journals = Last.Journals, Elapsed = elapsed, StaleGitLocksRemoved = StaleGitLocks, NotShared = Last.NotShared.Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private sealed class Round
    {
        public long Received, Relinked, Duplicates;
        public List<SyncedJournal> Journals { get; } = [];
        public List<SyncConflict> Conflicts { get; } = [];
        public List<string> Superseded { get; } = [];
        public List<string> FileConflicts { get; } = [];
        public List<string> NotShared { get; } = [];
        public Dictionary<string, HeadRecord> MergedHeads { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One fetch's worth of merging into the working tree: verify everything, then write.</summary>
    private static Round MergeRound(Workspace ws, GitCli git, string? remoteCommit, SyncOptions options)
    {
        var round = new Round();
        var head = git.RevParse("HEAD");
        string? baseCommit = head is null ? null
            : remoteCommit is null ? head
            : git.TryRun(["merge-base", head, remoteCommit]) is { ExitCode: 0 } mb ? mb.Text : null;
        var remoteEntries = remoteCommit is null ? [] : git.Entries(remoteCommit);
        // Nothing of a tree that holds a link, a .git path, a path outside the layout or an oversized blob is taken.
        var treeRefusals = SyncTreePolicy.Check(remoteEntries, options.TreeLimits);
        if (treeRefusals.Count > 0)
        {
            throw new SyncRefusedException(treeRefusals);
        }
        var remoteTree = remoteEntries.ToDictionary(e => e.Path, e => e.Id, StringComparer.Ordinal);
        var baseTree = baseCommit is null ? new Dictionary<string, string>() : git.Tree(baseCommit);
        var trust = SyncTrustStore.Load(ws.Root);
        var tmpDir = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SyncTempFolder);
        Directory.CreateDirectory(tmpDir);

        // Which journals: the remote's and this replica's (roster first: incident signatures are checked against it).
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in remoteTree.Keys)
        {
            if (JournalIdOf(p) is { } id)
            {
                ids.Add(id);
            }
        }
        foreach (var (id, _) in LocalJournals(ws))
        {
            ids.Add(id);
        }
        var ordered = ids.OrderBy(i => i == Roster.JournalId ? 0 : 1).ThenBy(i => i, StringComparer.Ordinal).ToList();

        // Phase 1: verify every remote journal before anything here changes.
        var remoteCopies = new Dictionary<string, JournalCopy>(StringComparer.Ordinal);
        var refusals = new List<SyncRefusal>();
        string? remoteRosterFile = null;
        Roster? remoteRoster = null;
        try
        {
            foreach (var id in ordered)
            {
                var rel = WorkspaceLayout.JournalPath(id);
                if (!remoteTree.TryGetValue(rel, out var blob))
                {
                    continue;
                }
                var bytes = git.Blob(blob);
                var copy = JournalCopy.TryParse(bytes, out var problem, out var badLine);
                if (copy is null)
                {
                    refusals.Add(new SyncRefusal("SyncRemoteTampered", id, badLine, null, null, $"the remote copy is damaged: {problem}"));
                    continue;
                }
                var tmp = Path.Combine(tmpDir, $"remote-{id}-{Guid.NewGuid():N}.jsonl");
                File.WriteAllBytes(tmp, bytes);
                if (id == Roster.JournalId)
                {
                    remoteRosterFile = tmp;
                }
                // Entries up to the trusted head were verified when accepted; the chain proves the remote still has them.
                var trusted = trust.Get(SyncTrustStore.KeyFor(ws.WorkspaceId, id));
                long signaturesFrom = trusted is not null && trusted.Seq < copy.Count && copy.Hash((int)trusted.Seq) == trusted.Hash ? trusted.Seq + 1 : 0;
                var refusal = VerifyCopy(ws, id, copy, remoteRosterFile ?? Path.Combine(tmpDir, "no-roster.jsonl"), tmp, signaturesFrom);
                if (id != Roster.JournalId)
                {
                    File.Delete(tmp);
                }
                if (refusal is not null)
                {
                    refusals.Add(refusal);
                    continue;
                }
                if (id == Roster.JournalId)
                {
                    remoteRoster = Roster.LoadFile(ws, tmp);
                }
                // The trust check against this replica's current journal (repeated under the lock before writing).
                var local = ReadLocal(ws, id, out _);
                if (local is not null && JournalMerge.Merge(id, local, copy, trust.Get(SyncTrustStore.KeyFor(ws.WorkspaceId, id))).Refusal is { } r)
                {
                    refusals.Add(r);
                    continue;
                }
                remoteCopies[id] = copy;
            }
        }
        finally
        {
            if (remoteRosterFile is not null)
            {
                File.Delete(remoteRosterFile);
            }
        }
        // Shared settings arrive only as decisions: each governed file must be what the remote's own roster journal set.
        foreach (var file in Roster.GovernedFiles)
        {
            if (remoteTree.TryGetValue(file, out var blob) && baseTree.GetValueOrDefault(file) != blob && CheckGoverned(file, git.Blob(blob), remoteRoster) is { } bad)
            {
                refusals.Add(bad);
            }
        }
        foreach (var id in ordered)
        {
            var key = SyncTrustStore.KeyFor(ws.WorkspaceId, id);
            if (!remoteCopies.ContainsKey(id) && !refusals.Any(r => r.Journal == id) && trust.Get(key) is { } t)
            {
                refusals.Add(new SyncRefusal("SyncRemoteTruncated", id, t.Seq, t.Hash, null,
                    $"the remote no longer has this journal, but this replica accepted seq {t.Seq} of it"));
            }
        }
        if (refusals.Count > 0)
        {
            throw new SyncRefusedException(refusals);
        }

        // Phase 2: merge each journal under its lock and replace it atomically.
        foreach (var id in ordered)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var journal = new JournalFile(SyncTreePolicy.SafeTarget(ws.Root, WorkspaceLayout.JournalPath(id)));
            var key = SyncTrustStore.KeyFor(ws.WorkspaceId, id);
            remoteCopies.TryGetValue(id, out var remote);
            remote ??= JournalCopy.Empty;
            JournalMergeOutcome outcome;
            long localCount;
            bool changed;
            Directory.CreateDirectory(Path.GetDirectoryName(journal.Path)!);
            using (JournalLock.Acquire(journal.LockPath, options.LockTimeout, options.CancellationToken))
            {
                var local = ReadLocal(ws, id, out var localProblem);
                if (local is null)
                {
                    throw new SyncRefusedException([new SyncRefusal("SyncLocalDamaged", id, null, null, null,
                        $"this replica's journal is damaged ({localProblem}); run Test-DeirfJournal / Repair-DeirfJournal first")]);
                }
                localCount = local.Count;
                outcome = JournalMerge.Merge(id, local, remote, trust.Get(key));
                if (outcome.Refusal is { } refusal)
                {
                    throw new SyncRefusedException([refusal]);
                }
                changed = !outcome.Merged.AsSpan().SequenceEqual(local.Bytes);
                if (changed)
                {
                    if (outcome.Relinked > 0)
                    {
                        // Re-linked entries are checked like received ones: against the merged roster.
                        var tmp = Path.Combine(tmpDir, $"merged-{id}-{Guid.NewGuid():N}.jsonl");
                        File.WriteAllBytes(tmp, outcome.Merged);
                        try
                        {
                            var merged = JournalCopy.TryParse(outcome.Merged, out _, out _)!;
                            // The remote part was verified in phase 1; the re-linked entries follow it.
                            if (VerifyCopy(ws, id, merged, id == Roster.JournalId ? tmp : Roster.PathIn(ws), tmp, remote.Count) is { } bad)
                            {
                                throw new SyncRefusedException([bad with { ErrorId = "SyncLocalEntryInvalid", Reason = "a re-linked local entry does not verify: " + bad.Reason }]);
                            }
                        }
                        finally
                        {
                            File.Delete(tmp);
                        }
                    }
                    ReplaceJournal(ws, id, journal, outcome.Merged, outcome.MergedHead!, tmpDir, options);
                }
            }
            if (changed && Directory.Exists(JournalTree.DirectoryFor(journal)))
            {
                // The tree notices that its last leaf is gone and rebuilds from the merged journal.
                using var _ = JournalTree.Open(journal, options.CancellationToken);
            }
            if (remote.Head is { } rh)
            {
                trust.Accept(key, rh);
            }
            if (outcome.MergedHead is { } mh)
            {
                round.MergedHeads[key] = mh;
            }
            round.Received += outcome.Received;
            round.Relinked += outcome.Relinked;
            round.Duplicates += outcome.Duplicates;
            round.Journals.Add(new SyncedJournal(id, localCount, remote.Count, outcome.MergedHead is null ? 0 : outcome.MergedHead.Seq + 1,
                outcome.Received, outcome.Relinked, outcome.Duplicates));
            if (changed && id != Roster.JournalId)
            {
                // Reported once, by the sync that brought the two decisions together (not by every later sync).
                round.Conflicts.AddRange(FindConflicts(id, journal).Where(c => c.Seqs[^1] >= outcome.Common));
            }
        }
        trust.Save();

        // Phase 3: the other files, three ways; then checkpoints that no longer match their journal are set aside.
        MergeOtherFiles(ws, git, baseTree, remoteTree, round);
        FixCheckpoints(ws, git, remoteTree, round);
        return round;
    }

    private static SyncRefusal? CheckGoverned(string file, byte[] bytes, Roster? roster)
    {
        string sha;
        try
        {
            sha = Convert.ToHexString(SHA256.HashData(CanonicalJson.Serialize(JsonNode.Parse(bytes)!))).ToLowerInvariant();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return new SyncRefusal("SyncSettingsUnjournaled", file, null, null, null, "the remote's copy is not JSON");
        }
        var set = roster?.Settings.GetValueOrDefault(file);
        return set is null
            ? new SyncRefusal("SyncSettingsUnjournaled", file, null, null, sha, "no settings.set entry in the remote's roster journal set it: a committed file is not a decision")
            : set.Sha256 != sha
                ? new SyncRefusal("SyncSettingsUnjournaled", file, set.Seq, set.Sha256, sha, $"its content is not what ROSTER#{set.Seq} set (an edit, or an older version put back)")
                : null;
    }

    private static void SaveTrust(Workspace ws, IReadOnlyDictionary<string, HeadRecord> heads)
    {
        var trust = SyncTrustStore.Load(ws.Root);
        foreach (var (k, h) in heads)
        {
            trust.Accept(k, h);
        }
        try
        {
            trust.Save();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The journals are merged (and pushed when this follows a push); the trusted heads stay where they were, so
            // the next sync verifies from the older head again: slower, never less safe.
            throw new SyncException("SyncWriteFailed", DeirfErrorKind.WriteError,
                $"Saving the trusted heads failed ({ex.Message.TrimEnd('.')}); the journals are whole. Run Sync-DeirfWorkspace again.",
                SyncTrustStore.DirectoryName, ex);
        }
    }

    private static string EmailOf(string actor) => actor.Contains('@') ? actor : actor + "@deirf.invalid";


    private static IEnumerable<(string Id, string Path)> LocalJournals(Workspace ws)
    {
        var roster = Roster.PathIn(ws);
        if (File.Exists(roster))
        {
            yield return (Roster.JournalId, roster);
        }
        foreach (var id in ws.IncidentIds())
        {
            yield return (id, ws.JournalPathFor(id));
        }
    }

    private static JournalCopy? ReadLocal(Workspace ws, string id, out string? problem)
    {
        var path = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.JournalPath(id));
        problem = null;
        return File.Exists(path) ? JournalCopy.TryParse(File.ReadAllBytes(path), out problem, out _) : JournalCopy.Empty;
    }

    /// <summary>
    /// Verifies one copy as Test-DeirfJournal does: chain and canonical form, the incident it belongs to, this
    /// workspace's id in every statement, and the signatures against the roster copy given — of the entries from
    /// <paramref name="signaturesFrom"/> on. Entries before it are byte for byte (the chain proves it) ones this
    /// replica verified when it accepted them, or ones just verified in the remote's copy.
    /// </summary>
    /// <summary>
    /// Checks a received copy of one journal as a sync does (chain, workspace binding, strict signatures against the
    /// roster in <paramref name="rosterFile"/>, the roster's own governance): the refusal, or null when it would be
    /// accepted. The fuzz target "received-entries" drives this.
    /// </summary>
    public static SyncRefusal? VerifyReceived(Workspace ws, string id, byte[] bytes, string rosterFile)
    {
        var copy = JournalCopy.TryParse(bytes, out var problem, out var badLine);
        if (copy is null)
        {
            return new SyncRefusal("SyncRemoteTampered", id, badLine, null, null, $"the remote copy is damaged: {problem}");
        }
        var tmp = Path.Combine(Path.GetDirectoryName(rosterFile)!, $".received-{Guid.NewGuid():N}.jsonl");
        File.WriteAllBytes(tmp, bytes);
        try
        {
            return VerifyCopy(ws, id, copy, id == Roster.JournalId ? tmp : rosterFile, tmp);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    private static SyncRefusal? VerifyCopy(Workspace ws, string id, JournalCopy copy, string rosterFile, string copyFile, long signaturesFrom = 0)
    {
        var file = new JournalFile(copyFile);
        if (id == Roster.JournalId)
        {
            // The roster is folded from this very copy: its chain must hold before it is read.
            var chain = file.Verify(new JournalVerifyOptions { ExpectedIncident = id, UseHeadRecord = false });
            if (!chain.IsValid)
            {
                return new SyncRefusal("SyncRemoteTampered", id, chain.FirstBadSeq, null, SafeHash(copy, chain.FirstBadSeq), $"{chain.Fault}: {chain.Reason}");
            }
        }
        Roster roster;
        try
        {
            roster = Roster.LoadFile(ws, rosterFile);
        }
        catch (DeirfException ex)
        {
            return new SyncRefusal("SyncRemoteTampered", id, null, null, null, "the roster it is checked against does not load: " + ex.Message);
        }
        // Received entries are held to the strict rule: signed by a roster member with a proof in force at that point;
        // unsigned by someone who had a proof, or by someone nobody can vouch for, is refused (each with its own id).
        var checker = new ReceivedEntryChecker(new RosterSignatureChecker(roster, requireSignatures: true, rosterJournal: id == Roster.JournalId), signaturesFrom);
        // Every statement must name this workspace (WrongWorkspace: replayed from another one), as Test-DeirfJournal checks.
        var verdict = file.Verify(new JournalVerifyOptions { ExpectedIncident = id, ExpectedWorkspace = ws.WorkspaceId, UseHeadRecord = false, Signatures = checker });
        if (verdict.IsValid)
        {
            return null;
        }
        var errorId = verdict.Fault == JournalFault.SignatureInvalid && checker.Failure?.Code is { } code
            ? (code.StartsWith("Roster", StringComparison.Ordinal) ? "Sync" + code : "SyncEntry" + code.Replace("Entry", string.Empty, StringComparison.Ordinal))
            : "SyncRemoteTampered";
        return new SyncRefusal(errorId, id, verdict.FirstBadSeq, null, SafeHash(copy, verdict.FirstBadSeq), $"{verdict.Fault}: {verdict.Reason}");
    }

    /// <summary>Signatures are checked from a sequence number on (the chain proves the entries before it were accepted).</summary>
    private sealed class ReceivedEntryChecker(IEntrySignatureChecker signatures, long from) : IEntrySignatureChecker
    {
        /// <summary>The first failing finding (its code names the refusal).</summary>
        public SignatureFinding? Failure { get; private set; }

        public SignatureFinding? Check(long seq, ReadOnlySpan<byte> statement, ReadOnlySpan<byte> sigs)
        {
            var finding = seq < from ? null : signatures.Check(seq, statement, sigs);
            if (finding is { IsFailure: true })
            {
                Failure ??= finding;
            }
            return finding;
        }
    }

    private static string? SafeHash(JournalCopy copy, long? seq) => seq is { } s && s >= 0 && s < copy.Count ? copy.Hash((int)s) : null;

    /// <summary>
    /// Replaces a journal with its merged form, atomically: temp file fsynced, an intent recording the new head, a
    /// rename, the head record, then the intent removed. A crash leaves the old journal or the merged one, never a
    /// mix; a crash between the rename and the head record is finished by the next sync from the intent.
    /// </summary>
    private static void ReplaceJournal(Workspace ws, string id, JournalFile journal, byte[] merged, HeadRecord head, string tmpDir, SyncOptions options)
    {
        var tmp = Path.Combine(tmpDir, $"write-{id}-{Guid.NewGuid():N}.jsonl");
        var renamed = false;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(merged);
                DeIRF.Evidence.NativeFiles.FlushToDisk(fs);
            }
            var intent = PendingPath(ws, id);
            Directory.CreateDirectory(Path.GetDirectoryName(intent)!);
            File.WriteAllBytes(intent, CanonicalJson.Serialize(new JsonObject { ["hash"] = head.Hash, ["journal"] = WorkspaceLayout.JournalPath(id), ["seq"] = head.Seq }));
            File.Move(tmp, journal.Path, overwrite: true);
            renamed = true;
            Evidence.NativeFiles.FsyncDirectory(Path.GetDirectoryName(journal.Path)!);
            options.FaultPoint?.Invoke("after-rename");
            head.Write(journal.Path, durable: true);
            File.Delete(intent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Before the rename the journal is untouched; after it, the merged journal is whole and the intent file lets
            // the next sync finish its head record (RecoverPendingWrites). Either way nothing is torn.
            if (!renamed)
            {
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            throw new SyncException("SyncWriteFailed", DeirfErrorKind.WriteError,
                $"Writing the merged journal {WorkspaceLayout.JournalPath(id)} failed ({ex.Message.TrimEnd('.')}); the journal is {(renamed ? "merged and whole (the next sync completes its head record)" : "as it was")}. Nothing was pushed.",
                WorkspaceLayout.JournalPath(id), ex);
        }
    }

    private static string PendingPath(Workspace ws, string id) => WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.PendingWrite(id));

    /// <summary>Finishes journal replacements a crash interrupted: the head record follows the journal that is on disk.</summary>
    public static void RecoverPendingWrites(Workspace ws)
    {
        var dir = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.PendingWritesFolder);
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var intent in Directory.GetFiles(dir, "*.json"))
        {
            using (var doc = JsonDocument.Parse(File.ReadAllBytes(intent)))
            {
                var r = doc.RootElement;
                var journalPath = WorkspaceLayout.PathIn(ws.Root, r.GetProperty("journal").GetString()!);
                var head = new HeadRecord(r.GetProperty("seq").GetInt64(), r.GetProperty("hash").GetString()!);
                var journal = new JournalFile(journalPath);
                using (JournalLock.Acquire(journal.LockPath, TimeSpan.FromSeconds(30)))
                {
                    var copy = journal.Exists ? JournalCopy.TryParse(File.ReadAllBytes(journalPath), out _, out _) : null;
                    if (copy is not null && copy.Count > head.Seq && copy.Hash((int)head.Seq) == head.Hash)
                    {
                        // The rename happened; entries appended after it are covered by the append's own head record.
                        if (HeadRecord.TryRead(journalPath) is not { } h || h.Seq < head.Seq || copy.Count <= h.Seq || copy.Hash((int)h.Seq) != h.Hash)
                        {
                            head.Write(journalPath, durable: true);
                        }
                    }
                }
            }
            File.Delete(intent);
        }
    }

    /// <summary>Order-dependent facts recorded twice after a merge: a proposal consumed twice, an incident closed twice.</summary>
    public static IReadOnlyList<SyncConflict> FindConflicts(string id, JournalFile journal)
    {
        var consumed = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var closed = new List<long>();
        foreach (var e in journal.ReadEntries())
        {
            if (e.Kind == ProposalConsumed.KindName)
            {
                var p = EntryKinds.Text(e.Body, "proposal");
                (consumed.TryGetValue(p, out var l) ? l : consumed[p] = []).Add(e.Seq);
            }
            else if (e.Kind == IncidentClosed.KindName)
            {
                closed.Add(e.Seq);
            }
        }
        var conflicts = new List<SyncConflict>();
        foreach (var (p, seqs) in consumed.Where(kv => kv.Value.Count > 1).OrderBy(kv => kv.Value[0]))
        {
            conflicts.Add(new SyncConflict(id, "ProposalConsumedTwice", p, seqs,
                $"consumed {seqs.Count} times on replicas that were apart (the action may have run more than once); every replica's verdict reads the first, seq {seqs[0]}"));
        }
        if (closed.Count > 1)
        {
            conflicts.Add(new SyncConflict(id, "IncidentClosedTwice", id, closed,
                $"closed {closed.Count} times while apart; the incident is closed and its retrospective deadline runs from the last close in journal order (seq {closed[^1]})"));
        }
        return conflicts;
    }

    // ---------------------------------------------------------------- other files

    private static void MergeOtherFiles(Workspace ws, GitCli git, Dictionary<string, string> baseTree, Dictionary<string, string> remoteTree, Round round)
    {
        // Only layout paths take part: a file this replica keeps outside the layout is neither shared nor replaced.
        static bool Shared(string p) => JournalIdOf(p) is null && SyncTreePolicy.CheckPath(p) is null;
        var localFiles = GitCli.Split0(git.Run(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).Stdout)
            .Where(p => Shared(p) && File.Exists(WorkspaceLayout.PathIn(ws.Root, p))).Distinct(StringComparer.Ordinal).ToList();
        var localIds = git.HashObjects(localFiles);
        var local = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < localFiles.Count; i++)
        {
            local[localFiles[i]] = localIds[i];
        }
        var paths = new SortedSet<string>(baseTree.Keys.Concat(remoteTree.Keys).Concat(local.Keys).Where(Shared), StringComparer.Ordinal);
        foreach (var p in paths)
        {
            baseTree.TryGetValue(p, out var b);
            remoteTree.TryGetValue(p, out var r);
            local.TryGetValue(p, out var l);
            if (l == r || r == b)
            {
                continue; // same on both sides, or only this replica changed it
            }
            // Every step from the workspace root is a real folder: a write never follows a link in this replica.
            var full = SyncTreePolicy.SafeTarget(ws.Root, p);
            if (l == b)
            {
                // Only the remote changed it: take the remote's.
                if (r is null)
                {
                    File.Delete(full);
                }
                else
                {
                    WriteFile(ws.Root, p, git.Blob(r));
                }
                continue;
            }
            // Changed on both sides.
            if (WorkspaceLayout.IsCheckpointPath(p) && l is not null && r is not null && TryUnionCheckpoint(full, git.Blob(r)))
            {
                continue;
            }
            if (l is not null && r is not null && WorkspaceLayout.IsCheckpointPath(p))
            {
                continue; // different tree heads: FixCheckpoints keeps the one that matches the merged journal
            }
            if (l is not null)
            {
                var aside = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.ConflictCopy(p, DateTimeOffset.UtcNow));
                Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
                File.Copy(full, aside);
                round.FileConflicts.Add(p);
            }
            if (r is null)
            {
                continue; // the remote deleted a file this replica changed: keep this replica's copy
            }
            WriteFile(ws.Root, p, git.Blob(r));
        }
    }

    /// <summary>
    /// Stages the workspace for the sync commit: every change under the layout, never a replica-local path whatever
    /// the synced .gitignore says (exclude pathspecs win over its negations), and then takes out of the index anything
    /// the other replicas would refuse (a link, a path outside the layout). Returns what was left out.
    /// </summary>
    private static List<string> Stage(GitCli git)
    {
        git.Run(["add", "--all", "--", ".", .. SyncTreePolicy.ExcludePathspecs()]);
        var refused = new List<string>();
        foreach (var rec in GitCli.Split0(git.Run(["ls-files", "-z", "--stage"]).Stdout))
        {
            // "<mode> <id> <stage>\t<path>"
            int tab = rec.IndexOf('\t');
            var path = rec[(tab + 1)..];
            var mode = rec[..rec.IndexOf(' ')];
            if ((mode != "100644" && mode != "100755") || SyncTreePolicy.CheckPath(path) is not null)
            {
                refused.Add(path);
            }
        }
        if (refused.Count > 0)
        {
            git.Run(["rm", "--cached", "--quiet", "--ignore-unmatch", "--", .. refused.Select(p => ":(literal)" + p)]);
        }
        return refused;
    }

    /// <summary>Two copies of one checkpoint with the same tree head: one file with both sets of signatures.</summary>
    private static bool TryUnionCheckpoint(string localPath, byte[] remoteBytes)
    {
        try
        {
            var mine = Checkpoint.Load(localPath);
            var theirs = Checkpoint.Parse(Encoding.UTF8.GetString(remoteBytes));
            if (!mine.SameTreeHead(theirs))
            {
                return false;
            }
            foreach (var s in mine.Signatures)
            {
                if (!theirs.Signatures.Any(t => t.Name == s.Name && t.KeyId == s.KeyId))
                {
                    theirs = theirs.WithSignature(s);
                }
            }
            theirs.Save(localPath);
            return true;
        }
        catch (DeirfException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checkpoints that do not match the merged journal covered local entries that were re-linked: their roots are of
    /// a history that no longer exists anywhere. They are moved to .deirf-sync/superseded (kept, never pushed), or
    /// replaced by the remote's copy of that size when that one matches; they never travel as a fork.
    /// </summary>
    private static void FixCheckpoints(Workspace ws, GitCli git, Dictionary<string, string> remoteTree, Round round)
    {
        foreach (var id in ws.IncidentIds())
        {
            var dir = CheckpointLog.DirectoryFor(ws, id);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            var files = Directory.GetFiles(dir, "*" + CheckpointLog.Extension);
            if (files.Length == 0)
            {
                continue;
            }
            var copy = JournalCopy.TryParse(File.ReadAllBytes(ws.JournalPathFor(id)), out _, out _);
            if (copy is null)
            {
                continue;
            }
            var tree = new MerkleTree();
            for (int i = 0; i < copy.Count; i++)
            {
                tree.AppendEntryHash(Convert.FromHexString(copy.Hash(i)));
            }
            var origin = Checkpoint.OriginFor(ws.WorkspaceId, id);
            bool Matches(Checkpoint c) => c.Origin == origin && c.Size <= tree.Size && c.RootHash.AsSpan().SequenceEqual(tree.Root(c.Size));
            foreach (var file in files)
            {
                var rel = Path.GetRelativePath(ws.Root, file).Replace(Path.DirectorySeparatorChar, '/');
                Checkpoint? cp = null;
                try
                {
                    cp = Checkpoint.Load(file);
                }
                catch (DeirfException)
                {
                }
                if (cp is not null && Matches(cp))
                {
                    continue;
                }
                if (remoteTree.TryGetValue(rel, out var blob))
                {
                    var remoteBytes = git.Blob(blob);
                    Checkpoint? theirs = null;
                    try
                    {
                        theirs = Checkpoint.Parse(Encoding.UTF8.GetString(remoteBytes));
                    }
                    catch (DeirfException)
                    {
                    }
                    if (theirs is not null && Matches(theirs))
                    {
                        SetAside(ws, file, rel, round);
                        WriteFile(ws.Root, rel, remoteBytes);
                        continue;
                    }
                    if (File.ReadAllBytes(file).AsSpan().SequenceEqual(remoteBytes))
                    {
                        round.Conflicts.Add(new SyncConflict(id, "RemoteCheckpointMismatch", rel, [cp?.Size ?? -1],
                            "the remote's own checkpoint does not match the journal; left as it is for a person to look at"));
                        continue;
                    }
                }
                SetAside(ws, file, rel, round);
            }
        }
    }

    private static void SetAside(Workspace ws, string file, string rel, Round round)
    {
        var aside = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SupersededCopy(rel, DateTimeOffset.UtcNow));
        Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
        File.Move(file, aside);
        round.Superseded.Add(rel);
    }

    /// <summary>
    /// Writes a layout file: no step of its path may be a link; the bytes go to a temp file created exclusively under
    /// a random name (never a planted one), then renamed over the target (a rename replaces a link, never follows it).
    /// </summary>
    private static void WriteFile(string root, string relative, byte[] bytes)
    {
        var path = SyncTreePolicy.SafeTarget(root, relative);
        if (File.Exists(path))
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
        AtomicFile.Write(path, bytes);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// Removes the lock files git leaves when it is killed mid-command (index.lock, HEAD.lock, packed-refs.lock,
    /// refs/**/*.lock): with them every later git command in the replica fails with "File exists". Called under the
    /// replica's sync lock, so a lock found here belongs to a sync that died; running git by hand in a workspace while
    /// Sync-DeirfWorkspace runs is not supported (docs/sync.md). Returns the removed paths, relative to .git.
    /// </summary>
    internal static IReadOnlyList<string> ClearStaleGitLocks(string root)
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

    public static bool IsRepository(string root)
        => Directory.Exists(WorkspaceLayout.PathIn(root, WorkspaceLayout.GitFolder)) || File.Exists(WorkspaceLayout.PathIn(root, WorkspaceLayout.GitFolder));

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
