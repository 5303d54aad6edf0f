using DeIRF.Containment;
using DeIRF.Core.Tests;
using Xunit;

namespace DeIRF.Providers.Dns.Tests;

/// <summary>
/// One real named per test class, started on first use (so a missing named skips, or fails under CI=true, inside the
/// test rather than in the fixture) and stopped by PID when the class is done. Each test works on its own names.
/// </summary>
public sealed class BindFixture : IDisposable
{
    public const string Zone = "example.test.";
    public const string FrozenZone = "frozen.test.";

    /// <summary>Seed records; each test owns the names it touches.</summary>
    public static readonly string[] Records =
    {
        "plan 300 IN A 192.0.2.10",
        "plan 300 IN A 192.0.2.11",
        "plan 600 IN AAAA 2001:db8::10",
        "apply 300 IN A 192.0.2.20",
        "apply 300 IN AAAA 2001:db8::20",
        "undo 120 IN A 192.0.2.30",
        "undo 120 IN A 192.0.2.31",
        "undo 600 IN AAAA 2001:db8::30",
        "www 300 IN CNAME origin.example.net.",
        "tocname 300 IN A 192.0.2.40",
        "v6 300 IN AAAA 2001:db8::50",
        "badsecret 300 IN A 192.0.2.50",
        "badkey 300 IN A 192.0.2.51",
        "race 300 IN A 192.0.2.60",
        "undorace 300 IN A 192.0.2.61",
        "twice 300 IN A 192.0.2.62",
        "secret 300 IN A 192.0.2.63",
        "loaded 300 IN A 192.0.2.64",
        "refused 300 IN A 192.0.2.65",
    };

    private readonly object _gate = new();
    private BindServer? _server;

    public BindServer Server
    {
        get
        {
            lock (_gate)
            {
                if (_server is null)
                {
                    var named = BindServer.FindNamed() ?? ExternalTool.Require("named");
                    _server = BindServer.Start(named, Zone, Records, readOnlyZone: FrozenZone);
                }
                return _server;
            }
        }
    }

    public static string Dig => BindServer.FindTool("dig") ?? ExternalTool.Require("dig");

    public static string NsUpdate => BindServer.FindTool("nsupdate") ?? ExternalTool.Require("nsupdate");

    /// <summary>A dns.reroute request against this server, signed with its key unless told otherwise.</summary>
    public ContainmentRequest Request(string name, string safeTarget, string? secret = null, IDictionary<string, string>? extra = null)
    {
        var server = Server;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["server"] = server.Server,
            ["zone"] = Zone,
            ["safeTarget"] = safeTarget,
            ["ttl"] = "60",
            ["tsigKeyName"] = server.KeyName,
            ["tsigAlgorithm"] = server.Algorithm,
        };
        foreach (var kv in extra ?? new Dictionary<string, string>())
        {
            parameters[kv.Key] = kv.Value;
        }
        return new ContainmentRequest(DnsProvider.RerouteAction, name, parameters, "INC-20260101-DNS1",
            secrets: new Dictionary<string, string> { ["tsigSecret"] = secret ?? server.SecretBase64 });
    }

    /// <summary>What real dig sees: "ttl TYPE data" lines for the name's own records of that type, sorted.</summary>
    public IReadOnlyList<string> DigAnswer(string name, string type)
    {
        var (code, stdout, stderr) = ExternalTool.Run(Dig, new[]
        {
            "@127.0.0.1", "-p", Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "+noall", "+answer", "+norecurse", "+time=2", "+tries=2", name, type,
        });
        Assert.True(code == 0, $"dig failed ({code}): {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 5 && string.Equals(f[0], name, StringComparison.OrdinalIgnoreCase) && f[3] == type)
            .Select(f => $"{f[1]} {f[3]} {f[4]}")
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Runs real nsupdate with the server's key file; the commands are fed on standard input.</summary>
    public void NsUpdateRun(params string[] commands)
    {
        var script = $"server 127.0.0.1 {Server.Port}\nzone {Zone}\n{string.Join('\n', commands)}\nsend\n";
        var (code, stdout, stderr) = ExternalTool.Run(NsUpdate, new[] { "-k", Server.KeyFile }, stdin: script, timeout: TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"nsupdate failed ({code}): {stdout} {stderr}");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _server?.Dispose();
            _server = null;
        }
    }
}
