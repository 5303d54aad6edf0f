using System.Text.Json;
using DeIRF.Alerts;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Recovery;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Recovery;

/// <summary>
/// Alerts in from a real Alertmanager that the real Prometheus fires into (rule "deirf_test_alert > 0", for: 0s):
/// the alert opens one incident, reading it again opens nothing, and once it is resolved the resolution is recorded
/// on that incident. The fingerprint → incident index is the journals.
/// </summary>
[Collection(MonitoringCollection.Name)]
public sealed class AlertmanagerIntakeTests : IDisposable
{
    private readonly MonitoringStack _stack;
    private readonly string _dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-am-");
    private readonly Workspace _ws;

    public AlertmanagerIntakeTests(MonitoringStack stack)
    {
        _stack = stack;
        _ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
    }

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private static bool HasAlert(JsonElement list) => list.EnumerateArray().Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == MonitoringStack.AlertName);

    private static readonly AlertmanagerQuery OurAlert = new() { Filters = [$"alertname=\"{MonitoringStack.AlertName}\""] };

    [SkippableFact]
    public void FiringAlert_OpensOneIncident_ThenRecordsItsResolution_AndNeverASecondIncident()
    {
        _stack.Start();
        _stack.SetAndWait("deirf_test_alert", 1);
        try
        {
            _stack.WaitForAlerts(HasAlert);
            var alert = Assert.Single(AlertmanagerApi.GetAlerts(_stack.Alertmanager.ToString(), OurAlert, CancellationToken.None));
            Assert.Equal("alertmanager", alert.Format);
            Assert.Equal(Alert.Firing, alert.Status);
            Assert.Matches("^[0-9a-f]{16}$", alert.Fingerprint);
            Assert.StartsWith("API error rate is high on 127.0.0.1:", alert.Title);
            Assert.Equal(("High", "High"), (alert.SuggestedImpact, alert.SuggestedUrgency));
            Assert.EndsWith("@" + _stack.Alertmanager.Authority, alert.Source);
            Assert.Contains("critical", alert.Tags);
            Assert.Contains("service=api", alert.Details);
            using (var doc = JsonDocument.Parse(alert.RawBytes))
            {
                Assert.Equal(alert.Fingerprint, doc.RootElement.GetProperty("fingerprint").GetString());
            }

            Assert.Equal(AlertIntakeAction.Open, AlertIntake.Decide(_ws, alert).Action);
            var incident = _ws.OpenIncident(alert.Title, "alice", alert.Tags, alert: alert);
            Assert.Equal(alert.Fingerprint, incident.AlertFingerprint);

            // The next poll lists the same alert: nothing is opened, nothing recorded.
            var again = Assert.Single(AlertmanagerApi.GetAlerts(_stack.Alertmanager.ToString(), OurAlert, CancellationToken.None));
            var decision = AlertIntake.Decide(_ws, again);
            Assert.Equal(AlertIntakeAction.Nothing, decision.Action);
            Assert.Equal(incident.Id, decision.Incident!.Id);
            Assert.Empty(AlertmanagerApi.Resolved(_ws, _stack.Alertmanager.ToString(), CancellationToken.None));

            // The condition ends: Prometheus sends the resolution and Alertmanager stops listing the alert.
            _stack.SetAndWait("deirf_test_alert", 0);
            _stack.WaitForAlerts(list => !HasAlert(list));
            Assert.Empty(AlertmanagerApi.GetAlerts(_stack.Alertmanager.ToString(), OurAlert, CancellationToken.None));
            var resolved = Assert.Single(AlertmanagerApi.Resolved(_ws, _stack.Alertmanager.ToString(), CancellationToken.None));
            Assert.Equal(Alert.Resolved, resolved.Status);
            Assert.Equal(alert.Fingerprint, resolved.Fingerprint);
            var r = AlertIntake.Decide(_ws, resolved);
            Assert.Equal(AlertIntakeAction.Record, r.Action);
            var after = AlertIntake.Record(_ws, incident.Id, "alice", resolved, JournalAppendOptions.Default);
            Assert.Equal(Alert.Resolved, after.AlertStatus);
            Assert.Single(_ws.IncidentIds());
            var entry = Assert.Single(_ws.JournalOf(incident.Id).ReadEntries(), e => e.Kind == AlertReceived.KindName);
            Assert.Equal("resolved", EntryKinds.Text(entry.Body, "status"));
            // Recorded once: the same resolution read again adds nothing, and the next poll proposes none.
            Assert.Equal(AlertIntakeAction.Nothing, AlertIntake.Decide(_ws, resolved).Action);
            Assert.Empty(AlertmanagerApi.Resolved(_ws, _stack.Alertmanager.ToString(), CancellationToken.None));
        }
        finally
        {
            _stack.Set("deirf_test_alert", 0);
        }
    }

    [SkippableFact]
    public void ABadMatcher_IsAlertmanagerFilterInvalid()
    {
        _stack.Start();
        var ex = Assert.Throws<AlertmanagerException>(() => AlertmanagerApi.GetAlerts(_stack.Alertmanager.ToString(),
            new AlertmanagerQuery { Filters = ["alertname=~\"(\""] }, CancellationToken.None));
        Assert.Equal("AlertmanagerFilterInvalid", ex.ErrorId);
    }

    [SkippableFact]
    public void AlertmanagerDown_IsAlertmanagerUnreachable()
    {
        ExternalTool.Require("prometheus-alertmanager");
        var ex = Assert.Throws<RecoveryException>(() => AlertmanagerApi.GetAlerts($"http://127.0.0.1:{MonitoringStack.FreePort()}/", new AlertmanagerQuery(), CancellationToken.None));
        Assert.Equal("AlertmanagerUnreachable", ex.ErrorId);
    }
}
