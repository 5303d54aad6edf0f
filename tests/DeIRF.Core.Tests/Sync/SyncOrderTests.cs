using System.Text.Json.Nodes;
using DeIRF.Core.Tests.Quorum;
using DeIRF.Identity;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Sync;
using DeIRF.Workspaces;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Sync;

/// <summary>Order-dependent facts decided on replicas while apart: the same answer on every converged replica, and reported.</summary>
public sealed class SyncOrderTests
{
    private readonly ITestOutputHelper _output;

    public SyncOrderTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public void ProposalConsumedOnTwoReplicasWhileApart_IsReported_AndVerdictAndDeadlinesAgreeEverywhere()
    {
        using var w = QuorumWorld.Standard(out var inc);
        using var remote = SyncRemote.Create(w.Dir, "file");
        var a = w.Ws;
        WorkspaceSync.Initialize(a.Root, remote.Url, null, new SyncOptions { Actor = "alice" });
        var (b, _) = WorkspaceSync.Initialize(Path.Combine(w.Dir, "replica-b"), remote.Url, null, new SyncOptions { Actor = "bob" });
        var (c, _) = WorkspaceSync.Initialize(Path.Combine(w.Dir, "replica-c"), remote.Url, null, new SyncOptions { Actor = "carol" });

        var p = w.Propose(inc);
        Assert.True(w.Sign(p, "alice").IsCounted);
        Assert.True(w.Sign(p, "bob", ProofKind.Ethereum).IsCounted);
        Sync(a, "alice");
        Sync(b, "bob");
        Assert.True(QuorumGate.Judge(b, inc, p.Id, w.TheClock).IsMet);

        // Apart: both run the approved action, set the containment deadline differently, and close the incident.
        w.Tick(TimeSpan.FromMinutes(1));
        QuorumGate.Consume(a, inc, p.Id, p.Action, p.Target, p.Parameters, "alice", w.Options);
        QuorumGate.Consume(b, inc, p.Id, p.Action, p.Target, p.Parameters, "bob", w.Options);
        Deadline(a, inc, "alice", w.TheClock.Now.AddHours(2), w.Options);
        Deadline(b, inc, "bob", w.TheClock.Now.AddHours(5), w.Options);
        w.Tick(TimeSpan.FromMinutes(1));
        a.CloseIncident(inc, "alice", "contained by alice", w.Options);
        w.Tick(TimeSpan.FromMinutes(1));
        b.CloseIncident(inc, "bob", "contained by bob", w.Options);

        var first = Sync(a, "alice");
        Assert.Empty(first.Conflicts);
        var second = Sync(b, "bob");
        foreach (var conflict in second.Conflicts)
        {
            _output.WriteLine(conflict.ToString());
        }
        var twice = Assert.Single(second.Conflicts, x => x.Kind == "ProposalConsumedTwice");
        Assert.Equal(p.Id, twice.Subject);
        Assert.Equal(2, twice.Seqs.Count);
        Assert.Single(second.Conflicts, x => x.Kind == "IncidentClosedTwice");
        Sync(a, "alice");
        var last = Sync(c, "carol");
        Assert.Contains(last.Conflicts, x => x.Kind == "ProposalConsumedTwice"); // the third replica is told too

        var journal = File.ReadAllBytes(a.JournalPathFor(inc));
        Assert.Equal(journal, File.ReadAllBytes(b.JournalPathFor(inc)));
        Assert.Equal(journal, File.ReadAllBytes(c.JournalPathFor(inc)));
        var verdicts = new[] { a, b, c }.Select(ws => QuorumGate.Judge(ws, inc, p.Id, w.TheClock)).ToArray();
        var incidents = new[] { a, b, c }.Select(ws => ws.GetIncident(inc)).ToArray();
        foreach (var (v, i) in verdicts.Zip(incidents))
        {
            Assert.True(v.IsConsumed);
            Assert.Equal(Describe(verdicts[0]), Describe(v));
            Assert.Equal(incidents[0].State, i.State);
            Assert.Equal(incidents[0].Closed, i.Closed);
            Assert.Equal(incidents[0].RetroDue, i.RetroDue);
            Assert.Equal(incidents[0].Deadlines.OrderBy(d => d.Key), i.Deadlines.OrderBy(d => d.Key));
            Assert.Equal(DeadlineList(incidents[0], w.TheClock), DeadlineList(i, w.TheClock));
        }
        // A third consumption after convergence is refused everywhere: the merged journal says it was consumed.
        var again = Assert.Throws<QuorumException>(() => QuorumGate.Consume(c, inc, p.Id, p.Action, p.Target, p.Parameters, "carol", w.Options));
        Assert.Equal("ProposalConsumed", again.ErrorId);
        _output.WriteLine(Describe(verdicts[0]));
    }

    private static SyncResult Sync(Workspace ws, string actor) => WorkspaceSync.Sync(ws, new SyncOptions { Actor = actor });

    private static void Deadline(Workspace ws, string inc, string actor, DateTimeOffset due, JournalAppendOptions options)
        => ws.JournalOf(inc).Append(new StatementDraft(DeadlineSet.KindName, actor, new JsonObject { ["due"] = DeadlineSet.FormatDue(due), ["name"] = "containment" }), options);

    private static string Describe(QuorumVerdict v)
        => $"met={v.IsMet} consumed={v.IsConsumed} persons={string.Join(",", v.Persons)} blockers={string.Join(" | ", v.Blockers)} "
            + $"sigs={string.Join(" | ", v.Signatures.Select(s => s.ToString()))}";

    private static string DeadlineList(Incident i, TimeProvider clock) => string.Join(" | ", Incidents.Deadline.For(i, clock).Select(d => d.ToString()));
}
