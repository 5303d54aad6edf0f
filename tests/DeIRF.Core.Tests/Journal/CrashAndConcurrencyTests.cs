using System.Text.Json;
using DeIRF.Journal;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Journal;

/// <summary>Real process boundaries: SIGKILL mid-append, concurrent writer processes, peak memory of verification.</summary>
public sealed class CrashAndConcurrencyTests : IDisposable
{
    private readonly string _dir = JournalFixture.NewDirectory();
    private readonly ITestOutputHelper _output;

    public CrashAndConcurrencyTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    [Fact]
    public void SigkillAtRandomMoments_LosesNoAcknowledgedEntry_AndRepairMendsTornTails()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 0);
        var rng = new Random(20261124);
        var acked = new Dictionary<long, string>();
        int kills = 0, torn = 0, midLine = 0;
        while (kills < 25)
        {
            // Most kills land wherever the child happens to be after a random while; every fifth lands at a chosen
            // point, between the two halves of a line (--pause-mid-line), so Repair surely has torn tails to mend
            // whatever the machine's load does to the timing.
            bool chosen = kills % 5 == 4;
            using var child = chosen
                ? JournalFixture.StartStress("append", journal.Path, "1000000", "--pause-mid-line", rng.Next(1, 20).ToString())
                : JournalFixture.StartStress("append", journal.Path, "1000000", "--split-writes");
            var printed = new List<string>();
            if (chosen)
            {
                // Every ack before the pause, then the pause itself.
                bool paused = false;
                while (!paused && child.StandardOutput.ReadLine() is { } line)
                {
                    paused = line == "paused mid-line";
                    if (!paused)
                    {
                        printed.Add(line);
                    }
                }
                if (!paused)
                {
                    Assert.Fail($"kill {kills + 1}: the child ended before pausing mid-line: {child.StandardError.ReadToEnd()}");
                }
                midLine++;
            }
            else
            {
                // Wait for the first acknowledgement, then let it run a random while before SIGKILL.
                var first = child.StandardOutput.ReadLine();
                Assert.NotNull(first);
                printed.Add(first!);
                Thread.Sleep(rng.Next(5, 120));
            }
            child.Kill(); // SIGKILL on Unix
            child.WaitForExit();
            kills++;
            // Every line the child printed before dying was acknowledged after its fsync.
            foreach (var line in printed.Concat(child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)))
            {
                var parts = line.Split(' ');
                if (parts.Length == 3 && parts[0] == "ack")
                {
                    acked[long.Parse(parts[1])] = parts[2];
                }
            }

            var verdict = journal.Verify();
            Assert.True(!chosen || !verdict.IsValid, $"kill {kills}: killed between the halves of a line, yet the journal verifies");
            if (!verdict.IsValid)
            {
                Assert.True(verdict.Fault == JournalFault.TornTail, $"kill {kills}: expected a valid journal or a torn tail, got {verdict}");
                Assert.True(verdict.IsTornTail);
                torn++;
                var tornBytes = File.ReadAllBytes(journal.Path)[(int)verdict.TornOffset..];
                var repaired = journal.Repair();
                Assert.True(repaired.Changed);
                Assert.Equal(tornBytes, File.ReadAllBytes(repaired.SideFile!));
                verdict = journal.Verify();
                Assert.True(verdict.IsValid, $"after repair: {verdict}");
            }
            // No acknowledged entry was lost or changed.
            var hashes = journal.ReadEntries().ToDictionary(e => e.Seq, e => e.Hash);
            foreach (var (seq, hash) in acked)
            {
                Assert.True(hashes.TryGetValue(seq, out var h) && h == hash, $"acknowledged entry {seq} lost or changed after kill {kills}");
            }
        }
        _output.WriteLine($"{kills} kills ({midLine} mid-line by choice), {torn} torn tails repaired, {acked.Count} acknowledged entries all present");
        Assert.Equal(5, midLine);
        Assert.True(torn >= midLine, $"{torn} torn tails after {midLine} kills between the halves of a line");
    }

    [Fact]
    public void FourProcessesAppendingConcurrently_GiveExactlyAThousandContiguousEntries()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 0);
        var writers = Enumerable.Range(0, 4).Select(i => JournalFixture.StartStress("append", journal.Path, "250", "--actor", $"writer{i}")).ToList();
        var outputs = writers.Select(w => w.StandardOutput.ReadToEndAsync()).ToList();
        foreach (var w in writers)
        {
            Assert.True(w.WaitForExit(TimeSpan.FromMinutes(3)), "a writer hung");
            Assert.Equal(0, w.ExitCode);
            w.Dispose();
        }
        var acks = outputs.SelectMany(o => o.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(1000, acks.Count);

        var verdict = journal.Verify();
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(1001, verdict.EntryCount);
        var entries = journal.ReadEntries().ToList();
        Assert.Equal(Enumerable.Range(0, 1001).Select(i => (long)i), entries.Select(e => e.Seq));
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(250, entries.Count(e => e.Actor == $"writer{i}")));
        // Each writer's own entries are in the order it wrote them.
        foreach (var i in Enumerable.Range(0, 4))
        {
            var texts = entries.Where(e => e.Actor == $"writer{i}").Select(e => (string)e.Body["text"]!).ToList();
            Assert.Equal(Enumerable.Range(0, 250).Select(n => $"writer{i} note {n} "), texts.Select(t => t[..t.IndexOf(' ', t.IndexOf("note ", StringComparison.Ordinal) + 5)] + " "));
        }
    }

    [Fact]
    public void VerifyingAMillionEntries_UsesNoMoreMemoryThanTenThousand()
    {
        long PeakFor(int entries)
        {
            var path = Path.Combine(_dir, $"j{entries}.jsonl");
            Assert.Equal(0, JournalFixture.RunStress(TimeSpan.FromMinutes(1), "create", path, "ws-mem", "INC-20260101-MEMO").ExitCode);
            Assert.Equal(0, JournalFixture.RunStress(TimeSpan.FromMinutes(5), "generate", path, (entries - 1).ToString()).ExitCode);
            var (code, stdout, stderr) = JournalFixture.RunStress(TimeSpan.FromMinutes(5), "verify", path);
            Assert.True(code == 0, stdout + stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.True(doc.RootElement.GetProperty("IsValid").GetBoolean());
            Assert.Equal(entries, doc.RootElement.GetProperty("EntryCount").GetInt64());
            var peak = doc.RootElement.GetProperty("PeakRssBytes").GetInt64();
            _output.WriteLine($"{entries:N0} entries ({new FileInfo(path).Length / 1e6:F0} MB): peak RSS {peak / 1e6:F1} MB, {doc.RootElement.GetProperty("ElapsedMs").GetDouble():F0} ms");
            File.Delete(path);
            return peak;
        }

        long small = PeakFor(10_000);
        long large = PeakFor(1_000_000);
        // A 100x longer journal (about 300 MB) may cost a few buffers more, never memory proportional to its size.
        Assert.True(large - small < 48L * 1024 * 1024, $"peak RSS grew from {small / 1e6:F1} MB to {large / 1e6:F1} MB");
    }
}
