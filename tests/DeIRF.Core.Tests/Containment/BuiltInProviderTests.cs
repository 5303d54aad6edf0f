using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Containment;

/// <summary>
/// The providers that live in the engine: identity.revoke (the roster itself; no external service) and script (a
/// runbook .ps1 run by the real pinned pwsh, with the contract in runbooks/scripts/block-ip.ps1).
/// </summary>
public sealed class BuiltInProviderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-prov-").FullName;
    private readonly Workspace _ws;
    private readonly JournalAppendOptions _unsigned = new() { Durable = false };

    public BuiltInProviderTests()
    {
        _ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
    }

    public void Dispose()
    {
        try
        {
            DeIRF.Testing.TestArtifacts.Delete(_dir);
        }
        catch (IOException)
        {
        }
    }

    private RosterProof Bind(Roster roster, string handle, ProofKind kind)
        => TestKeys.BindFile(roster, handle, kind, TestKeys.WriteNew(kind, Path.Combine(_dir, $"{handle}-{kind}.key")), _unsigned);

    private (Roster roster, RosterProof did, RosterProof eth) Dana()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("dana", "Dana", [ResponderRole.ContainmentLead], "dana", _unsigned);
        return (roster, Bind(roster, "dana", ProofKind.DidKey), Bind(roster, "dana", ProofKind.Ethereum));
    }

    private ContainmentRequest Revoke(string target) => new(IdentityRevokeProvider.ActionName, target,
        new Dictionary<string, string> { ["reason"] = "key pasted in a public gist" }, "INC-20261124-0001", _ws.Root)
    { Actor = "carol", AppendOptions = _unsigned };

    [Fact]
    public async Task IdentityRevoke_AllProofs_PlanApplyVerify_InOneRosterWrite()
    {
        var (_, did, eth) = Dana();
        var provider = ContainmentProviders.Find("identity.revoke");
        var plan = await provider.PlanAsync(Revoke("dana"), default);
        Assert.Equal(2, plan.Steps.Count);
        Assert.Contains(plan.Warnings, w => w.Contains("not eligible"));
        Assert.True((bool)plan.Before["eligible"]!);

        var rosterEntriesBefore = Roster.Load(_ws).EntryCount;
        var result = await provider.ApplyAsync(Revoke("dana"), default);
        Assert.True(result.Verified);
        Assert.False((bool)result.After["eligible"]!);
        var reloaded = Roster.Load(_ws);
        Assert.Equal(rosterEntriesBefore + 2, reloaded.EntryCount);
        Assert.All(reloaded.Get("dana").Proofs, p => Assert.True(p.IsRevoked));
        var revocations = reloaded.Journal.ReadEntries().Where(e => e.Kind == ProofRevoked.KindName).ToList();
        Assert.Equal(new[] { did.Fingerprint, eth.Fingerprint }.Order(StringComparer.Ordinal), revocations.Select(e => (string)e.Body["fingerprint"]!).Order(StringComparer.Ordinal));
        Assert.All(revocations, e => Assert.Equal("carol", e.Actor));
        Assert.All(revocations, e => Assert.Equal("key pasted in a public gist", e.Body["reason"]));
        Assert.True((await provider.VerifyAsync(Revoke("dana"), result.UndoState, default)).Verified);
    }

    [Fact]
    public async Task IdentityRevoke_OneProof_ByFingerprintWithSlashes()
    {
        var (_, did, eth) = Dana();
        var provider = ContainmentProviders.Find("identity.revoke");
        var result = await provider.ApplyAsync(Revoke("dana/" + eth.Fingerprint), default);
        Assert.True(result.Verified);
        var dana = Roster.Load(_ws).Get("dana");
        Assert.True(dana.FindProof(eth.Fingerprint)!.IsRevoked);
        Assert.False(dana.FindProof(did.Fingerprint)!.IsRevoked);
    }

    [Fact]
    public async Task IdentityRevoke_UndoIsRefused_UnknownTargetsNamed()
    {
        Dana();
        var provider = ContainmentProviders.Find("identity.revoke");
        var undo = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(Revoke("dana"), new JsonObject(), default));
        Assert.Equal("ContainmentUndoNotPossible", undo.ErrorId);
        var unknown = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Revoke("mallory"), default));
        Assert.Equal("IdentityUnknown", unknown.ErrorId);
        Assert.Equal("mallory", unknown.Target);
        var noProof = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Revoke("dana/did:key:z6Mknope"), default));
        Assert.Equal("IdentityProofUnknown", noProof.ErrorId);
    }

    [Fact]
    public void UnknownActionIsNamed_AndFamiliesNotLoadedUntilAsked()
    {
        var ex = Assert.Throws<ContainmentException>(() => ContainmentProviders.Find("mail.send"));
        Assert.Equal("ContainmentActionUnknown", ex.ErrorId);
        Assert.Contains("identity.revoke", ex.Message);
        // The families come from the extension catalog; none ships next to this test's engine, so none is listed
        // (the provider test projects check "k8s.*", "dns.*"... where their assembly is present).
        Assert.DoesNotContain(DeIRF.Extensions.ExtensionCatalog.Of(DeIRF.Extensions.ExtensionPoints.Containment), e => e.BuiltIn);
    }

    private static string BlockIpScript => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "runbooks", "scripts", "block-ip.ps1"));

    private ContainmentRequest Script(string target, string denyList, string? sha = null) => new(ScriptProvider.ActionName, target,
        new Dictionary<string, string> { ["path"] = BlockIpScript, ["sha256"] = sha ?? ScriptProvider.HashOf(BlockIpScript), ["denyList"] = denyList },
        "INC-20261124-0001", _ws.Root, new Dictionary<string, string> { ["token"] = "s3cr3t-t0ken-value" });

    [SkippableFact]
    public async Task Script_BlockIp_PlanApplyVerifyUndo_RemovesExactlyWhatItAdded()
    {
        ScriptProvider.PowerShell = ExternalTool.RequirePwsh();
        var denyList = Path.Combine(_dir, "deny.conf");
        File.WriteAllLines(denyList, ["deny 198.51.100.1;"]);
        var provider = ContainmentProviders.Find("script");

        // The plan is the script's declared section, filled in; the deny list is not read (nothing runs to plan).
        var plan = await provider.PlanAsync(Script("203.0.113.7", denyList), default);
        Assert.Equal([$"append 'deny 203.0.113.7;' to {denyList} (nothing if it is there already)"], plan.Steps);
        Assert.True((bool)plan.Expected["blocked"]!);
        Assert.Equal(denyList, (string)plan.Expected["denyList"]!);

        var applied = await provider.ApplyAsync(Script("203.0.113.7", denyList), default);
        Assert.True(applied.Verified);
        Assert.Equal(["deny 198.51.100.1;", "deny 203.0.113.7;"], File.ReadAllLines(denyList));
        Assert.True((await provider.VerifyAsync(Script("203.0.113.7", denyList), applied.UndoState, default)).Verified);

        var undone = await provider.UndoAsync(Script("203.0.113.7", denyList), applied.UndoState, default);
        Assert.True(undone.Verified);
        Assert.Equal(["deny 198.51.100.1;"], File.ReadAllLines(denyList));
    }

    [SkippableFact]
    public async Task Script_EditedAfterApproval_IsRefused_FailuresNamed_SecretsRedacted()
    {
        ScriptProvider.PowerShell = ExternalTool.RequirePwsh();
        var provider = ContainmentProviders.Find("script");
        var changed = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Script("203.0.113.7", "x", sha: new string('0', 64)), default));
        Assert.Equal("ScriptChanged", changed.ErrorId);

        var failed = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(Script("not-an-ip", Path.Combine(_dir, "d")), default));
        Assert.Equal("ScriptFailed", failed.ErrorId);
        Assert.Contains("not an IP address", failed.Message);

        // A script that prints the (declared) secret it was given: the message shows *** instead.
        var leaky = Path.Combine(_dir, "leaky.ps1");
        File.WriteAllText(leaky, "param($Operation, $Target, $ParametersJson, $UndoStateJson)\n[Console]::Error.WriteLine(\"token is $env:DEIRF_SECRET_TOKEN\"); exit 3\n");
        var request = new ContainmentRequest(ScriptProvider.ActionName, "x",
            new Dictionary<string, string> { ["path"] = leaky, ["sha256"] = ScriptProvider.HashOf(leaky), ["secrets"] = "token" }, null, _ws.Root,
            new Dictionary<string, string> { ["token"] = "s3cr3t-t0ken-value" });
        var leak = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(request, default));
        Assert.Contains("token is ***", leak.Message);
        Assert.DoesNotContain("s3cr3t-t0ken-value", leak.Message);
    }
}
