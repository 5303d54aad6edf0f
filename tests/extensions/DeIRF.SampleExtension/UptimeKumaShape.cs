using System.Globalization;
using System.Text.Json;
using DeIRF.Alerts;

namespace DeIRF.SampleExtension;

/// <summary>
/// The sample alert shape: an Uptime Kuma webhook notification (https://github.com/louislam/uptime-kuma, "Webhook"
/// notification, application/json): {"heartbeat": {"status", "time", "msg", ...}, "monitor": {"name", "url", ...},
/// "msg"}. Status 0 is down, 1 up. Uptime Kuma writes "time" as "yyyy-MM-dd HH:mm:ss.fff" in the server's time zone
/// and says which in heartbeat "timezoneOffset" ("+00:00"); without it the time is taken as UTC.
/// </summary>
public sealed class UptimeKumaShape : IAlertShape
{
    public const string Format = "uptime-kuma";

    public int Order => 150;

    public bool Recognizes(JsonElement root)
        => root.TryGetProperty("heartbeat", out var h) && h.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("monitor", out var m) && m.ValueKind == JsonValueKind.Object;

    public IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath)
    {
        var heartbeat = root.GetProperty("heartbeat");
        var monitor = root.GetProperty("monitor");
        var name = Text(monitor, "name", "monitor.name", sourcePath, required: true)!;
        if (!heartbeat.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out var status) || status is < 0 or > 3)
        {
            throw new AlertInvalidException(Format, "heartbeat.status", "'heartbeat.status' must be 0 (down), 1 (up), 2 (pending) or 3 (maintenance).", sourcePath);
        }
        var timeText = Text(heartbeat, "time", "heartbeat.time", sourcePath, required: true)!;
        var offset = Text(heartbeat, "timezoneOffset", "heartbeat.timezoneOffset", sourcePath, required: false) ?? "+00:00";
        if (!DateTimeOffset.TryParseExact($"{timeText} {offset}", ["yyyy-MM-dd HH:mm:ss.fff zzz", "yyyy-MM-dd HH:mm:ss zzz"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new AlertInvalidException(Format, "heartbeat.time", $"'heartbeat.time' is '{timeText}' (offset '{offset}'), not yyyy-MM-dd HH:mm:ss.fff.", sourcePath);
        }
        var state = status switch { 0 => "down", 1 => "up", 2 => "pending", _ => "maintenance" };
        var (impact, urgency) = status == 0 ? ("High", "High") : ("Low", "Low");
        var msg = Text(heartbeat, "msg", "heartbeat.msg", sourcePath, required: false) ?? Text(root, "msg", "msg", sourcePath, required: false) ?? string.Empty;
        var url = Text(monitor, "url", "monitor.url", sourcePath, required: false);
        return [new Alert(Format, $"{name} is {state}", $"{Format}/{name}", time, impact, urgency, [Format, state], msg, url, raw, sourcePath)];
    }

    private static string? Text(JsonElement e, string member, string at, string? path, bool required)
    {
        if (!e.TryGetProperty(member, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new AlertInvalidException(Format, at, $"'{at}' is missing.", path) : null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new AlertInvalidException(Format, at, $"'{at}' must be a string.", path);
    }
}
