using System.Buffers.Binary;
using System.Globalization;
using DeIRF.Workspaces;

namespace DeIRF.Checkpoints;

/// <summary>
/// The read side of C2SP tlog-tiles for one journal: its Merkle tree as static files a mirror, monitor or witness can
/// fetch from any web server or object store — the checkpoint at the root, hash tiles "tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]"
/// (256 hashes of level-8L nodes each, a partial tile of W &lt; 256 at the right edge), and entry bundles
/// "tile/entries/&lt;N&gt;[.p/&lt;W&gt;]". A journal's tlog entry is the 32-byte entry hash (its leaf is SHA-256(0x00 ‖
/// entry hash), as the tree and the tlog-proof files have it): the bundles let anyone rebuild and check the tree;
/// the lines themselves stay in the journal, whose hashes they are.
/// </summary>
public static class TlogTiles
{
    public const int Width = 256;

    /// <summary>The tile index as C2SP writes it: groups of three digits, every group but the last prefixed "x".</summary>
    public static string EncodeIndex(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var groups = new List<string>();
        do
        {
            groups.Insert(0, (n % 1000).ToString("000", CultureInfo.InvariantCulture));
            n /= 1000;
        }
        while (n > 0);
        return string.Join('/', groups.Select((g, i) => i < groups.Count - 1 ? "x" + g : g));
    }

    /// <summary>The path of tile (level, index) of width <paramref name="width"/> (256: a full tile).</summary>
    public static string TilePath(int level, long index, int width)
        => $"tile/{level.ToString(CultureInfo.InvariantCulture)}/{EncodeIndex(index)}{(width == Width ? "" : ".p/" + width.ToString(CultureInfo.InvariantCulture))}";

    public static string EntriesPath(long index, int width)
        => $"tile/entries/{EncodeIndex(index)}{(width == Width ? "" : ".p/" + width.ToString(CultureInfo.InvariantCulture))}";

    /// <summary>
    /// Writes the checkpoint and every tile of its tree size under <paramref name="folder"/>: full tiles once (they
    /// never change; an existing one is kept when its bytes are the same and refused when not), the partial tiles of
    /// this size. The checkpoint must be this journal's tree at its size. Returns the relative paths written.
    /// </summary>
    public static IReadOnlyList<string> Export(Workspace ws, string incident, Checkpoint checkpoint, string folder, CancellationToken cancellationToken = default)
    {
        var journal = ws.JournalOf(incident);
        using var tree = JournalTree.Open(journal, cancellationToken);
        long size = checkpoint.Size;
        if (checkpoint.Origin != Checkpoint.OriginFor(ws.WorkspaceId, incident))
        {
            throw new CheckpointException("CheckpointOriginMismatch", DeirfErrorKind.InvalidArgument, $"The checkpoint is for '{checkpoint.Origin}', not this journal.", checkpoint.Origin);
        }
        if (size < 1 || size > tree.Size || !tree.Tree.Root(size).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                $"The checkpoint of size {size} is not a state of this journal ({tree.Size} entries): no tiles are written for it.", checkpoint.Origin);
        }
        var written = new List<string>();
        var levels = tree.Tree.Levels;
        var hash = new byte[32];
        for (int level = 0; ; level++)
        {
            int height = 8 * level;
            long nodes = size >> height;   // complete nodes of that height in a tree of this size
            if (nodes == 0 || height >= levels.Count)
            {
                break;
            }
            for (long n = 0; n * Width < nodes; n++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int width = (int)Math.Min(Width, nodes - n * Width);
                var tile = new byte[width * 32];
                for (int j = 0; j < width; j++)
                {
                    levels[height].Read(n * Width + j, hash);
                    hash.CopyTo(tile, j * 32);
                }
                written.AddRange(Put(folder, TilePath(level, n, width), tile));
            }
        }
        // Entry bundles: uint16 big-endian length, then the entry (the 32-byte entry hash), per leaf.
        var bundle = new MemoryStream();
        long seq = 0;
        foreach (var entry in journal.ReadEntries(cancellationToken))
        {
            if (seq >= size)
            {
                break;
            }
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(len, 32);
            bundle.Write(len);
            bundle.Write(Convert.FromHexString(entry.Hash));
            seq++;
            if (seq % Width == 0 || seq == size)
            {
                int width = (int)(seq % Width == 0 ? Width : seq % Width);
                written.AddRange(Put(folder, EntriesPath((seq - 1) / Width, width), bundle.ToArray()));
                bundle.SetLength(0);
            }
        }
        File.WriteAllText(Path.Combine(folder, "checkpoint"), checkpoint.Text);
        written.Add("checkpoint");
        return written;
    }

    private static IEnumerable<string> Put(string folder, string relative, byte[] bytes)
    {
        var path = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
        if (File.Exists(path))
        {
            if (File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            {
                yield break;   // a full tile never changes; the same partial tile again is the same file
            }
            if (!relative.Contains(".p/", StringComparison.Ordinal))
            {
                throw new CheckpointException("TileConflict", DeirfErrorKind.SecurityError,
                    $"The tile {relative} in '{folder}' holds other hashes than this journal's: tiles of another history are never overwritten.", path);
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, bytes);
        yield return relative;
    }
}

/// <summary>What Export-DeirfTiles wrote: the tree size served, and the files written (unchanged full tiles are not rewritten).</summary>
public sealed record TileExport(string Incident, string Origin, long Size, string Path, IReadOnlyList<string> Written)
{
    public int FileCount => Written.Count;
}
