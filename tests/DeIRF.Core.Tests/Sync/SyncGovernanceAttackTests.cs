using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Evidence;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Sync;
using DeIRF.Workspaces;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Sync;

/// <summary>
/// Issue "No one acts alone", attacks 2, 3, 4 and 6 through the shared remote, with real git: a pusher with no team
/// key downgrades the quorum or redirects evidence; an outsider or one signed responder adds puppets; the remote
/// deletes or rolls back a setting. Each is refused with its own error id and the victim's journals and settings stay.
/// </summary>
public sealed class SyncGovernanceAttackTests
{
    private static readonly string[] Team = ["alice", "bob", "carol"];
    private readonly ITestOutputHelper _output;

    public SyncGovernanceAttackTests(ITestOutputHelper output) => _output = output;

    private static readonly JournalAppendOptions Unsigned = new() { Durable = false };

    private static QuorumPolicy OneSignatureDoes => new() { Rules = [new QuorumRule { Action = "*", Require = QuorumGroup.Of(1) }] };

    /// <summary>What an attacker with push access appends to the remote's roster journal (their own working copy).</summary>
    private static void AppendToRemoteRoster(string mallory, StatementDraft draft, JournalAppendOptions options)
    {
        var journal = new JournalFile(Path.Combine(mallory, Roster.FileName));
        journal.Append(draft, options);
        File.Delete(journal.Path + ".head");
    }

    private SyncRefusal Refused(SyncTeam team, Workspace victim, string actor, string errorId)
    {
        var rosterBefore = File.ReadAllBytes(Roster.PathIn(victim));
        var ex = Assert.Throws<SyncRefusedException>(() => team.Sync(victim, actor));
        foreach (var r in ex.Refusals)
        {
            _output.WriteLine(r.ToString());
        }
        Assert.Equal(rosterBefore, File.ReadAllBytes(Roster.PathIn(victim)));
        return Assert.Single(ex.Refusals, r => r.ErrorId == errorId);
    }

    [SkippableFact]
    public void PolicyDowngrade_UnsignedSettingsEntryInAlicesName_AndTheCommittedFile_IsRefused()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        var weak = OneSignatureDoes;
        AppendToRemoteRoster(mallory, new StatementDraft(SettingsSet.KindName, "alice", new JsonObject
        {
            ["content"] = weak.ToJson(), ["file"] = QuorumPolicy.FileName, ["proposal"] = new string('e', 64), ["sha256"] = weak.Sha256,
        }), Unsigned);
        File.WriteAllBytes(Path.Combine(mallory, QuorumPolicy.FileName), CanonicalJson.Serialize(weak.ToJson()));
        SyncTeam.Push(mallory, "one signature is enough");

        var refusal = Refused(team, bob, "bob", "SyncEntryUnsigned");
        Assert.Equal(Roster.JournalId, refusal.Journal);
        Assert.False(File.Exists(QuorumPolicy.PathIn(bob)));
        Assert.Same(QuorumPolicy.Defaults, QuorumPolicy.Load(bob));
    }

    [SkippableFact]
    public void PolicyFileCommittedWithNoJournalEntry_IsRefused_AndNotWritten()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        File.WriteAllBytes(Path.Combine(mallory, QuorumPolicy.FileName), CanonicalJson.Serialize(OneSignatureDoes.ToJson()));
        SyncTeam.Push(mallory, "policy file only");

        Refused(team, bob, "bob", "SyncSettingsUnjournaled");
        Assert.False(File.Exists(QuorumPolicy.PathIn(bob)));
    }

    [SkippableFact]
    public void EvidenceStoreRedirectedByARemoteCommit_IsRefused_AndTheVictimStillStoresLocally()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        var evil = new EvidenceStoreSettings { Kind = EvidenceStoreKind.S3, Bucket = "collect", Region = "eu-west-1", Endpoint = "http://127.0.0.1:9" };
        File.WriteAllBytes(Path.Combine(mallory, EvidenceStoreSettings.FileName), CanonicalJson.Serialize(evil.ToJson()));
        SyncTeam.Push(mallory, "evidence goes to us now");

        var refusal = Refused(team, bob, "bob", "SyncSettingsUnjournaled");
        Assert.Equal(EvidenceStoreSettings.FileName, refusal.Journal);
        Assert.Equal(EvidenceStoreKind.Local, EvidenceStoreSettings.Load(bob).Kind);
        Assert.IsType<LocalEvidenceStore>(EvidenceStores.Open(bob));
    }

    [SkippableFact]
    public void PuppetsAddedBySomeoneNotOnTheRoster_AreRefused_ActorUnknown()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        AppendToRemoteRoster(mallory, new StatementDraft(ResponderAdded.KindName, "mallory",
            new JsonObject { ["handle"] = "m1", ["name"] = "M1", ["roles"] = new JsonArray("ContainmentLead") }), Unsigned);
        SyncTeam.Push(mallory, "m1");

        Refused(team, bob, "bob", "SyncEntryActorUnknown");
        Assert.Null(Roster.Load(bob).Find("m1"));
    }

    [SkippableFact]
    public void PuppetsAddedBySignedAliceAlone_AfterTheSeal_AreRefused_ChangeUnapproved()
    {
        using var team = new SyncTeam("file", Team);
        team.SealAndPush();
        var bob = team.Clone("bob");
        Assert.True(Roster.Load(bob).IsSealed);
        var mallory = team.PlainClone("alice-alone");
        foreach (var m in new[] { "m1", "m2" })
        {
            AppendToRemoteRoster(mallory, new StatementDraft(ResponderAdded.KindName, "alice",
                new JsonObject { ["handle"] = m, ["name"] = m, ["roles"] = new JsonArray("ContainmentLead") }), team.SignedBy("alice"));
        }
        SyncTeam.Push(mallory, "two more hands");

        var refusal = Refused(team, bob, "bob", "SyncRosterChangeUnapproved");
        Assert.Contains("roster.responder.add", refusal.Reason);
        Assert.Null(Roster.Load(bob).Find("m1"));
    }

    [SkippableFact]
    public void RemoteDeletingThePolicy_ChangesNothing_AndPuttingBackAnOlderOne_IsRefused()
    {
        using var team = new SyncTeam("file", Team);
        var alice = team.Replicas[0];
        var v1 = new QuorumPolicy { Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.Of(3) }] };
        var v2 = new QuorumPolicy { Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.Of(3), TtlMinutes = 30 }] };
        // Founding: alice sets the policy twice (each signed, journaled in the roster).
        Roster.Load(alice).SetSettings(QuorumPolicy.FileName, v1.ToJson(), null, "alice", team.SignedBy("alice"));
        var v1Bytes = File.ReadAllBytes(QuorumPolicy.PathIn(alice));
        Roster.Load(alice).SetSettings(QuorumPolicy.FileName, v2.ToJson(), null, "alice", team.SignedBy("alice"));
        team.Sync(alice, "alice");
        var bob = team.Clone("bob");
        Assert.Equal(30, QuorumPolicy.Load(bob).RuleFor("k8s.pod.quarantine").TtlMinutes);

        var mallory = team.PlainClone("mallory");
        File.Delete(Path.Combine(mallory, QuorumPolicy.FileName));
        SyncTeam.Push(mallory, "no policy, defaults for everyone");
        team.Sync(bob, "bob");
        Assert.False(File.Exists(QuorumPolicy.PathIn(bob)));
        Assert.Equal(30, QuorumPolicy.Load(bob).RuleFor("k8s.pod.quarantine").TtlMinutes); // the journal decides, not the file

        File.WriteAllBytes(Path.Combine(mallory, QuorumPolicy.FileName), v1Bytes);
        SyncTeam.Push(mallory, "the older policy back");
        Refused(team, bob, "bob", "SyncSettingsUnjournaled");
        Assert.Equal(30, QuorumPolicy.Load(bob).RuleFor("k8s.pod.quarantine").TtlMinutes);
    }
}
