using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Dns.Tests;

/// <summary>The engine finds dns.reroute by name: the assembly is loaded on first use, next to the engine.</summary>
public sealed class ProviderLoadingTests
{
    [Fact]
    public void Find_LoadsTheDnsProviderFamily_Lazily()
    {
        var provider = ContainmentProviders.Find("dns.reroute");

        Assert.Equal("DeIRF.Providers.Dns.DnsProvider", provider.GetType().FullName);
        Assert.Equal("DeIRF.Providers.Dns", provider.GetType().Assembly.GetName().Name);
        Assert.Equal(new[] { "dns.reroute" }, provider.Actions);
        Assert.Same(provider, ContainmentProviders.Find("dns.reroute"));
        Assert.Contains("dns.reroute", ContainmentProviders.KnownActions);
    }

    [Fact]
    public void Find_UnknownDnsAction_SaysWhatTheFamilyServes()
    {
        var ex = Assert.Throws<ContainmentException>(() => ContainmentProviders.Find("dns.sinkhole"));

        Assert.Equal("ContainmentActionUnknown", ex.ErrorId);
        Assert.Contains("dns.reroute", ex.Message, StringComparison.Ordinal);
    }
}
