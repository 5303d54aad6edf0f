using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>
/// T-minus deadlines and incident roles as folds over the journal under an injected clock. Deadline arithmetic is UTC
/// throughout: offsets on the way in are converted, and "in 8 h" is 8 elapsed hours even across a DST switch
/// (US: 2026-03-08 02:00 EST → 03:00 EDT; Europe: 2026-10-25 03:00 CEST → 02:00 CET).
/// </summary>
public class DeadlineAndRoleTests
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (Workspace, Incident, Clock) Open(DateTimeOffset t0)
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-deadline-").FullName, "ws"));
        var clock = new Clock(t0.ToUniversalTime());
        var inc = ws.OpenIncident("Leaked deploy key", "alice", [], options: new JournalAppendOptions { Clock = clock, Durable = false });
        return (ws, inc, clock);
    }

    private static void Append(Workspace ws, string id, Clock clock, TimeSpan after, string kind, string actor, JsonObject body)
    {
        clock.Now += after;
        ws.JournalOf(id).Append(new StatementDraft(kind, actor, body), new JournalAppendOptions { Clock = clock, Durable = false });
    }

    private static JsonObject DeadlineBody(string name, DateTimeOffset due)
        => new() { ["due"] = DeadlineSet.FormatDue(Deadline.Normalize(due)), ["name"] = name };

    [Fact]
    public void DeadlineInEightHoursAcrossUsDstSwitchIsEightRealHours()
    {
        // 2026-03-07 22:00 EST (-05:00); 8 h later the New York wall clock reads 07:00 EDT (-04:00), not 06:00.
        var start = new DateTimeOffset(2026, 3, 7, 22, 0, 0, TimeSpan.FromHours(-5));
        var due = Deadline.DueIn(TimeSpan.FromHours(8), new Clock(start));
        Assert.Equal(TimeSpan.Zero, due.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 11, 0, 0, TimeSpan.Zero), due);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.FromHours(-4)), due);
        Assert.Equal(TimeSpan.FromHours(8), due - start);
    }

    [Fact]
    public void DeadlineAcrossEuropeDstSwitchAndOffsetsStoredInUtc()
    {
        // 2026-10-25 01:30 CEST (+02:00) → 8 h later it is 08:30 CET (+01:00) in Berlin, 07:30Z.
        var (ws, inc, clock) = Open(new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.FromHours(2)));
        var due = Deadline.DueIn(TimeSpan.FromHours(8), clock);
        Append(ws, inc.Id, clock, TimeSpan.Zero, DeadlineSet.KindName, "alice", DeadlineBody("containment", due));
        // The same instant given at another offset (New York, -04:00 that day) stores the same UTC text.
        Append(ws, inc.Id, clock, TimeSpan.Zero, DeadlineSet.KindName, "alice", DeadlineBody("first-comms", new DateTimeOffset(2026, 10, 25, 3, 30, 0, TimeSpan.FromHours(-4))));
        var entries = ws.JournalOf(inc.Id).ReadEntries().Where(e => e.Kind == DeadlineSet.KindName).ToArray();
        Assert.Equal("2026-10-25T07:30:00.000Z", EntryKinds.Summarize(entries[0].Kind, entries[0].Body).Split(' ')[^1]);
        Assert.Equal("2026-10-25T07:30:00.000Z", entries[1].Body["due"]);

        var folded = ws.GetIncident(inc.Id);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 8, 30, 0, TimeSpan.FromHours(1)), folded.Deadlines["containment"]);
        Assert.Equal(TimeSpan.FromHours(8), folded.Deadlines["containment"] - new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.FromHours(2)));
    }

    [Fact]
    public void OverdueFollowsTheInjectedClock()
    {
        var t0 = new DateTimeOffset(2026, 3, 8, 1, 0, 0, TimeSpan.FromHours(-5));
        var (ws, inc, clock) = Open(t0);
        Append(ws, inc.Id, clock, TimeSpan.Zero, DeadlineSet.KindName, "alice", DeadlineBody("containment", Deadline.DueIn(TimeSpan.FromHours(4), clock)));
        var folded = ws.GetIncident(inc.Id);

        var before = Deadline.For(folded, new FixedClock(t0 + TimeSpan.FromHours(3))).Single();
        Assert.False(before.IsOverdue);
        Assert.Equal(TimeSpan.FromHours(1), before.Remaining);
        Assert.Null(before.Met);

        var atDue = Deadline.For(folded, new FixedClock(t0 + TimeSpan.FromHours(4))).Single();
        Assert.False(atDue.IsOverdue);
        Assert.Equal(TimeSpan.Zero, atDue.Remaining);

        // Read at a -04:00 wall clock after the switch: 06:30 EDT is 10:30Z, 30 min past the 10:00Z due.
        var after = Deadline.For(folded, new FixedClock(new DateTimeOffset(2026, 3, 8, 6, 30, 0, TimeSpan.FromHours(-4)))).Single();
        Assert.True(after.IsOverdue);
        Assert.Equal(TimeSpan.FromMinutes(-30), after.Remaining);
        Assert.Equal(TimeSpan.Zero, after.Due.Offset);
    }

    [Fact]
    public void TriageMetByTriageLeadGrantOrSeverityAndRetroListed()
    {
        var t0 = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        var (ws, inc, clock) = Open(t0);
        Append(ws, inc.Id, clock, TimeSpan.Zero, DeadlineSet.KindName, "alice", DeadlineBody("triage", t0.AddMinutes(30)));
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(10), RoleGranted.KindName, "alice", new JsonObject { ["responder"] = "bob", ["role"] = "TriageLead" });
        var met = Deadline.For(ws.GetIncident(inc.Id), new FixedClock(t0.AddHours(1))).Single();
        Assert.True(met.Met);
        Assert.False(met.IsOverdue);
        Assert.Equal(t0.AddMinutes(10), met.MetAt);

        // A late triage (severity after the due time) is "not met" and overdue.
        var (ws2, inc2, clock2) = Open(t0);
        Append(ws2, inc2.Id, clock2, TimeSpan.Zero, DeadlineSet.KindName, "alice", DeadlineBody("triage", t0.AddMinutes(30)));
        Append(ws2, inc2.Id, clock2, TimeSpan.FromMinutes(45), SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = "P1", ["urgency"] = "High" });
        Append(ws2, inc2.Id, clock2, TimeSpan.FromMinutes(5), IncidentClosed.KindName, "bob", new JsonObject { ["resolution"] = "done" });
        var list = Deadline.For(ws2.GetIncident(inc2.Id), new FixedClock(t0.AddHours(2)));
        Assert.Equal(["triage", "retrospective"], list.Select(d => d.Name));
        Assert.False(list[0].Met);
        Assert.True(list[0].IsOverdue);
        Assert.Equal(t0.AddMinutes(50).AddHours(72), list[1].Due);
        Assert.False(list[1].IsOverdue);
    }

    [Fact]
    public void RolesFoldGrantRevokeAndShare()
    {
        var (ws, inc, clock) = Open(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(1), RoleGranted.KindName, "alice", new JsonObject { ["responder"] = "dana", ["role"] = "CommsLead" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(1), RoleGranted.KindName, "alice", new JsonObject { ["responder"] = "bob", ["role"] = "TriageLead" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(1), RoleGranted.KindName, "alice", new JsonObject { ["responder"] = "carol", ["role"] = "TriageLead" });
        Append(ws, inc.Id, clock, TimeSpan.FromMinutes(1), RoleRevoked.KindName, "alice", new JsonObject { ["responder"] = "dana", ["role"] = "CommsLead" });
        var i = ws.GetIncident(inc.Id);
        Assert.Equal(["bob", "carol"], i.Roles["TriageLead"]);
        Assert.False(i.Roles.ContainsKey("CommsLead"));
        Assert.Equal("TriageLead: bob, carol", i.RolesText);
        Assert.True(i.HoldsRole("TriageLead", "carol"));
        Assert.True(ws.JournalOf(inc.Id).Verify().IsValid);
    }

    [Theory]
    [InlineData(RoleGranted.KindName, "Lead", "bob")]
    [InlineData(RoleGranted.KindName, "1", "bob")]
    [InlineData(RoleRevoked.KindName, "TriageLead", "")]
    [InlineData(DeadlineSet.KindName, null, null)]
    public void KindsRejectBadBodies(string kind, string? role, string? responder)
    {
        var body = kind == DeadlineSet.KindName
            ? new JsonObject { ["due"] = "2026-03-08T06:30:00-05:00", ["name"] = "triage" }
            : new JsonObject { ["responder"] = responder, ["role"] = role };
        Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(kind, body));
    }

    [Fact]
    public void RosterRefusalsHaveTheirIds()
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-roles-").FullName, "ws"));
        IncidentRoles.CheckMayHold(ws, "anyone", ResponderRole.Recorder); // no roster: plain handles
        var roster = Roster.Load(ws);
        roster.AddResponder("dana", "Dana Ito", [ResponderRole.CommsLead], "dana", new JournalAppendOptions { Durable = false });
        roster = Roster.Load(ws);
        Assert.Equal("RoleResponderUnknown", Assert.Throws<DeirfException>(() => IncidentRoles.CheckMayHold(ws, "mallory", ResponderRole.CommsLead)).ErrorId);
        var ineligible = Assert.Throws<DeirfException>(() => IncidentRoles.CheckMayHold(ws, "dana", ResponderRole.CommsLead));
        Assert.Equal("RoleResponderIneligible", ineligible.ErrorId);
        Assert.Contains("OpenPgp", ineligible.Message);
    }
}
