using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "containment.applied" — a quorum-approved action was carried out and read back.
/// body: { proposal: 64 hex (the consumed proposal), action, target, verified: bool, before: object, after: object,
/// undo: object (exactly what was added, for undo; never secrets), message?: string (≤ 2000), ran?: { script, sha256: 64 hex }
/// (what a script-running provider executed: the hash of the bytes that ran) }
/// "containment.undone" — the same for an undo, plus applied: the seq of the containment.applied entry it reverses.
/// "containment.failed" — an approved action that did not complete. body: { proposal, action, target,
/// stage: apply|verify|undo, error_id, error (≤ 2000) }. The proposal stays consumed: a retry is a new proposal.
/// </summary>
public sealed class ContainmentApplied : EntryKind<ContainmentResultBody>
{
    public const string KindName = "containment.applied";

    public override string Name => KindName;

    public override ContainmentResultBody Read(JsonObject body) => ContainmentResultBody.Read(Name, body, applied: false);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")}: "
            + (body.TryGetValue("verified", out var v) && v is true ? "applied, verified" : "applied, NOT verified")
            + (EntryKinds.Text(body, "message") is { Length: > 0 } m ? $" ({m})" : string.Empty);
}

public sealed class ContainmentUndone : EntryKind<ContainmentResultBody>
{
    public const string KindName = "containment.undone";

    public override string Name => KindName;

    public override ContainmentResultBody Read(JsonObject body) => ContainmentResultBody.Read(Name, body, applied: true);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Undid {EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} (entry #{EntryKinds.Text(body, "applied")}): "
            + (body.TryGetValue("verified", out var v) && v is true ? "verified" : "NOT verified");
}

/// <summary>
/// The body of "containment.applied" and "containment.undone": the provider's read-back (<see cref="Before"/>,
/// <see cref="After"/>), what undo needs (<see cref="Undo"/>), what a script provider ran, and for an undo the seq of
/// the entry it reverses (<see cref="Applied"/>). The JSON members are copied in and out, never shared.
/// </summary>
public sealed record ContainmentResultBody(string Kind, string Proposal, string Action, string Target, bool Verified,
    JsonObject Before, JsonObject After, JsonObject Undo, string? Message = null, JsonObject? Ran = null, long? Applied = null) : IEntryBody
{
    public const int MaxMessage = 2000;

    public static ContainmentResultBody ForApply(string proposal, string action, string target, Containment.ContainmentResult result)
        => From(ContainmentApplied.KindName, proposal, action, target, result, null);

    public static ContainmentResultBody ForUndo(string proposal, string action, string target, Containment.ContainmentResult result, long applied)
        => From(ContainmentUndone.KindName, proposal, action, target, result, applied);

    private static ContainmentResultBody From(string kind, string proposal, string action, string target, Containment.ContainmentResult result, long? applied)
        => new(kind, proposal, action, target, result.Verified, (JsonObject)result.Before.DeepClone(), (JsonObject)result.After.DeepClone(),
            (JsonObject)result.UndoState.DeepClone(), result.Message.Length == 0 ? null : result.Message.Length > MaxMessage ? result.Message[..MaxMessage] : result.Message,
            result.Ran?.DeepClone() as JsonObject, applied);

    public JsonObject ToBody()
    {
        var body = new JsonObject
        {
            ["action"] = Action,
            ["after"] = After.DeepClone(),
            ["before"] = Before.DeepClone(),
            ["proposal"] = Proposal,
            ["target"] = Target,
            ["undo"] = Undo.DeepClone(),
            ["verified"] = Verified,
        };
        body.Optional("ran", Ran?.DeepClone());
        body.Optional("message", Message);
        body.Optional("applied", Applied);
        return body;
    }

    internal static ContainmentResultBody Read(string kind, JsonObject body, bool applied)
    {
        var (proposal, action, target) = ContainmentFailed.ReadHead(kind, body);
        if (body["verified"] is not JsonValue v || !v.TryGetValue<bool>(out var verified))
        {
            throw new InvalidStatementException(kind, "verified", $"'{kind}' needs a boolean 'verified'.");
        }
        JsonObject Obj(string member) => body[member] as JsonObject
            ?? throw new InvalidStatementException(kind, member, $"'{kind}' needs an object '{member}'.");
        var before = Obj("before");
        var after = Obj("after");
        var undo = Obj("undo");
        var message = EntryKinds.OptionalText(kind, body, "message", MaxMessage);
        JsonObject? ran = null;
        if (body["ran"] is not null)
        {
            if (body["ran"] is not JsonObject r || r["sha256"] is not JsonValue h || !h.TryGetValue<string>(out var sha)
                || sha.Length != 64 || !sha.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                throw new InvalidStatementException(kind, "ran", $"'{kind}' 'ran' must be an object with 'sha256': 64 lower-case hex.");
            }
            ran = r;
        }
        long? appliedSeq = null;
        if (applied)
        {
            if (body["applied"] is not JsonValue a || !a.TryGetValue<long>(out var seq) || seq < 0)
            {
                throw new InvalidStatementException(kind, "applied", $"'{kind}' needs 'applied': the seq of the containment.applied entry it reverses.");
            }
            appliedSeq = seq;
        }
        return new ContainmentResultBody(kind, proposal, action, target, verified, (JsonObject)before.DeepClone(), (JsonObject)after.DeepClone(),
            (JsonObject)undo.DeepClone(), message, ran?.DeepClone() as JsonObject, appliedSeq);
    }

    /// <summary>Members compare by value; the JSON objects by their text.</summary>
    public bool Equals(ContainmentResultBody? other)
        => other is not null && Kind == other.Kind && Proposal == other.Proposal && Action == other.Action && Target == other.Target
           && Verified == other.Verified && Message == other.Message && Applied == other.Applied
           && JsonNode.DeepEquals(Before, other.Before) && JsonNode.DeepEquals(After, other.After) && JsonNode.DeepEquals(Undo, other.Undo)
           && JsonNode.DeepEquals(Ran, other.Ran);

    public override int GetHashCode() => HashCode.Combine(Kind, Proposal, Action, Target);
}

public sealed class ContainmentFailed : EntryKind<ContainmentFailed.Body>
{
    public const string KindName = "containment.failed";

    public const int MaxError = 2000;

    public static readonly IReadOnlyList<string> Stages = ["apply", "verify", "undo"];

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var (proposal, action, target) = ReadHead(Name, body);
        var stage = EntryKinds.RequireText(Name, body, "stage", 16);
        if (!Stages.Contains(stage))
        {
            throw new InvalidStatementException(Name, "stage", $"'{Name}' member 'stage' must be apply, verify or undo.", stage);
        }
        return new Body(proposal, action, target, stage, EntryKinds.RequireText(Name, body, "error_id", 100), EntryKinds.RequireText(Name, body, "error", MaxError));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} FAILED at {EntryKinds.Text(body, "stage")}: "
            + $"{EntryKinds.Text(body, "error_id")}: {EntryKinds.Text(body, "error")}";

    internal static (string Proposal, string Action, string Target) ReadHead(string kind, JsonObject body)
    {
        var proposal = EntryKinds.RequireText(kind, body, "proposal", 64);
        if (proposal.Length != 64 || !proposal.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new InvalidStatementException(kind, "proposal", $"'{kind}' member 'proposal' must be the 64-hex proposal id.", proposal);
        }
        return (proposal, EntryKinds.RequireText(kind, body, "action", 100), EntryKinds.RequireText(kind, body, "target", 1024));
    }

    /// <summary>An approved action that did not complete: at which stage, with the stable error id and the message (cut to 2000).</summary>
    public sealed record Body(string Proposal, string Action, string Target, string Stage, string ErrorId, string Error) : IEntryBody
    {
        public string Kind => KindName;

        public static Body Of(string proposal, string action, string target, string stage, string errorId, string error)
            => new(proposal, action, target, stage, errorId, error.Length > MaxError ? error[..MaxError] : error);

        public JsonObject ToBody() => new()
        {
            ["action"] = Action,
            ["error"] = Error,
            ["error_id"] = ErrorId,
            ["proposal"] = Proposal,
            ["stage"] = Stage,
            ["target"] = Target,
        };
    }
}
