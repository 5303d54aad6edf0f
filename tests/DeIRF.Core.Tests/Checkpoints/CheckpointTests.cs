using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Core.Tests.Quorum;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Xunit;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>Checkpoint text, signatures, witnesses and forks, proofs and the journal/tree check, on real workspaces.</summary>
// Sets the process-wide DEIRF_SIGNING_CONFIG: never in parallel with the other test class that does (RosterTests).
[Collection("DEIRF_SIGNING_CONFIG")]
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-cp-").FullName;
    private readonly string? _oldConfig = Environment.GetEnvironmentVariable(SigningKeys.EnvironmentVariable);
    private readonly JournalAppendOptions _fast = new() { Durable = false };

    public CheckpointTests()
    {
        // Witness state lives beside the signing-key settings: keep it inside this test's folder.
        Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, Path.Combine(_dir, "config", "signing-keys.json"));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, _oldConfig);
        DeIRF.Testing.TestArtifacts.Delete(_dir);
    }

    private string NewSeedFile(string name) => TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, name));

    private string NewEthKeyFile(string name) => TestKeys.WriteNew(ProofKind.Ethereum, Path.Combine(_dir, name));

    private void Bind(Workspace ws, string handle, ProofKind kind, string keyFile)
    {
        var roster = Roster.Load(ws);
        if (roster.Find(handle) is null)
        {
            roster.AddResponder(handle, handle, [ResponderRole.Recorder], handle, _fast);
        }
        TestKeys.BindFile(Roster.Load(ws), handle, kind, keyFile, _fast);
    }

    private static void Notes(Workspace ws, string incident, int count, string prefix)
        => ws.JournalOf(incident).AppendBatch(Enumerable.Range(0, count).Select(i => new StatementDraft(Note.KindName, "alice", new JsonObject { ["text"] = $"{prefix} {i}" })).ToList(),
            new JournalAppendOptions { Durable = false });

    private (Workspace Ws, string Incident) NewIncident(string name = "ws", int entries = 1)
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, name));
        var inc = ws.OpenIncident("checkpoint test", "alice", options: _fast).Id;
        if (entries > 1)
        {
            Notes(ws, inc, entries - 1, "note");
        }
        return (ws, inc);
    }

    [Fact]
    public void GoldenCheckpointText_IndependentlyComputed()
    {
        // A key made now (never a committed one) signs a fixed checkpoint body; the expected text is computed here
        // independently (Ed25519 signatures are deterministic).
        var seed = new byte[32];
        Ed25519.GeneratePrivateKey(new Org.BouncyCastle.Security.SecureRandom(), seed);
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("did:key seed", seed);
        var pub = new byte[32];
        Ed25519.GeneratePublicKey(seed, 0, pub, 0);
        var seedPath = Path.Combine(_dir, "checkpoint.seed");
        PrivateKeyFiles.Write(seedPath, System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(seed).ToLowerInvariant()));
        DeIRF.Testing.TestArtifacts.RegisterKeyFile("did:key seed", seedPath, null);
        var signer = CheckpointSigner.FromKeyFile("rec", seedPath, ProofKind.DidKey);
        var root = SHA256.HashData("deirf"u8);
        var cp = new Checkpoint("deirf.local/ws-00112233445566778899aabbccddeeff/INC-20261124-3DAB", 17, root);
        Assert.Equal("deirf.local/ws-00112233445566778899aabbccddeeff/INC-20261124-3DAB\n17\n" + Convert.ToBase64String(root) + "\n", cp.Body);
        var signed = cp.WithSignature(signer.Sign(cp, CheckpointRole.Log, DateTimeOffset.UnixEpoch));

        // Key id by the C2SP formula, computed here independently: SHA-256("rec" || 0x0A || 0x01 || public key)[:4].
        var keyId = SHA256.HashData([.. "rec\n"u8, 0x01, .. pub])[..4];
        var sig = new byte[64];
        var body = Encoding.UTF8.GetBytes(cp.Body);
        Ed25519.Sign(seed, 0, pub, 0, body, 0, body.Length, sig, 0);
        var expected = cp.Body + "\n\u2014 rec " + Convert.ToBase64String([.. keyId, .. sig]) + "\n";
        Assert.Equal(expected, signed.Text);
        Assert.Equal(expected, Checkpoint.Parse(expected).Text);
        Assert.Equal("rec+" + Convert.ToHexString(keyId).ToLowerInvariant() + "+" + Convert.ToBase64String([0x01, .. pub]), signer.VerifierKey(CheckpointRole.Log).ToString());
        var verdict = CheckpointVerdict.Judge(Checkpoint.Parse(expected), [NoteVerifierKey.Parse(signer.VerifierKey(CheckpointRole.Log).ToString())], CheckpointPolicy.Default);
        Assert.True(verdict.IsValid);
        Assert.Equal(["rec"], verdict.LogSigners);
        Assert.False(verdict.IsTrusted); // no witness yet: the default policy wants one cosigner
    }

    [Theory]
    [InlineData("o\n017\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "leading zeroes")]
    [InlineData("o\r\n17\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "control")]
    [InlineData("o\n17\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n", "canonical base64")]
    [InlineData("o\n17\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "blank line")]
    [InlineData("o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "not a tree size")]
    [InlineData("o\n17\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 rec AAAAAAA=", "newline")]
    [InlineData("o\u0001x\n17\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "control")]
    public void MalformedCheckpointText_IsRefused(string text, string reason)
    {
        var ex = Assert.Throws<CheckpointException>(() => Checkpoint.Parse(text));
        Assert.Equal("CheckpointMalformed", ex.ErrorId);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void UnknownSignatureLines_AreIgnored_AFailingKnownOneRefusesTheNote()
    {
        var signer = CheckpointSigner.FromKeyFile("rec", NewSeedFile("rec.seed"), ProofKind.DidKey);
        var cp = new Checkpoint("deirf.local/ws-x/INC-20260101-0001", 3, SHA256.HashData("x"u8));
        var signed = cp.WithSignature(signer.Sign(cp, CheckpointRole.Log, DateTimeOffset.UtcNow))
            .WithSignature(new NoteSignature("someone.example/w1", 0xdeadbeef, RandomNumberGenerator.GetBytes(72)));
        var keys = new[] { signer.VerifierKey(CheckpointRole.Log) };
        var verdict = CheckpointVerdict.Judge(Checkpoint.Parse(signed.Text), keys, CheckpointPolicy.Default);
        Assert.True(verdict.IsValid);
        Assert.Contains(verdict.Signatures, s => s.Name == "someone.example/w1" && s.Status == NoteSignatureStatus.Unknown);

        // Same name and key id as the trusted key, but a forged signature: the whole note is refused.
        var forged = cp.WithSignature(new NoteSignature("rec", keys[0].KeyId, RandomNumberGenerator.GetBytes(64)));
        var bad = CheckpointVerdict.Judge(forged, keys, CheckpointPolicy.Default);
        Assert.False(bad.IsValid);
        Assert.Contains("does not verify", bad.Reason);
    }

    [Fact]
    public void Cosignature_IsC2spCosignatureV1_WithTimestamp()
    {
        var seed = NewSeedFile("bob.seed");
        var bob = CheckpointSigner.FromKeyFile("bob", seed, ProofKind.DidKey);
        var cp = new Checkpoint("deirf.local/ws-x/INC-20260101-0001", 3, SHA256.HashData("x"u8));
        var when = DateTimeOffset.FromUnixTimeSeconds(1_679_315_147);
        var line = bob.Sign(cp, CheckpointRole.Witness, when);
        Assert.Equal(72, line.Signature.Length);
        Assert.Equal(1_679_315_147UL, BinaryPrimitives.ReadUInt64BigEndian(line.Signature));
        var msg = Encoding.UTF8.GetBytes("cosignature/v1\ntime 1679315147\n" + cp.Body);
        var pub = Convert.FromBase64String(bob.VerifierKey(CheckpointRole.Witness).ToString().Split('+', 3)[2])[1..];
        Assert.True(Ed25519.Verify(line.Signature, 8, pub, 0, msg, 0, msg.Length));
        Assert.Equal(NoteKeys.KeyId("bob", 0x04, pub), line.KeyId);
        var verdict = CheckpointVerdict.Judge(cp.WithSignature(line), [bob.VerifierKey(CheckpointRole.Witness)], CheckpointPolicy.Default);
        Assert.Equal(CheckpointRole.Witness, verdict.Signatures[0].Role);
        Assert.Equal(when, verdict.Signatures[0].Time);
    }

    [Fact]
    public void EnvelopeSignature_ForAnEthereumKey_VerifiesThroughTheRoster()
    {
        var (ws, inc) = NewIncident(entries: 3);
        var eth = NewEthKeyFile("carol.eth");
        Bind(ws, "carol", ProofKind.Ethereum, eth);
        var roster = Roster.Load(ws);
        var carol = CheckpointSigner.FromKeyFile("carol", eth, null, roster);
        Assert.Equal(ProofKind.Ethereum, carol.Kind);
        var (cp, _) = CheckpointLog.Create(ws, inc, carol);
        var keys = NoteVerifierKey.FromRoster(roster);
        var verdict = CheckpointVerdict.Judge(cp, keys, CheckpointPolicy.Default);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(["carol"], verdict.LogSigners);
        // The vkey form round-trips and verifies offline.
        var offline = CheckpointVerdict.Judge(Checkpoint.Parse(cp.Text), [NoteVerifierKey.Parse(carol.VerifierKey(CheckpointRole.Log).ToString())], CheckpointPolicy.Default);
        Assert.True(offline.IsValid, offline.Reason);
        // A role swapped inside the envelope breaks its signature.
        var line = cp.Signatures[0];
        var tampered = Encoding.UTF8.GetString(line.Signature).Replace("\"role\":\"log\"", "\"role\":\"witness\"");
        var swapped = new Checkpoint(cp.Origin, cp.Size, cp.RootHash, null, [new NoteSignature(line.Name, line.KeyId, Encoding.UTF8.GetBytes(tampered))]);
        Assert.False(CheckpointVerdict.Judge(swapped, keys, CheckpointPolicy.Default).IsValid);
    }

    [Fact]
    public void AnEmptyTreeCheckpoint_OfADeirfJournal_IsNeverConsistent_NorCosigned()
    {
        var (ws, inc) = NewIncident(entries: 3);
        var empty = new Checkpoint(Checkpoint.OriginFor(ws.WorkspaceId, inc), 0, Merkle.EmptyRoot);
        var verdict = CheckpointConsistency.Verify(ws.JournalOf(inc), new JournalVerifyOptions(), empty, empty.Origin);
        Assert.False(verdict.Checkpoint!.IsConsistent);
        Assert.Contains("empty tree", verdict.Checkpoint.Reason);
        var path = Path.Combine(_dir, "empty.checkpoint");
        empty.Save(path);
        var bob = CheckpointSigner.FromKeyFile("bob", NewSeedFile("bob-empty.seed"), ProofKind.DidKey);
        Assert.Equal("CheckpointEmpty", Assert.Throws<CheckpointException>(() => WitnessBook.CosignInReplica(ws, path, bob)).ErrorId);
    }

    [Fact]
    public void TreeIsIncremental_AndAgreesWithAFreshBuild()
    {
        var (ws, inc) = NewIncident(entries: 10);
        var (cp10, _) = CheckpointLog.Create(ws, inc, null);
        Notes(ws, inc, 7, "more");
        var (cp17, _) = CheckpointLog.Create(ws, inc, null);
        var fresh = new MerkleTree();
        foreach (var e in ws.JournalOf(inc).ReadEntries())
        {
            fresh.AppendEntryHash(Convert.FromHexString(e.Hash));
        }
        Assert.Equal(fresh.Root(10), cp10.RootHash);
        Assert.Equal(fresh.Root(17), cp17.RootHash);
        // Deleting the tree folder only costs a rebuild.
        Directory.Delete(JournalTree.DirectoryFor(ws.JournalOf(inc)), true);
        using var rebuilt = JournalTree.Open(ws.JournalOf(inc));
        Assert.Equal(fresh.Root(), rebuilt.Tree.Root());
    }

    /// <summary>
    /// Issue 18 finding 8: the witness state and the proof file were written through a fixed "&lt;path&gt;.tmp" that
    /// followed a planted symbolic link; now both go through AtomicFile and the file the link names is untouched.
    /// </summary>
    [SkippableFact]
    public void WitnessStateAndProofSave_WithLinksPlantedAtTheOldTempNames_LeaveTheVictimsUntouched()
    {
        Skip.If(OperatingSystem.IsWindows(), "planting a symbolic link needs no privilege only on Unix");
        var (ws, inc) = NewIncident(entries: 5);
        var recKey = NewSeedFile("rec.seed");
        var bobKey = NewSeedFile("bob.seed");
        Bind(ws, "rec", ProofKind.DidKey, recKey);
        Bind(ws, "bob", ProofKind.DidKey, bobKey);
        var roster = Roster.Load(ws);
        var (_, path) = CheckpointLog.Create(ws, inc, CheckpointSigner.FromKeyFile("rec", recKey, null, roster));
        string Victim(string plantedAt)
        {
            var victim = Path.Combine(_dir, "victim-" + Guid.NewGuid().ToString("N")[..8]);
            File.WriteAllText(victim, "victim");
            Directory.CreateDirectory(Path.GetDirectoryName(plantedAt)!);
            File.CreateSymbolicLink(plantedAt, victim);
            return victim;
        }
        var state = WitnessBook.ForThisMachine("bob").StatePath(Checkpoint.OriginFor(ws.WorkspaceId, inc));
        var stateVictim = Victim(state + ".tmp");
        WitnessBook.CosignInReplica(ws, path, CheckpointSigner.FromKeyFile("bob", bobKey, null, roster));
        Assert.Equal("victim", File.ReadAllText(stateVictim));
        Assert.Null(new FileInfo(state).LinkTarget);

        var file = Path.Combine(_dir, "entry3.proof");
        var proofVictim = Victim(file + ".tmp");
        CheckpointLog.Prove(ws, inc, 3).Save(file);
        Assert.Equal("victim", File.ReadAllText(proofVictim));
        Assert.StartsWith("c2sp.org/tlog-proof@v1\n", File.ReadAllText(file));
    }

    [Fact]
    public void InclusionProof_IsSelfContained_AndVerifiesOffline()
    {
        var (ws, inc) = NewIncident(entries: 30);
        var recKey = NewSeedFile("rec.seed");
        var bobKey = NewSeedFile("bob.seed");
        Bind(ws, "rec", ProofKind.DidKey, recKey);
        Bind(ws, "bob", ProofKind.DidKey, bobKey);
        var roster = Roster.Load(ws);
        var (_, path) = CheckpointLog.Create(ws, inc, CheckpointSigner.FromKeyFile("rec", recKey, null, roster));
        WitnessBook.CosignInReplica(ws, path, CheckpointSigner.FromKeyFile("bob", bobKey, null, roster));
        var proof = CheckpointLog.Prove(ws, inc, 17);
        var file = Path.Combine(_dir, "entry17.proof");
        proof.Save(file);

        var keys = new[]
        {
            NoteVerifierKey.Parse(CheckpointSigner.FromKeyFile("rec", recKey, ProofKind.DidKey).VerifierKey(CheckpointRole.Log).ToString()),
            NoteVerifierKey.Parse(CheckpointSigner.FromKeyFile("bob", bobKey, ProofKind.DidKey).VerifierKey(CheckpointRole.Witness).ToString()),
        };
        var loaded = InclusionProof.Load(file);
        var verdict = loaded.Verify(Checkpoint.Load(path), keys, CheckpointPolicy.Default);
        Assert.True(verdict.IsTrusted, verdict.Reason);
        Assert.Contains($"{inc}#17 note by alice", verdict.Entry);
        Assert.StartsWith("c2sp.org/tlog-proof@v1\nextra ", File.ReadAllText(file));

        // Mutations of the file: index ±1, a flipped proof hash, trailing garbage after the path, a changed entry.
        var text = File.ReadAllText(file);
        var lines = text.Split('\n').ToList();
        string[] mutants =
        [
            text.Replace("\nindex 17\n", "\nindex 16\n"),
            text.Replace("\nindex 17\n", "\nindex 18\n"),
            string.Join('\n', lines.Take(3).Append(Convert.ToBase64String(Flip(Convert.FromBase64String(lines[3])))).Concat(lines.Skip(4))),
            string.Join('\n', lines.Take(3 + loaded.Path.Count).Append(Convert.ToBase64String(new byte[32])).Concat(lines.Skip(3 + loaded.Path.Count))),
            text.Replace(lines[1], "extra " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(loaded.EntryLine).Replace("note 16", "note 99")))),
        ];
        foreach (var m in mutants)
        {
            Assert.NotEqual(text, m);
            var v = InclusionProof.Parse(m).Verify(null, keys, CheckpointPolicy.Default);
            Assert.False(v.IsIncluded, m);
            Assert.False(v.IsTrusted);
        }
        // Without trusted keys, the path verifies but nothing is trusted.
        var noKeys = loaded.Verify(null, [], CheckpointPolicy.Default);
        Assert.True(noKeys.IsIncluded);
        Assert.False(noKeys.IsTrusted);
    }

    private static byte[] Flip(byte[] b)
    {
        var c = (byte[])b.Clone();
        c[5] ^= 0x10;
        return c;
    }

    [Fact]
    public void ForkScenario_TwoReplicasDivergeAfterEntry40_TheWitnessDetectsIt()
    {
        var (wsA, inc) = NewIncident("replica-a", entries: 40);
        var recKey = NewSeedFile("rec.seed");
        var bobKey = NewSeedFile("bob.seed");
        Bind(wsA, "rec", ProofKind.DidKey, recKey);
        Bind(wsA, "bob", ProofKind.DidKey, bobKey);
        // Replica B: a copy of the workspace (same id, same roster, same first 40 entries), as a git clone would be.
        CopyDirectory(wsA.Root, Path.Combine(_dir, "replica-b"));
        var wsB = Workspace.Open(Path.Combine(_dir, "replica-b"));
        Notes(wsA, inc, 10, "A says");
        Notes(wsB, inc, 10, "B says");
        var roster = Roster.Load(wsA);
        var rec = CheckpointSigner.FromKeyFile("rec", recKey, null, roster);
        var bob = CheckpointSigner.FromKeyFile("bob", bobKey, null, roster);

        var (cpA, pathA) = CheckpointLog.Create(wsA, inc, rec);
        var (cpB, pathB) = CheckpointLog.Create(wsB, inc, rec);
        Assert.Equal(cpA.Size, cpB.Size);
        Assert.NotEqual(cpA.Root, cpB.Root);
        WitnessBook.CosignInReplica(wsA, pathA, bob);

        // Bob's replica is A: B's checkpoint of the same size is a fork, named with its signer.
        var copy = Path.Combine(_dir, "b.checkpoint");
        File.Copy(pathB, copy);
        var ex = Assert.Throws<CheckpointException>(() => WitnessBook.CosignInReplica(wsA, copy, bob));
        Assert.Equal("CheckpointFork", ex.ErrorId);
        Assert.Contains("rec", ex.Message);

        // The witness's own memory catches it too, even shown B's tree and proofs: same size, other root…
        var book = WitnessBook.ForThisMachine("bob");
        var origin = Checkpoint.OriginFor(wsA.WorkspaceId, inc);
        CheckpointException fork;
        using (var treeB = JournalTree.Open(wsB.JournalOf(inc)))
        {
            fork = Assert.Throws<CheckpointException>(() => book.Cosign(origin, cpB, ["mallory"], (m, n) => treeB.Tree.ConsistencyProof(m, n), bob));
        }
        Assert.Equal("CheckpointFork", fork.ErrorId);
        Assert.Contains("mallory", fork.Message);
        Assert.Contains("rec", fork.Message);
        // …and a larger B checkpoint does not extend what bob cosigned: the consistency proof fails.
        Notes(wsB, inc, 10, "B goes on");
        var (cpB60, _) = CheckpointLog.Create(wsB, inc, rec);
        CheckpointException inconsistent;
        using (var treeB60 = JournalTree.Open(wsB.JournalOf(inc)))
        {
            inconsistent = Assert.Throws<CheckpointException>(() => book.Cosign(origin, cpB60, ["rec"], (m, n) => treeB60.Tree.ConsistencyProof(m, n), bob));
        }
        Assert.Equal("CheckpointInconsistent", inconsistent.ErrorId);
        Assert.Equal(50, book.Load(origin)!.Size);

        // A extending its own history is cosigned.
        Notes(wsA, inc, 5, "A goes on");
        var (_, pathA55) = CheckpointLog.Create(wsA, inc, rec);
        var (cosigned, _, previous) = WitnessBook.CosignInReplica(wsA, pathA55, bob);
        Assert.Equal(50, previous!.Size);
        Assert.Equal(55, book.Load(origin)!.Size);
        Assert.True(CheckpointVerdict.Judge(cosigned, NoteVerifierKey.FromRoster(roster), CheckpointPolicy.Default).IsTrusted);
    }

    [Fact]
    public void Witness_KeysStateByTheJournalsOwnOrigin_NotByWhatTheCheckpointSays()
    {
        var (ws, inc) = NewIncident(entries: 5);
        var bobKey = NewSeedFile("bob.seed");
        Bind(ws, "bob", ProofKind.DidKey, bobKey);
        var bob = CheckpointSigner.FromKeyFile("bob", bobKey, null, Roster.Load(ws));
        using var tree = JournalTree.Open(ws.JournalOf(inc));
        var foreign = new Checkpoint($"deirf.local/ws-ffffffffffffffffffffffffffffffff/{inc}", 5, tree.Tree.Root());
        var path = Path.Combine(_dir, "foreign.checkpoint");
        foreign.Save(path);
        tree.Dispose();
        var ex = Assert.Throws<CheckpointException>(() => WitnessBook.CosignInReplica(ws, path, bob));
        Assert.Equal("CheckpointOriginMismatch", ex.ErrorId);
        var book = WitnessBook.ForThisMachine("bob");
        Assert.Throws<CheckpointException>(() => book.Cosign(Checkpoint.OriginFor(ws.WorkspaceId, inc), foreign, [], (_, _) => [], bob));
    }

    [Fact]
    public void TestJournalWithCheckpoint_ChecksChainAndTreeLeafByLeaf()
    {
        var (ws, inc) = NewIncident(entries: 20);
        var (cp, _) = CheckpointLog.Create(ws, inc, null);
        Notes(ws, inc, 5, "later");
        var journal = ws.JournalOf(inc);
        var origin = Checkpoint.OriginFor(ws.WorkspaceId, inc);
        var ok = CheckpointConsistency.Verify(journal, new JournalVerifyOptions { ExpectedIncident = inc }, cp, origin);
        Assert.True(ok.IsValid, ok.Reason);
        Assert.True(ok.Checkpoint!.IsConsistent);
        Assert.Equal(25, ok.Checkpoint.TreeLeavesCompared);

        // The tree beside the journal altered at leaf 7 (the chain is intact): reported at that leaf.
        var level0 = Path.Combine(JournalTree.DirectoryFor(journal), "level-00.bin");
        var bytes = File.ReadAllBytes(level0);
        bytes[7 * 32 + 3] ^= 1;
        File.WriteAllBytes(level0, bytes);
        var treeBad = CheckpointConsistency.Verify(journal, new JournalVerifyOptions { ExpectedIncident = inc }, cp, origin);
        Assert.False(treeBad.IsValid);
        Assert.Equal(JournalFault.CheckpointMismatch, treeBad.Fault);
        Assert.Equal(7, treeBad.FirstBadSeq);

        // Another journal's checkpoint (same size, other root) is not extended.
        var (ws2, inc2) = NewIncident("other", entries: 20);
        var (other, _) = CheckpointLog.Create(ws2, inc2, null);
        var wrongOrigin = CheckpointConsistency.Verify(journal, new JournalVerifyOptions(), other, origin);
        Assert.False(wrongOrigin.IsValid);
        var forged = new Checkpoint(origin, 20, other.RootHash);
        Directory.Delete(JournalTree.DirectoryFor(journal), true);
        var rewritten = CheckpointConsistency.Verify(journal, new JournalVerifyOptions(), forged, origin);
        Assert.False(rewritten.IsValid);
        Assert.Contains("history was rewritten", rewritten.Reason);
        // A checkpoint larger than the journal: entries were removed.
        var bigger = new Checkpoint(origin, 26, cp.RootHash);
        Assert.Contains("fewer", CheckpointConsistency.Verify(journal, new JournalVerifyOptions(), bigger, origin).Reason);
    }

    [Fact]
    public void AutomaticCheckpoints_EveryNEntries_AndOnClose()
    {
        using var w = new QuorumWorld(_dir);
        w.Responder("alice", [ResponderRole.Recorder], ProofKind.DidKey);
        var ws = w.Ws;
        new CheckpointPolicy { Every = 5 }.Save(ws, "alice", w.Options);
        var inc = ws.OpenIncident("checkpoint test", "alice", options: w.Options).Id;
        var journal = ws.JournalOf(inc);
        var automatic = new AutomaticCheckpoints(ws, "alice");
        var options = new JournalAppendOptions { Durable = false, Clock = w.Options.Clock, Signers = w.Options.Signers, Checkpoints = automatic };
        for (int i = 0; i < 11; i++)
        {
            journal.Append(new StatementDraft(Note.KindName, "alice", new JsonObject { ["text"] = $"n{i}" }), options);
        }
        Assert.Equal(new long[] { 5, 10 }, CheckpointLog.List(ws, inc).Select(p => Checkpoint.Load(p).Size));
        Assert.Equal(CheckpointLog.List(ws, inc), automatic.Written);
        Assert.Empty(automatic.Problems);
        ws.CloseIncident(inc, "alice", "done", options);
        Assert.Equal(13, Checkpoint.Load(CheckpointLog.List(ws, inc)[^1]).Size);
        // Unsigned (alice has no signing key here): written for a signer and witnesses to sign later.
        Assert.Empty(Checkpoint.Load(CheckpointLog.List(ws, inc)[^1]).Signatures);
    }

    /// <summary>rec (log) and bob (witness) bound in <paramref name="ws"/> with the same key files everywhere: the same people.</summary>
    private (CheckpointSigner Rec, CheckpointSigner Bob) SamePeople(Workspace ws, string recKey, string bobKey)
    {
        Bind(ws, "rec", ProofKind.DidKey, recKey);
        Bind(ws, "bob", ProofKind.DidKey, bobKey);
        var roster = Roster.Load(ws);
        return (CheckpointSigner.FromKeyFile("rec", recKey, null, roster), CheckpointSigner.FromKeyFile("bob", bobKey, null, roster));
    }

    private static string CosignedCheckpoint(Workspace ws, string incident, CheckpointSigner rec, CheckpointSigner bob)
    {
        var (_, path) = CheckpointLog.Create(ws, incident, rec);
        WitnessBook.CosignInReplica(ws, path, bob);
        return path;
    }

    [Fact]
    public void InclusionProof_FromAnotherWorkspace_SamePeopleSameIncidentId_IsNotTrustedHere()
    {
        var recKey = NewSeedFile("rec.seed");
        var bobKey = NewSeedFile("bob.seed");
        var (wsA, inc) = NewIncident("ws-a", entries: 10);
        var (recA, bobA) = SamePeople(wsA, recKey, bobKey);
        CosignedCheckpoint(wsA, inc, recA, bobA);
        // Workspace B: another id, the same responders and keys, an incident with the same id.
        var wsB = Workspace.Initialize(Path.Combine(_dir, "ws-b"));
        new JournalFile(wsB.JournalPathFor(inc)).CreateGenesis(wsB.WorkspaceId, inc,
            new StatementDraft(IncidentOpened.KindName, "alice", new JsonObject { ["drill"] = false, ["reporter"] = "alice", ["tags"] = new JsonArray(), ["title"] = "checkpoint test" }), _fast);
        Notes(wsB, inc, 9, "B says");
        var (recB, bobB) = SamePeople(wsB, recKey, bobKey);
        CosignedCheckpoint(wsB, inc, recB, bobB);
        var foreign = CheckpointLog.Prove(wsB, inc, 5);

        var keysA = NoteVerifierKey.FromRoster(Roster.Load(wsA));
        // The attack: A's keys and policy alone accept B's proof (same people signed it).
        Assert.True(foreign.Verify(null, keysA, CheckpointPolicy.Default).IsTrusted);
        var bound = foreign.Verify(null, keysA, CheckpointPolicy.Default, null, InclusionProofBinding.For(wsA, foreign));
        Assert.False(bound.IsTrusted);
        Assert.False(bound.IsIncluded);
        Assert.Equal(InclusionProofFault.OriginMismatch, bound.Fault);
        Assert.Contains(Checkpoint.OriginFor(wsA.WorkspaceId, inc), bound.Reason);
        // Offline, an origin the reader expects binds the same way.
        Assert.Equal(InclusionProofFault.OriginMismatch,
            foreign.Verify(null, keysA, CheckpointPolicy.Default, null, new InclusionProofBinding(Checkpoint.OriginFor(wsA.WorkspaceId, inc))).Fault);

        // A's own proof, bound to A: trusted, and the entry is the one A's journal holds.
        var own = CheckpointLog.Prove(wsA, inc, 5);
        var ok = own.Verify(null, keysA, CheckpointPolicy.Default, null, InclusionProofBinding.For(wsA, own));
        Assert.True(ok.IsTrusted, ok.Reason);
        Assert.Equal(InclusionProofFault.None, ok.Fault);
        Assert.True(ok.MatchesLocalJournal);
    }

    [Fact]
    public void InclusionProof_OfAnEntryThisJournalHoldsDifferently_IsRefused()
    {
        var recKey = NewSeedFile("rec.seed");
        var bobKey = NewSeedFile("bob.seed");
        var (wsA, inc) = NewIncident("replica-a", entries: 8);
        SamePeople(wsA, recKey, bobKey);
        // A replica (same workspace id and origin) that diverges after entry 8, checkpointed and cosigned there.
        CopyDirectory(wsA.Root, Path.Combine(_dir, "replica-b"));
        var wsB = Workspace.Open(Path.Combine(_dir, "replica-b"));
        Notes(wsA, inc, 4, "A says");
        Notes(wsB, inc, 4, "B says");
        var (rec, bob) = SamePeople(wsB, recKey, bobKey);
        CosignedCheckpoint(wsB, inc, rec, bob);
        var proof = CheckpointLog.Prove(wsB, inc, 10);

        var keysA = NoteVerifierKey.FromRoster(Roster.Load(wsA));
        Assert.True(proof.Verify(null, keysA, CheckpointPolicy.Default).IsTrusted);
        var v = proof.Verify(null, keysA, CheckpointPolicy.Default, null, InclusionProofBinding.For(wsA, proof));
        Assert.False(v.IsTrusted);
        Assert.Equal(InclusionProofFault.EntryMismatch, v.Fault);
        Assert.Contains(wsA.JournalOf(inc).ReadEntries().First(e => e.Seq == 10).Hash, v.Reason);
        // An entry both histories share is the same entry: the proof of it is trusted in A.
        var shared = CheckpointLog.Prove(wsB, inc, 3);
        Assert.True(shared.Verify(null, keysA, CheckpointPolicy.Default, null, InclusionProofBinding.For(wsA, shared)).MatchesLocalJournal);
        // The redacted public form is compared the same way.
        Assert.Equal(InclusionProofFault.EntryMismatch,
            proof.ForPublication(proof.Checkpoint).Verify(null, keysA, CheckpointPolicy.Default, null, InclusionProofBinding.For(wsA, proof)).Fault);
    }

    [Fact]
    public void PublicProof_NamesNoSignerAndNoEntryContent_AndVerifiesWithThePseudonymousKeys()
    {
        var (ws, inc) = NewIncident("ws-public", entries: 1);
        var carolKey = NewSeedFile("carol.seed");
        var daveKey = NewEthKeyFile("dave.eth");
        Bind(ws, "carol", ProofKind.DidKey, carolKey);
        Bind(ws, "dave", ProofKind.Ethereum, daveKey);
        var secretPath = "/srv/internal/vault-prod-7/db.yaml";
        ws.JournalOf(inc).Append(new StatementDraft(Note.KindName, "carol", new JsonObject { ["text"] = $"rotated {secretPath}" }), _fast);
        Notes(ws, inc, 3, "note");
        var roster = Roster.Load(ws);
        var carol = CheckpointSigner.FromKeyFile("carol", carolKey, null, roster);
        var dave = CheckpointSigner.FromKeyFile("dave", daveKey, null, roster);
        var path = CosignedCheckpoint(ws, inc, carol, dave);
        // A line from a key the roster does not know is dropped from the public copy (it names someone).
        var stranger = CheckpointSigner.FromKeyFile("mallory", NewSeedFile("mallory.seed"), ProofKind.DidKey);
        var cp = Checkpoint.Load(path);
        cp.WithSignature(stranger.Sign(cp, CheckpointRole.Witness, DateTimeOffset.UtcNow)).Save(path);

        var text = Path.Combine(_dir, "disclosure.md");
        var disclosed = DeIRF.Disclosure.DisclosureText.Prove(ws, inc, text, [1]);
        var proof = disclosed[0].Proof;
        var published = disclosed[0].Published!;
        Assert.True(proof.IsRedacted);
        var proofText = proof.Text;
        var entry = ws.JournalOf(inc).ReadEntries().First(e => e.Seq == 1);
        foreach (var leak in new[] { "carol", "dave", "mallory", "alice", secretPath, "did:key", entry.StatementJson })
        {
            Assert.DoesNotContain(leak, proofText, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(leak, string.Join('\n', published.Keys.Select(k => k.ToString())), StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal($"{{\"form\":\"{InclusionProof.RedactedForm}\",\"hash\":\"{entry.Hash}\",\"seq\":1}}", Encoding.UTF8.GetString(proof.EntryLine));
        Assert.Equal(new[] { "signer-1", "signer-2" }, proof.Checkpoint.Signatures.Select(l => l.Name));
        Assert.True(proof.Checkpoint.SameTreeHead(cp));

        // A reader with only the published (pseudonymous) keys, parsed from their text: included and trusted.
        var readerKeys = published.Keys.Select(k => NoteVerifierKey.Parse(k.ToString())).ToList();
        var v = InclusionProof.Parse(proofText).Verify(null, readerKeys, CheckpointPolicy.Default, null, new InclusionProofBinding(cp.Origin));
        Assert.True(v.IsTrusted, v.Reason);
        Assert.True(v.IsRedacted);
        Assert.Equal(new[] { "signer-1" }, v.Checkpoint.LogSigners);
        Assert.Equal(new[] { "signer-2" }, v.Checkpoint.Cosigners);
        Assert.Contains(entry.Hash, v.Entry);
        // Inside the workspace the proof is still compared with the journal.
        Assert.True(proof.Verify(null, readerKeys, CheckpointPolicy.Default, null, InclusionProofBinding.For(ws, proof)).MatchesLocalJournal);
        // A changed hash, seq or a non-canonical redacted line is refused.
        var line = Encoding.UTF8.GetString(proof.EntryLine);
        string[] mutants =
        [
            line.Replace(entry.Hash, entry.Hash[..^1] + (entry.Hash[^1] == '0' ? '1' : '0')),
            line.Replace("\"seq\":1", "\"seq\":2"),
            line.Replace("{\"form\"", "{ \"form\""),
            line.Replace(entry.Hash, entry.Hash.ToUpperInvariant()),
            line.Replace("}", ",\"actor\":\"x\"}"),
        ];
        foreach (var m in mutants)
        {
            var mutated = proofText.Replace("extra " + Convert.ToBase64String(proof.EntryLine), "extra " + Convert.ToBase64String(Encoding.UTF8.GetBytes(m)));
            Assert.NotEqual(proofText, mutated);
            var mv = InclusionProof.Parse(mutated).Verify(null, readerKeys, CheckpointPolicy.Default);
            Assert.False(mv.IsIncluded, m);
            Assert.False(mv.IsTrusted, m);
        }

        // The rendered disclosure text: no responder, no internal path; the public checkpoint copy and its keys.
        var rendered = DeIRF.Disclosure.DisclosureText.Render(ws, inc, Path.Combine(AppContext.BaseDirectory, "templates", "disclosure.md"), "We rotated a credential.", disclosed);
        foreach (var leak in new[] { "carol", "dave", "mallory", "alice", secretPath, "did:key", "journal.jsonl" })
        {
            Assert.DoesNotContain(leak, rendered, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains(proof.Checkpoint.Text.TrimEnd('\n'), rendered);
        Assert.All(published.Keys, k => Assert.Contains(k.ToString(), rendered));
        Assert.Contains("| 1 |", rendered);
        Assert.Contains("| Note |", rendered);
    }

    [Fact]
    public void TrustPolicy_UsesTheQuorumGrammar()
    {
        var policy = CheckpointPolicy.Parse("""{"version":1,"require":{"all":[{"count":1,"roles":["Recorder"]},{"count":1}]}}""");
        var roles = new Dictionary<string, IReadOnlySet<string>>
        {
            ["bob"] = new HashSet<string> { "Recorder" },
        };
        Assert.False(policy.Judge(roles).Met);
        roles["carol"] = new HashSet<string>();
        Assert.True(policy.Judge(roles).Met);
        Assert.Equal("CheckpointPolicyInvalid", Assert.Throws<CheckpointException>(() => CheckpointPolicy.Parse("""{"version":1,"require":{"count":0}}""")).ErrorId);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (!file.EndsWith(".lock", StringComparison.Ordinal))
            {
                File.Copy(file, file.Replace(from, to));
            }
        }
    }
}
