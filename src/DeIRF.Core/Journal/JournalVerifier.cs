using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace DeIRF.Journal;

/// <summary>
/// Streams a journal in blocks of whole lines (constant memory), checks each line's canonical form and own hash in
/// parallel across cores, then walks the block in order for sequence, links, incident and the head record. The
/// verdict names the first bad entry exactly as a sequential check would.
/// </summary>
internal sealed class JournalVerifier
{
    private const int BlockSize = 4 << 20;
    private const int ParallelThreshold = 512;

    private readonly string _path;
    private readonly JournalVerifyOptions _options;
    private readonly byte[]? _workspaceTail;
    private readonly HeadRecord? _head;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly byte[] _lastHash = Encoding.ASCII.GetBytes(JournalLine.GenesisPrev);
    private byte[]? _incident;
    private string? _headHashSeen;
    private long _expectedSeq;
    private long _lineNumber;
    private long _position;
    private long _signed;
    private readonly List<string> _warnings = new();

    public JournalVerifier(string path, JournalVerifyOptions options)
    {
        _path = path;
        _options = options;
        _workspaceTail = options.ExpectedWorkspace is { } ws ? Encoding.UTF8.GetBytes(",\"ws\":\"" + ws + "\"}") : null;
        try
        {
            _head = options.UseHeadRecord ? HeadRecord.TryRead(path) : null;
        }
        catch (JournalCorruptException ex)
        {
            // Reported in the verdict after the chain is checked: the chain may still be fine.
            _headError = ex.Message;
        }
    }

    private readonly string? _headError;

    private struct LineResult
    {
        public JournalFault Fault;
        public JournalLineFields Fields;
        public string? Reason;
    }

    public JournalVerdict Run()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        long total = stream.Length;
        // No bigger than the file (it grows for a longer line, like the reader's): not 4 MiB per small journal.
        var buffer = new byte[(int)Math.Clamp(total + 1, 4096, BlockSize)];
        int filled = 0;
        var starts = new List<int>(16384);
        var lengths = new List<int>(16384);
        var results = ArrayPool<LineResult>.Shared.Rent(16384);
        try
        {
            while (true)
            {
                _options.CancellationToken.ThrowIfCancellationRequested();
                int n = stream.Read(buffer, filled, buffer.Length - filled);
                filled += n;
                bool eof = n == 0;
                int lastLf = filled == 0 ? -1 : Array.LastIndexOf(buffer, (byte)'\n', filled - 1, filled);
                if (lastLf < 0)
                {
                    if (eof)
                    {
                        return filled > 0 ? TornTail(filled) : Finish();
                    }
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= JournalLineReader.MaxLineBytes)
                        {
                            return Bad(JournalFault.EntryTooLarge, $"line {_lineNumber + 1} is longer than {JournalLineReader.MaxLineBytes} bytes", _lineNumber + 1);
                        }
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, JournalLineReader.MaxLineBytes));
                    }
                    continue;
                }

                starts.Clear();
                lengths.Clear();
                for (int s = 0; s <= lastLf;)
                {
                    int lf = Array.IndexOf(buffer, (byte)'\n', s, lastLf + 1 - s);
                    starts.Add(s);
                    lengths.Add(lf - s);
                    s = lf + 1;
                }
                int count = starts.Count;
                if (results.Length < count)
                {
                    ArrayPool<LineResult>.Shared.Return(results);
                    results = ArrayPool<LineResult>.Shared.Rent(count);
                }
                ParseAll(buffer, starts, lengths, results, count, _expectedSeq);
                for (int i = 0; i < count; i++)
                {
                    _lineNumber++;
                    var bad = Check(buffer.AsSpan(starts[i], lengths[i]), ref results[i], linkChecked: i > 0);
                    if (bad is not null)
                    {
                        return bad;
                    }
                    _position += lengths[i] + 1;
                }
                int rest = filled - (lastLf + 1);
                Buffer.BlockCopy(buffer, lastLf + 1, buffer, 0, rest);
                filled = rest;
                _options.Progress?.Invoke(_position, total);
                if (eof)
                {
                    return filled > 0 ? TornTail(filled) : Finish();
                }
            }
        }
        finally
        {
            ArrayPool<LineResult>.Shared.Return(results);
        }
    }

    private static void ParseAll(byte[] buffer, List<int> starts, List<int> lengths, LineResult[] results, int count, long baseSeq)
    {
        if (count < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            ParseRange(buffer, starts, lengths, results, 0, count, baseSeq);
            return;
        }
        // Parsing and hashing dominate and are independent per line; the ordered checks follow in one pass.
        int parts = Environment.ProcessorCount;
        int chunk = (count + parts - 1) / parts;
        Parallel.For(0, parts, p =>
        {
            int from = p * chunk;
            ParseRange(buffer, starts, lengths, results, from, Math.Min(count, from + chunk), baseSeq);
        });
    }

    /// <summary>
    /// Per-line checks that need no state beyond the block: own form and hash, sequence position, and the link to
    /// the line before in the same block (whose stored hash was just checked, or whose own fault comes first).
    /// </summary>
    private static void ParseRange(byte[] buffer, List<int> starts, List<int> lengths, LineResult[] results, int from, int to, long baseSeq)
    {
        const int hashOffset = 9; // {"hash":"
        for (int i = from; i < to; i++)
        {
            ref var r = ref results[i];
            var line = buffer.AsSpan(starts[i], lengths[i]);
            r.Fault = JournalLine.TryParse(line, out r.Fields, out r.Reason);
            if (r.Fault != JournalFault.None)
            {
                continue;
            }
            if (r.Fields.Seq != baseSeq + i)
            {
                r.Fault = JournalFault.SequenceGap;
                r.Reason = $"expected seq {baseSeq + i}, found {r.Fields.Seq}";
                continue;
            }
            if (i > 0 && lengths[i - 1] >= hashOffset + JournalLine.HashHexLength)
            {
                var prev = line.Slice(r.Fields.Prev.Start, r.Fields.Prev.Length);
                var before = buffer.AsSpan(starts[i - 1] + hashOffset, JournalLine.HashHexLength);
                if (!prev.SequenceEqual(before))
                {
                    r.Fault = JournalFault.BrokenLink;
                    r.Reason = $"prev {Encoding.ASCII.GetString(prev)} does not match the hash of entry {baseSeq + i - 1} ({Encoding.ASCII.GetString(before)})";
                }
            }
        }
    }

    /// <summary>The ordered checks for one line whose own parse result is known; null when it is fine.</summary>
    private JournalVerdict? Check(ReadOnlySpan<byte> line, ref LineResult r, bool linkChecked)
    {
        if (r.Fault != JournalFault.None)
        {
            return Bad(r.Fault, r.Reason ?? r.Fault.ToString(), _lineNumber);
        }
        ref var f = ref r.Fields;
        var prev = line.Slice(f.Prev.Start, f.Prev.Length);
        if (!linkChecked && !prev.SequenceEqual(_lastHash))
        {
            return Bad(JournalFault.BrokenLink, $"prev {Encoding.ASCII.GetString(prev)} does not match the hash of entry {_expectedSeq - 1} ({Encoding.ASCII.GetString(_lastHash)})", _lineNumber);
        }
        var inc = line.Slice(f.Incident.Start, f.Incident.Length);
        if (_incident is null)
        {
            _incident = inc.ToArray();
            if (_options.ExpectedIncident is not null && !inc.SequenceEqual(Encoding.UTF8.GetBytes(_options.ExpectedIncident)))
            {
                return Bad(JournalFault.WrongIncident, $"genesis names incident '{Encoding.UTF8.GetString(inc)}', expected '{_options.ExpectedIncident}'", _lineNumber);
            }
        }
        else if (!inc.SequenceEqual(_incident))
        {
            return Bad(JournalFault.WrongIncident, $"entry names incident '{Encoding.UTF8.GetString(inc)}', the journal is '{Encoding.UTF8.GetString(_incident)}'", _lineNumber);
        }
        if (_workspaceTail is not null && !line.Slice(f.Statement.Start, f.Statement.Length).EndsWith(_workspaceTail))
        {
            // "ws" sorts last among the v1 statement members and the line passed the canonical check: the statement ends so.
            return Bad(JournalFault.WrongWorkspace, $"the statement does not name this workspace ({_options.ExpectedWorkspace}): an entry replayed from another workspace", _lineNumber);
        }
        if (_options.Signatures is { } checker)
        {
            var finding = checker.Check(f.Seq, line.Slice(f.Statement.Start, f.Statement.Length), line.Slice(f.Signatures.Start, f.Signatures.Length));
            if (finding is { IsFailure: true })
            {
                return Bad(JournalFault.SignatureInvalid, finding.Reason, _lineNumber);
            }
            if (finding is { IsFailure: false } && _warnings.Count < 100)
            {
                _warnings.Add($"seq {f.Seq}: {finding.Reason}");
            }
            if (f.Signatures.Length > 2)
            {
                _signed++; // "[]" is unsigned; a failing signature has returned above
            }
        }
        line.Slice(f.Hash.Start, f.Hash.Length).CopyTo(_lastHash);
        _options.OnEntry?.Invoke(f.Seq, _lastHash);
        if (_head is not null && f.Seq == _head.Seq)
        {
            _headHashSeen = Encoding.ASCII.GetString(_lastHash);
        }
        _expectedSeq++;
        return null;
    }

    private JournalVerdict TornTail(int tornBytes)
    {
        _lineNumber++;
        string why = $"the file ends in a partial line of {tornBytes} byte(s) with no LF: a write was interrupted";
        if (_head is not null && _head.Seq >= _expectedSeq)
        {
            return Bad(JournalFault.Truncated, $"entry {_expectedSeq} was acknowledged (head record seq {_head.Seq}) but is now torn: the file was cut; {why}",
                _lineNumber, torn: true, tornBytes);
        }
        return Bad(JournalFault.TornTail, why, _lineNumber, torn: true, tornBytes);
    }

    private JournalVerdict Finish()
    {
        if (_expectedSeq == 0)
        {
            return Bad(JournalFault.Truncated, "the journal is empty: no genesis entry", 1);
        }
        if (_headError is not null)
        {
            return Bad(JournalFault.HeadRecordInvalid, _headError + " The chain itself verified; delete the head record only if you trust this copy.", _lineNumber + 1);
        }
        if (_head is not null)
        {
            if (_head.Seq >= _expectedSeq)
            {
                return Bad(JournalFault.Truncated, $"the head record says entry {_head.Seq} was appended, but the journal ends at {_expectedSeq - 1}: entries were cut from the end", _lineNumber + 1);
            }
            if (_headHashSeen != _head.Hash)
            {
                return new JournalVerdict
                {
                    Path = _path, Incident = IncidentName, IsValid = false, EntryCount = _expectedSeq,
                    HeadSeq = _expectedSeq - 1, HeadHash = Encoding.ASCII.GetString(_lastHash), Fault = JournalFault.HashMismatch,
                    FirstBadSeq = _head.Seq, Reason = $"entry {_head.Seq} has hash {_headHashSeen}, but {_head.Hash} was recorded when it was appended: history was rewritten",
                    BytesVerified = _position, Elapsed = _clock.Elapsed,
                };
            }
        }
        return new JournalVerdict
        {
            Path = _path,
            Incident = IncidentName,
            IsValid = true,
            EntryCount = _expectedSeq,
            HeadSeq = _expectedSeq - 1,
            HeadHash = Encoding.ASCII.GetString(_lastHash),
            Fault = JournalFault.None,
            BytesVerified = _position,
            Elapsed = _clock.Elapsed,
            SignedEntries = _signed,
            Warnings = _warnings.ToArray(),
        };
    }

    private string? IncidentName => _incident is null ? _options.ExpectedIncident : Encoding.UTF8.GetString(_incident);

    private JournalVerdict Bad(JournalFault fault, string reason, long line, bool torn = false, long tornBytes = 0) => new()
    {
        Path = _path,
        Incident = IncidentName,
        IsValid = false,
        EntryCount = _expectedSeq,
        HeadSeq = _expectedSeq > 0 ? _expectedSeq - 1 : null,
        HeadHash = _expectedSeq > 0 ? Encoding.ASCII.GetString(_lastHash) : null,
        Fault = fault,
        FirstBadSeq = _expectedSeq,
        FirstBadLine = line,
        Reason = reason,
        IsTornTail = torn,
        TornOffset = torn ? _position : 0,
        TornBytes = tornBytes,
        BytesVerified = _position,
        Elapsed = _clock.Elapsed,
        SignedEntries = _signed,
        Warnings = _warnings.ToArray(),
    };
}
