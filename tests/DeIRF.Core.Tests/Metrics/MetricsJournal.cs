using System.Text.Json.Nodes;
using DeIRF.Alerts;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Core.Tests.Metrics;

/// <summary>
/// Hand-built incident journals with explicit timestamps (the append clock is set before each entry), for the metrics,
/// report and readiness tests.
/// </summary>
internal sealed class MetricsJournal
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new(DateTimeOffset.UnixEpoch);

    public MetricsJournal(Workspace? ws = null)
    {
        Workspace = ws ?? Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-metrics-").FullName, "ws"));
    }

    public Workspace Workspace { get; }

    public const string ProposalId = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    private JournalAppendOptions At(DateTimeOffset t)
    {
        _clock.Now = t;
        return new JournalAppendOptions { Clock = _clock, Durable = false };
    }

    /// <summary>Opens an incident at <paramref name="opened"/>, from an alert whose event time is <paramref name="alertTime"/> when given.</summary>
    public string Open(DateTimeOffset opened, DateTimeOffset? alertTime = null, bool drill = false, string title = "Leaked deploy key")
    {
        Alert? alert = alertTime is { } at
            ? AlertReader.Read($"{{\"title\":\"scanner hit {Guid.NewGuid():n}\",\"time\":\"{Timestamps.ToJournal(at)}\",\"source\":\"leak-scanner\"}}")[0]
            : null;
        return Workspace.OpenIncident(title, "alice", ["test"], drill, At(opened), alert).Id;
    }

    public void Append(string id, DateTimeOffset t, string kind, string actor, JsonObject body)
        => Workspace.JournalOf(id).Append(new StatementDraft(kind, actor, body), At(t));

    public void Severity(string id, DateTimeOffset t, string severity)
        => Append(id, t, SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = severity, ["urgency"] = "High" });

    public void Grant(string id, DateTimeOffset t, string role, string who)
        => Append(id, t, RoleGranted.KindName, "bob", new JsonObject { ["role"] = role, ["responder"] = who });

    public void Contain(string id, DateTimeOffset t, bool verified)
        => Append(id, t, ContainmentApplied.KindName, "dana", new JsonObject
        {
            ["action"] = "identity.revoke", ["after"] = new JsonObject(), ["before"] = new JsonObject(), ["proposal"] = ProposalId,
            ["target"] = "dana/did:key", ["undo"] = new JsonObject(), ["verified"] = verified,
        });

    public void Note(string id, DateTimeOffset t, string text) => Append(id, t, DeIRF.Journal.Kinds.Note.KindName, "carol", new JsonObject { ["text"] = text });

    public void Close(string id, DateTimeOffset t) => Append(id, t, IncidentClosed.KindName, "bob", new JsonObject { ["resolution"] = "done" });

    /// <summary>A full incident: alert, open, severity, Triage Lead, containment, close at the given minute offsets from <paramref name="opened"/>.</summary>
    public string Full(DateTimeOffset opened, string severity, double detectMin, double ackMin, double containMin, double resolveMin, bool drill = false)
    {
        var id = Open(opened, opened - TimeSpan.FromMinutes(detectMin), drill);
        Severity(id, opened + TimeSpan.FromMinutes(ackMin / 2), severity);
        Grant(id, opened + TimeSpan.FromMinutes(ackMin), "TriageLead", "bob");
        Grant(id, opened + TimeSpan.FromMinutes(ackMin + 1), "TriageLead", "carol");
        Contain(id, opened + TimeSpan.FromMinutes(containMin / 2), verified: false);
        Contain(id, opened + TimeSpan.FromMinutes(containMin), verified: true);
        Close(id, opened + TimeSpan.FromMinutes(resolveMin));
        return id;
    }
}
