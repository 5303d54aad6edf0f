using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "checkpoint.witnessed" — the answer of a public (C2SP tlog-witness) witness to one of this journal's checkpoints,
/// cosigned or refused. The cosignature itself is in the checkpoint file; this records who was asked, when, and what
/// came back. body: { witness: key name (≤ 256), endpoint: "scheme://host[:port]" (≤ 512), size: integer ≥ 1,
/// outcome: cosigned|refused, attempts: 0–10, status?: HTTP status, error_id?, error? (≤ 2000) }
/// </summary>
public sealed class CheckpointWitnessed : EntryKind<CheckpointWitnessed.Body>
{
    public const string KindName = "checkpoint.witnessed";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var witness = EntryKinds.RequireText(Name, body, "witness", 256);
        var endpoint = EntryKinds.RequireText(Name, body, "endpoint", 512);
        if (!EntryKinds.TryInteger(body["size"], out var size) || size < 1)
        {
            throw new InvalidStatementException(Name, "size", $"'{Name}' needs the checkpoint's 'size' (an integer ≥ 1).");
        }
        var outcome = EntryKinds.RequireText(Name, body, "outcome", 16);
        if (outcome is not ("cosigned" or "refused"))
        {
            throw new InvalidStatementException(Name, "outcome", $"'{Name}' member 'outcome' must be cosigned or refused.", outcome);
        }
        if (!EntryKinds.TryInteger(body["attempts"], out var attempts) || attempts is < 0 or > 10)
        {
            throw new InvalidStatementException(Name, "attempts", $"'{Name}' needs 'attempts' (0 to 10).");
        }
        int? status = body["status"] is null ? null : EntryKinds.TryInteger(body["status"], out var code) && code is >= 100 and <= 599 ? (int)code
            : throw new InvalidStatementException(Name, "status", $"'{Name}' member 'status' must be an HTTP status code.");
        var errorId = EntryKinds.OptionalText(Name, body, "error_id", 128);
        var error = EntryKinds.OptionalText(Name, body, "error", 2000);
        if (outcome == "refused" && (errorId is null || error is null))
        {
            throw new InvalidStatementException(Name, "error", $"'{Name}' of a refusal needs 'error_id' and 'error'.");
        }
        return new Body(witness, endpoint, size, outcome == "cosigned", (int)attempts, status, errorId, error);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Witness {EntryKinds.Text(body, "witness")} ({EntryKinds.Text(body, "endpoint")}) {EntryKinds.Text(body, "outcome")} size {EntryKinds.Text(body, "size")}"
            + (EntryKinds.Text(body, "error") is { Length: > 0 } e ? $": {e}" : string.Empty);

    public sealed record Body(string Witness, string Endpoint, long Size, bool Cosigned, int Attempts, int? Status = null, string? ErrorId = null, string? Error = null) : IEntryBody
    {
        public string Kind => KindName;

        public static Body Of(Checkpoints.WitnessSubmission s)
            => new(s.Witness, s.Endpoint, s.Size, s.Cosigned, s.Attempts, s.Status, s.ErrorId, s.Error is { Length: > 2000 } e ? e[..2000] : s.Error);

        public JsonObject ToBody() => new JsonObject
        {
            ["attempts"] = Attempts,
            ["endpoint"] = Endpoint,
            ["outcome"] = Cosigned ? "cosigned" : "refused",
            ["size"] = Size,
            ["witness"] = Witness,
        }.Optional("status", Status).Optional("error_id", ErrorId).Optional("error", Error);
    }
}
