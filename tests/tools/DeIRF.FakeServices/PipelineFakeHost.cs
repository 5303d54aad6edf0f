using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeIRF.FakeServices;

/// <summary>How a fake workflow run, Argo CD sync or relayed transaction ends.</summary>
public enum FakeOutcome
{
    /// <summary>Run concludes success / application Healthy / transaction mined then confirmed.</summary>
    Success,
    /// <summary>Run concludes failure / sync operation Failed / transaction failed (reverted).</summary>
    Failure,
    /// <summary>Run waits on its environment's required reviewers until <see cref="PipelineFakeHost.ApproveDeployment"/>.</summary>
    WaitingForReviewers,
    /// <summary>Argo CD: the sync succeeds and the application turns Degraded.</summary>
    Degraded,
    /// <summary>Never ends (run in_progress, operation Running, transaction submitted): the client's timeout.</summary>
    Stuck,
}

public sealed class FakeWorkflow
{
    public required long Id { get; init; }
    public required string Repository { get; init; }
    public required string File { get; init; }
    public FakeOutcome Outcome { get; set; } = FakeOutcome.Success;
    public string Environment { get; set; } = "production";
    public List<string> Reviewers { get; } = ["alice"];
    /// <summary>Answer 204 to a dispatch even when return_run_details is asked (GitHub Enterprise Server before it had it).</summary>
    public bool NoRunDetails { get; set; }
}

public sealed class FakeRun
{
    public required long Id { get; init; }
    public required FakeWorkflow Workflow { get; init; }
    public required string Branch { get; init; }
    public required string HeadSha { get; init; }
    public required JsonObject Inputs { get; init; }
    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;
    public string Status { get; set; } = "queued";
    public string? Conclusion { get; set; }
    public bool Approved { get; set; }
    public int Reads { get; set; }
    public int Listings { get; set; }
}

public sealed class FakeApplication
{
    public required string Name { get; init; }
    /// <summary>The revision spec.source.targetRevision (a branch) resolves to: the sync status compares against it.</summary>
    public required string TargetHead { get; set; }
    public required string Revision { get; set; }
    public string Health { get; set; } = "Healthy";
    public FakeOutcome Outcome { get; set; } = FakeOutcome.Success;
    /// <summary>Commits the fake repository has: a sync to any other revision is refused as Argo CD refuses an unresolvable one.</summary>
    public HashSet<string> Known { get; } = [];
    public JsonObject? Operation { get; set; }
    public int OperationReads { get; set; }
    public List<JsonObject> History { get; } = [];
    public List<JsonObject> SyncRequests { get; } = [];
}

public sealed class FakeTransaction
{
    public required string Id { get; init; }
    public required string RelayerId { get; init; }
    public required string To { get; init; }
    public required string Value { get; init; }
    public required string Data { get; init; }
    public required FakeOutcome Outcome { get; init; }
    public string Status { get; set; } = "pending";
    public string? Hash { get; set; }
    public string? Reason { get; set; }
    public int Reads { get; set; }
}

/// <summary>
/// Kestrel on 127.0.0.1 (free port) with fakes of three deployment APIs, each following its published description:
/// GitHub Actions (github/rest-api-description, API version 2022-11-28; API base = BaseUrl):
///   GET  /repos/{o}/{r}/git/ref/heads/{branch}, GET /repos/{o}/{r}/actions/workflows/{wf},
///   POST /repos/{o}/{r}/actions/workflows/{wf}/dispatches, GET /repos/{o}/{r}/actions/workflows/{wf}/runs,
///   GET  /repos/{o}/{r}/actions/runs/{id}, GET /repos/{o}/{r}/actions/runs/{id}/pending_deployments;
/// Argo CD (assets/swagger.json, ApplicationService; server = BaseUrl):
///   GET /api/v1/applications/{name}, POST /api/v1/applications/{name}/sync;
/// OpenZeppelin Relayer (openapi.json 1.5.0; server = BaseUrl):
///   POST /api/v1/relayers/{id}/transactions, GET /api/v1/relayers/{id}/transactions/{tx_id}.
/// State advances with each read (a run: queued → in_progress → completed; a sync: Running → Succeeded, then health;
/// a transaction: pending → sent → submitted → mined → confirmed), so clients poll as they would the real services.
/// Strict like <see cref="FakeServiceHost"/>: anything a request did against the description, and any request to a
/// route none of them has, is a problem in <see cref="Problems"/>; every user asserts there is none.
/// Control (for Pester): GET /_fake/requests, /_fake/problems; POST /_fake/github/branch {repository, branch, sha},
/// POST /_fake/github/workflow {repository, workflow, outcome, environment, reviewers}, POST /_fake/github/approve {runId},
/// POST /_fake/argocd/app {name, deployed, targetHead, outcome}.
/// </summary>
public sealed class PipelineFakeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _token;
    private readonly object _gate = new();
    private long _counter = 4_000_000_000;

    public string BaseUrl { get; private set; } = string.Empty;
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();
    public ConcurrentQueue<string> Problems { get; } = new();

    /// <summary>"owner/repo" → branch → head sha.</summary>
    public Dictionary<string, Dictionary<string, string>> Branches { get; } = new(StringComparer.Ordinal);
    public List<FakeWorkflow> Workflows { get; } = [];
    public List<FakeRun> Runs { get; } = [];
    public Dictionary<string, FakeApplication> Applications { get; } = new(StringComparer.Ordinal);
    /// <summary>relayer id → how its next transactions end.</summary>
    public Dictionary<string, FakeOutcome> Relayers { get; } = new(StringComparer.Ordinal);
    public List<FakeTransaction> Transactions { get; } = [];

    /// <summary>A dispatched run is listed only after this many listings (GitHub takes a moment to show it).</summary>
    public int ListingDelay { get; set; } = 1;

    private PipelineFakeHost(WebApplication app, string token)
    {
        _app = app;
        _token = token;
    }

    public static async Task<PipelineFakeHost> StartAsync(string token)
    {
        PipelineFakeHost? host = null;
        var (_, baseUrl) = await FakeHttp.StartAsync(app => (host = new PipelineFakeHost(app, token)).HandleAsync);
        host!.BaseUrl = baseUrl;
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public IReadOnlyList<string> TakeProblems() => FakeHttp.Drain(Problems);

    public IEnumerable<RecordedRequest> RequestsTo(string route) => Requests.Where(r => r.Route == route);

    // --- scenario set-up ----------------------------------------------------------------------------------------------
    public void SetBranch(string repository, string branch, string sha)
    {
        lock (_gate)
        {
            if (!Branches.TryGetValue(repository, out var b))
            {
                Branches[repository] = b = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            b[branch] = sha;
        }
    }

    public FakeWorkflow AddWorkflow(string repository, string file, FakeOutcome outcome = FakeOutcome.Success)
    {
        lock (_gate)
        {
            var wf = Workflows.FirstOrDefault(w => w.Repository == repository && w.File == file);
            if (wf is null)
            {
                wf = new FakeWorkflow { Id = 161335 + Workflows.Count, Repository = repository, File = file };
                Workflows.Add(wf);
            }
            wf.Outcome = outcome;
            return wf;
        }
    }

    /// <summary>A required reviewer approves the environment in GitHub: the waiting run goes on.</summary>
    public void ApproveDeployment(long runId)
    {
        lock (_gate)
        {
            Runs.Single(r => r.Id == runId).Approved = true;
        }
    }

    public FakeApplication AddApplication(string name, string deployed, string targetHead, params string[] known)
    {
        lock (_gate)
        {
            var app = new FakeApplication { Name = name, Revision = deployed, TargetHead = targetHead };
            app.Known.Add(deployed);
            app.Known.Add(targetHead);
            foreach (var k in known)
            {
                app.Known.Add(k);
            }
            app.History.Add(new JsonObject { ["id"] = 0, ["revision"] = deployed, ["deployedAt"] = Now() });
            Applications[name] = app;
            return app;
        }
    }

    private long Next() => Interlocked.Increment(ref _counter);

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private void Problem(RecordedRequest r, string problem)
    {
        r.Problems.Add(problem);
        Problems.Enqueue($"{r.Method} {r.RawTarget} ({r.Route}): {problem}");
    }

    // --- dispatch -----------------------------------------------------------------------------------------------------
    private async Task HandleAsync(HttpContext ctx)
    {
        var req = ctx.Request;
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? req.Path.Value ?? "/";
        var path = raw.Split('?')[0];
        string body;
        using (var reader = new StreamReader(req.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }
        if (path.StartsWith("/_fake/", StringComparison.Ordinal))
        {
            await ControlAsync(ctx, path, body);
            return;
        }
        var seg = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        var route = (req.Method, seg) switch
        {
            ("GET", ["repos", _, _, "git", "ref", "heads", ..]) => "github.ref",
            ("GET", ["repos", _, _, "actions", "workflows", _]) => "github.workflow",
            ("POST", ["repos", _, _, "actions", "workflows", _, "dispatches"]) => "github.dispatch",
            ("GET", ["repos", _, _, "actions", "workflows", _, "runs"]) => "github.runs",
            ("GET", ["repos", _, _, "actions", "runs", _]) => "github.run",
            ("GET", ["repos", _, _, "actions", "runs", _, "pending_deployments"]) => "github.pending",
            ("GET", ["api", "v1", "applications", _]) => "argocd.get",
            ("POST", ["api", "v1", "applications", _, "sync"]) => "argocd.sync",
            ("POST", ["api", "v1", "relayers", _, "transactions"]) => "relayer.send",
            ("GET", ["api", "v1", "relayers", _, "transactions", _]) => "relayer.get",
            _ => "unknown",
        };
        var headers = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in req.Headers)
        {
            var value = h.Value.ToString();
            if (h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                value = FakeHttp.Authorization(value, _token);
            }
            headers[h.Key] = value;
        }
        var record = new RecordedRequest(route, req.Method, raw, headers, body);
        Requests.Enqueue(record);
        JsonNode? json = null;
        if (body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                Problem(record, "body is not JSON");
            }
            if (!(req.ContentType?.StartsWith("application/json", StringComparison.Ordinal) ?? false))
            {
                Problem(record, $"Content-Type is '{req.ContentType}', not application/json");
            }
        }
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(req.QueryString.Value);
        (int Status, JsonNode? Answer) answer;
        lock (_gate)
        {
            answer = route switch
            {
                _ when route.StartsWith("github.", StringComparison.Ordinal) => GitHub(record, route, seg, query, json),
                _ when route.StartsWith("argocd.", StringComparison.Ordinal) => ArgoCd(record, route, seg, query, json),
                _ when route.StartsWith("relayer.", StringComparison.Ordinal) => Relayer(record, route, seg, json),
                _ => Unexpected(record),
            };
        }
        record.Status = answer.Status;
        ctx.Response.StatusCode = answer.Status;
        if (answer.Answer is not null)
        {
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await ctx.Response.WriteAsync(answer.Answer.ToJsonString());
        }
    }

    private (int, JsonNode?) Unexpected(RecordedRequest r)
    {
        Problem(r, "unexpected request: no route of the fake serves it");
        return (404, new JsonObject { ["message"] = "Not Found" });
    }

    private void OnlyQuery(RecordedRequest r, IDictionary<string, Microsoft.Extensions.Primitives.StringValues> query, params string[] allowed)
    {
        foreach (var k in query.Keys.Where(k => !allowed.Contains(k)))
        {
            Problem(r, $"query parameter '{k}' is not in the description");
        }
    }

    private void OnlyKeys(RecordedRequest r, JsonObject o, string schema, params string[] allowed)
    {
        foreach (var k in o.Select(p => p.Key).Where(k => !allowed.Contains(k)))
        {
            Problem(r, $"'{k}' is not a property of {schema}");
        }
    }

    // --- GitHub Actions -----------------------------------------------------------------------------------------------
    private static JsonObject GitHubError(string message, string doc) => new() { ["message"] = message, ["documentation_url"] = "https://docs.github.com/rest/" + doc };

    private (int, JsonNode?) GitHub(RecordedRequest r, string route, string[] seg, IDictionary<string, Microsoft.Extensions.Primitives.StringValues> query, JsonNode? json)
    {
        var h = r.Headers;
        if (!h.TryGetValue("User-Agent", out var ua) || ua.Length == 0)
        {
            Problem(r, "no User-Agent");
            return (403, GitHubError("Request forbidden by administrative rules. Please make sure your request has a User-Agent header.", "overview/resources-in-the-rest-api#user-agent-required"));
        }
        if (h.GetValueOrDefault("Authorization") != "Bearer <valid token>")
        {
            return (401, new JsonObject { ["message"] = "Bad credentials", ["documentation_url"] = "https://docs.github.com/rest", ["status"] = "401" });
        }
        if (h.GetValueOrDefault("X-GitHub-Api-Version") != "2022-11-28")
        {
            Problem(r, $"X-GitHub-Api-Version is '{h.GetValueOrDefault("X-GitHub-Api-Version")}'");
            return (400, GitHubError("API version is not supported.", "about-the-rest-api/api-versions"));
        }
        if (h.GetValueOrDefault("Accept") != "application/vnd.github+json")
        {
            Problem(r, $"Accept is '{h.GetValueOrDefault("Accept")}'");
        }
        var repository = $"{seg[1]}/{seg[2]}";
        if (!Branches.TryGetValue(repository, out var branches))
        {
            return (404, GitHubError("Not Found", "repos/repos#get-a-repository"));
        }
        FakeWorkflow? Workflow(string idOrFile) => Workflows.FirstOrDefault(w => w.Repository == repository && (w.File == idOrFile || w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == idOrFile));
        switch (route)
        {
            case "github.ref":
            {
                OnlyQuery(r, query);
                var branch = string.Join('/', seg[6..]);
                if (!branches.TryGetValue(branch, out var sha))
                {
                    return (404, GitHubError("Not Found", "git/refs#get-a-reference"));
                }
                return (200, new JsonObject
                {
                    ["ref"] = "refs/heads/" + branch, ["node_id"] = "REF_fake", ["url"] = $"{BaseUrl}/repos/{repository}/git/refs/heads/{branch}",
                    ["object"] = new JsonObject { ["type"] = "commit", ["sha"] = sha, ["url"] = $"{BaseUrl}/repos/{repository}/git/commits/{sha}" },
                });
            }
            case "github.workflow":
            {
                OnlyQuery(r, query);
                var wf = Workflow(seg[5]);
                return wf is null ? (404, GitHubError("Not Found", "actions/workflows#get-a-workflow")) : (200, WorkflowJson(wf));
            }
            case "github.dispatch":
            {
                var wf = Workflow(seg[5]);
                if (wf is null)
                {
                    return (404, GitHubError("Not Found", "actions/workflows#create-a-workflow-dispatch-event"));
                }
                if (json is not JsonObject o || o["ref"] is not JsonValue rv || !rv.TryGetValue<string>(out var gitRef))
                {
                    Problem(r, "ref (required string) missing");
                    return (422, GitHubError("Invalid request.\n\n\"ref\" wasn't supplied.", "actions/workflows#create-a-workflow-dispatch-event"));
                }
                OnlyKeys(r, o, "the workflow dispatch request body", "ref", "inputs", "return_run_details");
                var inputs = o["inputs"] as JsonObject ?? [];
                if (o["inputs"] is not null and not JsonObject)
                {
                    Problem(r, "inputs is not an object");
                }
                if (inputs.Count > 25)
                {
                    Problem(r, "more than 25 inputs");
                    return (422, GitHubError("inputs are too large", "actions/workflows#create-a-workflow-dispatch-event"));
                }
                var branch = gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? gitRef["refs/heads/".Length..] : gitRef;
                if (!branches.TryGetValue(branch, out var head))
                {
                    // A workflow_dispatch takes a branch or tag name: a sha is "No ref found".
                    if (branch.Length >= 40 && branch.All(Uri.IsHexDigit))
                    {
                        Problem(r, "ref is a commit sha: workflow_dispatch takes a branch or tag name");
                    }
                    return (422, GitHubError($"No ref found for: {gitRef}", "actions/workflows#create-a-workflow-dispatch-event"));
                }
                var run = new FakeRun { Id = Next(), Workflow = wf, Branch = branch, HeadSha = head, Inputs = (JsonObject)inputs.DeepClone() };
                Runs.Add(run);
                var details = o["return_run_details"] is JsonValue d && d.TryGetValue<bool>(out var want) && want;
                if (!details || wf.NoRunDetails)
                {
                    return (204, null);
                }
                return (200, new JsonObject
                {
                    ["workflow_run_id"] = run.Id, ["run_url"] = $"{BaseUrl}/repos/{repository}/actions/runs/{run.Id}",
                    ["html_url"] = $"https://github.com/{repository}/actions/runs/{run.Id}",
                });
            }
            case "github.runs":
            {
                OnlyQuery(r, query, "actor", "branch", "event", "status", "per_page", "page", "created", "exclude_pull_requests", "check_suite_id", "head_sha");
                var wf = Workflow(seg[5]);
                if (wf is null)
                {
                    return (404, GitHubError("Not Found", "actions/workflow-runs#list-workflow-runs-for-a-workflow"));
                }
                var listed = Runs.Where(x => x.Workflow == wf && x.Listings++ >= ListingDelay)
                    .Where(x => !query.TryGetValue("event", out var e) || e == "workflow_dispatch")
                    .Where(x => !query.TryGetValue("branch", out var b) || b == x.Branch)
                    .Where(x => !query.TryGetValue("head_sha", out var s) || s == x.HeadSha)
                    .OrderByDescending(x => x.Id).ToList();
                return (200, new JsonObject { ["total_count"] = listed.Count, ["workflow_runs"] = new JsonArray(listed.Select(x => (JsonNode)RunJson(x)).ToArray()) });
            }
            case "github.run":
            {
                OnlyQuery(r, query, "exclude_pull_requests");
                var run = Runs.FirstOrDefault(x => x.Workflow.Repository == repository && x.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == seg[5]);
                if (run is null)
                {
                    return (404, GitHubError("Not Found", "actions/workflow-runs#get-a-workflow-run"));
                }
                Advance(run);
                return (200, RunJson(run));
            }
            case "github.pending":
            {
                OnlyQuery(r, query);
                var run = Runs.FirstOrDefault(x => x.Workflow.Repository == repository && x.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == seg[5]);
                if (run is null)
                {
                    return (404, GitHubError("Not Found", "actions/workflow-runs#get-pending-deployments-for-a-workflow-run"));
                }
                if (run.Status != "waiting")
                {
                    return (200, new JsonArray());
                }
                var env = run.Workflow.Environment;
                return (200, new JsonArray(new JsonObject
                {
                    ["environment"] = new JsonObject
                    {
                        ["id"] = 161088068, ["node_id"] = "MDExOkVudmlyb25tZW50MTYxMDg4MDY4", ["name"] = env,
                        ["url"] = $"{BaseUrl}/repos/{repository}/environments/{env}", ["html_url"] = $"https://github.com/{repository}/deployments/activity_log?environments_filter={env}",
                    },
                    ["wait_timer"] = 0, ["wait_timer_started_at"] = run.Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), ["current_user_can_approve"] = false,
                    ["reviewers"] = new JsonArray(run.Workflow.Reviewers.Select(login => (JsonNode)(login.StartsWith("team:", StringComparison.Ordinal)
                        ? new JsonObject { ["type"] = "Team", ["reviewer"] = new JsonObject { ["id"] = 1, ["slug"] = login[5..], ["name"] = login[5..] } }
                        : new JsonObject { ["type"] = "User", ["reviewer"] = new JsonObject { ["login"] = login, ["id"] = 1, ["type"] = "User" } })).ToArray()),
                }));
            }
        }
        return Unexpected(r);
    }

    /// <summary>One step of a run's life per read, as a poller sees a real one.</summary>
    private static void Advance(FakeRun run)
    {
        run.Reads++;
        var outcome = run.Workflow.Outcome;
        switch (run.Status)
        {
            case "queued":
                run.Status = outcome == FakeOutcome.WaitingForReviewers && !run.Approved ? "waiting" : "in_progress";
                break;
            case "waiting" when run.Approved:
                run.Status = "in_progress";
                break;
            case "in_progress" when outcome != FakeOutcome.Stuck && run.Reads > 2:
                run.Status = "completed";
                run.Conclusion = outcome == FakeOutcome.Failure ? "failure" : "success";
                break;
        }
    }

    private JsonObject WorkflowJson(FakeWorkflow wf) => new()
    {
        ["id"] = wf.Id, ["node_id"] = "W_fake" + wf.Id, ["name"] = "Deploy", ["path"] = ".github/workflows/" + wf.File, ["state"] = "active",
        ["created_at"] = "2026-01-05T10:00:00Z", ["updated_at"] = "2026-11-20T10:00:00Z",
        ["url"] = $"{BaseUrl}/repos/{wf.Repository}/actions/workflows/{wf.Id}", ["html_url"] = $"https://github.com/{wf.Repository}/blob/main/.github/workflows/{wf.File}",
        ["badge_url"] = $"https://github.com/{wf.Repository}/workflows/Deploy/badge.svg",
    };

    private JsonObject RunJson(FakeRun run) => new()
    {
        ["id"] = run.Id, ["name"] = "Deploy", ["node_id"] = "WFR_fake" + run.Id, ["head_branch"] = run.Branch, ["head_sha"] = run.HeadSha,
        ["path"] = ".github/workflows/" + run.Workflow.File, ["run_number"] = run.Id % 1000, ["run_attempt"] = 1, ["event"] = "workflow_dispatch",
        ["status"] = run.Status, ["conclusion"] = run.Conclusion, ["workflow_id"] = run.Workflow.Id,
        ["url"] = $"{BaseUrl}/repos/{run.Workflow.Repository}/actions/runs/{run.Id}", ["html_url"] = $"https://github.com/{run.Workflow.Repository}/actions/runs/{run.Id}",
        ["created_at"] = run.Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), ["updated_at"] = Now(),
    };

    // --- Argo CD ------------------------------------------------------------------------------------------------------
    private static JsonObject ArgoError(int code, string message) => new() { ["error"] = message, ["code"] = code, ["message"] = message, ["details"] = new JsonArray() };

    private (int, JsonNode?) ArgoCd(RecordedRequest r, string route, string[] seg, IDictionary<string, Microsoft.Extensions.Primitives.StringValues> query, JsonNode? json)
    {
        if (r.Headers.GetValueOrDefault("Authorization") != "Bearer <valid token>")
        {
            // grpc-gateway: codes.Unauthenticated (16) → 401.
            return (401, ArgoError(16, "no session information"));
        }
        var name = seg[3];
        if (!Applications.TryGetValue(name, out var app))
        {
            // codes.NotFound (5) → 404; Argo CD answers PermissionDenied for apps the token may not see, as 403.
            return (404, ArgoError(5, $"applications.argoproj.io \"{name}\" not found"));
        }
        if (route == "argocd.get")
        {
            OnlyQuery(r, query, "refresh", "projects", "resourceVersion", "selector", "repo", "appNamespace", "project");
            AdvanceSync(app);
            return (200, ApplicationJson(app));
        }
        OnlyQuery(r, query);
        if (json is not JsonObject o)
        {
            Problem(r, "sync body is not an ApplicationSyncRequest object");
            return (400, ArgoError(3, "invalid request body"));
        }
        OnlyKeys(r, o, "applicationApplicationSyncRequest", "appNamespace", "dryRun", "infos", "manifests", "name", "project", "prune", "resources", "retryStrategy",
            "revision", "revisions", "sourcePositions", "strategy", "syncOptions");
        if (o["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
        {
            Problem(r, $"body name '{bodyName}' is not the path's '{name}'");
        }
        app.SyncRequests.Add((JsonObject)o.DeepClone());
        if (app.Operation is { } running && running["phase"]?.GetValue<string>() == "Running")
        {
            // codes.FailedPrecondition (9) → 400.
            return (400, ArgoError(9, "another operation is already in progress"));
        }
        var revision = o["revision"]?.GetValue<string>() ?? app.TargetHead;
        if (!app.Known.Contains(revision))
        {
            return (400, ArgoError(3, $"rpc error: code = Unknown desc = unable to resolve '{revision}' to a commit SHA"));
        }
        app.OperationReads = 0;
        app.Operation = new JsonObject
        {
            ["operation"] = new JsonObject { ["sync"] = new JsonObject { ["revision"] = revision, ["prune"] = o["prune"]?.DeepClone() ?? false }, ["initiatedBy"] = new JsonObject { ["username"] = "deirf" } },
            ["phase"] = "Running", ["message"] = "one or more tasks are running", ["startedAt"] = Now(),
            ["syncResult"] = new JsonObject { ["revision"] = revision },
        };
        return (200, ApplicationJson(app));
    }

    private static void AdvanceSync(FakeApplication app)
    {
        if (app.Operation is not { } op)
        {
            return;
        }
        app.OperationReads++;
        var phase = op["phase"]!.GetValue<string>();
        var revision = op["syncResult"]!["revision"]!.GetValue<string>();
        if (phase == "Running" && app.OperationReads >= 2 && app.Outcome != FakeOutcome.Stuck)
        {
            if (app.Outcome == FakeOutcome.Failure)
            {
                op["phase"] = "Failed";
                op["message"] = "one or more objects failed to apply, reason: Deployment.apps \"api\" is invalid";
            }
            else
            {
                op["phase"] = "Succeeded";
                op["message"] = "successfully synced (all tasks run)";
                app.Revision = revision;
                app.Health = "Progressing";
                app.History.Add(new JsonObject { ["id"] = app.History.Count, ["revision"] = revision, ["deployedAt"] = Now() });
            }
            op["finishedAt"] = Now();
        }
        else if (phase == "Succeeded" && app.Health == "Progressing" && app.OperationReads >= 3)
        {
            app.Health = app.Outcome == FakeOutcome.Degraded ? "Degraded" : "Healthy";
        }
    }

    private static JsonObject ApplicationJson(FakeApplication app) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = app.Name, ["namespace"] = "argocd", ["resourceVersion"] = "12345" },
        ["spec"] = new JsonObject
        {
            ["project"] = "default",
            ["source"] = new JsonObject { ["repoURL"] = "https://github.com/acme/deploy.git", ["path"] = "api", ["targetRevision"] = "main" },
            ["destination"] = new JsonObject { ["server"] = "https://kubernetes.default.svc", ["namespace"] = "prod" },
        },
        ["status"] = new JsonObject
        {
            ["sync"] = new JsonObject { ["status"] = app.Revision == app.TargetHead ? "Synced" : "OutOfSync", ["revision"] = app.Revision },
            ["health"] = new JsonObject { ["status"] = app.Health },
            ["operationState"] = app.Operation?.DeepClone(),
            ["history"] = new JsonArray(app.History.Select(h => (JsonNode)h.DeepClone()).ToArray()),
            ["reconciledAt"] = Now(),
        },
    };

    // --- OpenZeppelin Relayer -----------------------------------------------------------------------------------------
    private static JsonObject RelayerError(string error) => new() { ["success"] = false, ["data"] = null, ["error"] = error };

    private (int, JsonNode?) Relayer(RecordedRequest r, string route, string[] seg, JsonNode? json)
    {
        if (r.Headers.GetValueOrDefault("Authorization") != "Bearer <valid token>")
        {
            return (401, RelayerError("Unauthorized"));
        }
        var relayer = seg[3];
        if (!Relayers.TryGetValue(relayer, out var outcome))
        {
            return (404, RelayerError($"Relayer with ID {relayer} not found"));
        }
        if (route == "relayer.get")
        {
            var tx = Transactions.FirstOrDefault(t => t.RelayerId == relayer && t.Id == seg[5]);
            if (tx is null)
            {
                return (404, RelayerError($"Transaction with ID {seg[5]} not found"));
            }
            AdvanceTx(tx);
            return (200, new JsonObject { ["success"] = true, ["data"] = TxJson(tx) });
        }
        if (json is not JsonObject o)
        {
            Problem(r, "body is not an EvmTransactionRequest object");
            return (400, RelayerError("Bad Request"));
        }
        OnlyKeys(r, o, "EvmTransactionRequest", "data", "gas_limit", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "speed", "to", "valid_until", "value");
        // value is required and an integer (u128) in the description: a string is a client bug.
        if (o["value"] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !System.Numerics.BigInteger.TryParse(v.ToJsonString(), out var value) || value < 0)
        {
            Problem(r, "value (required, integer u128) missing or not a JSON integer");
            return (400, RelayerError("Bad Request: value must be an integer"));
        }
        if (o["speed"] is { } sp && sp.GetValue<string>() is not ("fastest" or "fast" or "average" or "safeLow"))
        {
            Problem(r, "speed is not a Speed");
        }
        var to = o["to"]?.GetValue<string>() ?? string.Empty;
        var data = o["data"]?.GetValue<string>() ?? "0x";
        var created = new FakeTransaction
        {
            Id = Guid.NewGuid().ToString(), RelayerId = relayer, To = to, Value = value.ToString(System.Globalization.CultureInfo.InvariantCulture), Data = data, Outcome = outcome,
        };
        Transactions.Add(created);
        return (200, new JsonObject { ["success"] = true, ["data"] = TxJson(created) });
    }

    private static void AdvanceTx(FakeTransaction tx)
    {
        tx.Reads++;
        tx.Status = (tx.Status, tx.Outcome) switch
        {
            ("pending", _) => "sent",
            ("sent", FakeOutcome.Failure) => "failed",
            ("sent", _) => "submitted",
            ("submitted", FakeOutcome.Stuck) => "submitted",
            ("submitted", _) => "mined",
            ("mined", _) => "confirmed",
            (var s, _) => s,
        };
        if (tx.Status == "sent" && tx.Hash is null)
        {
            tx.Hash = "0x" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(tx.Id))).ToLowerInvariant();
        }
        if (tx.Status == "failed")
        {
            tx.Reason = "execution reverted: Pausable: paused";
        }
    }

    private static JsonObject TxJson(FakeTransaction tx) => new()
    {
        ["id"] = tx.Id, ["hash"] = tx.Hash, ["status"] = tx.Status, ["status_reason"] = tx.Reason,
        ["created_at"] = Now(), ["from"] = "0x9c0ba8c1e5e4e5f4d7f0a1b2c3d4e5f60718293a", ["relayer_id"] = tx.RelayerId,
        ["to"] = tx.To, ["value"] = tx.Value, ["data"] = tx.Data, ["gas_limit"] = 21000 + ((tx.Data.Length - 2) / 2 * 16), ["nonce"] = 7,
        ["gas_price"] = "1000000000", ["speed"] = "fast",
    };

    // --- control ------------------------------------------------------------------------------------------------------
    private async Task ControlAsync(HttpContext ctx, string path, string body)
    {
        JsonNode answer = new JsonObject { ["ok"] = true };
        var o = body.Length > 0 ? JsonNode.Parse(body) as JsonObject : null;
        switch (path)
        {
            case "/_fake/requests":
                answer = JsonSerializer.SerializeToNode(Requests.Select(r => new { route = r.Route, method = r.Method, rawTarget = r.RawTarget, headers = r.Headers, body = r.Body, problems = r.Problems, status = r.Status }).ToArray())!;
                break;
            case "/_fake/problems":
                answer = JsonSerializer.SerializeToNode(Problems.ToArray())!;
                break;
            case "/_fake/github/branch":
                SetBranch(o!["repository"]!.GetValue<string>(), o["branch"]!.GetValue<string>(), o["sha"]!.GetValue<string>());
                break;
            case "/_fake/github/workflow":
                var wf = AddWorkflow(o!["repository"]!.GetValue<string>(), o["workflow"]!.GetValue<string>(), Enum.Parse<FakeOutcome>(o["outcome"]?.GetValue<string>() ?? "Success"));
                if (o["environment"] is { } env)
                {
                    wf.Environment = env.GetValue<string>();
                }
                if (o["reviewers"] is JsonArray reviewers)
                {
                    wf.Reviewers.Clear();
                    wf.Reviewers.AddRange(reviewers.Select(x => x!.GetValue<string>()));
                }
                break;
            case "/_fake/argocd/app":
                lock (_gate)
                {
                    AddApplication(o!["name"]!.GetValue<string>(), o["deployed"]!.GetValue<string>(), o["targetHead"]!.GetValue<string>()).Outcome =
                        Enum.Parse<FakeOutcome>(o["outcome"]?.GetValue<string>() ?? "Success");
                }
                break;
            case "/_fake/github/approve":
                ApproveDeployment(o!["runId"]!.GetValue<long>());
                break;
            default:
                Problems.Enqueue($"{ctx.Request.Method} {path} (control): unexpected request: no control route of the fake serves it");
                ctx.Response.StatusCode = 404;
                return;
        }
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(answer.ToJsonString());
    }
}
