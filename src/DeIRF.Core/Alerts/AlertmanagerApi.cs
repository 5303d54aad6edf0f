using System.Text;
using System.Text.Json;
using DeIRF.Recovery;

namespace DeIRF.Alerts;

/// <summary>Which alerts Alertmanager lists (GET /api/v2/alerts query parameters; each defaults as Alertmanager does).</summary>
public sealed record AlertmanagerQuery
{
    /// <summary>Label matchers, each as Alertmanager takes them: alertname="X", severity=~"crit.*", team!="db".</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];
    public bool Active { get; init; } = true;
    public bool Silenced { get; init; } = true;
    public bool Inhibited { get; init; } = true;
    public bool Unprocessed { get; init; } = true;

    /// <summary>A regular expression the receiver's name must match.</summary>
    public string? Receiver { get; init; }
}

/// <summary>
/// Reads Alertmanager's API v2 (GET /api/v2/alerts, https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml):
/// an array of gettableAlert {labels, annotations, startsAt, endsAt, updatedAt, fingerprint, receivers [{name}],
/// status {state: active|suppressed|unprocessed, silencedBy, inhibitedBy}, generatorURL}. Each becomes an alert of
/// format alertmanager whose kept bytes are that alert's JSON; Alertmanager lists only unresolved alerts.
/// </summary>
public static class AlertmanagerApi
{
    public static IReadOnlyList<Alert> GetAlerts(string baseUrl, AlertmanagerQuery query, CancellationToken cancellationToken)
    {
        var uri = MonitorHttp.ValidateUrl(baseUrl, "Alertmanager");
        var b = new UriBuilder(uri);
        b.Path = b.Path.TrimEnd('/') + "/api/v2/alerts";
        var qs = new StringBuilder();
        qs.Append($"active={Bool(query.Active)}&silenced={Bool(query.Silenced)}&inhibited={Bool(query.Inhibited)}&unprocessed={Bool(query.Unprocessed)}");
        foreach (var f in query.Filters)
        {
            qs.Append("&filter=").Append(Uri.EscapeDataString(f));
        }
        if (query.Receiver is { Length: > 0 } r)
        {
            qs.Append("&receiver=").Append(Uri.EscapeDataString(r));
        }
        b.Query = qs.ToString();
        var (status, body) = MonitorHttp.Get(b.Uri, TimeSpan.FromSeconds(30), cancellationToken, "AlertmanagerUnreachable");
        var endpoint = MonitorHttp.EndpointOf(uri);
        if (status is < 200 or > 299)
        {
            // Alertmanager answers a bad matcher with 400 and a JSON string (the parser's message).
            var text = Encoding.UTF8.GetString(body);
            throw new AlertmanagerException(status == 400 ? "AlertmanagerFilterInvalid" : "AlertmanagerFailed",
                status == 400 ? DeirfErrorKind.InvalidArgument : DeirfErrorKind.ResourceUnavailable,
                $"{endpoint} answered HTTP {status}: {Canonical.OutsideText.Line(text.Trim('"', ' ', '\n'), 400)}", status == 400 ? string.Join(", ", query.Filters) : endpoint);
        }
        using var doc = MonitorHttp.ParseJson(b.Uri, status, body);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new AlertmanagerException("AlertmanagerFailed", DeirfErrorKind.InvalidData, $"{endpoint} did not answer an array of alerts.", endpoint);
        }
        var result = new List<Alert>();
        int i = 0;
        foreach (var a in doc.RootElement.EnumerateArray())
        {
            var receiver = a.ValueKind == JsonValueKind.Object && a.TryGetProperty("receivers", out var rs) && rs.ValueKind == JsonValueKind.Array
                && rs.GetArrayLength() > 0 && rs[0].ValueKind == JsonValueKind.Object && rs[0].TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString() : null;
            var raw = Encoding.UTF8.GetBytes(a.GetRawText());
            result.Add(AlertReader.ReadPrometheusAlert(AlertReader.Alertmanager, a, $"[{i}]",
                $"{AlertReader.Alertmanager}/{receiver ?? "api"}@{uri.Authority}", null, raw, null));
            i++;
        }
        return result;
    }

    /// <summary>
    /// Alertmanager lists only unresolved alerts, so a resolution is what the list no longer holds: for every open
    /// incident opened from this Alertmanager (its source ends "@host:port") whose fingerprint is in none of its alerts
    /// (every state, no filter), a resolved alert of that fingerprint and episode. Its kept bytes say what was observed.
    /// </summary>
    public static IReadOnlyList<Alert> Resolved(Workspaces.Workspace ws, string baseUrl, CancellationToken cancellationToken)
    {
        var uri = MonitorHttp.ValidateUrl(baseUrl, "Alertmanager");
        var listed = GetAlerts(baseUrl, new AlertmanagerQuery(), cancellationToken).Select(a => a.Fingerprint).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        var result = new List<Alert>();
        foreach (var incident in ws.GetIncidents())
        {
            if (incident.State != "Open" || incident.AlertFingerprint is not { } fp || incident.AlertStatus == Alert.Resolved || listed.Contains(fp)
                || incident.AlertSource is not { } source || !source.StartsWith(AlertReader.Alertmanager + "/", StringComparison.Ordinal)
                || !source.EndsWith("@" + uri.Authority, StringComparison.Ordinal) || incident.AlertTime is not { } started)
            {
                continue;
            }
            var observed = new System.Text.Json.Nodes.JsonObject
            {
                ["alertmanager"] = MonitorHttp.EndpointOf(uri), ["fingerprint"] = fp, ["observedAt"] = Journal.Timestamps.ToJournal(now),
                ["startsAt"] = Journal.Timestamps.ToJournal(started), ["status"] = Alert.Resolved,
            };
            result.Add(new Alert(AlertReader.Alertmanager, incident.Title, source, started, "Low", "Low", [AlertReader.Alertmanager, Alert.Resolved],
                $"No longer listed by {MonitorHttp.EndpointOf(uri)} at {Journal.Timestamps.ToJournal(now)}.", null, Encoding.UTF8.GetBytes(observed.ToJsonString()), null)
            {
                Fingerprint = fp, Status = Alert.Resolved,
            });
        }
        return result;
    }

    private static string Bool(bool b) => b ? "true" : "false";
}

/// <summary>Alertmanager refused the read (AlertmanagerFilterInvalid) or answered something else (AlertmanagerFailed).</summary>
public sealed class AlertmanagerException : DeirfException
{
    public AlertmanagerException(string errorId, DeirfErrorKind kind, string message, object? target = null)
        : base(errorId, kind, message, target)
    {
    }
}
