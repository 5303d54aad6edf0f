using System.Security.Cryptography;
using CsCheck;
using DeIRF.Checkpoints;
using Xunit;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>
/// RFC 6962 / 9162 tree and proofs: known roots, property tests over random trees (every proof verifies, every
/// mutation of it fails), and one named test per Merkle-proof pitfall of SPEC's Lessons list.
/// </summary>
public sealed class MerkleTests
{
    private static byte[] RandomEntryHash(int i) => SHA256.HashData(BitConverter.GetBytes(i * 7919 + 13));

    private static MerkleTree TreeOf(int n, int salt = 0)
    {
        var t = new MerkleTree();
        for (int i = 0; i < n; i++)
        {
            t.AppendEntryHash(RandomEntryHash(i + salt * 1_000_003));
        }
        return t;
    }

    [Fact]
    public void Rfc6962TestVectors_RootsForSizes1To8()
    {
        // The RFC 6962 reference leaves used by Certificate Transparency implementations, and their published roots.
        string[] leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
        string[] roots =
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        var tree = new MerkleTree();
        var range = new CompactRange();
        for (int i = 0; i < leaves.Length; i++)
        {
            var leaf = SHA256.HashData([0x00, .. Convert.FromHexString(leaves[i])]);
            tree.AppendLeaf(leaf);
            range.AppendLeaf(leaf);
            Assert.Equal(roots[i], Convert.ToHexString(tree.Root()).ToLowerInvariant());
            Assert.Equal(roots[i], Convert.ToHexString(range.Root()).ToLowerInvariant());
        }
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexString(Merkle.EmptyRoot).ToLowerInvariant());
    }

    [Fact]
    public void IncrementalTree_AgreesWithTheDefinition_AtEverySize()
    {
        var tree = new MerkleTree();
        var leaves = new List<byte[]>();
        for (int i = 0; i < 300; i++)
        {
            var h = RandomEntryHash(i);
            tree.AppendEntryHash(h);
            leaves.Add(Merkle.LeafHash(h));
            for (int m = 1; m <= leaves.Count; m += Math.Max(1, leaves.Count / 7))
            {
                Assert.Equal(Merkle.RootOfLeaves(leaves, 0, m), tree.Root(m));
            }
        }
    }

    [Fact]
    public void Property_InclusionProofsVerify_AndEveryMutationFails()
    {
        Gen.Int[1, 260].SelectMany(n => Gen.Long[0, n - 1].SelectMany(i => Gen.Long[i + 1, n].Select(size => (n, i, size))))
            .Sample(t =>
            {
                var (n, index, size) = t;
                var tree = TreeOf(n);
                var root = tree.Root(size);
                var leaf = tree.Leaf(index);
                var proof = tree.InclusionProof(index, size);
                Assert.Null(Merkle.CheckInclusion(index, size, leaf, proof, root));
                foreach (var mutant in InclusionMutants(index, size, leaf, proof, root))
                {
                    Assert.NotNull(Merkle.CheckInclusion(mutant.Index, mutant.Size, mutant.Leaf, mutant.Proof, mutant.Root));
                }
            }, iter: 150);
    }

    [Fact]
    public void Property_ConsistencyProofsVerify_AndEveryMutationFails()
    {
        Gen.Int[1, 260].SelectMany(n => Gen.Long[1, n].Select(m => (n, m)))
            .Sample(t =>
            {
                var (n, m) = t;
                var tree = TreeOf(n);
                var first = tree.Root(m);
                var second = tree.Root(n);
                var proof = tree.ConsistencyProof(m, n);
                Assert.Null(Merkle.CheckConsistency(m, n, first, second, proof));
                foreach (var mutant in ConsistencyMutants(m, n, first, second, proof))
                {
                    Assert.NotNull(Merkle.CheckConsistency(mutant.M, mutant.N, mutant.First, mutant.Second, mutant.Proof));
                }
            }, iter: 150);
    }

    private static IEnumerable<(long Index, long Size, byte[] Leaf, List<byte[]> Proof, byte[] Root)> InclusionMutants(long index, long size, byte[] leaf, List<byte[]> proof, byte[] root)
    {
        // index ±1, size ×2 / ÷2 / ±1 (only where that changes the claim: a proof for a tree of one leaf is empty at any index 0).
        foreach (var i in new[] { index - 1, index + 1 })
        {
            yield return (i, size, leaf, proof, root);
        }
        // A changed size is refused by the length binding whenever it implies another path length; where it does not,
        // the size is bound by the signed checkpoint, not by the path (RFC 9162), so such a mutant is not a refusal case.
        foreach (var s in new[] { size * 2, size / 2, size + 1, size - 1 }.Where(s => s != size))
        {
            if (s < 1 || index >= s || Merkle.InclusionProofLength(index, s) != proof.Count)
            {
                yield return (index, s, leaf, proof, root);
            }
        }
        for (int p = 0; p < proof.Count; p++)
        {
            for (int bit = 0; bit < 256; bit += 37)
            {
                yield return (index, size, leaf, WithBitFlipped(proof, p, bit), root);
            }
        }
        yield return (index, size, leaf, [.. proof, new byte[32]], root);              // trailing garbage
        yield return (index, size, leaf, [.. proof, root], root);
        if (proof.Count > 0)
        {
            yield return (index, size, leaf, proof[..^1], root);                       // truncated
        }
        if (proof.Count > 1)
        {
            yield return (index, size, leaf, [.. Enumerable.Reverse(proof)], root);    // reordered
        }
        yield return (index, size, Flip(leaf, 3), proof, root);
        yield return (index, size, leaf, proof, Flip(root, 200));
    }

    private static IEnumerable<(long M, long N, byte[] First, byte[] Second, List<byte[]> Proof)> ConsistencyMutants(long m, long n, byte[] first, byte[] second, List<byte[]> proof)
    {
        // As for inclusion: sizes are refused by the length binding; equal-length size changes are the checkpoint's to bind.
        static bool LengthDiffers(long mm, long nn, int count) => mm < 1 || mm > nn || (mm == nn ? count != 0 : Merkle.ConsistencyProofLength(mm, nn) != count);
        foreach (var mm in new[] { m - 1, m + 1, m * 2, m / 2 }.Where(x => x != m && LengthDiffers(x, n, proof.Count)))
        {
            yield return (mm, n, first, second, proof);
        }
        foreach (var nn in new[] { n + 1, n * 2, n / 2, n - 1 }.Where(x => x != n && LengthDiffers(m, x, proof.Count)))
        {
            yield return (m, nn, first, second, proof);
        }
        for (int p = 0; p < proof.Count; p++)
        {
            for (int bit = 0; bit < 256; bit += 41)
            {
                yield return (m, n, first, second, WithBitFlipped(proof, p, bit));
            }
        }
        yield return (m, n, first, second, [.. proof, new byte[32]]);
        if (proof.Count > 0)
        {
            yield return (m, n, first, second, proof[..^1]);
        }
        if (!first.AsSpan().SequenceEqual(second))
        {
            yield return (m, n, second, first, proof);                                 // swapped roots
        }
        yield return (m, n, Flip(first, 7), second, proof);
        yield return (m, n, first, Flip(second, 9), proof);
    }

    private static List<byte[]> WithBitFlipped(List<byte[]> proof, int which, int bit)
    {
        var copy = proof.Select(p => (byte[])p.Clone()).ToList();
        copy[which][bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    private static byte[] Flip(byte[] h, int bit)
    {
        var c = (byte[])h.Clone();
        c[bit / 8] ^= (byte)(1 << (bit % 8));
        return c;
    }

    // ---- The Lessons list, one named test each ----

    [Fact]
    public void Lesson_EmptyProofFromSizeZero_IsNotAcceptedForAnySize()
    {
        var tree = TreeOf(10);
        foreach (var n in new long[] { 1, 2, 7, 10 })
        {
            Assert.Contains("proves nothing", Merkle.CheckConsistency(0, n, Merkle.EmptyRoot, tree.Root(n), []));
        }
        Assert.NotNull(Merkle.CheckInclusion(0, 0, tree.Leaf(0), [], Merkle.EmptyRoot));
        Assert.NotNull(Merkle.CheckConsistency(0, 0, Merkle.EmptyRoot, Merkle.EmptyRoot, []));
    }

    [Fact]
    public void Lesson_IndexIsBoundToProofLength_OneLeafCannotBeProvedAtSeveralPositions()
    {
        var tree = TreeOf(13);
        for (long index = 0; index < 13; index++)
        {
            var proof = tree.InclusionProof(index, 13);
            var leaf = tree.Leaf(index);
            for (long other = 0; other < 13; other++)
            {
                if (other != index)
                {
                    Assert.NotNull(Merkle.CheckInclusion(other, 13, leaf, proof, tree.Root(13)));
                }
            }
            // Index beyond the tree, and negative: refused before any hashing.
            Assert.Contains("outside", Merkle.CheckInclusion(13, 13, leaf, proof, tree.Root(13)));
            Assert.Contains("outside", Merkle.CheckInclusion(-1, 13, leaf, proof, tree.Root(13)));
        }
        // Index 8 of 9 (the lone right leaf) has a 1-hash proof; the same hash "proving" index 8 of 10 is refused by length.
        var p8 = tree.InclusionProof(8, 9);
        Assert.Single(p8);
        Assert.Contains("hash(es)", Merkle.CheckInclusion(8, 10, tree.Leaf(8), p8, tree.Root(9)));
    }

    [Fact]
    public void Lesson_IndexPlusMinusOne_IsRefused()
    {
        var tree = TreeOf(64);
        var proof = tree.InclusionProof(17, 64);
        Assert.Null(Merkle.CheckInclusion(17, 64, tree.Leaf(17), proof, tree.Root()));
        Assert.NotNull(Merkle.CheckInclusion(16, 64, tree.Leaf(17), proof, tree.Root()));
        Assert.NotNull(Merkle.CheckInclusion(18, 64, tree.Leaf(17), proof, tree.Root()));
    }

    [Fact]
    public void Lesson_SizeTimesTwoAndHalved_IsRefused()
    {
        var tree = TreeOf(80);
        var proof = tree.InclusionProof(5, 40);
        Assert.Null(Merkle.CheckInclusion(5, 40, tree.Leaf(5), proof, tree.Root(40)));
        Assert.NotNull(Merkle.CheckInclusion(5, 80, tree.Leaf(5), proof, tree.Root(40)));
        Assert.NotNull(Merkle.CheckInclusion(5, 20, tree.Leaf(5), proof, tree.Root(40)));
        var cons = tree.ConsistencyProof(20, 40);
        Assert.Null(Merkle.CheckConsistency(20, 40, tree.Root(20), tree.Root(40), cons));
        Assert.NotNull(Merkle.CheckConsistency(20, 80, tree.Root(20), tree.Root(40), cons));
        Assert.NotNull(Merkle.CheckConsistency(10, 40, tree.Root(20), tree.Root(40), cons));
    }

    [Fact]
    public void Lesson_BitFlips_AreRefused()
    {
        var tree = TreeOf(37);
        var proof = tree.InclusionProof(21, 37);
        for (int p = 0; p < proof.Count; p++)
        {
            for (int bit = 0; bit < 256; bit++)
            {
                Assert.NotNull(Merkle.CheckInclusion(21, 37, tree.Leaf(21), WithBitFlipped(proof, p, bit), tree.Root()));
            }
        }
    }

    [Fact]
    public void Lesson_TrailingGarbage_IsRefused()
    {
        var tree = TreeOf(37);
        var proof = tree.InclusionProof(21, 37);
        Assert.NotNull(Merkle.CheckInclusion(21, 37, tree.Leaf(21), [.. proof, tree.Root()], tree.Root()));
        var cons = tree.ConsistencyProof(11, 37);
        Assert.NotNull(Merkle.CheckConsistency(11, 37, tree.Root(11), tree.Root(37), [.. cons, new byte[32]]));
        // m == n: the proof is empty; anything appended is refused.
        Assert.Null(Merkle.CheckConsistency(37, 37, tree.Root(), tree.Root(), []));
        Assert.NotNull(Merkle.CheckConsistency(37, 37, tree.Root(), tree.Root(), [tree.Root()]));
    }

    [Fact]
    public void Lesson_SwappedRoots_AreRefused()
    {
        var tree = TreeOf(37);
        var cons = tree.ConsistencyProof(11, 37);
        Assert.NotNull(Merkle.CheckConsistency(11, 37, tree.Root(37), tree.Root(11), cons));
        Assert.NotNull(Merkle.CheckConsistency(37, 11, tree.Root(37), tree.Root(11), cons));
    }

    [Fact]
    public void Lesson_OneToTwoConsistency_VerifiesExactly()
    {
        var tree = TreeOf(2);
        var proof = tree.ConsistencyProof(1, 2);
        Assert.Single(proof);
        Assert.Equal(tree.Leaf(1), proof[0]);
        Assert.Null(Merkle.CheckConsistency(1, 2, tree.Root(1), tree.Root(2), proof));
        Assert.NotNull(Merkle.CheckConsistency(1, 2, tree.Root(1), tree.Root(2), []));
        Assert.NotNull(Merkle.CheckConsistency(1, 2, tree.Root(1), tree.Root(2), [tree.Root(1), proof[0]]));
        Assert.NotNull(Merkle.CheckConsistency(1, 2, tree.Root(2), tree.Root(2), proof));
        var other = TreeOf(2, salt: 1);
        Assert.NotNull(Merkle.CheckConsistency(1, 2, tree.Root(1), other.Root(2), proof));
    }

    [Fact]
    public void Lesson_SameSizeDifferentRoots_IsAFork()
    {
        var a = TreeOf(5);
        var b = TreeOf(5, salt: 2);
        Assert.Contains("fork", Merkle.CheckConsistency(5, 5, a.Root(), b.Root(), []));
    }
}
