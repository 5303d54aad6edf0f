using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Dns.Tests;

/// <summary>dns.reroute against a real BIND 9 named (RFC 2136 + TSIG), read back with the provider and with real dig.</summary>
public sealed class DnsRerouteTests : IClassFixture<BindFixture>
{
    private readonly BindFixture _bind;
    private readonly DnsProvider _provider = new();

    public DnsRerouteTests(BindFixture bind) => _bind = bind;

    private static CancellationToken Ct => CancellationToken.None;

    private static List<string> Records(JsonObject state)
        => state["records"]!.AsArray().Select(r => $"{r!["ttl"]} {r["type"]} {r["data"]}").ToList();

    [SkippableFact]
    public async Task Plan_ShowsTheBeforeState_StepsAndChangesNothing()
    {
        var plan = await _provider.PlanAsync(_bind.Request("plan.example.test.", "198.51.100.1"), Ct);

        Assert.Equal("plan.example.test.", plan.Target);
        Assert.Equal(new[] { "300 A 192.0.2.10", "300 A 192.0.2.11", "600 AAAA 2001:db8::10" }, Records(plan.Before));
        Assert.Equal(new[] { "60 A 198.51.100.1" }, Records(plan.Expected));
        Assert.Equal(_bind.Server.Server, plan.Before["server"]!.GetValue<string>());
        Assert.Contains(plan.Steps, s => s.StartsWith("delete RRset plan.example.test. A (300 A 192.0.2.10, 300 A 192.0.2.11)", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.StartsWith("delete RRset plan.example.test. AAAA", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s == "add plan.example.test. 60 A 198.51.100.1");
        Assert.Contains(plan.Warnings, w => w.Contains("AAAA records go too", StringComparison.Ordinal));
        // A plan is a read: the server still has the seed records.
        Assert.Equal(new[] { "300 A 192.0.2.10", "300 A 192.0.2.11" }, _bind.DigAnswer("plan.example.test.", "A"));
        Assert.Equal(new[] { "600 AAAA 2001:db8::10" }, _bind.DigAnswer("plan.example.test.", "AAAA"));
    }

    [SkippableFact]
    public async Task Apply_ReroutesInOneUpdate_AndVerifyReadsItBack_AsDigSeesIt()
    {
        var request = _bind.Request("apply.example.test.", "198.51.100.2");
        await _provider.PlanAsync(request, Ct);

        var result = await _provider.ApplyAsync(request, Ct);

        Assert.True(result.Verified, result.Message);
        Assert.Equal(new[] { "300 A 192.0.2.20", "300 AAAA 2001:db8::20" }, Records(result.Before));
        Assert.Equal(new[] { "60 A 198.51.100.2" }, Records(result.After));
        Assert.Equal(new[] { "60 A 198.51.100.2" }, _bind.DigAnswer("apply.example.test.", "A"));
        Assert.Empty(_bind.DigAnswer("apply.example.test.", "AAAA"));

        var verify = await _provider.VerifyAsync(request, result.UndoState, Ct);
        Assert.True(verify.Verified, verify.Message);
        Assert.Equal(new[] { "60 A 198.51.100.2" }, Records(verify.After));
    }

    [SkippableFact]
    public async Task Undo_RestoresThePreviousRecordsExactly_TtlsIncluded()
    {
        var request = _bind.Request("undo.example.test.", "198.51.100.3");
        var applied = await _provider.ApplyAsync(request, Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.Equal(new[] { "120 A 192.0.2.30", "120 A 192.0.2.31", "600 AAAA 2001:db8::30" },
            applied.UndoState["previous"]!.AsArray().Select(r => $"{r!["ttl"]} {r["type"]} {r["data"]}"));

        var undone = await _provider.UndoAsync(request, applied.UndoState, Ct);

        Assert.True(undone.Verified, undone.Message);
        Assert.Equal(new[] { "120 A 192.0.2.30", "120 A 192.0.2.31" }, _bind.DigAnswer("undo.example.test.", "A"));
        Assert.Equal(new[] { "600 AAAA 2001:db8::30" }, _bind.DigAnswer("undo.example.test.", "AAAA"));
        Assert.Empty(_bind.DigAnswer("undo.example.test.", "CNAME"));
        // Verify of the reroute now says it is no longer in place.
        var verify = await _provider.VerifyAsync(request, applied.UndoState, Ct);
        Assert.False(verify.Verified);
    }

    [SkippableFact]
    public async Task UndoTwice_SecondIsANoOp_ThatSaysSo()
    {
        var request = _bind.Request("twice.example.test.", "198.51.100.4");
        var applied = await _provider.ApplyAsync(request, Ct);
        await _provider.UndoAsync(request, applied.UndoState, Ct);

        var again = await _provider.UndoAsync(request, applied.UndoState, Ct);

        Assert.True(again.Verified);
        Assert.Contains("nothing changed", again.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "300 A 192.0.2.62" }, _bind.DigAnswer("twice.example.test.", "A"));
    }

    [SkippableFact]
    public async Task CnameSafeTarget_ReplacesTheAddressRecords_AndUndoPutsThemBack()
    {
        var request = _bind.Request("tocname.example.test.", "sinkhole.example.test");
        var plan = await _provider.PlanAsync(request, Ct);
        Assert.Equal(new[] { "60 CNAME sinkhole.example.test." }, Records(plan.Expected));

        var applied = await _provider.ApplyAsync(request, Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.Equal(new[] { "60 CNAME sinkhole.example.test." }, _bind.DigAnswer("tocname.example.test.", "CNAME"));
        Assert.Empty(_bind.DigAnswer("tocname.example.test.", "A"));

        var undone = await _provider.UndoAsync(request, applied.UndoState, Ct);
        Assert.True(undone.Verified, undone.Message);
        Assert.Equal(new[] { "300 A 192.0.2.40" }, _bind.DigAnswer("tocname.example.test.", "A"));
        Assert.Empty(_bind.DigAnswer("tocname.example.test.", "CNAME"));
    }

    [SkippableFact]
    public async Task NameThatIsACname_IsReroutedToAnAddress_AndRestored()
    {
        var request = _bind.Request("www.example.test.", "198.51.100.5");
        var plan = await _provider.PlanAsync(request, Ct);
        Assert.Equal(new[] { "300 CNAME origin.example.net." }, Records(plan.Before));

        var applied = await _provider.ApplyAsync(request, Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.Equal(new[] { "60 A 198.51.100.5" }, _bind.DigAnswer("www.example.test.", "A"));
        Assert.Empty(_bind.DigAnswer("www.example.test.", "CNAME"));

        await _provider.UndoAsync(request, applied.UndoState, Ct);
        Assert.Equal(new[] { "300 CNAME origin.example.net." }, _bind.DigAnswer("www.example.test.", "CNAME"));
    }

    [SkippableFact]
    public async Task Ipv6SafeTarget_DefaultsToAaaa()
    {
        var request = _bind.Request("v6.example.test.", "2001:db8:ffff::1");
        var applied = await _provider.ApplyAsync(request, Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.Equal(new[] { "60 AAAA 2001:db8:ffff::1" }, _bind.DigAnswer("v6.example.test.", "AAAA"));
        await _provider.UndoAsync(request, applied.UndoState, Ct);
        Assert.Equal(new[] { "300 AAAA 2001:db8::50" }, _bind.DigAnswer("v6.example.test.", "AAAA"));
    }

    [SkippableFact]
    public async Task NameWithNoRecords_IsCreated_AndUndoDeletesItAgain()
    {
        var request = _bind.Request("fresh.example.test.", "198.51.100.6");
        var plan = await _provider.PlanAsync(request, Ct);
        Assert.Empty(Records(plan.Before));

        var applied = await _provider.ApplyAsync(request, Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.Equal(new[] { "60 A 198.51.100.6" }, _bind.DigAnswer("fresh.example.test.", "A"));

        var undone = await _provider.UndoAsync(request, applied.UndoState, Ct);
        Assert.True(undone.Verified, undone.Message);
        Assert.Empty(_bind.DigAnswer("fresh.example.test.", "A"));
    }

    [SkippableFact]
    public async Task WrongTsigSecret_IsDnsTsigRejected_AndChangesNothing()
    {
        var wrong = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var request = _bind.Request("badsecret.example.test.", "198.51.100.7", secret: wrong);

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(request, Ct));

        Assert.Equal("DnsTsigRejected", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, ex.Kind);
        Assert.Equal("badsecret.example.test.", ex.Target);
        Assert.Equal(new[] { "300 A 192.0.2.50" }, _bind.DigAnswer("badsecret.example.test.", "A"));
    }

    [SkippableFact]
    public async Task UnknownTsigKeyName_IsDnsTsigRejected()
    {
        var request = _bind.Request("badkey.example.test.", "198.51.100.8", extra: new Dictionary<string, string> { ["tsigKeyName"] = "nobody-key" });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(request, Ct));

        Assert.Equal("DnsTsigRejected", ex.ErrorId);
        Assert.Equal(new[] { "300 A 192.0.2.51" }, _bind.DigAnswer("badkey.example.test.", "A"));
    }

    [SkippableFact]
    public async Task ZoneThatAllowsNoUpdates_IsDnsUpdateRefused()
    {
        var request = _bind.Request("www.frozen.test.", "198.51.100.9", extra: new Dictionary<string, string> { ["zone"] = BindFixture.FrozenZone });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(request, Ct));

        Assert.Equal("DnsUpdateRefused", ex.ErrorId);
        Assert.Equal("www.frozen.test.", ex.Target);
        Assert.Equal(new[] { "300 A 192.0.2.200" }, _bind.DigAnswer("www.frozen.test.", "A"));
    }

    [SkippableFact]
    public async Task ConcurrentChange_BetweenPlanAndApply_IsDnsPrerequisiteFailed_AndNotClobbered()
    {
        var request = _bind.Request("race.example.test.", "198.51.100.10");
        var plan = await _provider.PlanAsync(request, Ct);
        Assert.Equal(new[] { "300 A 192.0.2.60" }, Records(plan.Before));

        // Another operator moves the name with real nsupdate after the plan was approved.
        _bind.NsUpdateRun("update delete race.example.test. A", "update add race.example.test. 300 A 203.0.113.60");

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(request, Ct));

        Assert.Equal("DnsPrerequisiteFailed", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.ResourceBusy, ex.Kind);
        Assert.Equal("race.example.test.", ex.Target);
        Assert.Contains("203.0.113.60", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "300 A 203.0.113.60" }, _bind.DigAnswer("race.example.test.", "A"));
    }

    [SkippableFact]
    public async Task ApplyWithAnExplicitPlanBefore_PinsThatState()
    {
        var request = _bind.Request("loaded.example.test.", "198.51.100.11");
        var plan = await _provider.PlanAsync(request, Ct);
        _bind.NsUpdateRun("update add loaded.example.test. 300 A 203.0.113.64");

        // A fresh provider (another process) given the journaled plan's Before still refuses.
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => new DnsProvider().ApplyAsync(request, plan.Before, Ct));

        Assert.Equal("DnsPrerequisiteFailed", ex.ErrorId);
        Assert.Equal(new[] { "300 A 192.0.2.64", "300 A 203.0.113.64" }, _bind.DigAnswer("loaded.example.test.", "A"));
    }

    [SkippableFact]
    public async Task ConcurrentChange_BeforeUndo_IsDnsPrerequisiteFailed_AndNotClobbered()
    {
        var request = _bind.Request("undorace.example.test.", "198.51.100.12");
        var applied = await _provider.ApplyAsync(request, Ct);
        Assert.True(applied.Verified, applied.Message);
        _bind.NsUpdateRun("update delete undorace.example.test. A", "update add undorace.example.test. 300 A 203.0.113.61");

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => _provider.UndoAsync(request, applied.UndoState, Ct));

        Assert.Equal("DnsPrerequisiteFailed", ex.ErrorId);
        Assert.Equal(new[] { "300 A 203.0.113.61" }, _bind.DigAnswer("undorace.example.test.", "A"));
    }

    [SkippableFact]
    public async Task Secret_NeverAppearsInMessagesOrState()
    {
        var secret = _bind.Server.SecretBase64;
        var hex = Convert.ToHexString(Convert.FromBase64String(secret));
        var texts = new List<string>();

        var request = _bind.Request("secret.example.test.", "198.51.100.13");
        var plan = await _provider.PlanAsync(request, Ct);
        texts.Add(plan.Before.ToJsonString());
        texts.Add(plan.Expected.ToJsonString());
        texts.AddRange(plan.Steps);
        texts.AddRange(plan.Warnings);
        var applied = await _provider.ApplyAsync(request, Ct);
        texts.AddRange(new[] { applied.Before.ToJsonString(), applied.After.ToJsonString(), applied.UndoState.ToJsonString(), applied.Message });
        var undone = await _provider.UndoAsync(request, applied.UndoState, Ct);
        texts.AddRange(new[] { undone.UndoState.ToJsonString(), undone.Message });

        // Failures: a concurrent change, a refused zone and a rejected key, each with the real secret in hand.
        _bind.NsUpdateRun("update add secret.example.test. 300 A 203.0.113.63");
        texts.Add((await Assert.ThrowsAsync<ContainmentException>(() => _provider.UndoAsync(request, applied.UndoState, Ct))).ToString());
        texts.Add((await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(
            _bind.Request("www.frozen.test.", "198.51.100.13", extra: new Dictionary<string, string> { ["zone"] = BindFixture.FrozenZone }), Ct))).ToString());
        texts.Add((await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(
            _bind.Request("secret.example.test.", "198.51.100.13", extra: new Dictionary<string, string> { ["tsigKeyName"] = "other-key" }), Ct))).ToString());
        var bad = secret[..^4] + "!!!=";
        texts.Add((await Assert.ThrowsAsync<ContainmentException>(() => _provider.ApplyAsync(
            _bind.Request("secret.example.test.", "198.51.100.13", secret: bad), Ct))).ToString());

        Assert.Equal(12 + plan.Steps.Count + plan.Warnings.Count, texts.Count);
        foreach (var text in texts)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[..12], text, StringComparison.Ordinal);
            Assert.DoesNotContain(hex, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("!!!=", text, StringComparison.Ordinal);
        }
    }
}
