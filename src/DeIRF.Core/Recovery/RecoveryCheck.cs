using System.Globalization;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Recovery;

/// <summary>
/// What a recovery check measures: a PromQL query against a Prometheus (or a count endpoint), the rule a sample must
/// keep (below or above a threshold), for how long and how often. Live checks sample from now on; a past check reads
/// the window [End - For, End] with one range query.
/// </summary>
public sealed record RecoveryCheck
{
    /// <summary>Prometheus' base URL (http://prom:9090), or the count endpoint's full URL.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>prometheus, count, or recorded (a drill's recorded window, <see cref="ForRecorded"/>).</summary>
    public required string Source { get; init; }

    /// <summary>The PromQL query (prometheus); for a count endpoint, its path and query string as journaled.</summary>
    public required string Query { get; init; }

    /// <summary>below (every sample &lt; threshold) or above (every sample &gt; threshold).</summary>
    public required string Comparison { get; init; }

    public required double Threshold { get; init; }
    public required TimeSpan For { get; init; }
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Read a window already past with one range query instead of sampling live.</summary>
    public bool Past { get; init; }

    /// <summary>End of the past window (default: now).</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>A recorded window (source "recorded"): the readings a past check evaluates instead of querying a monitor.</summary>
    public IReadOnlyList<MonitorReading>? Recorded { get; init; }

    /// <summary>The most samples one check takes (Prometheus answers at most 11,000 points per series).</summary>
    public const int MaxSamples = 2000;

    public int ExpectedSamples => (int)(For.Ticks / Step.Ticks) + 1;

    public static RecoveryCheck ForPrometheus(string url, string query, string comparison, double threshold, TimeSpan duration, TimeSpan? step, bool past, DateTimeOffset? end)
        => Validated(new RecoveryCheck
        {
            Endpoint = MonitorHttp.ValidateUrl(url, "Prometheus"), Source = "prometheus", Query = query, Comparison = comparison, Threshold = threshold,
            For = duration, Step = step ?? TimeSpan.FromSeconds(15), Past = past, End = end,
        });

    public static RecoveryCheck ForCount(string url, string comparison, double threshold, TimeSpan duration, TimeSpan? step)
    {
        var uri = MonitorHttp.ValidateUrl(url, "CountUrl");
        return Validated(new RecoveryCheck
        {
            Endpoint = uri, Source = "count", Query = CountEndpoint.Redacted(uri), Comparison = comparison, Threshold = threshold,
            For = duration, Step = step ?? TimeSpan.FromSeconds(15),
        });
    }

    /// <summary>
    /// A check over a recorded window (a drill where no Prometheus is installed): the window [end - For, end] of
    /// <paramref name="readings"/> evaluated by the same rules, journaled with source "recorded" and the recording's
    /// URI as endpoint, so nobody mistakes it for a live measurement.
    /// </summary>
    public static RecoveryCheck ForRecorded(Uri recording, string query, string comparison, double threshold, TimeSpan duration, TimeSpan step,
        IReadOnlyList<MonitorReading> readings, DateTimeOffset end)
        => Validated(new RecoveryCheck
        {
            Endpoint = recording, Source = "recorded", Query = query, Comparison = comparison, Threshold = threshold, For = duration, Step = step,
            Past = true, End = end, Recorded = readings,
        });

    private static RecoveryCheck Validated(RecoveryCheck c)
    {
        static RecoveryException Bad(string message, object? target) => new("RecoveryCheckInvalid", DeirfErrorKind.InvalidArgument, message, target);
        if (string.IsNullOrWhiteSpace(c.Query) || c.Query.Length > 4096)
        {
            throw Bad("The query must be 1 to 4096 characters.", c.Query);
        }
        if (c.Comparison is not ("below" or "above"))
        {
            throw Bad($"Comparison must be below or above, not '{c.Comparison}'.", c.Comparison);
        }
        if (!double.IsFinite(c.Threshold))
        {
            throw Bad("The threshold must be a finite number.", c.Threshold);
        }
        if (c.Step < TimeSpan.FromSeconds(1) || c.Step.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw Bad($"-Step must be whole seconds, at least 1 s (it is {c.Step}).", c.Step);
        }
        if (c.For < c.Step || c.For.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw Bad($"-For must be whole seconds and at least one step ({c.Step}); it is {c.For}.", c.For);
        }
        if (c.ExpectedSamples > MaxSamples)
        {
            throw Bad($"-For {c.For} by -Step {c.Step} is {c.ExpectedSamples} samples; at most {MaxSamples} (take a longer step).", c.For);
        }
        if (c.Past && c.Source == "count")
        {
            throw Bad("A past window is read with a Prometheus range query: a count endpoint is sampled live.", c.Endpoint.Host);
        }
        return c;
    }

    public string ThresholdText() => Threshold.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="value"/> keeps the rule (strictly below or above the threshold).</summary>
    public bool Keeps(double value) => Comparison == "below" ? value < Threshold : value > Threshold;
}

/// <summary>One sample of a check: its time, the value read (null: no data) and whether it kept the rule.</summary>
public sealed record RecoverySampleReading(int Index, DateTimeOffset Time, double? Value, string? Raw, string Outcome, long? Seq)
{
    public override string ToString() => $"{Time:HH:mm:ss}Z {(Value is null ? "no data" : Raw)} ({Outcome})";
}

/// <summary>The verdict of a recovery check (Test-DeirfRecovery): Stable, Unstable or NoData, with every value read.</summary>
public sealed class RecoveryResult
{
    public required string Incident { get; init; }

    /// <summary>Stable (every sample read and kept the rule), Unstable (a sample broke it), NoData (a sample read nothing).</summary>
    public required string Verdict { get; init; }
    public required string Source { get; init; }
    public required string Endpoint { get; init; }
    public required string Query { get; init; }
    public required string Comparison { get; init; }
    public required double Threshold { get; init; }
    public required string Mode { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required DateTimeOffset End { get; init; }
    public required IReadOnlyList<RecoverySampleReading> Samples { get; init; }
    public int Breaches => Samples.Count(s => s.Outcome == "breach");
    public int Missing => Samples.Count(s => s.Outcome == "nodata");
    public double[] Values => Samples.Where(s => s.Value is not null).Select(s => s.Value!.Value).ToArray();
    public double? Min => Values.Length == 0 ? null : Values.Min();
    public double? Max => Values.Length == 0 ? null : Values.Max();
    public double? Last => Samples.LastOrDefault(s => s.Value is not null)?.Value;

    /// <summary>The journal sequence of the recovery.verified entry.</summary>
    public long Seq { get; init; }

    /// <summary>The undo proposal made for an Unstable verdict with -ProposeUndo (a proposal only: nothing is rolled back).</summary>
    public Quorum.Proposal? UndoProposal { get; init; }

    public bool IsStable => Verdict == "Stable";

    public override string ToString() => $"{Verdict}: {Query} {Comparison} {Threshold.ToString(CultureInfo.InvariantCulture)} ({Samples.Count} samples)";
}

/// <summary>
/// Runs recovery checks and journals them: each sample as recovery.sample as it is read, then the verdict as
/// recovery.verified. A failure to read (monitor down, query refused, more than one series) throws and writes no
/// verdict. Unstable may propose the roll-forward's undo; it never rolls anything back.
/// </summary>
public static class RecoveryVerifier
{
    /// <summary>
    /// Verifies <paramref name="check"/> for <paramref name="incident"/> as <paramref name="actor"/>.
    /// <paramref name="onSample"/> runs on the calling thread after each sample (progress); <paramref name="proposeUndo"/>
    /// (the proposer's handle) proposes the undo of the active roll-forward when the verdict is Unstable.
    /// </summary>
    public static RecoveryResult Verify(Workspace ws, string incident, string actor, RecoveryCheck check, JournalAppendOptions options,
        Action<RecoverySampleReading, int>? onSample = null, string? proposeUndo = null, TimeSpan? undoTimeToLive = null,
        TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        clock ??= TimeProvider.System;
        var journal = ws.JournalOf(Workspace.ValidateIncidentId(incident));
        if (proposeUndo is not null)
        {
            // Checked before sampling: a ten-minute check must not end in "there was nothing to undo".
            ActiveRollForward(ws, incident);
        }
        var start = clock.GetUtcNow();
        var fields = new RecoveryCheckFields(Timestamps.ToJournal(start), check.Source, MonitorHttp.EndpointOf(check.Endpoint), check.Query, check.Comparison, check.ThresholdText());
        var samples = new List<RecoverySampleReading>();
        var total = check.ExpectedSamples;

        void Take(int index, DateTimeOffset time, string? raw)
        {
            var value = raw is null ? null : PrometheusApi.ParseValue(raw) is { } v && !double.IsNaN(v) ? v : (double?)null;
            var outcome = value is null ? "nodata" : check.Keeps(value.Value) ? "ok" : "breach";
            // The journal keeps the value as the monitor wrote it, unless that text is longer than a number needs.
            raw = value is { } parsed && raw!.Length > 64 ? parsed.ToString("R", CultureInfo.InvariantCulture) : raw;
            var entry = journal.Append(StatementDraft.Of(actor, new RecoverySample.Body(fields, Timestamps.ToJournal(time), outcome, value is null ? null : raw)), options);
            var reading = new RecoverySampleReading(index, time, value, value is null ? null : raw, outcome, entry.Seq);
            samples.Add(reading);
            onSample?.Invoke(reading, total);
        }

        DateTimeOffset end;
        if (check.Past)
        {
            // Whole seconds: the range query's points are start + k·step, and each is matched to its sample by second.
            end = DateTimeOffset.FromUnixTimeSeconds((check.End ?? start).ToUnixTimeSeconds());
            var windowStart = end - check.For;
            var points = (check.Recorded ?? PrometheusApi.Range(check.Endpoint, check.Query, windowStart, end, check.Step, cancellationToken))
                .Where(p => p.Time >= windowStart && p.Time <= end)
                .GroupBy(p => p.Time.ToUnixTimeMilliseconds() / 1000).Select(g => g.Last())
                .ToDictionary(p => p.Time.ToUnixTimeMilliseconds() / 1000, p => p.Raw);
            // Every step of the window is a sample: a point Prometheus has no value for is "no data", never skipped.
            for (int i = 0; i < total; i++)
            {
                var t = windowStart + check.Step * i;
                Take(i, t, points.TryGetValue(t.ToUnixTimeMilliseconds() / 1000, out var raw) ? raw : null);
            }
        }
        else
        {
            for (int i = 0; i < total; i++)
            {
                var due = start + check.Step * i;
                var wait = due - clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    Task.Delay(wait, clock, cancellationToken).GetAwaiter().GetResult();
                }
                cancellationToken.ThrowIfCancellationRequested();
                var now = clock.GetUtcNow();
                var reading = check.Source == "count"
                    ? CountEndpoint.Read(check.Endpoint, now, cancellationToken)
                    : PrometheusApi.Instant(check.Endpoint, check.Query, now, cancellationToken);
                Take(i, reading.Time, reading.Raw);
                if (samples[^1].Outcome == "breach")
                {
                    // One breach decides Unstable: the rest of the window cannot make it stable again.
                    break;
                }
            }
            end = clock.GetUtcNow();
        }

        var result = new RecoveryResult
        {
            Incident = incident, Verdict = "Stable", Source = check.Source, Endpoint = fields.Endpoint, Query = check.Query, Comparison = check.Comparison,
            Threshold = check.Threshold, Mode = check.Past ? "range" : "live", Start = check.Past ? end - check.For : start, End = end, Samples = samples,
        };
        var verdict = result.Breaches > 0 ? "Unstable" : result.Missing > 0 || samples.Count == 0 ? "NoData" : "Stable";
        Quorum.Proposal? undo = null;
        if (verdict == "Unstable" && proposeUndo is not null)
        {
            var active = ActiveRollForward(ws, incident);
            undo = Containment.ContainmentRunner.ProposeUndo(ws, incident, active.Action, active.Target, proposeUndo, undoTimeToLive, options);
        }
        string? Text(double? v) => v?.ToString("R", CultureInfo.InvariantCulture);
        var body = new RecoveryVerified.Body(fields, result.Mode, (long)check.For.TotalSeconds, (long)check.Step.TotalSeconds,
            Timestamps.ToJournal(result.Start), Timestamps.ToJournal(end), samples.Count, result.Breaches, result.Missing, verdict,
            Text(result.Min), Text(result.Max), Text(result.Last), undo?.Id);
        var verified = journal.Append(StatementDraft.Of(actor, body), options);
        return new RecoveryResult
        {
            Incident = result.Incident, Verdict = verdict, Source = result.Source, Endpoint = result.Endpoint, Query = result.Query, Comparison = result.Comparison,
            Threshold = result.Threshold, Mode = result.Mode, Start = result.Start, End = result.End, Samples = samples, Seq = verified.Seq, UndoProposal = undo,
        };
    }

    /// <summary>The newest applied, verified and not undone roll-forward of the incident; RecoveryRollForwardMissing when none.</summary>
    public static Containment.ContainmentRecord ActiveRollForward(Workspace ws, string incident)
        => Containment.ContainmentRunner.List(ws, incident)
            .LastOrDefault(r => (r.Action == Containment.RecoveryProvider.RollForward || r.Action.StartsWith(Containment.RecoveryProvider.RollForward + ".", StringComparison.Ordinal))
                && r.Outcome == "Applied" && r.Verified && r.UndoneBy is null)
            ?? throw new RecoveryException("RecoveryRollForwardMissing", DeirfErrorKind.NotFound,
                $"-ProposeUndo: {incident} has no applied roll-forward ({Containment.RecoveryProvider.RollForward}) that is not undone yet; there is nothing to propose undoing.", incident);
}
