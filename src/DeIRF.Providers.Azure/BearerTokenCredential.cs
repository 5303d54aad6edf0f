using Azure.Core;

namespace DeIRF.Providers.Azure;

/// <summary>
/// The one credential this provider takes: a bearer token handed in at run time (request.Secrets["azureToken"],
/// filled by the cmdlet layer from DEIRF_AZURE_TOKEN or a SecureString). It never appears in a message or ToString.
/// </summary>
/// <remarks>
/// DefaultAzureCredential (Azure.Identity: managed identity, workload identity, az login...) is the natural next
/// step, but it is not wired in now: nothing here can reach Entra ID to test it, it would silently pick up whatever
/// identity the responder's machine happens to have (a quorum approves an action, not "whoever is logged in"), and
/// it adds MSAL to the module's dependencies. A token obtained out of band (az account get-access-token) keeps the
/// acting identity explicit.
/// </remarks>
internal sealed class BearerTokenCredential : TokenCredential
{
    private readonly string _token;

    public BearerTokenCredential(string token)
    {
        _token = token;
    }

    // The token's real expiry is not known here (it may not be a JWT); an hour ahead keeps Azure.Core from
    // refreshing on every call, and a refresh only hands back the same token.
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        => new(_token, DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        => new(GetToken(requestContext, cancellationToken));

    public override string ToString() => "BearerTokenCredential(***)";
}
