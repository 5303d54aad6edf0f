using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Core.Tests.Journal;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests.Lessons;

/// <summary>Lessons from SPEC.md that had no test of their own (the rest are mapped in <see cref="LessonsCatalog"/>).</summary>
public sealed class LessonTests : IDisposable
{
    private readonly string _dir = JournalFixture.NewDirectory();

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    [Fact]
    public void Lesson_Md5EvidenceHash_IsRefused_OnlySha256ComputedAtCapture()
    {
        // DFIR-IRIS #122: a client-side MD5 in the evidence record. Custody entries carry "sha256:<64 hex>" only.
        var body = new JsonObject
        {
            ["collector"] = "alice",
            ["hash"] = "md5:d41d8cd98f00b204e9800998ecf8427e",
            ["name"] = "dump.bin",
            ["path"] = "/tmp/dump.bin",
            ["size"] = 0,
            ["target"] = "host-1",
        };
        var ex = Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(EvidenceAdded.KindName, body));
        Assert.Equal("InvalidStatement", ex.ErrorId);
        Assert.Contains("sha256", ex.Message, StringComparison.Ordinal);
        // Nor may an MD5 pose as a SHA-256 by its prefix: it is 32 hex digits, not 64.
        body["hash"] = "sha256:d41d8cd98f00b204e9800998ecf8427e";
        Assert.Equal("InvalidStatement", Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(EvidenceAdded.KindName, body)).ErrorId);
    }

    [Fact]
    public void Lesson_ValuesRoundTrippedThroughObjects_AreNotTheEntry_TheStoredBytesAreHashed()
    {
        // ConvertFrom-Json turns the ISO timestamp into [datetime]; written back it is another string. Hashing such a
        // round-tripped value would "verify" something other than what was stored, so a re-spelled line is refused.
        var journal = JournalFixture.NewJournal(_dir, notes: 1);
        var stored = File.ReadAllLines(journal.Path)[1];
        Assert.Equal(JournalFault.None, JournalLine.TryParse(Encoding.UTF8.GetBytes(stored), out _, out _));
        var node = JsonNode.Parse(stored)!.AsObject();
        var ts = (string)node["stmt"]!["ts"]!;
        var asDateTime = DateTimeOffset.Parse(ts, System.Globalization.CultureInfo.InvariantCulture);
        node["stmt"]!["ts"] = asDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture); // how [datetime] serialises back
        Assert.NotEqual(ts, (string)node["stmt"]!["ts"]!);
        var roundTripped = CanonicalJson.Serialize(node);
        var fault = JournalLine.TryParse(roundTripped, out _, out var reason);
        Assert.True(fault == JournalFault.HashMismatch, $"a round-tripped timestamp must not verify: {fault} {reason}");
        // The stored bytes still verify: verification reads the file, never objects rebuilt from it.
        Assert.True(journal.Verify().IsValid);
    }
}
