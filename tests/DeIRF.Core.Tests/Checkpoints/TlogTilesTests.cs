using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>
/// C2SP tlog-tiles read side (issue 26): the tiles of a journal, read back by a reader written from the spec here
/// (not the engine's tree), rebuild the checkpoint's root; paths follow the spec's index encoding.
/// </summary>
public sealed class TlogTilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-tiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData(0L, "000")]
    [InlineData(7L, "007")]
    [InlineData(1000L, "x001/000")]
    [InlineData(1234067L, "x001/x234/067")]
    public void TileIndexes_AreEncodedAsTheSpecSays(long n, string encoded) => Assert.Equal(encoded, TlogTiles.EncodeIndex(n));

    private static byte[] Sha(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());

    // RFC 6962 MTH by the definition, over leaf hashes.
    private static byte[] Mth(IReadOnlyList<byte[]> leaves, int start, int end)
    {
        int n = end - start;
        if (n == 1)
        {
            return leaves[start];
        }
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }
        return Sha([0x01], Mth(leaves, start, start + k), Mth(leaves, start + k, end));
    }

    [Fact]
    public void ExportedTiles_RebuildTheCheckpointRoot_AndLevelOneHoldsTheSubtreeRoots()
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
        var options = new JournalAppendOptions { Durable = false };
        var inc = ws.OpenIncident("tiles", "alice", options: options).Id;
        for (int i = 0; i < 600; i++)
        {
            ws.JournalOf(inc).Append(new StatementDraft(Note.KindName, "alice", new JsonObject { ["text"] = $"n{i}" }), options);
        }
        var (cp, _) = CheckpointLog.Create(ws, inc, null);
        Assert.Equal(601, cp.Size);
        var folder = Path.Combine(_dir, "tiles");
        var written = TlogTiles.Export(ws, inc, cp, folder);
        Assert.Contains("tile/0/000", written);
        Assert.Contains("tile/0/002.p/89", written);
        Assert.Contains("tile/1/000.p/2", written);
        Assert.Contains("tile/entries/002.p/89", written);
        Assert.Equal(cp.Text, File.ReadAllText(Path.Combine(folder, "checkpoint")));

        // A reader from the spec: entries → leaf hashes, checked against the level-0 tiles, then the root.
        var leaves = new List<byte[]>();
        foreach (var (file, width) in new[] { ("000", 256), ("001", 256), ("002.p/89", 89) })
        {
            var bundle = File.ReadAllBytes(Path.Combine(folder, "tile", "entries", file));
            var tile = File.ReadAllBytes(Path.Combine(folder, "tile", "0", file));
            Assert.Equal(width * 32, tile.Length);
            int at = 0;
            for (int j = 0; j < width; j++)
            {
                int len = BinaryPrimitives.ReadUInt16BigEndian(bundle.AsSpan(at));
                var leaf = Sha([0x00], bundle.AsSpan(at + 2, len).ToArray());
                Assert.Equal(tile.AsSpan(j * 32, 32).ToArray(), leaf);
                leaves.Add(leaf);
                at += 2 + len;
            }
            Assert.Equal(bundle.Length, at);
        }
        Assert.Equal(cp.RootHash, Mth(leaves, 0, leaves.Count));
        var level1 = File.ReadAllBytes(Path.Combine(folder, "tile", "1", "000.p", "2"));
        Assert.Equal(Mth(leaves, 0, 256), level1[..32]);
        Assert.Equal(Mth(leaves, 256, 512), level1[32..64]);

        // Later sizes add files; full tiles are not rewritten; another history's tile is refused, never overwritten.
        ws.JournalOf(inc).Append(new StatementDraft(Note.KindName, "alice", new JsonObject { ["text"] = "more" }), options);
        var (cp2, _) = CheckpointLog.Create(ws, inc, null);
        var again = TlogTiles.Export(ws, inc, cp2, folder);
        Assert.DoesNotContain("tile/0/000", again);
        Assert.Contains("tile/0/002.p/90", again);
        var full = Path.Combine(folder, "tile", "0", "000");
        var bytes = File.ReadAllBytes(full);
        bytes[0] ^= 1;
        File.WriteAllBytes(full, bytes);
        Assert.Equal("TileConflict", Assert.Throws<CheckpointException>(() => TlogTiles.Export(ws, inc, cp2, folder)).ErrorId);
    }

    [Fact]
    public void ACheckpointThatIsNotThisJournal_WritesNothing()
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, "ws2"));
        var inc = ws.OpenIncident("tiles", "alice", options: new JournalAppendOptions { Durable = false }).Id;
        var (cp, _) = CheckpointLog.Create(ws, inc, null);
        var forged = new Checkpoint(cp.Origin, cp.Size, new byte[32]);
        var folder = Path.Combine(_dir, "none");
        Assert.Equal("CheckpointFork", Assert.Throws<CheckpointException>(() => TlogTiles.Export(ws, inc, forged, folder)).ErrorId);
        Assert.False(Directory.Exists(folder));
    }
}
