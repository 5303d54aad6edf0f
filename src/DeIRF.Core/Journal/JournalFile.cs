using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Evidence;
using DeIRF.Journal.Kinds;

namespace DeIRF.Journal;

/// <summary>What a caller wants appended: the journal fills in incident, workspace, time and chain fields.</summary>
public sealed record StatementDraft(string Kind, string Actor, JsonObject Body)
{
    /// <summary>When the event happened; defaults to the clock at append time.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>A draft of a typed body (<see cref="IEntryBody"/>): its kind and the members it writes.</summary>
    public static StatementDraft Of(string actor, IEntryBody body) => new(body.Kind, actor, body.ToBody());
}

/// <summary>Signs the canonical statement bytes of an entry; returns the signature object stored in "sigs".</summary>
public interface IStatementSigner
{
    /// <summary>The signature over the statement bytes; null when this signer does not sign this statement.</summary>
    JsonObject? Sign(ReadOnlySpan<byte> statement);
}

public sealed record JournalAppendOptions
{
    public static readonly JournalAppendOptions Default = new();

    /// <summary>fsync after the write (default). Batched appends fsync once at the end.</summary>
    public bool Durable { get; init; } = true;

    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public IReadOnlyList<IStatementSigner> Signers { get; init; } = [];

    public CancellationToken CancellationToken { get; init; }

    /// <summary>The checkpoint policy to apply after entries are durably appended and the journal lock released.</summary>
    public Checkpoints.AutomaticCheckpoints? Checkpoints { get; init; }

    /// <summary>Test seam for fault injection: wraps the journal stream a write goes through.</summary>
    internal Func<Stream, Stream>? WrapStream { get; init; }
}

/// <summary>Checks the signatures of one entry. Returns null when all is well.</summary>
public interface IEntrySignatureChecker
{
    SignatureFinding? Check(long seq, ReadOnlySpan<byte> statement, ReadOnlySpan<byte> signatures);
}

/// <summary>A signature problem: a failure makes the journal invalid at that entry; otherwise it is a warning.</summary>
/// <param name="Code">What kind of finding (EntryUnsigned, ActorUnknown, RosterChangeUnapproved, …): the sync names its refusal after it.</param>
public sealed record SignatureFinding(bool IsFailure, string Reason, string? Code = null);

/// <summary>The verdict on a journal: valid, or the first bad entry with its sequence, line and reason.</summary>
public sealed class JournalVerdict
{
    public string Path { get; init; } = string.Empty;
    public string? Incident { get; init; }
    public bool IsValid { get; init; }

    /// <summary>Whole, valid entries before the first fault (all of them when valid).</summary>
    public long EntryCount { get; init; }
    public long? HeadSeq { get; init; }
    public string? HeadHash { get; init; }
    public JournalFault Fault { get; init; }
    public long? FirstBadSeq { get; init; }
    public long? FirstBadLine { get; init; }
    public string? Reason { get; init; }

    /// <summary>The file ends in a partial line (a crash mid-write), reported apart from tampering.</summary>
    public bool IsTornTail { get; init; }
    public long TornOffset { get; init; }
    public long TornBytes { get; init; }
    public long BytesVerified { get; init; }
    public TimeSpan Elapsed { get; init; }

    /// <summary>Entries checked for signatures, and how many carried at least one valid signature.</summary>
    public long SignedEntries { get; init; }

    /// <summary>Things worth a look that do not make the journal invalid (e.g. unsigned entries by responders who have proofs).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>With -Checkpoint: whether this journal extends that checkpoint, and whether its tree agrees with the chain.</summary>
    public Checkpoints.CheckpointConsistency? Checkpoint { get; init; }

    /// <summary>A copy of this verdict made invalid by a checkpoint finding (the chain itself may be sound).</summary>
    internal JournalVerdict WithCheckpoint(Checkpoints.CheckpointConsistency check) => new()
    {
        Path = Path, Incident = Incident, EntryCount = EntryCount, HeadSeq = HeadSeq, HeadHash = HeadHash,
        IsTornTail = IsTornTail, TornOffset = TornOffset, TornBytes = TornBytes, BytesVerified = BytesVerified, Elapsed = Elapsed,
        SignedEntries = SignedEntries, Warnings = Warnings, Checkpoint = check,
        IsValid = IsValid && check.IsConsistent,
        Fault = !IsValid ? Fault : check.IsConsistent ? JournalFault.None : JournalFault.CheckpointMismatch,
        FirstBadSeq = !IsValid ? FirstBadSeq : check.FirstBadSeq,
        FirstBadLine = !IsValid ? FirstBadLine : null,
        Reason = !IsValid ? Reason : check.Reason,
    };

    public override string ToString() => IsValid
        ? $"{Path}: valid, {EntryCount} entries, head {HeadSeq} {HeadHash}"
        : $"{Path}: INVALID at seq {FirstBadSeq} (line {FirstBadLine}): {Fault}: {Reason}";
}

public sealed class JournalVerifyOptions
{
    public string? ExpectedIncident { get; init; }

    /// <summary>Every statement must name this workspace id (WrongWorkspace otherwise). Null: not checked (a journal handed over alone).</summary>
    public string? ExpectedWorkspace { get; init; }

    /// <summary>Check against the head record beside the journal (default true).</summary>
    public bool UseHeadRecord { get; init; } = true;

    /// <summary>Called now and then with the bytes verified so far.</summary>
    public Action<long, long>? Progress { get; init; }

    /// <summary>Checks each entry's signatures (against the roster as it was at that entry). Null: the chain only.</summary>
    public IEntrySignatureChecker? Signatures { get; init; }

    /// <summary>Called in order with each accepted entry's seq and stored hash (64 hex bytes): checkpoints rebuild the tree from it.</summary>
    public EntryObserver? OnEntry { get; init; }

    public CancellationToken CancellationToken { get; init; }
}

/// <summary>Sees each entry the verifier accepted, in order.</summary>
public delegate void EntryObserver(long seq, ReadOnlySpan<byte> hashHex);

/// <summary>What a repair did: where the torn bytes went and what remains.</summary>
public sealed class JournalRepairResult
{
    public string Path { get; init; } = string.Empty;
    public long TornBytes { get; init; }
    public string? SideFile { get; init; }
    public long EntryCount { get; init; }
    public bool Changed { get; init; }
}

/// <summary>
/// One hash-chained JSON-lines journal file. Appends hold an OS-level lock, write each line with one write call,
/// fsync by default, and find the head by reading only the tail, so their cost does not grow with the journal.
/// </summary>
public sealed class JournalFile
{
    public JournalFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }
    public string LockPath => Path + ".lock";
    public string HeadPath => HeadRecord.PathFor(Path);
    public bool Exists => File.Exists(Path);

    /// <summary>Creates the journal with its genesis entry. Fails if a non-empty journal is already there.</summary>
    public JournalEntry CreateGenesis(string workspaceId, string incident, StatementDraft draft, JournalAppendOptions? options = null)
    {
        options ??= JournalAppendOptions.Default;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var _ = JournalLock.Acquire(LockPath, options.LockTimeout, options.CancellationToken);
        using var fs = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        if (fs.Length != 0)
        {
            throw new DeirfException("IncidentAlreadyExists", DeirfErrorKind.AlreadyExists, $"Journal '{Path}' already exists.", incident);
        }
        var entries = WriteEntries(fs, workspaceId, incident, -1, JournalLine.GenesisPrev, [draft], options);
        return entries[0];
    }

    /// <summary>Appends one statement (durable unless the options say otherwise).</summary>
    public JournalEntry Append(StatementDraft draft, JournalAppendOptions? options = null) => AppendBatch([draft], options)[0];

    /// <summary>Appends several statements under one lock with one fsync at the end.</summary>
    public IReadOnlyList<JournalEntry> AppendBatch(IReadOnlyList<StatementDraft> drafts, JournalAppendOptions? options = null)
    {
        options ??= JournalAppendOptions.Default;
        if (drafts.Count == 0)
        {
            return [];
        }
        IReadOnlyList<JournalEntry> written;
        using (JournalLock.Acquire(LockPath, options.LockTimeout, options.CancellationToken))
        {
            if (!File.Exists(Path))
            {
                throw new DeirfException("JournalNotFound", DeirfErrorKind.NotFound, $"Journal '{Path}' does not exist.", Path);
            }
            using var fs = OpenForAppend();
            var tail = ReadTail(fs);
            RefuseIfChangedBehindOurBack(tail, options.CancellationToken);
            written = WriteEntries(fs, tail.WorkspaceId, tail.Incident, tail.Seq, tail.Hash, drafts, options);
        }
        options.Checkpoints?.After(this, written);
        return written;
    }

    /// <summary>
    /// Refuses to chain onto a journal the readers would refuse (a line edited, entries cut). The full check is O(n), so
    /// it runs only when the file is not as DeIRF last left it: the head record's stamp (size, mtime, inode, ctime)
    /// and tail (seq, hash) must both match, else the whole journal is verified first. Nothing is written on refusal.
    /// </summary>
    private void RefuseIfChangedBehindOurBack(Tail tail, CancellationToken cancellationToken)
    {
        HeadRecord? head;
        JournalStamp? stamp;
        try
        {
            head = HeadRecord.TryReadWithStamp(Path, out stamp);
        }
        catch (JournalCorruptException)
        {
            head = null; // the verifier below reports the unreadable head record itself
            stamp = null;
        }
        if (head is not null && stamp is not null && head.Seq == tail.Seq && head.Hash == tail.Hash && stamp.Matches(JournalStamp.Of(Path)))
        {
            return;
        }
        JournalVerdict verdict;
        try
        {
            verdict = new JournalVerifier(Path, new JournalVerifyOptions { ExpectedIncident = tail.Incident, CancellationToken = cancellationToken }).Run();
        }
        catch (IOException ex)
        {
            // The file could not be read back to check it: as any other I/O failure of an append, nothing was written.
            throw new JournalWriteFailedException(Path, rolledBack: true, ex);
        }
        if (!verdict.IsValid)
        {
            throw new JournalCorruptException(Path, verdict.Fault,
                $"Journal '{Path}' changed since DeIRF last wrote it and does not verify ({verdict.Fault} at seq {verdict.FirstBadSeq}, line {verdict.FirstBadLine}: {verdict.Reason}); refusing to append. Nothing was written. Run Test-DeirfJournal.");
        }
    }

    /// <summary>
    /// Check-then-append under the journal lock: <paramref name="decide"/> reads the journal (no other writer can
    /// append meanwhile) and returns the statement to append, or throws to refuse. Used where a second writer must
    /// see the first one's entry (a quorum proposal is consumed exactly once).
    /// </summary>
    public IReadOnlyList<JournalEntry> AppendChecked(Func<IReadOnlyList<StatementDraft>> decide, JournalAppendOptions? options = null)
    {
        options ??= JournalAppendOptions.Default;
        IReadOnlyList<JournalEntry> written;
        using (JournalLock.Acquire(LockPath, options.LockTimeout, options.CancellationToken))
        {
            if (!File.Exists(Path))
            {
                throw new DeirfException("JournalNotFound", DeirfErrorKind.NotFound, $"Journal '{Path}' does not exist.", Path);
            }
            using var fs = OpenForAppend();
            var tail = ReadTail(fs);
            RefuseIfChangedBehindOurBack(tail, options.CancellationToken);
            var drafts = decide();
            if (drafts.Count == 0)
            {
                return [];
            }
            written = WriteEntries(fs, tail.WorkspaceId, tail.Incident, tail.Seq, tail.Hash, drafts, options);
        }
        options.Checkpoints?.After(this, written);
        return written;
    }

    /// <summary>Opens the journal to append; a file system failure here is JournalWriteFailed (nothing was written).</summary>
    private FileStream OpenForAppend()
    {
        try
        {
            return new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JournalWriteFailedException(Path, rolledBack: true, ex);
        }
    }

    private IReadOnlyList<JournalEntry> WriteEntries(FileStream fs, string workspaceId, string incident, long lastSeq, string lastHash,
        IReadOnlyList<StatementDraft> drafts, JournalAppendOptions options)
    {
        var results = new List<JournalEntry>(drafts.Count);
        var buffer = new ArrayBufferWriter<byte>(4096);
        var stream = options.WrapStream?.Invoke(fs) ?? fs;
        long start = fs.Seek(0, SeekOrigin.End);
        long seq = lastSeq;
        string prev = lastHash;
        try
        {
            foreach (var draft in drafts)
            {
                options.CancellationToken.ThrowIfCancellationRequested();
                seq++;
                var line = Compose(workspaceId, incident, seq, prev, draft, options, out var hash);
                buffer.Clear();
                buffer.Write(line);
                buffer.Write("\n"u8);
                // One write call per line: a crash leaves a prefix of this line at worst, never an interleaving.
                stream.Write(buffer.WrittenSpan);
                var fault = JournalLine.TryParse(line, out var fields, out var reason);
                Debug.Assert(fault == JournalFault.None, reason);
                results.Add(JournalEntry.FromVerifiedLine(line, fields, 0, Path));
                prev = hash;
            }
            stream.Flush();
            if (options.Durable)
            {
                NativeFiles.FlushToDisk(fs);
            }
            new HeadRecord(seq, prev).Write(Path, options.Durable);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing of this call was acknowledged: take back whatever reached the file (we still hold the lock), so a
            // failed append leaves the journal as it was, not with a torn or unacknowledged tail.
            throw new JournalWriteFailedException(Path, RollBack(fs, start), ex);
        }
        return results;
    }

    /// <summary>Truncates the journal back to <paramref name="length"/> after a failed write; false if that failed too.</summary>
    private static bool RollBack(FileStream fs, long length)
    {
        try
        {
            fs.SetLength(length);
            NativeFiles.FlushToDisk(fs);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Builds the canonical line (without LF) for one entry and returns its hash.</summary>
    internal static byte[] Compose(string workspaceId, string incident, long seq, string prev, StatementDraft draft, JournalAppendOptions options, out string hash)
    {
        EntryKinds.Validate(draft.Kind, draft.Body);
        ValidateHandle(draft.Actor);
        var statement = new JsonObject
        {
            ["actor"] = draft.Actor,
            ["body"] = draft.Body.DeepClone(),
            ["incident"] = incident,
            ["kind"] = draft.Kind,
            ["ts"] = Timestamps.ToJournal(draft.Timestamp ?? options.Clock.GetUtcNow()),
            ["v"] = 1,
            ["ws"] = workspaceId,
        };
        var statementBytes = CanonicalJson.Serialize(statement);
        var sigs = new JsonArray();
        foreach (var signer in options.Signers)
        {
            if (signer.Sign(statementBytes) is { } sig)
            {
                sigs.Add(sig);
            }
        }
        var unhashed = new JsonObject
        {
            ["prev"] = prev,
            ["seq"] = seq,
            ["sigs"] = sigs,
            ["stmt"] = statement,
        };
        return WithHash(CanonicalJson.Serialize(unhashed), out hash);
    }

    /// <summary>The stored line for the canonical entry without its hash: the hash computed and put first.</summary>
    internal static byte[] WithHash(ReadOnlySpan<byte> unhashedBytes, out string hash)
    {
        hash = JournalLine.HashOfUnhashed(unhashedBytes);
        // Canonical order puts "hash" first: the stored line is '{"hash":"…",' followed by the rest.
        var prefix = Encoding.ASCII.GetBytes("{\"hash\":\"" + hash + "\",");
        var line = new byte[prefix.Length + unhashedBytes.Length - 1];
        prefix.CopyTo(line, 0);
        unhashedBytes[1..].CopyTo(line.AsSpan(prefix.Length));
        return line;
    }

    /// <summary>Responder handles: 1–64 characters, no whitespace or control characters.</summary>
    public static void ValidateHandle(string handle)
    {
        if (string.IsNullOrWhiteSpace(handle) || handle.Length > 64 || handle.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new InvalidStatementException("statement", "actor",
                $"'{handle}' is not a valid responder handle (1–64 characters, no spaces or control characters).", handle);
        }
    }

    private readonly record struct Tail(long Seq, string Hash, string Incident, string WorkspaceId);

    /// <summary>Finds the last entry by reading backwards from the end: constant cost in the journal's length.</summary>
    private Tail ReadTail(FileStream fs)
    {
        long length = fs.Length;
        if (length == 0)
        {
            throw new JournalCorruptException(Path, JournalFault.Truncated, $"Journal '{Path}' is empty: it has no genesis entry.");
        }
        var one = new byte[1];
        fs.Seek(length - 1, SeekOrigin.Begin);
        fs.ReadExactly(one);
        if (one[0] != (byte)'\n')
        {
            long lineStart = FindLineStart(fs, length);
            throw new JournalTornTailException(Path, lineStart, length - lineStart);
        }
        long start = FindLineStart(fs, length - 1);
        var line = new byte[length - 1 - start];
        fs.Seek(start, SeekOrigin.Begin);
        fs.ReadExactly(line);
        var fault = JournalLine.TryParse(line, out var f, out var reason);
        if (fault != JournalFault.None)
        {
            throw new JournalCorruptException(Path, fault, $"The last entry of '{Path}' is damaged ({fault}: {reason}); refusing to append. Run Test-DeirfJournal.");
        }
        using var stmt = JsonDocument.Parse(line.AsMemory(f.Statement.Start, f.Statement.Length));
        return new Tail(f.Seq, Encoding.ASCII.GetString(line, f.Hash.Start, f.Hash.Length),
            Encoding.UTF8.GetString(line, f.Incident.Start, f.Incident.Length),
            stmt.RootElement.TryGetProperty("ws", out var ws) ? ws.GetString() ?? string.Empty : string.Empty);
    }

    /// <summary>Offset just after the last LF before <paramref name="end"/> (0 if none).</summary>
    private static long FindLineStart(FileStream fs, long end)
    {
        var chunk = new byte[8192];
        long pos = end;
        while (pos > 0)
        {
            int n = (int)Math.Min(chunk.Length, pos);
            fs.Seek(pos - n, SeekOrigin.Begin);
            fs.ReadExactly(chunk, 0, n);
            int idx = Array.LastIndexOf(chunk, (byte)'\n', n - 1, n);
            if (idx >= 0)
            {
                return pos - n + idx + 1;
            }
            pos -= n;
        }
        return 0;
    }

    /// <summary>Verifies the whole journal by streaming it in constant memory.</summary>
    public JournalVerdict Verify(JournalVerifyOptions? options = null)
    {
        if (!File.Exists(Path))
        {
            throw new DeirfException("JournalNotFound", DeirfErrorKind.NotFound, $"Journal '{Path}' does not exist.", Path);
        }
        return new JournalVerifier(Path, options ?? new JournalVerifyOptions()).Run();
    }

    /// <summary>
    /// Streams the entries. A line that does not parse, or that does not link to the one before it (its seq is not the
    /// next, or its prev is not that entry's hash: a line removed, reordered or spliced in from another journal), ends
    /// the stream with a <see cref="JournalCorruptException"/> (<see cref="JournalFault.SequenceGap"/>,
    /// <see cref="JournalFault.BrokenLink"/>), as <see cref="Verify"/> reports it: no reader folds a broken chain.
    /// </summary>
    public IEnumerable<JournalEntry> ReadEntries(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            throw new DeirfException("JournalNotFound", DeirfErrorKind.NotFound, $"Journal '{Path}' does not exist.", Path);
        }
        using var reader = new JournalLineReader(Path);
        var expectedSeq = 0L;
        var prev = JournalLine.GenesisPrev;
        while (reader.TryReadLine(out var mem, out var terminated))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!terminated)
            {
                throw new JournalTornTailException(Path, reader.LineOffset, mem.Length);
            }
            var fault = JournalLine.TryParse(mem.Span, out var f, out var reason);
            if (fault != JournalFault.None)
            {
                throw new JournalCorruptException(Path, fault, $"Line {reader.LineNumber} of '{Path}' is not a valid entry ({fault}: {reason}).");
            }
            var entry = JournalEntry.FromVerifiedLine(mem.Span, f, reader.LineNumber, Path);
            if (entry.Seq != expectedSeq)
            {
                throw new JournalCorruptException(Path, JournalFault.SequenceGap,
                    $"Line {reader.LineNumber} of '{Path}' is entry {entry.Seq} where entry {expectedSeq} belongs: the chain breaks (run Test-DeirfJournal).");
            }
            if (!string.Equals(entry.Prev, prev, StringComparison.Ordinal))
            {
                throw new JournalCorruptException(Path, JournalFault.BrokenLink,
                    $"Entry {entry.Seq} (line {reader.LineNumber}) of '{Path}' does not link to the hash of entry {expectedSeq - 1}: the chain breaks (run Test-DeirfJournal).");
            }
            prev = entry.Hash;
            expectedSeq++;
            yield return entry;
        }
    }

    /// <summary>
    /// Moves a torn tail into a side file (<c>journal.jsonl.torn-&lt;UTC time&gt;</c>, fsynced first) and truncates the
    /// journal to its last whole entry. Refuses any other damage: that is evidence, not a crash.
    /// </summary>
    public JournalRepairResult Repair(JournalAppendOptions? options = null)
    {
        options ??= JournalAppendOptions.Default;
        using var _ = JournalLock.Acquire(LockPath, options.LockTimeout, options.CancellationToken);
        var verdict = Verify();
        if (verdict.IsValid)
        {
            return new JournalRepairResult { Path = Path, EntryCount = verdict.EntryCount, Changed = false };
        }
        if (verdict.Fault != JournalFault.TornTail)
        {
            throw new JournalRepairRefusedException(Path, verdict);
        }
        var side = Path + ".torn-" + options.Clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            using var fs = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
            var torn = new byte[verdict.TornBytes];
            fs.Seek(verdict.TornOffset, SeekOrigin.Begin);
            fs.ReadExactly(torn);
            using (var sideStream = new FileStream(side, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                sideStream.Write(torn);
                NativeFiles.FlushToDisk(sideStream);
            }
            fs.SetLength(verdict.TornOffset);
            NativeFiles.FlushToDisk(fs);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The journal is cut only after the side file is durable, so a failure here loses no byte: at worst the
            // torn tail is still there (run Repair again) and a partial side file is left beside it.
            throw new JournalWriteFailedException(Path, rolledBack: true, ex, repairing: true);
        }
        return new JournalRepairResult { Path = Path, TornBytes = verdict.TornBytes, SideFile = side, EntryCount = verdict.EntryCount, Changed = true };
    }
}
