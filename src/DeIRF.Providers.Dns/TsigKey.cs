using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using DeIRF.Containment;

namespace DeIRF.Providers.Dns;

/// <summary>
/// A TSIG key (RFC 8945): name and algorithm are signed proposal parameters, the secret arrives at run time in
/// <see cref="ContainmentRequest.Secrets"/>. ToString never shows the secret; it is never journaled or logged.
/// </summary>
public sealed class TsigKey
{
    private static readonly Dictionary<string, TSigAlgorithm> Algorithms = new(StringComparer.Ordinal)
    {
        ["hmac-sha224"] = TSigAlgorithm.Sha224,
        ["hmac-sha256"] = TSigAlgorithm.Sha256,
        ["hmac-sha384"] = TSigAlgorithm.Sha384,
        ["hmac-sha512"] = TSigAlgorithm.Sha512,
    };

    private readonly byte[] _secret;

    private TsigKey(string name, string algorithmName, TSigAlgorithm algorithm, byte[] secret)
    {
        Name = name;
        AlgorithmName = algorithmName;
        Algorithm = algorithm;
        _secret = secret;
    }

    public string Name { get; }
    public string AlgorithmName { get; }
    internal TSigAlgorithm Algorithm { get; }

    public static IReadOnlyCollection<string> AlgorithmNames => Algorithms.Keys;

    internal static TSigAlgorithm? AlgorithmFromName(string name) => Algorithms.TryGetValue(name, out var a) ? a : null;

    /// <param name="secretBase64">The key's secret as BIND's key files and tsig-keygen write it (base64).</param>
    public static TsigKey Create(string name, string algorithmName, string secretBase64)
    {
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(secretBase64.Trim());
        }
        catch (FormatException)
        {
            // Say what is wrong without echoing any of it.
            throw new ContainmentException("DnsTsigSecretInvalid", DeirfErrorKind.InvalidArgument,
                $"The TSIG secret for key {name} is not base64 (as tsig-keygen writes it).", "tsigSecret");
        }
        if (secret.Length < 16)
        {
            throw new ContainmentException("DnsTsigSecretInvalid", DeirfErrorKind.InvalidArgument,
                $"The TSIG secret for key {name} is {secret.Length} bytes; at least 16 are required.", "tsigSecret");
        }
        var algorithm = AlgorithmFromName(algorithmName)
            ?? throw new ContainmentException("DnsParameterInvalid", DeirfErrorKind.InvalidArgument,
                $"dns.reroute parameter 'tsigAlgorithm': must be one of {string.Join(", ", AlgorithmNames)}.", algorithmName);
        return new TsigKey(name, algorithmName, algorithm, secret);
    }

    /// <summary>Signs an update: the TSIG record goes last in the additional section when the message is encoded.</summary>
    internal void Sign(DnsMessageBase message)
    {
        message.TSigOptions = new TSigRecord(DomainName.Parse(Name), Algorithm, DateTime.UtcNow, TimeSpan.FromSeconds(300),
            message.TransactionID, ReturnCode.NoError, null, _secret);
    }

    public override string ToString() => $"{Name} ({AlgorithmName})";
}
