using System.Text.Json.Nodes;
using DeIRF.Workspaces;

namespace DeIRF.Containment;

/// <summary>
/// Recovery (seed section 6) as proposals of their own action kinds; policy rule "recovery.*" needs two signers AND a
/// manual approval (Approve-DeirfProposal by a human responder), so -Confirm:$false alone never runs one.
/// - recovery.patch-review: target = the patch (e.g. "acme/api@3f1c2d9"); records that the quorum reviewed it. No
///   external effect; undo withdraws the review.
/// - recovery.staging-replay: runs a runbook script (path + sha256, the script contract) against staging; parameter
///   "patch" names the reviewed patch.
/// - recovery.roll-forward: the same for production, refused (RecoveryPatchNotReviewed / RecoveryNotReplayed) unless
///   this incident holds a verified, not withdrawn review of "patch" and a verified staging replay of it.
/// </summary>
public sealed class RecoveryProvider : IContainmentProvider, IContainmentPrecheck
{
    public const string PatchReview = "recovery.patch-review";
    public const string StagingReplay = "recovery.staging-replay";
    public const string RollForward = "recovery.roll-forward";

    private readonly ScriptProvider _script = new();

    public IReadOnlyCollection<string> Actions { get; } = [PatchReview, StagingReplay, RollForward];

    private static JsonObject ReviewState(bool reviewed, string patch) => new() { ["patch"] = patch, ["reviewed"] = reviewed };

    /// <summary>Script steps run as the script action, with the signed parameters minus "patch".</summary>
    private static ContainmentRequest AsScript(ContainmentRequest request)
        => new(ScriptProvider.ActionName, request.Target,
            request.Parameters.Where(p => p.Key != "patch").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            request.IncidentId, request.WorkspaceRoot, request.Secrets) { Actor = request.Actor, AppendOptions = request.AppendOptions };

    private static void RequirePrerequisites(ContainmentRequest request)
    {
        var patch = request.RequireParameter("patch");
        if (request.Action == PatchReview)
        {
            return;
        }
        if (request.WorkspaceRoot is null || request.IncidentId is null)
        {
            throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument, $"{request.Action} needs the workspace and incident.", request.Target);
        }
        var done = ContainmentRunner.List(Workspace.Open(request.WorkspaceRoot), request.IncidentId)
            .Where(r => r.Outcome == "Applied" && r.Verified && r.UndoneBy is null).ToList();
        bool Has(string action, Func<ContainmentRecord, bool> match) => done.Any(r => r.Action == action && match(r));
        if (!Has(PatchReview, r => r.Target == patch))
        {
            throw new ContainmentException("RecoveryPatchNotReviewed", DeirfErrorKind.InvalidOperation,
                $"{request.Action} of '{patch}' needs a quorum-reviewed patch first ({PatchReview} with target '{patch}').", patch);
        }
        if (request.Action == RollForward && !Has(StagingReplay, r => RecordPatch(r) == patch))
        {
            throw new ContainmentException("RecoveryNotReplayed", DeirfErrorKind.InvalidOperation,
                $"{RollForward} of '{patch}' needs a verified {StagingReplay} of the same patch first.", patch);
        }
    }

    /// <summary>The patch a staging replay ran, from its undo state (where this provider records it).</summary>
    private static string? RecordPatch(ContainmentRecord r) => (JsonNode.Parse(r.UndoState) as JsonObject)?["patch"]?.ToString();

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        RequirePrerequisites(request);
        var patch = request.RequireParameter("patch");
        if (request.Action == PatchReview)
        {
            if (patch != request.Target)
            {
                throw new ContainmentException("RecoveryPatchMismatch", DeirfErrorKind.InvalidArgument,
                    $"A patch review's target is the patch itself: target '{request.Target}', patch '{patch}'.", request.Target);
            }
            return new ContainmentPlan
            {
                Action = request.Action, Target = request.Target,
                Steps = [$"record the quorum's review of patch '{patch}' (no system is changed)"],
                Before = ReviewState(false, patch), Expected = ReviewState(true, patch),
            };
        }
        var plan = await _script.PlanAsync(AsScript(request), cancellationToken).ConfigureAwait(false);
        return new ContainmentPlan
        {
            Action = request.Action, Target = request.Target, Steps = plan.Steps, Before = plan.Before, Expected = plan.Expected,
            Warnings = request.Action == RollForward ? [.. plan.Warnings, $"production roll-forward of '{patch}'"] : plan.Warnings,
        };
    }

    public async Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        RequirePrerequisites(request);
        var patch = request.RequireParameter("patch");
        if (request.Action == PatchReview)
        {
            return new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = ReviewState(false, patch), After = ReviewState(true, patch),
                UndoState = new JsonObject { ["patch"] = patch }, Verified = true, Message = $"patch '{patch}' reviewed by the quorum",
            };
        }
        var result = await _script.ApplyAsync(AsScript(request), cancellationToken).ConfigureAwait(false);
        var undo = (JsonObject)result.UndoState.DeepClone();
        undo["patch"] = patch;
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = result.Before, After = result.After, UndoState = undo,
            Verified = result.Verified, Message = result.Message, Ran = result.Ran,
        };
    }

    /// <summary>The script steps check their pinned script and declared secrets before the approvals are used up.</summary>
    public Task CheckAsync(ContainmentRequest request, CancellationToken cancellationToken)
        => request.Action == PatchReview ? Task.CompletedTask : _script.CheckAsync(AsScript(request), cancellationToken);

    public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => request.Action == PatchReview
            ? Task.FromResult(new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = ReviewState(true, request.Target), After = ReviewState(true, request.Target),
                UndoState = undoState, Verified = true, Message = "a review has no external state",
            })
            : _script.VerifyAsync(AsScript(request), undoState, cancellationToken);

    public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => request.Action == PatchReview
            ? Task.FromResult(new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = ReviewState(true, request.Target), After = ReviewState(false, request.Target),
                UndoState = undoState, Verified = true, Message = "review withdrawn",
            })
            : _script.UndoAsync(AsScript(request), undoState, cancellationToken);
}
