using System.Text.Json;

namespace DeIRF.Integrations;

/// <summary>Runs one request through <see cref="OutboundHttp"/> and fills an <see cref="IntegrationResult"/>: never throws for a failed call, only for Ctrl+C.</summary>
public static class IntegrationCallRunner
{
    /// <param name="read">Turns the 2xx answer into the reference to journal; throws <see cref="IntegrationException"/> when the answer says "failed" (Slack ok:false).</param>
    public static IntegrationResult Run(OutboundHttp http, OutboundRequest request, IntegrationResult result, Func<OutboundResponse, JsonElement, string?> read,
        CancellationToken cancellationToken)
    {
        try
        {
            var response = http.Send(request, cancellationToken);
            result.Attempts = response.Attempts;
            result.Status = response.Status;
            result.Reference = read(response, response.Json());
        }
        catch (IntegrationException ex)
        {
            result.Attempts = Math.Max(result.Attempts, ex.Attempts);
            result.Status = ex.Status ?? result.Status;
            result.Exception = ex;
        }
        catch (IntegrationCancelledException ex)
        {
            // Ctrl+C: still a result to journal (a request may have reached the service); the caller then stops.
            result.Attempts = ex.Attempts;
            result.Cancelled = true;
            result.Exception = new IntegrationException("IntegrationCancelled", DeirfErrorKind.InvalidOperation,
                $"{ex.Message} A request that was sent may have reached the service: check before repeating.", request.Target, request.Integration, request.Operation, ex.Attempts);
        }
        return result;
    }

    /// <summary>A required string member of a 2xx answer; a missing one is a failed call (the thing may exist, but we cannot link it).</summary>
    public static string Require(OutboundRequest request, OutboundResponse response, JsonElement json, string member)
    {
        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty(member, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
        {
            return s;
        }
        throw new IntegrationException("IntegrationResponseInvalid", DeirfErrorKind.InvalidData,
            Redaction.Apply($"{OutboundHttp.Label(request.Integration)} {request.Operation} answered HTTP {response.Status} without '{member}': the result cannot be linked. Check the service before retrying.", request.Secrets),
            request.Target, request.Integration, request.Operation, response.Attempts, response.Status);
    }

    public static byte[] Json(object body) => JsonSerializer.SerializeToUtf8Bytes(body);

    /// <summary>Base URL + relative path, keeping the base's own path (https://ghe.example/api/v3 + repos/...).</summary>
    public static Uri Combine(Uri baseUri, string relative)
    {
        var b = baseUri.AbsoluteUri.EndsWith('/') ? baseUri.AbsoluteUri : baseUri.AbsoluteUri + "/";
        return new Uri(b + relative.TrimStart('/'));
    }

    public static Uri ValidateBase(string? url, string fallback, string integration, string operation, string parameterName)
    {
        var text = string.IsNullOrWhiteSpace(url) ? fallback : url.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new IntegrationException("IntegrationUrlInvalid", DeirfErrorKind.InvalidArgument,
                $"-{parameterName} must be an absolute http(s) URL without query or credentials.", parameterName, integration, operation, 0);
        }
        // A token in clear text may only travel to this machine (tests, a local proxy); anything else needs TLS.
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new IntegrationException("IntegrationUrlInsecure", DeirfErrorKind.SecurityError,
                $"-{parameterName} uses http:// to {uri.Host}: tokens travel only over https (plain http is accepted for loopback addresses alone).",
                parameterName, integration, operation, 0);
        }
        return uri;
    }
}
