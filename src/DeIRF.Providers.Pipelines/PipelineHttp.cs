using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.Providers.Pipelines;

/// <summary>
/// One backend's HTTP conversation for one step: JSON in and out, the bearer token on every request, and every
/// failure as a ContainmentException with a stable id whose message names the service's answer and never the token.
/// </summary>
internal sealed class PipelineHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly string _service;
    private readonly string? _token;
    private readonly Action<HttpRequestHeaders> _headers;

    public PipelineHttp(string service, Uri baseUrl, string? token, Action<HttpRequestHeaders>? headers = null)
    {
        _service = service;
        _token = token;
        _headers = headers ?? (_ => { });
        BaseUrl = baseUrl;
        _client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUrl { get; }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Sends and returns (status, JSON body or null). A status in <paramref name="accept"/> is returned; 401/403 are
    /// RollForwardUnauthorized, 404 RollForwardNotFound (unless accepted), any other RollForwardRequestFailed, and a
    /// service that cannot be reached RollForwardUnreachable.
    /// </summary>
    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string pathAndQuery, JsonNode? body, CancellationToken cancellationToken, params int[] accept)
    {
        var uri = new Uri(BaseUrl, BaseUrl.AbsolutePath.TrimEnd('/') + pathAndQuery);
        using var request = new HttpRequestMessage(method, uri);
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("DeIRF", typeof(PipelineHttp).Assembly.GetName().Version?.ToString(3) ?? "0"));
        _headers(request.Headers);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ContainmentException("RollForwardUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"{_service} at {BaseUrl} could not be reached ({method} {pathAndQuery}): {Redact(ex.Message)}", BaseUrl.ToString(), ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonNode? json = null;
            if (text.Length > 0)
            {
                try
                {
                    json = JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    json = null;
                }
            }
            var status = (int)response.StatusCode;
            if (accept.Contains(status))
            {
                return (status, json);
            }
            var said = Redact(ServiceMessage(json) ?? (text.Length > 300 ? text[..300] : text));
            var where = $"{method} {pathAndQuery}";
            throw status switch
            {
                (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden => new ContainmentException("RollForwardUnauthorized", DeirfErrorKind.SecurityError,
                    $"{_service} refused the token ({status}, {where}): {said}", BaseUrl.ToString()),
                (int)HttpStatusCode.NotFound => new ContainmentException("RollForwardNotFound", DeirfErrorKind.NotFound,
                    $"{_service} has no such resource ({status}, {where}): {said}", pathAndQuery),
                _ => new ContainmentException("RollForwardRequestFailed", DeirfErrorKind.InvalidOperation,
                    $"{_service} answered {status} to {where}: {said}", pathAndQuery),
            };
        }
    }

    /// <summary>GitHub's and Argo CD's "message", the Relayer's "error"/"message".</summary>
    private static string? ServiceMessage(JsonNode? json)
        => json is JsonObject o ? (Text(o, "message") ?? Text(o, "error")) : null;

    private string Redact(string text) => _token is { Length: > 0 } t ? text.Replace(t, "***", StringComparison.Ordinal) : text;

    public static string? Text(JsonNode? node, string name)
        => node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Number(JsonNode? node, string name)
        => node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    /// <summary>
    /// A service URL from a signed parameter: https, or http only to a loopback host (a local fake or a port-forward),
    /// so a token never crosses a network in clear text.
    /// </summary>
    public static Uri ServiceUrl(ContainmentRequest request, string parameter, string? fallback = null)
    {
        var raw = request.Parameter(parameter) ?? fallback
            ?? throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument, $"Action '{request.Action}' needs the parameter '{parameter}'.", parameter);
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || uri.Query.Length > 0
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
        {
            throw new ContainmentException("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument,
                $"'{parameter}' must be an https URL (http only to a loopback address), without credentials or query: '{raw}'.", parameter);
        }
        return uri;
    }

    /// <summary>Seconds from a signed parameter ("timeoutSeconds", "pollSeconds"), within bounds.</summary>
    public static TimeSpan Seconds(ContainmentRequest request, string parameter, double fallback, double min, double max)
    {
        if (request.Parameter(parameter) is not { } raw)
        {
            return TimeSpan.FromSeconds(fallback);
        }
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= min && s <= max
            ? TimeSpan.FromSeconds(s)
            : throw new ContainmentException("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument,
                $"'{parameter}' must be a number of seconds from {min} to {max}, not '{raw}'.", parameter);
    }

    /// <summary>A path segment as the service wants it (owner, repo, workflow file, application, relayer id).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static ContainmentException TokenMissing(IRollForwardBackend backend)
        => new("RollForwardTokenMissing", DeirfErrorKind.InvalidArgument,
            $"The {backend.Name} roll-forward needs a token: -Secret @{{ {backend.Token.SecretName} = <SecureString> }} or ${backend.Token.EnvironmentVariable}.", backend.Token.SecretName);
}
