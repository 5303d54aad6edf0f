using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DeIRF.Containment;
using ARSoft.Tools.Net;

namespace DeIRF.Providers.Dns;

/// <summary>
/// The signed parameters of a <c>dns.reroute</c> request, checked before anything is sent. Every failure names the
/// parameter at fault as the target; nothing here ever sees the TSIG secret.
/// </summary>
public sealed class RerouteSpec
{
    public const int DefaultTtl = 60;
    public const int DefaultTimeoutSeconds = 5;

    private RerouteSpec(string name, DomainName owner, string zone, DomainName zoneName, string serverText, string host, int port,
        DnsAddressRecord safe, string? tsigKeyName, string tsigAlgorithm, TimeSpan timeout)
    {
        Name = name;
        Owner = owner;
        Zone = zone;
        ZoneName = zoneName;
        ServerText = serverText;
        Host = host;
        Port = port;
        Safe = safe;
        TsigKeyName = tsigKeyName;
        TsigAlgorithm = tsigAlgorithm;
        Timeout = timeout;
    }

    /// <summary>The rerouted name, absolute with its trailing dot ("api.example.test.").</summary>
    public string Name { get; }
    public DomainName Owner { get; }
    public string Zone { get; }
    public DomainName ZoneName { get; }

    /// <summary>The server parameter as given ("127.0.0.1:5353").</summary>
    public string ServerText { get; }
    public string Host { get; }
    public int Port { get; }

    /// <summary>The one record the name will have after apply.</summary>
    public DnsAddressRecord Safe { get; }
    public string? TsigKeyName { get; }
    public string TsigAlgorithm { get; }
    public TimeSpan Timeout { get; }

    /// <summary>Every parameter the action reads; any other name is refused so a typo in a signed proposal is not ignored.</summary>
    public static readonly IReadOnlyList<string> KnownParameters =
        new[] { "server", "zone", "safeTarget", "recordType", "ttl", "tsigKeyName", "tsigAlgorithm", "timeoutSeconds" };

    public static RerouteSpec Parse(ContainmentRequest request)
    {
        foreach (var given in request.Parameters.Keys)
        {
            if (!KnownParameters.Contains(given, StringComparer.Ordinal))
            {
                throw new ContainmentException("ContainmentParameterUnknown", DeirfErrorKind.InvalidArgument,
                    $"Action '{request.Action}' has no parameter '{given}'. Known: {string.Join(", ", KnownParameters)}.", given);
            }
        }
        var name = Absolute(request.Target, "target");
        if (!DomainName.TryParse(name, out var owner) || owner!.LabelCount == 0)
        {
            throw Invalid("target", $"'{request.Target}' is not a DNS name (write it fully qualified, e.g. api.example.test.).", request.Target);
        }

        var zone = Absolute(request.RequireParameter("zone"), "zone");
        if (!DomainName.TryParse(zone, out var zoneName))
        {
            throw Invalid("zone", $"The zone '{zone}' is not a DNS name.", zone);
        }
        if (!owner.IsEqualOrSubDomainOf(zoneName!))
        {
            throw new ContainmentException("DnsNameOutsideZone", DeirfErrorKind.InvalidArgument,
                $"The name {name} is not in the zone {zone}.", name);
        }

        var serverText = request.RequireParameter("server");
        var (host, port) = ParseServer(serverText);

        var safeTarget = request.RequireParameter("safeTarget").Trim();
        string type = request.Parameter("recordType") is { Length: > 0 } rt ? rt.Trim().ToUpperInvariant() : DefaultType(safeTarget);
        if (!DnsAddressRecord.Types.Contains(type))
        {
            throw Invalid("recordType", $"recordType must be A, AAAA or CNAME, not '{request.Parameter("recordType")}'.", request.Parameter("recordType"));
        }
        var ttlText = request.Parameter("ttl");
        int ttl = DefaultTtl;
        if (ttlText is { Length: > 0 } && (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out ttl) || ttl < 0))
        {
            throw Invalid("ttl", $"ttl must be a whole number of seconds from 0 to 2147483647, not '{ttlText}'.", ttlText);
        }
        string data;
        switch (type)
        {
            case "A" when IPAddress.TryParse(safeTarget, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork:
                data = v4.ToString();
                break;
            case "AAAA" when IPAddress.TryParse(safeTarget, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6:
                data = v6.ToString();
                break;
            case "CNAME" when !IPAddress.TryParse(safeTarget, out _) && DomainName.TryParse(Absolute(safeTarget, "safeTarget"), out var canonical) && canonical!.LabelCount > 0:
                if (canonical.Equals(owner))
                {
                    throw Invalid("safeTarget", $"A CNAME from {name} to itself would loop.", safeTarget);
                }
                if (owner.Equals(zoneName))
                {
                    throw Invalid("recordType", $"A CNAME cannot sit at the zone apex {zone}; use an A or AAAA safe target.", type);
                }
                data = Absolute(safeTarget, "safeTarget");
                break;
            default:
                throw Invalid("safeTarget", $"safeTarget '{safeTarget}' is not a valid {type} target (A: an IPv4 address, AAAA: an IPv6 address, CNAME: a name).", safeTarget);
        }

        var keyName = request.Parameter("tsigKeyName") is { Length: > 0 } k ? Absolute(k, "tsigKeyName") : null;
        var algorithm = (request.Parameter("tsigAlgorithm") is { Length: > 0 } alg ? alg.Trim().ToLowerInvariant() : "hmac-sha256").TrimEnd('.');
        if (TsigKey.AlgorithmFromName(algorithm) is null)
        {
            throw Invalid("tsigAlgorithm", $"tsigAlgorithm must be one of {string.Join(", ", TsigKey.AlgorithmNames)}, not '{algorithm}'.", algorithm);
        }

        var timeout = TimeSpan.FromSeconds(DefaultTimeoutSeconds);
        if (request.Parameter("timeoutSeconds") is { Length: > 0 } t)
        {
            if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 300)
            {
                throw Invalid("timeoutSeconds", $"timeoutSeconds must be a number of seconds above 0 and at most 300, not '{t}'.", t);
            }
            timeout = TimeSpan.FromSeconds(seconds);
        }

        return new RerouteSpec(name, owner, zone, zoneName!, serverText, host, port, new DnsAddressRecord(type, ttl, data), keyName, algorithm, timeout);
    }

    /// <summary>The TSIG key for an update: the key name is signed with the proposal, the secret comes in at run time.</summary>
    public TsigKey RequireKey(ContainmentRequest request)
    {
        if (TsigKeyName is null)
        {
            throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument,
                $"Action '{request.Action}' needs the parameter 'tsigKeyName' to sign the update.", "tsigKeyName");
        }
        if (!request.Secrets.TryGetValue("tsigSecret", out var secret) || string.IsNullOrWhiteSpace(secret))
        {
            throw new ContainmentException("DnsTsigSecretMissing", DeirfErrorKind.InvalidArgument,
                $"No TSIG secret was given for key {TsigKeyName} (set DEIRF_TSIG_SECRET or pass -Secret).", "tsigSecret");
        }
        return TsigKey.Create(TsigKeyName, TsigAlgorithm, secret);
    }

    private static string DefaultType(string safeTarget)
        => IPAddress.TryParse(safeTarget, out var ip)
            ? ip.AddressFamily == AddressFamily.InterNetworkV6 ? "AAAA" : "A"
            : "CNAME";

    private static (string Host, int Port) ParseServer(string text)
    {
        text = text.Trim();
        string host = text;
        int port = 53;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0)
            {
                throw Invalid("server", $"server '{text}' has an unclosed '['.", text);
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryPort(rest[1..], out port)))
            {
                throw Invalid("server", $"server '{text}' must be host, host:port or [ipv6]:port.", text);
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            host = text[..text.IndexOf(':')];
            if (!TryPort(text[(text.IndexOf(':') + 1)..], out port))
            {
                throw Invalid("server", $"server '{text}' has no valid port (1-65535).", text);
            }
        }
        if (host.Length == 0)
        {
            throw Invalid("server", $"server '{text}' has no host.", text);
        }
        return (host, port);
    }

    private static bool TryPort(string s, out int port)
        => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;

    private static string Absolute(string name, string parameter)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0 || trimmed.Contains(' '))
        {
            throw Invalid(parameter, $"'{name}' is not a DNS name.", name);
        }
        return trimmed.EndsWith('.') ? trimmed : trimmed + ".";
    }

    private static ContainmentException Invalid(string parameter, string message, object? target)
        => new("DnsParameterInvalid", DeirfErrorKind.InvalidArgument, $"dns.reroute parameter '{parameter}': {message}", target ?? parameter);
}
