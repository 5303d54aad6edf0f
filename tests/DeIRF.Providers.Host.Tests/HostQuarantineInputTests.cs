using DeIRF.Containment;
using DeIRF.Core.Tests;
using Xunit;

namespace DeIRF.Providers.Host.Tests;

/// <summary>What is refused before any connection, the helper's own checks (run with the real sh), and loading.</summary>
public sealed class HostQuarantineInputTests
{
    private static ContainmentRequest Request(params (string Key, string Value)[] parameters)
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal) { ["ssh"] = "ops@10.0.4.13", ["allow"] = "10.0.9.0/24" };
        foreach (var (k, v) in parameters)
        {
            p[k] = v;
        }
        return new ContainmentRequest(HostQuarantineProvider.QuarantineAction, "web-3.prod", p);
    }

    [Fact]
    public void Find_LoadsTheHostProviderFamily_FromTheCatalog()
    {
        var provider = ContainmentProviders.Find("host.quarantine");

        Assert.Equal("DeIRF.Providers.Host.HostQuarantineProvider", provider.GetType().FullName);
        Assert.IsAssignableFrom<IContainmentPrecheck>(provider);
        Assert.Contains("host.quarantine", ContainmentProviders.KnownActions);
        Assert.Equal("ContainmentActionUnknown", Assert.Throws<ContainmentException>(() => ContainmentProviders.Find("host.reboot")).ErrorId);
    }

    [Theory]
    [InlineData("ssh", "ops@10.0.4.13;reboot")]
    [InlineData("ssh", "-oProxyCommand=x@host")]
    [InlineData("ssh", "ops@host:99999")]
    [InlineData("allow", "0.0.0.0/0")]
    [InlineData("allow", "10.0.9.0/24;rm")]
    [InlineData("allow", "")]
    [InlineData("confirmWithin", "00:00:01")]
    [InlineData("confirmWithin", "02:00:00")]
    [InlineData("hostKey", "SHA256:short")]
    [InlineData("probe", "10.0.9.5:80")]
    [InlineData("probe", "$(id):80")]
    [InlineData("helper", "/tmp/other-script")]
    [InlineData("sshCommand", "nc -e sh")]
    public void Parse_RefusesUnsafeOrMeaninglessParameters(string name, string value)
    {
        var ex = Assert.ThrowsAny<ContainmentException>(() => QuarantineSpec.Parse(Request((name, value))));
        Assert.True(ex.ErrorId is "HostQuarantineParameterInvalid" or "ContainmentParameterMissing" or "ContainmentParameterUnknown", ex.ErrorId);
    }

    [Fact]
    public void Parse_ReadsIPv6AndPortsAndSingleAddresses()
    {
        var spec = QuarantineSpec.Parse(Request(("ssh", "root@[fd00::13]:2222"), ("allow", "10.0.9.0/24, 192.0.2.7 fd00:9::/64"), ("confirmWithin", "00:00:30")));

        Assert.Equal("fd00::13", spec.Host);
        Assert.Equal(2222, spec.Port);
        Assert.Equal("10.0.9.0/24,192.0.2.7/32,fd00:9::/64", spec.AllowText);
        Assert.True(spec.Allows(System.Net.IPAddress.Parse("::ffff:10.0.9.44")));
        Assert.False(spec.Allows(System.Net.IPAddress.Parse("10.0.10.1")));
        Assert.Equal(TimeSpan.FromSeconds(30), spec.ConfirmWithin);
    }

    [Fact]
    public void PriorityBefore_IsBeforeEveryExistingHookChain()
    {
        var ruleset = System.Text.Json.Nodes.JsonNode.Parse("""
            {"nftables":[{"metainfo":{}},{"chain":{"family":"inet","table":"fw","name":"in","hook":"input","prio":-350}},
             {"chain":{"family":"ip","table":"nat","name":"pre","hook":"prerouting","prio":-100}},
             {"chain":{"family":"netdev","table":"x","name":"ing","hook":"ingress","prio":-900}}]}
            """);
        Assert.Equal(-360, HostQuarantineProvider.PriorityBefore(ruleset));
        Assert.Equal(HostQuarantineProvider.DefaultPriority, HostQuarantineProvider.PriorityBefore(null));
    }

    [SkippableFact]
    public void Helper_OnAHostWithoutNft_SaysSo_AndApplyRefuses()
    {
        var unshare = ExternalTool.Require("unshare");
        Skip.If(Environment.UserName != "root" && !ExternalTool.UnderCi, "hiding nft needs a mount namespace (root)");
        var dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-helper-");
        try
        {
            var script = Path.Combine(dir, "deirf-quarantine");
            File.WriteAllText(script, HostQuarantineProvider.HelperScript);
            // nft hidden: /dev/null (not executable) mounted over it, in a mount namespace of this command only.
            string Hidden(string args) => $"for n in /usr/sbin/nft /sbin/nft /usr/bin/nft; do [ -e $n ] && mount --bind /dev/null $n; done; sh {script} {args}";
            var inspect = ExternalTool.Run(unshare, ["-m", "sh", "-c", Hidden("inspect --allow 10.0.9.0/24")]);
            Assert.Contains("DEIRF nft none", inspect.Stdout, StringComparison.Ordinal);

            var apply = ExternalTool.Run(unshare, ["-m", "sh", "-c", Hidden("apply --allow 10.0.9.0/24")]);
            Assert.Equal(20, apply.ExitCode);
            var ex = Assert.Throws<ContainmentException>(() => HelperReply.ThrowIfError(apply.Stdout.Split('\n'), "lab", "web-3"));
            Assert.Equal("HostNftMissing", ex.ErrorId);
        }
        finally
        {
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
    }

    [SkippableFact]
    public void Helper_RefusesValuesOutsideTheirCharacterClass()
    {
        // Skips outside CI when there is no sh (and says so); fails under CI=true.
        var sh = ExternalTool.Require("sh");
        var dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-helper-");
        try
        {
            var script = Path.Combine(dir, "deirf-quarantine");
            File.WriteAllText(script, HostQuarantineProvider.HelperScript);
            foreach (var args in new[] { new[] { "render", "--allow", "10.0.0.0/8;id" }, ["render", "--port", "22 x"], ["undo", "--expect", "ABC$"], ["reboot"] })
            {
                var r = ExternalTool.Run(sh!, [script, .. args]);
                Assert.Equal(2, r.ExitCode);
                Assert.StartsWith("DEIRF error", r.Stdout, StringComparison.Ordinal);
            }
            // Forced (a certificate's force-command): the client's words must name the certificate's proposal.
            var forced = ExternalTool.Run(sh!, [script, "--forced", "--proposal", "aa11", "--action", "apply"], environment: new Dictionary<string, string>
            {
                ["SSH_ORIGINAL_COMMAND"] = "/usr/local/lib/deirf/deirf-quarantine render --proposal bb22 --allow 10.0.0.0/8",
            });
            Assert.Equal(13, forced.ExitCode);
            Assert.Contains("certificate-mismatch proposal", forced.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
    }
}
