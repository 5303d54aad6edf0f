using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Checkpoints;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// The journals of one sync round. Every copy the remote sent is verified before anything here changes (each line's
/// own form, the chain, this workspace's id, strict signatures against the remote's own roster, and the head this
/// replica trusts); then each journal is merged under its lock — this replica's unpushed entries re-linked after the
/// remote's (<see cref="JournalMerge"/>) — and replaced atomically. Journals are never merged by git.
/// </summary>
internal sealed class JournalReconciler
{
    private readonly Workspace _ws;
    private readonly GitCli _git;
    private readonly SyncOptions _options;
    private readonly SyncTrustStore _trust;
    private readonly string _tmpDir;

    public JournalReconciler(Workspace ws, GitCli git, SyncOptions options)
    {
        _ws = ws;
        _git = git;
        _options = options;
        _trust = SyncTrustStore.Load(ws.Root);
        _tmpDir = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SyncTempFolder);
        Directory.CreateDirectory(_tmpDir);
    }

    /// <summary>The remote copies that verified, and the remote's roster they were checked against.</summary>
    public sealed record Received(IReadOnlyDictionary<string, JournalCopy> Copies, Roster? RemoteRoster);

    /// <summary>Which journals: the remote's and this replica's (roster first: incident signatures are checked against it).</summary>
    public IReadOnlyList<string> JournalsOf(IReadOnlyDictionary<string, string> remoteTree)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in remoteTree.Keys)
        {
            if (WorkspaceLayout.JournalIdOf(p) is { } id)
            {
                ids.Add(id);
            }
        }
        foreach (var (id, _) in LocalJournals(_ws))
        {
            ids.Add(id);
        }
        return ids.OrderBy(i => i == Roster.JournalId ? 0 : 1).ThenBy(i => i, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Phase 1: verifies every remote journal before anything here changes; what fails goes to
    /// <paramref name="refusals"/> (one per journal), what passes is returned.
    /// </summary>
    public Received VerifyReceived(IReadOnlyList<string> ordered, IReadOnlyDictionary<string, string> remoteTree, List<SyncRefusal> refusals)
    {
        var remoteCopies = new Dictionary<string, JournalCopy>(StringComparer.Ordinal);
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
                var bytes = _git.Blob(blob);
                var copy = JournalCopy.TryParse(bytes, out var problem, out var badLine);
                if (copy is null)
                {
                    refusals.Add(new SyncRefusal("SyncRemoteTampered", id, badLine, null, null, $"the remote copy is damaged: {problem}"));
                    continue;
                }
                var tmp = Path.Combine(_tmpDir, $"remote-{id}-{Guid.NewGuid():N}.jsonl");
                File.WriteAllBytes(tmp, bytes);
                if (id == Roster.JournalId)
                {
                    remoteRosterFile = tmp;
                }
                // Entries up to the trusted head were verified when accepted; the chain proves the remote still has them.
                var trusted = _trust.Get(SyncTrustStore.KeyFor(_ws.WorkspaceId, id));
                long signaturesFrom = trusted is not null && trusted.Seq < copy.Count && copy.Hash((int)trusted.Seq) == trusted.Hash ? trusted.Seq + 1 : 0;
                var refusal = Verify(_ws, id, copy, remoteRosterFile ?? Path.Combine(_tmpDir, "no-roster.jsonl"), tmp, signaturesFrom);
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
                    remoteRoster = Roster.LoadFile(_ws, tmp);
                }
                // The trust check against this replica's current journal (repeated under the lock before writing).
                var local = ReadLocal(_ws, id, out _);
                if (local is not null && JournalMerge.Merge(id, local, copy, _trust.Get(SyncTrustStore.KeyFor(_ws.WorkspaceId, id))).Refusal is { } r)
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
        return new Received(remoteCopies, remoteRoster);
    }

    /// <summary>Refuses the remote when a journal this replica accepted is gone from it (and nothing else refused that journal).</summary>
    public void RefuseVanished(IReadOnlyList<string> ordered, Received received, List<SyncRefusal> refusals)
    {
        foreach (var id in ordered)
        {
            var key = SyncTrustStore.KeyFor(_ws.WorkspaceId, id);
            if (!received.Copies.ContainsKey(id) && !refusals.Any(r => r.Journal == id) && _trust.Get(key) is { } t)
            {
                refusals.Add(new SyncRefusal("SyncRemoteTruncated", id, t.Seq, t.Hash, null,
                    $"the remote no longer has this journal, but this replica accepted seq {t.Seq} of it"));
            }
        }
    }

    /// <summary>
    /// Phase 2: merges each journal under its lock and replaces it atomically; the remote heads become trusted, the
    /// merged heads and what was received, re-linked and dropped go to <paramref name="round"/>.
    /// </summary>
    public void Merge(IReadOnlyList<string> ordered, Received received, SyncRound round)
    {
        foreach (var id in ordered)
        {
            _options.CancellationToken.ThrowIfCancellationRequested();
            var journal = new JournalFile(SyncTreePolicy.SafeTarget(_ws.Root, WorkspaceLayout.JournalPath(id)));
            var key = SyncTrustStore.KeyFor(_ws.WorkspaceId, id);
            received.Copies.TryGetValue(id, out var remote);
            remote ??= JournalCopy.Empty;
            JournalMergeOutcome outcome;
            long localCount;
            bool changed;
            Directory.CreateDirectory(Path.GetDirectoryName(journal.Path)!);
            using (JournalLock.Acquire(journal.LockPath, _options.LockTimeout, _options.CancellationToken))
            {
                var local = ReadLocal(_ws, id, out var localProblem);
                if (local is null)
                {
                    throw new SyncRefusedException([new SyncRefusal("SyncLocalDamaged", id, null, null, null,
                        $"this replica's journal is damaged ({localProblem}); run Test-DeirfJournal / Repair-DeirfJournal first")]);
                }
                localCount = local.Count;
                outcome = JournalMerge.Merge(id, local, remote, _trust.Get(key));
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
                        var tmp = Path.Combine(_tmpDir, $"merged-{id}-{Guid.NewGuid():N}.jsonl");
                        File.WriteAllBytes(tmp, outcome.Merged);
                        try
                        {
                            var merged = JournalCopy.TryParse(outcome.Merged, out _, out _)!;
                            // The remote part was verified in phase 1; the re-linked entries follow it.
                            if (Verify(_ws, id, merged, id == Roster.JournalId ? tmp : Roster.PathIn(_ws), tmp, remote.Count) is { } bad)
                            {
                                throw new SyncRefusedException([bad with { ErrorId = "SyncLocalEntryInvalid", Reason = "a re-linked local entry does not verify: " + bad.Reason }]);
                            }
                        }
                        finally
                        {
                            File.Delete(tmp);
                        }
                    }
                    ReplaceJournal(id, journal, outcome.Merged, outcome.MergedHead!);
                }
            }
            if (changed && Directory.Exists(JournalTree.DirectoryFor(journal)))
            {
                // The tree notices that its last leaf is gone and rebuilds from the merged journal.
                using var _ = JournalTree.Open(journal, _options.CancellationToken);
            }
            if (remote.Head is { } rh)
            {
                _trust.Accept(key, rh);
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
        _trust.Save();
    }

    /// <summary>This replica's journals: the roster when it has one, then every incident's.</summary>
    public static IEnumerable<(string Id, string Path)> LocalJournals(Workspace ws)
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
            return Verify(ws, id, copy, id == Roster.JournalId ? tmp : rosterFile, tmp);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>
    /// Verifies one copy as Test-DeirfJournal does: chain and canonical form, the incident it belongs to, this
    /// workspace's id in every statement, and the signatures against the roster copy given — of the entries from
    /// <paramref name="signaturesFrom"/> on. Entries before it are byte for byte (the chain proves it) ones this
    /// replica verified when it accepted them, or ones just verified in the remote's copy.
    /// </summary>
    public static SyncRefusal? Verify(Workspace ws, string id, JournalCopy copy, string rosterFile, string copyFile, long signaturesFrom = 0)
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
    private void ReplaceJournal(string id, JournalFile journal, byte[] merged, HeadRecord head)
    {
        var tmp = Path.Combine(_tmpDir, $"write-{id}-{Guid.NewGuid():N}.jsonl");
        var renamed = false;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(merged);
                Evidence.NativeFiles.FlushToDisk(fs);
            }
            var intent = WorkspaceLayout.PathIn(_ws.Root, WorkspaceLayout.PendingWrite(id));
            Directory.CreateDirectory(Path.GetDirectoryName(intent)!);
            File.WriteAllBytes(intent, CanonicalJson.Serialize(new JsonObject { ["hash"] = head.Hash, ["journal"] = WorkspaceLayout.JournalPath(id), ["seq"] = head.Seq }));
            File.Move(tmp, journal.Path, overwrite: true);
            renamed = true;
            Evidence.NativeFiles.FsyncDirectory(Path.GetDirectoryName(journal.Path)!);
            _options.FaultPoint?.Invoke("after-rename");
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
}
