using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeIRF.Extensions;

namespace DeIRF.Alerts;

/// <summary>
/// One alert format a sender produces (Falco, Alertmanager, an extension's): recognised from the parsed JSON object,
/// then read in full. Declared in the extension catalog (<see cref="ExtensionPoints.AlertShape"/>, key the format
/// name); every alert it returns has that format. Throw <see cref="AlertInvalidException"/> naming the member at fault.
/// </summary>
public interface IAlertShape
{
    /// <summary>Shapes are tried in this order (Alertmanager 100, Falco 200); the generic shape is the fallback.</summary>
    int Order { get; }

    /// <summary>Whether the object is this format (cheap member checks; never throws).</summary>
    bool Recognizes(JsonElement root);

    /// <summary>Reads every alert of the object; <paramref name="raw"/> is what each alert keeps and hashes.</summary>
    IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath);
}

/// <summary>
/// Reads Falco JSON output (one event, or one event per line), Alertmanager webhook payloads (version "4") and the
/// generic shape of docs/incident-flow.md. Every alert is checked in full before any is returned, so a malformed
/// input never yields half a result; the error names the member at fault.
/// </summary>
public static partial class AlertReader
{
    public const string Falco = "falco";
    public const string Alertmanager = "alertmanager";
    public const string Generic = "generic";

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    /// <summary>Reads every alert in <paramref name="bytes"/>: one JSON value, or JSON lines (Falco file output).</summary>
    public static IReadOnlyList<Alert> Read(byte[] bytes, string? sourcePath = null)
    {
        var trimmed = TrimBom(bytes);
        if (IsBlank(trimmed))
        {
            throw new AlertInvalidException("unknown", "(document)", "the input is empty.", sourcePath);
        }
        if (!System.Text.Unicode.Utf8.IsValid(trimmed))
        {
            // JsonDocument checks UTF-8 inside strings only when a string is read: refuse the document as a whole first.
            throw new AlertInvalidException("unknown", "(document)", "the input is not valid UTF-8.", sourcePath);
        }
        try
        {
            using var doc = JsonDocument.Parse(trimmed.ToArray(), Options);
            // The bytes kept and hashed are the input exactly as given, BOM included.
            return ReadValue(doc.RootElement, bytes, sourcePath);
        }
        catch (JsonException whole)
        {
            // Falco's file and stdout outputs write one JSON object per line.
            var lines = SplitLines(trimmed);
            if (lines.Count < 2)
            {
                throw new AlertInvalidException("unknown", "(document)", $"not JSON: {whole.Message}", sourcePath);
            }
            var result = new List<Alert>();
            for (int i = 0; i < lines.Count; i++)
            {
                try
                {
                    using var doc = JsonDocument.Parse(lines[i], Options);
                    result.AddRange(ReadValue(doc.RootElement, lines[i], sourcePath));
                }
                catch (JsonException ex)
                {
                    throw new AlertInvalidException("unknown", $"(line {i + 1})", $"line {i + 1} is not JSON: {ex.Message}", sourcePath);
                }
            }
            return result;
        }
    }

    /// <summary>Reads alerts from text (a pipeline string): its UTF-8 bytes are what is kept and hashed.</summary>
    public static IReadOnlyList<Alert> Read(string text, string? sourcePath = null) => Read(Encoding.UTF8.GetBytes(text), sourcePath);

    private static IReadOnlyList<Alert> ReadValue(JsonElement root, byte[] raw, string? sourcePath)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new AlertInvalidException("unknown", "(document)", $"expected a JSON object, found {root.ValueKind}.", sourcePath);
        }
        foreach (var (format, shape) in Shapes())
        {
            if (!shape.Recognizes(root))
            {
                continue;
            }
            var alerts = shape.Read(root, raw, sourcePath);
            // A shape speaks for its own format only: its alerts cannot pose as another reader's.
            if (alerts.FirstOrDefault(a => !string.Equals(a.Format, format, StringComparison.Ordinal)) is { } other)
            {
                throw new AlertInvalidException(format, "(document)", $"the {format} reader returned an alert of format '{other.Format}'.", sourcePath);
            }
            return alerts;
        }
        return [ReadGeneric(root, raw, sourcePath)];
    }

    private static readonly ExtensionSet<IAlertShape> ShapeSet = new(ExtensionPoints.AlertShape);
    private static Tuple<IReadOnlyList<(string, IAlertShape)>, IReadOnlyList<(string Format, IAlertShape Shape)>>? _shapes;

    /// <summary>The registered shapes (<see cref="ExtensionPoints.AlertShape"/>) in the order they are tried; generic is the fallback.</summary>
    public static IReadOnlyList<(string Format, IAlertShape Shape)> Shapes()
    {
        var items = ShapeSet.Items;
        if (Volatile.Read(ref _shapes) is { } cached && ReferenceEquals(cached.Item1, items))
        {
            return cached.Item2;
        }
        IReadOnlyList<(string Format, IAlertShape Shape)> ordered = items.Select(i => (Format: i.Key, Shape: i.Instance))
            .OrderBy(s => s.Shape.Order).ThenBy(s => s.Format, StringComparer.Ordinal).ToArray();
        Volatile.Write(ref _shapes, Tuple.Create(items, ordered));
        return ordered;
    }

    /// <summary>Alertmanager webhook payloads: a top-level "alerts" or "groupKey".</summary>
    public sealed class AlertmanagerShape : IAlertShape
    {
        public int Order => 100;
        public bool Recognizes(JsonElement root) => root.TryGetProperty("alerts", out _) || root.TryGetProperty("groupKey", out _);
        public IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath) => ReadAlertmanager(root, raw, sourcePath);
    }

    /// <summary>Falco JSON output: "rule", "priority" or "output_fields", and no "title" (which is the generic shape's).</summary>
    public sealed class FalcoShape : IAlertShape
    {
        public int Order => 200;
        public bool Recognizes(JsonElement root) => !root.TryGetProperty("title", out _)
            && (root.TryGetProperty("rule", out _) || root.TryGetProperty("priority", out _) || root.TryGetProperty("output_fields", out _));
        public IReadOnlyList<Alert> Read(JsonElement root, byte[] raw, string? sourcePath) => [ReadFalco(root, raw, sourcePath)];
    }

    // Falco: https://falco.org/docs/alerts/ (JSON output) — time, rule, priority, output, output_fields;
    // newer Falco adds hostname, source and tags.
    private static Alert ReadFalco(JsonElement e, byte[] raw, string? path)
    {
        var rule = RequireString(Falco, e, "rule", path);
        var priority = RequireString(Falco, e, "priority", path);
        var (impact, urgency) = FalcoPriority(priority)
            ?? throw new AlertInvalidException(Falco, "priority", $"'priority' is '{priority}', not a Falco priority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug).", path);
        var time = RequireTime(Falco, e, "time", path);
        var output = OptionalString(Falco, e, "output", path) ?? string.Empty;
        var hostname = OptionalString(Falco, e, "hostname", path);
        var source = OptionalString(Falco, e, "source", path) ?? "syscall";
        var tags = new List<string> { "falco", priority.ToLowerInvariant() };
        tags.AddRange(OptionalStrings(Falco, e, "tags", path));
        if (e.TryGetProperty("output_fields", out var of) && of.ValueKind != JsonValueKind.Object && of.ValueKind != JsonValueKind.Null)
        {
            throw new AlertInvalidException(Falco, "output_fields", $"'output_fields' must be an object, found {of.ValueKind}.", path);
        }
        var title = hostname is null ? rule : $"{rule} on {hostname}";
        // Kubernetes metadata Falco adds to output_fields names the workload: namespace/pod, as k8s.pod.quarantine takes it.
        string? Field(string name) => of.ValueKind == JsonValueKind.Object && of.TryGetProperty(name, out var f) && f.ValueKind == JsonValueKind.String
            && f.GetString() is { Length: > 0 } v && v != "<NA>" ? v : null;
        var pod = Field("k8s.pod.name");
        var ns = Field("k8s.ns.name");
        var target = pod is null ? null : ns is null ? pod : $"{ns}/{pod}";
        return new Alert(Falco, title, $"falco/{source}", time, impact, urgency, Clean(tags), output, null, raw, path) { Target = target };
    }

    // Alertmanager webhook (version "4"): https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
    private static IReadOnlyList<Alert> ReadAlertmanager(JsonElement e, byte[] raw, string? path)
    {
        var version = RequireString(Alertmanager, e, "version", path);
        if (version != "4")
        {
            throw new AlertInvalidException(Alertmanager, "version", $"'version' is '{version}'; this reader knows webhook payload version \"4\".", path);
        }
        if (!e.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
        {
            throw new AlertInvalidException(Alertmanager, "alerts", "'alerts' must be an array of alerts.", path);
        }
        if (alerts.GetArrayLength() == 0)
        {
            throw new AlertInvalidException(Alertmanager, "alerts", "'alerts' is empty.", path);
        }
        var receiver = OptionalString(Alertmanager, e, "receiver", path);
        var groupStatus = OptionalString(Alertmanager, e, "status", path);
        var result = new List<Alert>();
        int i = 0;
        foreach (var a in alerts.EnumerateArray())
        {
            result.Add(ReadPrometheusAlert(Alertmanager, a, $"alerts[{i}]", receiver is null ? Alertmanager : $"{Alertmanager}/{receiver}", groupStatus, raw, path));
            i++;
        }
        return result;
    }

    /// <summary>
    /// One alert in Alertmanager's model (webhook payloads, /api/v2/alerts, Grafana's webhook): labels (alertname
    /// required), annotations, startsAt, status, fingerprint, generatorURL. <paramref name="format"/> is the reader
    /// speaking; the status is the alert's own, else the group's, else firing.
    /// </summary>
    internal static Alert ReadPrometheusAlert(string format, JsonElement a, string at, string source, string? groupStatus, byte[] raw, string? path, string? link = null)
    {
        if (a.ValueKind != JsonValueKind.Object)
        {
            throw new AlertInvalidException(format, at, $"'{at}' must be an object.", path);
        }
        var labels = RequireObject(format, a, at, "labels", path);
        var alertname = RequireString(format, labels, "alertname", path, $"{at}.labels.");
        var annotations = a.TryGetProperty("annotations", out var an) && an.ValueKind == JsonValueKind.Object ? an : default;
        // /api/v2/alerts gives status as an object ({"state": "active"}): every alert it lists is unresolved.
        var ownStatus = a.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.Object ? null : OptionalString(format, a, "status", path, $"{at}.");
        var status = (ownStatus ?? groupStatus ?? Alert.Firing).ToLowerInvariant();
        if (status is not (Alert.Firing or Alert.Resolved))
        {
            throw new AlertInvalidException(format, $"{at}.status", $"'{at}.status' is '{status}'; expected firing or resolved.", path);
        }
        var time = RequireTime(format, a, "startsAt", path, $"{at}.");
        var severity = OptionalString(format, labels, "severity", path, $"{at}.labels.");
        var (impact, urgency) = SeverityHint(severity);
        var summary = annotations.ValueKind == JsonValueKind.Object ? OptionalString(format, annotations, "summary", path, $"{at}.annotations.") : null;
        var description = annotations.ValueKind == JsonValueKind.Object ? OptionalString(format, annotations, "description", path, $"{at}.annotations.") : null;
        var title = summary ?? (OptionalString(format, labels, "instance", path, $"{at}.labels.") is { } inst ? $"{alertname} on {inst}" : alertname);
        var tags = new List<string> { format, alertname, status };
        if (severity is not null)
        {
            tags.Add(severity);
        }
        if (a.TryGetProperty("status", out var state) && state.ValueKind == JsonValueKind.Object && state.TryGetProperty("state", out var stateText) && stateText.ValueKind == JsonValueKind.String
            && stateText.GetString() is "suppressed" or "unprocessed")
        {
            tags.Add(stateText.GetString()!);
        }
        var details = string.Join(Environment.NewLine, new[] { description }
            .Concat(labels.EnumerateObject().Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"))
            .Where(s => !string.IsNullOrEmpty(s)));
        return new Alert(format, title, source, time, impact, urgency, Clean(tags), details, link ?? OptionalString(format, a, "generatorURL", path, $"{at}."), raw, path)
        {
            Fingerprint = OptionalString(format, a, "fingerprint", path, $"{at}."),
            Status = status,
        };
    }

    // Generic (docs/incident-flow.md): title, time required; source, severity, impact, urgency, tags, details, link optional.
    private static Alert ReadGeneric(JsonElement e, byte[] raw, string? path)
    {
        var title = RequireString(Generic, e, "title", path);
        var time = RequireTime(Generic, e, "time", path);
        var source = OptionalString(Generic, e, "source", path) ?? Generic;
        var severity = OptionalString(Generic, e, "severity", path);
        var (impact, urgency) = SeverityHint(severity);
        impact = OptionalLevel(e, "impact", path) ?? impact;
        urgency = OptionalLevel(e, "urgency", path) ?? urgency;
        var tags = new List<string> { source };
        tags.AddRange(OptionalStrings(Generic, e, "tags", path));
        string details = string.Empty;
        if (e.TryGetProperty("details", out var d))
        {
            details = d.ValueKind switch
            {
                JsonValueKind.String => d.GetString()!,
                JsonValueKind.Object or JsonValueKind.Array => d.GetRawText(),
                JsonValueKind.Null => string.Empty,
                _ => throw new AlertInvalidException(Generic, "details", $"'details' must be a string or an object, found {d.ValueKind}.", path),
            };
        }
        return new Alert(Generic, title, source, time, impact, urgency, Clean(tags), details, OptionalString(Generic, e, "link", path), raw, path);
    }

    /// <summary>Falco priority → suggested (impact, urgency); null when the priority is unknown.</summary>
    public static (string Impact, string Urgency)? FalcoPriority(string priority) => priority.Trim().ToLowerInvariant() switch
    {
        "emergency" or "alert" or "critical" => ("High", "High"),
        "error" => ("Medium", "High"),
        "warning" => ("Medium", "Medium"),
        "notice" => ("Low", "Medium"),
        "informational" or "info" or "debug" => ("Low", "Low"),
        _ => null,
    };

    /// <summary>An Alertmanager "severity" label or generic "severity" → suggested (impact, urgency). Unknown or absent: Medium/Medium.</summary>
    public static (string Impact, string Urgency) SeverityHint(string? severity) => severity?.Trim().ToLowerInvariant() switch
    {
        "critical" or "page" or "emergency" or "fatal" or "p1" => ("High", "High"),
        "error" or "major" or "high" or "p2" => ("Medium", "High"),
        "warning" or "warn" or "minor" or "medium" or "p3" => ("Medium", "Medium"),
        "info" or "informational" or "notice" or "low" or "none" or "p4" => ("Low", "Low"),
        _ => ("Medium", "Medium"),
    };

    private static string? OptionalLevel(JsonElement e, string member, string? path)
    {
        var v = OptionalString(Generic, e, member, path);
        if (v is null)
        {
            return null;
        }
        foreach (var level in new[] { "Low", "Medium", "High" })
        {
            if (string.Equals(v, level, StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }
        throw new AlertInvalidException(Generic, member, $"'{member}' is '{v}'; expected Low, Medium or High.", path);
    }

    internal static string RequireString(string format, JsonElement e, string member, string? path, string prefix = "")
    {
        if (!e.TryGetProperty(member, out var v))
        {
            throw new AlertInvalidException(format, prefix + member, $"'{prefix}{member}' is missing.", path);
        }
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            throw new AlertInvalidException(format, prefix + member, $"'{prefix}{member}' must be a non-empty string, found {Describe(v)}.", path);
        }
        return v.GetString()!.Trim();
    }

    internal static string? OptionalString(string format, JsonElement e, string member, string? path, string prefix = "")
    {
        if (!e.TryGetProperty(member, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            throw new AlertInvalidException(format, prefix + member, $"'{prefix}{member}' must be a string, found {Describe(v)}.", path);
        }
        return string.IsNullOrWhiteSpace(v.GetString()) ? null : v.GetString()!.Trim();
    }

    internal static IEnumerable<string> OptionalStrings(string format, JsonElement e, string member, string? path)
    {
        if (!e.TryGetProperty(member, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
        {
            throw new AlertInvalidException(format, member, $"'{member}' must be an array of strings.", path);
        }
        return v.EnumerateArray().Select(x => x.GetString()!).ToArray();
    }

    internal static JsonElement RequireObject(string format, JsonElement e, string at, string member, string? path)
    {
        if (!e.TryGetProperty(member, out var v))
        {
            throw new AlertInvalidException(format, $"{at}.{member}", $"'{at}.{member}' is missing.", path);
        }
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw new AlertInvalidException(format, $"{at}.{member}", $"'{at}.{member}' must be an object, found {Describe(v)}.", path);
        }
        return v;
    }

    internal static DateTimeOffset RequireTime(string format, JsonElement e, string member, string? path, string prefix = "")
    {
        var text = RequireString(format, e, member, path, prefix);
        return ParseTime(text) ?? throw new AlertInvalidException(format, prefix + member,
            $"'{prefix}{member}' is '{text}', not an RFC 3339 time with a zone (2025-03-14T09:12:00Z).", path);
    }

    /// <summary>RFC 3339 with a zone; fractions beyond 100 ns (Falco writes nanoseconds) are cut to what .NET holds.</summary>
    public static DateTimeOffset? ParseTime(string text)
    {
        var m = Rfc3339().Match(text);
        if (!m.Success)
        {
            return null;
        }
        var fraction = m.Groups["frac"].Success ? m.Groups["frac"].Value : string.Empty;
        if (fraction.Length > 8)
        {
            fraction = fraction[..8]; // '.' plus 7 digits
        }
        var normal = m.Groups["base"].Value + fraction + m.Groups["zone"].Value;
        return DateTimeOffset.TryParse(normal, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.ToUniversalTime() : null;
    }

    [GeneratedRegex(@"^(?<base>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?<frac>\.\d+)?(?<zone>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "an empty string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    internal static IReadOnlyList<string> Clean(IEnumerable<string> tags)
        => tags.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();

    private static ReadOnlySpan<byte> TrimBom(byte[] bytes)
        => bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }) ? bytes.AsSpan(3) : bytes.AsSpan();

    private static bool IsBlank(ReadOnlySpan<byte> b)
    {
        foreach (var c in b)
        {
            if (c is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }
        return true;
    }

    private static List<byte[]> SplitLines(ReadOnlySpan<byte> bytes)
    {
        var lines = new List<byte[]>();
        while (bytes.Length > 0)
        {
            var nl = bytes.IndexOf((byte)'\n');
            var line = nl < 0 ? bytes : bytes[..nl];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            if (!IsBlank(line))
            {
                lines.Add(line.ToArray());
            }
            bytes = nl < 0 ? [] : bytes[(nl + 1)..];
        }
        return lines;
    }
}
