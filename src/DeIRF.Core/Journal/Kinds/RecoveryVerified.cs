using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "recovery.verified" — the verdict of one recovery check run (Test-DeirfRecovery), written only when the run read
/// every sample it meant to (a monitor that is down or refuses the query leaves no verdict).
/// body: { run, source, endpoint, query, comparison, threshold (as recovery.sample), mode: live|range,
///         for_seconds: integer ≥ 1, step_seconds: integer ≥ 1, start: UTC, end: UTC, samples: integer ≥ 0,
///         breaches: integer ≥ 0, missing: integer ≥ 0, verdict: Stable|Unstable|NoData,
///         min?, max?, last?: numbers as text (≤ 64), undo_proposal?: id of the undo proposed for an Unstable verdict }
/// </summary>
public sealed class RecoveryVerified : EntryKind<RecoveryVerified.Body>
{
    public const string KindName = "recovery.verified";

    public static readonly IReadOnlyList<string> Modes = ["live", "range"];
    public static readonly IReadOnlyList<string> Verdicts = ["Stable", "Unstable", "NoData"];

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var check = RecoveryCheckFields.Read(Name, body);
        var mode = RecoveryCheckFields.OneOf(Name, body, "mode", Modes);
        long Count(string member, long min)
            => EntryKinds.TryInteger(body[member], out var v) && v >= min && v <= 1_000_000 ? v
                : throw new InvalidStatementException(Name, member, $"'{Name}' needs '{member}' (an integer from {min}).");
        var forSeconds = Count("for_seconds", 1);
        var stepSeconds = Count("step_seconds", 1);
        var start = EntryKinds.RequireText(Name, body, "start", 32);
        var end = EntryKinds.RequireText(Name, body, "end", 32);
        var samples = Count("samples", 0);
        var breaches = Count("breaches", 0);
        var missing = Count("missing", 0);
        var verdict = RecoveryCheckFields.OneOf(Name, body, "verdict", Verdicts);
        // The verdict follows from the counts (docs/recovery.md): a replica cannot write "Stable" over a breach.
        var expected = breaches > 0 ? "Unstable" : missing > 0 || samples == 0 ? "NoData" : "Stable";
        if (verdict != expected)
        {
            throw new InvalidStatementException(Name, "verdict", $"'{Name}' says {verdict}, but {samples} samples with {breaches} breaches and {missing} missing make it {expected}.", verdict);
        }
        return new Body(check, mode, forSeconds, stepSeconds, start, end, samples, breaches, missing, verdict,
            EntryKinds.OptionalText(Name, body, "min", 64), EntryKinds.OptionalText(Name, body, "max", 64), EntryKinds.OptionalText(Name, body, "last", 64),
            EntryKinds.OptionalText(Name, body, "undo_proposal", 128));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var last = EntryKinds.Text(body, "last");
        var undo = EntryKinds.Text(body, "undo_proposal");
        return $"Recovery {EntryKinds.Text(body, "verdict")}: {EntryKinds.Text(body, "query")} {EntryKinds.Text(body, "comparison")} {EntryKinds.Text(body, "threshold")}"
            + $" ({EntryKinds.Text(body, "samples")} samples, {EntryKinds.Text(body, "breaches")} breaches, {EntryKinds.Text(body, "missing")} missing"
            + (last.Length > 0 ? $", last {last}" : string.Empty) + ")"
            + (undo.Length > 0 ? $"; undo proposed: {undo[..Math.Min(12, undo.Length)]}" : string.Empty);
    }

    public sealed record Body(RecoveryCheckFields Check, string Mode, long ForSeconds, long StepSeconds, string Start, string End,
        long Samples, long Breaches, long Missing, string Verdict, string? Min, string? Max, string? Last, string? UndoProposal) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = Check.ToBody();
            body["mode"] = Mode;
            body["for_seconds"] = ForSeconds;
            body["step_seconds"] = StepSeconds;
            body["start"] = Start;
            body["end"] = End;
            body["samples"] = Samples;
            body["breaches"] = Breaches;
            body["missing"] = Missing;
            body["verdict"] = Verdict;
            body.Optional("min", Min);
            body.Optional("max", Max);
            body.Optional("last", Last);
            body.Optional("undo_proposal", UndoProposal);
            return body;
        }
    }
}
