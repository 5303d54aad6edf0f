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

    private static void AssertAgrees(ReadOnlySpan<byte> line, string what)
    {
        bool fast = CanonicalLineScanner.TryScan(line, out var f);
        var slow = JournalLine.CheckCanonicalSlow(line, out var g, out var reason);
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
        RandomJson.ForAll(1500, (rng, seed) =>
        {
            var line = LineWithBody(RandomJson.Object(rng, 0), seq: rng.Next(0, 1_000_000));
            Assert.True(CanonicalLineScanner.TryScan(line, out _), $"fast path refused a canonical line: {Encoding.UTF8.GetString(line)}");
            AssertAgrees(line, "canonical");
        });
    }

    [Fact]
    public void ReSpelledLines_AreAcceptedByTheFastPathOnlyWhenTheCheckerAccepts()
    {
        RandomJson.ForAll(2000, (rng, seed) =>
        {
            var body = RandomJson.Object(rng, 0);
            var canonical = LineWithBody(body);
            var node = JsonNode.Parse(canonical)!;
            var respelled = Encoding.UTF8.GetBytes(RandomJson.Render(node, rng, p: 0.05, duplicates: rng.Next(10) == 0));
            AssertAgrees(respelled, "re-spelled");
        });
    }

    [Fact]
    public void SingleByteMutationsAndTruncations_NeverGetPastTheFastPathAlone()
    {
        var rng = new Random(42);
        int checkedLines = 0;
        for (int n = 0; n < 60; n++)
        {
            var line = LineWithBody(RandomJson.Object(rng, 0));
            for (int i = 0; i < line.Length; i += 1 + rng.Next(3))
            {
                var m = (byte[])line.Clone();
                m[i] = (byte)rng.Next(0, 256);
                AssertAgrees(m, $"byte {i} changed");
                AssertAgrees(line.AsSpan(0, i), $"cut at {i}");
                var inserted = line.Take(i).Append((byte)" \t\n{}[],:\"\\0-e."[rng.Next(14)]).Concat(line.Skip(i)).ToArray();
                AssertAgrees(inserted, $"byte inserted at {i}");
                checkedLines += 3;
            }
        }
        Assert.True(checkedLines > 10_000);
    }

    [Fact]
    public void DeepNestingAtTheLimit_AgreesWithTheChecker()
    {
        for (int depth = 55; depth <= 70; depth++)
        {
            var inner = new StringBuilder();
            for (int i = 0; i < depth; i++) { inner.Append("{\"a\":"); }
            inner.Append('1');
            for (int i = 0; i < depth; i++) { inner.Append('}'); }
            var baseLine = Encoding.UTF8.GetString(LineWithBody(new JsonObject { ["z"] = 1 }));
            var line = Encoding.UTF8.GetBytes(baseLine.Replace("{\"z\":1}", "{\"z\":" + inner + "}"));
            AssertAgrees(line, $"nesting {depth}");
        }
    }
}
