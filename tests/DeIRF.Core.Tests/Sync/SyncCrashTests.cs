using DeIRF.Core.Tests.Journal;
using DeIRF.Journal;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Sync;

/// <summary>A sync process SIGKILLed mid-way leaves each journal as before or as merged, and the next sync converges.</summary>
public sealed class SyncCrashTests
{
    private readonly ITestOutputHelper _output;

    public SyncCrashTests(ITestOutputHelper output) => _output = output;

    [SkippableTheory]
    [InlineData("after-rename")]  // merged journal in place, head record not yet rewritten
    [InlineData("after-write")]   // every file merged, nothing committed
    [InlineData("after-commit")]  // committed locally, not pushed
    public void SyncKilledBetweenWriteAndPush_LeavesAWholeJournal_AndTheNextSyncConverges(string point)
    {
        using var team = new SyncTeam("file", "alice", "bob");
        var a = team.Replicas[0];
        var b = team.Clone("bob");
        for (int i = 0; i < 5; i++)
        {
            team.Note(a, "alice", $"alice {i}");
            team.Note(b, "bob", $"bob {i}");
        }
        team.Sync(b, "bob");
        var beforeA = team.JournalBytes(a);
        var mergedExpectedCount = beforeA.Count(x => x == '\n') + 5;

        using (var child = JournalFixture.StartStress("sync", a.Root, "alice", point))
        {
            var line = child.StandardOutput.ReadLine();
            if (line != $"paused {point}")
            {
                // Only now read stderr: the child has exited (ReadLine saw the end) or said something else.
                child.Kill();
                Assert.Fail($"child said '{line}': {child.StandardError.ReadToEnd()}");
            }
            child.Kill(); // SIGKILL, this child only
            child.WaitForExit();
        }

        // Never torn: either the journal as before, or the whole merged journal.
        var now = team.JournalBytes(a);
        Assert.True(now.AsSpan().SequenceEqual(beforeA) || now.Count(x => x == '\n') == mergedExpectedCount, "journal is neither as before nor as merged");
        var chainOnly = a.JournalOf(team.Incident).Verify(new JournalVerifyOptions { UseHeadRecord = false, ExpectedIncident = team.Incident });
        Assert.True(chainOnly.IsValid, chainOnly.ToString());
        _output.WriteLine($"after the kill at {point}: {(now.AsSpan().SequenceEqual(beforeA) ? "as before" : "merged")}; with head record: {team.Verify(a)}");

        var again = team.Sync(a, "alice");
        Assert.True(again.Pushed, again.ToString());
        team.Sync(b, "bob");
        Assert.Equal(team.JournalBytes(a), team.JournalBytes(b));
        Assert.Equal(mergedExpectedCount, team.JournalBytes(a).Count(x => x == '\n'));
        foreach (var ws in new[] { a, b })
        {
            var verdict = team.Verify(ws);
            Assert.True(verdict.IsValid, verdict.ToString());
            Assert.Equal(verdict.EntryCount, verdict.SignedEntries);
        }
    }
}
