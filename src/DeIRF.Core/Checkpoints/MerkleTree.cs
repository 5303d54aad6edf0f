namespace DeIRF.Checkpoints;

/// <summary>One level of a tree: an append-only array of 32-byte hashes (level 0: leaves; level k: complete 2^k subtrees).</summary>
public interface IHashLevel
{
    long Count { get; }
    void Read(long index, Span<byte> destination);
    void Append(ReadOnlySpan<byte> hash);
}

/// <summary>A level kept in memory (tests, benchmarks, a verifier's fresh tree).</summary>
public sealed class MemoryHashLevel : IHashLevel
{
    private byte[] _data = new byte[32 * 64];

    public long Count { get; private set; }

    public void Read(long index, Span<byte> destination)
    {
        if (index < 0 || index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }
        _data.AsSpan((int)(index * 32), 32).CopyTo(destination);
    }

    public void Append(ReadOnlySpan<byte> hash)
    {
        if ((Count + 1) * 32 > _data.Length)
        {
            Array.Resize(ref _data, _data.Length * 2);
        }
        hash.CopyTo(_data.AsSpan((int)(Count * 32)));
        Count++;
    }
}

/// <summary>
/// An RFC 6962 tree that grows by appending leaves and keeps every complete subtree's hash, level by level: appending
/// costs O(1) amortised hashes, a root or a proof at any size up to <see cref="Size"/> costs O(log n) reads. This is
/// what makes a checkpoint of a 1,000,000-entry journal O(new entries) rather than a recomputation.
/// </summary>
public sealed class MerkleTree
{
    private readonly List<IHashLevel> _levels;
    private readonly Func<int, IHashLevel> _newLevel;

    public MerkleTree() : this(_ => new MemoryHashLevel(), [])
    {
    }

    public MerkleTree(Func<int, IHashLevel> newLevel, IReadOnlyList<IHashLevel> existing)
    {
        _newLevel = newLevel;
        _levels = [.. existing];
        if (_levels.Count == 0)
        {
            _levels.Add(newLevel(0));
        }
        foreach (var level in _levels)
        {
            byte[]? last = null;
            if (level.Count > 0)
            {
                last = new byte[32];
                level.Read(level.Count - 1, last);
            }
            _last.Add(last);
        }
    }

    // The last hash appended at each level: the left sibling of the next odd node, so appends never read the store.
    private readonly List<byte[]?> _last = [];

    public long Size => _levels[0].Count;

    public IReadOnlyList<IHashLevel> Levels => _levels;

    /// <summary>Appends an entry by its 32-byte entry hash.</summary>
    public void AppendEntryHash(ReadOnlySpan<byte> entryHash) => AppendLeaf(Merkle.LeafHash(entryHash));

    public void AppendLeaf(ReadOnlySpan<byte> leafHash)
    {
        Span<byte> node = stackalloc byte[32];
        Span<byte> left = stackalloc byte[32];
        leafHash.CopyTo(node);
        int level = 0;
        while (true)
        {
            long index = _levels[level].Count;
            bool odd = (index & 1) == 1;
            if (odd)
            {
                _last[level]!.CopyTo(left);
            }
            _levels[level].Append(node);
            node.CopyTo(_last[level] ??= new byte[32]);
            // Each time a subtree becomes complete (its index is odd), its parent is complete too: hash and carry up.
            if (!odd)
            {
                return;
            }
            Merkle.NodeHash(left, node, node);
            level++;
            if (_levels.Count == level)
            {
                _levels.Add(_newLevel(level));
                _last.Add(null);
            }
        }
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] Leaf(long index)
    {
        var h = new byte[32];
        _levels[0].Read(index, h);
        return h;
    }

    /// <summary>The root of the first <paramref name="size"/> leaves (1 ≤ size ≤ <see cref="Size"/>).</summary>
    public byte[] Root(long size)
    {
        if (size < 1 || size > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"the tree has {Size} leaves; a root needs 1..{Size}");
        }
        return Range(0, size);
    }

    public byte[] Root() => Root(Size);

    /// <summary>MTH(D[start:end]) where start is aligned as RFC 6962's recursion guarantees (left parts are complete subtrees).</summary>
    private byte[] Range(long start, long end)
    {
        long n = end - start;
        if ((n & (n - 1)) == 0 && start % n == 0)
        {
            int level = System.Numerics.BitOperations.TrailingZeroCount((ulong)n);
            var h = new byte[32];
            _levels[level].Read(start >> level, h);
            return h;
        }
        long k = Merkle.SplitPoint(n);
        return Merkle.NodeHash(Range(start, start + k), Range(start + k, end));
    }

    /// <summary>RFC 6962 PATH(index, D[0:size]): from the leaf's sibling up to the root's child.</summary>
    public List<byte[]> InclusionProof(long index, long size)
    {
        if (size < 1 || size > Size || index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of size {size} (the tree has {Size})");
        }
        var proof = new List<byte[]>();
        Path(index, 0, size, proof);
        return proof;
    }

    private void Path(long m, long lo, long hi, List<byte[]> proof)
    {
        if (hi - lo == 1)
        {
            return;
        }
        long k = Merkle.SplitPoint(hi - lo);
        if (m < lo + k)
        {
            Path(m, lo, lo + k, proof);
            proof.Add(Range(lo + k, hi));
        }
        else
        {
            Path(m, lo + k, hi, proof);
            proof.Add(Range(lo, lo + k));
        }
    }

    /// <summary>RFC 6962 PROOF(m, D[0:n]) (0 &lt; m ≤ n ≤ <see cref="Size"/>).</summary>
    public List<byte[]> ConsistencyProof(long m, long n)
    {
        if (m < 1 || m > n || n > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"no consistency proof from {m} to {n} (the tree has {Size})");
        }
        var proof = new List<byte[]>();
        SubProof(m, 0, n, true, proof);
        return proof;
    }

    private void SubProof(long m, long lo, long hi, bool whole, List<byte[]> proof)
    {
        long n = hi - lo;
        if (m == n)
        {
            if (!whole)
            {
                proof.Add(Range(lo, hi));
            }
            return;
        }
        long k = Merkle.SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, lo, lo + k, whole, proof);
            proof.Add(Range(lo + k, hi));
        }
        else
        {
            SubProof(m - k, lo + k, hi, false, proof);
            proof.Add(Range(lo, lo + k));
        }
    }
}

/// <summary>
/// A streaming root: the compact range (one hash per set bit of the size) of leaves appended so far, in O(log n)
/// memory. The verifier uses it to rebuild the tree from the chain without trusting any stored tree.
/// </summary>
public sealed class CompactRange
{
    private readonly List<byte[]?> _byLevel = [];

    public long Size { get; private set; }

    public void AppendLeaf(ReadOnlySpan<byte> leafHash)
    {
        var node = leafHash.ToArray();
        int level = 0;
        long size = Size;
        while ((size & 1) == 1)
        {
            node = Merkle.NodeHash(_byLevel[level]!, node);
            _byLevel[level] = null;
            size >>= 1;
            level++;
        }
        while (_byLevel.Count <= level)
        {
            _byLevel.Add(null);
        }
        _byLevel[level] = node;
        Size++;
    }

    /// <summary>The root of the leaves appended so far (Size ≥ 1).</summary>
    public byte[] Root()
    {
        if (Size == 0)
        {
            return Merkle.EmptyRoot;
        }
        byte[]? acc = null;
        for (int level = 0; level < _byLevel.Count; level++)
        {
            if (_byLevel[level] is { } h)
            {
                acc = acc is null ? h : Merkle.NodeHash(h, acc);
            }
        }
        return acc!;
    }
}
