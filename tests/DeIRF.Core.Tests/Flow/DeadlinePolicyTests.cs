using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>Default T-minus deadlines a severity brings: set on change, tighten on escalation, never loosen.</summary>
public class DeadlinePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 25, 0, 30, 0, TimeSpan.Zero); // the night Europe leaves DST

    private static (Workspace ws, string id, JournalAppendOptions options) Open()
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-dpol-").FullName, "ws"));
        var options = new JournalAppendOptions { Durable = false };
        return (ws, ws.OpenIncident("t", "alice", options: options).Id, options);
    }

    private static void Apply(Workspace ws, string id, JournalAppendOptions o, DeadlinePolicy policy, string severity, DateTimeOffset now)
    {
        var current = ws.GetIncident(id);
        var drafts = new List<StatementDraft> { new(SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = severity, ["urgency"] = "High" }) };
        drafts.AddRange(policy.DraftsFor(current, severity, "bob", now));
        ws.JournalOf(id).AppendBatch(drafts, o);
    }

    [Fact]
    public void P1SetsTriageFirstCommsAndContainmentInUtc()
    {
        var (ws, id, o) = Open();
        Apply(ws, id, o, DeadlinePolicy.Default, "P1", T0);
        var d = ws.GetIncident(id).Deadlines;
        Assert.Equal(T0.AddMinutes(15), d["triage"]);
        Assert.Equal(T0.AddMinutes(30), d["first-comms"]);
        Assert.Equal(T0.AddHours(1), d["containment"]);
        Assert.All(d.Values, v => Assert.Equal(TimeSpan.Zero, v.Offset));
        Assert.Contains(ws.JournalOf(id).ReadEntries(), e => e.Kind == DeadlineSet.KindName && e.Summary.Contains("default for P1 (default)"));
    }

    [Fact]
    public void EscalationTightensButNeverLoosens()
    {
        var (ws, id, o) = Open();
        Apply(ws, id, o, DeadlinePolicy.Default, "P2", T0);                     // containment T0+4h
        ws.JournalOf(id).Append(new StatementDraft(DeadlineSet.KindName, "bob",
            new JsonObject { ["due"] = DeadlineSet.FormatDue(T0.AddMinutes(10)), ["name"] = "first-comms" }), o); // set tighter by hand
        Apply(ws, id, o, DeadlinePolicy.Default, "P1", T0.AddMinutes(20));     // P1 at +20m
        var d = ws.GetIncident(id).Deadlines;
        Assert.Equal(T0.AddMinutes(20).AddHours(1), d["containment"]);         // tightened from +4h
        Assert.Equal(T0.AddMinutes(10), d["first-comms"]);                     // hand-set earlier deadline kept
        Assert.Equal(T0.AddMinutes(30), d["triage"]);                          // P2 triage (+30m) already earlier than +20m+15m
    }

    [Fact]
    public void SameSeverityAgainSetsNothing()
    {
        var (ws, id, o) = Open();
        Apply(ws, id, o, DeadlinePolicy.Default, "P1", T0);
        Assert.Empty(DeadlinePolicy.Default.DraftsFor(ws.GetIncident(id), "P1", "bob", T0.AddHours(2)));
        Assert.Empty(DeadlinePolicy.Default.DraftsFor(ws.GetIncident(id), "P4", "bob", T0.AddHours(2)));
    }

    [Fact]
    public void WorkspacePolicyFileReplacesDefault()
    {
        var (ws, id, o) = Open();
        File.WriteAllText(Path.Combine(ws.Root, DeadlinePolicy.FileName), """{"P1":{"triage":"5m","containment":"1h30m","regulator-notice":"3d"}}""");
        var policy = DeadlinePolicy.For(ws);
        Apply(ws, id, o, policy, "P1", T0);
        var d = ws.GetIncident(id).Deadlines;
        Assert.Equal(T0.AddMinutes(5), d["triage"]);
        Assert.Equal(T0.AddMinutes(90), d["containment"]);
        Assert.Equal(T0.AddDays(3), d["regulator-notice"]);
        Assert.False(d.ContainsKey("first-comms"));
        Assert.Empty(policy.For("P2"));
    }

    [Theory]
    [InlineData("""{"P9":{"triage":"5m"}}""", "P9")]
    [InlineData("""{"P1":{"Triage":"5m"}}""", "P1.Triage")]
    [InlineData("""{"P1":{"triage":"5 minutes"}}""", "P1.triage")]
    [InlineData("""{"P1":{"triage":"0m"}}""", "P1.triage")]
    [InlineData("""{"P1":{"retrospective":"1h"}}""", "P1.retrospective")]
    [InlineData("""[1]""", "(document)")]
    [InlineData("""{"P1":""", "(document)")]
    public void MalformedPolicyNamesTheMember(string json, string member)
    {
        var ex = Assert.Throws<DeirfException>(() => DeadlinePolicy.Parse(Encoding.UTF8.GetBytes(json), "/ws/deadline-policy.json"));
        Assert.Equal("DeadlinePolicyInvalid", ex.ErrorId);
        Assert.Contains($"'{member}'", ex.Message);
        Assert.Equal("/ws/deadline-policy.json", ex.Target);
    }
}
