using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Dns.Tests;

/// <summary>Refusals that need no DNS server (bad parameters, missing secret) and an unreachable one.</summary>
public sealed class DnsRerouteInputTests
{
    private readonly DnsProvider _provider = new();
    private static readonly string Secret = NewSecret();

    private static string NewSecret()
    {
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("tsig secret", bytes);
        return Convert.ToBase64String(bytes);
    }

    private static ContainmentRequest Request(string target, IDictionary<string, string?> overrides, string? secret = null)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["server"] = "127.0.0.1:1",
            ["zone"] = "example.test.",
            ["safeTarget"] = "198.51.100.1",
            ["tsigKeyName"] = "deirf-tsig",
        };
        foreach (var kv in overrides)
        {
            if (kv.Value is null)
            {
                parameters.Remove(kv.Key);
            }
            else
            {
                parameters[kv.Key] = kv.Value;
            }
        }
        var secrets = secret is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["tsigSecret"] = secret };
        return new ContainmentRequest(DnsProvider.RerouteAction, target, parameters, secrets: secrets);
    }

    [Theory]
    [InlineData("zone", null, "ContainmentParameterMissing", "zone")]
    [InlineData("server", null, "ContainmentParameterMissing", "server")]
    [InlineData("safeTarget", null, "ContainmentParameterMissing", "safeTarget")]
    [InlineData("zone", "other.test.", "DnsNameOutsideZone", "api.example.test.")]
    [InlineData("recordType", "AAAA", "DnsParameterInvalid", "198.51.100.1")]
    [InlineData("recordType", "MX", "DnsParameterInvalid", "MX")]
    [InlineData("ttl", "-5", "DnsParameterInvalid", "-5")]
    [InlineData("ttl", "soon", "DnsParameterInvalid", "soon")]
    [InlineData("server", "127.0.0.1:99999", "DnsParameterInvalid", "127.0.0.1:99999")]
    [InlineData("tsigAlgorithm", "hmac-md5", "DnsParameterInvalid", "hmac-md5")]
    [InlineData("timeoutSeconds", "0", "DnsParameterInvalid", "0")]
    [InlineData("safetarget", "198.51.100.2", "ContainmentParameterUnknown", "safetarget")]
    public async Task BadParameter_IsRefusedBeforeAnythingIsSent(string parameter, string? value, string errorId, string target)
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            _provider.PlanAsync(Request("api.example.test.", new Dictionary<string, string?> { [parameter] = value }), CancellationToken.None));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(DeirfErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(target, ex.Target);
    }

    [Fact]
    public async Task CnameToItself_AndCnameAtApex_AreRefused()
    {
        var loop = await Assert.ThrowsAsync<ContainmentException>(() => _provider.PlanAsync(
            Request("api.example.test.", new Dictionary<string, string?> { ["safeTarget"] = "API.example.test." }), CancellationToken.None));
        Assert.Equal("DnsParameterInvalid", loop.ErrorId);
        var apex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.PlanAsync(
            Request("example.test.", new Dictionary<string, string?> { ["safeTarget"] = "sinkhole.example.net." }), CancellationToken.None));
        Assert.Equal("DnsParameterInvalid", apex.ErrorId);
        Assert.Contains("apex", apex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyWithoutSecret_IsDnsTsigSecretMissing_NamingTheEnvironmentVariable()
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            _provider.ApplyAsync(Request("api.example.test.", new Dictionary<string, string?>()), CancellationToken.None));

        Assert.Equal("DnsTsigSecretMissing", ex.ErrorId);
        Assert.Equal("tsigSecret", ex.Target);
        Assert.Contains("DEIRF_TSIG_SECRET", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyWithoutKeyName_IsRefused_NoUnsignedUpdates()
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            _provider.ApplyAsync(Request("api.example.test.", new Dictionary<string, string?> { ["tsigKeyName"] = null }, Secret), CancellationToken.None));

        Assert.Equal("ContainmentParameterMissing", ex.ErrorId);
        Assert.Equal("tsigKeyName", ex.Target);
    }

    [Fact]
    public async Task SecretThatIsNotBase64_IsRefused_WithoutEchoingIt()
    {
        const string notBase64 = "hunter2-is-not-base64!";
        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            _provider.ApplyAsync(Request("api.example.test.", new Dictionary<string, string?>(), notBase64), CancellationToken.None));

        Assert.Equal("DnsTsigSecretInvalid", ex.ErrorId);
        Assert.DoesNotContain("hunter2", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UndoStateForAnotherName_IsRefused()
    {
        var state = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "other.example.test.",
            ["zone"] = "example.test.",
            ["previous"] = new System.Text.Json.Nodes.JsonArray(),
            ["applied"] = new System.Text.Json.Nodes.JsonArray(),
        };
        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            _provider.UndoAsync(Request("api.example.test.", new Dictionary<string, string?>(), Secret), state, CancellationToken.None));
        Assert.Equal("DnsUndoStateInvalid", ex.ErrorId);
    }

    [Fact]
    public async Task ServerThatNeverAnswers_IsDnsServerUnreachable_WithinTheTimeout()
    {
        // A black hole on loopback: UDP socket and TCP listener bound, nothing ever answers.
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var tcp = new TcpListener(IPAddress.Loopback, port);
        try
        {
            tcp.Start();
        }
        catch (SocketException)
        {
            tcp = null!; // TCP side taken by someone else: UDP alone still never answers
        }
        try
        {
            var request = Request("api.example.test.", new Dictionary<string, string?>
            {
                ["server"] = $"127.0.0.1:{port}",
                ["timeoutSeconds"] = "1",
            }, Secret);
            var sw = Stopwatch.StartNew();

            var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(request, CancellationToken.None));

            Assert.Equal("DnsServerUnreachable", ex.ErrorId);
            Assert.Equal(DeirfErrorKind.ResourceUnavailable, ex.Kind);
            Assert.Equal("api.example.test.", ex.Target);
            Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 8);
            Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            tcp?.Stop();
        }
    }

    [Fact]
    public async Task ClosedPort_IsDnsServerUnreachable()
    {
        int port = BindServer.FreePort();
        var request = Request("api.example.test.", new Dictionary<string, string?> { ["server"] = $"127.0.0.1:{port}", ["timeoutSeconds"] = "1" });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.PlanAsync(request, CancellationToken.None));

        Assert.Equal("DnsServerUnreachable", ex.ErrorId);
    }

    [Fact]
    public async Task Cancellation_StopsAWaitingQuery()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var request = Request("api.example.test.", new Dictionary<string, string?> { ["server"] = $"127.0.0.1:{port}", ["timeoutSeconds"] = "30" });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var sw = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _provider.PlanAsync(request, cts.Token));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }
}
