using System.Diagnostics;
using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.Providers.Pipelines;

/// <summary>
/// "argocd": syncs an Argo CD Application to the reviewed revision and waits for it, through the API server's REST
/// gateway (assets/swagger.json of argoproj/argo-cd, ApplicationService):
/// <list type="bullet">
/// <item>GET /api/v1/applications/{name}[?appNamespace=]: status.sync {status, revision}, status.health.status,
///   status.operationState {phase, message, syncResult.revision};</item>
/// <item>POST /api/v1/applications/{name}/sync (ApplicationSyncRequest {name, revision, prune, appNamespace, project}).</item>
/// </list>
/// Verified when the operation Succeeded at the revision and the application is Synced and Healthy; Degraded, a failed
/// operation or the timeout is not verified. Undo syncs back to the revision recorded before. Parameters (signed):
/// server (the API server URL), application (default: the target), appNamespace, project, revision (full sha), prune
/// (true/false, default false), timeoutSeconds (default 600), pollSeconds (default 5). Token: -Secret argocdToken or
/// $env:DEIRF_ARGOCD_TOKEN (an Argo CD API token: argocd account generate-token).
/// </summary>
public sealed class ArgoCdBackend : IRollForwardBackend
{
    public const string BackendName = "argocd";

    public string Name => BackendName;

    public (string SecretName, string EnvironmentVariable) Token => ("argocdToken", "DEIRF_ARGOCD_TOKEN");

    private sealed record Spec(Uri Server, string Application, string? AppNamespace, string? Project, string Revision, bool Prune, TimeSpan Timeout, TimeSpan Poll)
    {
        public string Path => $"/api/v1/applications/{PipelineHttp.Segment(Application)}";
        public string Query => AppNamespace is null ? string.Empty : "?appNamespace=" + PipelineHttp.Segment(AppNamespace);
    }

    private static Spec Read(ContainmentRequest request, string? revision = null)
    {
        var app = request.Parameter("application") ?? request.Target;
        if (app.Length == 0 || app.Contains('/'))
        {
            throw new ContainmentException("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument, $"'application' is an Argo CD Application name, not '{app}'.", "application");
        }
        revision ??= request.RequireParameter(RollForwardBackends.RevisionParameter);
        if (!RollForwardBackends.IsFullCommitSha(revision))
        {
            throw new ContainmentException("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument,
                $"'revision' is the reviewed commit's full lowercase sha (40 or 64 hex), not '{revision}'.", RollForwardBackends.RevisionParameter);
        }
        var prune = request.Parameter("prune") switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw new ContainmentException("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument, $"'prune' is true or false, not '{other}'.", "prune"),
        };
        return new Spec(PipelineHttp.ServiceUrl(request, "server"), app, request.Parameter("appNamespace"), request.Parameter("project"), revision, prune,
            PipelineHttp.Seconds(request, "timeoutSeconds", 600, 0.1, 86400), PipelineHttp.Seconds(request, "pollSeconds", 5, 0.01, 600));
    }

    public string RevisionOf(ContainmentRequest request) => Read(request).Revision;

    private static PipelineHttp Http(Spec spec, string? token) => new("Argo CD", spec.Server, token, h => h.Accept.ParseAdd("application/json"));

    private static async Task<JsonObject> GetAsync(PipelineHttp http, Spec spec, CancellationToken cancellationToken)
    {
        var (_, node) = await http.SendAsync(HttpMethod.Get, spec.Path + spec.Query, null, cancellationToken, 200).ConfigureAwait(false);
        return node as JsonObject ?? throw new ContainmentException("RollForwardRequestFailed", DeirfErrorKind.InvalidData, $"Argo CD's answer for '{spec.Application}' is not an object.", spec.Application);
    }

    /// <summary>The application's state as journaled: synced revision, sync and health status, the last operation.</summary>
    private static JsonObject State(string application, JsonObject app)
    {
        var status = app["status"];
        var op = status?["operationState"];
        return new JsonObject
        {
            ["application"] = application,
            ["revision"] = PipelineHttp.Text(status?["sync"], "revision"),
            ["sync"] = PipelineHttp.Text(status?["sync"], "status"),
            ["health"] = PipelineHttp.Text(status?["health"], "status"),
            ["operation"] = op is null ? null : new JsonObject
            {
                ["phase"] = PipelineHttp.Text(op, "phase"),
                ["message"] = PipelineHttp.Text(op, "message"),
                ["revision"] = PipelineHttp.Text(op["syncResult"], "revision"),
                ["finishedAt"] = PipelineHttp.Text(op, "finishedAt"),
            },
        };
    }

    public async Task<ContainmentPlan> PlanAsync(RollForwardStep step, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        var warnings = new List<string>();
        JsonObject before;
        if (step.Token is null)
        {
            warnings.Add($"no token (-Secret {Token.SecretName} or ${Token.EnvironmentVariable}): the plan did not read Argo CD");
            before = new JsonObject { ["application"] = spec.Application };
        }
        else
        {
            using var http = Http(spec, step.Token);
            before = State(spec.Application, await GetAsync(http, spec, cancellationToken).ConfigureAwait(false));
        }
        return new ContainmentPlan
        {
            Action = step.Request.Action, Target = step.Request.Target,
            Steps =
            [
                $"record the revision '{spec.Application}' runs now (undo syncs back to it)",
                $"sync Application '{spec.Application}' to {spec.Revision}{(spec.Prune ? " with prune" : string.Empty)} ({spec.Server})",
                $"wait for Synced and Healthy (at most {spec.Timeout.TotalSeconds:0.#} s)",
            ],
            Before = before,
            Expected = new JsonObject { ["application"] = spec.Application, ["revision"] = spec.Revision, ["sync"] = "Synced", ["health"] = "Healthy" },
            Warnings = warnings,
        };
    }

    public async Task<ContainmentResult> ApplyAsync(RollForwardStep step, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        using var http = Http(spec, step.Token ?? throw PipelineHttp.TokenMissing(this));
        var before = State(spec.Application, await GetAsync(http, spec, cancellationToken).ConfigureAwait(false));
        var previous = PipelineHttp.Text(before, "revision");
        var result = await SyncAsync(http, spec, step, requireSynced: true, cancellationToken).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = step.Request.Action, Target = step.Request.Target, Before = before, After = result.After,
            UndoState = new JsonObject { ["application"] = spec.Application, ["appNamespace"] = spec.AppNamespace, ["previousRevision"] = previous, ["syncedRevision"] = spec.Revision },
            Verified = result.Verified, Message = result.Message,
        };
    }

    /// <summary>Starts a sync to spec.Revision and reads the application until the operation ends and health settles, or the time is up.</summary>
    private static async Task<(JsonObject After, bool Verified, string Message)> SyncAsync(PipelineHttp http, Spec spec, RollForwardStep step, bool requireSynced, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["name"] = spec.Application, ["revision"] = spec.Revision, ["prune"] = spec.Prune };
        if (spec.AppNamespace is not null)
        {
            body["appNamespace"] = spec.AppNamespace;
        }
        if (spec.Project is not null)
        {
            body["project"] = spec.Project;
        }
        var clock = Stopwatch.StartNew();
        step.Report($"syncing '{spec.Application}' to {spec.Revision}");
        await http.SendAsync(HttpMethod.Post, spec.Path + "/sync", body, cancellationToken, 200).ConfigureAwait(false);
        string? last = null;
        while (true)
        {
            var state = State(spec.Application, await GetAsync(http, spec, cancellationToken).ConfigureAwait(false));
            var op = state["operation"];
            var phase = PipelineHttp.Text(op, "phase");
            var health = PipelineHttp.Text(state, "health");
            var sync = PipelineHttp.Text(state, "sync");
            var ours = PipelineHttp.Text(op, "revision") == spec.Revision;
            var line = $"operation {phase ?? "pending"}, {sync}, {health}";
            if (line != last)
            {
                step.Report($"'{spec.Application}': {line}");
                last = line;
            }
            var ended = ours && phase is "Succeeded" or "Failed" or "Error";
            if (ended && phase != "Succeeded")
            {
                return (state, false, $"the sync of '{spec.Application}' to {spec.Revision} ended {phase}: {PipelineHttp.Text(op, "message")}");
            }
            if (ended && health is "Healthy" && (!requireSynced || sync == "Synced") && PipelineHttp.Text(state, "revision") == spec.Revision)
            {
                return (state, true, $"'{spec.Application}' is {(requireSynced ? "Synced and " : string.Empty)}Healthy at {spec.Revision}");
            }
            if (ended && health is "Degraded" or "Missing")
            {
                return (state, false, $"'{spec.Application}' synced to {spec.Revision} but is {health}: the roll-forward is not verified");
            }
            if (clock.Elapsed >= spec.Timeout)
            {
                return (state, false, $"'{spec.Application}' is not Synced and Healthy at {spec.Revision} after {spec.Timeout.TotalSeconds:0.#} s ({line}) (its id is journaled: follow it there)");
            }
            await Task.Delay(spec.Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<ContainmentResult> VerifyAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request, PipelineHttp.Text(undoState, "syncedRevision") ?? step.Revision);
        using var http = Http(spec, step.Token ?? throw PipelineHttp.TokenMissing(this));
        var state = State(spec.Application, await GetAsync(http, spec, cancellationToken).ConfigureAwait(false));
        var ok = PipelineHttp.Text(state, "revision") == spec.Revision && PipelineHttp.Text(state, "sync") == "Synced" && PipelineHttp.Text(state, "health") == "Healthy";
        return new ContainmentResult
        {
            Action = step.Request.Action, Target = step.Request.Target, Before = state, After = state, UndoState = undoState, Verified = ok,
            Message = ok ? $"'{spec.Application}' is Synced and Healthy at {spec.Revision}" : $"'{spec.Application}' is {PipelineHttp.Text(state, "sync")}, {PipelineHttp.Text(state, "health")} at {PipelineHttp.Text(state, "revision")}",
        };
    }

    /// <summary>Syncs back to the revision apply recorded before (refused when none was recorded, or the application moved on since).</summary>
    public async Task<ContainmentResult> UndoAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken)
    {
        var previous = PipelineHttp.Text(undoState, "previousRevision");
        var synced = PipelineHttp.Text(undoState, "syncedRevision");
        if (previous is null || !RollForwardBackends.IsFullCommitSha(previous))
        {
            throw new ContainmentException("ContainmentUndoNotPossible", DeirfErrorKind.InvalidOperation,
                $"The roll-forward recorded no previous revision of '{PipelineHttp.Text(undoState, "application")}' to sync back to.", step.Request.Target);
        }
        var spec = Read(step.Request, previous);
        using var http = Http(spec, step.Token ?? throw PipelineHttp.TokenMissing(this));
        var before = State(spec.Application, await GetAsync(http, spec, cancellationToken).ConfigureAwait(false));
        if (PipelineHttp.Text(before, "revision") != synced)
        {
            throw new ContainmentException("ContainmentUndoNotPossible", DeirfErrorKind.InvalidOperation,
                $"'{spec.Application}' runs {PipelineHttp.Text(before, "revision")} now, not the {synced} this roll-forward synced: it changed since, so undo leaves it alone.", spec.Application);
        }
        // Back to the old revision: the app compares against its target revision, so Synced is not expected; Healthy is.
        var result = await SyncAsync(http, spec, step, requireSynced: false, cancellationToken).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = step.Request.Action, Target = step.Request.Target, Before = before, After = result.After, UndoState = undoState,
            Verified = result.Verified, Message = result.Verified ? $"'{spec.Application}' synced back to {previous}" : result.Message,
        };
    }
}
