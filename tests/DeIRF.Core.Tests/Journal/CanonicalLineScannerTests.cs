using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests.Journal;

/// <summary>
/// The fast scanner must be sound against the reader-based checker (accept nothing it refuses, find the same fields)
/// and must accept every line the writer produces (or it would be no faster).
/// </summary>
public sealed class CanonicalLineScannerTests
{
    private static byte[] LineWithBody(JsonObject body, long seq = 7)
    {
        var draft = new StatementDraft(Note.KindName, "bob", new JsonObject { ["text"] = "x" });
        var line = JournalFile.Compose("ws-test", "INC-20260101-SCAN", seq, JournalLine.GenesisPrev, draft, new JournalAppendOptions(), out _);
        // Put a random body in place of the note's, keeping the line canonical (the hash is not the point here).
        var node = JsonNode.Parse(line)!.AsObject();
        node["stmt"]!["body"] = body;
        return DeIRF.Canonical.CanonicalJson.Serialize(node);
    }

    /// <summary>What the two paths said about the lines a test checked: a test that only counts refusals proves nothing.</summary>
    private sealed class Agreement
    {
        public int Lines;
        public int FastAccepted;
        public int CheckerAccepted;

        /// <summary>Some lines were accepted by both (so their fields were compared), and the fast path took most of the checker's.</summary>
        public void AssertCompared(string test, double minShare)
        {
            Assert.True(FastAccepted > 0, $"{test}: the fast path accepted none of {Lines} lines ({CheckerAccepted} canonical), so no field was compared");
            Assert.True(FastAccepted >= CheckerAccepted * minShare,
                $"{test}: the fast path accepted {FastAccepted} of the {CheckerAccepted} lines the checker accepts (of {Lines}); expected at least {minShare:P0}");
        }
    }

    private static void AssertAgrees(ReadOnlySpan<byte> line, string what, Agreement? tally = null)
    {
        bool fast = CanonicalLineScanner.TryScan(line, out var f);
        var slow = JournalLine.CheckCanonicalSlow(line, out var g, out var reason);
        if (tally is not null)
        {
            tally.Lines++;
            tally.FastAccepted += fast ? 1 : 0;
            tally.CheckerAccepted += slow == JournalFault.None ? 1 : 0;
        }
        if (fast)
        {
            Assert.True(slow == JournalFault.None, $"{what}: the fast scanner accepted a line the checker refuses ({slow}: {reason}): {Encoding.UTF8.GetString(line)}");
            Assert.Equal(g.Seq, f.Seq);
            Assert.Equal(g.Version, f.Version);
            Assert.Equal(g.Hash, f.Hash);
            Assert.Equal(g.Prev, f.Prev);
            Assert.Equal(g.Statement, f.Statement);
            Assert.Equal(g.Signatures, f.Signatures);
            Assert.Equal(g.Incident, f.Incident);
            Assert.Equal(g.Kind, f.Kind);
        }
    }

    [Fact]
    public void EveryLineTheWriterProduces_IsAcceptedByTheFastPath_WithTheCheckersFields()
    {
        var tally = new Agreement();
        RandomJson.ForAll(1500, (rng, seed) =>
        {
            var line = LineWithBody(RandomJson.Object(rng, 0), seq: rng.Next(0, 1_000_000));
            Assert.True(CanonicalLineScanner.TryScan(line, out _), $"fast path refused a canonical line: {Encoding.UTF8.GetString(line)}");
            AssertAgrees(line, "canonical", tally);
        });
        Assert.Equal(1500, tally.FastAccepted);
        Assert.Equal(1500, tally.CheckerAccepted);
    }

    [Fact]
    public void ReSpelledLines_AreAcceptedByTheFastPathOnlyWhenTheCheckerAccepts()
    {
        var tally = new Agreement();
        RandomJson.ForAll(2000, (rng, seed) =>
        {
            var body = RandomJson.Object(rng, 0);
            var canonical = LineWithBody(body);
            var node = JsonNode.Parse(canonical)!;
            // Half the lines re-spelled at 5% a token, a quarter rarely, a quarter not at all: without lines the checker
            // accepts, the fields of the two paths would never be compared and a scanner refusing everything would pass.
            double p = rng.Next(4) switch { 0 => 0, 1 => 0.002, _ => 0.05 };
            var respelled = Encoding.UTF8.GetBytes(RandomJson.Render(node, rng, p, duplicates: rng.Next(10) == 0));
            AssertAgrees(respelled, "re-spelled", tally);
        });
        tally.AssertCompared("re-spelled", 0.9);
    }

    [Fact]
    public void SingleByteMutationsAndTruncations_NeverGetPastTheFastPathAlone()
    {
        var rng = new Random(42);
        int checkedLines = 0;
        var tally = new Agreement();
        for (int n = 0; n < 60; n++)
        {
            var line = LineWithBody(RandomJson.Object(rng, 0));
            for (int i = 0; i < line.Length; i += 1 + rng.Next(3))
            {
                var m = (byte[])line.Clone();
                m[i] = (byte)rng.Next(0, 256);
                AssertAgrees(m, $"byte {i} changed", tally);
                AssertAgrees(line.AsSpan(0, i), $"cut at {i}", tally);
                var inserted = line.Take(i).Append((byte)" \t\n{}[],:\"\\0-e."[rng.Next(14)]).Concat(line.Skip(i)).ToArray();
                AssertAgrees(inserted, $"byte inserted at {i}", tally);
                checkedLines += 3;
            }
        }
        Assert.True(checkedLines > 10_000);
        // A changed byte the checker still accepts is often one the fast path leaves to it (about 45% are taken here).
        tally.AssertCompared("mutated", 0.3);
    }

    [Fact]
    public void DeepNestingAtTheLimit_AgreesWithTheChecker()
    {
        var tally = new Agreement();
        for (int depth = 55; depth <= 70; depth++)
        {
            var inner = new StringBuilder();
            for (int i = 0; i < depth; i++) { inner.Append("{\"a\":"); }
            inner.Append('1');
            for (int i = 0; i < depth; i++) { inner.Append('}'); }
            var baseLine = Encoding.UTF8.GetString(LineWithBody(new JsonObject { ["z"] = 1 }));
            var line = Encoding.UTF8.GetBytes(baseLine.Replace("{\"z\":1}", "{\"z\":" + inner + "}"));
            AssertAgrees(line, $"nesting {depth}", tally);
        }
        tally.AssertCompared("nesting", 1.0);
    }
}
