using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeIRF.FakeProviders;

/// <summary>
/// An Azure Resource Manager endpoint fake over real HTTPS (Kestrel on 127.0.0.1, a free port, a self-signed
/// certificate made at start), in process for the provider's xUnit tests and as a child process for Pester
/// (Program.cs). No ARM can run here, and Azure.Core sends bearer tokens only over TLS.
/// It implements only what Azure.ResourceManager calls for management locks —
/// {scope}/providers/Microsoft.Authorization/locks[/{name}] with GET, PUT and DELETE at subscription, resource
/// group and resource scope — checks the bearer token, the api-version and every request body, keeps state in
/// memory, answers errors in ARM's {"error":{"code","message"}} shape, and records anything else as unexpected
/// (the test fails on it).
/// </summary>
public sealed class ArmFake : IAsyncDisposable
{
    /// <summary>The api-version Azure.ResourceManager 1.7.0 sends for Microsoft.Authorization/locks.</summary>
    public const string LockApiVersion = "2016-09-01";

    private const string LocksSegment = "/providers/Microsoft.Authorization/locks";
    private static readonly string[] Levels = { "ReadOnly", "CanNotDelete" };

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly HashSet<string> _scopes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FakeLock> _locks = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _forbiddenWrites = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _conflicts = new(StringComparer.OrdinalIgnoreCase);

    private ArmFake(WebApplication app, X509Certificate2 certificate, string? token)
    {
        _app = app;
        Certificate = certificate;
        Token = token ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    /// <summary>The one bearer token this fake accepts: given, or made fresh per fake (never committed).</summary>
    public string Token { get; }

    public X509Certificate2 Certificate { get; }

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<string> Unexpected { get; } = new();

    public ConcurrentQueue<(string Method, string Path)> Requests { get; } = new();

    /// <summary>When set and true for a request, the fake holds it until the client gives up (cancellation tests).</summary>
    public Func<HttpRequest, bool>? HangWhen { get; set; }

    /// <summary>Completed when a request is held by <see cref="HangWhen"/>.</summary>
    public TaskCompletionSource RequestHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A hostile or careless server: error messages quote the Authorization header back.</summary>
    public bool EchoTokenInErrors { get; set; }

    public static async Task<ArmFake> StartAsync(string? token = null)
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var fake = new ArmFake(app, certificate, token);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake.Endpoint = new Uri(address);
        return fake;
    }

    /// <summary>A client handler that trusts exactly this fake's certificate (pinned by SHA-256), nothing else.</summary>
    public HttpMessageHandler CreatePinnedHandler()
    {
        var pin = Certificate.GetCertHash(HashAlgorithmName.SHA256);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(pin),
            },
        };
    }

    /// <summary>Makes a subscription, resource group or resource exist (its parents too).</summary>
    public void AddScope(string id)
    {
        var parts = id.Trim('/').Split('/');
        lock (_gate)
        {
            // /subscriptions/s, /subscriptions/s/resourceGroups/g, then the full id.
            _scopes.Add("/" + string.Join('/', parts.Take(2)));
            if (parts.Length >= 4)
            {
                _scopes.Add("/" + string.Join('/', parts.Take(4)));
            }
            _scopes.Add("/" + string.Join('/', parts));
        }
    }

    public void ForbidWrites(string scope)
    {
        lock (_gate)
        {
            _forbiddenWrites.Add(scope);
        }
    }

    public void ConflictOnWrite(string scope)
    {
        lock (_gate)
        {
            _conflicts.Add(scope);
        }
    }

    public void SeedLock(string scope, string name, string level, string? notes, params string[] owners)
    {
        lock (_gate)
        {
            _locks[LockId(scope, name)] = new FakeLock(LockId(scope, name), scope, name, level, notes, owners.ToList());
        }
    }

    public FakeLock? GetLock(string scope, string name)
    {
        lock (_gate)
        {
            return _locks.TryGetValue(LockId(scope, name), out var l) ? l : null;
        }
    }

    public IReadOnlyList<FakeLock> AllLocks()
    {
        lock (_gate)
        {
            return _locks.Values.OrderBy(l => l.Id, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }

    public static string LockId(string scope, string name) => scope + LocksSegment + "/" + name;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        Requests.Enqueue((request.Method, path));

        var auth = request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            Unexpected.Enqueue($"{request.Method} {path}: no bearer token");
            await Error(context, 401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
            return;
        }
        if (!string.Equals(auth["Bearer ".Length..], Token, StringComparison.Ordinal))
        {
            await Error(context, 401, "InvalidAuthenticationToken", "The access token is invalid." + Echo(auth));
            return;
        }

        var apiVersion = request.Query["api-version"].ToString();
        var extraQuery = request.Query.Keys.Where(k => k != "api-version").ToList();
        if (apiVersion != LockApiVersion || extraQuery.Count > 0)
        {
            Unexpected.Enqueue($"{request.Method} {path}{request.QueryString}: api-version '{apiVersion}', other query keys [{string.Join(",", extraQuery)}]");
            await Error(context, 400, "InvalidApiVersionParameter", $"The api-version '{apiVersion}' is invalid.");
            return;
        }

        var at = path.LastIndexOf(LocksSegment, StringComparison.OrdinalIgnoreCase);
        if (at <= 0)
        {
            Unexpected.Enqueue($"{request.Method} {path}: not a management lock route");
            await Error(context, 404, "NoRegisteredProviderFound", "No route.");
            return;
        }
        var scope = path[..at];
        var rest = path[(at + LocksSegment.Length)..];
        string? name = rest.Length == 0 ? null : rest.StartsWith('/') && rest.IndexOf('/', 1) < 0 ? Uri.UnescapeDataString(rest[1..]) : "\0";
        if (name == "\0" || !IsScopeShape(scope))
        {
            Unexpected.Enqueue($"{request.Method} {path}: malformed lock path");
            await Error(context, 400, "InvalidResourceId", "Malformed path.");
            return;
        }

        if (HangWhen?.Invoke(request) == true)
        {
            RequestHeld.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client went away, as the test wanted.
            }
            return;
        }

        var missing = MissingScope(scope);
        if (missing is not null)
        {
            await Error(context, 404, missing.Value.Code, missing.Value.Message);
            return;
        }

        switch (request.Method, name)
        {
            case ("GET", null):
                await Json(context, 200, new JsonObject { ["value"] = new JsonArray(LocksApplyingTo(scope).Select(l => (JsonNode?)l.ToJson()).ToArray()) });
                return;
            case ("GET", not null):
                var found = GetLock(scope, name);
                if (found is null)
                {
                    await Error(context, 404, "LockNotFound", $"The lock '{name}' could not be found.");
                    return;
                }
                await Json(context, 200, found.ToJson());
                return;
            case ("PUT", not null):
                await PutAsync(context, scope, name, path);
                return;
            case ("DELETE", not null):
                if (Forbidden(scope))
                {
                    await Error(context, 403, "AuthorizationFailed", AuthorizationMessage("delete", path, auth));
                    return;
                }
                bool existed;
                lock (_gate)
                {
                    existed = _locks.Remove(LockId(scope, name));
                }
                context.Response.StatusCode = existed ? 200 : 204;
                return;
            default:
                Unexpected.Enqueue($"{request.Method} {path}: method not implemented");
                await Error(context, 405, "MethodNotAllowed", "Not implemented by the fake.");
                return;
        }
    }

    private async Task PutAsync(HttpContext context, string scope, string name, string path)
    {
        var auth = context.Request.Headers.Authorization.ToString();
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            Unexpected.Enqueue($"PUT {path}: content type '{context.Request.ContentType}'");
            await Error(context, 415, "UnsupportedMediaType", "Expected application/json.");
            return;
        }
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (JsonException ex)
        {
            Unexpected.Enqueue($"PUT {path}: body is not JSON ({ex.Message})");
            await Error(context, 400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
            return;
        }
        var problem = ValidateLockBody(body, name);
        if (problem is not null)
        {
            Unexpected.Enqueue($"PUT {path}: {problem}");
            await Error(context, 400, "InvalidRequestContent", problem);
            return;
        }
        if (Forbidden(scope))
        {
            await Error(context, 403, "AuthorizationFailed", AuthorizationMessage("write", path, auth));
            return;
        }
        bool conflict;
        lock (_gate)
        {
            conflict = _conflicts.Contains(scope);
        }
        if (conflict)
        {
            await Error(context, 409, "ScopeLocked", $"The scope '{scope}' cannot perform write operation because following scope(s) are locked: '{scope}'. Please remove the lock and try again.");
            return;
        }
        var properties = body!["properties"]!.AsObject();
        var owners = properties["owners"]?.AsArray().Select(o => o!["applicationId"]!.GetValue<string>()).ToList() ?? new List<string>();
        var created = new FakeLock(LockId(scope, name), scope, name, properties["level"]!.GetValue<string>(), properties["notes"]?.GetValue<string>(), owners);
        bool isNew;
        lock (_gate)
        {
            isNew = !_locks.ContainsKey(created.Id);
            _locks[created.Id] = created;
        }
        await Json(context, isNew ? 201 : 200, created.ToJson());
    }

    /// <summary>The shape ARM takes for a lock: {"properties":{"level":..., "notes"?:..., "owners"?:[{"applicationId"}]}}.</summary>
    private static string? ValidateLockBody(JsonNode? body, string name)
    {
        if (name.Length is 0 or > 90 || name.IndexOfAny("<>*%{}&:\\?/#|".ToCharArray()) >= 0)
        {
            return $"lock name '{name}' is not valid";
        }
        if (body is not JsonObject root)
        {
            return "body is not a JSON object";
        }
        var unknown = root.Select(p => p.Key).Where(k => k != "properties").ToList();
        if (unknown.Count > 0)
        {
            return $"unexpected top-level members: {string.Join(", ", unknown)}";
        }
        if (root["properties"] is not JsonObject properties)
        {
            return "properties missing";
        }
        var unknownProps = properties.Select(p => p.Key).Where(k => k is not ("level" or "notes" or "owners")).ToList();
        if (unknownProps.Count > 0)
        {
            return $"unexpected properties: {string.Join(", ", unknownProps)}";
        }
        if (properties["level"] is not JsonValue level || !level.TryGetValue<string>(out var levelText) || !Levels.Contains(levelText, StringComparer.Ordinal))
        {
            return $"properties.level must be one of {string.Join(", ", Levels)}";
        }
        if (properties["notes"] is { } notes && (notes is not JsonValue nv || !nv.TryGetValue<string>(out var notesText) || notesText.Length > 512))
        {
            return "properties.notes must be a string of at most 512 characters";
        }
        if (properties["owners"] is { } owners)
        {
            if (owners is not JsonArray array || array.Any(o => o is not JsonObject oo || oo.Count != 1 || oo["applicationId"] is not JsonValue))
            {
                return "properties.owners must be an array of {applicationId}";
            }
        }
        return null;
    }

    private static bool IsScopeShape(string scope)
    {
        var parts = scope.Trim('/').Split('/');
        if (parts.Length < 2 || !parts[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase) || parts.Any(p => p.Length == 0))
        {
            return false;
        }
        if (parts.Length == 2)
        {
            return true;
        }
        if (parts.Length < 4 || !parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // .../providers/{namespace}/{type}/{name}[/{childType}/{childName}]...
        return parts.Length == 4 || (parts.Length >= 8 && parts[4].Equals("providers", StringComparison.OrdinalIgnoreCase) && parts.Length % 2 == 0);
    }

    private (string Code, string Message)? MissingScope(string scope)
    {
        var parts = scope.Trim('/').Split('/');
        lock (_gate)
        {
            var subscription = "/" + string.Join('/', parts.Take(2));
            if (!_scopes.Contains(subscription))
            {
                return ("SubscriptionNotFound", $"The subscription '{parts[1]}' could not be found.");
            }
            if (parts.Length >= 4 && !_scopes.Contains("/" + string.Join('/', parts.Take(4))))
            {
                return ("ResourceGroupNotFound", $"Resource group '{parts[3]}' could not be found.");
            }
            if (!_scopes.Contains(scope))
            {
                return ("ResourceNotFound", $"The Resource '{string.Join('/', parts.Skip(5))}' under resource group '{parts[3]}' was not found.");
            }
        }
        return null;
    }

    /// <summary>Locks at the scope, inherited from above it, and set below it (what the portal shows for a scope).</summary>
    private List<FakeLock> LocksApplyingTo(string scope)
    {
        lock (_gate)
        {
            return _locks.Values.Where(l => string.Equals(l.Scope, scope, StringComparison.OrdinalIgnoreCase)
                                            || scope.StartsWith(l.Scope + "/", StringComparison.OrdinalIgnoreCase)
                                            || l.Scope.StartsWith(scope + "/", StringComparison.OrdinalIgnoreCase))
                .OrderBy(l => l.Id, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }

    private bool Forbidden(string scope)
    {
        lock (_gate)
        {
            return _forbiddenWrites.Any(f => string.Equals(f, scope, StringComparison.OrdinalIgnoreCase) || scope.StartsWith(f + "/", StringComparison.OrdinalIgnoreCase));
        }
    }

    private string AuthorizationMessage(string verb, string path, string auth)
        => $"The client 'responder@example.test' with object id '00000000-0000-0000-0000-0000000000aa' does not have authorization to perform action 'Microsoft.Authorization/locks/{verb}' over scope '{path}' or the scope is invalid." + Echo(auth);

    private string Echo(string auth) => EchoTokenInErrors ? $" (request header was '{auth}')" : string.Empty;

    private static Task Error(HttpContext context, int status, string code, string message)
        => Json(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=deirf-arm-fake", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Round-trip through PKCS#12 so the private key is usable by TLS on every platform (ephemeral keys are not on Windows).
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }

    public sealed record FakeLock(string Id, string Scope, string Name, string Level, string? Notes, List<string> Owners)
    {
        public JsonObject ToJson()
        {
            var properties = new JsonObject { ["level"] = Level };
            if (Notes is not null)
            {
                properties["notes"] = Notes;
            }
            if (Owners.Count > 0)
            {
                properties["owners"] = new JsonArray(Owners.Select(o => (JsonNode?)new JsonObject { ["applicationId"] = o }).ToArray());
            }
            return new JsonObject { ["id"] = Id, ["type"] = "Microsoft.Authorization/locks", ["name"] = Name, ["properties"] = properties };
        }
    }
}
