using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DeIRF.FakeProviders;

/// <summary>
/// The test's side door into a fake run as a child process: plain HTTP on its own 127.0.0.1 port (the fake's API port
/// serves only the API, so a control call can never be mistaken for something the provider sent). Routes:
/// GET /__fake/state, GET /__fake/violations, GET /__fake/requests, and seeding: k8s POST /__fake/pods
/// {namespace,name,node?,labels?}, POST /__fake/nodes {name,unschedulable?}; arm POST /__fake/scopes {id},
/// POST /__fake/locks {scope,name,level,notes?}. A malformed control call is answered 400 (a test bug, not a violation).
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlPlane(WebApplication app) => _app = app;

    public string Url { get; private set; } = string.Empty;

    /// <summary>What a control route does: (method, route, body) → JSON answer, or null for an unknown route.</summary>
    public delegate JsonNode? Handler(string method, string route, JsonObject? body);

    public static async Task<ControlPlane> StartAsync(Handler handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(async http =>
        {
            JsonObject? body = null;
            JsonNode? answer;
            try
            {
                if (http.Request.ContentLength > 0 || http.Request.Method == "POST")
                {
                    body = await JsonNode.ParseAsync(http.Request.Body) as JsonObject ?? throw new JsonException("the body is not a JSON object");
                }
                answer = handler(http.Request.Method, http.Request.Path.Value ?? string.Empty, body);
                http.Response.StatusCode = answer is null ? 404 : 200;
                answer ??= new JsonObject { ["error"] = $"no control route {http.Request.Method} {http.Request.Path}" };
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
            {
                http.Response.StatusCode = 400;
                answer = new JsonObject { ["error"] = ex.Message };
            }
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(answer.ToJsonString());
        });
        await app.StartAsync();
        return new ControlPlane(app) { Url = app.Urls.Single().TrimEnd('/') };
    }

    public static Handler ForKubernetes(FakeApiServer fake) => (method, route, body) => (method, route) switch
    {
        ("GET", "/__fake/state") => fake.Snapshot(),
        ("GET", "/__fake/violations") => Strings(fake.Violations),
        ("GET", "/__fake/requests") => Strings(fake.Requests.Select(r => r.ToString())),
        ("POST", "/__fake/pods") => fake.AddPod(Text(body, "namespace"), Text(body, "name"), OptionalText(body, "node"), Labels(body)).DeepClone(),
        ("POST", "/__fake/nodes") => fake.AddNode(Text(body, "name"), body!["unschedulable"]?.GetValue<bool>() ?? false).DeepClone(),
        _ => null,
    };

    public static Handler ForArm(ArmFake fake) => (method, route, body) => (method, route) switch
    {
        ("GET", "/__fake/state") => new JsonObject { ["locks"] = new JsonArray(fake.AllLocks().Select(l => (JsonNode?)l.ToJson()).ToArray()) },
        ("GET", "/__fake/violations") => Strings(fake.Unexpected),
        ("GET", "/__fake/requests") => Strings(fake.Requests.Select(r => $"{r.Method} {r.Path}")),
        ("POST", "/__fake/scopes") => Do(() => fake.AddScope(Text(body, "id"))),
        ("POST", "/__fake/locks") => Do(() => fake.SeedLock(Text(body, "scope"), Text(body, "name"), Text(body, "level"), OptionalText(body, "notes"))),
        _ => null,
    };

    private static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    private static JsonObject Do(Action action)
    {
        action();
        return new JsonObject { ["ok"] = true };
    }

    private static string Text(JsonObject? body, string name)
        => OptionalText(body, name) is { Length: > 0 } s ? s : throw new ArgumentException($"'{name}' is required");

    private static string? OptionalText(JsonObject? body, string name) => body?[name]?.GetValue<string>();

    private static Dictionary<string, string>? Labels(JsonObject? body)
        => body?["labels"] is JsonObject labels ? labels.ToDictionary(l => l.Key, l => l.Value!.GetValue<string>(), StringComparer.Ordinal) : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
