using System.Diagnostics;
using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

/// <summary>
/// Checkpoints on the benchmark's 1,000,000-entry journal, beside the linear verification of that same journal in the
/// same run: the first checkpoint (builds and stores the tree), an incremental one after 100 more entries (reads and
/// hashes only those), and inclusion / consistency proof generation and verification rates at that size.
/// </summary>
internal static class CheckpointBench
{
    public static IEnumerable<(string, string, string, string, string)> Run(JournalFile journal, long entries, double linearVerify)
    {
        var rows = new List<(string, string, string, string, string)>();
        var baseline = $"linear verify of the same journal: {linearVerify:F3} s";
        if (Directory.Exists(JournalTree.DirectoryFor(journal)))
        {
            Directory.Delete(JournalTree.DirectoryFor(journal), recursive: true);
        }
        var sw = Stopwatch.StartNew();
        byte[] root;
        using (var tree = JournalTree.Open(journal))
        {
            root = tree.Tree.Root();
        }
        double first = sw.Elapsed.TotalSeconds;
        rows.Add(($"Checkpoint root of a {entries:N0}-entry journal, first (builds and stores the tree)", $"{first:F3} s", baseline,
            $"{first / linearVerify:F2}× verify", "—"));

        journal.AppendBatch(Enumerable.Range(0, 100).Select(i => new StatementDraft(Note.KindName, "bench", new JsonObject { ["text"] = $"after checkpoint {i}" })).ToList(),
            new JournalAppendOptions { Durable = false });
        var times = new List<double>();
        long size = 0;
        for (int r = 0; r < 5; r++)
        {
            sw.Restart();
            using var tree = JournalTree.Open(journal);
            root = tree.Tree.Root();
            size = tree.Size;
            times.Add(sw.Elapsed.TotalSeconds);
        }
        double incremental = times.Min();
        rows.Add(($"Checkpoint root after 100 more entries (incremental: reads and hashes only those; best of 5)", $"{incremental * 1000:F2} ms",
            baseline, $"{linearVerify / incremental:F0}× faster than verify", "O(new entries)"));

        using (var tree = JournalTree.Open(journal))
        {
            var rng = new Random(42);
            const int n = 20_000;
            var indices = Enumerable.Range(0, n).Select(_ => rng.NextInt64(size)).ToArray();
            var proofs = new List<byte[]>[n];
            sw.Restart();
            for (int i = 0; i < n; i++)
            {
                proofs[i] = tree.Tree.InclusionProof(indices[i], size);
            }
            double gen = n / sw.Elapsed.TotalSeconds;
            var leaves = indices.Select(tree.Tree.Leaf).ToArray();
            sw.Restart();
            for (int i = 0; i < n; i++)
            {
                if (Merkle.CheckInclusion(indices[i], size, leaves[i], proofs[i], root) is { } why)
                {
                    throw new InvalidOperationException(why);
                }
            }
            double ver = n / sw.Elapsed.TotalSeconds;
            rows.Add(($"Inclusion proof generation at size {size:N0} ({proofs[0].Count} hashes, from the stored tree)", $"{gen:F0} proofs/s", baseline,
                $"{linearVerify * gen:F0}× faster than a linear pass", "—"));
            rows.Add(($"Inclusion proof verification at size {size:N0}", $"{ver:F0} proofs/s", baseline, $"{linearVerify * ver:F0}× faster than a linear pass", "—"));

            const int c = 5_000;
            var ms = Enumerable.Range(0, c).Select(_ => 1 + rng.NextInt64(size - 1)).ToArray();
            sw.Restart();
            var cons = ms.Select(m => tree.Tree.ConsistencyProof(m, size)).ToArray();
            double cgen = c / sw.Elapsed.TotalSeconds;
            var firstRoots = ms.Select(m => tree.Tree.Root(m)).ToArray();
            sw.Restart();
            for (int i = 0; i < c; i++)
            {
                if (Merkle.CheckConsistency(ms[i], size, firstRoots[i], root, cons[i]) is { } why)
                {
                    throw new InvalidOperationException(why);
                }
            }
            double cver = c / sw.Elapsed.TotalSeconds;
            rows.Add(($"Consistency proof generation / verification, random m to {size:N0}", $"{cgen:F0} / {cver:F0} proofs/s", baseline,
                $"{linearVerify * cver:F0}× faster than a linear pass", "—"));
            sw.Restart();
            var line = tree.EntryLine(size / 2);
            double entryMs = sw.Elapsed.TotalMilliseconds;
            Console.Error.WriteLine($"entry line lookup by offset: {entryMs:F2} ms ({line.Length} bytes)");
        }
        return rows;
    }
}
