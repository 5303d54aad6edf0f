using System.Diagnostics;
using System.Globalization;
using DeIRF.Containment;
using DeIRF.Core.Tests;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Providers.Host.Tests;

/// <summary>
/// What commit-confirmed costs: from the start of apply (the moment after the last signature, in a run) to the rules
/// being active on the host, and to the confirmed result, beside a bare "ssh host nft -f" of the same table. Numbers go
/// to the test output; the assertions are the bounds that matter (the rules are active long before the window ends).
/// </summary>
[Collection(HostLabCollection.Name)]
public sealed class HostQuarantineTimingTests
{
    private readonly HostLab _lab;
    private readonly ITestOutputHelper _output;

    public HostQuarantineTimingTests(HostLab lab, ITestOutputHelper output)
    {
        _lab = lab;
        _output = output;
    }

    [SkippableFact]
    public async Task Apply_RulesActive_And_Confirmed_BesideABareSshNft()
    {
        _lab.Require().Reset();
        var request = new ContainmentRequest(HostQuarantineProvider.QuarantineAction, "web-3.lab", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ssh"] = $"root@{HostLab.HostOnManagement}:{_lab.SshPort}", ["allow"] = HostLab.ManagementNet, ["confirmWithin"] = "00:00:30",
            ["hostKey"] = _lab.HostKeyFingerprint, ["identityFile"] = _lab.ClientKey,
        });
        TimeSpan? active = null;
        var sw = Stopwatch.StartNew();
        var provider = new HostQuarantineProvider { AfterLoadForTest = _ => { active = sw.Elapsed; return Task.CompletedTask; } };
        var result = await provider.ApplyAsync(request, CancellationToken.None);
        var confirmed = sw.Elapsed;
        Assert.True(result.Verified, result.Message);
        _lab.Reset();

        var rules = HostQuarantineProvider.Command(QuarantineSpec.Parse(request), "render", ("allow", HostLab.ManagementNet), ("port", _lab.SshPort.ToString(CultureInfo.InvariantCulture)));
        var text = ExternalTool.Run("sh", ["-c", rules]).Stdout;
        var bare = Stopwatch.StartNew();
        var (code, _, error) = ExternalTool.Run(_lab.SshWrapper, ["-T", "-p", _lab.SshPort.ToString(CultureInfo.InvariantCulture), "-i", _lab.ClientKey, "-o", "BatchMode=yes",
            "-o", $"UserKnownHostsFile={_lab.HostKnownHosts}", "-l", "root", HostLab.HostOnManagement, "nft -f -"], stdin: text);
        var bareTime = bare.Elapsed;
        Assert.True(code == 0, error);
        Assert.NotNull(_lab.TableOnHost());
        _lab.Reset();

        _output.WriteLine($"host.quarantine: rules active after {active!.Value.TotalMilliseconds:0} ms, confirmed (new-connection verify, confirm, read-back) after {confirmed.TotalMilliseconds:0} ms; bare ssh host nft -f: {bareTime.TotalMilliseconds:0} ms");
        Assert.True(active < TimeSpan.FromSeconds(10), $"rules active after {active}");
    }
}
