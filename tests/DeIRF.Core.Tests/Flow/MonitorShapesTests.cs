using DeIRF.Alerts;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>
/// The alert shapes of the monitors people run, with bodies shaped as each sender's documentation shows: Grafana's
/// webhook contact point, OpenZeppelin Monitor's webhook trigger, Forta alerts; Falco's Kubernetes fields; resolved
/// Alertmanager alerts in a webhook file open nothing.
/// </summary>
public sealed class MonitorShapesTests : IDisposable
{
    private readonly string _dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-shapes-");

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    internal const string Grafana = """
        {"receiver":"deirf","status":"firing","orgId":1,"alerts":[{"status":"firing","labels":{"alertname":"High5xx","grafana_folder":"api","severity":"critical","instance":"api-7f9"},
        "annotations":{"summary":"5xx above 2% on api-7f9"},"startsAt":"2026-12-08T03:50:10Z","endsAt":"0001-01-01T00:00:00Z",
        "generatorURL":"https://grafana.example.test/alerting/grafana/aaa/view","fingerprint":"57c6d9296de2ad39",
        "silenceURL":"https://grafana.example.test/alerting/silence/new","dashboardURL":"https://grafana.example.test/d/api","panelURL":"https://grafana.example.test/d/api?viewPanel=4",
        "values":{"B":0.031},"valueString":"[ var='B' labels={instance=api-7f9} value=0.031 ]"}],
        "groupLabels":{"alertname":"High5xx"},"commonLabels":{"alertname":"High5xx"},"commonAnnotations":{},"externalURL":"https://grafana.example.test/",
        "version":"1","groupKey":"{}:{alertname=\"High5xx\"}","truncatedAlerts":0,"title":"[FIRING:1] High5xx api","state":"alerting","message":"**Firing**"}
        """;

    [Fact]
    public void Grafana_Version1_IsRead_WithFingerprintAndPanelLink()
    {
        var alert = Assert.Single(AlertReader.Read(Grafana));
        Assert.Equal("grafana", alert.Format);
        Assert.Equal("5xx above 2% on api-7f9", alert.Title);
        Assert.Equal("grafana/deirf", alert.Source);
        Assert.Equal("57c6d9296de2ad39", alert.Fingerprint);
        Assert.Equal("https://grafana.example.test/d/api?viewPanel=4", alert.Link);
        Assert.Equal(("High", "High"), (alert.SuggestedImpact, alert.SuggestedUrgency));
        Assert.Equal(Alert.Firing, alert.Status);
    }

    [Fact]
    public void Grafana_ResolvedAlerts_AreResolved()
    {
        var body = Grafana.Replace("\"status\":\"firing\"", "\"status\":\"resolved\"", StringComparison.Ordinal);
        Assert.Equal(Alert.Resolved, Assert.Single(AlertReader.Read(body)).Status);
    }

    [Fact]
    public void OpenZeppelinMonitor_WebhookTrigger_TitleAndBody()
    {
        const string tx = "0x8a3f2b9c1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
        var body = $$"""{"title":"Large USDC transfer on Ethereum","body":"Monitor *usdc-large* matched Transfer(address,address,uint256)\nSeverity: high\nTx: {{tx}}\nhttps://etherscan.io/tx/{{tx}}"}""";
        var alert = Assert.Single(AlertReader.Read(body));
        Assert.Equal("openzeppelin-monitor", alert.Format);
        Assert.Equal("Large USDC transfer on Ethereum", alert.Title);
        Assert.Equal(tx, alert.Target);
        Assert.Equal($"https://etherscan.io/tx/{tx}", alert.Link);
        Assert.Equal(("Medium", "High"), (alert.SuggestedImpact, alert.SuggestedUrgency));
        Assert.True(DateTimeOffset.UtcNow - alert.EventTime < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void AGenericAlert_WithTitleAndTime_IsStillGeneric()
        => Assert.Equal("generic", Assert.Single(AlertReader.Read("""{"title":"disk full","time":"2026-12-08T03:00:00Z","body":"x"}""")).Format);

    internal const string FortaAlert = """
        {"alertId":"ATTACK-DETECTOR-1","name":"Attack detected on Acme Vault","description":"Funding, preparation and exploitation stages seen for 0x1f98431c8ad98523631ae4a59f267346ea31f984",
        "severity":"CRITICAL","findingType":"EXPLOIT","protocol":"ethereum","hash":"0x9c1e2b3a4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "createdAt":"2026-12-08T03:41:07.123456789Z","addresses":["0x1f98431c8ad98523631ae4a59f267346ea31f984","0x00000000000000000000000000000000000000aa"],
        "metadata":{"anomalyScore":"0.0002","attacker":"0x1f98431c8ad98523631ae4a59f267346ea31f984"},
        "source":{"transactionHash":"0x5e7b0d1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5","bot":{"id":"0x80ed808b586aeebe9cdd4088ea4dea0a8e322909c0e4493c993e060e89c09ed1"},
        "block":{"number":21345678,"chainId":1,"timestamp":"2026-12-08T03:40:59Z"}}}
        """;

    [Fact]
    public void Forta_OneAlert_GraphQlAnswer_AndWebhookList_ReadAlike()
    {
        var one = Assert.Single(AlertReader.Read(FortaAlert));
        Assert.Equal("forta", one.Format);
        Assert.Equal("Attack detected on Acme Vault", one.Title);
        Assert.Equal("forta/0x80ed808b58", one.Source);
        Assert.Equal(("High", "High"), (one.SuggestedImpact, one.SuggestedUrgency));
        Assert.Equal("eip155:1:0x1f98431c8ad98523631ae4a59f267346ea31f984", one.Target);
        Assert.StartsWith("0x9c1e2b3a", one.Fingerprint);
        Assert.Equal("https://explorer.forta.network/alert/" + one.Fingerprint, one.Link);
        Assert.Contains("exploit", one.Tags);
        Assert.Contains("transaction=0x5e7b0d1c", one.Details);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 3, 41, 7, TimeSpan.Zero).AddTicks(1234567), one.EventTime);

        var graphQl = AlertReader.Read("{\"data\":{\"alerts\":{\"pageInfo\":{\"hasNextPage\":false},\"alerts\":[" + FortaAlert + "]}}}");
        var webhook = AlertReader.Read($$"""{"alerts":[{{FortaAlert}}]}""");
        Assert.Equal(one.Title, Assert.Single(graphQl).Title);
        Assert.Equal("forta", Assert.Single(webhook).Format);
    }

    [Fact]
    public void Forta_ExploitFinding_IsUrgentWhateverItsSeverity()
    {
        var medium = FortaAlert.Replace("\"CRITICAL\"", "\"MEDIUM\"", StringComparison.Ordinal);
        var alert = Assert.Single(AlertReader.Read(medium));
        Assert.Equal(("Medium", "High"), (alert.SuggestedImpact, alert.SuggestedUrgency));
    }

    [Fact]
    public void Falco_KubernetesFields_BecomeTheTarget()
    {
        const string falco = """{"time":"2026-12-08T03:30:00.123456789Z","rule":"Terminal shell in container","priority":"Notice","output":"A shell was spawned","hostname":"node-3","output_fields":{"k8s.ns.name":"prod","k8s.pod.name":"api-7f9","container.id":"8c1f"}}""";
        Assert.Equal("prod/api-7f9", Assert.Single(AlertReader.Read(falco)).Target);
        Assert.Null(Assert.Single(AlertReader.Read(falco.Replace("\"k8s.pod.name\":\"api-7f9\",", string.Empty, StringComparison.Ordinal))).Target);
    }

    [Fact]
    public void AlertmanagerWebhook_ResolvedAlerts_OpenNothing_ButAreRecordedOnTheirIncident()
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
        const string firing = """{"version":"4","groupKey":"g","status":"firing","receiver":"deirf","alerts":[{"status":"firing","labels":{"alertname":"High5xx","severity":"critical"},"annotations":{"summary":"5xx high"},"startsAt":"2026-12-08T03:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"0a1b2c3d4e5f6789"}]}""";
        var resolvedBody = firing.Replace("\"status\":\"firing\"", "\"status\":\"resolved\"", StringComparison.Ordinal);
        var resolved = Assert.Single(AlertReader.Read(resolvedBody));
        Assert.Equal(Alert.Resolved, resolved.Status);
        // No incident yet: a resolved alert opens nothing.
        Assert.Equal(AlertIntakeAction.Nothing, AlertIntake.Decide(ws, resolved).Action);

        var alert = Assert.Single(AlertReader.Read(firing));
        var incident = ws.OpenIncident(alert.Title, "alice", alert.Tags, alert: alert);
        Assert.Equal(AlertIntakeAction.Nothing, AlertIntake.Decide(ws, alert).Action);
        var decision = AlertIntake.Decide(ws, resolved);
        Assert.Equal(AlertIntakeAction.Record, decision.Action);
        AlertIntake.Record(ws, incident.Id, "alice", resolved, JournalAppendOptions.Default);
        // Fires again later (a new startsAt): recorded on the same incident, still one incident.
        var refired = Assert.Single(AlertReader.Read(firing.Replace("03:00:00Z", "04:00:00Z", StringComparison.Ordinal)));
        Assert.Equal(AlertIntakeAction.Record, AlertIntake.Decide(ws, refired).Action);
        var after = AlertIntake.Record(ws, incident.Id, "alice", refired, JournalAppendOptions.Default);
        Assert.Equal(Alert.Firing, after.AlertStatus);
        Assert.Single(ws.IncidentIds());
        Assert.Equal(2, ws.JournalOf(incident.Id).ReadEntries().Count(e => e.Kind == AlertReceived.KindName));
        // Closed, the fingerprint opens a new incident.
        ws.CloseIncident(incident.Id, "alice", "fixed");
        Assert.Equal(AlertIntakeAction.Open, AlertIntake.Decide(ws, refired).Action);
    }
}
