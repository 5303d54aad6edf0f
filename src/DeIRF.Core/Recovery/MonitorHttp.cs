using System.Net.Sockets;
using System.Text.Json;

namespace DeIRF.Recovery;

/// <summary>
/// The GET requests of recovery checks and alert reads (Prometheus, Alertmanager, a count endpoint): one pooled
/// client, no redirects, no cookies, a per-request timeout, and an answer cap so a monitor cannot flood memory.
/// </summary>
public static class MonitorHttp
{
    /// <summary>The largest answer read (bytes): a query result or alert list beyond this is refused.</summary>
    public const int MaxAnswer = 8 * 1024 * 1024;

    private static readonly Lazy<HttpClient> Client = new(() => new HttpClient(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    }, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>An http(s) base URL without credentials in it (they would be journaled with the endpoint).</summary>
    public static Uri ValidateUrl(string url, string parameter)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new RecoveryException("RecoveryCheckInvalid", DeirfErrorKind.InvalidArgument, $"-{parameter} must be an http:// or https:// URL, not '{url}'.", url);
        }
        if (uri.UserInfo.Length > 0)
        {
            throw new RecoveryException("RecoveryCheckInvalid", DeirfErrorKind.InvalidArgument,
                $"-{parameter} holds credentials (user:password@): they would be written into the journal with the endpoint. Put the monitor behind a local proxy or use an unauthenticated read-only endpoint.", uri.Host);
        }
        return uri;
    }

    /// <summary>scheme://host[:port]/path: what the journal names an endpoint by (no query string, no credentials).</summary>
    public static string EndpointOf(Uri uri) => uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>GETs <paramref name="uri"/>; returns the status and the body (capped). Transport failures are <paramref name="unreachableId"/> (RecoveryMonitorUnreachable, AlertmanagerUnreachable).</summary>
    public static (int Status, byte[] Body) Get(Uri uri, TimeSpan timeout, CancellationToken cancellationToken, string unreachableId = "RecoveryMonitorUnreachable")
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            request.Headers.TryAddWithoutValidation("User-Agent", Integrations.OutboundHttp.UserAgent);
            using var response = Client.Value.Send(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var stream = response.Content.ReadAsStream(cts.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                cts.Token.ThrowIfCancellationRequested();
                if (buffer.Length + read > MaxAnswer)
                {
                    throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData, $"{EndpointOf(uri)} answered more than {MaxAnswer} bytes.", EndpointOf(uri));
                }
                buffer.Write(chunk, 0, read);
            }
            return ((int)response.StatusCode, buffer.ToArray());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new RecoveryException(unreachableId, DeirfErrorKind.ResourceUnavailable, $"{EndpointOf(uri)} did not answer within {timeout.TotalSeconds:0} s.", EndpointOf(uri), ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException)
        {
            throw new RecoveryException(unreachableId, DeirfErrorKind.ResourceUnavailable,
                $"{EndpointOf(uri)} cannot be reached: {Canonical.OutsideText.Line(ex.Message, 300)}", EndpointOf(uri), ex);
        }
    }

    /// <summary>Parses an answer as JSON, or RecoveryResponseInvalid naming the endpoint and status.</summary>
    public static JsonDocument ParseJson(Uri uri, int status, byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            throw new RecoveryException("RecoveryResponseInvalid", DeirfErrorKind.InvalidData,
                $"{EndpointOf(uri)} answered HTTP {status} with a body that is not JSON: {Canonical.OutsideText.Line(System.Text.Encoding.UTF8.GetString(body), 200)}", EndpointOf(uri));
        }
    }
}
