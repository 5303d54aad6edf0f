using System.Globalization;
using System.Text.Json;

namespace DeIRF.Drills;

/// <summary>A drill did not pass: a phase missed its target or T-minus deadline, failed, or the scenario could not run.</summary>
public sealed class DrillException : DeirfException
{
    public DrillException(string errorId, DeirfErrorKind kind, string message, object? target = null, IReadOnlyList<DrillPhaseResult>? scorecard = null)
        : base(errorId, kind, message, target)
    {
        Scorecard = scorecard ?? [];
    }

    public IReadOnlyList<DrillPhaseResult> Scorecard { get; }
}

/// <summary>
/// One line of a drill's scorecard: how long a phase took against its target, and the T-minus deadline of the incident
/// it guards (triage, containment, retrospective), when it guards one. Scenario scripts write these as JSON lines
/// (<c>{"phase","seconds","target","deadline","result","detail"}</c>) to the file Start-DeirfDrill gives them.
/// </summary>
public sealed class DrillPhaseResult
{
    public const string Met = "met";
    public const string Missed = "MISSED";
    public const string Failed = "FAILED";
    public const string Stopped = "STOPPED";

    public string Scenario { get; init; } = string.Empty;
    public string Phase { get; init; } = string.Empty;
    public double Seconds { get; init; }

    /// <summary>The phase's target, in seconds.</summary>
    public double Target { get; init; }

    /// <summary>The incident deadline the phase guards and whether it was met ("containment: met"); empty when none.</summary>
    public string Deadline { get; init; } = string.Empty;

    /// <summary>met, MISSED (target or deadline), FAILED (the phase threw), STOPPED (a prerequisite is missing).</summary>
    public string Result { get; init; } = string.Empty;
    public string Detail { get; init; } = string.Empty;

    public bool IsMet => Result == Met;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Phase} {Seconds:0.000}s / {Target:0.###}s {Result}");

    /// <summary>Reads the scorecard lines a scenario wrote; a line that is not a scorecard object is refused.</summary>
    public static IReadOnlyList<DrillPhaseResult> ReadScorecard(string path, string scenario)
    {
        var list = new List<DrillPhaseResult>();
        if (!File.Exists(path))
        {
            return list;
        }
        foreach (var line in File.ReadAllLines(path).Where(l => l.Trim().Length > 0))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var o = doc.RootElement;
                list.Add(new DrillPhaseResult
                {
                    Scenario = scenario,
                    Phase = o.GetProperty("phase").GetString() ?? string.Empty,
                    Seconds = o.GetProperty("seconds").GetDouble(),
                    Target = o.GetProperty("target").GetDouble(),
                    Deadline = o.TryGetProperty("deadline", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : string.Empty,
                    Result = o.GetProperty("result").GetString() ?? string.Empty,
                    Detail = o.TryGetProperty("detail", out var x) && x.ValueKind == JsonValueKind.String ? x.GetString()! : string.Empty,
                });
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new DrillException("DrillScorecardInvalid", DeirfErrorKind.InvalidData, $"The scenario '{scenario}' wrote a scorecard line that is not a phase result: {ex.Message}", line);
            }
        }
        return list;
    }

    /// <summary>The error a finished drill ends with, or null when every phase met its target and deadline.</summary>
    public static DrillException? Verdict(string scenario, IReadOnlyList<DrillPhaseResult> scorecard, int exitCode, string outputTail)
    {
        if (scorecard.FirstOrDefault(p => p.Result == Stopped) is { } stopped)
        {
            return new DrillException("DrillPrerequisiteMissing", DeirfErrorKind.ResourceUnavailable,
                $"Drill '{scenario}' stopped before it ran: {stopped.Detail}", scenario, scorecard);
        }
        var missed = scorecard.Where(p => p.Result == Missed).ToList();
        if (missed.Count > 0)
        {
            return new DrillException("DrillDeadlineMissed", DeirfErrorKind.InvalidOperation,
                $"Drill '{scenario}' missed {string.Join(", ", missed.Select(p => p.Phase + (p.Deadline.Length > 0 ? $" ({p.Deadline})" : string.Empty)))}: " +
                string.Join("; ", missed.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} took {p.Seconds:0.###} s of {p.Target:0.###} s"))), scenario, scorecard);
        }
        var failed = scorecard.Where(p => p.Result != Met).ToList();
        if (failed.Count > 0 || exitCode != 0 || scorecard.Count == 0)
        {
            var why = failed.Count > 0 ? string.Join("; ", failed.Select(p => $"{p.Phase} {p.Result}: {p.Detail}"))
                : $"the scenario exited with code {exitCode}{(scorecard.Count == 0 ? " and wrote no scorecard" : string.Empty)}. Output: {outputTail}";
            return new DrillException("DrillFailed", DeirfErrorKind.InvalidOperation, $"Drill '{scenario}' failed: {why}", scenario, scorecard);
        }
        return null;
    }
}
