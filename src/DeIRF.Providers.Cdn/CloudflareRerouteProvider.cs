using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Containment;

namespace DeIRF.Providers.Cdn;

/// <summary>
/// <c>cdn.reroute</c> on Cloudflare (API v4): swaps the origin of a proxied DNS record
/// (PATCH /zones/{zone_id}/dns_records/{dns_record_id} {content}) or disables a load-balancer pool
/// (PATCH /accounts/{account_id}/load_balancers/pools/{pool_id} {enabled:false}); the previous value is kept for undo,
/// which puts it back only when the record or pool still shows what apply set.
/// </summary>
/// <remarks>
/// Parameters (signed): zoneId + recordId + origin (record mode), or accountId + poolId (pool mode); api (the API base,
/// default https://api.cloudflare.com/client/v4; plain http only to loopback). Secret (never signed, journaled or
/// shown): cloudflareToken, from -Secret or DEIRF_CLOUDFLARE_TOKEN.
/// </remarks>
public sealed partial class CloudflareRerouteProvider : IContainmentProvider
{
    public const string RerouteAction = "cdn.reroute";
    public const string TokenSecret = "cloudflareToken";
    public const string TokenVariable = "DEIRF_CLOUDFLARE_TOKEN";
    public const string DefaultApi = "https://api.cloudflare.com/client/v4";

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "zoneId", "recordId", "origin", "accountId", "poolId", "api" };

    public IReadOnlyCollection<string> Actions { get; } = new[] { RerouteAction };

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Spec.Parse(request);
        using var api = new Api(spec, request);
        var now = await api.ReadAsync(cancellationToken).ConfigureAwait(false);
        spec.CheckTarget(now);
        var warnings = new List<string>();
        List<string> steps;
        if (spec.IsPool)
        {
            steps = [$"GET {spec.Path}: pool '{Text(now, "name")}' is {(Bool(now, "enabled") ? "enabled" : "disabled")}",
                $"PATCH {spec.Path} {{\"enabled\":false}}: load balancers stop sending traffic to its origins", $"GET {spec.Path}: read back"];
            if (!Bool(now, "enabled"))
            {
                warnings.Add("The pool is disabled already: apply changes nothing and undo leaves it disabled.");
            }
        }
        else
        {
            steps = [$"GET {spec.Path}: {Text(now, "type")} {Text(now, "name")} -> {Text(now, "content")}{(Bool(now, "proxied") ? " (proxied)" : string.Empty)}",
                $"PATCH {spec.Path} {{\"content\":\"{spec.Origin}\"}}: Cloudflare sends the name's traffic to {spec.Origin}", $"GET {spec.Path}: read back"];
            if (!Bool(now, "proxied"))
            {
                warnings.Add("The record is not proxied: this is a plain DNS change, resolvers keep the old address for its TTL, and the new origin's address is public.");
            }
            if (Text(now, "content") == spec.Origin)
            {
                warnings.Add($"The record points at {spec.Origin} already: apply changes nothing.");
            }
        }
        return new ContainmentPlan
        {
            Action = request.Action,
            Target = request.Target,
            Steps = steps,
            Before = State(spec, now),
            Expected = spec.IsPool ? new JsonObject { ["pool"] = spec.PoolId, ["enabled"] = false } : new JsonObject { ["record"] = spec.RecordId, ["content"] = spec.Origin },
            Warnings = warnings,
        };
    }

    public async Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Spec.Parse(request);
        using var api = new Api(spec, request);
        var before = await api.ReadAsync(cancellationToken).ConfigureAwait(false);
        spec.CheckTarget(before);
        var change = spec.IsPool ? new JsonObject { ["enabled"] = false } : new JsonObject { ["content"] = spec.Origin };
        var previous = spec.IsPool ? new JsonObject { ["enabled"] = Bool(before, "enabled") } : new JsonObject { ["content"] = Text(before, "content") };
        await api.PatchAsync(change, cancellationToken).ConfigureAwait(false);
        var after = await api.ReadAsync(cancellationToken).ConfigureAwait(false);
        bool verified = Shows(after, change);
        return new ContainmentResult
        {
            Action = request.Action,
            Target = request.Target,
            Before = State(spec, before),
            After = State(spec, after),
            UndoState = new JsonObject { ["path"] = spec.Path, ["previous"] = previous, ["applied"] = change.DeepClone() },
            Verified = verified,
            Message = verified
                ? spec.IsPool ? $"Pool '{Text(after, "name")}' ({spec.PoolId}) disabled, read back from Cloudflare." : $"{Text(after, "name")} now sends traffic to {spec.Origin} (was {previous["content"]}), read back from Cloudflare."
                : $"Cloudflare accepted the change but now shows {State(spec, after).ToJsonString()}.",
        };
    }

    public async Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Spec.Parse(request);
        var (previous, applied) = Undo(undoState, spec);
        using var api = new Api(spec, request);
        var now = await api.ReadAsync(cancellationToken).ConfigureAwait(false);
        bool verified = Shows(now, applied);
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = previous.DeepClone().AsObject(), After = State(spec, now),
            UndoState = undoState.DeepClone().AsObject(), Verified = verified,
            Message = verified ? "Cloudflare still shows the reroute." : $"Cloudflare no longer shows the reroute: {State(spec, now).ToJsonString()}.",
        };
    }

    public async Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Spec.Parse(request);
        var (previous, applied) = Undo(undoState, spec);
        using var api = new Api(spec, request);
        var now = await api.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (Shows(now, previous) && !Shows(now, applied))
        {
            return UndoResult(request, spec, now, now, true, "Cloudflare already shows the previous value; nothing changed.");
        }
        if (!Shows(now, applied))
        {
            throw new ContainmentException("CdnChanged", DeirfErrorKind.ResourceBusy,
                $"{spec.Path} no longer shows what apply set ({applied.ToJsonString()}): it shows {State(spec, now).ToJsonString()}. Someone changed it; nothing was undone.", request.Target);
        }
        await api.PatchAsync(previous.DeepClone().AsObject(), cancellationToken).ConfigureAwait(false);
        var after = await api.ReadAsync(cancellationToken).ConfigureAwait(false);
        bool verified = Shows(after, previous);
        return UndoResult(request, spec, now, after, verified, verified ? $"Restored {previous.ToJsonString()} on {spec.Path}, read back." : $"Cloudflare shows {State(spec, after).ToJsonString()} after the undo.");
    }

    private static ContainmentResult UndoResult(ContainmentRequest request, Spec spec, JsonObject before, JsonObject after, bool verified, string message) => new()
    {
        Action = request.Action, Target = request.Target, Before = State(spec, before), After = State(spec, after),
        UndoState = new JsonObject { ["path"] = spec.Path }, Verified = verified, Message = message,
    };

    private static (JsonObject Previous, JsonObject Applied) Undo(JsonObject undoState, Spec spec)
        => undoState["path"]?.GetValue<string>() == spec.Path && undoState["previous"] is JsonObject p && undoState["applied"] is JsonObject a
            ? (p, a)
            : throw new ContainmentException("CdnUndoStateInvalid", DeirfErrorKind.InvalidData, $"The undo state is not for {spec.Path}.", spec.Path);

    private static bool Shows(JsonObject resource, JsonObject values)
        => values.All(kv => JsonNode.DeepEquals(resource[kv.Key], kv.Value));

    private static string Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;

    private static bool Bool(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static JsonObject State(Spec spec, JsonObject resource)
        => spec.IsPool
            ? new JsonObject { ["pool"] = spec.PoolId, ["name"] = Text(resource, "name"), ["enabled"] = Bool(resource, "enabled") }
            : new JsonObject
            {
                ["record"] = spec.RecordId, ["name"] = Text(resource, "name"), ["type"] = Text(resource, "type"), ["content"] = Text(resource, "content"),
                ["proxied"] = Bool(resource, "proxied"), ["ttl"] = resource["ttl"]?.DeepClone(),
            };

    private sealed partial class Spec
    {
        public required Uri Api { get; init; }
        public string? ZoneId { get; init; }
        public string? RecordId { get; init; }
        public string? Origin { get; init; }
        public string? AccountId { get; init; }
        public string? PoolId { get; init; }
        public required string Target { get; init; }
        public bool IsPool => PoolId is not null;
        public string Path => IsPool ? $"/accounts/{AccountId}/load_balancers/pools/{PoolId}" : $"/zones/{ZoneId}/dns_records/{RecordId}";

        public static Spec Parse(ContainmentRequest request)
        {
            if (request.Action != RerouteAction)
            {
                throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument, $"The CDN provider serves only {RerouteAction}.", request.Action);
            }
            if (request.Parameters.Keys.FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
            {
                throw new ContainmentException("ContainmentParameterUnknown", DeirfErrorKind.InvalidArgument,
                    $"cdn.reroute has no parameter '{unknown}' (known: {string.Join(", ", Known)}).", unknown);
            }
            string? Id(string name) => request.Parameter(name) is { Length: > 0 } v
                ? IdPattern().IsMatch(v) ? v : throw Invalid(name, $"'{v}' is not a Cloudflare id (32 lower-case hex digits).")
                : null;
            var api = request.Parameter("api") is { Length: > 0 } a ? a : DefaultApi;
            if (!Uri.TryCreate(api.TrimEnd('/'), UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
                || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
            {
                throw Invalid("api", $"'{api}' is not an https URL (plain http only to loopback).");
            }
            var pool = Id("poolId");
            var record = Id("recordId");
            if ((pool is null) == (record is null))
            {
                throw Invalid(pool is null ? "recordId" : "poolId", "name either a DNS record (zoneId, recordId, origin) or a load-balancer pool (accountId, poolId).");
            }
            var origin = request.Parameter("origin");
            if (record is not null && (origin is null || !(IPAddress.TryParse(origin, out _) || HostPattern().IsMatch(origin))))
            {
                throw Invalid("origin", $"'{origin}' is not an IP address or a host name (the safe origin the record will point at).");
            }
            return new Spec
            {
                Api = uri,
                Target = request.Target,
                ZoneId = record is null ? null : Id("zoneId") ?? throw Invalid("zoneId", "a DNS record needs its zone's id."),
                RecordId = record,
                Origin = record is null ? null : origin,
                AccountId = pool is null ? null : Id("accountId") ?? throw Invalid("accountId", "a pool needs its account's id."),
                PoolId = pool,
            };
        }

        /// <summary>The target names what the quorum approved: the record's name or the pool's name, checked before any change.</summary>
        public void CheckTarget(JsonObject resource)
        {
            var name = resource["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;
            if (!string.Equals(name.TrimEnd('.'), Target.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
            {
                throw new ContainmentException("CdnTargetMismatch", DeirfErrorKind.InvalidArgument,
                    $"{Path} is '{name}', not the proposal's target '{Target}': nothing changed.", Target);
            }
        }

        private static ContainmentException Invalid(string parameter, string message)
            => new("CdnParameterInvalid", DeirfErrorKind.InvalidArgument, $"cdn.reroute parameter '{parameter}': {message}", parameter);

        [GeneratedRegex("^[0-9a-f]{32}$")]
        private static partial Regex IdPattern();

        [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")]
        private static partial Regex HostPattern();
    }

    /// <summary>The v4 API: one bearer token, the envelope {success, errors, messages, result}, errors by their codes. The token is never in a message.</summary>
    private sealed class Api : IDisposable
    {
        private readonly HttpClient _http;
        private readonly Spec _spec;

        public Api(Spec spec, ContainmentRequest request)
        {
            _spec = spec;
            var token = request.Secrets.TryGetValue(TokenSecret, out var t) && t.Length > 0 ? t
                : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } e ? e
                : throw new ContainmentException("CdnTokenMissing", DeirfErrorKind.InvalidArgument,
                    $"cdn.reroute needs a Cloudflare API token: -Secret @{{ {TokenSecret} = (Read-Host -AsSecureString) }} or ${TokenVariable}.", TokenSecret);
            _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        private Uri Url => new(_spec.Api.AbsoluteUri.TrimEnd('/') + _spec.Path);

        public Task<JsonObject> ReadAsync(CancellationToken ct) => SendAsync(new HttpRequestMessage(HttpMethod.Get, Url), ct);

        public Task<JsonObject> PatchAsync(JsonObject body, CancellationToken ct)
            => SendAsync(new HttpRequestMessage(HttpMethod.Patch, Url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") }, ct);

        private async Task<JsonObject> SendAsync(HttpRequestMessage message, CancellationToken ct)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new ContainmentException("CdnUnreachable", DeirfErrorKind.ResourceUnavailable, $"Cloudflare ({_spec.Api.Host}) could not be reached: {ex.Message}", _spec.Target, ex);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                JsonObject? envelope = null;
                try
                {
                    envelope = JsonNode.Parse(text) as JsonObject;
                }
                catch (System.Text.Json.JsonException)
                {
                }
                bool success = envelope?["success"] is JsonValue s && s.TryGetValue<bool>(out var ok) && ok;
                if (response.IsSuccessStatusCode && success && envelope!["result"] is JsonObject result)
                {
                    return result;
                }
                var errors = envelope?["errors"] is JsonArray a
                    ? string.Join("; ", a.Select(e => $"{e?["code"]} {e?["message"]}"))
                    : $"HTTP {(int)response.StatusCode}";
                var (id, kind) = response.StatusCode switch
                {
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ("CdnAuthenticationFailed", DeirfErrorKind.SecurityError),
                    HttpStatusCode.NotFound => ("CdnNotFound", DeirfErrorKind.NotFound),
                    _ => ("CdnRequestFailed", DeirfErrorKind.InvalidOperation),
                };
                throw new ContainmentException(id, kind, $"Cloudflare refused {message.Method} {_spec.Path} ({(int)response.StatusCode}): {errors}", _spec.Target);
            }
        }

        public void Dispose() => _http.Dispose();
    }
}
