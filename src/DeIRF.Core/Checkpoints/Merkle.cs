using System.Numerics;
using System.Security.Cryptography;

namespace DeIRF.Checkpoints;

/// <summary>
/// RFC 6962 / RFC 9162 Merkle tree hashing and proof verification. Leaves are journal entry hashes:
/// leaf = SHA-256(0x00 || 32-byte entry hash), node = SHA-256(0x01 || left || right). Leaf index = entry seq.
/// </summary>
/// <remarks>
/// The verifiers refuse outright, before any hashing, every shape the Lessons list names: an index outside the
/// tree, a proof whose length is not exactly the one the (index, size) or (m, n) pair implies (so one leaf cannot be
/// "proved" at several positions and trailing hashes are refused), a size-0 tree, a consistency proof from size 0,
/// and a non-empty proof for m == n.
/// </remarks>
public static class Merkle
{
    public const int HashSize = 32;

    /// <summary>SHA-256 of the empty string: the RFC 6962 root of the empty tree (never checkpointed here).</summary>
    public static byte[] EmptyRoot => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] LeafHash(ReadOnlySpan<byte> entryHash)
    {
        if (entryHash.Length != HashSize)
        {
            throw new ArgumentException("an entry hash is 32 bytes", nameof(entryHash));
        }
        Span<byte> buf = stackalloc byte[1 + HashSize];
        buf[0] = 0x00;
        entryHash.CopyTo(buf[1..]);
        return SHA256.HashData(buf);
    }

    /// <summary>The leaf hash of an entry given its 64-hex-digit hash (as stored in the journal).</summary>
    public static byte[] LeafHashOfHex(string entryHashHex) => LeafHash(Convert.FromHexString(entryHashHex));

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var result = new byte[HashSize];
        NodeHash(left, right, result);
        return result;
    }

    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buf = stackalloc byte[1 + 2 * HashSize];
        buf[0] = 0x01;
        left.CopyTo(buf[1..]);
        right.CopyTo(buf[(1 + HashSize)..]);
        SHA256.HashData(buf, destination);
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n ≥ 2): RFC 6962's split point k.</summary>
    public static long SplitPoint(long n) => n < 2 ? throw new ArgumentOutOfRangeException(nameof(n)) : 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    /// <summary>The number of hashes in an inclusion proof for leaf <paramref name="index"/> in a tree of <paramref name="size"/>.</summary>
    public static int InclusionProofLength(long index, long size)
    {
        if (size <= 0 || index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }
        int length = 0;
        while (size > 1)
        {
            long k = SplitPoint(size);
            if (index < k)
            {
                size = k;
            }
            else
            {
                index -= k;
                size -= k;
            }
            length++;
        }
        return length;
    }

    /// <summary>The number of hashes in a consistency proof from size <paramref name="m"/> to <paramref name="n"/> (0 &lt; m ≤ n).</summary>
    public static int ConsistencyProofLength(long m, long n)
    {
        if (m <= 0 || m > n)
        {
            throw new ArgumentOutOfRangeException(nameof(m));
        }
        int length = 0;
        bool whole = true;
        while (m != n)
        {
            long k = SplitPoint(n);
            if (m <= k)
            {
                n = k;
            }
            else
            {
                m -= k;
                n -= k;
                whole = false;
            }
            length++;
        }
        return whole ? length : length + 1;
    }

    /// <summary>
    /// RFC 9162 §2.1.3.2: does <paramref name="proof"/> show that <paramref name="leafHash"/> is leaf
    /// <paramref name="index"/> of the tree of <paramref name="size"/> whose root is <paramref name="root"/>?
    /// Returns null when it does, otherwise the reason.
    /// </summary>
    public static string? CheckInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (size <= 0)
        {
            return $"a tree of size {size} contains no leaf";
        }
        if (index < 0 || index >= size)
        {
            return $"index {index} is outside a tree of size {size}";
        }
        if (leafHash.Length != HashSize || root.Length != HashSize || proof.Any(p => p is null || p.Length != HashSize))
        {
            return "every hash is 32 bytes";
        }
        int expected = InclusionProofLength(index, size);
        if (proof.Count != expected)
        {
            return $"an inclusion proof for index {index} in a tree of size {size} has {expected} hash(es), not {proof.Count}";
        }
        long fn = index, sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return "the proof is longer than the path to the root";
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                NodeHash(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0)
        {
            return "the proof is shorter than the path to the root";
        }
        return CryptographicOperations.FixedTimeEquals(r, root) ? null : "the proof leads to another root";
    }

    /// <summary>
    /// RFC 9162 §2.1.4.2: does <paramref name="proof"/> show that the tree of size <paramref name="m"/> with root
    /// <paramref name="firstRoot"/> is a prefix of the tree of size <paramref name="n"/> with root
    /// <paramref name="secondRoot"/>? Null when it does, otherwise the reason. m = 0 is refused: an empty tree is a
    /// prefix of anything, so such a "proof" shows nothing.
    /// </summary>
    public static string? CheckConsistency(long m, long n, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (m <= 0)
        {
            return $"a consistency proof from size {m} proves nothing (every tree extends the empty tree)";
        }
        if (m > n)
        {
            return $"size {n} is smaller than {m}: a journal never shrinks";
        }
        if (firstRoot.Length != HashSize || secondRoot.Length != HashSize || proof.Any(p => p is null || p.Length != HashSize))
        {
            return "every hash is 32 bytes";
        }
        if (m == n)
        {
            if (proof.Count != 0)
            {
                return $"between two trees of the same size the proof is empty, not {proof.Count} hash(es)";
            }
            return CryptographicOperations.FixedTimeEquals(firstRoot, secondRoot) ? null : $"two different roots for the same size {m}: a fork";
        }
        int expected = ConsistencyProofLength(m, n);
        if (proof.Count != expected)
        {
            return $"a consistency proof from {m} to {n} has {expected} hash(es), not {proof.Count}";
        }
        var path = new List<byte[]>(proof.Count + 1);
        if ((m & (m - 1)) == 0)
        {
            path.Add(firstRoot.ToArray());
        }
        path.AddRange(proof);
        long fn = m - 1, sn = n - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var fr = path[0].ToArray();
        var sr = path[0].ToArray();
        for (int i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return "the proof is longer than the tree";
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(c, fr, fr);
                NodeHash(c, sr, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                NodeHash(sr, c, sr);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0)
        {
            return "the proof is shorter than the tree";
        }
        if (!CryptographicOperations.FixedTimeEquals(fr, firstRoot))
        {
            return $"the proof does not lead to the root of size {m}";
        }
        return CryptographicOperations.FixedTimeEquals(sr, secondRoot) ? null : $"the proof does not lead to the root of size {n}";
    }

    /// <summary>The RFC 6962 root of a list of leaf hashes, by the definition (recursive; for tests and small trees).</summary>
    public static byte[] RootOfLeaves(IReadOnlyList<byte[]> leafHashes, int start, int end)
    {
        int n = end - start;
        if (n == 0)
        {
            return EmptyRoot;
        }
        if (n == 1)
        {
            return leafHashes[start];
        }
        int k = (int)SplitPoint(n);
        return NodeHash(RootOfLeaves(leafHashes, start, start + k), RootOfLeaves(leafHashes, start + k, end));
    }
}
