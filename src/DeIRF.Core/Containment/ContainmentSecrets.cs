namespace DeIRF.Containment;

/// <summary>
/// Credentials a provider needs at run time, by the names providers read from <see cref="ContainmentRequest.Secrets"/>.
/// Each comes from the cmdlet's -Secret table, else from its environment variable. Never signed, journaled or logged.
/// </summary>
public static class ContainmentSecrets
{
    /// <summary>Secret name → environment variable.</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentVariables = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["tsigSecret"] = "DEIRF_TSIG_SECRET",   // dns.*: the TSIG key (base64)
        ["token"] = "DEIRF_K8S_TOKEN",          // k8s.*: a bearer token instead of the kubeconfig user's credentials
        ["azureToken"] = "DEIRF_AZURE_TOKEN",   // azure.*: an ARM bearer token
        ["evmKey"] = "DEIRF_EVM_KEY",           // evm.*: the hex private key that sends the transaction (pause, execTransaction)
    };

    public static IReadOnlyDictionary<string, string> Resolve(IReadOnlyDictionary<string, string>? given)
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, variable) in EnvironmentVariables)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v)
            {
                secrets[name] = v;
            }
        }
        foreach (var (name, value) in given ?? new Dictionary<string, string>())
        {
            secrets[name] = value;
        }
        return secrets;
    }
}
