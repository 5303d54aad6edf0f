using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Testing;
using Xunit;

namespace DeIRF.Providers.Cdn.Tests;

/// <summary>
/// cdn.reroute against the Cloudflare v4 API FAKE (tests/shared/CloudflareFake.cs: real HTTP on loopback, the
/// published schema's shapes, every unexpected request recorded). Each test ends asserting the fake saw no problem
/// and that the token appears in no result, state or error text.
/// </summary>
public sealed class CloudflareRerouteTests : IDisposable
{
    private readonly string _token = "cf_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
    private readonly CloudflareFake _fake;
    private readonly string _zone = CloudflareFake.NewId();
    private readonly string _record = CloudflareFake.NewId();
    private readonly string _account = CloudflareFake.NewId();
    private readonly string _pool = CloudflareFake.NewId();
    private readonly List<string> _texts = new();

    public CloudflareRerouteTests()
    {
        TestArtifacts.RegisterSecret("cloudflare token", _token);
        _fake = new CloudflareFake(_token);
        _fake.AddRecord(_zone, _record, "shop.example.com", "A", "203.0.113.10", proxied: true);
        _fake.AddPool(_account, _pool, "eu-origins", enabled: true);
    }

    private ContainmentRequest Record(string origin = "198.51.100.99", string? token = null) => new(CloudflareRerouteProvider.RerouteAction, "shop.example.com",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["zoneId"] = _zone, ["recordId"] = _record, ["origin"] = origin, ["api"] = _fake.Api },
        secrets: new Dictionary<string, string> { [CloudflareRerouteProvider.TokenSecret] = token ?? _token });

    private ContainmentRequest Pool() => new(CloudflareRerouteProvider.RerouteAction, "eu-origins",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["accountId"] = _account, ["poolId"] = _pool, ["api"] = _fake.Api },
        secrets: new Dictionary<string, string> { [CloudflareRerouteProvider.TokenSecret] = _token });

    private void Keep(ContainmentPlan p) => _texts.AddRange([.. p.Steps, .. p.Warnings, p.Before.ToJsonString(), p.Expected.ToJsonString()]);

    private void Keep(ContainmentResult r) => _texts.AddRange([r.Message, r.Before.ToJsonString(), r.After.ToJsonString(), r.UndoState.ToJsonString()]);

    [Fact]
    public async Task Record_SwapsTheOrigin_ReadsBack_AndUndoRestoresIt()
    {
        var provider = new CloudflareRerouteProvider();
        var plan = await provider.PlanAsync(Record(), CancellationToken.None);
        Keep(plan);
        Assert.Equal("203.0.113.10", plan.Before["content"]!.GetValue<string>());
        Assert.Equal("203.0.113.10", _fake.Record(_zone, _record)!["content"]!.GetValue<string>());

        var applied = await provider.ApplyAsync(Record(), CancellationToken.None);
        Keep(applied);
        Assert.True(applied.Verified, applied.Message);
        Assert.Equal("198.51.100.99", _fake.Record(_zone, _record)!["content"]!.GetValue<string>());
        Assert.True(_fake.Record(_zone, _record)!["proxied"]!.GetValue<bool>());
        Assert.Equal("203.0.113.10", applied.UndoState["previous"]!["content"]!.GetValue<string>());
        Assert.True((await provider.VerifyAsync(Record(), applied.UndoState, CancellationToken.None)).Verified);

        var undone = await provider.UndoAsync(Record(), applied.UndoState, CancellationToken.None);
        Keep(undone);
        Assert.True(undone.Verified, undone.Message);
        Assert.Equal("203.0.113.10", _fake.Record(_zone, _record)!["content"]!.GetValue<string>());
        Assert.Equal(
            [$"GET /client/v4/zones/{_zone}/dns_records/{_record}", $"GET /client/v4/zones/{_zone}/dns_records/{_record}", $"PATCH /client/v4/zones/{_zone}/dns_records/{_record}",
             $"GET /client/v4/zones/{_zone}/dns_records/{_record}", $"GET /client/v4/zones/{_zone}/dns_records/{_record}", $"GET /client/v4/zones/{_zone}/dns_records/{_record}",
             $"PATCH /client/v4/zones/{_zone}/dns_records/{_record}", $"GET /client/v4/zones/{_zone}/dns_records/{_record}"], _fake.Requests);
    }

    [Fact]
    public async Task Pool_IsDisabled_AndUndoEnablesIt()
    {
        var provider = new CloudflareRerouteProvider();
        var applied = await provider.ApplyAsync(Pool(), CancellationToken.None);
        Keep(applied);
        Assert.True(applied.Verified, applied.Message);
        Assert.False(_fake.Pool(_account, _pool)!["enabled"]!.GetValue<bool>());
        Assert.Single(_fake.Pool(_account, _pool)!["origins"]!.AsArray());

        var undone = await provider.UndoAsync(Pool(), applied.UndoState, CancellationToken.None);
        Keep(undone);
        Assert.True(undone.Verified);
        Assert.True(_fake.Pool(_account, _pool)!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Undo_RefusesWhenSomeoneChangedTheRecordSince()
    {
        var provider = new CloudflareRerouteProvider();
        var applied = await provider.ApplyAsync(Record(), CancellationToken.None);
        _fake.SetRecordContent(_zone, _record, "192.0.2.77");

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(Record(), applied.UndoState, CancellationToken.None));

        _texts.Add(ex.Message);
        Assert.Equal("CdnChanged", ex.ErrorId);
        Assert.Equal("192.0.2.77", _fake.Record(_zone, _record)!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refusals_TargetMismatch_WrongToken_NoToken_AndBadParameters()
    {
        var provider = new CloudflareRerouteProvider();
        var other = new ContainmentRequest(CloudflareRerouteProvider.RerouteAction, "www.example.com", Record().Parameters, secrets: Record().Secrets);
        var mismatch = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(other, CancellationToken.None));
        Assert.Equal("CdnTargetMismatch", mismatch.ErrorId);
        Assert.Equal("203.0.113.10", _fake.Record(_zone, _record)!["content"]!.GetValue<string>());

        var noToken = new ContainmentRequest(CloudflareRerouteProvider.RerouteAction, "shop.example.com", Record().Parameters);
        Assert.Equal("CdnTokenMissing", (await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(noToken, CancellationToken.None))).ErrorId);

        foreach (var (name, value) in new[] { ("zoneId", "ZONE"), ("origin", "not an origin;"), ("api", "http://api.example.com/client/v4"), ("unknown", "x") })
        {
            var p = new Dictionary<string, string>(Record().Parameters) { [name] = value };
            var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(new ContainmentRequest(CloudflareRerouteProvider.RerouteAction, "shop.example.com", p, secrets: Record().Secrets), CancellationToken.None));
            Assert.True(ex.ErrorId is "CdnParameterInvalid" or "ContainmentParameterUnknown", ex.ErrorId);
        }
        Assert.Empty(_fake.Problems);

        // A wrong token: Cloudflare's 403 envelope, surfaced by its code, and the fake records the request as a problem.
        var wrong = "cf_wrong_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var denied = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Record(token: wrong), CancellationToken.None));
        Assert.Equal("CdnAuthenticationFailed", denied.ErrorId);
        Assert.Contains("10000 Authentication error", denied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, denied.Message, StringComparison.Ordinal);
        Assert.Single(_fake.Problems);
        _fake.Problems.Clear();
        _texts.Add(mismatch.Message);
    }

    [Fact]
    public void Find_LoadsTheCdnProviderFamily_FromTheCatalog()
    {
        var provider = ContainmentProviders.Find("cdn.reroute");
        Assert.Equal("DeIRF.Providers.Cdn.CloudflareRerouteProvider", provider.GetType().FullName);
    }

    public void Dispose()
    {
        _fake.Dispose();
        Assert.Empty(_fake.Problems);
        Assert.All(_texts, t => Assert.DoesNotContain(_token, t, StringComparison.Ordinal));
    }
}
