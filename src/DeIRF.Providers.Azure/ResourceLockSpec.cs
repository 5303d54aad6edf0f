using Azure.Core;
using Azure.ResourceManager.Resources;
using Azure.ResourceManager.Resources.Models;
using DeIRF.Containment;

namespace DeIRF.Providers.Azure;

/// <summary>
/// An azure.resource.lock request, checked: the scope, the lock to set and where ARM is. Everything but the token
/// comes from the signed target and parameters, so what runs is exactly what the quorum approved.
/// </summary>
internal sealed class ResourceLockSpec
{
    public const string DefaultEndpoint = "https://management.azure.com";

    /// <summary>Signed parameters this action understands; any other name is refused, so a typo cannot be ignored.</summary>
    public static readonly IReadOnlyList<string> KnownParameters = new[] { "level", "lockName", "notes", "endpoint", "audience", "endpointCertSha256" };

    // Azure's naming rules for Microsoft.Authorization/locks: 1-90 characters, none of these, no control characters,
    // not ending in a period or space.
    private static readonly char[] ForbiddenNameChars = { '<', '>', '*', '%', '{', '}', '&', ':', '\\', '?', '/', '#', '|' };

    private ResourceLockSpec(ResourceIdentifier scope, string lockName, ManagementLockLevel level, string notes, Uri endpoint, string audience, string token,
        byte[]? endpointCertSha256)
    {
        EndpointCertSha256 = endpointCertSha256;
        Scope = scope;
        LockName = lockName;
        Level = level;
        Notes = notes;
        Endpoint = endpoint;
        Audience = audience;
        Token = token;
        LockId = ManagementLockResource.CreateResourceIdentifier(scope.ToString(), lockName);
    }

    public ResourceIdentifier Scope { get; }
    public string LockName { get; }
    public ManagementLockLevel Level { get; }
    public string Notes { get; }
    public Uri Endpoint { get; }
    public string Audience { get; }

    /// <summary>
    /// The SHA-256 of the one certificate the endpoint may present (signed parameter endpointCertSha256), or null for
    /// normal CA validation. Only with a non-default endpoint: a private ARM, Azure Stack Hub, a test fake.
    /// </summary>
    public byte[]? EndpointCertSha256 { get; }

    /// <summary>The bearer token. Never put into a message, a plan, a result or undo state.</summary>
    public string Token { get; }

    public ResourceIdentifier LockId { get; }

    public static ResourceLockSpec Parse(ContainmentRequest request)
    {
        foreach (var name in request.Parameters.Keys)
        {
            if (!KnownParameters.Contains(name, StringComparer.Ordinal))
            {
                throw Invalid("ContainmentParameterUnknown", $"Action '{request.Action}' has no parameter '{name}'. Known: {string.Join(", ", KnownParameters)}.", name);
            }
        }

        var scope = ParseScope(request.Target);
        var level = ParseLevel(request.Parameter("level"));

        var lockName = request.Parameter("lockName");
        if (string.IsNullOrEmpty(lockName))
        {
            lockName = string.IsNullOrEmpty(request.IncidentId)
                ? throw Invalid("ContainmentParameterMissing", "azure.resource.lock needs the parameter 'lockName' when the request names no incident.", "lockName")
                : "deirf-" + request.IncidentId;
        }
        if (lockName.Length > 90 || lockName.IndexOfAny(ForbiddenNameChars) >= 0 || lockName.Any(char.IsControl) || lockName.Trim() != lockName || lockName.EndsWith('.'))
        {
            throw Invalid("AzureLockNameInvalid", $"The lock name '{lockName}' is not valid: at most 90 characters, none of < > * % {{ }} & : \\ ? / # |, no control characters, no surrounding spaces, no final period.", lockName);
        }

        var notes = request.Parameter("notes");
        if (string.IsNullOrEmpty(notes))
        {
            notes = string.IsNullOrEmpty(request.IncidentId)
                ? "Set by DeIRF containment (azure.resource.lock)."
                : $"Set by DeIRF containment for incident {request.IncidentId} (azure.resource.lock).";
        }
        if (notes.Length > 512)
        {
            throw Invalid("ContainmentParameterInvalid", $"The lock notes are {notes.Length} characters; ARM takes at most 512.", "notes");
        }

        var endpointText = request.Parameter("endpoint") is { Length: > 0 } e ? e : DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps
            || !string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.UserInfo))
        {
            // Azure.Core sends a bearer token only over TLS; an http endpoint would fail later with a vaguer message.
            throw Invalid("ContainmentParameterInvalid", $"The ARM endpoint '{endpointText}' must be an absolute https URL with no query or user info.", "endpoint");
        }
        var pin = ParsePin(request.Parameter("endpointCertSha256"), request.Parameter("endpoint"), endpoint);
        // The public cloud's token audience is its own endpoint; a sovereign or private cloud names its own.
        var audience = request.Parameter("audience") is { Length: > 0 } a ? a : endpoint.GetLeftPart(UriPartial.Authority);

        if (!request.Secrets.TryGetValue("azureToken", out var token) || string.IsNullOrWhiteSpace(token))
        {
            throw new ContainmentException("AzureCredentialMissing", DeirfErrorKind.InvalidArgument,
                "azure.resource.lock needs a bearer token for ARM: set DEIRF_AZURE_TOKEN (az account get-access-token --query accessToken -o tsv) or pass it as a SecureString.",
                "azureToken");
        }
        token = token.Trim();
        // Checked here so a bad character never reaches HttpClient, whose FormatException would quote the value.
        if (token.Any(c => c <= ' ' || c > '~'))
        {
            throw new ContainmentException("AzureCredentialInvalid", DeirfErrorKind.InvalidArgument,
                "The Azure bearer token contains whitespace or non-ASCII characters; pass the bare access token.", "azureToken");
        }

        return new ResourceLockSpec(scope, lockName, level, notes, endpoint, audience, token, pin);
    }

    /// <summary>
    /// endpointCertSha256: 64 hex digits, optionally in colon-separated pairs as openssl prints a fingerprint. Refused
    /// without an explicit endpoint or with the public cloud's: there the certificate is checked against the CAs, always.
    /// </summary>
    private static byte[]? ParsePin(string? text, string? endpointParameter, Uri endpoint)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (string.IsNullOrEmpty(endpointParameter) || Uri.Compare(endpoint, new Uri(DefaultEndpoint), UriComponents.HostAndPort, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            throw Invalid("ContainmentParameterInvalid",
                $"'endpointCertSha256' pins the certificate of a private ARM endpoint and needs the parameter 'endpoint' naming one; {DefaultEndpoint} is always validated against the certificate authorities.",
                "endpointCertSha256");
        }
        var hex = text.Replace(":", string.Empty, StringComparison.Ordinal);
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
        {
            throw Invalid("ContainmentParameterInvalid",
                "'endpointCertSha256' must be the SHA-256 of the endpoint's certificate: 64 hex digits (colons between pairs allowed).", "endpointCertSha256");
        }
        return Convert.FromHexString(hex);
    }

    public static ResourceIdentifier ParseScope(string target)
    {
        if (string.IsNullOrWhiteSpace(target) || !target.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase)
            || target.EndsWith('/') || target.Contains("//", StringComparison.Ordinal) || target.IndexOfAny(new[] { '?', '#', ' ' }) >= 0
            || !ResourceIdentifier.TryParse(target, out var scope) || scope is null)
        {
            throw Invalid("AzureTargetInvalid",
                $"'{target}' is not an ARM resource id. Give /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name> or a full resource id.", target);
        }
        if (string.Equals(scope.ResourceType.ToString(), ManagementLockResource.ResourceType.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("AzureTargetInvalid", $"'{target}' is a lock; give the resource, resource group or subscription to lock.", target);
        }
        if (string.IsNullOrEmpty(scope.SubscriptionId))
        {
            throw Invalid("AzureTargetInvalid", $"'{target}' is not under a subscription.", target);
        }
        return scope;
    }

    private static ManagementLockLevel ParseLevel(string? text)
    {
        if (string.IsNullOrEmpty(text) || string.Equals(text, "ReadOnly", StringComparison.OrdinalIgnoreCase))
        {
            return ManagementLockLevel.ReadOnly;
        }
        if (string.Equals(text, "CanNotDelete", StringComparison.OrdinalIgnoreCase))
        {
            return ManagementLockLevel.CanNotDelete;
        }
        throw Invalid("ContainmentParameterInvalid", $"The lock level '{text}' is not ReadOnly or CanNotDelete.", "level");
    }

    private static ContainmentException Invalid(string errorId, string message, object target)
        => new(errorId, DeirfErrorKind.InvalidArgument, message, target);
}
