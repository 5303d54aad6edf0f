using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests;

/// <summary>
/// The zero-allocation canonical checker in <see cref="JournalLine.TryParse"/> must agree with <see cref="CanonicalJson"/>:
/// everything the journal writes passes, and every non-canonical spelling of it is refused as such (not as a hash mismatch).
/// </summary>
public sealed class JournalLineCanonicalTests
{
    private static readonly DateTimeOffset Ts = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private static readonly string Prev = new('a', 64);

    /// <summary>A line exactly as the journal composes it.</summary>
    private static byte[] ComposeNote(JsonObject body, long seq = 7)
        => JournalFile.Compose("ws-test", "INC-20260101-TEST", seq, Prev, new StatementDraft(Note.KindName, "alice", body) { Timestamp = Ts },
            JournalAppendOptions.Default, out _);

    // {"hash":"<64 hex>", — the hash input is '{' followed by everything after that comma.
    private const int HashStart = 9;
    private const int AfterHashMember = HashStart + 64 + 2;

    /// <summary>Recomputes the stored hash over the (possibly non-canonical) bytes, so only the canonical form is wrong.</summary>
    private static byte[] Rehash(byte[] line)
    {
        var unhashed = new byte[line.Length - AfterHashMember + 1];
        unhashed[0] = (byte)'{';
        line.AsSpan(AfterHashMember).CopyTo(unhashed.AsSpan(1));
        var copy = (byte[])line.Clone();
        Encoding.ASCII.GetBytes(JournalLine.HashOfUnhashed(unhashed)).CopyTo(copy, HashStart);
        return copy;
    }

    private static JournalFault Check(byte[] line, out string? reason) => JournalLine.TryParse(line, out _, out reason);

    private static JsonObject BaseBody() => new()
    {
        ["a"] = "abc",
        ["n"] = 1,
        ["path"] = "a/b",
        ["text"] = "line1\nline2 \u001f caf\u00e9 \U0001F600",
        ["z"] = 0,
        ["\U0001F600"] = 2,
        ["\uE000"] = 1,
    };

    [Fact]
    public void ComposedLine_IsCanonical_AndPasses()
    {
        var line = ComposeNote(BaseBody());
        var text = Encoding.UTF8.GetString(line);
        // What the mutations below rely on: the body as the writer puts it.
        Assert.Contains("\"body\":{\"a\":\"abc\",\"n\":1,\"path\":\"a/b\",\"text\":\"line1\\nline2 \\u001f caf\u00e9 \U0001F600\",\"z\":0,\"\U0001F600\":2,\"\uE000\":1}", text, StringComparison.Ordinal);
        Assert.Equal(JournalFault.None, Check(line, out var reason));
        Assert.Null(reason);
        CanonicalJsonTests.AssertBytes(line, CanonicalJson.Canonicalize(line));
        CanonicalJsonTests.AssertBytes(line, Rehash(line)); // the helper recomputes the hash the journal stored
    }

    public static TheoryData<string, string, string> Mutations() => new()
    {
        { "space after ':'", "\"n\":1", "\"n\": 1" },
        { "space before ':'", "\"n\":1", "\"n\" :1" },
        { "space after '{'", "{\"a\":\"abc\"", "{ \"a\":\"abc\"" },
        { "tab before a member", ",\"n\":1", ",\t\"n\":1" },
        { "newline before '}'", "\"\uE000\":1}", "\"\uE000\":1\n}" },
        { "two body keys swapped", "\"a\":\"abc\",\"n\":1", "\"n\":1,\"a\":\"abc\"" },
        { "keys in UTF-8 order, not UTF-16", "\"\U0001F600\":2,\"\uE000\":1", "\"\uE000\":1,\"\U0001F600\":2" },
        { "duplicate key", "\"z\":0,", "\"z\":0,\"z\":0," },
        { "duplicate key by escape", "\"a\":\"abc\",", "\"a\":\"abc\",\"\\u0061\":\"abc\"," },
        { "1.0", "\"n\":1", "\"n\":1.0" },
        { "1e0", "\"n\":1", "\"n\":1e0" },
        { "1E0", "\"n\":1", "\"n\":1E0" },
        { "10e-1", "\"n\":1", "\"n\":10e-1" },
        { "01 (leading zero)", "\"n\":1", "\"n\":01" },
        { "-0", "\"z\":0", "\"z\":-0" },
        { "0.0", "\"z\":0", "\"z\":0.0" },
        { "0e0", "\"z\":0", "\"z\":0e0" },
        { "plain letter escaped", "\"abc\"", "\"\\u0061bc\"" },
        { "escaped key, uppercase hex", "\"z\":0", "\"\\u007A\":0" },
        { "uppercase hex in a control escape", "\\u001f", "\\u001F" },
        { "\\u000a for \\n", "line1\\nline2", "line1\\u000aline2" },
        { "\\/", "a/b", "a\\/b" },
        { "non-ASCII escaped", "caf\u00e9", "caf\\u00e9" },
        { "astral escaped as a surrogate pair", "caf\u00e9 \U0001F600\"", "caf\u00e9 \\ud83d\\ude00\"" },
        { "key escaped", "\"path\":", "\"\\u0070ath\":" },
        { "trailing space after the entry", "\"ws\":\"ws-test\"}}", "\"ws\":\"ws-test\"}} " },
        { "space inside the statement", "\"kind\":\"note\"", "\"kind\": \"note\"" },
        { "version written 1.0", "\"v\":1,", "\"v\":1.0," },
        { "seq written 7e0", "\"seq\":7,", "\"seq\":7e0," },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void NonCanonicalSpelling_IsRefusedAsNonCanonical_EvenWithARecomputedHash(string what, string from, string to)
    {
        var line = ComposeNote(BaseBody());
        var text = Encoding.UTF8.GetString(line);
        int at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at > AfterHashMember && text.IndexOf(from, at + 1, StringComparison.Ordinal) < 0, $"'{from}' must occur once, after the hash member");
        var mutated = Encoding.UTF8.GetBytes(text[..at] + to + text[(at + from.Length)..]);

        // As stored (hash not recomputed): refused, whatever the reason.
        Assert.NotEqual(JournalFault.None, Check(mutated, out _));

        // With the hash recomputed over the new bytes only the canonical form is wrong, and that is what must be reported.
        var rehashed = Rehash(mutated);
        var fault = Check(rehashed, out var reason);
        Assert.True(fault is JournalFault.NonCanonical or JournalFault.MalformedJson, $"{what}: {fault} ({reason})");
        Assert.NotNull(reason);

        // The writer agrees: it refuses the variant or maps it to a different (the canonical) spelling.
        try
        {
            var canonical = CanonicalJson.Canonicalize(rehashed);
            Assert.False(canonical.AsSpan().SequenceEqual(rehashed), $"{what}: the writer thinks the variant is canonical");
            // Same content, canonical spelling: the original line with the variant's hash.
            var expected = (byte[])line.Clone();
            rehashed.AsSpan(HashStart, 64).CopyTo(expected.AsSpan(HashStart));
            CanonicalJsonTests.AssertBytes(expected, canonical);
        }
        catch (JsonCanonicalizationException ex)
        {
            Assert.True(ex.Reason is "DuplicateKey" or "InvalidJson", $"{what}: {ex.Reason}");
        }
    }

    [Fact]
    public void RandomBodies_ComposedByTheJournal_PassTheChecker()
    {
        RandomJson.ForAll(1500, (rng, seed) =>
        {
            var body = RandomJson.Object(rng, depth: rng.Next(0, 4));
            body["text"] = "t" + RandomJson.String(rng);
            var line = ComposeNote(body, seq: rng.NextInt64(0, CanonicalJson.MaxSafeInteger));
            var fault = Check(line, out var reason);
            Assert.True(fault == JournalFault.None, $"{fault}: {reason}\n{Encoding.UTF8.GetString(line)}");
            CanonicalJsonTests.AssertBytes(line, CanonicalJson.Canonicalize(line));
        });
    }

    /// <summary>
    /// Differential: a random body re-spelled at random (whitespace, order, escapes, number forms, duplicates) and spliced
    /// into a composed line with its hash recomputed passes the checker exactly when the writer's canonical form of the
    /// line is the line itself.
    /// </summary>
    [Fact]
    public void RandomRespelledBodies_CheckerAgreesWithWriter()
    {
        int accepted = 0, refused = 0;
        RandomJson.ForAll(4000, (rng, seed) =>
        {
            var body = RandomJson.Object(rng, depth: rng.Next(0, 4));
            body["text"] = "t" + RandomJson.String(rng);
            var line = ComposeNote(body);
            var bodyBytes = CanonicalJson.Serialize(body);
            var marker = "\"actor\":\"alice\",\"body\":"u8;
            int start = line.AsSpan().IndexOf(marker) + marker.Length;
            Assert.True(line.AsSpan(start, bodyBytes.Length).SequenceEqual(bodyBytes));

            double p = rng.Next(4) == 0 ? 0 : rng.NextDouble() * 0.15;
            var variant = Encoding.UTF8.GetBytes(RandomJson.Render(body, rng, p, duplicates: true));
            var spliced = Rehash([.. line.AsSpan(0, start), .. variant, .. line.AsSpan(start + bodyBytes.Length)]);

            bool writerCanonical;
            try
            {
                writerCanonical = CanonicalJson.Canonicalize(spliced).AsSpan().SequenceEqual(spliced);
            }
            catch (JsonCanonicalizationException)
            {
                writerCanonical = false;
            }
            var fault = Check(spliced, out var reason);
            if (writerCanonical)
            {
                Assert.True(fault == JournalFault.None, $"writer: canonical; checker: {fault} ({reason})\n{Encoding.UTF8.GetString(spliced)}");
                accepted++;
            }
            else
            {
                Assert.True(fault is JournalFault.NonCanonical or JournalFault.MalformedJson,
                    $"writer: not canonical; checker: {fault} ({reason})\n{Encoding.UTF8.GetString(spliced)}");
                refused++;
            }
        });
        Assert.True(accepted > 500 && refused > 500, $"accepted {accepted}, refused {refused}");
    }

    [Fact]
    public void DeepBodies_AreEitherRefusedByTheWriter_OrAcceptedByTheChecker()
    {
        bool composed = false, refusedByWriter = false;
        for (int depth = 50; depth <= 70; depth++)
        {
            JsonNode inner = new JsonArray();
            for (int i = 1; i < depth; i++)
            {
                inner = new JsonArray(inner);
            }
            var body = new JsonObject { ["text"] = "deep", ["x"] = inner };
            byte[] line;
            try
            {
                line = ComposeNote(body);
            }
            catch (JsonCanonicalizationException ex)
            {
                Assert.Equal("TooDeep", ex.Reason);
                refusedByWriter = true;
                continue;
            }
            composed = true;
            var fault = Check(line, out var reason);
            Assert.True(fault == JournalFault.None, $"body nesting {depth}: the journal wrote a line its checker refuses ({fault}: {reason})");
        }
        Assert.True(composed && refusedByWriter);
    }

    [Fact]
    public void Journal_WithExoticNotes_Verifies()
    {
        var dir = Directory.CreateTempSubdirectory("deirf-jcs-").FullName;
        try
        {
            var journal = new JournalFile(Path.Combine(dir, "journal.jsonl"));
            journal.CreateGenesis("ws-test", "INC-20260101-TEST", new StatementDraft(IncidentOpened.KindName, "alice",
                new JsonObject { ["drill"] = true, ["reporter"] = "alice", ["tags"] = new JsonArray("\U0001F600", "\uE000"), ["title"] = "JCS \U0001F600 test" }));
            var rng = new Random(42);
            var options = new JournalAppendOptions { Durable = false };
            for (int i = 0; i < 40; i++)
            {
                var body = RandomJson.Object(rng, depth: 3);
                body["text"] = "t" + RandomJson.String(rng);
                journal.Append(new StatementDraft(Note.KindName, "bob", body), options);
            }
            // A title is one printable line (incident.opened refuses control characters): the exotic ones ride in a note.
            var exotic = BaseBody();
            exotic["exotic"] = new JsonArray("JCS \u2028 test", "a\u001fb");
            journal.Append(new StatementDraft(Note.KindName, "bob", exotic), options);
            var verdict = journal.Verify();
            Assert.True(verdict.IsValid, verdict.ToString());
            Assert.Equal(42, verdict.EntryCount);
            foreach (var raw in File.ReadAllLines(journal.Path, Encoding.UTF8))
            {
                var bytes = Encoding.UTF8.GetBytes(raw);
                CanonicalJsonTests.AssertBytes(bytes, CanonicalJson.Canonicalize(bytes));
            }
        }
        finally
        {
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
    }
}
