using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeIRF.Recovery;

/// <summary>One reading: when, and the value as the monitor wrote it (null: no series answered).</summary>
public sealed record MonitorReading(DateTimeOffset Time, string? Raw)
{
    /// <summary>The number read; null when there was no data, or the monitor wrote NaN.</summary>
    public double? Value => Raw is null ? null : PrometheusApi.ParseValue(Raw) is { } v && !double.IsNaN(v) ? v : null;
}

/// <summary>
/// The Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/): GET /api/v1/query (instant)
/// and /api/v1/query_range, whose answers are {"status":"success"|"error","data":{"resultType","result"},
/// "errorType","error"}. Loki's /loki/api/v1/query answers in the same envelope. A check reads one series: more is
/// RecoveryResultNotScalar, an error envelope RecoveryQueryFailed.
/// </summary>
public static class PrometheusApi
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The instant query at <paramref name="time"/>.</summary>
    public static MonitorReading Instant(Uri baseUrl, string query, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var uri = Api(baseUrl, "api/v1/query", $"query={Uri.EscapeDataString(query)}&time={Unix(time)}");
        var (status, body) = MonitorHttp.Get(uri, Timeout, cancellationToken);
        return ReadInstant(uri, status, body, query, time);
    }

    /// <summary>The range query over [start, end] by <paramref name="step"/>: one reading per point the series has.</summary>
    public static IReadOnlyList<MonitorReading> Range(Uri baseUrl, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        var uri = Api(baseUrl, "api/v1/query_range",
            $"query={Uri.EscapeDataString(query)}&start={Unix(start)}&end={Unix(end)}&step={step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}");
        var (status, body) = MonitorHttp.Get(uri, Timeout, cancellationToken);
        using var doc = Envelope(uri, status, body, query, out var data);
        var type = ResultType(uri, data);
        var result = data.GetProperty("result");
        if (type != "matrix")
        {
            throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{MonitorHttp.EndpointOf(uri)} answered a range query with resultType '{type}', not matrix.", query);
        }
        var series = RequireArray(uri, result, "data.result");
        if (series.Count == 0)
        {
            return [];
        }
        OneSeries(uri, series, query);
        if (!series[0].TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
        {
            throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{MonitorHttp.EndpointOf(uri)}: a matrix series without 'values'.", query);
        }
        return values.EnumerateArray().Select(p => Point(uri, p)).ToArray();
    }

    /// <summary>Reads an instant-query answer (Prometheus, or Loki's instant query).</summary>
    public static MonitorReading ReadInstant(Uri uri, int status, byte[] body, string query, DateTimeOffset asked)
    {
        using var doc = Envelope(uri, status, body, query, out var data);
        var type = ResultType(uri, data);
        var result = data.GetProperty("result");
        switch (type)
        {
            case "scalar":
                return Point(uri, result);
            case "vector":
                var series = RequireArray(uri, result, "data.result");
                if (series.Count == 0)
                {
                    return new MonitorReading(asked, null);
                }
                OneSeries(uri, series, query);
                if (!series[0].TryGetProperty("value", out var value))
                {
                    throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{MonitorHttp.EndpointOf(uri)}: a vector sample without 'value'.", query);
                }
                return Point(uri, value);
            case "matrix":
                throw new RecoveryException("RecoveryResultNotScalar", DeirfErrorKind.InvalidArgument,
                    $"'{query}' is a range vector: a check reads one number per sample. Wrap it in a function (rate(...[5m]), max_over_time(...[5m])).", query);
            default:
                throw new RecoveryException("RecoveryResultNotScalar", DeirfErrorKind.InvalidArgument, $"'{query}' answers a {type}, not a number.", query);
        }
    }

    /// <summary>A Prometheus sample value: a decimal, NaN, +Inf or -Inf.</summary>
    public static double? ParseValue(string raw) => raw switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null,
    };

    private static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static Uri Api(Uri baseUrl, string path, string queryString)
    {
        var b = new UriBuilder(baseUrl);
        b.Path = b.Path.TrimEnd('/') + "/" + path;
        b.Query = queryString;
        return b.Uri;
    }

    /// <summary>The success envelope's data, or the error the monitor gave; a non-JSON answer is RecoveryResponseInvalid.</summary>
    private static JsonDocument Envelope(Uri uri, int status, byte[] body, string query, out JsonElement data)
    {
        var doc = MonitorHttp.ParseJson(uri, status, body);
        var root = doc.RootElement;
        var state = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (state == "error")
        {
            var type = Text(root, "errorType") ?? "unknown";
            var error = Text(root, "error") ?? "(no message)";
            doc.Dispose();
            throw new RecoveryException("RecoveryQueryFailed", type == "bad_data" ? DeirfErrorKind.InvalidArgument : DeirfErrorKind.InvalidOperation,
                $"{MonitorHttp.EndpointOf(uri)} refused '{Canonical.OutsideText.Line(query, 200)}' (HTTP {status}, {type}): {Canonical.OutsideText.Line(error, 500)}", query, monitorErrorType: type);
        }
        if (state != "success" || status is < 200 or > 299 || !root.TryGetProperty("data", out data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("result", out _))
        {
            doc.Dispose();
            throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData,
                $"{MonitorHttp.EndpointOf(uri)} answered HTTP {status} without a Prometheus API success envelope (status, data.resultType, data.result).", MonitorHttp.EndpointOf(uri));
        }
        return doc;
    }

    private static string ResultType(Uri uri, JsonElement data)
        => Text(data, "resultType") ?? throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{MonitorHttp.EndpointOf(uri)}: data.resultType is missing.", MonitorHttp.EndpointOf(uri));

    private static List<JsonElement> RequireArray(Uri uri, JsonElement e, string what)
        => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToList()
            : throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{MonitorHttp.EndpointOf(uri)}: {what} is not an array.", MonitorHttp.EndpointOf(uri));

    private static void OneSeries(Uri uri, List<JsonElement> series, string query)
    {
        if (series.Count > 1)
        {
            var shown = string.Join("; ", series.Take(3).Select(Labels));
            throw new RecoveryException("RecoveryResultNotScalar", DeirfErrorKind.InvalidArgument,
                $"'{Canonical.OutsideText.Line(query, 200)}' answered {series.Count} series ({Canonical.OutsideText.Line(shown, 400)}{(series.Count > 3 ? "; ..." : string.Empty)}): a check reads one. Aggregate them (sum(...), max(...)).", query);
        }
    }

    private static string Labels(JsonElement series)
    {
        if (!series.TryGetProperty("metric", out var m) || m.ValueKind != JsonValueKind.Object)
        {
            return "{}";
        }
        var sb = new StringBuilder("{");
        sb.AppendJoin(",", m.EnumerateObject().Select(p => $"{p.Name}=\"{(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}\""));
        return sb.Append('}').ToString();
    }

    private static MonitorReading Point(Uri uri, JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[0].ValueKind != JsonValueKind.Number || pair[1].ValueKind != JsonValueKind.String
            || ParseValue(pair[1].GetString()!) is null)
        {
            throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{MonitorHttp.EndpointOf(uri)}: a sample is not [unix time, \"value\"].", MonitorHttp.EndpointOf(uri));
        }
        var ms = (long)Math.Round(pair[0].GetDouble() * 1000);
        return new MonitorReading(DateTimeOffset.FromUnixTimeMilliseconds(ms), pair[1].GetString());
    }

    private static string? Text(JsonElement e, string member)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(member, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// Any HTTP endpoint that answers a count (log checks): a bare number, a JSON object with a top-level "count"
/// (OpenSearch and Elasticsearch GET /&lt;index&gt;/_count?q=...), or a Prometheus-shaped envelope (Loki's
/// /loki/api/v1/query with count_over_time(...), one series).
/// </summary>
public static class CountEndpoint
{
    public static MonitorReading Read(Uri url, DateTimeOffset asked, CancellationToken cancellationToken)
    {
        var (status, body) = MonitorHttp.Get(url, PrometheusApi.Timeout, cancellationToken);
        var text = Encoding.UTF8.GetString(body).Trim();
        if (status is >= 200 and < 300 && PrometheusApi.ParseValue(text) is { } bare && text.Length <= 64)
        {
            return new MonitorReading(asked, text);
        }
        using var doc = MonitorHttp.ParseJson(url, status, body);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out _) && root.TryGetProperty(status is >= 200 and < 300 ? "data" : "status", out _))
        {
            return PrometheusApi.ReadInstant(url, status, body, Redacted(url), asked);
        }
        if (status is >= 200 and < 300 && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("count", out var count) && count.ValueKind == JsonValueKind.Number)
        {
            return new MonitorReading(asked, count.GetRawText());
        }
        throw new RecoveryException(status is >= 200 and < 300 ? "RecoveryResponseInvalid" : "RecoveryQueryFailed", DeirfErrorKind.InvalidData,
            $"{MonitorHttp.EndpointOf(url)} answered HTTP {status} without a count (a number, {{\"count\": n}}, or a Prometheus/Loki result): {Canonical.OutsideText.Line(text, 200)}", MonitorHttp.EndpointOf(url));
    }

    private static readonly string[] SecretNames = ["token", "key", "secret", "password", "passwd", "auth", "sig", "signature", "credential", "session"];

    /// <summary>The URL's path and query as journaled: values of parameters named like a credential are replaced by REDACTED.</summary>
    public static string Redacted(Uri url)
    {
        var query = url.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return url.AbsolutePath;
        }
        var parts = query.Split('&').Select(p =>
        {
            var eq = p.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? p : p[..eq]).ToLowerInvariant();
            return eq >= 0 && SecretNames.Any(name.Contains) ? p[..eq] + "=REDACTED" : p;
        });
        return url.AbsolutePath + "?" + string.Join("&", parts);
    }
}
