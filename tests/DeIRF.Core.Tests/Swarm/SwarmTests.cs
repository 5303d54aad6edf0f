using System.Text.Json.Nodes;
using DeIRF.Core.Tests.Quorum;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Swarm;
using Xunit;

namespace DeIRF.Core.Tests.Swarm;

/// <summary>Issue 25: tasks, follow-the-sun availability, hand-offs and quorum reachability, on fixed clocks.</summary>
public class SwarmTests
{
    // Tuesday 8 December 2026, 12:00 UTC: 13:00 in Berlin, 07:00 in New York.
    private static readonly DateTimeOffset Noon = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);

    private static QuorumWorld World(out string incident)
    {
        var w = new QuorumWorld(clock: new QuorumWorld.Clock(Noon));
        w.Responder("alice", [ResponderRole.ContainmentLead, ResponderRole.TriageLead]);
        w.Responder("bob", [ResponderRole.ContainmentLead]);
        w.Responder("carol", [ResponderRole.ContainmentLead, ResponderRole.TriageLead]);
        w.Responder("dave", [ResponderRole.TriageLead]);
        incident = w.Incident(("alice", ResponderRole.TriageLead), ("bob", ResponderRole.ContainmentLead));
        w.Evidence(incident, "prod/api-7f9");
        return w;
    }

    private static void Hours(QuorumWorld w, string handle, string zone, string hours = "08:00-18:00", string days = "Mon-Fri", bool onCall = false, string? actor = null)
        => w.Roster.SetAvailability(handle, zone, WorkingHours.Parse(hours), WorkingHours.ParseDays(days), onCall, actor ?? handle, w.Options);

    [Fact]
    public void TaskLifecycleIsFoldedFromTheJournalWithTimeOnTaskPerResponder()
    {
        using var w = World(out var inc);
        var t = TaskWork.Create(w.Ws, inc, "Capture the pod logs", null, ResponderRole.ContainmentLead, TimeSpan.FromMinutes(30), "alice", w.Options);
        Assert.Matches("^T-[0-9a-f]{8}$", t.Id);
        Assert.Equal("the ContainmentLead", t.AssignedTo);
        Assert.Equal(Noon.AddMinutes(30), t.Due);
        w.Tick(TimeSpan.FromMinutes(5));
        TaskWork.Update(w.Ws, inc, t.Id, "InProgress", null, null, null, "bob", w.Options);
        w.Tick(TimeSpan.FromMinutes(20));
        TaskWork.Update(w.Ws, inc, t.Id, "Blocked", null, null, "waiting for kube access", "bob", w.Options);
        w.Tick(TimeSpan.FromMinutes(10));
        TaskWork.Update(w.Ws, inc, t.Id, "InProgress", null, null, null, "alice", w.Options);
        w.Tick(TimeSpan.FromMinutes(7));
        var done = TaskWork.Update(w.Ws, inc, t.Id, "Done", null, null, "logs in evidence", "alice", w.Options);

        Assert.Equal("Done", done.Status);
        Assert.Equal(("alice", Noon.AddMinutes(42)), (done.CompletedBy, done.Completed!.Value));
        Assert.Equal(Noon.AddMinutes(5), done.Started);
        Assert.Equal("logs in evidence", done.Note);
        Assert.Equal(5, done.History.Count);
        Assert.False(done.IsOverdueAt(Noon.AddHours(2)));
        var times = TaskWork.Board(w.Ws, inc).TimeByResponder(Noon.AddHours(3));
        Assert.Equal([("alice", TimeSpan.FromMinutes(7), 1), ("bob", TimeSpan.FromMinutes(20), 1)], times);

        // A done task is not changed again unless reopened; an unknown one is not found; nothing is written.
        var before = w.Ws.JournalOf(inc).ReadEntries().Count();
        Assert.Equal("TaskDone", Assert.Throws<DeirfException>(() => TaskWork.Update(w.Ws, inc, t.Id, "Blocked", null, null, null, "bob", w.Options)).ErrorId);
        Assert.Equal("TaskNotFound", Assert.Throws<DeirfException>(() => TaskWork.Update(w.Ws, inc, "T-00000000", "Done", null, null, null, "bob", w.Options)).ErrorId);
        Assert.Equal(before, w.Ws.JournalOf(inc).ReadEntries().Count());
        Assert.Equal("Open", TaskWork.Update(w.Ws, inc, t.Id, "Open", null, null, "not done after all", "bob", w.Options).Status);
    }

    [Fact]
    public void TasksAreRefusedForStrangersAndOverdueIsJudgedAtTheTimeAsked()
    {
        using var w = World(out var inc);
        Assert.Equal("TaskAssigneeNotOnRoster", Assert.Throws<DeirfException>(() => TaskWork.Create(w.Ws, inc, "x", "mallory", null, null, "alice", w.Options)).ErrorId);
        var t = TaskWork.Create(w.Ws, inc, "First update", "carol", null, TimeSpan.FromMinutes(10), "alice", w.Options);
        Assert.False(t.IsOverdueAt(Noon.AddMinutes(9)));
        Assert.True(t.IsOverdueAt(Noon.AddMinutes(11)));
        var incident = w.Ws.GetIncident(inc);
        Assert.True(t.IsFor("carol", incident.HoldsRole));
        Assert.False(t.IsFor("bob", incident.HoldsRole));
    }

    [Fact]
    public void TaskEntriesAreValidatedByTheirKinds()
    {
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(TaskCreated.KindName, new JsonObject { ["id"] = "T-0000000g", ["title"] = "x", ["assignee"] = "bob" }));
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(TaskCreated.KindName, new JsonObject { ["id"] = "T-00000000", ["title"] = "x", ["assignee"] = "bob", ["role"] = "TriageLead" }));
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(TaskCreated.KindName, new JsonObject { ["id"] = "T-00000000", ["title"] = "x" }));
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(TaskUpdated.KindName, new JsonObject { ["id"] = "T-00000000" }));
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(TaskUpdated.KindName, new JsonObject { ["id"] = "T-00000000", ["status"] = "Finished" }));
        EntryKinds.Validate(TaskUpdated.KindName, new TaskUpdated.Body("T-00000000", "Done").ToBody());
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(ResponderAvailability.KindName,
            new JsonObject { ["handle"] = "bob", ["zone"] = "Europe/Berlin", ["hours"] = "8-18", ["days"] = new JsonArray("Mon"), ["oncall"] = false }));
    }

    [Fact]
    public void ShippedTaskTemplatesLoadAndSeedInOneAppend()
    {
        using var w = World(out var inc);
        var shipped = Path.Combine(ExternalTool.RepoRoot, "templates");
        Assert.Contains("p1-kickoff", TaskTemplate.Shipped(shipped));
        var template = TaskTemplate.Load(TaskTemplate.Resolve("p1-kickoff", shipped, overridesDirectory: Path.Combine(w.Dir, "no-overrides")));
        var head = w.Ws.GetIncident(inc).HeadSeq;
        var tasks = TaskWork.Seed(w.Ws, inc, template, "alice", w.Options);
        Assert.Equal(template.Tasks.Count, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("p1-kickoff", t.Template));
        Assert.Equal(head + template.Tasks.Count, w.Ws.GetIncident(inc).HeadSeq);
        Assert.Equal("TaskTemplateNotFound", Assert.Throws<DeirfException>(() => TaskTemplate.Resolve("../etc", shipped)).ErrorId);
        var bad = Path.Combine(w.Dir, "bad.json");
        File.WriteAllText(bad, """{"tasks":[{"title":"x","role":"Janitor"}]}""");
        Assert.Equal("TaskTemplateInvalid", Assert.Throws<DeirfException>(() => TaskTemplate.Load(bad)).ErrorId);
    }

    [Theory]
    [InlineData("Europe/Berlin", "08:00-18:00", "Mon-Fri", "2026-12-08T07:00:00Z", true)]   // Tue 08:00 Berlin
    [InlineData("Europe/Berlin", "08:00-18:00", "Mon-Fri", "2026-12-08T17:00:00Z", false)]  // Tue 18:00 Berlin: the end is exclusive
    [InlineData("Europe/Berlin", "08:00-18:00", "Mon-Fri", "2026-12-12T10:00:00Z", false)]  // Saturday
    [InlineData("America/New_York", "22:00-06:00", "Mon-Fri", "2026-12-12T08:00:00Z", true)] // Sat 03:00 NY: Friday's night shift
    [InlineData("America/New_York", "22:00-06:00", "Mon-Fri", "2026-12-08T16:00:00Z", false)]
    [InlineData("Asia/Tokyo", "09:00-17:00", "Mon-Sun", "2026-12-08T01:00:00Z", true)]      // 10:00 Tokyo
    public void WorkingHoursAreJudgedInTheResponderOwnZone(string zone, string hours, string days, string at, bool available)
    {
        var a = new Availability { Zone = zone, TimeZone = Availability.FindZone(zone), Hours = WorkingHours.Parse(hours), Days = WorkingHours.ParseDays(days) };
        Assert.Equal(available, a.IsAvailableAt(DateTimeOffset.Parse(at)));
    }

    [Fact]
    public void NextAvailabilityCrossesWeekendsAndDaylightSaving()
    {
        var berlin = new Availability { Zone = "Europe/Berlin", TimeZone = Availability.FindZone("Europe/Berlin"), Hours = WorkingHours.Parse("08:00-18:00"), Days = WorkingHours.Weekdays };
        // Friday 18:30 Berlin → Monday 08:00 Berlin (07:00 UTC in winter).
        Assert.Equal(new DateTimeOffset(2026, 12, 14, 7, 0, 0, TimeSpan.Zero), berlin.NextAvailableFrom(new DateTimeOffset(2026, 12, 11, 17, 30, 0, TimeSpan.Zero), TimeSpan.FromDays(7)));
        // Sunday 29 March 2026 the clocks go forward: Monday 08:00 Berlin is 06:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 6, 0, 0, TimeSpan.Zero), berlin.NextAvailableFrom(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(7)));
        Assert.Null(berlin.NextAvailableFrom(new DateTimeOffset(2026, 12, 11, 17, 30, 0, TimeSpan.Zero), TimeSpan.FromDays(1)));
        Assert.Equal("TimeZoneNotFound", Assert.Throws<DeirfException>(() => Availability.FindZone("Mars/Olympus_Mons")).ErrorId);
        // A synced roster names a zone, never a file: traversal and absolute names are refused before any lookup.
        foreach (var path in new[] { "../../etc/passwd", "/etc/localtime", "Europe/../../etc", "Europe//Berlin", "Europe/Berlin\n" })
        {
            Assert.False(Availability.IsZoneName(path));
            Assert.Equal("TimeZoneNotFound", Assert.Throws<DeirfException>(() => Availability.FindZone(path)).ErrorId);
        }
        Assert.True(Availability.IsZoneName("America/Argentina/Buenos_Aires"));
        Assert.True(Availability.IsZoneName("Etc/GMT+5"));
        Assert.Equal("WorkingHoursInvalid", Assert.Throws<DeirfException>(() => WorkingHours.Parse("9-5")).ErrorId);
        Assert.Equal(new[] { DayOfWeek.Monday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday }, WorkingHours.ParseDays("Fri-Mon"));
    }

    [Fact]
    public void AvailabilityIsARosterChangeOneMakesAloneOnlyForOneself()
    {
        using var w = World(out _);
        w.Seal();
        Hours(w, "bob", "Europe/Berlin");
        var bob = w.Roster.Get("bob");
        Assert.Equal("Europe/Berlin", bob.TimeZone);
        Assert.True(bob.IsAvailableAt(Noon));
        Assert.False(bob.IsAvailableAt(Noon.AddHours(6)));
        // Someone else's hours after the seal need a met ROSTER proposal: refused, nothing applied.
        var ex = Assert.Throws<QuorumException>(() => Hours(w, "carol", "Europe/Berlin", actor: "alice"));
        Assert.Equal("RosterChangeNeedsQuorum", ex.ErrorId);
        Assert.Equal(string.Empty, w.Roster.Get("carol").TimeZone);
        Assert.Empty(w.Roster.Problems);

        // With the quorum: roster.responder.availability, target the handle, the parameters as declared.
        var body = new ResponderAvailability.Body("carol", "America/New_York", WorkingHours.Parse("08:00-18:00"), WorkingHours.Weekdays, true);
        var p = w.Propose(Roster.JournalId, Roster.AvailabilityAction, "carol", new Dictionary<string, string>
        {
            ["days"] = body.DaysText, ["hours"] = "08:00-18:00", ["oncall"] = "true", ["zone"] = "America/New_York",
        }, proposer: "alice");
        w.Sign(p, "bob");
        w.Sign(p, "dave");
        w.Roster.SetAvailability("carol", "America/New_York", body.Hours, body.Days, true, "alice", w.Options, p.Id);
        Assert.True(w.Roster.Get("carol").OnCall);
        Assert.Empty(w.Roster.Problems);
    }

    [Fact]
    public void QuorumBecomesReachableOnlyAfterTheHandoffBetweenTimeZones()
    {
        using var w = World(out var inc);
        Hours(w, "alice", "Europe/Berlin");
        Hours(w, "bob", "Europe/Berlin");
        Hours(w, "carol", "America/New_York");
        Hours(w, "dave", "America/New_York");
        var evening = new DateTimeOffset(2026, 12, 8, 17, 30, 0, TimeSpan.Zero); // 18:30 Berlin, 12:30 New York

        // k8s.* needs two persons holding ContainmentLead/TriageLead in the incident: alice and bob hold them, but are off.
        var before = Reachability.ForAction(w.Ws, inc, "k8s.pod.quarantine", evening);
        Assert.False(before.IsReachableNow);
        Assert.Empty(before.CouldSign);
        Assert.Equal(new DateTimeOffset(2026, 12, 9, 7, 0, 0, TimeSpan.Zero), before.EarliestAt); // Wednesday 08:00 Berlin
        Assert.Equal(["alice", "bob"], before.WaitingFor);
        Assert.Contains(before.Candidates, c => c.Handle == "carol" && c.IsAvailable && !c.CouldSign && c.Reason.Contains("holds no role"));
        Assert.Contains("reachable later: alice from 2026-12-09 07:00Z", string.Join(" ", before.Missing));

        // Alice hands over to dave with the Triage Lead role; she grants carol Containment Lead.
        var task = TaskWork.Create(w.Ws, inc, "Watch the drain", "alice", null, TimeSpan.FromHours(1), "alice", w.Options);
        var template = Path.Combine(ExternalTool.RepoRoot, "templates", Handoff.TemplateName);
        var plan = Handoff.Prepare(w.Ws, inc, "alice", "dave", [ResponderRole.TriageLead], template, w.TheClock);
        Assert.Contains("Hand-off: unrated " + inc + " from @alice to @dave", plan.Text);
        Assert.Contains("Tue 13:00 Europe/Berlin", plan.Text);
        Assert.Contains(task.Id, plan.Text);
        Handoff.Record(w.Ws, plan, w.Options);
        w.Grant(inc, "carol", ResponderRole.ContainmentLead);
        Assert.Equal("dave", TaskWork.Board(w.Ws, inc).Find(task.Id)!.Assignee);
        Assert.True(w.Ws.GetIncident(inc).HoldsRole("TriageLead", "dave"));
        var sent = w.Ws.JournalOf(inc).ReadEntries().Last(e => e.Kind == HandoffSent.KindName);
        Assert.Equal(plan.Sha256, EntryKinds.Text(sent.Body, "sha256"));

        var after = Reachability.ForAction(w.Ws, inc, "k8s.pod.quarantine", evening);
        Assert.True(after.IsReachableNow);
        Assert.Equal(["carol", "dave"], after.CouldSign);
        Assert.Equal(evening, after.EarliestAt);

        // For the proposal itself: a counted signature stands whoever is awake.
        var p = w.Propose(inc, proposer: "carol");
        w.Sign(p, "carol");
        var pr = Reachability.ForProposal(w.Ws, inc, p.Id, Noon.AddMinutes(1));
        Assert.Equal(["carol"], pr.Signed);
        Assert.True(pr.IsReachableNow); // at noon alice and bob are at work in Berlin
        Assert.Equal(p.Expires, pr.Expires);
    }

    [Fact]
    public void HandoffRefusesWhatTheSenderCannotGive()
    {
        using var w = World(out var inc);
        var template = Path.Combine(ExternalTool.RepoRoot, "templates", Handoff.TemplateName);
        Assert.Equal("HandoffToSelf", Assert.Throws<DeirfException>(() => Handoff.Prepare(w.Ws, inc, "bob", "bob", [], template, w.TheClock)).ErrorId);
        Assert.Equal("HandoffRoleNotHeld", Assert.Throws<DeirfException>(() => Handoff.Prepare(w.Ws, inc, "bob", "carol", [ResponderRole.TriageLead], template, w.TheClock)).ErrorId);
        // bob holds ContainmentLead but did not open the incident and is not its Triage Lead: he grants no roles.
        Assert.Equal("HandoffRoleRefused", Assert.Throws<DeirfException>(() => Handoff.Prepare(w.Ws, inc, "bob", "carol", [ResponderRole.ContainmentLead], template, w.TheClock)).ErrorId);
        Assert.Equal("TaskAssigneeNotOnRoster", Assert.Throws<DeirfException>(() => Handoff.Prepare(w.Ws, inc, "bob", "mallory", [], template, w.TheClock)).ErrorId);
    }

    [Fact]
    public void ReadinessWarnsWhenAQuorumIsUnreachableForLongInATypicalWeek()
    {
        using var w = World(out _);
        foreach (var h in new[] { "alice", "bob", "carol", "dave" })
        {
            Hours(w, h, "Europe/Berlin");
        }
        var gaps = Reachability.WeeklyGaps(w.Roster, QuorumPolicy.Defaults, Noon);
        var k8s = gaps.Single(g => g.Rule.Action == "k8s.*");
        // Weekdays 08:00–18:00 Berlin: reachable 50 of 168 hours; the longest gap is Friday 18:00 to Monday 08:00 (62 h).
        Assert.Equal(118, k8s.UnreachableHours);
        Assert.Equal(62, k8s.LongestGapHours);
        var check = DeIRF.Readiness.ReadinessChecklist.QuorumReachable(new DeIRF.Readiness.ReadinessContext(w.Ws, w.TheClock));
        Assert.Equal(DeIRF.Readiness.ReadinessStatus.Warn, check.Status);
        Assert.Contains("k8s.*", check.Reason);

        // Carol goes on call: every rule is reachable around the clock? Not k8s.* (two persons needed); dave too, then yes.
        Hours(w, "carol", "America/New_York", onCall: true);
        Hours(w, "dave", "America/New_York", onCall: true);
        var again = DeIRF.Readiness.ReadinessChecklist.QuorumReachable(new DeIRF.Readiness.ReadinessContext(w.Ws, w.TheClock));
        Assert.Equal(DeIRF.Readiness.ReadinessStatus.Pass, again.Status);
    }
}
