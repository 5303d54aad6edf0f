using System.Text.Json;
using System.Text.RegularExpressions;

namespace DeIRF.Alerts;

/// <summary>
/// Grafana-managed alerting's webhook contact point: Alertmanager's payload with "version": "1" and Grafana's own
/// members (orgId, title, state, message; per alert fingerprint, dashboardURL, panelURL, silenceURL, values).
/// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
/// </summary>
public sealed class GrafanaShape : IAlertShape
{
    public const string Format = "grafana";

    // Before Alertmanager (100), which would refuse version "1".
    public int Order => 90;

    public bool Recognizes(JsonElement root) => root.TryGetProperty("alerts", out var a) && a.ValueKind == JsonValueKind.Array
        && ((root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == "1") || root.TryGetProperty("orgId", out _));

    public IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath)
    {
        var version = AlertReader.RequireString(Format, root, "version", sourcePath);
        if (version != "1")
        {
            throw new AlertInvalidException(Format, "version", $"'version' is '{version}'; Grafana's webhook payload is version \"1\".", sourcePath);
        }
        var alerts = root.GetProperty("alerts");
        if (alerts.GetArrayLength() == 0)
        {
            throw new AlertInvalidException(Format, "alerts", "'alerts' is empty.", sourcePath);
        }
        var receiver = AlertReader.OptionalString(Format, root, "receiver", sourcePath);
        var groupStatus = AlertReader.OptionalString(Format, root, "status", sourcePath);
        var result = new List<Alert>();
        int i = 0;
        foreach (var a in alerts.EnumerateArray())
        {
            var at = $"alerts[{i}]";
            // The panel or dashboard is where a responder looks first; generatorURL opens the rule.
            string? link = null;
            if (a.ValueKind == JsonValueKind.Object)
            {
                link = AlertReader.OptionalString(Format, a, "panelURL", sourcePath, $"{at}.") ?? AlertReader.OptionalString(Format, a, "dashboardURL", sourcePath, $"{at}.");
            }
            result.Add(AlertReader.ReadPrometheusAlert(Format, a, at, receiver is null ? Format : $"{Format}/{receiver}", groupStatus, raw, sourcePath, link));
            i++;
        }
        return result;
    }
}

/// <summary>
/// OpenZeppelin Monitor's webhook trigger (the successor of Defender's Monitor): it POSTs {"title", "body"}, both
/// rendered from the trigger's message template (${monitor.name}, ${transaction.hash}, ...), signed in the
/// X-Signature / X-Timestamp headers. The body carries no time: the alert's time is when it was read.
/// https://docs.openzeppelin.com/monitor (triggers: webhook)
/// </summary>
public sealed partial class OpenZeppelinMonitorShape : IAlertShape
{
    public const string Format = "openzeppelin-monitor";

    public int Order => 300;

    public bool Recognizes(JsonElement root)
    {
        if (!root.TryGetProperty("title", out var t) || t.ValueKind != JsonValueKind.String || !root.TryGetProperty("body", out var b) || b.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        // Exactly the two members the Monitor sends: anything else is another sender's (the generic shape has a time).
        return root.EnumerateObject().Count() == 2;
    }

    public IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath)
    {
        var title = AlertReader.RequireString(Format, root, "title", sourcePath);
        var body = root.GetProperty("body").GetString() ?? string.Empty;
        var tags = new List<string> { Format };
        string? target = null;
        if (TxHash().Match(body) is { Success: true } tx)
        {
            target = tx.Value;
            tags.Add("transaction");
        }
        var severity = SeverityWord().Match(title + " " + body) is { Success: true } m ? m.Groups[1].Value : null;
        var (impact, urgency) = AlertReader.SeverityHint(severity);
        var link = Url().Match(body) is { Success: true } u ? u.Value : null;
        return [new Alert(Format, title, Format, DateTimeOffset.UtcNow, impact, urgency, AlertReader.Clean(tags), body, link, raw, sourcePath) { Target = target }];
    }

    [GeneratedRegex(@"\b0x[0-9a-fA-F]{64}\b", RegexOptions.CultureInvariant)]
    private static partial Regex TxHash();

    [GeneratedRegex(@"(?i)\bseverity\b\W{0,4}(critical|high|medium|low|info)\b", RegexOptions.CultureInvariant)]
    private static partial Regex SeverityWord();

    [GeneratedRegex(@"https://[^\s)\]>""']+", RegexOptions.CultureInvariant)]
    private static partial Regex Url();
}

/// <summary>
/// Forta Network alerts, as its GraphQL API answers them ({"data":{"alerts":{"alerts":[...]}}}), as a bot
/// subscription's webhook posts them ({"alerts":[...]}), or one alert object: alertId, name, description, severity
/// (CRITICAL..INFO), findingType, hash (the alert's identity), createdAt, addresses, metadata, source {bot {id},
/// transactionHash, block {chainId, number}}. https://docs.forta.network/en/latest/api/
/// </summary>
public sealed class FortaShape : IAlertShape
{
    public const string Format = "forta";

    // Before Alertmanager (100): a webhook's {"alerts": [...]} of Forta alerts is not Alertmanager's.
    public int Order => 95;

    public bool Recognizes(JsonElement root) => IsFortaAlert(root) || Alerts(root) is { } list && list.GetArrayLength() > 0 && IsFortaAlert(list[0]);

    private static bool IsFortaAlert(JsonElement e) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("alertId", out _)
        && (e.TryGetProperty("findingType", out _) || e.TryGetProperty("hash", out _) || e.TryGetProperty("source", out _));

    private static JsonElement? Alerts(JsonElement root)
    {
        if (root.TryGetProperty("alerts", out var a) && a.ValueKind == JsonValueKind.Array)
        {
            return a;
        }
        if (root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("alerts", out var page)
            && page.ValueKind == JsonValueKind.Object && page.TryGetProperty("alerts", out var inner) && inner.ValueKind == JsonValueKind.Array)
        {
            return inner;
        }
        return null;
    }

    public IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath)
    {
        if (IsFortaAlert(root))
        {
            return [ReadOne(root, string.Empty, raw, sourcePath)];
        }
        var list = Alerts(root)!.Value;
        var result = new List<Alert>();
        int i = 0;
        foreach (var a in list.EnumerateArray())
        {
            result.Add(ReadOne(a, $"alerts[{i}].", raw, sourcePath));
            i++;
        }
        return result;
    }

    private static Alert ReadOne(JsonElement a, string at, byte[] raw, string? path)
    {
        if (a.ValueKind != JsonValueKind.Object)
        {
            throw new AlertInvalidException(Format, at.TrimEnd('.'), $"'{at.TrimEnd('.')}' must be an object.", path);
        }
        var alertId = AlertReader.RequireString(Format, a, "alertId", path, at);
        var name = AlertReader.OptionalString(Format, a, "name", path, at) ?? alertId;
        var time = AlertReader.RequireTime(Format, a, "createdAt", path, at);
        var severity = AlertReader.OptionalString(Format, a, "severity", path, at);
        var (impact, urgency) = AlertReader.SeverityHint(severity);
        var findingType = AlertReader.OptionalString(Format, a, "findingType", path, at);
        if (findingType?.ToUpperInvariant() == "EXPLOIT")
        {
            // An exploit in progress cannot wait for the next business day, whatever severity the bot gave it.
            urgency = "High";
        }
        var hash = AlertReader.OptionalString(Format, a, "hash", path, at);
        var addresses = AlertReader.OptionalStrings(Format, a, "addresses", path).ToArray();
        string? bot = null, tx = null, chain = null;
        if (a.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
        {
            if (source.TryGetProperty("bot", out var b) && b.ValueKind == JsonValueKind.Object)
            {
                bot = AlertReader.OptionalString(Format, b, "id", path, $"{at}source.bot.");
            }
            tx = AlertReader.OptionalString(Format, source, "transactionHash", path, $"{at}source.");
            if (source.TryGetProperty("block", out var block) && block.ValueKind == JsonValueKind.Object && block.TryGetProperty("chainId", out var c))
            {
                chain = c.ValueKind == JsonValueKind.Number ? c.GetRawText() : c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            }
        }
        chain ??= a.TryGetProperty("chainId", out var cid) && cid.ValueKind == JsonValueKind.Number ? cid.GetRawText() : null;
        var tags = new List<string> { Format, alertId };
        if (severity is not null)
        {
            tags.Add(severity.ToLowerInvariant());
        }
        if (findingType is not null)
        {
            tags.Add(findingType.ToLowerInvariant());
        }
        var details = new List<string>();
        if (AlertReader.OptionalString(Format, a, "description", path, at) is { } description)
        {
            details.Add(description);
        }
        if (chain is not null)
        {
            details.Add($"chain=eip155:{chain}");
        }
        if (tx is not null)
        {
            details.Add($"transaction={tx}");
        }
        if (addresses.Length > 0)
        {
            details.Add($"addresses={string.Join(",", addresses)}");
        }
        if (a.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            details.AddRange(meta.EnumerateObject().Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"));
        }
        var shortBot = bot is null ? null : bot.Length > 12 ? bot[..12] : bot;
        return new Alert(Format, name, shortBot is null ? Format : $"{Format}/{shortBot}", time, impact, urgency, AlertReader.Clean(tags),
            string.Join(Environment.NewLine, details), hash is null ? null : $"https://explorer.forta.network/alert/{hash}", raw, path)
        {
            Fingerprint = hash,
            Target = addresses.FirstOrDefault() is { } first ? chain is null ? first : $"eip155:{chain}:{first}" : null,
        };
    }
}
