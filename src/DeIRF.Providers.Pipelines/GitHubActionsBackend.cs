using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Containment;

namespace DeIRF.Providers.Pipelines;

/// <summary>
/// "github-actions": a workflow_dispatch of a named workflow at the reviewed commit, followed to its conclusion, through
/// GitHub's REST API (the operations of github/rest-api-description, API version 2022-11-28):
/// <list type="bullet">
/// <item>GET /repos/{owner}/{repo}/git/ref/heads/{ref}: the branch head, which must be the reviewed sha (a
///   workflow_dispatch takes a branch or tag, never a sha, so the branch is checked first and the run's head_sha after);</item>
/// <item>POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches {ref, inputs, return_run_details: true}:
///   200 with {workflow_run_id, run_url, html_url}; a server that answers 204 (older GitHub Enterprise Server) is
///   followed by polling GET …/actions/workflows/{workflow}/runs?event=workflow_dispatch&amp;branch=&amp;head_sha= for a run that
///   was not there before the dispatch;</item>
/// <item>GET /repos/{owner}/{repo}/actions/runs/{run_id} until status "completed"; status "waiting" reads
///   GET …/actions/runs/{run_id}/pending_deployments and reports which environment waits for which reviewers.</item>
/// </list>
/// Parameters (signed): repository (owner/repo), workflow (file name or id), ref (branch), revision (full sha),
/// input.&lt;name&gt; (workflow inputs), apiUrl (default https://api.github.com), timeoutSeconds (default 1800),
/// pollSeconds (default 5). Token: -Secret githubToken or $env:DEIRF_GITHUB_TOKEN.
/// </summary>
public sealed partial class GitHubActionsBackend : IRollForwardBackend
{
    public const string BackendName = "github-actions";
    public const string ApiVersion = "2022-11-28";
    private const string InputPrefix = "input.";

    public string Name => BackendName;

    public (string SecretName, string EnvironmentVariable) Token => ("githubToken", "DEIRF_GITHUB_TOKEN");

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryForm();

    private sealed record Spec(string Owner, string Repo, string Workflow, string Ref, string Revision, Dictionary<string, string> Inputs, Uri Api, TimeSpan Timeout, TimeSpan Poll)
    {
        public string Repository => $"{Owner}/{Repo}";
        public string Base => $"/repos/{PipelineHttp.Segment(Owner)}/{PipelineHttp.Segment(Repo)}";
    }

    private static Spec Read(ContainmentRequest request)
    {
        var repository = request.RequireParameter("repository");
        if (!RepositoryForm().IsMatch(repository) || repository.EndsWith("/.", StringComparison.Ordinal) || repository.EndsWith("/..", StringComparison.Ordinal))
        {
            throw Invalid("repository", $"'repository' is owner/repo, not '{repository}'.");
        }
        var workflow = request.RequireParameter("workflow");
        if (workflow.Contains('/') || workflow.Contains(".."))
        {
            throw Invalid("workflow", $"'workflow' is the workflow's file name (deploy.yml) or id, not a path: '{workflow}'.");
        }
        var gitRef = request.RequireParameter("ref");
        if (gitRef.StartsWith("refs/", StringComparison.Ordinal) || gitRef.Contains("..") || gitRef.Any(char.IsWhiteSpace))
        {
            throw Invalid("ref", $"'ref' is the branch name the workflow runs on (main), not '{gitRef}'.");
        }
        var revision = request.RequireParameter(RollForwardBackends.RevisionParameter);
        if (!RollForwardBackends.IsFullCommitSha(revision))
        {
            throw Invalid(RollForwardBackends.RevisionParameter, $"'revision' is the reviewed commit's full lowercase sha (40 or 64 hex), not '{revision}'.");
        }
        var inputs = request.Parameters.Where(p => p.Key.StartsWith(InputPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[InputPrefix.Length..], p => p.Value, StringComparer.Ordinal);
        if (inputs.Count > 25)
        {
            throw Invalid("input.", "A workflow_dispatch takes at most 25 inputs.");
        }
        var slash = repository.IndexOf('/');
        return new Spec(repository[..slash], repository[(slash + 1)..], workflow, gitRef, revision, inputs,
            PipelineHttp.ServiceUrl(request, "apiUrl", "https://api.github.com"),
            PipelineHttp.Seconds(request, "timeoutSeconds", 1800, 0.1, 86400), PipelineHttp.Seconds(request, "pollSeconds", 5, 0.01, 600));
    }

    private static ContainmentException Invalid(string parameter, string message)
        => new("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument, message, parameter);

    public string RevisionOf(ContainmentRequest request) => Read(request).Revision;

    private static PipelineHttp Http(Spec spec, string? token)
        => new("GitHub", spec.Api, token, h =>
        {
            h.Accept.ParseAdd("application/vnd.github+json");
            h.Add("X-GitHub-Api-Version", ApiVersion);
        });

    private static async Task<string> HeadOf(PipelineHttp http, Spec spec, CancellationToken cancellationToken)
    {
        var (_, body) = await http.SendAsync(HttpMethod.Get, $"{spec.Base}/git/ref/heads/{PipelineHttp.Segment(spec.Ref)}", null, cancellationToken, 200).ConfigureAwait(false);
        return PipelineHttp.Text(body?["object"], "sha")
            ?? throw new ContainmentException("RollForwardRequestFailed", DeirfErrorKind.InvalidData, $"GitHub's answer for the branch '{spec.Ref}' of {spec.Repository} has no object.sha.", spec.Ref);
    }

    private static JsonObject State(Spec spec, string? head) => new()
    {
        ["repository"] = spec.Repository, ["workflow"] = spec.Workflow, ["ref"] = spec.Ref, ["head"] = head,
    };

    public async Task<ContainmentPlan> PlanAsync(RollForwardStep step, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        var warnings = new List<string>();
        string? head = null;
        if (step.Token is null)
        {
            warnings.Add($"no token (-Secret {Token.SecretName} or ${Token.EnvironmentVariable}): the plan did not read GitHub");
        }
        else
        {
            using var http = Http(spec, step.Token);
            // The workflow exists and can be dispatched; the branch head is what would run.
            var (_, workflow) = await http.SendAsync(HttpMethod.Get, $"{spec.Base}/actions/workflows/{PipelineHttp.Segment(spec.Workflow)}", null, cancellationToken, 200).ConfigureAwait(false);
            if (PipelineHttp.Text(workflow, "state") is { } state && state != "active")
            {
                warnings.Add($"the workflow '{spec.Workflow}' is {state}: GitHub will refuse the dispatch");
            }
            head = await HeadOf(http, spec, cancellationToken).ConfigureAwait(false);
            if (head != spec.Revision)
            {
                warnings.Add($"the branch '{spec.Ref}' is at {head}, not the reviewed {spec.Revision}: the roll-forward will refuse to dispatch (RollForwardRefMoved)");
            }
        }
        warnings.Add("a GitHub environment with required reviewers holds the run until they approve it in GitHub: that gate is GitHub's, after ours");
        var inputs = spec.Inputs.Count == 0 ? string.Empty : " with inputs " + string.Join(", ", spec.Inputs.Keys.Order(StringComparer.Ordinal));
        return new ContainmentPlan
        {
            Action = step.Request.Action, Target = step.Request.Target,
            Steps =
            [
                $"check that {spec.Repository} branch '{spec.Ref}' is at the reviewed {spec.Revision}",
                $"dispatch workflow '{spec.Workflow}' on '{spec.Ref}'{inputs} ({spec.Api})",
                $"follow the run to its conclusion (at most {spec.Timeout.TotalSeconds:0.#} s); verified when it concludes success at {spec.Revision}",
            ],
            Before = State(spec, head),
            Expected = new JsonObject { ["repository"] = spec.Repository, ["workflow"] = spec.Workflow, ["head_sha"] = spec.Revision, ["conclusion"] = "success" },
            Warnings = warnings,
        };
    }

    public async Task<ContainmentResult> ApplyAsync(RollForwardStep step, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        if (step.Token is null)
        {
            throw PipelineHttp.TokenMissing(this);
        }
        using var http = Http(spec, step.Token);
        var head = await HeadOf(http, spec, cancellationToken).ConfigureAwait(false);
        if (head != spec.Revision)
        {
            throw new ContainmentException("RollForwardRefMoved", DeirfErrorKind.InvalidOperation,
                $"{spec.Repository} branch '{spec.Ref}' is at {head}, not the reviewed {spec.Revision}: nothing was dispatched (a dispatch runs the branch head).", spec.Ref);
        }
        var runsPath = $"{spec.Base}/actions/workflows/{PipelineHttp.Segment(spec.Workflow)}/runs?event=workflow_dispatch&branch={PipelineHttp.Segment(spec.Ref)}&head_sha={spec.Revision}&per_page=30";
        var body = new JsonObject { ["ref"] = spec.Ref, ["return_run_details"] = true };
        if (spec.Inputs.Count > 0)
        {
            var inputs = new JsonObject();
            foreach (var (k, v) in spec.Inputs.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                inputs[k] = v;
            }
            body["inputs"] = inputs;
        }
        var clock = Stopwatch.StartNew();
        step.Report($"dispatching '{spec.Workflow}' on {spec.Repository}@{spec.Ref}");
        var (status, dispatched) = await http.SendAsync(HttpMethod.Post, $"{spec.Base}/actions/workflows/{PipelineHttp.Segment(spec.Workflow)}/dispatches", body, cancellationToken, 200, 204).ConfigureAwait(false);
        long runId;
        if (status == 200 && PipelineHttp.Number(dispatched, "workflow_run_id") is { } id)
        {
            runId = id;
        }
        else
        {
            // 204: this server does not return the run; the dispatched run is the workflow_dispatch run at the reviewed
            // sha that appears now (none existed at that sha before: the branch head was just checked to be it).
            runId = await FindDispatchedRunAsync(http, spec, runsPath, clock, step, cancellationToken).ConfigureAwait(false)
                ?? throw new ContainmentException("RollForwardRunNotFound", DeirfErrorKind.ResourceUnavailable,
                    $"The dispatch of '{spec.Workflow}' was accepted but no workflow_dispatch run at {spec.Revision} appeared within {spec.Timeout.TotalSeconds:0.#} s.", spec.Workflow);
        }
        var run = await FollowAsync(http, spec, runId, clock, step, cancellationToken).ConfigureAwait(false);
        return Result(step, spec, head, run.Run, run.Pending, clock.Elapsed >= spec.Timeout);
    }

    private static async Task<long?> FindDispatchedRunAsync(PipelineHttp http, Spec spec, string runsPath, Stopwatch clock, RollForwardStep step, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (_, list) = await http.SendAsync(HttpMethod.Get, runsPath, null, cancellationToken, 200).ConfigureAwait(false);
            var found = (list?["workflow_runs"] as JsonArray ?? [])
                .Where(r => PipelineHttp.Text(r, "head_sha") == spec.Revision && PipelineHttp.Text(r, "event") == "workflow_dispatch")
                .Select(r => PipelineHttp.Number(r, "id")).Where(i => i is not null).Max();
            if (found is not null)
            {
                return found;
            }
            if (clock.Elapsed >= spec.Timeout)
            {
                return null;
            }
            step.Report("waiting for GitHub to list the dispatched run");
            await Task.Delay(spec.Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the run until it completes or the time is up; while it waits on an environment, who it waits for.</summary>
    private static async Task<(JsonObject Run, JsonArray? Pending)> FollowAsync(PipelineHttp http, Spec spec, long runId, Stopwatch clock, RollForwardStep step, CancellationToken cancellationToken)
    {
        string? last = null;
        JsonArray? pending = null;
        while (true)
        {
            var (_, node) = await http.SendAsync(HttpMethod.Get, $"{spec.Base}/actions/runs/{runId}", null, cancellationToken, 200).ConfigureAwait(false);
            var run = node as JsonObject ?? throw new ContainmentException("RollForwardRequestFailed", DeirfErrorKind.InvalidData, $"GitHub's answer for run {runId} is not an object.", runId);
            var status = PipelineHttp.Text(run, "status") ?? "unknown";
            if (status == "waiting" && last != "waiting")
            {
                pending = await PendingAsync(http, spec, runId, cancellationToken).ConfigureAwait(false);
            }
            if (status != last)
            {
                step.Report(status == "waiting" ? $"run {runId} is waiting: {Describe(pending)}" : $"run {runId} {status}");
                last = status;
            }
            if (status == "completed" || clock.Elapsed >= spec.Timeout)
            {
                return (run, status == "waiting" ? pending : null);
            }
            await Task.Delay(spec.Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>GET …/pending_deployments as [{environment, reviewers:[…], wait_timer}] (the reviewers' logins or team slugs).</summary>
    private static async Task<JsonArray> PendingAsync(PipelineHttp http, Spec spec, long runId, CancellationToken cancellationToken)
    {
        var (_, node) = await http.SendAsync(HttpMethod.Get, $"{spec.Base}/actions/runs/{runId}/pending_deployments", null, cancellationToken, 200).ConfigureAwait(false);
        var pending = new JsonArray();
        foreach (var d in node as JsonArray ?? [])
        {
            var reviewers = new JsonArray();
            foreach (var r in d?["reviewers"] as JsonArray ?? [])
            {
                var who = r?["reviewer"];
                var name = PipelineHttp.Text(r, "type") == "Team" ? "team " + (PipelineHttp.Text(who, "slug") ?? PipelineHttp.Text(who, "name")) : PipelineHttp.Text(who, "login");
                if (name is not null)
                {
                    reviewers.Add(name);
                }
            }
            pending.Add(new JsonObject
            {
                ["environment"] = PipelineHttp.Text(d?["environment"], "name"),
                ["reviewers"] = reviewers,
                ["wait_timer"] = PipelineHttp.Number(d, "wait_timer"),
            });
        }
        return pending;
    }

    private static string Describe(JsonArray? pending)
        => pending is null || pending.Count == 0
            ? "GitHub holds it for a protection rule"
            : string.Join("; ", pending.Select(p => $"GitHub environment '{PipelineHttp.Text(p, "environment")}' waits for its required reviewers ({string.Join(", ", (p?["reviewers"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))})"));

    private static JsonObject RunState(Spec spec, JsonObject run, JsonArray? pending)
    {
        var state = new JsonObject
        {
            ["repository"] = spec.Repository, ["workflow"] = spec.Workflow, ["ref"] = spec.Ref,
            ["runId"] = PipelineHttp.Number(run, "id"), ["url"] = PipelineHttp.Text(run, "html_url"),
            ["event"] = PipelineHttp.Text(run, "event"), ["head_sha"] = PipelineHttp.Text(run, "head_sha"),
            ["status"] = PipelineHttp.Text(run, "status"), ["conclusion"] = PipelineHttp.Text(run, "conclusion"),
        };
        if (pending is not null)
        {
            state["pending_deployments"] = pending.DeepClone();
        }
        return state;
    }

    private ContainmentResult Result(RollForwardStep step, Spec spec, string? head, JsonObject run, JsonArray? pending, bool timedOut)
    {
        var after = RunState(spec, run, pending);
        var status = PipelineHttp.Text(run, "status");
        var conclusion = PipelineHttp.Text(run, "conclusion");
        var builtSha = PipelineHttp.Text(run, "head_sha");
        var runId = PipelineHttp.Number(run, "id");
        var verified = status == "completed" && conclusion == "success" && builtSha == step.Revision;
        var message = verified
            ? $"run {runId} of '{spec.Workflow}' concluded success at {step.Revision}"
            : builtSha != step.Revision
                ? $"run {runId} ran {builtSha}, not the reviewed {step.Revision}: not verified"
                : status == "completed"
                    ? $"run {runId} of '{spec.Workflow}' concluded {conclusion}: the roll-forward is not verified"
                    : status == "waiting"
                        ? $"run {runId} is still waiting after {spec.Timeout.TotalSeconds:0.#} s: {Describe(pending)} (its id is journaled: follow it there)"
                        : timedOut
                            ? $"run {runId} is still {status} after {spec.Timeout.TotalSeconds:0.#} s (its id is journaled: follow it there)"
                            : $"run {runId} is {status}: not concluded yet";
        return new ContainmentResult
        {
            Action = step.Request.Action, Target = step.Request.Target, Before = State(spec, head), After = after,
            UndoState = new JsonObject { ["repository"] = spec.Repository, ["workflow"] = spec.Workflow, ["runId"] = runId, ["url"] = PipelineHttp.Text(run, "html_url") },
            Verified = verified, Message = message,
        };
    }

    public async Task<ContainmentResult> VerifyAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        if (step.Token is null)
        {
            throw PipelineHttp.TokenMissing(this);
        }
        var runId = PipelineHttp.Number(undoState, "runId")
            ?? throw new ContainmentException("RollForwardRunNotFound", DeirfErrorKind.NotFound, "The roll-forward recorded no run id to read back.", step.Request.Target);
        using var http = Http(spec, step.Token);
        var (_, node) = await http.SendAsync(HttpMethod.Get, $"{spec.Base}/actions/runs/{runId}", null, cancellationToken, 200).ConfigureAwait(false);
        var run = node as JsonObject ?? new JsonObject();
        var pending = PipelineHttp.Text(run, "status") == "waiting" ? await PendingAsync(http, spec, runId, cancellationToken).ConfigureAwait(false) : null;
        return Result(step, spec, null, run, pending, timedOut: false);
    }

    /// <summary>A finished workflow run cannot be taken back: roll forward again with a reviewed revert.</summary>
    public Task<ContainmentResult> UndoAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken)
        => throw new ContainmentException("ContainmentUndoNotPossible", DeirfErrorKind.InvalidOperation,
            $"A {BackendName} run cannot be undone: review a revert commit and roll it forward (run {PipelineHttp.Number(undoState, "runId")}).", step.Request.Target);
}
