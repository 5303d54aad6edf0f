using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Alerts;

/// <summary>What New-DeirfIncident does with an alert: open an incident, add the alert to the open one it belongs to, or nothing.</summary>
public enum AlertIntakeAction
{
    Open,
    Record,
    Nothing,
}

/// <summary>The decision for one alert, with the incident it belongs to (when one is open) and why.</summary>
public sealed record AlertIntakeDecision(AlertIntakeAction Action, Incident? Incident, string Reason);

/// <summary>
/// Alerts in, without duplicates. The fingerprint → incident index is the journals themselves (each incident's
/// genesis records the fingerprint of the alert that opened it): no side file to drift or to be forged apart from
/// the hash chain. A firing alert whose fingerprint opened an incident that is still open is recorded there
/// (alert.received) instead of opening another; a resolved alert is recorded on its incident and never opens one;
/// the same episode (status and start time) is recorded once.
/// </summary>
public static class AlertIntake
{
    public static AlertIntakeDecision Decide(Workspace ws, Alert alert)
    {
        if (alert.Fingerprint is not { } fingerprint)
        {
            return alert.IsResolved
                ? new(AlertIntakeAction.Nothing, null, $"a resolved {alert.Format} alert without a fingerprint names no incident: nothing is opened")
                : new(AlertIntakeAction.Open, null, "a new alert");
        }
        var incident = OpenIncidentFor(ws, fingerprint);
        if (incident is null)
        {
            return alert.IsResolved
                ? new(AlertIntakeAction.Nothing, null, $"resolved alert {Short(fingerprint)} has no open incident: nothing is opened")
                : new(AlertIntakeAction.Open, null, $"alert {Short(fingerprint)} opened no incident that is still open");
        }
        return incident.AlertEpisodes.Contains(Episode(alert))
            ? new(AlertIntakeAction.Nothing, incident, $"alert {Short(fingerprint)} ({alert.Status} since {Timestamps.ToJournal(alert.EventTime)}) is already in {incident.Id}")
            : new(AlertIntakeAction.Record, incident, alert.IsResolved ? $"alert {Short(fingerprint)} is resolved" : $"alert {Short(fingerprint)} fired again");
    }

    /// <summary>
    /// Records <paramref name="alert"/> on <paramref name="incidentId"/> (alert.received), deciding again under the journal
    /// lock so two sessions reading the same alert record it once. Returns the incident as it is afterwards.
    /// </summary>
    public static Incident Record(Workspace ws, string incidentId, string actor, Alert alert, JournalAppendOptions options)
    {
        var journal = ws.JournalOf(incidentId);
        journal.AppendChecked(() => ws.GetIncident(incidentId).AlertEpisodes.Contains(Episode(alert))
            ? []
            : [StatementDraft.Of(actor, AlertReceived.Body.Of(alert))], options);
        return ws.GetIncident(incidentId);
    }

    /// <summary>The newest open incident whose opening alert had <paramref name="fingerprint"/>; null when none.</summary>
    public static Incident? OpenIncidentFor(Workspace ws, string fingerprint)
    {
        foreach (var id in ws.IncidentIds().Reverse())
        {
            // Only the genesis is read to find the match; the matching incident is then read whole (for its state).
            var genesis = ws.JournalOf(id).ReadEntries().FirstOrDefault();
            if (genesis?.Kind != IncidentOpened.KindName || !genesis.Body.TryGetValue("alert", out var a)
                || a is not IReadOnlyDictionary<string, object?> alert || EntryKinds.Text(alert, "fingerprint") != fingerprint)
            {
                continue;
            }
            var incident = ws.GetIncident(id);
            if (incident.State == "Open")
            {
                return incident;
            }
        }
        return null;
    }

    private static string Episode(Alert alert) => $"{alert.Status}|{Timestamps.ToJournal(alert.EventTime)}";

    private static string Short(string fingerprint) => fingerprint.Length > 16 ? fingerprint[..16] : fingerprint;
}
