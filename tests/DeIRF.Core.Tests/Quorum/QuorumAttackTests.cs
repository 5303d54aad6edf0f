using System.Numerics;
using System.Text;
using DeIRF.Core.Tests.Identity;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Quorum;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace DeIRF.Core.Tests.Quorum;

/// <summary>
/// The approval attacks of SPEC "Lessons from the anchors" (and issue 6), each named and each refused with its own
/// reason. Keys are generated at test time; SSH and OpenPGP signatures come from the real ssh-keygen and gpg.
/// Signatures written with <see cref="QuorumWorld.RawRow"/> bypass the gate, so the verdict alone must refuse them.
/// </summary>
public sealed class QuorumAttackTests : IDisposable
{
    private readonly QuorumWorld _w;
    private readonly string _inc;

    public QuorumAttackTests()
    {
        _w = QuorumWorld.Standard(out _inc);
    }

    public void Dispose() => _w.Dispose();

    private static QuorumSignatureStatus Last(QuorumVerdict v) => v.Signatures[^1];

    private static void AssertRefused(QuorumVerdict v, SignatureReason reason, string? detailContains = null)
    {
        var s = Last(v);
        Assert.False(s.IsCounted, $"expected {reason}, got {s}");
        Assert.Equal(reason, s.Reason);
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, s.Detail, StringComparison.Ordinal);
        }
    }

    // ---- the honest path, as a control ----

    /// <summary>
    /// A row may name any well-formed kind (an extension's); one this machine lacks, even carrying bob's real did:key
    /// signature and fingerprint, never counts: the verdict checks the proof the roster binds, of the roster's kind.
    /// </summary>
    [Fact]
    public void RowNamingAKindThisMachineLacks_WithARealSignature_IsNotCounted()
    {
        var p = _w.Propose(_inc);
        Assert.True(_w.Sign(p, "alice").IsCounted);
        Assert.True(ProofKind.TryFromName("Lens", out var lens));
        _w.RawRow(_inc, p.Id, "bob", lens, _w.Fingerprint("bob", ProofKind.DidKey), _w.SignBytes("bob", ProofKind.DidKey, p.SigningPayload()), p.SigningPayload());

        var v = _w.Judge(p);

        Assert.False(v.IsMet, v.ToString());
        Assert.DoesNotContain(v.Signatures, s => s.Responder == "bob" && s.IsCounted);
    }

    [Fact]
    public void Control_TwoLeadsSign_QuorumIsMet_AndConsumedOnce()
    {
        var p = _w.Propose(_inc);
        Assert.True(_w.Sign(p, "alice").IsCounted);
        Assert.True(_w.Sign(p, "bob", ProofKind.Ethereum).IsCounted);

        var v = _w.Judge(p);

        Assert.True(v.IsMet, v.ToString());
        Assert.Equal(["alice", "bob"], v.Persons);
        var consumed = QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options);
        Assert.Equal("proposal.consumed", consumed.Entry.Kind);
    }

    // ---- edited proposals ----

    [Fact]
    public void OneChangedParameterAfterSigning_OldSignaturesAreOverAnotherProposal()
    {
        var p1 = _w.Propose(_inc, parameters: new Dictionary<string, string> { ["namespace"] = "prod", ["cordon"] = "false" });
        var p2 = _w.Propose(_inc, parameters: new Dictionary<string, string> { ["namespace"] = "prod", ["cordon"] = "true" });
        Assert.NotEqual(p1.Id, p2.Id);
        var carolSig = _w.SignBytes("carol", ProofKind.DidKey, p1.SigningPayload());
        // The row claims p2 and carries p2's payload text, but the signature is carol's over p1.
        _w.RawRow(_inc, p2.Id, "carol", ProofKind.DidKey, _w.Fingerprint("carol", ProofKind.DidKey), carolSig, p2.SigningPayload());

        AssertRefused(_w.Judge(p2), SignatureReason.OtherProposal, p1.ShortId);
    }

    [Fact]
    public void RunningWithAChangedParameter_IsRefusedAsProposalMismatch()
    {
        var p = _w.Propose(_inc);
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");

        var ex = Assert.Throws<QuorumException>(() => QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target,
            new Dictionary<string, string> { ["namespace"] = "kube-system" }, "alice", _w.Options));

        Assert.Equal("ProposalMismatch", ex.ErrorId);
        Assert.False(_w.Judge(p).IsConsumed);
    }

    [Fact]
    public void ProposalEditedInTheJournal_TamperedDigest_IsRefused()
    {
        var p = _w.Propose(_inc);
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");
        // A forged proposal.created: the id of the signed proposal, the target changed. The line itself is well formed.
        _w.Append(_inc, new StatementDraft("proposal.created", "mallory", new System.Text.Json.Nodes.JsonObject
        {
            ["action"] = p.Action, ["expires"] = Timestamps.ToJournal(p.Expires), ["id"] = new string('0', 63) + "1", ["nonce"] = p.Nonce,
            ["notBefore"] = Timestamps.ToJournal(p.NotBefore), ["parameters"] = new System.Text.Json.Nodes.JsonObject { ["namespace"] = "prod" },
            ["proposer"] = "alice", ["target"] = "prod/payments-db",
        }));
        // Alice's and bob's rows copied under the forged id.
        foreach (var e in Ws().JournalOf(_inc).ReadEntries().Where(e => e.Kind == "proposal.signed").ToList())
        {
            _w.RawRow(_inc, new string('0', 63) + "1", e.Body["responder"]!.ToString()!, ProofKind.Parse(e.Body["kind"]!.ToString()!),
                e.Body["fingerprint"]!.ToString()!, e.Body["signature"]!.ToString()!, Encoding.UTF8.GetBytes(e.Body["payload"]!.ToString()!));
        }

        var v = QuorumGate.Judge(_w.Ws, _inc, new string('0', 63) + "1", _w.TheClock);

        Assert.False(v.IsMet);
        Assert.Contains(v.Blockers, b => b.Blocker == QuorumBlocker.ProposalTampered);
        Assert.All(v.Signatures, s => Assert.Equal(SignatureReason.OtherProposal, s.Reason));
    }

    [Fact]
    public void ProposalLineEditedInPlace_TheJournalReaderRefusesIt()
    {
        var p = _w.Propose(_inc);
        var path = _w.Ws.JournalOf(_inc).Path;
        File.WriteAllText(path, File.ReadAllText(path).Replace("prod/api-7f9\"", "prod/api-7f8\"", StringComparison.Ordinal));

        var ex = Assert.ThrowsAny<DeirfException>(() => _w.Judge(p));

        Assert.Equal("JournalCorrupt", ex.ErrorId);
    }

    // ---- persons, not keys or rows ----

    [Fact]
    public void TwoKeysOfOnePerson_CountOnce()
    {
        _w.BindKey("bob", ProofKind.DidKey, QuorumWorld.NewSeed());
        var p = _w.Propose(_inc);
        _w.RawSign(p, "bob", ProofKind.DidKey, index: 0);
        _w.RawSign(p, "bob", ProofKind.DidKey, index: 1);

        var v = _w.Judge(p);

        AssertRefused(v, SignatureReason.DuplicatePerson);
        Assert.Equal(["bob"], v.Persons);
        Assert.False(v.IsMet);
    }

    [Fact]
    public void TwoProofKindsOfOnePerson_CountOnce()
    {
        var p = _w.Propose(_inc);
        _w.RawSign(p, "bob", ProofKind.DidKey);
        _w.RawSign(p, "bob", ProofKind.Ethereum);

        var v = _w.Judge(p);

        AssertRefused(v, SignatureReason.DuplicatePerson);
        Assert.Single(v.Persons);
    }

    [Fact]
    public void DuplicateSignatureRows_CountOnce()
    {
        var p = _w.Propose(_inc);
        _w.RawSign(p, "bob");
        _w.RawSign(p, "bob");
        _w.RawSign(p, "bob");

        var v = _w.Judge(p);

        Assert.Equal([SignatureReason.Counted, SignatureReason.DuplicatePerson, SignatureReason.DuplicatePerson], v.Signatures.Select(s => s.Reason));
        Assert.False(v.IsMet);
    }

    [Fact]
    public void GateRefusesASecondSignatureOfTheSamePerson_AndWritesNothing()
    {
        var p = _w.Propose(_inc);
        _w.Sign(p, "bob");
        var before = _w.Ws.JournalOf(_inc).ReadEntries().Count();

        var ex = Assert.Throws<QuorumException>(() => _w.Sign(p, "bob", ProofKind.Ethereum));

        Assert.Equal("QuorumSignatureRefused", ex.ErrorId);
        Assert.Equal(SignatureReason.DuplicatePerson, ex.Reason);
        Assert.Equal(before, _w.Ws.JournalOf(_inc).ReadEntries().Count());
    }

    [Fact]
    public void EthereumMalleatedTwin_IsNotCountedTwice()
    {
        var p = _w.Propose(_inc);
        var sig = _w.SignBytes("bob", ProofKind.Ethereum, p.SigningPayload());
        _w.RawSign(p, "bob", ProofKind.Ethereum);
        var bytes = Convert.FromHexString(sig[2..]);
        var n = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var s = new BigInteger(bytes.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twinS = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var twin = bytes[..32].Concat(new byte[32 - twinS.Length]).Concat(twinS).Append((byte)(bytes[64] == 27 ? 28 : 27)).ToArray();
        Assert.NotEqual(sig, "0x" + Convert.ToHexString(twin).ToLowerInvariant());
        _w.RawRow(_inc, p.Id, "bob", ProofKind.Ethereum, _w.Fingerprint("bob", ProofKind.Ethereum), "0x" + Convert.ToHexString(twin).ToLowerInvariant(), p.SigningPayload());

        var v = _w.Judge(p);

        AssertRefused(v, SignatureReason.BadSignature, "malleated twin");
        Assert.Equal(["bob"], v.Persons);
    }

    [Fact]
    public void EthereumSameSignatureInTwoRows_IsDeduplicatedByPerson()
    {
        var p = _w.Propose(_inc);
        _w.RawSign(p, "bob", ProofKind.Ethereum);
        _w.RawSign(p, "bob", ProofKind.Ethereum);

        var v = _w.Judge(p);

        AssertRefused(v, SignatureReason.DuplicatePerson);
        Assert.Single(v.Persons);
    }

    [SkippableFact]
    public void SamePersonThroughSshAndOpenPgp_CountsOnce()
    {
        ExternalTool.Require("ssh-keygen");
        ExternalTool.Require("gpg");
        using var ssh = new SshInteropTests.SshKeys();
        using var gpg = new OpenPgpInteropTests.Gpg();
        var sshKey = ssh.Key("ed25519");
        var gpgFpr = gpg.GenerateKey("Erin <erin@example.org>", "ed25519", "sign", "1y");
        _w.Responder("erin", [ResponderRole.ContainmentLead], ProofKind.DidKey);
        _w.BindKey("erin", ProofKind.Ssh, File.ReadAllBytes(ssh.Path(sshKey)));
        _w.BindKey("erin", ProofKind.OpenPgp, Encoding.ASCII.GetBytes(gpg.ExportSecret(gpgFpr)));
        _w.Grant(_inc, "erin", ResponderRole.ContainmentLead);
        _w.Tick(TimeSpan.FromSeconds(5));
        var p = _w.Propose(_inc, proposer: "dana");
        var sshSig = ssh.SshKeygenSign(sshKey, "deirf", p.SigningPayload());
        var pgpSig = gpg.DetachSign(gpgFpr, p.SigningPayload());
        _w.RawRow(_inc, p.Id, "erin", ProofKind.Ssh, _w.Fingerprint("erin", ProofKind.Ssh), sshSig, p.SigningPayload());
        _w.RawRow(_inc, p.Id, "erin", ProofKind.OpenPgp, gpgFpr, pgpSig, p.SigningPayload());

        var v = _w.Judge(p);

        Assert.Equal(SignatureReason.Counted, v.Signatures[0].Reason);
        AssertRefused(v, SignatureReason.DuplicatePerson);
        Assert.Equal(["erin"], v.Persons);
        Assert.False(v.IsQuorumFilled);
    }

    // ---- the roster at signing time ----

    [Fact]
    public void RevokedKey_SignatureAfterRevocation_IsRefused()
    {
        var p = _w.Propose(_inc);
        _w.Tick(TimeSpan.FromSeconds(1));
        _w.RevokeKey("bob", ProofKind.DidKey);
        _w.Tick(TimeSpan.FromSeconds(1));
        _w.RawSign(p, "bob", ProofKind.DidKey);

        AssertRefused(_w.Judge(p), SignatureReason.Revoked, "revoked on");
    }

    [Fact]
    public void KeyRevokedAfterSigning_TheSignatureStillCounts()
    {
        var p = _w.Propose(_inc);
        _w.Sign(p, "bob");
        _w.Tick(TimeSpan.FromSeconds(1));
        _w.RevokeKey("bob", ProofKind.DidKey);

        Assert.True(Last(_w.Judge(p)).IsCounted);
    }

    [Fact]
    public void KeyBoundAfterABackdatedSignature_IsUnknownAtThatTime()
    {
        var p = _w.Propose(_inc);
        _w.Tick(TimeSpan.FromMinutes(1));
        _w.BindKey("bob", ProofKind.DidKey, QuorumWorld.NewSeed());
        _w.RawSign(p, "bob", ProofKind.DidKey, index: 1, at: _w.TheClock.Now - TimeSpan.FromSeconds(30));

        AssertRefused(_w.Judge(p), SignatureReason.UnknownKey, "after this signature");
    }

    [Fact]
    public void RoleRevokedMidIncident_BeforeSigning_IsWrongRole()
    {
        var p = _w.Propose(_inc);
        _w.RevokeRole(_inc, "bob", ResponderRole.ContainmentLead);
        _w.RawSign(p, "bob");

        AssertRefused(_w.Judge(p), SignatureReason.WrongRole, "held no role");
    }

    [Fact]
    public void RoleRevokedAfterSigning_TheSignatureCounts()
    {
        var p = _w.Propose(_inc);
        _w.RawSign(p, "bob");
        _w.RevokeRole(_inc, "bob", ResponderRole.ContainmentLead);

        Assert.True(Last(_w.Judge(p)).IsCounted);
    }

    [Fact]
    public void ResponderWithoutANeededRole_IsWrongRole()
    {
        _w.Responder("frank", []);
        var p = _w.Propose(_inc);
        _w.RawSign(p, "frank");

        AssertRefused(_w.Judge(p), SignatureReason.WrongRole);
    }

    [Fact]
    public void UnknownResponder_IsRefused()
    {
        var p = _w.Propose(_inc);
        var seed = QuorumWorld.NewSeed();
        using var material = new PrivateKeyMaterial((byte[])seed.Clone());
        var signer = Signatures.SignerFor(ProofKind.DidKey);
        var fp = Signatures.ParsePublicKey(ProofKind.DidKey, signer.PublicKeyOf(material)).Fingerprint;
        _w.RawRow(_inc, p.Id, "mallory", ProofKind.DidKey, fp, signer.Sign(p.SigningPayload(), material), p.SigningPayload());

        AssertRefused(_w.Judge(p), SignatureReason.UnknownResponder);
    }

    [Fact]
    public void AnotherResponderskey_IsAnUnknownKeyForThisResponder()
    {
        var p = _w.Propose(_inc);
        // bob claims carol's key and carol's signature.
        _w.RawRow(_inc, p.Id, "bob", ProofKind.DidKey, _w.Fingerprint("carol", ProofKind.DidKey), _w.SignBytes("carol", ProofKind.DidKey, p.SigningPayload()), p.SigningPayload());

        AssertRefused(_w.Judge(p), SignatureReason.UnknownKey, "is not a proof of 'bob'");
    }

    [Fact]
    public void IneligibleResponder_WithFewerThanTwoProofKinds_IsRefused()
    {
        _w.Responder("gina", [ResponderRole.ContainmentLead], ProofKind.DidKey);
        _w.Grant(_inc, "gina", ResponderRole.ContainmentLead);
        var p = _w.Propose(_inc);
        _w.RawSign(p, "gina");

        AssertRefused(_w.Judge(p), SignatureReason.Ineligible, "at least 2");
    }

    [Fact]
    public void ForgedSignature_IsBadSignature()
    {
        var p = _w.Propose(_inc);
        var sig = _w.SignBytes("bob", ProofKind.DidKey, p.SigningPayload());
        var forged = sig[..^4] + (sig[^4] == 'A' ? "B" : "A") + sig[^3..];
        _w.RawRow(_inc, p.Id, "bob", ProofKind.DidKey, _w.Fingerprint("bob", ProofKind.DidKey), forged, p.SigningPayload());

        AssertRefused(_w.Judge(p), SignatureReason.BadSignature);
    }

    // ---- time ----

    [Fact]
    public void SignatureAfterExpiry_IsRefused()
    {
        var p = _w.Propose(_inc, ttl: TimeSpan.FromMinutes(5));
        _w.Tick(TimeSpan.FromMinutes(6));
        _w.RawSign(p, "bob");

        var v = _w.Judge(p);

        AssertRefused(v, SignatureReason.Expired);
        Assert.Contains(v.Blockers, b => b.Blocker == QuorumBlocker.Expired);
    }

    [Fact]
    public void SignatureBeforeNotBefore_IsRefused()
    {
        var p = _w.Propose(_inc, notBefore: _w.TheClock.Now + TimeSpan.FromMinutes(10), ttl: TimeSpan.FromMinutes(30));
        _w.RawSign(p, "bob");

        var v = _w.Judge(p);

        AssertRefused(v, SignatureReason.NotYetValid);
        Assert.Contains(v.Blockers, b => b.Blocker == QuorumBlocker.NotYetValid);
    }

    [Fact]
    public void MetQuorum_ButExpiredAtRunTime_IsRefused()
    {
        var p = _w.Propose(_inc, ttl: TimeSpan.FromMinutes(5));
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");
        _w.Tick(TimeSpan.FromMinutes(10));

        var ex = Assert.Throws<QuorumException>(() => QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options));

        Assert.Equal("QuorumNotMet", ex.ErrorId);
        Assert.Contains(ex.Verdict!.Blockers, b => b.Blocker == QuorumBlocker.Expired);
    }

    [Fact]
    public void TimeToLiveLongerThanThePolicyAllows_IsRefused()
    {
        var ex = Assert.Throws<QuorumException>(() => _w.Propose(_inc, ttl: TimeSpan.FromHours(5)));

        Assert.Equal("ProposalTtlInvalid", ex.ErrorId);
    }

    // ---- replay ----

    [Fact]
    public void ReplayIntoAnotherProposal_IsRefused()
    {
        var p1 = _w.Propose(_inc);
        var p2 = _w.Propose(_inc, target: "prod/api-8a1");
        // The whole row copied: the payload text still names p1.
        _w.RawRow(_inc, p2.Id, "bob", ProofKind.DidKey, _w.Fingerprint("bob", ProofKind.DidKey), _w.SignBytes("bob", ProofKind.DidKey, p1.SigningPayload()), p1.SigningPayload());

        AssertRefused(_w.Judge(p2), SignatureReason.OtherProposal, p1.ShortId);
    }

    [Fact]
    public void ReplayIntoAnotherIncident_IsRefused()
    {
        var other = _w.Incident(("bob", ResponderRole.ContainmentLead));
        _w.Evidence(other, "prod/api-7f9");
        var p1 = _w.Propose(_inc);
        var p2 = _w.Propose(other);
        _w.RawRow(other, p2.Id, "bob", ProofKind.DidKey, _w.Fingerprint("bob", ProofKind.DidKey), _w.SignBytes("bob", ProofKind.DidKey, p1.SigningPayload()), p1.SigningPayload());

        AssertRefused(_w.Judge(p2), SignatureReason.OtherIncident, _inc);
    }

    [Fact]
    public void ReplayIntoAnotherWorkspace_IsRefused()
    {
        // The same person, with the same key bound in a second workspace (a team that runs two).
        using var second = new QuorumWorld(_w.Dir, _w.TheClock);
        var seed = QuorumWorld.NewSeed();
        _w.BindKey("bob", ProofKind.DidKey, seed);
        second.Responder("bob", [ResponderRole.ContainmentLead], ProofKind.Ethereum);
        second.BindKey("bob", ProofKind.DidKey, seed);
        var inc2 = second.Incident(("bob", ResponderRole.ContainmentLead));
        var p1 = _w.Propose(_inc);
        var p2 = second.Propose(inc2);
        second.RawRow(inc2, p2.Id, "bob", ProofKind.DidKey, second.Fingerprint("bob", ProofKind.DidKey), _w.SignBytes("bob", ProofKind.DidKey, p1.SigningPayload(), 1), p1.SigningPayload());

        AssertRefused(second.Judge(p2), SignatureReason.OtherWorkspace, _w.Ws.WorkspaceId);
    }

    [Fact]
    public void ReplayAfterExecution_IsRefused_AndASecondRunToo()
    {
        var p = _w.Propose(_inc);
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");
        QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options);
        _w.RawSign(p, "carol");

        var v = _w.Judge(p);
        var again = Assert.Throws<QuorumException>(() => QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options));

        AssertRefused(v, SignatureReason.Consumed);
        Assert.Contains(v.Blockers, b => b.Blocker == QuorumBlocker.Consumed);
        Assert.Equal("ProposalConsumed", again.ErrorId);
    }

    [Fact]
    public void ConcurrentRuns_ExactlyOneConsumes()
    {
        var p = _w.Propose(_inc);
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");
        int ok = 0, refused = 0;

        Parallel.For(0, 6, _ =>
        {
            try
            {
                QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options);
                Interlocked.Increment(ref ok);
            }
            catch (QuorumException ex) when (ex.ErrorId == "ProposalConsumed")
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.Equal(1, ok);
        Assert.Equal(5, refused);
        Assert.Single(_w.Ws.JournalOf(_inc).ReadEntries(), e => e.Kind == "proposal.consumed");
    }

    // ---- OIDC ----

    private (LocalIssuer Idp, string Handle) OidcResponder()
    {
        var idp = new LocalIssuer();
        _w.Responder("olga", [ResponderRole.ContainmentLead], ProofKind.DidKey);
        _w.BindPublic("olga", ProofKind.Oidc, idp.ProofJson(), binding => idp.Token(binding, _w.TheClock.Now));
        _w.Grant(_inc, "olga", ResponderRole.ContainmentLead);
        return (idp, "olga");
    }

    [Fact]
    public void OidcTokenReplay_SingleUseNonce_IsRefused()
    {
        var (idp, olga) = OidcResponder();
        using var _ = idp;
        var p = _w.Propose(_inc);
        var token = idp.Token(p.SigningPayload(), _w.TheClock.Now);
        var fp = LocalIssuer.Issuer + "#" + LocalIssuer.Subject;
        _w.RawRow(_inc, p.Id, olga, ProofKind.Oidc, fp, token, p.SigningPayload());
        _w.RawRow(_inc, p.Id, olga, ProofKind.Oidc, fp, token, p.SigningPayload());

        var v = _w.Judge(p);

        Assert.True(v.Signatures[0].IsCounted, v.Signatures[0].Detail);
        AssertRefused(v, SignatureReason.NonceReused, "replay");
    }

    [Fact]
    public void OidcTokenForAnotherProposal_IsRefused()
    {
        var (idp, olga) = OidcResponder();
        using var _ = idp;
        var p1 = _w.Propose(_inc);
        var p2 = _w.Propose(_inc, target: "prod/api-0000");
        var token = idp.Token(p1.SigningPayload(), _w.TheClock.Now);
        _w.RawRow(_inc, p2.Id, olga, ProofKind.Oidc, LocalIssuer.Issuer + "#" + LocalIssuer.Subject, token, p2.SigningPayload());

        AssertRefused(_w.Judge(p2), SignatureReason.OtherProposal, p1.ShortId);
    }

    // ---- SSH and OpenPGP specifics ----

    [SkippableFact]
    public void SshSignatureWithTheWrongNamespace_IsRefused()
    {
        ExternalTool.Require("ssh-keygen");
        using var ssh = new SshInteropTests.SshKeys();
        var key = ssh.Key("ed25519");
        _w.BindKey("bob", ProofKind.Ssh, File.ReadAllBytes(ssh.Path(key)));
        var p = _w.Propose(_inc);
        var gitSig = ssh.SshKeygenSign(key, "git", p.SigningPayload());
        _w.RawRow(_inc, p.Id, "bob", ProofKind.Ssh, _w.Fingerprint("bob", ProofKind.Ssh), gitSig, p.SigningPayload());

        AssertRefused(_w.Judge(p), SignatureReason.BadSignature, "namespace 'git' is not 'deirf'");
    }

    [SkippableFact]
    public void OpenPgpSha1Signature_IsRefused()
    {
        using var gpg = new OpenPgpInteropTests.Gpg();
        var fpr = gpg.GenerateKey("Bob <bob@example.org>", "rsa3072", "sign", "1y");
        _w.BindKey("bob", ProofKind.OpenPgp, Encoding.ASCII.GetBytes(gpg.ExportSecret(fpr)));
        var p = _w.Propose(_inc);
        var secretKey = OpenPgpInteropTests.Bc.ReadSecretRing(gpg.ExportSecret(fpr)).GetSecretKey();
        var sha1 = OpenPgpInteropTests.Bc.Sign(secretKey.PublicKey, secretKey.ExtractPrivateKeyUtf8([]), p.SigningPayload(), Org.BouncyCastle.Bcpg.HashAlgorithmTag.Sha1);
        _w.RawRow(_inc, p.Id, "bob", ProofKind.OpenPgp, fpr, sha1, p.SigningPayload());

        AssertRefused(_w.Judge(p), SignatureReason.BadSignature, "SHA-1");
    }

    // ---- what the signer saw ----

    [Fact]
    public void SignerShownAnotherPayload_SameDigestOtherTarget_IsRefused()
    {
        var p = _w.Propose(_inc);
        // Bybit: the digest line is right, the human lines say something else.
        var shown = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(p.SigningPayload()).Replace("target: prod/api-7f9", "target: staging/api-7f9", StringComparison.Ordinal));
        _w.RawRow(_inc, p.Id, "bob", ProofKind.DidKey, _w.Fingerprint("bob", ProofKind.DidKey), _w.SignBytes("bob", ProofKind.DidKey, shown), shown);

        AssertRefused(_w.Judge(p), SignatureReason.PayloadMismatch, "staging/api-7f9");
    }

    [Fact]
    public void QuorumSignatureOfferedAsTheManualApproval_IsRefused()
    {
        var p = _w.Propose(_inc, action: "recovery.rollforward", target: "release-42", proposer: "dana");
        _w.RawRow(_inc, p.Id, "carol", ProofKind.DidKey, _w.Fingerprint("carol", ProofKind.DidKey),
            _w.SignBytes("carol", ProofKind.DidKey, p.SigningPayload()), p.SigningPayload(), approval: true);

        var v = _w.Judge(p);

        Assert.Equal(SignatureReason.PayloadMismatch, v.Approvals[^1].Reason);
        Assert.Contains(v.Blockers, b => b.Blocker == QuorumBlocker.ManualApprovalMissing);
    }

    // ---- policy ----

    [Fact]
    public void SelfApprovalWherePolicyForbidsIt_IsRefused()
    {
        var p = _w.Propose(_inc, action: "recovery.rollforward", target: "release-42", proposer: "bob");
        _w.RawSign(p, "bob");

        AssertRefused(_w.Judge(p), SignatureReason.SelfApproval);
    }

    [Fact]
    public void ManualGateMissing_BlocksAMetQuorum_UntilAHumanApproves()
    {
        var p = _w.Propose(_inc, action: "recovery.rollforward", target: "release-42", proposer: "dana");
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");

        var before = _w.Judge(p);
        Assert.True(before.IsQuorumFilled);
        Assert.Equal(QuorumBlocker.ManualApprovalMissing, Assert.Single(before.Blockers).Blocker);

        Assert.True(_w.Approve(p, "carol").IsCounted);
        Assert.True(_w.Judge(p).IsMet);
    }

    [Fact]
    public void ApprovalByTheProposer_WhereSelfApprovalIsForbidden_IsRefused()
    {
        var p = _w.Propose(_inc, action: "recovery.rollforward", target: "release-42", proposer: "dana");

        var ex = Assert.Throws<QuorumException>(() => _w.Approve(p, "dana"));

        Assert.Equal(SignatureReason.SelfApproval, ex.Reason);
    }

    [Fact]
    public void EvidenceRequired_WithNoEvidenceForTheTarget_IsRefused_UnlessOverriddenWithAReason()
    {
        var p = _w.Propose(_inc, target: "prod/api-0bad");
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");

        var v = _w.Judge(p);
        Assert.True(v.IsQuorumFilled);
        Assert.Equal(QuorumBlocker.EvidenceMissing, Assert.Single(v.Blockers).Blocker);
        var ex = Assert.Throws<QuorumException>(() => QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options));
        Assert.Equal("QuorumNotMet", ex.ErrorId);

        var run = QuorumGate.Consume(_w.Ws, _inc, p.Id, p.Action, p.Target, p.Parameters, "alice", _w.Options, evidenceOverrideReason: "pod is being exfiltrated now");
        Assert.Equal("pod is being exfiltrated now", run.Entry.Body["evidenceOverride"]);
    }

    [Fact]
    public void NestedGroup_OneBranchUnmet_IsNotMet_AndSaysWhoIsMissing()
    {
        _w.InstallPolicy(_inc, new QuorumPolicy
        {
            Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.AllOf(QuorumGroup.Of(2, ResponderRole.ContainmentLead), QuorumGroup.Of(1, ResponderRole.TriageLead)) }],
        });
        var p = _w.Propose(_inc);
        _w.Sign(p, "alice");
        _w.Sign(p, "bob");

        var v = _w.Judge(p);

        Assert.False(v.IsMet);
        Assert.Equal(QuorumBlocker.ThresholdNotMet, Assert.Single(v.Blockers).Blocker);
        Assert.Equal("1 more of TriageLead (could sign: dana)", Assert.Single(v.Missing));
        _w.Sign(p, "dana");
        Assert.True(_w.Judge(p).IsMet);
    }

    [Fact]
    public void NestedGroup_OnePersonFillsOneSlotOnly_EvenHoldingBothRoles()
    {
        _w.Grant(_inc, "alice", ResponderRole.TriageLead);
        _w.InstallPolicy(_inc, new QuorumPolicy
        {
            Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.AllOf(QuorumGroup.Of(1, ResponderRole.ContainmentLead), QuorumGroup.Of(1, ResponderRole.TriageLead)) }],
        });
        var p = _w.Propose(_inc);
        _w.Sign(p, "alice");

        var v = _w.Judge(p);

        Assert.False(v.IsQuorumFilled);
        _w.Sign(p, "bob");
        Assert.True(_w.Judge(p).IsQuorumFilled); // alice moves to TriageLead, bob fills ContainmentLead
    }

    [Fact]
    public void NestedOrGroup_EitherBranchSuffices()
    {
        _w.InstallPolicy(_inc, new QuorumPolicy
        {
            Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.AnyOf(QuorumGroup.Of(3, ResponderRole.ContainmentLead),
                QuorumGroup.AllOf(QuorumGroup.Of(1, ResponderRole.ContainmentLead), QuorumGroup.Of(1, ResponderRole.TriageLead))) }],
        });
        var p = _w.Propose(_inc, proposer: "bob");
        _w.Sign(p, "bob");
        Assert.False(_w.Judge(p).IsQuorumFilled);
        _w.Sign(p, "dana");

        Assert.True(_w.Judge(p).IsMet);
    }

    [Fact]
    public void PolicyFileEditedByHand_IsRefused()
    {
        _w.InstallPolicy(_inc, new QuorumPolicy { Rules = [new QuorumRule { Action = "k8s.*", Require = QuorumGroup.Of(3) }] });
        var path = QuorumPolicy.PathIn(_w.Ws);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"count\":3", "\"count\":1", StringComparison.Ordinal));

        var ex = Assert.Throws<QuorumException>(() => QuorumPolicy.Load(_w.Ws));

        Assert.Equal("PolicyUnjournaled", ex.ErrorId);
    }

    [Fact]
    public void PolicyChangeWithoutQuorum_IsRefused()
    {
        var policy = new QuorumPolicy { Rules = [new QuorumRule { Action = "*", Require = QuorumGroup.Of(1) }] };
        var p = _w.Propose(Roster.JournalId, QuorumPolicy.PolicySetAction, "workspace", new Dictionary<string, string> { ["sha256"] = policy.Sha256 });
        _w.Sign(p, "bob");

        var ex = Assert.Throws<QuorumException>(() => QuorumGate.SetPolicy(_w.Ws, p.Id, policy, "alice", _w.Options));

        Assert.Equal("QuorumNotMet", ex.ErrorId);
        Assert.Same(QuorumPolicy.Defaults, QuorumPolicy.Load(_w.Ws));
    }

    private Workspaces.Workspace Ws() => _w.Ws;
}
