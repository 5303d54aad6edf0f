using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using DeIRF.Containment;

namespace DeIRF.Providers.Host;

/// <summary>
/// The signed parameters of a host.quarantine proposal, checked before anything connects. Every value that reaches the
/// host's shell passes a character-class check here and again in the helper.
/// </summary>
internal sealed partial class QuarantineSpec
{
    public const int DefaultPort = 22;
    public static readonly TimeSpan DefaultConfirmWithin = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan MinConfirmWithin = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxConfirmWithin = TimeSpan.FromHours(1);

    public required string Target { get; init; }
    public required string User { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required IReadOnlyList<IPNetwork> Allow { get; init; }
    public required TimeSpan ConfirmWithin { get; init; }

    /// <summary>Pinned host key fingerprints ("SHA256:..."), or empty.</summary>
    public required IReadOnlyList<string> HostKeys { get; init; }

    /// <summary>A known_hosts file that alone decides the host key, or null.</summary>
    public string? KnownHosts { get; init; }

    /// <summary>The key (and, beside it as &lt;key&gt;-cert.pub, the certificate) ssh authenticates with; null: ssh's own choice (config, agent).</summary>
    public string? IdentityFile { get; init; }

    /// <summary>host:port outside the allow list that the host must no longer reach once quarantined; null: no probe.</summary>
    public string? Probe { get; init; }

    /// <summary>The helper installed on the host (a certificate's force-command); null: DeIRF sends its own inline.</summary>
    public string? HelperPath { get; init; }

    public int ConnectTimeoutSeconds { get; init; } = 10;

    /// <summary>The proposal being run (from the runner), sent to the host so a certificate's force-command can compare it.</summary>
    public string? ProposalId { get; init; }

    public string Destination => $"{User}@{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port}";

    public string AllowText => string.Join(',', Allow.Select(n => n.ToString()));

    /// <summary>Every parameter name host.quarantine reads; any other is refused, so a typo in a signed proposal is not ignored.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "ssh", "allow", "confirmWithin", "hostKey", "knownHosts", "identityFile", "probe", "helper", "connectTimeout", "os",
    };

    /// <summary>linux (nftables over SSH, run) or windows (Windows Firewall scripts, generated only).</summary>
    public bool Windows { get; init; }

    public static QuarantineSpec Parse(ContainmentRequest request)
    {
        if (request.Parameters.Keys.FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
        {
            throw new ContainmentException("ContainmentParameterUnknown", DeirfErrorKind.InvalidArgument,
                $"host.quarantine has no parameter '{unknown}' (known: {string.Join(", ", Known)}).", unknown);
        }
        var ssh = request.RequireParameter("ssh");
        var m = SshPattern().Match(ssh);
        if (!m.Success)
        {
            throw Invalid("ssh", $"'{ssh}' is not user@host[:port] (user and host of letters, digits, '.', '-', '_'; an IPv6 address in brackets).");
        }
        var host = m.Groups["v6"].Success ? m.Groups["v6"].Value : m.Groups["host"].Value;
        if (m.Groups["v6"].Success && !IPAddress.TryParse(host, out _))
        {
            throw Invalid("ssh", $"'{host}' is not an IPv6 address.");
        }
        int port = DefaultPort;
        if (m.Groups["port"].Success && (!int.TryParse(m.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw Invalid("ssh", $"'{m.Groups["port"].Value}' is not a TCP port.");
        }

        var allow = ParseAllow(request.RequireParameter("allow"));

        var confirm = DefaultConfirmWithin;
        if (request.Parameter("confirmWithin") is { Length: > 0 } c
            && (!TimeSpan.TryParseExact(c, "c", CultureInfo.InvariantCulture, out confirm) || confirm < MinConfirmWithin || confirm > MaxConfirmWithin))
        {
            throw Invalid("confirmWithin", $"'{c}' is not a time between {MinConfirmWithin:c} and {MaxConfirmWithin:c} (hh:mm:ss).");
        }

        var keys = new List<string>();
        if (request.Parameter("hostKey") is { Length: > 0 } hk)
        {
            foreach (var k in hk.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!FingerprintPattern().IsMatch(k))
                {
                    throw Invalid("hostKey", $"'{k}' is not an SSH SHA-256 fingerprint (SHA256: and 43 base64 characters, as ssh-keygen -lf prints).");
                }
                keys.Add(k);
            }
        }
        var knownHosts = request.Parameter("knownHosts") is { Length: > 0 } kh ? Path.GetFullPath(kh) : null;
        if (knownHosts is not null && !File.Exists(knownHosts))
        {
            throw Invalid("knownHosts", $"The known_hosts file '{knownHosts}' does not exist.");
        }
        var identity = request.Parameter("identityFile") is { Length: > 0 } id ? Path.GetFullPath(id) : null;
        if (identity is not null && !File.Exists(identity))
        {
            throw Invalid("identityFile", $"The key file '{identity}' does not exist.");
        }
        var probe = request.Parameter("probe") is { Length: > 0 } p ? p : null;
        if (probe is not null)
        {
            var pm = ProbePattern().Match(probe);
            if (!pm.Success || !int.TryParse(pm.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pp) || pp is < 1 or > 65535)
            {
                throw Invalid("probe", $"'{probe}' is not host:port (an address outside the allow list the quarantined host must no longer reach).");
            }
            if (IPAddress.TryParse(pm.Groups["host"].Value, out var pa) && allow.Any(n => n.Contains(pa)))
            {
                throw Invalid("probe", $"The probe {probe} is inside the allow list {string.Join(',', allow)}: it would prove nothing.");
            }
        }
        var helper = request.Parameter("helper") is { Length: > 0 } h ? h : null;
        if (helper is not null && !HelperPattern().IsMatch(helper))
        {
            throw Invalid("helper", $"'{helper}' is not an absolute path ending in /deirf-quarantine.");
        }
        int timeout = 10;
        if (request.Parameter("connectTimeout") is { Length: > 0 } t
            && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout is < 1 or > 120))
        {
            throw Invalid("connectTimeout", $"'{t}' is not a number of seconds from 1 to 120.");
        }
        var os = request.Parameter("os") ?? "linux";
        if (os is not ("linux" or "windows"))
        {
            throw Invalid("os", $"'{os}' is not linux or windows.");
        }
        return new QuarantineSpec
        {
            Windows = os == "windows",
            Target = request.Target,
            User = m.Groups["user"].Value,
            Host = host,
            Port = port,
            Allow = allow,
            ConfirmWithin = confirm,
            HostKeys = keys,
            KnownHosts = knownHosts,
            IdentityFile = identity,
            Probe = probe,
            HelperPath = helper,
            ConnectTimeoutSeconds = timeout,
            ProposalId = request.ProposalId is { Length: 64 } pid && pid.All(char.IsAsciiHexDigitLower) ? pid : null,
        };
    }

    internal static IReadOnlyList<IPNetwork> ParseAllow(string text)
    {
        var list = new List<IPNetwork>();
        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            IPNetwork network;
            if (IPAddress.TryParse(part, out var single) && !part.Contains('/'))
            {
                network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            }
            else if (!IPNetwork.TryParse(part, out network))
            {
                throw Invalid("allow", $"'{part}' is not an IP address or a CIDR network (10.0.9.0/24, fd00::/8).");
            }
            if (network.PrefixLength == 0)
            {
                throw Invalid("allow", $"'{part}' allows every address: that is no quarantine.");
            }
            list.Add(network);
        }
        if (list.Count == 0)
        {
            throw Invalid("allow", "The allow list is empty: name the management network that keeps SSH to the host.");
        }
        return list;
    }

    public bool Allows(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return Allow.Any(n => n.Contains(address));
    }

    private static ContainmentException Invalid(string parameter, string message)
        => new("HostQuarantineParameterInvalid", DeirfErrorKind.InvalidArgument, $"host.quarantine parameter '{parameter}': {message}", parameter);

    [GeneratedRegex(@"^(?<user>[A-Za-z0-9._][A-Za-z0-9._-]{0,31})@(?:\[(?<v6>[0-9A-Fa-f:.]+)\]|(?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252}))(?::(?<port>[0-9]{1,5}))?$")]
    private static partial Regex SshPattern();

    [GeneratedRegex(@"^SHA256:[A-Za-z0-9+/]{43}$")]
    private static partial Regex FingerprintPattern();

    [GeneratedRegex(@"^(?<host>[A-Za-z0-9][A-Za-z0-9._-]{0,252}):(?<port>[0-9]{1,5})$")]
    private static partial Regex ProbePattern();

    [GeneratedRegex(@"^/[A-Za-z0-9._/-]*/deirf-quarantine$")]
    private static partial Regex HelperPattern();
}
