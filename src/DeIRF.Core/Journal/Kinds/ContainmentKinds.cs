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
public sealed class ContainmentApplied : IEntryKind
{
    public const string KindName = "containment.applied";

    public string Name => KindName;

    public void Validate(JsonObject body) => ValidateResult(Name, body);

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")}: "
            + (body.TryGetValue("verified", out var v) && v is true ? "applied, verified" : "applied, NOT verified")
            + (EntryKinds.Text(body, "message") is { Length: > 0 } m ? $" ({m})" : string.Empty);

    internal static void ValidateResult(string kind, JsonObject body)
    {
        ContainmentFailed.ValidateHead(kind, body);
        if (body["verified"] is not JsonValue v || !v.TryGetValue<bool>(out _))
        {
            throw new InvalidStatementException(kind, "verified", $"'{kind}' needs a boolean 'verified'.");
        }
        foreach (var member in new[] { "before", "after", "undo" })
        {
            if (body[member] is not JsonObject)
            {
                throw new InvalidStatementException(kind, member, $"'{kind}' needs an object '{member}'.");
            }
        }
        if (body["message"] is not null)
        {
            EntryKinds.RequireText(kind, body, "message", 2000);
        }
        if (body["ran"] is not null
            && (body["ran"] is not JsonObject ran || ran["sha256"] is not JsonValue h || !h.TryGetValue<string>(out var sha)
                || sha.Length != 64 || !sha.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'))))
        {
            throw new InvalidStatementException(kind, "ran", $"'{kind}' 'ran' must be an object with 'sha256': 64 lower-case hex.");
        }
    }
}

public sealed class ContainmentUndone : IEntryKind
{
    public const string KindName = "containment.undone";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        ContainmentApplied.ValidateResult(Name, body);
        if (body["applied"] is not JsonValue a || !a.TryGetValue<long>(out var seq) || seq < 0)
        {
            throw new InvalidStatementException(Name, "applied", $"'{Name}' needs 'applied': the seq of the containment.applied entry it reverses.");
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Undid {EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} (entry #{EntryKinds.Text(body, "applied")}): "
            + (body.TryGetValue("verified", out var v) && v is true ? "verified" : "NOT verified");
}

public sealed class ContainmentFailed : IEntryKind
{
    public const string KindName = "containment.failed";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        ValidateHead(Name, body);
        var stage = EntryKinds.RequireText(Name, body, "stage", 16);
        if (stage is not ("apply" or "verify" or "undo"))
        {
            throw new InvalidStatementException(Name, "stage", $"'{Name}' member 'stage' must be apply, verify or undo.", stage);
        }
        EntryKinds.RequireText(Name, body, "error_id", 100);
        EntryKinds.RequireText(Name, body, "error", 2000);
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"{EntryKinds.Text(body, "action")} {EntryKinds.Text(body, "target")} FAILED at {EntryKinds.Text(body, "stage")}: "
            + $"{EntryKinds.Text(body, "error_id")}: {EntryKinds.Text(body, "error")}";

    internal static void ValidateHead(string kind, JsonObject body)
    {
        var proposal = EntryKinds.RequireText(kind, body, "proposal", 64);
        if (proposal.Length != 64 || !proposal.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new InvalidStatementException(kind, "proposal", $"'{kind}' member 'proposal' must be the 64-hex proposal id.", proposal);
        }
        EntryKinds.RequireText(kind, body, "action", 100);
        EntryKinds.RequireText(kind, body, "target", 1024);
    }
}
