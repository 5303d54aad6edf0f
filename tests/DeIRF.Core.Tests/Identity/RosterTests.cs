using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>The roster, proof bindings and entry signatures, with keys made at test time (did:key and Ethereum).</summary>
// Sets the process-wide DEIRF_SIGNING_CONFIG: never in parallel with the other test class that does (CheckpointTests).
[Collection("DEIRF_SIGNING_CONFIG")]
public sealed class RosterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-roster-").FullName;
    private readonly Workspace _ws;
    private readonly JournalAppendOptions _unsigned = new() { Durable = false };

    public RosterTests()
    {
        _ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
    }

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private string NewSeedFile(string name) => TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, name));

    private string NewEthKeyFile(string name) => TestKeys.WriteNew(ProofKind.Ethereum, Path.Combine(_dir, name));

    /// <summary>Binds the key in <paramref name="keyFile"/> to <paramref name="handle"/> the way Add-DeirfIdentityProof -KeyPath does.</summary>
    private RosterProof Bind(Roster roster, string handle, ProofKind kind, string keyFile, JournalAppendOptions? options = null, DateTimeOffset? bindingTime = null)
        => TestKeys.BindFile(roster, handle, kind, keyFile, options ?? _unsigned, bindingTime);

    private JournalAppendOptions SignedBy(string handle, ProofKind kind, string keyFile)
    {
        using var material = PrivateKeyMaterial.FromFile(keyFile);
        var fp = Signatures.ParsePublicKey(kind, Signatures.SignerFor(kind).PublicKeyOf(material)).Fingerprint;
        return _unsigned with { Signers = [new KeyFileStatementSigner(handle, kind, keyFile, fp)] };
    }

    private static StatementDraft NoteBy(string actor, string text) => new(Note.KindName, actor, new JsonObject { ["text"] = text });

    [Fact]
    public void TwoProofsOfDifferentKinds_MakeAResponderEligible_OneDoesNot()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("bob", "Bob Okafor", [ResponderRole.ContainmentLead], "bob", _unsigned);
        Bind(roster, "bob", ProofKind.DidKey, NewSeedFile("bob.seed"));
        Assert.False(roster.Get("bob").Eligible);
        Bind(roster, "bob", ProofKind.DidKey, NewSeedFile("bob2.seed"));
        Assert.False(roster.Get("bob").Eligible); // two keys of one kind are still one kind of proof
        Bind(roster, "bob", ProofKind.Ethereum, NewEthKeyFile("bob.eth"));
        Assert.True(roster.Get("bob").Eligible);

        // The fold from disk agrees with the state built in memory.
        var reloaded = Roster.Load(_ws).Get("bob");
        Assert.Equal(new[] { ProofKind.Ethereum, ProofKind.DidKey }.Order(), reloaded.ProofKinds);
        Assert.Equal(3, reloaded.Proofs.Count);
    }

    [Fact]
    public void BindingForAKeyTheSignerDoesNotHold_IsRefused()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("carol", "Carol Diaz", [], "carol", _unsigned);
        using var victim = PrivateKeyMaterial.FromFile(NewSeedFile("victim.seed"));
        using var mallory = PrivateKeyMaterial.FromFile(NewSeedFile("mallory.seed"));
        var signer = Signatures.SignerFor(ProofKind.DidKey);
        var victimKey = Signatures.ParsePublicKey(ProofKind.DidKey, signer.PublicKeyOf(victim));
        var binding = new ProofBinding(_ws.WorkspaceId, "carol", ProofKind.DidKey, victimKey.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
        var ex = Assert.Throws<DeirfException>(() => roster.AddProof("carol", victimKey, binding, signer.Sign(binding, mallory), "carol", _unsigned));
        Assert.Equal("ProofPossessionNotShown", ex.ErrorId);
        Assert.Empty(Roster.Load(_ws).Get("carol").Proofs);
    }

    [Fact]
    public void BindingsFromAnotherWorkspaceOrOlderThanADay_AreRefused()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("dana", "Dana Lee", [], "dana", _unsigned);
        var old = Assert.Throws<InvalidBindingException>(() => Bind(roster, "dana", ProofKind.DidKey, NewSeedFile("d1.seed"), bindingTime: DateTimeOffset.UtcNow.AddHours(-25)));
        Assert.Contains("accepted for 24 h", old.Reason);

        using var material = PrivateKeyMaterial.FromFile(NewSeedFile("d2.seed"));
        var signer = Signatures.SignerFor(ProofKind.DidKey);
        var key = Signatures.ParsePublicKey(ProofKind.DidKey, signer.PublicKeyOf(material));
        var foreign = new ProofBinding("ws-someoneelse", "dana", ProofKind.DidKey, key.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
        var other = Assert.Throws<InvalidBindingException>(() => roster.AddProof("dana", key, foreign, signer.Sign(foreign, material), "dana", _unsigned));
        Assert.Contains("made for workspace ws-someoneelse", other.Reason);

        // A changed byte (a newline appended by an editor) is refused before any signature check.
        var good = new ProofBinding(_ws.WorkspaceId, "dana", ProofKind.DidKey, key.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
        var edited = good.Concat("\n"u8.ToArray()).ToArray();
        var changed = Assert.Throws<InvalidBindingException>(() => roster.AddProof("dana", key, edited, signer.Sign(edited, material), "dana", _unsigned));
        Assert.Contains("was changed", changed.Reason);
    }

    [Fact]
    public void SignaturesMadeAfterRevocation_FailVerification_WithTheReason()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("carol", "Carol Diaz", [ResponderRole.TriageLead], "carol", _unsigned);
        var seed = NewSeedFile("carol.seed");
        Bind(roster, "carol", ProofKind.DidKey, seed);
        Bind(roster, "carol", ProofKind.Ethereum, NewEthKeyFile("carol.eth"), SignedBy("carol", ProofKind.DidKey, seed));
        var incident = _ws.OpenIncident("stolen laptop", "carol", options: SignedBy("carol", ProofKind.DidKey, seed));
        var journal = _ws.JournalOf(incident.Id);
        journal.Append(NoteBy("carol", "before revocation"), SignedBy("carol", ProofKind.DidKey, seed));
        var verdict = journal.Verify(new JournalVerifyOptions { Signatures = new RosterSignatureChecker(Roster.Load(_ws)) });
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(2, verdict.SignedEntries);

        var did = roster.Get("carol").Proofs.Single(p => p.Kind == ProofKind.DidKey);
        Thread.Sleep(5); // the revocation must be later than the entries above, at millisecond resolution
        roster.RevokeProof("carol", did.Fingerprint, "laptop stolen", "carol", SignedBy("carol", ProofKind.DidKey, seed));
        Thread.Sleep(5);
        // The thief signs with the stolen seed (an old or modified client would).
        journal.Append(NoteBy("carol", "written by the thief"), SignedBy("carol", ProofKind.DidKey, seed));

        verdict = journal.Verify(new JournalVerifyOptions { Signatures = new RosterSignatureChecker(Roster.Load(_ws)) });
        Assert.False(verdict.IsValid);
        Assert.Equal(JournalFault.SignatureInvalid, verdict.Fault);
        Assert.Equal(2, verdict.FirstBadSeq);
        Assert.Contains("after that proof was revoked", verdict.Reason);
        Assert.Contains("laptop stolen", verdict.Reason);

        // The roster journal itself stays valid: the revocation entry may carry the revoked key's own signature.
        var rosterVerdict = Roster.Load(_ws).Journal.Verify(new JournalVerifyOptions
        {
            ExpectedIncident = Roster.JournalId,
            Signatures = new RosterSignatureChecker(Roster.Load(_ws), requireSignatures: true, rosterJournal: true),
        });
        Assert.True(rosterVerdict.IsValid, rosterVerdict.ToString());
    }

    [Fact]
    public void ARevokedKeyIsNeverBoundAgain_AndIsNotUsedToSign()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("erin", "Erin Kay", [], "erin", _unsigned);
        var seed = NewSeedFile("erin.seed");
        var proof = Bind(roster, "erin", ProofKind.DidKey, seed);
        SigningKeysUnderTest(() =>
        {
            SigningKeys.Set(_ws, roster, "erin", ProofKind.DidKey, seed);
            Assert.Single(SigningKeys.SignersFor(_ws, Roster.Load(_ws), "erin", out var none));
            Assert.Null(none);
            roster.RevokeProof("erin", proof.Fingerprint, "seed leaked", "erin", _unsigned);
            Assert.Empty(SigningKeys.SignersFor(_ws, Roster.Load(_ws), "erin", out var problem));
            Assert.Contains("was revoked", problem);
            Assert.Equal(1, SigningKeys.Forget(_ws, proof.Fingerprint));
        });
        var again = Assert.Throws<DeirfException>(() => Bind(Roster.Load(_ws), "erin", ProofKind.DidKey, seed));
        Assert.Equal("ProofRevokedBefore", again.ErrorId);
    }

    [Fact]
    public void UnsignedEntriesByResponderWithProofs_AreWarnings_OrFailuresWhenRequired()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("bob", "Bob Okafor", [], "bob", _unsigned);
        Bind(roster, "bob", ProofKind.DidKey, NewSeedFile("bob.seed"));
        Thread.Sleep(5);
        var incident = _ws.OpenIncident("unsigned", "bob", options: _unsigned);
        var journal = _ws.JournalOf(incident.Id);
        var lenient = journal.Verify(new JournalVerifyOptions { Signatures = new RosterSignatureChecker(Roster.Load(_ws)) });
        Assert.True(lenient.IsValid);
        Assert.Contains(lenient.Warnings, w => w.Contains("carries no signature"));
        var strict = journal.Verify(new JournalVerifyOptions { Signatures = new RosterSignatureChecker(Roster.Load(_ws), requireSignatures: true) });
        Assert.False(strict.IsValid);
        Assert.Equal(JournalFault.SignatureInvalid, strict.Fault);
        Assert.Equal(0, strict.FirstBadSeq);
    }

    [Fact]
    public void AfterTheBootstrap_RosterChangesFromSomeoneWithoutAProof_AreFlagged()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("alice", "Alice", [], "alice", _unsigned);                 // bootstrap: nobody can sign yet
        var aliceSeed = NewSeedFile("alice.seed");
        Bind(roster, "alice", ProofKind.DidKey, aliceSeed);                             // self-binding: vouched by its binding
        roster.AddResponder("bob", "Bob", [], "alice", SignedBy("alice", ProofKind.DidKey, aliceSeed)); // signed by a responder
        Bind(roster, "bob", ProofKind.DidKey, NewSeedFile("bob.seed"));                 // bob binds his own first key
        roster.AddResponder("mallory", "Mallory", [], "mallory", _unsigned);            // a newcomer adds herself

        JournalVerdict Check(bool strict) => Roster.Load(_ws).Journal.Verify(new JournalVerifyOptions
        {
            ExpectedIncident = Roster.JournalId,
            Signatures = new RosterSignatureChecker(Roster.Load(_ws), requireSignatures: strict, rosterJournal: true),
        });
        var lenient = Check(strict: false);
        Assert.True(lenient.IsValid, lenient.ToString());
        var warning = Assert.Single(lenient.Warnings);
        Assert.Contains("'mallory'", warning);
        var strictVerdict = Check(strict: true);
        Assert.Equal(JournalFault.SignatureInvalid, strictVerdict.Fault);
        Assert.Equal(5, strictVerdict.FirstBadSeq);
        Assert.Contains("held no proof yet", strictVerdict.Reason);
    }

    [Fact]
    public void ASignatureClaimingAnotherResponder_IsRefused()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("bob", "Bob", [], "bob", _unsigned);
        roster.AddResponder("mallory", "Mallory", [], "mallory", _unsigned);
        var bobSeed = NewSeedFile("bob.seed");
        var mallorySeed = NewSeedFile("mallory.seed");
        Bind(roster, "bob", ProofKind.DidKey, bobSeed);
        Bind(roster, "mallory", ProofKind.DidKey, mallorySeed);
        Thread.Sleep(5);
        var incident = _ws.OpenIncident("impersonation", "bob", options: SignedBy("bob", ProofKind.DidKey, bobSeed));
        // Mallory signs with her own key but labels the signature as bob's proof.
        using var material = PrivateKeyMaterial.FromFile(mallorySeed);
        var bobFp = Roster.Load(_ws).Get("bob").Proofs[0].Fingerprint;
        var forger = new ForgedSigner("bob", bobFp, material.KeyBytes.ToArray());
        _ws.JournalOf(incident.Id).Append(NoteBy("bob", "approve everything"), _unsigned with { Signers = [forger] });
        var verdict = _ws.JournalOf(incident.Id).Verify(new JournalVerifyOptions { Signatures = new RosterSignatureChecker(Roster.Load(_ws)) });
        Assert.Equal(JournalFault.SignatureInvalid, verdict.Fault);
        Assert.Equal(1, verdict.FirstBadSeq);
        Assert.Contains("is invalid", verdict.Reason);
    }

    [Fact]
    public void AFido2SignCount_IsKeptByTheRoster_SoAClonedAuthenticatorIsCaught()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("fay", "Fay", [], "fay", _unsigned);
        using var authenticator = new SoftwareAuthenticator();
        var key = Signatures.ParsePublicKey(ProofKind.Fido2, authenticator.PublicKeyJson());
        var binding = new ProofBinding(_ws.WorkspaceId, "fay", ProofKind.Fido2, key.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
        roster.AddProof("fay", key, binding, authenticator.Sign(binding, new AssertionOptions { SignCount = 5 }), "fay", _unsigned);

        var proof = Roster.Load(_ws).Get("fay").Proofs.Single();
        Assert.Equal(5u, proof.LastSignCount);
        var payload = "approve"u8.ToArray();
        var replayed = Signatures.Verify(proof.Key, payload, authenticator.Sign(payload, new AssertionOptions { SignCount = 5 }), Roster.Load(_ws).ContextFor("fay", proof));
        Assert.False(replayed.IsValid);
        Assert.Contains("signCount did not increase", replayed.Reason);
        var next = Signatures.Verify(proof.Key, payload, authenticator.Sign(payload, new AssertionOptions { SignCount = 6 }), Roster.Load(_ws).ContextFor("fay", proof));
        Assert.True(next.IsValid, next.Reason);
    }

    [Fact]
    public void PublicExport_IsDeterministic_AndCarriesNoKeysOrSignatures()
    {
        var roster = Roster.Load(_ws);
        roster.AddResponder("zoe", "Zoë Ünal", [ResponderRole.Recorder], "zoe", _unsigned);
        roster.AddResponder("adam", "Adam", [ResponderRole.CommsLead, ResponderRole.TriageLead], "adam", _unsigned);
        Bind(roster, "zoe", ProofKind.Ethereum, NewEthKeyFile("z.eth"));
        var a = RosterExport.ToPublicJson(Roster.Load(_ws));
        var b = RosterExport.ToPublicJson(Roster.Load(_ws));
        Assert.Equal(a, b);
        Assert.True(a.IndexOf("\"adam\"", StringComparison.Ordinal) < a.IndexOf("\"zoe\"", StringComparison.Ordinal));
        Assert.Contains("Zoë Ünal", a);
        Assert.DoesNotContain("signature", a);
        Assert.DoesNotContain("binding", a);
        Assert.DoesNotContain("\r", a);
    }

    private static void SigningKeysUnderTest(Action body)
    {
        var saved = Environment.GetEnvironmentVariable(SigningKeys.EnvironmentVariable);
        var path = Path.Combine(Path.GetTempPath(), "deirf-signing-" + Guid.NewGuid().ToString("n") + ".json");
        Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, path);
        try
        {
            body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, saved);
            File.Delete(path);
        }
    }

    /// <summary>Signs with one key while naming another responder's proof in the signature object.</summary>
    private sealed class ForgedSigner(string claimedHandle, string claimedFingerprint, byte[] keyBytes) : IStatementSigner
    {
        public JsonObject? Sign(ReadOnlySpan<byte> statement)
        {
            using var material = new PrivateKeyMaterial((byte[])keyBytes.Clone());
            return EntrySignature.ToJson(claimedHandle, ProofKind.DidKey, claimedFingerprint, Signatures.SignerFor(ProofKind.DidKey).Sign(statement, material));
        }
    }
}
