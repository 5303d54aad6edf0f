using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Host.Tests;

/// <summary>
/// host.quarantine end to end against the lab's real sshd and nft: each test starts and ends with no quarantine table
/// on the host. The commit-confirmed windows are short (5-8 s) so the host's own revert is observed, not assumed.
/// </summary>
[Collection(HostLabCollection.Name)]
public sealed class HostQuarantineTests
{
    private readonly HostLab _lab;

    public HostQuarantineTests(HostLab lab) => _lab = lab;

    private ContainmentRequest Request(string allow = HostLab.ManagementNet, string confirm = "00:00:08", string? hostKey = null,
        bool probe = true, string? knownHosts = null, string connectTimeout = "3")
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ssh"] = $"root@{HostLab.HostOnManagement}:{_lab.SshPort}",
            ["allow"] = allow,
            ["confirmWithin"] = confirm,
            ["identityFile"] = _lab.ClientKey,
            ["connectTimeout"] = connectTimeout,
        };
        if (knownHosts is not null)
        {
            p["knownHosts"] = knownHosts;
        }
        else
        {
            p["hostKey"] = hostKey ?? _lab.HostKeyFingerprint;
        }
        if (probe)
        {
            p["probe"] = $"{HostLab.Prober}:{_lab.ProbePort}";
        }
        return new ContainmentRequest(HostQuarantineProvider.QuarantineAction, "web-3.lab", p);
    }

    [SkippableFact]
    public async Task Plan_ReadsTheRuleset_ShowsTheTable_ChangesNothing()
    {
        _lab.Require().Reset();
        _lab.HostNft("add", "table", "inet", "existing");
        _lab.HostNft("add", "chain", "inet", "existing", "in", "{ type filter hook input priority -250; policy accept; }");
        try
        {
            var plan = await new HostQuarantineProvider().PlanAsync(Request(), CancellationToken.None);

            Assert.Contains(plan.Steps, s => s.Contains("load table inet deirf_quarantine at priority -260", StringComparison.Ordinal));
            Assert.Contains(plan.Steps, s => s.Contains($"ip saddr {{ {HostLab.ManagementNet} }} tcp dport {_lab.SshPort} accept", StringComparison.Ordinal));
            Assert.Contains(plan.Steps, s => s.Contains("type filter hook output priority -260; policy drop;", StringComparison.Ordinal));
            Assert.Contains("inet existing", plan.Before["tables"]!.AsArray().Select(t => t!.GetValue<string>()));
            Assert.Equal(-260, plan.Expected["priority"]!.GetValue<int>());
            Assert.DoesNotContain(plan.Warnings, w => w.Contains("would be cut", StringComparison.Ordinal));
            Assert.Null(_lab.TableOnHost());
        }
        finally
        {
            _lab.HostNft("delete", "table", "inet", "existing");
        }
    }

    [SkippableFact]
    public async Task Plan_Warns_WhenTheAllowListCutsManagement_AndWhenAQuarantineExists()
    {
        _lab.Require().Reset();
        var cut = await new HostQuarantineProvider().PlanAsync(Request(allow: "10.77.9.0/24"), CancellationToken.None);
        Assert.Contains(cut.Warnings, w => w.Contains($"management path would be cut: this connection comes from {HostLab.Management}", StringComparison.Ordinal));

        _lab.HostNft("add", "table", "inet", "deirf_quarantine");
        try
        {
            var exists = await new HostQuarantineProvider().PlanAsync(Request(), CancellationToken.None);
            Assert.Contains(exists.Warnings, w => w.Contains("Another quarantine is loaded already", StringComparison.Ordinal));
            var refused = await Assert.ThrowsAsync<ContainmentException>(() => new HostQuarantineProvider().CheckAsync(Request(), CancellationToken.None));
            Assert.Equal("HostQuarantineExists", refused.ErrorId);
            var apply = await Assert.ThrowsAsync<ContainmentException>(() => new HostQuarantineProvider().ApplyAsync(Request(), CancellationToken.None));
            Assert.Equal("HostQuarantineExists", apply.ErrorId);
        }
        finally
        {
            _lab.Reset();
        }
    }

    [SkippableFact]
    public async Task Quarantine_ProbeBlocked_ManagementWorks_RevertCancelled_UndoExact()
    {
        _lab.Require().Reset();
        Assert.True(_lab.CanConnect(_lab.ProberNs, HostLab.HostOnProbe, _lab.SshPort), "before: the prober reaches the host");
        Assert.True(_lab.CanConnect(_lab.HostNs, HostLab.Prober, _lab.ProbePort), "before: the host reaches the prober");
        var provider = new HostQuarantineProvider();
        var request = Request(confirm: "00:00:06");

        var result = await provider.ApplyAsync(request, CancellationToken.None);

        Assert.True(result.Verified, result.Message);
        Assert.NotNull(_lab.TableOnHost());
        Assert.False(_lab.CanConnect(_lab.ProberNs, HostLab.HostOnProbe, _lab.SshPort), "the outside prober must not reach the host's sshd");
        Assert.False(_lab.CanConnect(_lab.HostNs, HostLab.Prober, _lab.ProbePort), "the host must not reach the outside");
        Assert.True(_lab.CanConnect(_lab.HostNs, "127.0.0.1", _lab.SshPort), "loopback stays open");
        // Evidence came over the same session, before the load: ss shows this very connection.
        var evidence = result.Ran!["evidence"]!.AsArray();
        Assert.Equal(new[] { "ss-tanp", "processes" }, evidence.Select(e => e!["name"]!.GetValue<string>()));
        Assert.All(evidence, e => Assert.Equal(64, e!["sha256"]!.GetValue<string>().Length));

        // The revert was cancelled: past the window, the table is still there and management still works.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.NotNull(_lab.TableOnHost());
        var verify = await provider.VerifyAsync(request, result.UndoState, CancellationToken.None);
        Assert.True(verify.Verified, verify.Message);

        var undo = await provider.UndoAsync(request, result.UndoState, CancellationToken.None);

        Assert.True(undo.Verified, undo.Message);
        Assert.Null(_lab.TableOnHost());
        Assert.Equal(result.UndoState["loaded"]!.ToJsonString(), undo.Before["table"]!.ToJsonString());
        Assert.True(_lab.CanConnect(_lab.ProberNs, HostLab.HostOnProbe, _lab.SshPort), "after undo the prober reaches the host again");
        var again = await provider.VerifyAsync(request, result.UndoState, CancellationToken.None);
        Assert.False(again.Verified);
    }

    [SkippableFact]
    public async Task DeirfKilledAfterLoad_TheHostRevertsAlone()
    {
        _lab.Require().Reset();
        bool loadedWhenKilled = false;
        var provider = new HostQuarantineProvider
        {
            AfterLoadForTest = session =>
            {
                loadedWhenKilled = _lab.TableOnHost() is not null;
                session.Kill();
                throw new OperationCanceledException("DeIRF died here");
            },
        };

        await Assert.ThrowsAsync<OperationCanceledException>(() => provider.ApplyAsync(Request(confirm: "00:00:05"), CancellationToken.None));

        Assert.True(loadedWhenKilled, "the table was loaded when DeIRF died");
        Assert.NotNull(_lab.WaitForNoTable(TimeSpan.FromSeconds(5)));
        Assert.True(_lab.CanConnect(_lab.ProberNs, HostLab.HostOnProbe, _lab.SshPort));
    }

    [SkippableFact]
    public async Task DeirfHungAfterLoad_TheHostsTimerRevertsWithinConfirmWithin()
    {
        _lab.Require().Reset();
        TimeSpan? took = null;
        bool loaded = false;
        var provider = new HostQuarantineProvider
        {
            AfterLoadForTest = async session =>
            {
                // Frozen, not dead: DeIRF's connection stays open and says nothing, so only the host's own timer can
                // revert. Then DeIRF wakes up, long past the window.
                var pid = session.ProcessId.ToString(CultureInfo.InvariantCulture);
                loaded = _lab.TableOnHost() is not null;
                HostLab.Run("kill", "-STOP", pid);
                try
                {
                    took = await Task.Run(() => _lab.WaitForNoTable(TimeSpan.FromSeconds(9)));
                }
                finally
                {
                    HostLab.Run("kill", "-CONT", pid);
                }
            },
        };
        try
        {
            var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(Request(confirm: "00:00:05"), CancellationToken.None));

            Assert.True(loaded, "the table was loaded when DeIRF froze");
            Assert.NotNull(took);
            Assert.True(took < TimeSpan.FromSeconds(7), $"reverted after {took}");
            Assert.Equal("HostQuarantineReverted", ex.ErrorId);
            Assert.Contains("is not loaded", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            _lab.Reset();
        }
    }

    [SkippableFact]
    public async Task AllowListCutsManagement_VerificationFails_TheHostReverts()
    {
        _lab.Require().Reset();
        var sw = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            new HostQuarantineProvider().ApplyAsync(Request(allow: "10.77.9.0/24", confirm: "00:00:05", connectTimeout: "2"), CancellationToken.None));

        Assert.Equal("HostQuarantineReverted", ex.ErrorId);
        Assert.Contains("management path is cut", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(_lab.WaitForNoTable(TimeSpan.FromSeconds(8)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        // Management is back: a plan reads the host again.
        var plan = await new HostQuarantineProvider().PlanAsync(Request(), CancellationToken.None);
        Assert.NotEmpty(plan.Steps);
    }

    [SkippableFact]
    public async Task Undo_RefusesATableChangedSinceApply()
    {
        _lab.Require().Reset();
        var provider = new HostQuarantineProvider();
        var request = Request();
        var result = await provider.ApplyAsync(request, CancellationToken.None);
        Assert.True(result.Verified, result.Message);
        try
        {
            _lab.HostNft("add", "rule", "inet", "deirf_quarantine", "input", "tcp", "dport", "80", "accept");

            var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(request, result.UndoState, CancellationToken.None));

            Assert.Equal("HostQuarantineChanged", ex.ErrorId);
            Assert.NotNull(_lab.TableOnHost());
        }
        finally
        {
            _lab.Reset();
        }
    }

    [SkippableFact]
    public async Task HostKey_ChangedOrUnknown_IsRefusedBeforeAnythingIsSent()
    {
        _lab.Require().Reset();
        var other = Path.Combine(_lab.Dir, "other_ed25519");
        if (!File.Exists(other))
        {
            HostLab.Run(_lab.SshKeygen, "-q", "-t", "ed25519", "-N", "", "-f", other);
            DeIRF.Testing.TestArtifacts.RegisterKeyFile("ssh", other);
        }
        var otherFingerprint = _lab.Fingerprint(other + ".pub");

        var pinned = await Assert.ThrowsAsync<ContainmentException>(() => new HostQuarantineProvider().PlanAsync(Request(hostKey: otherFingerprint), CancellationToken.None));
        Assert.Equal("HostKeyChanged", pinned.ErrorId);

        var wrongFile = Path.Combine(_lab.Dir, "known_hosts_other");
        File.WriteAllText(wrongFile, $"[{HostLab.HostOnManagement}]:{_lab.SshPort} {File.ReadAllText(other + ".pub").Trim()}\n");
        var changed = await Assert.ThrowsAsync<ContainmentException>(() => new HostQuarantineProvider().ApplyAsync(Request(knownHosts: wrongFile), CancellationToken.None));
        Assert.Equal("HostKeyChanged", changed.ErrorId);

        var empty = Path.Combine(_lab.Dir, "known_hosts_empty");
        File.WriteAllText(empty, string.Empty);
        var unknown = await Assert.ThrowsAsync<ContainmentException>(() => new HostQuarantineProvider().ApplyAsync(Request(knownHosts: empty), CancellationToken.None));
        Assert.Equal("HostKeyUnknown", unknown.ErrorId);

        Assert.Null(_lab.TableOnHost());
        // The right known_hosts file works.
        var plan = await new HostQuarantineProvider().PlanAsync(Request(knownHosts: _lab.HostKnownHosts), CancellationToken.None);
        Assert.NotEmpty(plan.Steps);
    }
}
