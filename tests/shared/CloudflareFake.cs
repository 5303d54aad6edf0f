using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

#nullable enable

namespace DeIRF.Testing;

/// <summary>
/// A FAKE of the Cloudflare v4 API (no Cloudflare endpoint is reachable here), over real HTTP on 127.0.0.1 and a free
/// port, serving only what cdn.reroute uses, in the shapes of Cloudflare's published schema (cloudflare/api-schemas,
/// operations dns-records-for-a-zone-dns-record-details / -patch-dns-record and load-balancer-pools-pool-details /
/// -patch-pool): GET and PATCH /zones/{zone_id}/dns_records/{dns_record_id} and
/// /accounts/{account_id}/load_balancers/pools/{pool_id}, ids of 32 hex digits, the envelope
/// {success, errors:[{code, message}], messages, result}, Authorization: Bearer. Anything else — another path, method
/// or query, a wrong token, a body that is not a JSON object, a member the schema's request body does not have or of
/// the wrong type, a missing application/json content type — is answered as Cloudflare would (an error envelope) and
/// recorded in <see cref="Problems"/>; tests assert it stays empty. Shared by xUnit (linked) and Pester (Add-Type).
/// </summary>
public sealed class CloudflareFake : IDisposable
{
    private static readonly Regex RecordPath = new("^/client/v4/zones/([0-9a-f]{32})/dns_records/([0-9a-f]{32})$");
    private static readonly Regex PoolPath = new("^/client/v4/accounts/([0-9a-f]{32})/load_balancers/pools/([0-9a-f]{32})$");

    // The request body members of the PATCH operations in the published schema, with the JSON types checked here.
    private static readonly Dictionary<string, string> RecordMembers = new()
    {
        ["comment"] = "string", ["content"] = "string", ["name"] = "string", ["proxied"] = "boolean", ["settings"] = "object",
        ["tags"] = "array", ["ttl"] = "number", ["type"] = "string",
    };
    private static readonly Dictionary<string, string> PoolMembers = new()
    {
        ["check_regions"] = "array", ["description"] = "string", ["enabled"] = "boolean", ["latitude"] = "number", ["load_shedding"] = "object",
        ["longitude"] = "number", ["minimum_origins"] = "number", ["monitor"] = "string", ["monitor_group"] = "string", ["name"] = "string",
        ["notification_email"] = "string", ["notification_filter"] = "object", ["origin_steering"] = "object", ["origins"] = "array",
    };

    private readonly HttpListener _listener = new();
    private readonly string _token;
    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _pools = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public CloudflareFake(string token)
    {
        _token = token;
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            try
            {
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _ = Task.Run(Serve);
    }

    public int Port { get; }

    /// <summary>The API base to give cdn.reroute's api parameter.</summary>
    public string Api => $"http://127.0.0.1:{Port}/client/v4";

    public List<string> Problems { get; } = new();
    public List<string> Requests { get; } = new();

    public static string NewId() => Guid.NewGuid().ToString("N");

    public void AddRecord(string zoneId, string recordId, string name, string type, string content, bool proxied)
    {
        lock (_gate)
        {
            _records[zoneId + "/" + recordId] = new JsonObject
            {
                ["id"] = recordId, ["name"] = name, ["type"] = type, ["content"] = content, ["proxiable"] = true, ["proxied"] = proxied,
                ["ttl"] = 1, ["settings"] = new JsonObject(), ["meta"] = new JsonObject(), ["comment"] = null, ["tags"] = new JsonArray(),
                ["created_on"] = "2026-11-01T10:00:00.000000Z", ["modified_on"] = "2026-11-01T10:00:00.000000Z",
            };
        }
    }

    public void AddPool(string accountId, string poolId, string name, bool enabled)
    {
        lock (_gate)
        {
            _pools[accountId + "/" + poolId] = new JsonObject
            {
                ["id"] = poolId, ["name"] = name, ["enabled"] = enabled, ["description"] = "", ["minimum_origins"] = 1, ["monitor"] = null,
                ["notification_email"] = "", ["check_regions"] = null, ["origin_steering"] = new JsonObject { ["policy"] = "random" },
                ["origins"] = new JsonArray(new JsonObject { ["name"] = "origin-1", ["address"] = "198.51.100.20", ["enabled"] = true, ["weight"] = 1 }),
                ["created_on"] = "2026-11-01T10:00:00.000000Z", ["modified_on"] = "2026-11-01T10:00:00.000000Z",
            };
        }
    }

    public JsonObject? Record(string zoneId, string recordId) { lock (_gate) { return _records.TryGetValue(zoneId + "/" + recordId, out var r) ? (JsonObject)r.DeepClone() : null; } }

    public JsonObject? Pool(string accountId, string poolId) { lock (_gate) { return _pools.TryGetValue(accountId + "/" + poolId, out var p) ? (JsonObject)p.DeepClone() : null; } }

    /// <summary>A change made behind DeIRF's back (another admin in the dashboard).</summary>
    public void SetRecordContent(string zoneId, string recordId, string content) { lock (_gate) { _records[zoneId + "/" + recordId]["content"] = content; } }

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            try
            {
                Handle(context);
            }
            catch (Exception ex)
            {
                Problem($"fake failed: {ex.Message}");
                Reply(context, 500, Failure(10001, "internal error"));
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        lock (_gate)
        {
            Requests.Add($"{request.HttpMethod} {path}");
        }
        if (request.Url.Query.Length > 0)
        {
            Problem($"{request.HttpMethod} {path}: unexpected query {request.Url.Query}");
            Reply(context, 400, Failure(7003, "Could not route to " + path + ", perhaps your object identifier is invalid?"));
            return;
        }
        if (request.Headers["Authorization"] != "Bearer " + _token)
        {
            Problem($"{request.HttpMethod} {path}: missing or wrong bearer token");
            Reply(context, 403, Failure(10000, "Authentication error"));
            return;
        }
        var record = RecordPath.Match(path);
        var pool = PoolPath.Match(path);
        if (!record.Success && !pool.Success)
        {
            Problem($"{request.HttpMethod} {path}: no such route");
            Reply(context, 404, Failure(7003, "Could not route to " + path + ", perhaps your object identifier is invalid?"));
            return;
        }
        var store = record.Success ? _records : _pools;
        var key = record.Success ? record.Groups[1].Value + "/" + record.Groups[2].Value : pool.Groups[1].Value + "/" + pool.Groups[2].Value;
        JsonObject? resource;
        lock (_gate)
        {
            resource = store.TryGetValue(key, out var r) ? r : null;
        }
        if (resource is null)
        {
            Reply(context, 404, Failure(record.Success ? 81044 : 1002, record.Success ? "Record does not exist." : "Pool not found"));
            return;
        }
        switch (request.HttpMethod)
        {
            case "GET":
                lock (_gate)
                {
                    Reply(context, 200, Success(resource.DeepClone()));
                }
                return;
            case "PATCH":
                if (request.ContentType is not { } ct || !ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    Problem($"PATCH {path}: content type '{request.ContentType}' is not application/json");
                    Reply(context, 415, Failure(6003, "Invalid request headers"));
                    return;
                }
                string text;
                using (var reader = new System.IO.StreamReader(request.InputStream, Encoding.UTF8))
                {
                    text = reader.ReadToEnd();
                }
                JsonObject? body = null;
                try
                {
                    body = JsonNode.Parse(text) as JsonObject;
                }
                catch (System.Text.Json.JsonException)
                {
                }
                if (body is null || body.Count == 0)
                {
                    Problem($"PATCH {path}: the body is not a non-empty JSON object: {text}");
                    Reply(context, 400, Failure(9207, "Request body is invalid."));
                    return;
                }
                var members = record.Success ? RecordMembers : PoolMembers;
                foreach (var (name, value) in body)
                {
                    if (!members.TryGetValue(name, out var type) || TypeOf(value) != type)
                    {
                        Problem($"PATCH {path}: member '{name}' ({TypeOf(value)}) is not in the schema's request body");
                        Reply(context, 400, Failure(9207, $"Request body is invalid: {name}"));
                        return;
                    }
                }
                lock (_gate)
                {
                    foreach (var (name, value) in body)
                    {
                        resource[name] = value?.DeepClone();
                    }
                    resource["modified_on"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
                    Reply(context, 200, Success(resource.DeepClone()));
                }
                return;
            default:
                Problem($"{request.HttpMethod} {path}: method not used by cdn.reroute");
                Reply(context, 405, Failure(10405, "Method not allowed"));
                return;
        }
    }

    private static string TypeOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v when v.TryGetValue<bool>(out _) => "boolean",
        JsonValue v when v.TryGetValue<string>(out _) => "string",
        _ => "number",
    };

    private void Problem(string text) { lock (_gate) { Problems.Add(text); } }

    private static JsonObject Success(JsonNode result) => new() { ["success"] = true, ["errors"] = new JsonArray(), ["messages"] = new JsonArray(), ["result"] = result };

    private static JsonObject Failure(int code, string message) => new()
    {
        ["success"] = false, ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }), ["messages"] = new JsonArray(), ["result"] = null,
    };

    private static void Reply(HttpListenerContext context, int status, JsonObject body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes, 0, bytes.Length);
        context.Response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
