using System.Diagnostics;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// One Sync-DeirfWorkspace of a replica, in rounds: fetch the remote's commit; decide — verify everything received
/// before anything here changes, then merge the journals (<see cref="JournalReconciler"/>), the other shared files
/// (<see cref="SharedFileMerger"/>) and the checkpoints (<see cref="CheckpointReconciler"/>); push — commit on top of
/// the remote commit (a fast-forward) and push. A push that lost a race to another replica starts a new round.
/// </summary>
internal sealed class SyncSession(Workspace ws, SyncOptions options)
{
    public SyncResult Run()
    {
        var sw = Stopwatch.StartNew();
        JournalFile.ValidateHandle(options.Actor);
        if (!ReplicaRepository.IsRepository(ws.Root))
        {
            throw new SyncException("SyncNotARepository", DeirfErrorKind.InvalidOperation,
                $"Workspace '{ws.Root}' is not a git repository. Share it first: Initialize-DeirfWorkspace -Path '{ws.Root}' -Remote <url>.", ws.Root);
        }
        ReplicaRepository.EnsureIgnored(ws.Root);
        // One sync at a time on a replica; under this lock, git lock files can only be left by an interrupted sync.
        var syncLock = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SyncLockFile);
        Directory.CreateDirectory(Path.GetDirectoryName(syncLock)!);
        using var held = JournalLock.Acquire(syncLock, options.LockTimeout, options.CancellationToken);
        var staleLocks = ReplicaRepository.ClearStaleGitLocks(ws.Root);
        JournalReconciler.RecoverPendingWrites(ws);
        var git = new GitCli(ws.Root);
        var current = git.TryRun(["symbolic-ref", "--short", "HEAD"]) is { ExitCode: 0 } b ? b.Text : null;
        var branch = options.Branch is null ? current ?? ReplicaRepository.DefaultBranch : ReplicaRepository.CheckBranchName(git, options.Branch);
        if (current is not null && current != branch)
        {
            // -Branch moves this replica onto that branch for good: the next sync without -Branch stays on it.
            git.Run(git.RevParse("HEAD") is null ? ["symbolic-ref", "HEAD", "refs/heads/" + branch] : ["branch", "-M", branch]);
        }
        var trackingRef = $"refs/remotes/{options.Remote}/{branch}";
        var totals = new Totals { StaleGitLocks = staleLocks };
        // Under require, a replica that could not sign its commit finds out before anything here changes.
        SigningKeyOrRefuse(Roster.Load(ws), out totals.Policy);
        for (int attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var fetch = git.TryRun(["fetch", "--quiet", "--no-tags", options.Remote, $"+refs/heads/{branch}:{trackingRef}"], cancellationToken: options.CancellationToken);
            if (fetch.ExitCode != 0 && !fetch.Stderr.Contains("couldn't find remote ref", StringComparison.OrdinalIgnoreCase))
            {
                throw new SyncException("SyncFetchFailed", DeirfErrorKind.ResourceUnavailable, $"git fetch {options.Remote} failed: {fetch.Stderr.Trim()}", options.Remote);
            }
            var remoteCommit = fetch.ExitCode == 0 ? git.RevParse(trackingRef) : null;
            var round = Reconcile(git, remoteCommit);
            totals.Add(round);
            options.FaultPoint?.Invoke("after-write");

            round.NotShared.AddRange(Stage(git));
            var tree = git.Text("write-tree");
            if (remoteCommit is not null && tree == git.Text("rev-parse", remoteCommit + "^{tree}"))
            {
                // Nothing of ours to push: this replica now equals the remote.
                git.Run(["update-ref", "HEAD", remoteCommit]);
                SaveTrust(round.MergedHeads);
                return totals.Result(ws, options, branch, pushed: false, remoteCommit, attempt, sw.Elapsed);
            }
            var message = $"deirf sync by {options.Actor}: {round.Received} received, {round.Relinked} re-linked, {round.Journals.Count} journals";
            var key = SigningKeyOrRefuse(Roster.Load(ws), out totals.Policy);
            bool gitSigns = key is not null && key.Kind == ProofKind.Ssh;
            var args = new List<string> { "-c", "user.name=" + options.Actor, "-c", "user.email=" + EmailOf(options.Actor) };
            if (gitSigns)
            {
                // git's own SSH signing (ssh-keygen -Y sign -n git -f <key file>): the key file is read by ssh-keygen
                // alone, never by git, and never appears anywhere but this path setting.
                args.AddRange(["-c", "gpg.format=ssh", "-c", "user.signingkey=" + key.KeyPath, "-c", "gpg.ssh.program=" + SignedHistory.SshKeygen()]);
            }
            args.AddRange(["commit-tree", gitSigns ? "-S" : "--no-gpg-sign", tree, "-m", message]);
            if (remoteCommit is not null)
            {
                args.Add("-p");
                args.Add(remoteCommit);
            }
            var made = git.TryRun(args);
            if (made.ExitCode != 0)
            {
                throw new SyncException(gitSigns ? "SyncCommitSigningFailed" : "GitFailed", DeirfErrorKind.InvalidOperation,
                    gitSigns ? $"Signing the sync commit with the SSH key of '{options.Actor}' ({key!.Fingerprint}, {key.KeyPath}) failed: {made.Stderr.Trim()} Nothing was pushed."
                        : $"git commit-tree failed (exit {made.ExitCode}): {made.Stderr.Trim()}",
                    gitSigns ? options.Actor : ws.Root);
            }
            totals.Signed = key is not null;
            var commit = key is not null && key.Kind == ProofKind.OpenPgp ? SignedCommits.SignOpenPgp(git, made.Text, key) : made.Text;
            git.Run(["update-ref", "HEAD", commit]);
            options.FaultPoint?.Invoke("after-commit");
            var push = git.TryRun(["push", "--porcelain", options.Remote, $"{commit}:refs/heads/{branch}"], cancellationToken: options.CancellationToken);
            if (push.ExitCode == 0)
            {
                git.TryRun(["update-ref", trackingRef, commit]);
                SaveTrust(round.MergedHeads);
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

    /// <summary>One fetch's worth of merging into the working tree: verify everything, then write.</summary>
    private SyncRound Reconcile(GitCli git, string? remoteCommit)
    {
        var round = new SyncRound();
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
        var replicaRoster = Roster.Load(ws);
        var journals = new JournalReconciler(ws, git, options);
        var ordered = journals.JournalsOf(remoteTree);

        // Phase 1: verify everything received before anything here changes: every remote journal, the shared settings
        // against the remote's own roster journal, and that no journal this replica trusts vanished.
        var refusals = new List<SyncRefusal>();
        var received = journals.VerifyReceived(ordered, remoteTree, refusals);
        SharedFileMerger.RefuseUnjournaledSettings(git, baseTree, remoteTree, received.RemoteRoster, refusals);
        journals.RefuseVanished(ordered, received, refusals);
        if (remoteCommit is not null && refusals.Count == 0)
        {
            // Signed history: every commit received, against the roster as of its parent (a prefix of the roster just verified).
            var accepted = received.Copies.GetValueOrDefault(Roster.JournalId)
                ?? (File.Exists(Roster.PathIn(ws)) ? JournalCopy.TryParse(File.ReadAllBytes(Roster.PathIn(ws)), out _, out _) : null) ?? JournalCopy.Empty;
            new SignedHistory(ws, git, WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SyncTempFolder), accepted, replicaRoster)
                .Check(head, remoteCommit, refusals, round.UnverifiedCommits);
        }
        if (refusals.Count > 0)
        {
            throw new SyncRefusedException(refusals);
        }

        // Phase 2: merge each journal under its lock and replace it atomically.
        journals.Merge(ordered, received, round);

        // Phase 3: the other files, three ways; then checkpoints that no longer match their journal are set aside.
        new SharedFileMerger(ws, git).Merge(baseTree, remoteTree, round);
        new CheckpointReconciler(ws, git).Reconcile(remoteTree, round);
        return round;
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

    private void SaveTrust(IReadOnlyDictionary<string, HeadRecord> heads)
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

    /// <summary>
    /// The key that signs this replica's sync commit: the one given, else the one configured for the actor, when it
    /// is an active SSH or OpenPGP proof of theirs on <paramref name="roster"/>. None under a require policy is refused
    /// (SyncCommitSigningKeyMissing): the other replicas would refuse the unsigned commit.
    /// </summary>
    private SigningKeySetting? SigningKeyOrRefuse(Roster roster, out CommitSignaturePolicy policy)
    {
        var key = options.SigningKey ?? SigningKeys.For(ws.WorkspaceId, options.Actor);
        string? why = key is null ? "no signing key is configured for them in this workspace"
            : key.Kind != ProofKind.Ssh && key.Kind != ProofKind.OpenPgp ? $"their signing key is {key.Kind}; sync commits are signed with SSH or OpenPGP keys"
            : roster.Find(options.Actor)?.FindProof(key.Fingerprint) is not { IsRevoked: false } ? $"their key {key.Fingerprint} is not an active proof of theirs on the roster"
            : null;
        policy = SyncPolicy.Of(roster).CommitSignatures;
        if (why is null)
        {
            return key;
        }
        if (policy == CommitSignaturePolicy.Require)
        {
            throw new SyncException("SyncCommitSigningKeyMissing", DeirfErrorKind.InvalidOperation,
                $"The workspace requires signed sync commits ({SyncPolicy.FileName}) and '{options.Actor}' cannot sign one: {why}. "
                + "Bind an SSH or OpenPGP key (Add-DeirfIdentityProof) and point Set-DeirfSigningKey at it. Nothing was pushed.", options.Actor);
        }
        return null;
    }

    private static string EmailOf(string actor) => actor.Contains('@') ? actor : actor + "@deirf.invalid";

    /// <summary>The rounds of one sync added up (a lost race re-runs a round).</summary>
    private sealed class Totals
    {
        public long Received, Relinked, Duplicates;
        public SyncRound? Last;
        public List<string> Superseded { get; } = [];
        public List<string> FileConflicts { get; } = [];
        public IReadOnlyList<string> StaleGitLocks { get; init; } = [];
        public List<SyncRefusal> Unverified { get; } = [];
        public bool Signed;
        public CommitSignaturePolicy Policy = CommitSignaturePolicy.Warn;

        public void Add(SyncRound r)
        {
            Received += r.Received;
            Relinked = r.Relinked; // re-linking again after a lost race is the same entries once more
            Duplicates += r.Duplicates;
            Superseded.AddRange(r.Superseded);
            FileConflicts.AddRange(r.FileConflicts);
            Unverified.AddRange(r.UnverifiedCommits.Where(u => !Unverified.Any(k => k.Commit == u.Commit)));
            Last = r;
        }

        public SyncResult Result(Workspace ws, SyncOptions o, string branch, bool pushed, string commit, int attempts, TimeSpan elapsed) => new()
        {
            Workspace = ws.Root, Remote = o.Remote, Branch = branch, JournalsChecked = Last!.Journals.Count,
            EntriesReceived = Received, EntriesRelinked = Relinked, DuplicatesDropped = Duplicates, Pushed = pushed, Commit = commit,
            Attempts = attempts, Conflicts = Last.Conflicts, CheckpointsSuperseded = Superseded, FileConflicts = FileConflicts,
            Journals = Last.Journals, Elapsed = elapsed, StaleGitLocksRemoved = StaleGitLocks, NotShared = Last.NotShared.Distinct(StringComparer.Ordinal).ToList(),
            CommitSigned = pushed && Signed, CommitSignatures = SyncPolicy.Name(Policy), UnverifiedCommits = Unverified,
        };
    }
}
