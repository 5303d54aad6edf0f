using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Evidence;
using DeIRF.Journal;

namespace DeIRF.Checkpoints;

/// <summary>A level stored in a file of 32-byte records (tree/level-NN.bin next to the journal).</summary>
internal sealed class FileHashLevel : IHashLevel, IDisposable
{
    private readonly FileStream _fs;

    public FileHashLevel(string path, long count)
    {
        _fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        if (_fs.Length < count * 32)
        {
            throw new InvalidDataException($"{path} holds {_fs.Length / 32} hashes, the tree state says {count}");
        }
        // Bytes beyond the recorded count are a crash's leftovers: the state file is written last.
        _fs.SetLength(count * 32);
        Count = count;
    }

    public long Count { get; private set; }

    public void Read(long index, Span<byte> destination)
    {
        if (index < 0 || index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }
        _fs.Position = index * 32;
        _fs.ReadExactly(destination[..32]);
    }

    public void Append(ReadOnlySpan<byte> hash)
    {
        // Moving the position flushes the write buffer: only move it after a read.
        if (_fs.Position != Count * 32)
        {
            _fs.Position = Count * 32;
        }
        _fs.Write(hash[..32]);
        Count++;
    }

    public void Flush() => NativeFiles.FlushToDisk(_fs);

    public void Dispose() => _fs.Dispose();
}

/// <summary>
/// The Merkle tree of one journal, kept next to it in tree/ (level files and state.json: size, the hash of the last
/// leaf's entry and the byte offset after it), so the next checkpoint reads and hashes only the entries appended
/// since. The tree is replica-local derived data: anything odd about it is a reason to rebuild it from the journal,
/// never to trust it over the journal (Test-DeirfJournal -Checkpoint compares the two leaf by leaf).
/// </summary>
public sealed class JournalTree : IDisposable
{
    private readonly List<FileHashLevel> _files = [];

    private JournalTree(JournalFile journal, string directory)
    {
        Journal = journal;
        Directory = directory;
    }

    public JournalFile Journal { get; }
    public string Directory { get; }
    public MerkleTree Tree { get; private set; } = new();
    public long Size => Tree.Size;

    /// <summary>Byte offset in the journal just after the last entry in the tree.</summary>
    public long Offset { get; private set; }

    /// <summary>The hash (hex) of the last entry in the tree; null when empty.</summary>
    public string? LastEntryHash { get; private set; }

    /// <summary>True when the stored tree could not be used and was rebuilt from the journal.</summary>
    public bool Rebuilt { get; private set; }

    public static string DirectoryFor(JournalFile journal) => Path.Combine(Path.GetDirectoryName(journal.Path)!, Workspaces.WorkspaceLayout.TreeFolderName);

    private string StatePath => Path.Combine(Directory, "state.json");
    private string OffsetsPath => Path.Combine(Directory, "offsets.bin");
    private FileStream? _offsets;
    private string LevelPath(int level) => Path.Combine(Directory, $"level-{level:00}.bin");

    /// <summary>
    /// Opens the journal's tree and brings it up to the journal's last whole entry, under the tree's lock. The caller
    /// disposes it (which releases the lock).
    /// </summary>
    public static JournalTree Open(JournalFile journal, CancellationToken cancellationToken = default)
    {
        if (!journal.Exists)
        {
            throw new DeirfException("JournalNotFound", DeirfErrorKind.NotFound, $"Journal '{journal.Path}' does not exist.", journal.Path);
        }
        var dir = DirectoryFor(journal);
        System.IO.Directory.CreateDirectory(dir);
        var tree = new JournalTree(journal, dir);
        tree._lock = JournalLock.Acquire(Path.Combine(dir, "tree.lock"), TimeSpan.FromSeconds(60), cancellationToken);
        try
        {
            tree.LoadOrReset();
            tree.CatchUp(cancellationToken);
            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    private IDisposable? _lock;

    private void LoadOrReset()
    {
        try
        {
            if (File.Exists(StatePath))
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(StatePath));
                var root = doc.RootElement;
                long size = root.GetProperty("size").GetInt64();
                long offset = root.GetProperty("offset").GetInt64();
                string? last = size > 0 ? root.GetProperty("entry").GetString() : null;
                var levels = new List<IHashLevel>();
                for (int level = 0; level == 0 || (size >> level) > 0; level++)
                {
                    var f = new FileHashLevel(LevelPath(level), size >> level);
                    _files.Add(f);
                    levels.Add(f);
                }
                var tree = new MerkleTree(NewLevel, levels);
                _offsets = new FileStream(OffsetsPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
                if (_offsets.Length < size * 8)
                {
                    throw new InvalidDataException("the entry offsets are shorter than the tree");
                }
                _offsets.SetLength(size * 8);
                if (size > 0 && !LastLineBefore(offset).SequenceEqual(Merkle.LeafHashOfHex(last!)) || size > 0 && !tree.Leaf(size - 1).AsSpan().SequenceEqual(Merkle.LeafHashOfHex(last!)))
                {
                    throw new InvalidDataException("the journal no longer has the entry the tree ends with");
                }
                Tree = tree;
                Offset = offset;
                LastEntryHash = last;
                return;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            Rebuilt = true;
        }
        Reset();
    }

    private void Reset()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
        _files.Clear();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "level-*.bin"))
        {
            File.Delete(file);
        }
        _offsets?.Dispose();
        _offsets = new FileStream(OffsetsPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        Tree = new MerkleTree(NewLevel, []);
        Offset = 0;
        LastEntryHash = null;
    }

    private IHashLevel NewLevel(int level)
    {
        var f = new FileHashLevel(LevelPath(level), 0);
        _files.Add(f);
        return f;
    }

    /// <summary>The leaf hash of the entry whose line ends just before <paramref name="offset"/> (its LF at offset-1).</summary>
    private byte[] LastLineBefore(long offset)
    {
        using var fs = new FileStream(Journal.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (offset < 2 || offset > fs.Length)
        {
            throw new InvalidDataException("the tree's offset is outside the journal");
        }
        // The canonical line starts '{"hash":"<64 hex>"': find the line start by scanning back from its LF.
        long end = offset - 1;
        var one = new byte[1];
        fs.Position = end;
        fs.ReadExactly(one);
        if (one[0] != (byte)'\n')
        {
            throw new InvalidDataException("the tree's offset is not at a line end");
        }
        long pos = end;
        var chunk = new byte[8192];
        long start = 0;
        while (pos > 0)
        {
            int n = (int)Math.Min(chunk.Length, pos);
            fs.Position = pos - n;
            fs.ReadExactly(chunk, 0, n);
            int idx = Array.LastIndexOf(chunk, (byte)'\n', n - 1, n);
            if (idx >= 0)
            {
                start = pos - n + idx + 1;
                break;
            }
            pos -= n;
        }
        var line = new byte[end - start];
        fs.Position = start;
        fs.ReadExactly(line);
        if (JournalLine.TryParse(line, out var f, out _) != JournalFault.None)
        {
            throw new InvalidDataException("the entry the tree ends with is damaged");
        }
        return Merkle.LeafHash(Convert.FromHexString(Encoding.ASCII.GetString(line, f.Hash.Start, f.Hash.Length)));
    }

    /// <summary>Adds the entries appended since the last update (a torn last line is left out), then saves the state.</summary>
    private void CatchUp(CancellationToken cancellationToken)
    {
        using (var reader = new JournalLineReader(Journal.Path, 1 << 20, Offset))
        {
            Span<byte> hash = stackalloc byte[32];
            Span<byte> off = stackalloc byte[8];
            Span<byte> lastHex = stackalloc byte[64];
            if (LastEntryHash is not null)
            {
                Encoding.ASCII.GetBytes(LastEntryHash, lastHex);
            }
            while (reader.TryReadLine(out var mem, out var terminated))
            {
                if (!terminated)
                {
                    break;
                }
                if ((Tree.Size & 0xFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                var line = mem.Span;
                var fault = JournalLine.TryParse(line, out var f, out var reason);
                if (fault != JournalFault.None)
                {
                    throw new JournalCorruptException(Journal.Path, fault, $"Entry {Tree.Size} of '{Journal.Path}' is not valid ({fault}: {reason}); no checkpoint covers a damaged journal. Run Test-DeirfJournal.");
                }
                if (f.Seq != Tree.Size)
                {
                    throw new JournalCorruptException(Journal.Path, JournalFault.SequenceGap, $"Entry at offset {reader.LineOffset} of '{Journal.Path}' has seq {f.Seq}, expected {Tree.Size}. Run Test-DeirfJournal.");
                }
                var hex = line.Slice(f.Hash.Start, f.Hash.Length);
                if (Tree.Size > 0 && !line.Slice(f.Prev.Start, f.Prev.Length).SequenceEqual(lastHex))
                {
                    throw new JournalCorruptException(Journal.Path, JournalFault.BrokenLink, $"Entry {f.Seq} of '{Journal.Path}' does not link to entry {f.Seq - 1}. Run Test-DeirfJournal.");
                }
                for (int i = 0; i < 32; i++)
                {
                    hash[i] = (byte)((Nibble(hex[2 * i]) << 4) | Nibble(hex[2 * i + 1]));
                }
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(off, reader.LineOffset);
                if (_offsets!.Position != Tree.Size * 8)
                {
                    _offsets.Position = Tree.Size * 8;
                }
                _offsets.Write(off);
                Tree.AppendEntryHash(hash);
                hex.CopyTo(lastHex);
                Offset = reader.Position;
            }
            if (Tree.Size > 0)
            {
                LastEntryHash = Encoding.ASCII.GetString(lastHex);
            }
        }
        Save();
    }

    private static int Nibble(byte c) => c <= '9' ? c - '0' : c - 'a' + 10; // TryParse checked: lowercase hex

    private void Save()
    {
        foreach (var f in _files)
        {
            f.Flush();
        }
        NativeFiles.FlushToDisk(_offsets!);
        var state = new JsonObject { ["entry"] = LastEntryHash ?? string.Empty, ["offset"] = Offset, ["size"] = Size };
        Workspaces.AtomicFile.Write(StatePath, CanonicalJson.Serialize(state));
    }

    /// <summary>The raw line (without LF) of entry <paramref name="seq"/>, read from the journal at its recorded offset (for proof files).</summary>
    public byte[] EntryLine(long seq)
    {
        if (seq < 0 || seq >= Size)
        {
            throw new CheckpointException("EntryNotInTree", DeirfErrorKind.NotFound, $"Entry {seq} is not in the journal (it has {Size} entries).", seq);
        }
        Span<byte> off = stackalloc byte[8];
        _offsets!.Position = seq * 8;
        _offsets.ReadExactly(off);
        using var reader = new JournalLineReader(Journal.Path, 1 << 16, System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(off));
        if (!reader.TryReadLine(out var mem, out _))
        {
            throw new CheckpointException("EntryNotInTree", DeirfErrorKind.NotFound, $"Entry {seq} is not in the journal.", seq);
        }
        var line = mem.ToArray();
        // The offset index is derived data: the line found there must be that entry, and a leaf of this tree.
        if (JournalLine.TryParse(line, out var f, out _) != JournalFault.None || f.Seq != seq
            || !Merkle.LeafHashOfHex(Encoding.ASCII.GetString(line, f.Hash.Start, f.Hash.Length)).AsSpan().SequenceEqual(Tree.Leaf(seq)))
        {
            throw new CheckpointException("TreeDisagrees", DeirfErrorKind.InvalidData,
                $"Entry {seq} of the journal does not match its tree (delete '{Directory}' to rebuild it, and run Test-DeirfJournal).", seq);
        }
        return line;
    }

    public void Dispose()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
        _files.Clear();
        _offsets?.Dispose();
        _offsets = null;
        _lock?.Dispose();
        _lock = null;
    }
}
