using System.Net.Http.Headers;
using System.Text.Json;

namespace DeIRF.Integrations;

/// <summary>
/// Whether a request may be sent twice. Idempotent requests carry a key the service deduplicates on (a Matrix
/// transaction id, a webhook Idempotency-Key), so they are retried on anything transient. Creating a ticket or a Slack
/// message is not: it is retried only when it certainly did not reach the service (the connection failed) or the
/// service said so (429, or 503 with Retry-After); a 500 or a lost answer might have created it, so it is reported.
/// </summary>
public enum RetrySafety { Idempotent, NotIdempotent }

/// <summary>Timeouts and retry limits of outbound calls.</summary>
public sealed record OutboundOptions
{
    public static readonly OutboundOptions Default = new();

    /// <summary>Requests sent at most, the first included.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>First back-off delay; doubled per attempt, with jitter (50-100 %), up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>One attempt, from connecting to the last byte of the answer.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest Retry-After honoured; a service asking for more is reported rather than waited for.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The answer size read at most (bytes; default 1 MiB, or $env:DEIRF_INTEGRATION_MAX_ANSWER_BYTES):
    /// a larger 2xx answer is refused as IntegrationAnswerTooLarge, never buffered whole.</summary>
    public long? MaxAnswerBytes { get; init; }

    /// <summary>Tracker and chat APIs answer a few KiB of JSON; 1 MiB leaves room without letting an answer cost the session memory.</summary>
    public const long DefaultMaxAnswerBytes = 1 << 20;

    public const string MaxAnswerBytesVariable = "DEIRF_INTEGRATION_MAX_ANSWER_BYTES";

    /// <summary>The cap in force: this option, else the environment variable, else 1 MiB; a bad variable is a clear error.</summary>
    public long AnswerCap()
    {
        if (MaxAnswerBytes is { } set)
        {
            return set > 0 ? set : throw new IntegrationException("IntegrationSettingInvalid", DeirfErrorKind.InvalidArgument,
                $"MaxAnswerBytes must be a positive number of bytes, not {set}.", set, "outbound", "settings", 0);
        }
        var text = Environment.GetEnvironmentVariable(MaxAnswerBytesVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultMaxAnswerBytes;
        }
        return long.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new IntegrationException("IntegrationSettingInvalid", DeirfErrorKind.InvalidArgument,
                $"${MaxAnswerBytesVariable} is '{text}', not a positive number of bytes.", MaxAnswerBytesVariable, "outbound", "settings", 0);
    }

    /// <summary>Test seam: the handler requests go through (default: one shared SocketsHttpHandler).</summary>
    public HttpMessageHandler? Handler { get; init; }
}

/// <summary>One outbound request, described without HttpRequestMessage so it can be rebuilt for every attempt.</summary>
public sealed record OutboundRequest(string Integration, string Operation, HttpMethod Method, Uri Uri)
{
    /// <summary>JSON body bytes (UTF-8), sent as application/json; charset=utf-8.</summary>
    public byte[]? JsonBody { get; init; }

    /// <summary>Request headers (Authorization, Accept, API version, Idempotency-Key...).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Values to redact from anything this call reports (tokens, the webhook URL and its path).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    public RetrySafety Safety { get; init; } = RetrySafety.NotIdempotent;

    /// <summary>The offending input named in error records (repository, room, channel).</summary>
    public object? Target { get; init; }
}

/// <summary>A 2xx answer: status, body text and how many requests it took.</summary>
public sealed record OutboundResponse(int Status, string Body, int Attempts)
{
    public JsonElement Json()
    {
        try
        {
            using var doc = JsonDocument.Parse(Body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }
}

/// <summary>
/// The one piece that talks HTTP to trackers and chat services: per-attempt timeout, bounded retries with exponential
/// back-off and jitter on connection failures, 429 (Retry-After honoured, or Matrix's retry_after_ms) and 5xx — only
/// as far as <see cref="RetrySafety"/> allows —, the caller's CancellationToken, and redaction of every secret from
/// what it reports. Non-2xx answers become an <see cref="IntegrationException"/> with a stable ErrorId.
/// </summary>
public sealed class OutboundHttp
{
    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(NewHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan });

    private readonly HttpClient _client;

    public OutboundHttp(OutboundOptions? options = null)
    {
        Options = options ?? OutboundOptions.Default;
        _client = Options.Handler is null ? SharedClient.Value : new HttpClient(Options.Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public OutboundOptions Options { get; }

    public static string UserAgent { get; } = $"DeIRF/{typeof(OutboundHttp).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    private static SocketsHttpHandler NewHandler() => new()
    {
        // Redirects could carry a bearer token somewhere unexpected; trackers and chat APIs do not redirect API calls.
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    public OutboundResponse Send(OutboundRequest request, CancellationToken cancellationToken = default)
        => SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    public async Task<OutboundResponse> SendAsync(OutboundRequest request, CancellationToken cancellationToken = default)
    {
        int sent = 0;
        try
        {
            return await SendCountingAsync(request, n => sent = n, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new IntegrationCancelledException(request.Integration, request.Operation, sent, cancellationToken);
        }
    }

    private async Task<OutboundResponse> SendCountingAsync(OutboundRequest request, Action<int> attempted, CancellationToken cancellationToken)
    {
        var max = Math.Max(1, Options.MaxAttempts);
        var cap = Options.AnswerCap();
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Failure failure;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptCts.CancelAfter(Options.AttemptTimeout);
                attempted(attempt);
                try
                {
                    using var message = Build(request);
                    // Headers first, then the body streamed under the cap: an answer is never buffered whole.
                    using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attemptCts.Token).ConfigureAwait(false);
                    var status = (int)response.StatusCode;
                    if (status is >= 200 and < 300)
                    {
                        var (body, tooLarge) = await ReadBoundedAsync(response, cap, truncate: false, attemptCts.Token).ConfigureAwait(false);
                        if (tooLarge is null)
                        {
                            return new OutboundResponse(status, body, attempt);
                        }
                        // Not retried: the service acted (2xx) and would answer the same again.
                        failure = new Failure("IntegrationAnswerTooLarge", DeirfErrorKind.InvalidData,
                            $"HTTP {status} with an answer larger than the {cap} byte limit ({tooLarge}); it was not read further. "
                            + $"The request may have taken effect: check the service. Raise ${OutboundOptions.MaxAnswerBytesVariable} only for a service you trust to answer that much",
                            status, Transient: false, RetryAfter: null);
                    }
                    else
                    {
                        // An error answer only feeds the message: its first bytes are enough.
                        var (body, _) = await ReadBoundedAsync(response, Math.Min(cap, ErrorBodyBytes), truncate: true, attemptCts.Token).ConfigureAwait(false);
                        failure = FromStatus(request, response, status, body);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException)
                {
                    failure = new Failure("IntegrationTimeout", DeirfErrorKind.ResourceUnavailable,
                        $"no answer within {Options.AttemptTimeout.TotalSeconds:0.#} s", null, Transient: request.Safety == RetrySafety.Idempotent, RetryAfter: null);
                }
                catch (HttpRequestException ex)
                {
                    // Connection refused or the name did not resolve: nothing reached the service, so any request may be resent.
                    // A connection lost after sending may have delivered it: only an idempotent request is resent.
                    var notSent = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError;
                    failure = new Failure("IntegrationUnavailable", DeirfErrorKind.ResourceUnavailable,
                        (notSent ? "could not connect" : "the connection failed before an answer came (the request may have arrived)") + $": {Describe(ex)}",
                        null, Transient: notSent || request.Safety == RetrySafety.Idempotent, RetryAfter: null);
                }
            }

            var delay = failure.RetryAfter ?? Backoff(attempt);
            if (!failure.Transient || attempt >= max || (failure.RetryAfter is { } ra && ra > Options.MaxRetryAfter))
            {
                var why = failure.RetryAfter is { } asked && asked > Options.MaxRetryAfter
                    ? $"; the service asked to retry after {asked.TotalSeconds:0} s, longer than the {Options.MaxRetryAfter.TotalSeconds:0} s DeIRF waits"
                    : failure.Transient ? string.Empty
                    : failure.Status is null || failure.Status >= 500 ? "; not retried: the request may have reached the service and is not idempotent" : string.Empty;
                var text = $"{Label(request.Integration)} {request.Operation} failed after {attempt} attempt{(attempt == 1 ? string.Empty : "s")}: {failure.Reason}{why}.";
                throw new IntegrationException(failure.ErrorId, failure.Kind, Redaction.Apply(text, request.Secrets), request.Target,
                    request.Integration, request.Operation, attempt, failure.Status);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    public static string Label(string integration) => IntegrationCatalog.Label(integration);

    private static HttpRequestMessage Build(OutboundRequest request)
    {
        var message = new HttpRequestMessage(request.Method, request.Uri);
        message.Headers.UserAgent.ParseAdd(UserAgent);
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && value.IndexOf(' ') is > 0 and var sp)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue(value[..sp], value[(sp + 1)..]);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (request.JsonBody is { } body)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        return message;
    }

    /// <summary>How much of a non-2xx answer is read for its message.</summary>
    private const int ErrorBodyBytes = 64 * 1024;

    /// <summary>
    /// The body as UTF-8 text, at most <paramref name="cap"/> bytes: Content-Length is checked before reading, then the
    /// bytes are counted as they arrive. Too large: (partial or empty text, what was seen) unless
    /// <paramref name="truncate"/>, which keeps the first <paramref name="cap"/> bytes instead.
    /// </summary>
    internal static async Task<(string Text, string? TooLarge)> ReadBoundedAsync(HttpResponseMessage response, long cap, bool truncate, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > cap && !truncate)
        {
            return (string.Empty, $"Content-Length {declared}");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var kept = new MemoryStream((int)Math.Min(declared ?? 16 * 1024, cap));
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                if (kept.Length + n > cap)
                {
                    if (!truncate)
                    {
                        return (string.Empty, $"more than {cap} bytes arrived");
                    }
                    kept.Write(buffer, 0, (int)(cap - kept.Length));
                    break;
                }
                kept.Write(buffer, 0, n);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return (System.Text.Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length), null);
    }

    private TimeSpan Backoff(int attempt)
    {
        var ms = Math.Min(Options.MaxDelay.TotalMilliseconds, Options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ms * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private sealed record Failure(string ErrorId, DeirfErrorKind Kind, string Reason, int? Status, bool Transient, TimeSpan? RetryAfter);

    private static Failure FromStatus(OutboundRequest request, HttpResponseMessage response, int status, string body)
    {
        var said = ServiceMessage(body);
        var reason = $"HTTP {status} {response.ReasonPhrase}" + (said.Length > 0 ? $" ({said})" : string.Empty);
        var retryAfter = RetryAfter(response, body);
        return status switch
        {
            401 or 403 => new Failure("IntegrationUnauthorized", DeirfErrorKind.SecurityError,
                reason + $"; check the token and its permissions for this {Label(request.Integration)} target", status, false, null),
            404 => new Failure("IntegrationNotFound", DeirfErrorKind.NotFound, reason, status, false, null),
            429 => new Failure("IntegrationRateLimited", DeirfErrorKind.ResourceBusy, reason, status, true, retryAfter),
            503 when retryAfter is not null => new Failure("IntegrationUnavailable", DeirfErrorKind.ResourceUnavailable, reason, status, true, retryAfter),
            >= 500 => new Failure("IntegrationUnavailable", DeirfErrorKind.ResourceUnavailable, reason, status,
                request.Safety == RetrySafety.Idempotent, retryAfter),
            _ => new Failure("IntegrationRejected", DeirfErrorKind.InvalidArgument, reason, status, false, null),
        };
    }

    /// <summary>Retry-After in seconds or as an HTTP date; Matrix also puts retry_after_ms in the body of M_LIMIT_EXCEEDED.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, string body)
    {
        if (response.Headers.RetryAfter is { } ra)
        {
            if (ra.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }
            if (ra.Date is { } date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("retry_after_ms", out var ms) && ms.TryGetInt64(out var v) && v >= 0)
            {
                return TimeSpan.FromMilliseconds(v);
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    /// <summary>What the service said, from the usual error members (GitHub message, GitLab message/error, Matrix errcode/error, Slack error), at most 300 chars.</summary>
    internal static string ServiceMessage(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return string.Empty;
        }
        string text;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
            {
                text = body;
            }
            else
            {
                var parts = new List<string>();
                foreach (var name in new[] { "errcode", "error", "message", "error_description" })
                {
                    if (r.TryGetProperty(name, out var p))
                    {
                        parts.Add(p.ValueKind == JsonValueKind.String ? p.GetString()! : p.GetRawText());
                    }
                }
                if (r.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                {
                    parts.Add(errors.GetRawText());
                }
                text = parts.Count > 0 ? string.Join(": ", parts) : body;
            }
        }
        catch (JsonException)
        {
            text = body;
        }
        // The service's words end up in error records on a console: one printable line.
        return Canonical.OutsideText.Line(text, 301);
    }

    private static string Describe(HttpRequestException ex)
    {
        var parts = new List<string> { ex.Message };
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            parts.Add(inner.Message);
        }
        return string.Join(" ", parts.Distinct());
    }

}

/// <summary>Ctrl+C (or the caller's token) stopped a call: how many requests had been sent, so the journal can say so.</summary>
public sealed class IntegrationCancelledException : OperationCanceledException
{
    public IntegrationCancelledException(string integration, string operation, int attempts, CancellationToken token)
        : base($"{OutboundHttp.Label(integration)} {operation} was cancelled after {attempts} attempt{(attempts == 1 ? string.Empty : "s")}.", token)
    {
        Integration = integration;
        Operation = operation;
        Attempts = attempts;
    }

    public string Integration { get; }
    public string Operation { get; }
    public int Attempts { get; }
}
