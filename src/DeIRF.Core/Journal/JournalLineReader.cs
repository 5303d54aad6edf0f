namespace DeIRF.Journal;

/// <summary>
/// Streams a journal file line by line in constant memory (a buffer that grows only to the longest line, up to
/// <see cref="MaxLineBytes"/>). The memory handed out is valid until the next call.
/// </summary>
internal sealed class JournalLineReader : IDisposable
{
    public const int MaxLineBytes = 16 * 1024 * 1024;
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;

    public JournalLineReader(string path, int bufferSize = 1 << 20, long startOffset = 0)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        // No bigger than the file (it grows if the file does): a 1 MiB buffer per small journal made a fold over
        // 10,000 incidents allocate 20 GB (the load test found it).
        _buffer = new byte[(int)Math.Clamp(_stream.Length - Math.Max(startOffset, 0) + 1, 4096, Math.Max(bufferSize, 4096))];
        if (startOffset > 0)
        {
            // Checkpoints resume where the tree stopped: lines from here on, positions still counted from the file start.
            _stream.Seek(startOffset, SeekOrigin.Begin);
            Position = startOffset;
            LineOffset = startOffset;
        }
    }

    /// <summary>
    /// Reads lines of a journal already in memory (a received copy): the memory handed out is a slice of
    /// <paramref name="bytes"/> itself, and <see cref="LineOffset"/> is its offset there. No line-length cap: the
    /// bytes are all read already.
    /// </summary>
    public JournalLineReader(byte[] bytes)
    {
        _stream = new MemoryStream(bytes, writable: false);
        _buffer = bytes;
        _end = bytes.Length;
        _eof = true;
    }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>File offset of the start of the line last returned.</summary>
    public long LineOffset { get; private set; }

    /// <summary>Bytes handed out so far, including LFs.</summary>
    public long Position { get; private set; }

    public long Length => _stream.Length;

    /// <summary>
    /// Reads the next line without its LF. <paramref name="terminated"/> is false only for a final line with no LF
    /// (a torn tail). Returns false at the end of the file.
    /// </summary>
    public bool TryReadLine(out Memory<byte> line, out bool terminated)
    {
        while (true)
        {
            int idx = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (idx >= 0)
            {
                line = _buffer.AsMemory(_start, idx - _start);
                terminated = true;
                Advance(idx + 1 - _start);
                _start = idx + 1;
                return true;
            }
            if (_eof)
            {
                if (_end > _start)
                {
                    line = _buffer.AsMemory(_start, _end - _start);
                    terminated = false;
                    Advance(_end - _start);
                    _start = _end;
                    return true;
                }
                line = default;
                terminated = true;
                return false;
            }
            Fill();
        }
    }

    private void Advance(int bytes)
    {
        LineNumber++;
        LineOffset = Position;
        Position += bytes;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineBytes)
            {
                throw new JournalCorruptException(_stream is FileStream fs ? fs.Name : "journal", JournalFault.EntryTooLarge,
                    $"Line {LineNumber + 1} is longer than {MaxLineBytes} bytes.");
            }
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes));
        }
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0)
        {
            _eof = true;
        }
        _end += n;
    }

    public void Dispose() => _stream.Dispose();
}
