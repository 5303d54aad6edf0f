namespace DeIRF.Providers.Azure;

/// <summary>
/// How the provider talks HTTP. The defaults are what the module uses; <see cref="Handler"/> exists for tests only:
/// they point the SDK at an in-process ARM fake whose self-signed certificate the handler pins. Nothing outside
/// tests sets it, and it is not a signed parameter, so a proposal cannot weaken TLS validation.
/// </summary>
internal sealed class AzureProviderOptions
{
    /// <summary>TEST ONLY: the HTTP handler under the Azure.Core pipeline (e.g. one that pins a test certificate).</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Retries after a transport failure, 408, 429 or 5xx (Azure.Core's policy, exponential back-off).</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Per-try timeout; a hung ARM endpoint becomes AzureUnreachable instead of hanging the incident.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
