using System.Text.Json.Nodes;
using DeIRF.Core.Tests.Quorum;
using DeIRF.Evidence;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>
/// Issue "No one acts alone", attacks 2, 3, 4 and 6 inside one workspace: after the founders seal the roster, one
/// person (even one with valid keys) cannot admit puppets, bind keys to others, or change the shared settings; a
/// settings file nobody journaled is refused at load; deleting it rolls nothing back.
/// </summary>
public sealed class RosterGovernanceTests : IDisposable
{
    private readonly QuorumWorld _w;
    private readonly string _inc;

    public RosterGovernanceTests()
    {
        _w = QuorumWorld.Standard(out _inc);
        _w.Seal();
    }

    public void Dispose() => _w.Dispose();

    private JournalFile RosterJournal => _w.Roster.Journal;

    private JournalVerdict VerifyRoster() => RosterJournal.Verify(new JournalVerifyOptions
    {
        ExpectedIncident = Roster.JournalId,
        Signatures = new RosterSignatureChecker(_w.Roster, requireSignatures: true, rosterJournal: true),
    });

    [Fact]
    public void Seal_ByEveryFounder_LeavesAValidStrictRoster()
    {
        var roster = _w.Roster;
        Assert.True(roster.IsSealed);
        Assert.Equal(["alice", "bob", "carol", "dana"], roster.Founders);
        Assert.Empty(roster.Problems);
        var verdict = VerifyRoster();
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Empty(verdict.Warnings);
    }

    [Fact]
    public void AfterTheSeal_OneResponderAddingSomeone_IsRefused_AndNothingIsWritten()
    {
        var before = RosterJournal.ReadEntries().Count();
        var ex = Assert.Throws<QuorumException>(() => _w.Roster.AddResponder("m1", "Mallory One", [ResponderRole.ContainmentLead], "alice", _w.Options));
        Assert.Equal("RosterChangeNeedsQuorum", ex.ErrorId);
        Assert.Equal(before, RosterJournal.ReadEntries().Count());
        Assert.Null(_w.Roster.Find("m1"));
    }

    [Fact]
    public void PuppetsWrittenStraightIntoTheJournal_BySignedAlice_AreNoResponders_AndTheRosterFailsVerification()
    {
        // alice has valid keys and writes past every cmdlet: two puppets, each with keys she made.
        foreach (var m in new[] { "m1", "m2" })
        {
            RosterJournal.Append(new StatementDraft(ResponderAdded.KindName, "alice",
                new JsonObject { ["handle"] = m, ["name"] = m, ["roles"] = new JsonArray("ContainmentLead") }), _w.Options);
        }
        var roster = _w.Roster;
        Assert.Null(roster.Find("m1"));
        Assert.Null(roster.Find("m2"));
        Assert.Equal(2, roster.Problems.Count(p => p.ErrorId == "RosterChangeUnapproved"));
        var verdict = VerifyRoster();
        Assert.False(verdict.IsValid);
        Assert.Contains("RosterChangeUnapproved", verdict.Reason);

        // And a signature row by a puppet does not count in any incident.
        var p = _w.Propose(_inc);
        _w.RawRow(_inc, p.Id, "m1", ProofKind.DidKey, "did:key:z6Mk", "AAAA", p.SigningPayload());
        Assert.Contains(_w.Judge(p).Signatures, s => s.Responder == "m1" && s.Reason == SignatureReason.UnknownResponder);
    }

    [Fact]
    public void AdmissionByAQuorum_AddsTheResponder()
    {
        var p = _w.Propose(Roster.JournalId, Roster.AddResponderAction, "erin", new Dictionary<string, string> { ["name"] = "Erin", ["roles"] = "TriageLead" });
        _w.Sign(p, "bob");
        _w.Sign(p, "carol");
        var erin = _w.Roster.AddResponder("erin", "Erin", [ResponderRole.TriageLead], "alice", _w.Options, p.Id);
        Assert.Equal("erin", erin.Handle);
        Assert.Empty(_w.Roster.Problems);
        Assert.True(VerifyRoster().IsValid);
        // The same approvals never admit twice, and a different name is a different decision.
        var again = Assert.Throws<QuorumException>(() => _w.Roster.AddResponder("erin2", "Erin", [ResponderRole.TriageLead], "alice", _w.Options, p.Id));
        Assert.Equal("ProposalMismatch", again.ErrorId);
    }

    [Fact]
    public void AdmissionSignedByTheProposerAlone_IsNotMet()
    {
        var p = _w.Propose(Roster.JournalId, Roster.AddResponderAction, "m1", new Dictionary<string, string> { ["name"] = "M1", ["roles"] = "ContainmentLead" });
        Assert.Throws<QuorumException>(() => _w.Sign(p, "alice")); // the proposer's own signature does not count (no self-approval)
        _w.Sign(p, "bob");
        var ex = Assert.Throws<QuorumException>(() => _w.Roster.AddResponder("m1", "M1", [ResponderRole.ContainmentLead], "alice", _w.Options, p.Id));
        Assert.Equal("QuorumNotMet", ex.ErrorId);
        Assert.Null(_w.Roster.Find("m1"));
    }

    [Fact]
    public void KeyBoundToSomeoneElse_ByOneResponder_IsRefused_AndAnUnsignedSelfBindingToo()
    {
        // alice binds a key she made to bob: she could then sign as bob. Bob's binding signature is hers, too.
        using var material = new PrivateKeyMaterial(QuorumWorld.NewSeed());
        var signer = Signatures.SignerFor(ProofKind.DidKey);
        var key = Signatures.ParsePublicKey(ProofKind.DidKey, signer.PublicKeyOf(material));
        var binding = new ProofBinding(_w.Ws.WorkspaceId, "bob", ProofKind.DidKey, key.Fingerprint, _w.TheClock.Now).ToBytes();
        var before = RosterJournal.ReadEntries().Count();

        var byAlice = Assert.Throws<QuorumException>(() => _w.Roster.AddProof("bob", key, binding, signer.Sign(binding, material), "alice", _w.Options));
        Assert.Equal("RosterChangeNeedsQuorum", byAlice.ErrorId);
        // A pusher with no key claims bob added it himself, unsigned.
        var unsigned = Assert.Throws<QuorumException>(() => _w.Roster.AddProof("bob", key, binding, signer.Sign(binding, material), "bob", _w.Options with { Signers = [] }));
        Assert.Equal("RosterEntryUnsigned", unsigned.ErrorId);
        Assert.Equal(before, RosterJournal.ReadEntries().Count());
        Assert.Null(_w.Roster.Get("bob").FindProof(key.Fingerprint));
    }

    [Fact]
    public void PolicyDowngrade_ByAnUnsignedEntryAndACommittedFile_IsRefused()
    {
        var weak = new QuorumPolicy { Rules = [new QuorumRule { Action = "*", Require = QuorumGroup.Of(1) }] };
        var content = weak.ToJson();
        RosterJournal.Append(new StatementDraft(SettingsSet.KindName, "alice", new JsonObject
        {
            ["content"] = content.DeepClone(), ["file"] = QuorumPolicy.FileName, ["proposal"] = new string('0', 64), ["sha256"] = weak.Sha256,
        }), _w.Options with { Signers = [] });
        File.WriteAllBytes(QuorumPolicy.PathIn(_w.Ws), DeIRF.Canonical.CanonicalJson.Serialize(content));

        Assert.Contains(_w.Roster.Problems, p => p.ErrorId == "RosterEntryUnsigned");
        var ex = Assert.Throws<QuorumException>(() => QuorumPolicy.Load(_w.Ws));
        Assert.Equal("PolicyUnjournaled", ex.ErrorId);
        File.Delete(QuorumPolicy.PathIn(_w.Ws));
        Assert.Same(QuorumPolicy.Defaults, QuorumPolicy.Load(_w.Ws));
    }

    [Fact]
    public void PolicyByQuorum_StaysInForceWhenTheFileIsDeleted_AndAnOlderFilePutBackIsRefused()
    {
        var first = new QuorumPolicy { Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.Of(3) }] };
        _w.InstallPolicy(_inc, first);
        var firstBytes = File.ReadAllBytes(QuorumPolicy.PathIn(_w.Ws));
        _w.Tick(TimeSpan.FromMinutes(1));
        var second = new QuorumPolicy { Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.Of(4) }] };
        _w.InstallPolicy(_inc, second);
        Assert.Equal(4, QuorumPolicy.Load(_w.Ws).RuleFor("k8s.pod.quarantine").Require.Count);

        File.Delete(QuorumPolicy.PathIn(_w.Ws));
        Assert.Equal(4, QuorumPolicy.Load(_w.Ws).RuleFor("k8s.pod.quarantine").Require.Count); // no fallback to the defaults

        File.WriteAllBytes(QuorumPolicy.PathIn(_w.Ws), firstBytes); // rollback to the older, once-valid document
        Assert.Equal("PolicyUnjournaled", Assert.Throws<QuorumException>(() => QuorumPolicy.Load(_w.Ws)).ErrorId);
    }

    [Fact]
    public void EvidenceStoreRedirectedByAFileEdit_IsRefused_AndNoStoreOpens()
    {
        var evil = new EvidenceStoreSettings
        {
            Kind = EvidenceStoreKind.S3, Bucket = "attacker", Region = "eu-west-1", Endpoint = "http://127.0.0.1:9", ObjectLock = EvidenceLockMode.None,
        };
        File.WriteAllBytes(EvidenceStoreSettings.PathIn(_w.Ws), DeIRF.Canonical.CanonicalJson.Serialize(evil.ToJson()));
        var ex = Assert.Throws<EvidenceStoreException>(() => EvidenceStoreSettings.Load(_w.Ws));
        Assert.Equal("EvidenceStoreUnjournaled", ex.ErrorId);
        Assert.Equal("EvidenceStoreUnjournaled", Assert.Throws<EvidenceStoreException>(() => EvidenceStores.Open(_w.Ws)).ErrorId);

        // After the seal, one responder cannot set it either; a quorum can.
        File.Delete(EvidenceStoreSettings.PathIn(_w.Ws));
        var alone = Assert.Throws<QuorumException>(() => evil.Save(_w.Ws, "alice", _w.Options));
        Assert.Equal("RosterChangeNeedsQuorum", alone.ErrorId);
        var p = _w.Propose(Roster.JournalId, Roster.SettingsAction, EvidenceStoreSettings.FileName, new Dictionary<string, string> { ["sha256"] = evil.Sha256 });
        _w.Sign(p, "bob");
        _w.Sign(p, "carol");
        evil.Save(_w.Ws, "alice", _w.Options, p.Id);
        Assert.Equal("attacker", EvidenceStoreSettings.Load(_w.Ws).Bucket);
    }

    [Fact]
    public void SharedSettingsNamingAnAwsProfile_AreRefused_TheProfileIsReplicaLocal()
    {
        var withProfile = new JsonObject { ["bucket"] = "evidence", ["kind"] = "s3", ["objectLock"] = "none", ["partSize"] = 16777216, ["profile"] = "prod-admin", ["region"] = "eu-west-1", ["requireObjectLock"] = false, ["version"] = 1 };
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(DeIRF.Canonical.CanonicalJson.Serialize(withProfile))).ToLowerInvariant();
        var p = _w.Propose(Roster.JournalId, Roster.SettingsAction, EvidenceStoreSettings.FileName, new Dictionary<string, string> { ["sha256"] = sha });
        _w.Sign(p, "bob");
        _w.Sign(p, "carol");
        _w.Roster.SetSettings(EvidenceStoreSettings.FileName, withProfile, p.Id, "alice", _w.Options);
        var ex = Assert.Throws<EvidenceStoreException>(() => EvidenceStoreSettings.Load(_w.Ws));
        Assert.Equal("EvidenceStoreSettingsInvalid", ex.ErrorId);
    }

    [Fact]
    public void SelfGrantedIncidentRole_BySomeoneWhoMayNotGrant_GrantsNothing_AndARoleOutsideTheRosterNeverCounts()
    {
        // bob (ContainmentLead in the roster) neither opened the incident nor leads triage: his grant of TriageLead to
        // himself while dana leads triage changes nothing.
        _w.Append(_inc, new StatementDraft(RoleGranted.KindName, "bob", new JsonObject { ["responder"] = "bob", ["role"] = "TriageLead" }));
        var incident = _w.Ws.GetIncident(_inc);
        Assert.False(incident.HoldsRole("TriageLead", "bob"));
        Assert.Contains(incident.RefusedGrants, g => g.Reason.Contains("bob", StringComparison.Ordinal));

        // alice (the opener) grants bob TriageLead, which bob's roster roles do not include: the journal holds the
        // grant, but a signature by bob never counts as TriageLead.
        _w.Grant(_inc, "bob", ResponderRole.TriageLead);
        Assert.True(_w.Ws.GetIncident(_inc).HoldsRole("TriageLead", "bob"));
        var p = _w.Propose(_inc, "undo.k8s.pod.quarantine");
        _w.RawSign(p, "bob");
        var bobs = Assert.Single(_w.Judge(p).Signatures, s => s.Responder == "bob");
        Assert.DoesNotContain("TriageLead", bobs.Roles);
    }
}
