using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "recovery.sample" — one reading of a recovery check (Test-DeirfRecovery): what was asked of which monitor, when,
/// and what it answered. Every sample of one run carries the check, so a run cut short (Ctrl+C, monitor down) still
/// says what it measured. Never holds a credential: the endpoint is scheme://host[:port]/path.
/// body: { run: UTC start of the run, source: prometheus|count|recorded (a drill's recorded window), endpoint: string (≤ 512), query: string (≤ 4096),
///         comparison: below|above, threshold: number as text, time: UTC time of the reading,
///         outcome: ok|breach|nodata, value?: the number as the monitor wrote it (≤ 64) }
/// </summary>
public sealed class RecoverySample : EntryKind<RecoverySample.Body>
{
    public const string KindName = "recovery.sample";

    public static readonly IReadOnlyList<string> Sources = ["prometheus", "count", "recorded"];
    public static readonly IReadOnlyList<string> Comparisons = ["below", "above"];
    public static readonly IReadOnlyList<string> Outcomes = ["ok", "breach", "nodata"];

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var check = RecoveryCheckFields.Read(Name, body);
        var time = EntryKinds.RequireText(Name, body, "time", 32);
        var outcome = RecoveryCheckFields.OneOf(Name, body, "outcome", Outcomes);
        var value = EntryKinds.OptionalText(Name, body, "value", 64);
        if (outcome != "nodata" && value is null)
        {
            throw new InvalidStatementException(Name, "value", $"A '{Name}' with outcome '{outcome}' needs the 'value' read.");
        }
        return new Body(check, time, outcome, value);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var outcome = EntryKinds.Text(body, "outcome");
        var value = EntryKinds.Text(body, "value");
        var shown = outcome == "nodata" ? "no data" : $"{value} ({(outcome == "ok" ? "ok" : "BREACH")})";
        return $"Recovery sample {EntryKinds.Text(body, "query")} = {shown}, must be {EntryKinds.Text(body, "comparison")} {EntryKinds.Text(body, "threshold")}";
    }

    public sealed record Body(RecoveryCheckFields Check, string Time, string Outcome, string? Value) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = Check.ToBody();
            body["time"] = Time;
            body["outcome"] = Outcome;
            body.Optional("value", Value);
            return body;
        }
    }
}

/// <summary>The members every recovery entry of one run repeats: the run, the monitor, the query and the rule.</summary>
public sealed record RecoveryCheckFields(string Run, string Source, string Endpoint, string Query, string Comparison, string Threshold)
{
    internal static RecoveryCheckFields Read(string kind, JsonObject body)
    {
        var run = EntryKinds.RequireText(kind, body, "run", 32);
        var source = OneOf(kind, body, "source", RecoverySample.Sources);
        var endpoint = EntryKinds.RequireText(kind, body, "endpoint", 512);
        var query = EntryKinds.RequireText(kind, body, "query", 4096);
        var comparison = OneOf(kind, body, "comparison", RecoverySample.Comparisons);
        var threshold = EntryKinds.RequireText(kind, body, "threshold", 64);
        if (!double.TryParse(threshold, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var t) || !double.IsFinite(t))
        {
            throw new InvalidStatementException(kind, "threshold", $"'{kind}' member 'threshold' must be a finite number.", threshold);
        }
        return new RecoveryCheckFields(run, source, endpoint, query, comparison, threshold);
    }

    internal static string OneOf(string kind, JsonObject body, string member, IReadOnlyList<string> allowed)
    {
        var v = EntryKinds.RequireText(kind, body, member, 32);
        return allowed.Contains(v) ? v
            : throw new InvalidStatementException(kind, member, $"'{kind}' member '{member}' must be one of {string.Join(", ", allowed)}.", v);
    }

    public JsonObject ToBody() => new()
    {
        ["comparison"] = Comparison, ["endpoint"] = Endpoint, ["query"] = Query, ["run"] = Run, ["source"] = Source, ["threshold"] = Threshold,
    };
}
