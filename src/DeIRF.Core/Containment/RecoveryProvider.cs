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
///   this incident holds a verified, not withdrawn review of "patch" and a verified staging replay of it. With the
///   signed parameter "backend" the production step is that roll-forward backend's (<see cref="IRollForwardBackend"/>,
///   found through the extension catalog) instead of a script, and one more gate applies: what the backend's
///   parameters run (<see cref="IRollForwardBackend.RevisionOf"/>) must be the revision the review signed
///   (RecoveryRevisionNotReviewed / RecoveryRevisionMismatch), checked before the backend sends anything.
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

    /// <summary>The backend a roll-forward names, or null for the script roll-forward (and the other steps).</summary>
    private static IRollForwardBackend? BackendOf(ContainmentRequest request)
        => request.Action == RollForward && request.Parameter(RollForwardBackends.Parameter) is { Length: > 0 } name ? RollForwardBackends.Find(name) : null;

    /// <summary>A revision a review may vouch for: a full commit sha, or a transaction digest "sha256:&lt;64 hex&gt;".</summary>
    private static bool IsRevision(string text)
        => RollForwardBackends.IsFullCommitSha(text)
            || (text.StartsWith("sha256:", StringComparison.Ordinal) && text.Length == 71 && text[7..].All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')));

    /// <summary>
    /// The gates, before anything is sent: the review, the staging replay, and for a backend the binding of the
    /// reviewed revision to what its signed parameters run. Returns the backend step (null for the script steps).
    /// </summary>
    private static RollForwardStep? RequirePrerequisites(ContainmentRequest request, IRollForwardBackend? backend)
    {
        var patch = request.RequireParameter("patch");
        if (request.Action == PatchReview)
        {
            if (request.Parameter(RollForwardBackends.RevisionParameter) is { } given && !IsRevision(given))
            {
                throw new ContainmentException("RecoveryRevisionInvalid", DeirfErrorKind.InvalidArgument,
                    $"A review's revision is a full lowercase commit sha (40 or 64 hex) or a transaction digest 'sha256:<64 hex>', not '{given}': a short sha can name another commit.", given);
            }
            return null;
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
        if (backend is null)
        {
            return null;
        }
        // What runs is what was reviewed: the backend says what its signed parameters run (from the parameters alone,
        // nothing sent), and that must be a revision a verified review of this patch signed.
        var ws = Workspace.Open(request.WorkspaceRoot);
        var runs = backend.RevisionOf(request);
        if (request.Parameter(RollForwardBackends.RevisionParameter) is { } claimed && claimed != runs)
        {
            throw new ContainmentException("RecoveryRevisionMismatch", DeirfErrorKind.SecurityError,
                $"{RollForward} of '{patch}' names the revision '{claimed}' but its {backend.Name} parameters run '{runs}'.", claimed);
        }
        var reviewed = done.Where(r => r.Action == PatchReview && r.Target == patch)
            .Select(r => RollForwardBackends.ReviewedRevision(patch, Quorum.QuorumGate.GetProposal(ws, request.IncidentId, r.ProposalId).Parameters))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (reviewed.Count == 0)
        {
            throw new ContainmentException("RecoveryRevisionNotReviewed", DeirfErrorKind.InvalidOperation,
                $"The review of '{patch}' names no revision, so nothing binds it to what {backend.Name} would run ('{runs}'): review it again with -Parameter @{{ patch = '{patch}'; revision = '{runs}' }} (or name the patch '<repo>@<full sha>').", patch);
        }
        if (!reviewed.Contains(runs, StringComparer.Ordinal))
        {
            throw new ContainmentException("RecoveryRevisionMismatch", DeirfErrorKind.SecurityError,
                $"{RollForward} through {backend.Name} would run '{runs}', but the review of '{patch}' signed {string.Join(", ", reviewed.Select(r => $"'{r}'"))}: a roll-forward runs only what was reviewed.", runs);
        }
        return new RollForwardStep { Request = request, Revision = runs, Token = RollForwardBackends.TokenFor(backend, request) };
    }

    /// <summary>The patch a staging replay ran, from its undo state (where this provider records it).</summary>
    private static string? RecordPatch(ContainmentRecord r) => (JsonNode.Parse(r.UndoState) as JsonObject)?["patch"]?.ToString();

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var backend = BackendOf(request);
        var step = RequirePrerequisites(request, backend);
        var patch = request.RequireParameter("patch");
        if (backend is not null && step is not null)
        {
            var backendPlan = await backend.PlanAsync(step, cancellationToken).ConfigureAwait(false);
            return new ContainmentPlan
            {
                Action = request.Action, Target = request.Target, Steps = backendPlan.Steps, Before = backendPlan.Before, Expected = backendPlan.Expected,
                Warnings = [.. backendPlan.Warnings, $"production roll-forward of '{patch}' at {step.Revision} through {backend.Name}"],
            };
        }
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
        var backend = BackendOf(request);
        var step = RequirePrerequisites(request, backend);
        var patch = request.RequireParameter("patch");
        if (backend is not null && step is not null)
        {
            var done = await backend.ApplyAsync(step, cancellationToken).ConfigureAwait(false);
            return WithPatch(done, request, patch, backend, step.Revision);
        }
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

    /// <summary>The backend's result as journaled: the patch, backend and revision recorded beside its own state (undo and verify read them back).</summary>
    private static ContainmentResult WithPatch(ContainmentResult result, ContainmentRequest request, string patch, IRollForwardBackend backend, string revision)
    {
        var undo = (JsonObject)result.UndoState.DeepClone();
        undo["patch"] = patch;
        undo[RollForwardBackends.Parameter] = backend.Name;
        undo[RollForwardBackends.RevisionParameter] = revision;
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = result.Before, After = result.After, UndoState = undo,
            Verified = result.Verified, Message = result.Message,
            Ran = result.Ran,
        };
    }

    /// <summary>
    /// Before the approvals are used up: the script steps check their pinned script and declared secrets; a backend
    /// roll-forward passes the gates again (review, replay, revision binding) and has its token.
    /// </summary>
    public Task CheckAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        if (request.Action == PatchReview)
        {
            return Task.CompletedTask;
        }
        var backend = BackendOf(request);
        if (backend is null)
        {
            return _script.CheckAsync(AsScript(request), cancellationToken);
        }
        var step = RequirePrerequisites(request, backend)!;
        if (step.Token is null)
        {
            throw new ContainmentException("RollForwardTokenMissing", DeirfErrorKind.InvalidArgument,
                $"The {backend.Name} roll-forward needs a token: -Secret @{{ {backend.Token.SecretName} = <SecureString> }} or ${backend.Token.EnvironmentVariable}.", backend.Token.SecretName);
        }
        return Task.CompletedTask;
    }

    /// <summary>A backend step read back from what apply recorded (the revision it ran, never the proposal's again).</summary>
    private static (IRollForwardBackend Backend, RollForwardStep Step)? RecordedBackend(ContainmentRequest request, JsonObject undoState)
    {
        if (request.Action != RollForward || undoState[RollForwardBackends.Parameter]?.GetValue<string>() is not { Length: > 0 } name)
        {
            return null;
        }
        var backend = RollForwardBackends.Find(name);
        var revision = undoState[RollForwardBackends.RevisionParameter]?.GetValue<string>() ?? string.Empty;
        return (backend, new RollForwardStep { Request = request, Revision = revision, Token = RollForwardBackends.TokenFor(backend, request) });
    }

    public async Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        if (RecordedBackend(request, undoState) is { } recorded)
        {
            var read = await recorded.Backend.VerifyAsync(recorded.Step, undoState, cancellationToken).ConfigureAwait(false);
            return new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = read.Before, After = read.After, UndoState = undoState, Verified = read.Verified, Message = read.Message,
            };
        }
        return await VerifyOtherAsync(request, undoState, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        if (RecordedBackend(request, undoState) is { } recorded)
        {
            return await recorded.Backend.UndoAsync(recorded.Step, undoState, cancellationToken).ConfigureAwait(false);
        }
        return await UndoOtherAsync(request, undoState, cancellationToken).ConfigureAwait(false);
    }

    private Task<ContainmentResult> VerifyOtherAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => request.Action == PatchReview
            ? Task.FromResult(new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = ReviewState(true, request.Target), After = ReviewState(true, request.Target),
                UndoState = undoState, Verified = true, Message = "a review has no external state",
            })
            : _script.VerifyAsync(AsScript(request), undoState, cancellationToken);

    private Task<ContainmentResult> UndoOtherAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => request.Action == PatchReview
            ? Task.FromResult(new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = ReviewState(true, request.Target), After = ReviewState(false, request.Target),
                UndoState = undoState, Verified = true, Message = "review withdrawn",
            })
            : _script.UndoAsync(AsScript(request), undoState, cancellationToken);
}
