using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Containment;

/// <summary>One containment or undo as the journal records it (containment.applied / .undone / .failed).</summary>
public sealed class ContainmentRecord
{
    public string Incident { get; init; } = string.Empty;
    public long Seq { get; init; }
    public DateTimeOffset Time { get; init; }

    /// <summary>Applied, Undone or Failed.</summary>
    public string Outcome { get; init; } = string.Empty;

    public string ProposalId { get; init; } = string.Empty;
    public string Action { get; init; } = string.Empty;
    public string Target { get; init; } = string.Empty;
    public string Actor { get; init; } = string.Empty;
    public bool Verified { get; init; }
    public string Message { get; init; } = string.Empty;

    /// <summary>Canonical JSON of the state read before and after, and of what undo needs.</summary>
    public string Before { get; init; } = string.Empty;
    public string After { get; init; } = string.Empty;
    public string UndoState { get; init; } = string.Empty;

    /// <summary>For an undo: the seq of the containment.applied entry it reversed.</summary>
    public long? Reverses { get; init; }

    /// <summary>For an applied entry: the seq of the undo that reversed it, once there is one.</summary>
    public long? UndoneBy { get; internal set; }

    public string? ErrorId { get; init; }
    public string? Stage { get; init; }

    public override string ToString() => $"#{Seq} {Outcome} {Action} {Target}{(Verified ? " (verified)" : string.Empty)}";

    internal static ContainmentRecord? From(JournalEntry e)
    {
        string Text(string m) => EntryKinds.Text(e.Body, m);
        if (e.Kind is not (ContainmentApplied.KindName or ContainmentUndone.KindName or ContainmentFailed.KindName))
        {
            return null;
        }
        // State objects are shown as the canonical JSON of the stored statement, never re-serialized from objects.
        var stored = JsonNode.Parse(e.StatementJson)?["body"] as JsonObject;
        string Json(string m) => stored?[m] is { } n ? System.Text.Encoding.UTF8.GetString(Canonical.CanonicalJson.Serialize(n)) : string.Empty;
        return e.Kind switch
        {
            ContainmentApplied.KindName or ContainmentUndone.KindName => new ContainmentRecord
            {
                Incident = e.Incident, Seq = e.Seq, Time = e.Timestamp, Actor = e.Actor,
                Outcome = e.Kind == ContainmentApplied.KindName ? "Applied" : "Undone",
                ProposalId = Text("proposal"), Action = Text("action"), Target = Text("target"),
                Verified = e.Body.TryGetValue("verified", out var v) && v is true,
                Message = Text("message"), Before = Json("before"), After = Json("after"), UndoState = Json("undo"),
                Reverses = e.Body.TryGetValue("applied", out var a) && a is long seq ? seq : null,
            },
            ContainmentFailed.KindName => new ContainmentRecord
            {
                Incident = e.Incident, Seq = e.Seq, Time = e.Timestamp, Actor = e.Actor, Outcome = "Failed",
                ProposalId = Text("proposal"), Action = Text("action"), Target = Text("target"),
                Message = Text("error"), ErrorId = Text("error_id"), Stage = Text("stage"),
            },
            _ => null,
        };
    }
}

/// <summary>
/// Carries out an approved action through its provider and journals the outcome. The quorum gate (consumption of the
/// proposal) runs before this, so nothing here decides whether an action may run; it only makes sure every outcome —
/// applied, not verified, failed, cancelled — lands in the journal with before/after state.
/// </summary>
/// <summary>
/// A proposal prepared to run: its request and, for a provider that checks the quorum's state before consumption
/// (<see cref="IContainmentPrecheck"/>: the Safe's owners), the verdict it was planned against; null for every other
/// provider, whose one judgement is the one under the journal lock.
/// </summary>
public sealed record ContainmentRun(Quorum.Proposal Proposal, ContainmentRequest Request, Quorum.QuorumVerdict? Verdict);

public static class ContainmentRunner
{
    public static IReadOnlyList<ContainmentRecord> List(Workspace ws, string incident, CancellationToken cancellationToken = default)
    {
        var records = new List<ContainmentRecord>();
        foreach (var entry in ws.JournalOf(incident).ReadEntries(cancellationToken))
        {
            if (ContainmentRecord.From(entry) is not { } r)
            {
                continue;
            }
            if (r.Reverses is { } applied && records.FirstOrDefault(x => x.Seq == applied) is { } original)
            {
                original.UndoneBy = r.Seq;
            }
            records.Add(r);
        }
        return records;
    }

    /// <summary>The newest applied, not yet undone, containment of this action on this target; null when none.</summary>
    public static ContainmentRecord? ActiveOn(Workspace ws, string incident, string action, string target)
        => List(ws, incident).LastOrDefault(r => r.Outcome == "Applied" && r.UndoneBy is null && r.Action == action && r.Target == target);

    /// <summary>Undo proposals are named after the action they reverse: "undo.k8s.pod.quarantine".</summary>
    public const string UndoPrefix = "undo.";

    /// <summary>
    /// Prepares a run of <paramref name="proposal"/>: builds the provider request and, only for an action with its own
    /// signing payload, judges the quorum for the plan. <see cref="ExecuteAsync(Workspace, ContainmentRun, string, JournalAppendOptions, string?, CancellationToken)"/>
    /// judges under the journal lock when it consumes: one judgement per run for every other provider.
    /// </summary>
    public static ContainmentRun Prepare(Workspace ws, Quorum.Proposal proposal, string actor, IReadOnlyDictionary<string, string>? secrets, JournalAppendOptions options)
    {
        // A plan needs the counted signatures only where they are what gets submitted (a custom signing payload: the
        // Safe's owners); every other run's one judgement is the one under the lock.
        var needsVerdict = Quorum.ProposalPayloads.HasCustomPayload(proposal.Action);
        var verdict = needsVerdict ? Quorum.QuorumGate.Judge(ws, proposal.Incident, proposal.Id) : null;
        var request = new ContainmentRequest(proposal.Action, proposal.Target, proposal.Parameters, proposal.Incident, ws.Root, secrets)
        {
            Actor = actor, AppendOptions = options,
            QuorumSignatures = verdict?.Signatures.Where(s => s.IsCounted).ToList() ?? [],
            ProposalId = proposal.Id,
        };
        return new ContainmentRun(proposal, request, verdict);
    }

    /// <summary>Runs a prepared proposal as <paramref name="actor"/> (the plan may have been made before anyone was named).</summary>
    public static Task<ContainmentRecord> ExecuteAsync(Workspace ws, ContainmentRun run, string actor, JournalAppendOptions options, string? evidenceOverrideReason,
        CancellationToken cancellationToken)
    {
        var request = new ContainmentRequest(run.Request.Action, run.Request.Target, run.Request.Parameters, run.Request.IncidentId, run.Request.WorkspaceRoot, run.Request.Secrets)
        {
            Actor = actor, AppendOptions = options, QuorumSignatures = run.Request.QuorumSignatures, Progress = run.Request.Progress, ProposalId = run.Proposal.Id,
        };
        return ExecuteAsync(ws, run.Proposal, request, actor, options, evidenceOverrideReason, cancellationToken);
    }

    /// <summary>The provider request a proposal describes; secrets are handed in at run time and never signed.</summary>
    public static ContainmentRequest RequestFor(Workspace ws, Quorum.Proposal proposal, string actor, IReadOnlyDictionary<string, string>? secrets,
        JournalAppendOptions options)
        => new(proposal.Action, proposal.Target, proposal.Parameters, proposal.Incident, ws.Root, secrets)
        {
            Actor = actor, AppendOptions = options,
            // What the quorum has counted so far, so a plan can check it (Safe owners); replaced at consumption.
            QuorumSignatures = Quorum.QuorumGate.Judge(ws, proposal.Incident, proposal.Id).Signatures.Where(s => s.IsCounted).ToList(),
            ProposalId = proposal.Id,
        };

    /// <summary>
    /// Runs an approved proposal: consumes it under the journal lock (digest recomputed from the request, met verdict
    /// required, a second run refused), then applies through the provider and journals the outcome.
    /// </summary>
    public static async Task<ContainmentRecord> ExecuteAsync(Workspace ws, Quorum.Proposal proposal, ContainmentRequest request, string actor,
        JournalAppendOptions options, string? evidenceOverrideReason, CancellationToken cancellationToken)
    {
        if (proposal.Action.StartsWith(UndoPrefix, StringComparison.Ordinal))
        {
            throw new ContainmentException("ContainmentIsUndo", DeirfErrorKind.InvalidArgument,
                $"Proposal {proposal.ShortId} is an undo ({proposal.Action}): run it with Undo-DeirfContainment.", proposal.Id);
        }
        var provider = ContainmentProviders.Find(request.Action);
        cancellationToken.ThrowIfCancellationRequested();
        // The precheck runs under the lock against the consuming verdict, once it is met (until then the quorum's own
        // refusal, QuorumNotMet, is the clearer one): no second judgement, and a refusal leaves the approvals unused.
        Action<Quorum.QuorumVerdict>? beforeConsume = provider is IContainmentPrecheck precheck
            ? v => precheck.CheckAsync(request.WithQuorumSignatures(v.Signatures.Where(s => s.IsCounted).ToList()), cancellationToken).GetAwaiter().GetResult()
            : null;
        var consumption = Quorum.QuorumGate.Consume(ws, request, proposal.Id, actor, options with { CancellationToken = CancellationToken.None }, evidenceOverrideReason, beforeConsume);
        request = request.WithQuorumSignatures(consumption.Verdict.Signatures.Where(s => s.IsCounted).ToList());
        return await ApplyAsync(ws, proposal.Incident, proposal.Id, provider, request, actor, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Proposes the undo of the containment now active on <paramref name="target"/>: itself a quorum proposal.</summary>
    public static Quorum.Proposal ProposeUndo(Workspace ws, string incident, string action, string target, string proposer, TimeSpan? timeToLive,
        JournalAppendOptions options)
    {
        var active = ActiveOn(ws, incident, action, target)
            ?? throw new ContainmentException("ContainmentNotActive", DeirfErrorKind.NotFound,
                $"No applied, not yet undone, {action} on '{target}' in {incident}.", target);
        return Quorum.QuorumGate.Propose(ws, incident, UndoPrefix + action, target,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["applied"] = active.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            proposer, timeToLive, null, options);
    }

    /// <summary>The newest undo proposal for this action and target that is not consumed yet; null when none.</summary>
    public static Quorum.Proposal? PendingUndo(Workspace ws, string incident, string action, string target)
    {
        var consumed = ws.JournalOf(incident).ReadEntries().Where(e => e.Kind == ProposalConsumed.KindName)
            .Select(e => EntryKinds.Text(e.Body, "proposal")).ToHashSet(StringComparer.Ordinal);
        return Quorum.QuorumGate.Proposals(ws, incident)
            .LastOrDefault(p => p.Action == UndoPrefix + action && p.Target == target && !consumed.Contains(p.Id));
    }

    /// <summary>
    /// Runs an approved undo proposal: finds the containment.applied entry it names, consumes the undo proposal,
    /// and asks the provider to remove exactly what that entry's undo state says was added.
    /// </summary>
    public static async Task<ContainmentRecord> ExecuteUndoAsync(Workspace ws, Quorum.Proposal undo, string actor, IReadOnlyDictionary<string, string>? secrets,
        JournalAppendOptions options, CancellationToken cancellationToken)
    {
        if (!undo.Action.StartsWith(UndoPrefix, StringComparison.Ordinal)
            || !undo.Parameters.TryGetValue("applied", out var seqText) || !long.TryParse(seqText, System.Globalization.CultureInfo.InvariantCulture, out var seq))
        {
            throw new ContainmentException("ContainmentNotUndo", DeirfErrorKind.InvalidArgument,
                $"Proposal {undo.ShortId} ({undo.Action}) is not an undo proposal (made by Undo-DeirfContainment -Proposer).", undo.Id);
        }
        var applied = List(ws, undo.Incident, cancellationToken).FirstOrDefault(r => r.Seq == seq && r.Outcome == "Applied")
            ?? throw new ContainmentException("ContainmentNotActive", DeirfErrorKind.NotFound, $"Entry #{seq} of {undo.Incident} is not an applied containment.", undo.Id);
        if (applied.UndoneBy is { } by)
        {
            throw new ContainmentException("ContainmentAlreadyUndone", DeirfErrorKind.InvalidOperation,
                $"{applied.Action} on '{applied.Target}' (entry #{seq}) was already undone by entry #{by}.", undo.Id);
        }
        if (UndoPrefix + applied.Action != undo.Action || applied.Target != undo.Target)
        {
            throw new ContainmentException("ContainmentUndoMismatch", DeirfErrorKind.SecurityError,
                $"Undo proposal {undo.ShortId} names {undo.Action} '{undo.Target}', but entry #{seq} is {applied.Action} '{applied.Target}'.", undo.Id);
        }
        var original = Quorum.QuorumGate.GetProposal(ws, undo.Incident, applied.ProposalId);
        var provider = ContainmentProviders.Find(original.Action);
        var request = RequestFor(ws, original, actor, secrets, options);
        cancellationToken.ThrowIfCancellationRequested();
        Quorum.QuorumGate.Consume(ws, undo.Incident, undo.Id, undo.Action, undo.Target, undo.Parameters, actor, options with { CancellationToken = CancellationToken.None });
        return await UndoAsync(ws, undo.Incident, undo.Id, provider, request, applied, actor, options, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<ContainmentRecord> ApplyAsync(Workspace ws, string incident, string proposalId, IContainmentProvider provider,
        ContainmentRequest request, string actor, JournalAppendOptions options, CancellationToken cancellationToken)
    {
        ContainmentResult result;
        request = request.WithProposalId(proposalId);
        try
        {
            result = await provider.ApplyAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DeirfException or OperationCanceledException)
        {
            Fail(ws, incident, proposalId, request, "apply", ex, actor, options);
            throw;
        }
        var body = ContainmentResultBody.ForApply(proposalId, request.Action, request.Target, result);
        var entry = ws.JournalOf(incident).Append(StatementDraft.Of(actor, body), options with { CancellationToken = CancellationToken.None });
        return ContainmentRecord.From(entry)!;
    }

    public static async Task<ContainmentRecord> UndoAsync(Workspace ws, string incident, string proposalId, IContainmentProvider provider,
        ContainmentRequest request, ContainmentRecord applied, string actor, JournalAppendOptions options, CancellationToken cancellationToken)
    {
        ContainmentResult result;
        // The undo runs as its own proposal: a credential bound to a proposal (an SSH certificate) names the undo's id.
        request = request.WithProposalId(proposalId);
        try
        {
            var undoState = JsonNode.Parse(applied.UndoState) as JsonObject ?? new JsonObject();
            result = await provider.UndoAsync(request, undoState, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DeirfException or OperationCanceledException)
        {
            Fail(ws, incident, proposalId, request, "undo", ex, actor, options);
            throw;
        }
        var body = ContainmentResultBody.ForUndo(proposalId, request.Action, request.Target, result, applied.Seq);
        var entry = ws.JournalOf(incident).Append(StatementDraft.Of(actor, body), options with { CancellationToken = CancellationToken.None });
        return ContainmentRecord.From(entry)!;
    }

    /// <summary>Journals a failure (even after Ctrl+C: the append itself is not cancellable) and lets the caller rethrow.</summary>
    private static void Fail(Workspace ws, string incident, string proposalId, ContainmentRequest request, string stage, Exception ex, string actor, JournalAppendOptions options)
    {
        var error = ex is OperationCanceledException ? "Cancelled (Ctrl+C) while in progress: read the target's state before acting again." : ex.Message;
        var body = ContainmentFailed.Body.Of(proposalId, request.Action, request.Target, stage, ex is DeirfException d ? d.ErrorId : "Cancelled", error);
        ws.JournalOf(incident).Append(StatementDraft.Of(actor, body), options with { CancellationToken = CancellationToken.None });
    }
}
