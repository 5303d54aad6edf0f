using System.Text.Json.Nodes;
using DeIRF.Alerts;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>Severity, closing and the timeline as folds over the journal, under a controlled clock.</summary>
public class IncidentFoldTests
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset T0 = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);

    private static (Workspace, Incident, Clock) Open(Alert? alert = null)
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-flow-").FullName, "ws"));
        var clock = new Clock(T0);
        var inc = ws.OpenIncident("Leaked deploy key", "alice", ["github"], options: new JournalAppendOptions { Clock = clock, Durable = false }, alert: alert);
        return (ws, inc, clock);
    }

    private static void Append(Workspace ws, string id, Clock clock, TimeSpan after, string kind, string actor, JsonObject body)
    {
        clock.Now += after;
        ws.JournalOf(id).Append(new StatementDraft(kind, actor, body), new JournalAppendOptions { Clock = clock, Durable = false });
    }

    [Fact]
    public void SeverityCloseAndRetroDue()
    {
        var (ws, inc, clock) = Open();
        Assert.Equal(string.Empty, inc.Severity);
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(4), SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = "P1", ["urgency"] = "High" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(1), SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "Medium", ["reason"] = "staging only", ["severity"] = "P3", ["urgency"] = "Medium" });
        var mid = ws.GetIncident(inc.Id);
        Assert.Equal(("P3", "Medium", "Medium"), (mid.Severity, mid.Impact, mid.Urgency));
        Assert.Equal("Open", mid.State);
        Assert.Null(mid.RetroDue);

        Append(ws, inc.Id, clock, TimeSpan.FromHours(2), IncidentClosed.KindName, "bob", new JsonObject { ["resolution"] = "Key revoked" });
        var closedAt = clock.Now;
        Append(ws, inc.Id, clock, TimeSpan.FromHours(1), Note.KindName, "carol", new JsonObject { ["text"] = "retro scheduled" });
        var done = ws.GetIncident(inc.Id);
        Assert.Equal("Closed", done.State);
        Assert.Equal(closedAt, done.Closed);
        // 72 h across the DST change of 29 March 2026 in Europe: UTC arithmetic, exactly 72 hours.
        Assert.Equal(closedAt + TimeSpan.FromHours(72), done.RetroDue);
        Assert.Equal("Key revoked", done.Resolution);
        Assert.Equal(5, done.EntryCount);
        Assert.True(ws.JournalOf(inc.Id).Verify().IsValid);
    }

    [Fact]
    public void TimelineDurationsSinceOpenedAndSincePhaseChange()
    {
        var (ws, inc, clock) = Open();
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(2), Note.KindName, "alice", new JsonObject { ["text"] = "looking" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(3), SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = "P1", ["urgency"] = "High" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(10), SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = "P2", ["urgency"] = "Medium" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(45), IncidentClosed.KindName, "bob", new JsonObject { ["resolution"] = "done" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(5), Note.KindName, "carol", new JsonObject { ["text"] = "after close" });

        var t = Timeline.Build(ws.JournalOf(inc.Id).ReadEntries()).ToList();
        Assert.Equal([IncidentOpened.KindName, Note.KindName, SeveritySet.KindName, SeveritySet.KindName, IncidentClosed.KindName, Note.KindName], t.Select(x => x.Kind));
        Assert.Equal([0, 2, 5, 15, 60, 65], t.Select(x => (int)x.SinceOpened.TotalMinutes));
        Assert.Equal(["Opened", "Opened", "Triaged", "Triaged", "Closed", "Closed"], t.Select(x => x.Phase));
        Assert.Equal([true, false, true, false, true, false], t.Select(x => x.IsPhaseChange));
        // Triage started 5 minutes in; closing came 55 minutes after triage started.
        Assert.Equal([0, 2, 5, 10, 55, 5], t.Select(x => (int)x.SincePhaseChange.TotalMinutes));
        Assert.StartsWith("Severity P1", t[2].Summary);
        Assert.Equal("Closed: done", t[4].Summary);
    }

    [Fact]
    public void GenesisRecordsTheAlertAndKeepsItsBytesReadOnly()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Vectors", "alerts", "falco-event.json"));
        var alert = Assert.Single(AlertReader.Read(bytes));
        var (ws, inc, _) = Open(alert);
        Assert.Equal("falco/syscall", inc.AlertSource);
        Assert.Equal(alert.EventTime.AddTicks(-(alert.EventTime.Ticks % TimeSpan.TicksPerMillisecond)), inc.AlertTime);
        Assert.Equal(alert.Sha256, inc.AlertSha256);
        Assert.Equal(bytes, File.ReadAllBytes(inc.AlertPath!));
        Assert.True(File.GetAttributes(inc.AlertPath!).HasFlag(FileAttributes.ReadOnly));
        var genesis = ws.JournalOf(inc.Id).ReadEntries().First();
        Assert.Contains(alert.Sha256, genesis.StatementJson);
        Assert.DoesNotContain("1507591916746609046", genesis.StatementJson);
        // The bytes are evidence: in the write-once store, with a custody entry right after the genesis.
        var store = DeIRF.Evidence.LocalEvidenceStore.In(ws);
        Assert.Equal(store.LocationOf(alert.Sha256), inc.AlertPath);
        var custody = ws.JournalOf(inc.Id).ReadEntries().ElementAt(1);
        Assert.Equal(EvidenceAdded.KindName, custody.Kind);
        Assert.Equal("sha256:" + alert.Sha256, custody.Body["hash"]);
        Assert.Equal((long)bytes.Length, custody.Body["size"]);
        Assert.Equal("alert", custody.Body["target"]);
        var item = Assert.Single(new DeIRF.Evidence.EvidenceCapture(ws, inc.Id).List());
        Assert.True(Assert.Single(new DeIRF.Evidence.EvidenceCapture(ws, inc.Id).Test()).IsValid);
        Assert.Equal(alert.Sha256, item.Sha256);
    }

    [Fact]
    public void AlertStoredOnceAcrossIncidentsAndNothingOpenedWhenStoreFails()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Vectors", "alerts", "falco-event.json"));
        var alert = Assert.Single(AlertReader.Read(bytes));
        var (ws, a, _) = Open(alert);
        var b = ws.OpenIncident("again", "bob", alert: alert, options: new JournalAppendOptions { Durable = false });
        Assert.Equal(a.AlertPath, b.AlertPath);
        var objects = Directory.EnumerateFiles(Path.Combine(ws.Root, "evidence"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".incoming")).ToList();
        Assert.Single(objects);

        // A store that cannot be written: the alert is refused and no incident appears.
        var ws2 = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-alert-ro-").FullName, "ws"));
        File.WriteAllText(Path.Combine(ws2.Root, "evidence"), "not a folder");
        var ex = Assert.ThrowsAny<DeirfException>(() => ws2.OpenIncident("t", "alice", alert: alert, options: new JournalAppendOptions { Durable = false }));
        Assert.Equal("EvidenceStoreWriteFailed", ex.ErrorId);
        Assert.Empty(ws2.IncidentIds());
    }

    [Fact]
    public void ConcurrentClosersExactlyOneWins()
    {
        var (ws, inc, _) = Open();
        var options = new JournalAppendOptions { Durable = false };
        using var start = new Barrier(8);
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 8).Select(n => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                if (n % 2 == 0)
                {
                    ws.CloseIncident(inc.Id, $"closer{n}", $"resolution {n}", options);
                    outcomes.Add("closed");
                }
                else
                {
                    // Notes land in between: closers decide under the lock, so notes change nothing for them.
                    ws.JournalOf(inc.Id).Append(new StatementDraft(Note.KindName, $"noter{n}", new JsonObject { ["text"] = "still here" }), options);
                    outcomes.Add("note");
                }
            }
            catch (DeirfException ex)
            {
                outcomes.Add(ex.ErrorId);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(1, outcomes.Count(o => o == "closed"));
        Assert.Equal(3, outcomes.Count(o => o == "IncidentAlreadyClosed"));
        Assert.Equal(4, outcomes.Count(o => o == "note"));
        Assert.Single(ws.JournalOf(inc.Id).ReadEntries(), e => e.Kind == IncidentClosed.KindName);
    }

    [Fact]
    public void AppendCheckedDecidesUnderTheLock()
    {
        var (ws, inc, _) = Open();
        var journal = ws.JournalOf(inc.Id);
        var options = new JournalAppendOptions { Durable = false };
        // The decision sees every entry appended before it, and a refusal writes nothing.
        journal.Append(new StatementDraft(Note.KindName, "bob", new JsonObject { ["text"] = "first" }), options);
        var ex = Assert.Throws<DeirfException>(() => journal.AppendChecked(() =>
            journal.ReadEntries().Any(e => e.Actor == "bob")
                ? throw new DeirfException("Refused", DeirfErrorKind.InvalidOperation, "bob already wrote")
                : [new StatementDraft(Note.KindName, "carol", new JsonObject { ["text"] = "stale" })], options));
        Assert.Equal("Refused", ex.ErrorId);
        Assert.DoesNotContain(journal.ReadEntries(), e => e.Actor == "carol");
    }

    [Fact]
    public void SeveritySetBodyIsValidated()
    {
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(SeveritySet.KindName, new JsonObject { ["impact"] = "Huge", ["severity"] = "P1", ["urgency"] = "High" }));
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(SeveritySet.KindName, new JsonObject { ["impact"] = "High", ["severity"] = "P5", ["urgency"] = "High" }));
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(IncidentClosed.KindName, new JsonObject { ["resolution"] = " " }));
    }
}
