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

/// <summary>One request as the fake saw it. Auth header values are never kept: only whether they matched.</summary>
public sealed record RecordedRequest(string Route, string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>What the request did wrong against the real API's contract (empty when it was right).</summary>
    public List<string> Problems { get; } = [];
    public int Status { get; set; }
    public string Fault { get; set; } = string.Empty;
}

/// <summary>A scripted misbehaviour for the next request to a route.</summary>
public sealed record Fault(string Kind, int Status = 0, int? RetryAfterSeconds = null, string? Body = null)
{
    /// <summary>Answer with this status (and Retry-After), without doing the work.</summary>
    public static Fault WithStatus(int status, int? retryAfter = null, string? body = null) => new("status", status, retryAfter, body);

    /// <summary>Do the work (store the message / ticket), then drop the connection before answering: the "lost response".</summary>
    public static readonly Fault DropAfterProcessing = new("drop-after");

    /// <summary>Never answer (until the client gives up).</summary>
    public static readonly Fault Hang = new("hang");
}

public sealed record StoredMessage(string RoomOrChannel, string Text, string Id, string? TransactionId);

/// <summary>
/// Kestrel on 127.0.0.1 (free port) with fakes of the five services. Routes (relative to <see cref="BaseUrl"/>):
/// github.advisory  POST /repos/{owner}/{repo}/security-advisories       (GitHub REST, API base = BaseUrl)
/// gitlab.issue     POST /api/v4/projects/{id}/issues                    (GitLab REST, API base = BaseUrl/api/v4)
/// matrix.createRoom POST /_matrix/client/v3/createRoom                  (homeserver = BaseUrl)
/// matrix.send      PUT  /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}   (the sender is the token's user)
/// matrix.redact    PUT  /_matrix/client/v3/rooms/{room}/redact/{eventId}/{txn}
/// matrix.event     GET  /_matrix/client/v3/rooms/{room}/event/{eventId}
/// matrix.relations GET  /_matrix/client/v1/rooms/{room}/relations/{eventId}/{relType}
/// matrix.messages  GET  /_matrix/client/v3/rooms/{room}/messages?dir=b|f[&from=..][&limit=..]
/// Matrix users besides the bot (whose token is the fake's own, @deirf:fake.local): POST /_fake/matrix/users {"userId","token"}.
/// slack.postMessage POST /api/chat.postMessage                          (Slack API base = BaseUrl/api)
/// webhook          POST /hooks/{anything}
/// Control (for Pester): GET /_fake/requests, GET /_fake/state, GET /_fake/problems, POST /_fake/faults {"route":..,"faults":[{kind,status,retryAfterSeconds}]}.
/// As strict as the Kubernetes fake: whatever a request did against the real API's contract, and any request to a route
/// the fake does not serve, is a problem in <see cref="Problems"/>, and every user asserts there is none (xUnit in
/// DisposeAsync, Pester after each test). A test that sends a bad request on purpose takes its problems with
/// <see cref="TakeProblems"/> (or reads them from /_fake/problems) and asserts them.
/// </summary>
public sealed class FakeServiceHost : IAsyncDisposable
{
    private static readonly string[] GitHubEcosystems = ["rubygems", "npm", "pip", "maven", "nuget", "composer", "go", "rust", "erlang", "actions", "pub", "other", "swift"];
    private readonly WebApplication _app;
    private readonly string _token;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _faults = new();
    private readonly object _gate = new();
    private int _counter;

    public string BaseUrl { get; private set; } = string.Empty;
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Every problem of every request, in order: "METHOD target (route): problem". Empty when every request was right.</summary>
    public ConcurrentQueue<string> Problems { get; } = new();
    public List<JsonObject> Advisories { get; } = [];
    public List<JsonObject> Issues { get; } = [];
    public Dictionary<string, JsonObject> Rooms { get; } = new();
    public List<StoredMessage> MatrixMessages { get; } = [];
    public List<StoredMessage> SlackMessages { get; } = [];
    public List<StoredMessage> WebhookPosts { get; } = [];
    private readonly Dictionary<string, string> _matrixTxns = new();

    /// <summary>Every room event the fake holds, per room, in timeline order (ClientEvent JSON as the spec gives it).</summary>
    private readonly Dictionary<string, List<JsonObject>> _roomEvents = new(StringComparer.Ordinal);

    /// <summary>Access token to user id; the fake's own token is the bot's.</summary>
    private readonly ConcurrentDictionary<string, string> _matrixUsers = new(StringComparer.Ordinal);

    public const string BotUserId = "@deirf:fake.local";

    /// <summary>A Matrix user who posts with their own token (a responder approving in chat).</summary>
    public void AddMatrixUser(string userId, string token) => _matrixUsers[token] = userId;

    /// <summary>The room's events as the fake serves them (copies).</summary>
    public IReadOnlyList<JsonObject> RoomEvents(string roomId)
    {
        lock (_gate)
        {
            return _roomEvents.TryGetValue(roomId, out var list) ? list.Select(e => (JsonObject)e.DeepClone()).ToArray() : [];
        }
    }

    private FakeServiceHost(WebApplication app, string token)
    {
        _app = app;
        _token = token;
    }

    public static async Task<FakeServiceHost> StartAsync(string token)
    {
        FakeServiceHost? host = null;
        var (_, baseUrl) = await FakeHttp.StartAsync(app => (host = new FakeServiceHost(app, token)).HandleAsync);
        host!.BaseUrl = baseUrl;
        return host;
    }

    public void Enqueue(string route, params Fault[] faults)
    {
        var q = _faults.GetOrAdd(route, _ => new ConcurrentQueue<Fault>());
        foreach (var f in faults)
        {
            q.Enqueue(f);
        }
    }

    public IEnumerable<RecordedRequest> RequestsTo(string route) => Requests.Where(r => r.Route == route);

    /// <summary>The problems recorded so far, removed: for a test that sent a bad request on purpose and asserts what was seen.</summary>
    public IReadOnlyList<string> TakeProblems() => FakeHttp.Drain(Problems);

    private void Problem(RecordedRequest r, string problem)
    {
        r.Problems.Add(problem);
        Problems.Enqueue($"{r.Method} {r.RawTarget} ({r.Route}): {problem}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

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
        var segments = path.Trim('/').Split('/');
        var route = (req.Method, segments) switch
        {
            ("POST", ["repos", _, _, "security-advisories"]) => "github.advisory",
            ("POST", ["api", "v4", "projects", _, "issues"]) => "gitlab.issue",
            ("POST", ["_matrix", "client", "v3", "createRoom"]) => "matrix.createRoom",
            ("PUT", ["_matrix", "client", "v3", "rooms", _, "send", _, _]) => "matrix.send",
            ("PUT", ["_matrix", "client", "v3", "rooms", _, "redact", _, _]) => "matrix.redact",
            ("GET", ["_matrix", "client", "v3", "rooms", _, "event", _]) => "matrix.event",
            ("GET", ["_matrix", "client", "v1", "rooms", _, "relations", _, _]) => "matrix.relations",
            ("GET", ["_matrix", "client", "v3", "rooms", _, "messages"]) => "matrix.messages",
            ("POST", ["api", "chat.postMessage"]) => "slack.postMessage",
            ("POST", ["hooks", ..]) => "webhook",
            _ => "unknown",
        };
        var headers = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in req.Headers)
        {
            var value = h.Value.ToString();
            if (h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                // A Matrix user's own token (POST /_fake/matrix/users) is recorded by whose it is; else as FakeHttp records it.
                value = value.StartsWith("Bearer ", StringComparison.Ordinal) && value != $"Bearer {_token}" && _matrixUsers.TryGetValue(value[7..], out var user)
                    ? $"Bearer <token of {user}>"
                    : FakeHttp.Authorization(value, _token);
            }
            else if (h.Key.Equals("PRIVATE-TOKEN", StringComparison.OrdinalIgnoreCase))
            {
                value = value == _token ? "<valid token>" : "<wrong token>";
            }
            headers[h.Key] = value;
        }
        var record = new RecordedRequest(route, req.Method, raw, headers, body);
        Requests.Enqueue(record);

        Fault? fault = null;
        if (_faults.TryGetValue(route, out var q) && q.TryDequeue(out var f))
        {
            fault = f;
            record.Fault = f.Kind;
        }
        if (fault is { Kind: "status" })
        {
            if (fault.RetryAfterSeconds is { } ra)
            {
                ctx.Response.Headers.RetryAfter = ra.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            if (fault.Body is null)
            {
                await Reply(ctx, record, fault.Status, new JsonObject { ["message"] = $"fake fault {fault.Status}" });
                return;
            }
            // The body as given, byte for byte: a misbehaving service's answer may be malformed JSON or huge.
            record.Status = fault.Status;
            ctx.Response.StatusCode = fault.Status;
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await ctx.Response.WriteAsync(fault.Body);
            return;
        }
        if (fault is { Kind: "hang" })
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }

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
        }
        if (body.Length > 0 && !(req.ContentType?.StartsWith("application/json", StringComparison.Ordinal) ?? false))
        {
            Problem(record, $"Content-Type is '{req.ContentType}', not application/json");
        }

        var (status, answer) = route switch
        {
            "github.advisory" => GitHub(ctx, record, segments, json),
            "gitlab.issue" => GitLab(record, segments, json),
            "matrix.createRoom" => MatrixCreateRoom(record, json),
            "matrix.send" => MatrixSend(record, segments, json),
            "matrix.redact" => MatrixRedact(record, segments, json),
            "matrix.event" => MatrixGetEvent(record, segments),
            "matrix.relations" => MatrixRelations(record, segments),
            "matrix.messages" => MatrixMessagesPage(record, segments, raw),
            "slack.postMessage" => Slack(record, json),
            "webhook" => Webhook(record, json),
            _ => Unexpected(record),
        };
        if (fault is { Kind: "drop-after" })
        {
            // The work is done; the answer is lost on the way back.
            record.Status = 0;
            ctx.Abort();
            return;
        }
        await Reply(ctx, record, status, answer);
    }

    private (int, JsonNode) Unexpected(RecordedRequest r)
    {
        // No real service behind these fakes serves it (a wrong path, method or unencoded project path): a problem, as the
        // Kubernetes fake's unexpected request is, and 404 as the real API would answer.
        var path = r.RawTarget.Split('?')[0];
        Problem(r, path.StartsWith("/api/v4/projects/", StringComparison.Ordinal) && path.EndsWith("/issues", StringComparison.Ordinal)
            ? "unexpected request: project path not URL-encoded (GitLab wants /projects/group%2Fproject/issues)"
            : "unexpected request: no route of the fake serves it");
        return (404, new JsonObject { ["message"] = "Not Found" });
    }

    private static async Task Reply(HttpContext ctx, RecordedRequest record, int status, JsonNode answer)
    {
        record.Status = status;
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(answer.ToJsonString());
    }

    private async Task ControlAsync(HttpContext ctx, string path, string body)
    {
        JsonNode answer;
        switch (path)
        {
            case "/_fake/requests":
                answer = JsonSerializer.SerializeToNode(Requests.Select(r => new
                {
                    route = r.Route, method = r.Method, rawTarget = r.RawTarget, headers = r.Headers, body = r.Body, problems = r.Problems, status = r.Status, fault = r.Fault,
                }).ToArray())!;
                break;
            case "/_fake/state":
                lock (_gate)
                {
                    answer = new JsonObject
                    {
                        ["advisories"] = new JsonArray(Advisories.Select(a => (JsonNode)a.DeepClone()).ToArray()),
                        ["issues"] = new JsonArray(Issues.Select(a => (JsonNode)a.DeepClone()).ToArray()),
                        ["rooms"] = new JsonArray(Rooms.Values.Select(a => (JsonNode)a.DeepClone()).ToArray()),
                        ["matrixMessages"] = JsonSerializer.SerializeToNode(MatrixMessages),
                        ["slackMessages"] = JsonSerializer.SerializeToNode(SlackMessages),
                        ["webhookPosts"] = JsonSerializer.SerializeToNode(WebhookPosts),
                    };
                }
                break;
            case "/_fake/problems":
                answer = JsonSerializer.SerializeToNode(Problems.ToArray())!;
                break;
            case "/_fake/faults":
                var node = JsonNode.Parse(body)!;
                foreach (var f in node["faults"]!.AsArray())
                {
                    Enqueue(node["route"]!.GetValue<string>(), new Fault(f!["kind"]!.GetValue<string>(), f["status"]?.GetValue<int>() ?? 0, f["retryAfterSeconds"]?.GetValue<int>(),
                        f["body"]?.GetValue<string>()));
                }
                answer = new JsonObject { ["ok"] = true };
                break;
            case "/_fake/matrix/users":
                var u = JsonNode.Parse(body)!;
                AddMatrixUser(u["userId"]!.GetValue<string>(), u["token"]!.GetValue<string>());
                answer = new JsonObject { ["ok"] = true };
                break;
            default:
                // A control route the fake lacks is the test's mistake: recorded, so it fails the test that made it.
                Problems.Enqueue($"{ctx.Request.Method} {path} (control): unexpected request: no control route of the fake serves it");
                ctx.Response.StatusCode = 404;
                return;
        }
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(answer.ToJsonString());
    }

    private int Next() => Interlocked.Increment(ref _counter);

    // --- GitHub: POST /repos/{owner}/{repo}/security-advisories -------------------------------------------------------
    private (int, JsonNode) GitHub(HttpContext ctx, RecordedRequest r, string[] seg, JsonNode? json)
    {
        var h = r.Headers;
        if (!h.TryGetValue("User-Agent", out var ua) || ua.Length == 0)
        {
            // GitHub refuses requests without a User-Agent.
            Problem(r, "no User-Agent");
            return (403, new JsonObject { ["message"] = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header." });
        }
        if (h.GetValueOrDefault("Authorization") != "Bearer <valid token>")
        {
            return (401, new JsonObject { ["message"] = "Bad credentials", ["documentation_url"] = "https://docs.github.com/rest", ["status"] = "401" });
        }
        if (h.GetValueOrDefault("X-GitHub-Api-Version") != "2022-11-28")
        {
            Problem(r, $"X-GitHub-Api-Version is '{h.GetValueOrDefault("X-GitHub-Api-Version")}'");
            return (400, new JsonObject { ["message"] = $"API version '{h.GetValueOrDefault("X-GitHub-Api-Version")}' is not supported.", ["documentation_url"] = "https://docs.github.com/rest/about-the-rest-api/api-versions" });
        }
        if (h.GetValueOrDefault("Accept") != "application/vnd.github+json")
        {
            Problem(r, $"Accept is '{h.GetValueOrDefault("Accept")}'");
            return (415, new JsonObject { ["message"] = "Unsupported 'Accept' header", ["documentation_url"] = "https://docs.github.com/rest" });
        }
        var errors = new JsonArray();
        var o = json as JsonObject;
        foreach (var field in new[] { "summary", "description" })
        {
            if (o?[field] is not JsonValue v || !v.TryGetValue<string>(out var s) || s.Length == 0)
            {
                errors.Add(new JsonObject { ["resource"] = "RepositoryAdvisory", ["code"] = "missing_field", ["field"] = field });
            }
        }
        if (o?["summary"] is JsonValue sv && sv.TryGetValue<string>(out var summary) && summary.Length > 1024)
        {
            errors.Add(new JsonObject { ["resource"] = "RepositoryAdvisory", ["code"] = "invalid", ["field"] = "summary" });
        }
        if (o?["vulnerabilities"] is not JsonArray vulns)
        {
            errors.Add(new JsonObject { ["resource"] = "RepositoryAdvisory", ["code"] = "missing_field", ["field"] = "vulnerabilities" });
        }
        else
        {
            foreach (var v in vulns)
            {
                var eco = v?["package"]?["ecosystem"] is JsonValue e && e.TryGetValue<string>(out var es) ? es : null;
                if (eco is null || !GitHubEcosystems.Contains(eco))
                {
                    errors.Add(new JsonObject { ["resource"] = "RepositoryAdvisory", ["code"] = "invalid", ["field"] = "vulnerabilities.package.ecosystem" });
                }
            }
        }
        if (errors.Count > 0)
        {
            Problem(r, "validation: " + errors.ToJsonString());
            return (422, new JsonObject { ["message"] = "Validation Failed", ["errors"] = errors, ["documentation_url"] = "https://docs.github.com/rest/security-advisories/repository-advisories#create-a-repository-security-advisory" });
        }
        var n = Next();
        const string alphabet = "23456789cfghjmpqrvwx";
        var rnd = new Random(n);
        string Part() => new(Enumerable.Range(0, 4).Select(_ => alphabet[rnd.Next(alphabet.Length)]).ToArray());
        var ghsa = $"GHSA-{Part()}-{Part()}-{Part()}";
        var advisory = new JsonObject
        {
            ["ghsa_id"] = ghsa,
            ["cve_id"] = null,
            ["url"] = $"{BaseUrl}/repos/{seg[1]}/{seg[2]}/security-advisories/{ghsa}",
            ["html_url"] = $"https://github.com/{seg[1]}/{seg[2]}/security/advisories/{ghsa}",
            ["summary"] = o!["summary"]!.DeepClone(),
            ["description"] = o["description"]!.DeepClone(),
            ["severity"] = o["severity"]?.DeepClone(),
            ["state"] = "draft",
            ["created_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            ["vulnerabilities"] = o["vulnerabilities"]!.DeepClone(),
        };
        lock (_gate)
        {
            Advisories.Add(advisory);
        }
        return (201, advisory.DeepClone());
    }

    // --- GitLab: POST /api/v4/projects/:id/issues ---------------------------------------------------------------------
    private (int, JsonNode) GitLab(RecordedRequest r, string[] seg, JsonNode? json)
    {
        if (r.Headers.GetValueOrDefault("PRIVATE-TOKEN") != "<valid token>")
        {
            return (401, new JsonObject { ["message"] = "401 Unauthorized" });
        }
        // An unencoded path (group/project) has more segments and matches no route: Unexpected records it.
        var id = seg[3];
        var project = Uri.UnescapeDataString(id);
        if (project == "missing")
        {
            return (404, new JsonObject { ["message"] = "404 Project Not Found" });
        }
        var o = json as JsonObject;
        if (o?["title"] is not JsonValue t || !t.TryGetValue<string>(out var title) || title.Length == 0)
        {
            return (400, new JsonObject { ["error"] = "title is missing" });
        }
        if (o["confidential"] is not JsonValue c || !c.TryGetValue<bool>(out var conf) || !conf)
        {
            // Real GitLab would open a public issue: the fake refuses, since that would leak the incident.
            Problem(r, "issue is not confidential");
            return (400, new JsonObject { ["error"] = "fake: confidential must be true for an incident" });
        }
        var iid = Next();
        var webProject = int.TryParse(project, out _) ? $"group/project-{project}" : project;
        var issue = new JsonObject
        {
            ["id"] = 1000 + iid,
            ["iid"] = iid,
            ["project_id"] = int.TryParse(project, out var pid) ? pid : 42,
            ["title"] = title,
            ["description"] = o["description"]?.DeepClone(),
            ["state"] = "opened",
            ["confidential"] = true,
            ["issue_type"] = o["issue_type"]?.DeepClone() ?? "issue",
            ["web_url"] = $"https://gitlab.example.com/{webProject}/-/issues/{iid}",
        };
        lock (_gate)
        {
            Issues.Add(issue);
        }
        return (201, issue.DeepClone());
    }

    // --- Matrix client-server API -------------------------------------------------------------------------------------
    private (int, JsonNode)? MatrixAuth(RecordedRequest r)
    {
        var auth = r.Headers.GetValueOrDefault("Authorization");
        if (auth is null)
        {
            return (401, new JsonObject { ["errcode"] = "M_MISSING_TOKEN", ["error"] = "Missing access token" });
        }
        return auth == "Bearer <valid token>" || auth.StartsWith("Bearer <token of ", StringComparison.Ordinal)
            ? null
            : (401, new JsonObject { ["errcode"] = "M_UNKNOWN_TOKEN", ["error"] = "Invalid access token passed.", ["soft_logout"] = false });
    }

    /// <summary>The user the request's (valid) token belongs to.</summary>
    private static string MatrixSender(RecordedRequest r)
    {
        var auth = r.Headers.GetValueOrDefault("Authorization") ?? string.Empty;
        const string prefix = "Bearer <token of ";
        return auth.StartsWith(prefix, StringComparison.Ordinal) ? auth[prefix.Length..^1] : BotUserId;
    }

    private (int, JsonNode) MatrixCreateRoom(RecordedRequest r, JsonNode? json)
    {
        if (MatrixAuth(r) is { } denied)
        {
            return denied;
        }
        var o = json as JsonObject ?? new JsonObject();
        if (o["preset"]?.GetValue<string>() != "private_chat")
        {
            Problem(r, $"preset is '{o["preset"]}', not private_chat");
        }
        if (o["visibility"] is { } vis && vis.GetValue<string>() != "private")
        {
            Problem(r, "room would be published in the directory");
        }
        foreach (var u in o["invite"] as JsonArray ?? [])
        {
            var s = u?.GetValue<string>() ?? string.Empty;
            if (!s.StartsWith('@') || !s.Contains(':'))
            {
                return (400, new JsonObject { ["errcode"] = "M_INVALID_PARAM", ["error"] = $"Invalid user_id: {s}" });
            }
        }
        var roomId = $"!room{Next()}x:fake.local";
        lock (_gate)
        {
            Rooms[roomId] = new JsonObject
            {
                ["room_id"] = roomId, ["name"] = o["name"]?.DeepClone(), ["topic"] = o["topic"]?.DeepClone(),
                ["preset"] = o["preset"]?.DeepClone(), ["invite"] = o["invite"]?.DeepClone() ?? new JsonArray(),
            };
        }
        return (200, new JsonObject { ["room_id"] = roomId });
    }

    private (int, JsonNode) MatrixSend(RecordedRequest r, string[] seg, JsonNode? json)
    {
        if (MatrixAuth(r) is { } denied)
        {
            return denied;
        }
        var roomId = Uri.UnescapeDataString(seg[4]);
        var eventType = seg[6];
        var txn = Uri.UnescapeDataString(seg[7]);
        if (eventType != "m.room.message")
        {
            Problem(r, $"event type {eventType}");
        }
        lock (_gate)
        {
            if (!Rooms.ContainsKey(roomId))
            {
                return (403, new JsonObject { ["errcode"] = "M_FORBIDDEN", ["error"] = $"User @deirf:fake.local not in room {roomId}" });
            }
            // The spec: the same transaction id from the same access token yields the same event, stored once.
            if (MatrixSender(r) == BotUserId && _matrixTxns.TryGetValue(txn, out var existing))
            {
                return (200, new JsonObject { ["event_id"] = existing });
            }
            var o = json as JsonObject;
            if (o?["msgtype"] is not JsonValue mt || mt.GetValue<string>() != "m.text" || o["body"] is not JsonValue b || !b.TryGetValue<string>(out var text))
            {
                return (400, new JsonObject { ["errcode"] = "M_BAD_JSON", ["error"] = "m.room.message needs msgtype and body" });
            }
            var sender = MatrixSender(r);
            if (o["m.relates_to"] is JsonObject rel && rel["rel_type"]?.GetValue<string>() == "m.replace")
            {
                // An edit (the spec's m.replace): it names an event of this room by the same sender, and carries m.new_content.
                var original = rel["event_id"]?.GetValue<string>();
                var target = original is null ? null : FindEvent(roomId, original);
                if (target is null || o["m.new_content"] is not JsonObject)
                {
                    Problem(r, "an m.replace edit must name an event of the room and carry m.new_content");
                    return (400, new JsonObject { ["errcode"] = "M_BAD_JSON", ["error"] = "invalid edit" });
                }
            }
            // Transaction ids are scoped to the access token (the spec): the same txn from two users is two events.
            var txnKey = sender == BotUserId ? txn : $"{sender}\n{txn}";
            if (_matrixTxns.TryGetValue(txnKey, out var again))
            {
                return (200, new JsonObject { ["event_id"] = again });
            }
            var eventId = $"${Next()}evt:fake.local";
            _matrixTxns[txnKey] = eventId;
            MatrixMessages.Add(new StoredMessage(roomId, text, eventId, txn));
            AddEvent(roomId, "m.room.message", sender, eventId, (JsonObject)o.DeepClone(), txn);
            return (200, new JsonObject { ["event_id"] = eventId });
        }
    }

    private void AddEvent(string roomId, string type, string sender, string eventId, JsonObject content, string? txn, string? redacts = null)
    {
        var ev = new JsonObject
        {
            ["content"] = content,
            ["event_id"] = eventId,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["room_id"] = roomId,
            ["sender"] = sender,
            ["type"] = type,
            ["unsigned"] = txn is null ? new JsonObject() : new JsonObject { ["transaction_id"] = txn },
        };
        if (redacts is not null)
        {
            // Room versions 1-10 carry 'redacts' at the top level, 11 in content: both, as servers do for older clients.
            ev["redacts"] = redacts;
        }
        if (!_roomEvents.TryGetValue(roomId, out var list))
        {
            _roomEvents[roomId] = list = [];
        }
        list.Add(ev);
    }

    private JsonObject? FindEvent(string roomId, string eventId)
        => _roomEvents.TryGetValue(roomId, out var list) ? list.FirstOrDefault(e => e["event_id"]!.GetValue<string>() == eventId) : null;

    /// <summary>Edits of an event: m.replace relations by anyone (the spec leaves it to clients to ignore other senders').</summary>
    private IEnumerable<JsonObject> EditsOf(string roomId, string eventId)
        => (_roomEvents.GetValueOrDefault(roomId) ?? []).Where(e => e["content"]?["m.relates_to"] is JsonObject rel
            && rel["rel_type"]?.GetValue<string>() == "m.replace" && rel["event_id"]?.GetValue<string>() == eventId);

    private (int, JsonNode)? MatrixRoom(string roomId)
        => Rooms.ContainsKey(roomId) ? null : (403, new JsonObject { ["errcode"] = "M_FORBIDDEN", ["error"] = $"User {BotUserId} not in room {roomId}" });

    // PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}: the sender may redact their own event; the bot (room creator, power 100) any.
    private (int, JsonNode) MatrixRedact(RecordedRequest r, string[] seg, JsonNode? json)
    {
        if (MatrixAuth(r) is { } denied)
        {
            return denied;
        }
        var roomId = Uri.UnescapeDataString(seg[4]);
        var eventId = Uri.UnescapeDataString(seg[6]);
        var txn = Uri.UnescapeDataString(seg[7]);
        var sender = MatrixSender(r);
        lock (_gate)
        {
            if (MatrixRoom(roomId) is { } notIn)
            {
                return notIn;
            }
            var target = FindEvent(roomId, eventId);
            if (target is null)
            {
                return (404, new JsonObject { ["errcode"] = "M_NOT_FOUND", ["error"] = "Event not found." });
            }
            if (sender != BotUserId && target["sender"]!.GetValue<string>() != sender)
            {
                return (403, new JsonObject { ["errcode"] = "M_FORBIDDEN", ["error"] = "You don't have permission to redact events" });
            }
            var redactionId = $"${Next()}red:fake.local";
            var content = new JsonObject { ["redacts"] = eventId };
            if (json?["reason"] is JsonValue reason)
            {
                content["reason"] = reason.GetValue<string>();
            }
            AddEvent(roomId, "m.room.redaction", sender, redactionId, content, txn, redacts: eventId);
            // The redaction algorithm: an m.room.message keeps no content keys; unsigned.redacted_because holds the redaction.
            target["content"] = new JsonObject();
            target["unsigned"] = new JsonObject { ["redacted_because"] = FindEvent(roomId, redactionId)!.DeepClone() };
            return (200, new JsonObject { ["event_id"] = redactionId });
        }
    }

    // GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}: the event, with the bundled m.replace aggregation (spec 1.7+) when its sender edited it.
    private (int, JsonNode) MatrixGetEvent(RecordedRequest r, string[] seg)
    {
        if (MatrixAuth(r) is { } denied)
        {
            return denied;
        }
        var roomId = Uri.UnescapeDataString(seg[4]);
        var eventId = Uri.UnescapeDataString(seg[6]);
        lock (_gate)
        {
            if (MatrixRoom(roomId) is { } notIn)
            {
                return notIn;
            }
            if (FindEvent(roomId, eventId) is not { } ev)
            {
                return (404, new JsonObject { ["errcode"] = "M_NOT_FOUND", ["error"] = "Event not found." });
            }
            var answer = (JsonObject)ev.DeepClone();
            var sender = ev["sender"]!.GetValue<string>();
            if (ev["unsigned"]?["redacted_because"] is null && EditsOf(roomId, eventId).LastOrDefault(e => e["sender"]!.GetValue<string>() == sender) is { } edit)
            {
                var unsigned = answer["unsigned"] as JsonObject ?? new JsonObject();
                unsigned["m.relations"] = new JsonObject
                {
                    ["m.replace"] = new JsonObject
                    {
                        ["event_id"] = edit["event_id"]!.DeepClone(),
                        ["origin_server_ts"] = edit["origin_server_ts"]!.DeepClone(),
                        ["sender"] = sender,
                    },
                };
                answer["unsigned"] = unsigned;
            }
            return (200, answer);
        }
    }

    // GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}: {"chunk": [...]}, newest first.
    private (int, JsonNode) MatrixRelations(RecordedRequest r, string[] seg)
    {
        if (MatrixAuth(r) is { } denied)
        {
            return denied;
        }
        var roomId = Uri.UnescapeDataString(seg[4]);
        var eventId = Uri.UnescapeDataString(seg[6]);
        var relType = Uri.UnescapeDataString(seg[7]);
        if (relType != "m.replace")
        {
            Problem(r, $"relations of type {relType}: DeIRF asks for edits (m.replace) only");
        }
        lock (_gate)
        {
            if (MatrixRoom(roomId) is { } notIn)
            {
                return notIn;
            }
            if (FindEvent(roomId, eventId) is null)
            {
                return (404, new JsonObject { ["errcode"] = "M_NOT_FOUND", ["error"] = "Event not found." });
            }
            var chunk = new JsonArray(EditsOf(roomId, eventId).Reverse().Select(e => (JsonNode)e.DeepClone()).ToArray());
            return (200, new JsonObject { ["chunk"] = chunk });
        }
    }

    // GET /_matrix/client/v3/rooms/{roomId}/messages?dir=b|f&from=&limit=: a page of the timeline; tokens are positions ("t<n>").
    private (int, JsonNode) MatrixMessagesPage(RecordedRequest r, string[] seg, string raw)
    {
        if (MatrixAuth(r) is { } denied)
        {
            return denied;
        }
        var roomId = Uri.UnescapeDataString(seg[4]);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(raw.Contains('?') ? raw[raw.IndexOf('?')..] : string.Empty);
        var dir = query.TryGetValue("dir", out var d) ? d.ToString() : null;
        if (dir is not ("b" or "f"))
        {
            Problem(r, $"dir is '{dir}': the spec requires dir=b or dir=f");
            return (400, new JsonObject { ["errcode"] = "M_INVALID_PARAM", ["error"] = "Unknown dir" });
        }
        var limit = query.TryGetValue("limit", out var l) && int.TryParse(l, out var n) ? Math.Clamp(n, 1, 1000) : 10;
        lock (_gate)
        {
            if (MatrixRoom(roomId) is { } notIn)
            {
                return notIn;
            }
            var list = _roomEvents.GetValueOrDefault(roomId) ?? [];
            int position;
            if (query.TryGetValue("from", out var from))
            {
                var token = from.ToString();
                if (!token.StartsWith('t') || !int.TryParse(token[1..], out position) || position < 0 || position > list.Count)
                {
                    Problem(r, $"from token '{token}' was never given by the fake");
                    return (400, new JsonObject { ["errcode"] = "M_INVALID_PARAM", ["error"] = "Invalid from token" });
                }
            }
            else
            {
                position = dir == "b" ? list.Count : 0;
            }
            var page = dir == "b"
                ? list.Take(position).Reverse().Take(limit).ToList()
                : list.Skip(position).Take(limit).ToList();
            var next = dir == "b" ? position - page.Count : position + page.Count;
            var answer = new JsonObject
            {
                ["chunk"] = new JsonArray(page.Select(e => (JsonNode)e.DeepClone()).ToArray()),
                ["start"] = $"t{position}",
            };
            // No 'end' when there are no more events in that direction (the spec).
            if ((dir == "b" && next > 0) || (dir == "f" && next < list.Count))
            {
                answer["end"] = $"t{next}";
            }
            return (200, answer);
        }
    }

    // --- Slack Web API chat.postMessage -------------------------------------------------------------------------------
    private (int, JsonNode) Slack(RecordedRequest r, JsonNode? json)
    {
        if (r.Headers.GetValueOrDefault("Authorization") is not { } auth || auth == "<not a bearer token>")
        {
            return (200, new JsonObject { ["ok"] = false, ["error"] = "not_authed" });
        }
        if (auth != "Bearer <valid token>")
        {
            return (200, new JsonObject { ["ok"] = false, ["error"] = "invalid_auth" });
        }
        var warning = r.Headers.GetValueOrDefault("Content-Type")?.Contains("charset=utf-8", StringComparison.OrdinalIgnoreCase) == true ? null : "missing_charset";
        if (warning is not null)
        {
            Problem(r, "Content-Type without charset=utf-8");
        }
        var channel = json?["channel"]?.GetValue<string>();
        var text = json?["text"]?.GetValue<string>();
        if (string.IsNullOrEmpty(channel) || channel == "C0MISSING")
        {
            return (200, new JsonObject { ["ok"] = false, ["error"] = "channel_not_found" });
        }
        if (string.IsNullOrEmpty(text))
        {
            return (200, new JsonObject { ["ok"] = false, ["error"] = "no_text" });
        }
        var ts = $"1700000000.{Next():000000}";
        lock (_gate)
        {
            SlackMessages.Add(new StoredMessage(channel, text, ts, null));
        }
        var answer = new JsonObject
        {
            ["ok"] = true, ["channel"] = channel, ["ts"] = ts,
            ["message"] = new JsonObject { ["type"] = "message", ["text"] = text, ["ts"] = ts, ["bot_id"] = "B0FAKE" },
        };
        if (warning is not null)
        {
            answer["warning"] = warning;
        }
        return (200, answer);
    }

    // --- A generic webhook receiver that honours Idempotency-Key ------------------------------------------------------
    private (int, JsonNode) Webhook(RecordedRequest r, JsonNode? json)
    {
        if (!r.Headers.TryGetValue("Idempotency-Key", out var key) || key.Length == 0)
        {
            Problem(r, "no Idempotency-Key");
            return (400, new JsonObject { ["error"] = "Idempotency-Key header required" });
        }
        if (json?["text"] is not JsonValue t || !t.TryGetValue<string>(out var text))
        {
            return (400, new JsonObject { ["error"] = "text required" });
        }
        lock (_gate)
        {
            if (WebhookPosts.FirstOrDefault(p => p.TransactionId == key) is { } seen)
            {
                return (200, new JsonObject { ["id"] = seen.Id, ["duplicate"] = true });
            }
            var id = $"wh-{Next()}";
            WebhookPosts.Add(new StoredMessage(json["incident"]?.GetValue<string>() ?? string.Empty, text, id, key));
            return (202, new JsonObject { ["id"] = id, ["duplicate"] = false });
        }
    }
}
