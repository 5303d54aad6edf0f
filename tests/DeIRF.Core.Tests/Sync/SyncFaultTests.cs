using DeIRF.Core.Tests.Reliability;
using DeIRF.Journal;
using DeIRF.Workspaces;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Sync;

/// <summary>
/// Issue 11's fault injection for sync: a whole Sync-DeirfWorkspace run (the stress tool's "sync" mode; strace -f follows
/// its git children too) with EIO or SIGKILL injected at the first, a middle and the last fsync / rename / write. After
/// every fault: the journal is as before or as merged (never torn), the failure is a documented refusal or a kill, and
/// a clean sync on the same replica converges with the other one, nothing lost or duplicated, every entry signed.
/// </summary>
[Collection("reliability")]
public sealed class SyncFaultTests
{
    private static readonly string[] Faults = ["error=EIO", "signal=SIGKILL"];
    private readonly ITestOutputHelper _output;

    public SyncFaultTests(ITestOutputHelper output) => _output = output;

    /// <summary>alice's replica with 5 unpushed notes behind bob's 5 pushed ones: her next sync fetches, re-links and pushes.</summary>
    private static (SyncTeam Team, Workspace A, Workspace B, byte[] Before, int Merged) Diverged()
    {
        var team = new SyncTeam("file", "alice", "bob");
        var a = team.Replicas[0];
        var b = team.Clone("bob");
        for (int i = 0; i < 5; i++)
        {
            team.Note(a, "alice", $"alice {i}");
            team.Note(b, "bob", $"bob {i}");
        }
        team.Sync(b, "bob");
        var before = team.JournalBytes(a);
        return (team, a, b, before, before.Count(x => x == '\n') + 5);
    }

    [SkippableTheory]
        [InlineData("fsync")]
    [InlineData("rename")]
    [InlineData("write")]
    public void SyncUnderInjectedFaults_NeverTearsAJournal_AndTheNextSyncConverges(string syscall)
    {
        FaultInjectionTests.RequireStrace();
        int calls;
        {
            var (team, a, _, _, _) = Diverged();
            using (team)
            {
                calls = FaultInjectionTests.CountCallsMode("sync", syscall, a.Root, "alice", "none");
            }
        }
        Assert.True(calls > 0, $"a sync made no {syscall} call");
        var runs = 0;
        foreach (var fault in Faults)
        {
            foreach (var n in FaultInjectionTests.Sweep(calls))
            {
                var (team, a, b, before, merged) = Diverged();
                using (team)
                {
                    var run = FaultInjectionTests.RunFaultedMode("sync", syscall, fault, n, a.Root, "alice", "none");
                    var what = $"{syscall} {fault} at {n}/{calls}";
                    // Killed, done, or refused with an ErrorId. A runtime thread's own write failing can also abort the
                    // process (exit 134, nothing on stderr): a death like a kill. Never a raw exception escaping sync.
                    var died = run.Killed || (run.ExitCode >= 128 && !run.Stderr.Contains("Unhandled exception", StringComparison.Ordinal));
                    Assert.True(died || run.ExitCode == 0 || (run.ExitCode == 3 && run.ErrorId is not null),
                        $"{what}: exit {run.ExitCode}, error {run.ErrorId ?? "(none)"}: {run.Stderr}");

                    var now = team.JournalBytes(a);
                    var asBefore = now.AsSpan().SequenceEqual(before);
                    Assert.True(asBefore || now.Count(x => x == '\n') == merged, $"{what}: the journal is neither as before nor as merged");
                    var chain = a.JournalOf(team.Incident).Verify(new JournalVerifyOptions { UseHeadRecord = false, ExpectedIncident = team.Incident });
                    Assert.True(chain.IsValid, $"{what}: {chain}");

                    // The clean sync on the same replica (what a responder does next) converges.
                    team.Sync(a, "alice");
                    team.Sync(b, "bob");
                    Assert.Equal(team.JournalBytes(a), team.JournalBytes(b));
                    Assert.Equal(merged, team.JournalBytes(a).Count(x => x == '\n'));
                    foreach (var ws in new[] { a, b })
                    {
                        var verdict = team.Verify(ws);
                        Assert.True(verdict.IsValid, $"{what}: {verdict}");
                        Assert.Equal(verdict.EntryCount, verdict.SignedEntries);
                    }
                    _output.WriteLine($"{what}: exit {run.ExitCode}{(run.ErrorId is { } id ? $" ({id})" : "")}, journal {(asBefore ? "as before" : "merged")}; converged");
                    runs++;
                }
            }
        }
        Assert.True(runs >= 2);
    }
}
