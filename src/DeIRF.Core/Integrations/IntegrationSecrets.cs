using System.Runtime.InteropServices;
using System.Security;

namespace DeIRF.Integrations;

/// <summary>Where tokens come from: a SecureString parameter, else an environment variable. Never from the journal or a file DeIRF writes.</summary>
public static class IntegrationSecrets
{
    public const string GitHubTokenVariable = "DEIRF_GITHUB_TOKEN";
    public const string GitLabTokenVariable = "DEIRF_GITLAB_TOKEN";
    public const string MatrixTokenVariable = "DEIRF_MATRIX_TOKEN";
    public const string SlackTokenVariable = "DEIRF_SLACK_TOKEN";
    public const string WebhookUrlVariable = "DEIRF_WEBHOOK_URL";

    /// <summary>
    /// The token from <paramref name="given"/>, else from <paramref name="environmentVariable"/>; throws
    /// IntegrationTokenMissing (naming the parameter and the variable, never a value) when neither is set.
    /// </summary>
    public static string Resolve(SecureString? given, string environmentVariable, string integration, string operation, string parameterName)
    {
        var value = given is { Length: > 0 } ? Reveal(given) : Environment.GetEnvironmentVariable(environmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new IntegrationException("IntegrationTokenMissing", DeirfErrorKind.InvalidArgument,
                $"No {integration} token: pass -{parameterName} (a SecureString, e.g. from Get-Secret or Read-Host -AsSecureString) or set ${environmentVariable}.",
                parameterName, integration, operation, attempts: 0);
        }
        return value.Trim();
    }

    /// <summary>The plain text of a SecureString, for the one header that needs it.</summary>
    public static string Reveal(SecureString secure)
    {
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}
