using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Core.Tests.Quorum;
using DeIRF.Disclosure;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>
/// checkpoint-policy.json is governed (issue 26): only a settings.set entry of the roster journal sets it, so whoever can
/// push or edit the file cannot lower the cosigners a checkpoint needs; and its "disclosure" rule makes
/// Publish-DeirfDisclosure wait for public witnesses to have cosigned the journal the disclosure states.
/// </summary>
public sealed class CheckpointPolicyGovernanceTests : IDisposable
{
    private readonly QuorumWorld _w;
    private readonly string _inc;

    public CheckpointPolicyGovernanceTests() => _w = QuorumWorld.Standard(out _inc);

    public void Dispose() => _w.Dispose();

    private string DisclosureFile()
    {
        var path = Path.Combine(_w.Dir, "disclosure.md");
        File.WriteAllText(path, "We contained the incident.\n");
        return path;
    }

    [Fact]
    public void DuringFounding_TheRosterJournalSetsIt_AndAFileEditedByHandIsRefused()
    {
        var saved = new CheckpointPolicy { Every = 7, Require = DeIRF.Quorum.QuorumGroup.Of(2) }.Save(_w.Ws, "alice", _w.Options);
        Assert.StartsWith("ROSTER#", saved.Source);
        var loaded = CheckpointPolicy.Load(_w.Ws);
        Assert.Equal(7, loaded.Every);
        Assert.Equal(saved.Source, loaded.Source);
        Assert.Contains(_w.Roster.Journal.ReadEntries(), e => e.Kind == SettingsSet.KindName);

        // Someone edits the file to need no cosigner: refused, naming the entry that set it.
        File.WriteAllText(CheckpointPolicy.PathIn(_w.Ws), """{"version":1,"every":7,"onClose":true,"require":{"count":0}}""");
        var ex = Assert.Throws<CheckpointException>(() => CheckpointPolicy.Load(_w.Ws));
        Assert.Equal("CheckpointPolicyUnjournaled", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, ex.Kind);
        Assert.Contains(saved.Source, ex.Message);

        // Deleting it is no rollback to the defaults: the journaled policy stays in force.
        File.Delete(CheckpointPolicy.PathIn(_w.Ws));
        Assert.Equal(7, CheckpointPolicy.Load(_w.Ws).Every);
    }

    [Fact]
    public void AFileNobodyJournaled_IsRefused()
    {
        File.WriteAllText(CheckpointPolicy.PathIn(_w.Ws), """{"version":1,"every":5,"onClose":true,"require":{"count":1}}""");
        Assert.Equal("CheckpointPolicyUnjournaled", Assert.Throws<CheckpointException>(() => CheckpointPolicy.Load(_w.Ws)).ErrorId);
    }

    [Fact]
    public void OnceSealed_OnlyAMetSettingsSetProposalChangesIt()
    {
        _w.Seal();
        var policy = new CheckpointPolicy { Every = 50 };
        var alone = Assert.ThrowsAny<DeirfException>(() => policy.Save(_w.Ws, "alice", _w.Options));
        Assert.NotEqual("CheckpointPolicyInvalid", alone.ErrorId);
        Assert.Equal(CheckpointPolicy.Default.Every, CheckpointPolicy.Load(_w.Ws).Every);

        var p = _w.Propose(Roster.JournalId, Roster.SettingsAction, CheckpointPolicy.FileName, new Dictionary<string, string> { ["sha256"] = policy.Sha256 }, "alice");
        _w.Sign(p, "bob");
        _w.Sign(p, "carol");
        _w.Approve(p, "dana");
        Assert.Equal(50, policy.Save(_w.Ws, "alice", _w.Options, p.Id).Every);
        Assert.Equal(50, CheckpointPolicy.Load(_w.Ws).Every);

        // The proposal named that document: another one under it is refused.
        Assert.ThrowsAny<DeirfException>(() => new CheckpointPolicy { Every = 0 }.Save(_w.Ws, "alice", _w.Options, p.Id));
        Assert.Equal(50, CheckpointPolicy.Load(_w.Ws).Every);
    }

    [Fact]
    public void DisclosureRule_ParsesWitnessKeys_AndRefusesWhatCannotBeMet()
    {
        var w1 = new TestNoteKey("witness.example/w1");
        var json = new CheckpointPolicy { DisclosureWitnesses = [w1.Key(NoteKeys.CosignatureV1Type)], MinDisclosureWitnesses = 1 }.ToJson().ToJsonString();
        var back = CheckpointPolicy.Parse(json);
        Assert.Equal(1, back.MinDisclosureWitnesses);
        Assert.Equal(w1.Key(NoteKeys.CosignatureV1Type).ToString(), back.DisclosureWitnesses.Single().ToString());

        string Bad(string disclosure) => Assert.Throws<CheckpointException>(() => CheckpointPolicy.Parse($$"""{"version":1,"disclosure":{{disclosure}}}""")).Message;
        Assert.Contains("cannot be met", Bad($$"""{"witnesses":["{{w1.Key(NoteKeys.CosignatureV1Type)}}"],"min":2}"""));
        Assert.Contains("cosignature/v1", Bad($$"""{"witnesses":["{{w1.Key(NoteKeys.Ed25519Type)}}"],"min":1}"""));
        Assert.Contains("named twice", Bad($$"""{"witnesses":["{{w1.Key(NoteKeys.CosignatureV1Type)}}","{{w1.Key(NoteKeys.CosignatureV1Type)}}"],"min":1}"""));
        Assert.Contains("witness key is refused", Bad("""{"witnesses":["not a key"],"min":0}"""));
        Assert.Contains("disclosure", Bad("""{"witnesses":[],"min":0,"extra":1}"""));
    }

    [Fact]
    public void Disclosure_WaitsForThePublicWitnesses_ToHaveCosignedTheWholeJournal()
    {
        var w1 = new TestNoteKey("witness.example/w1");
        var w2 = new TestNoteKey("witness.example/w2");
        var stranger = new TestNoteKey("witness.example/not-listed");
        new CheckpointPolicy { DisclosureWitnesses = [w1.Key(NoteKeys.CosignatureV1Type), w2.Key(NoteKeys.CosignatureV1Type)], MinDisclosureWitnesses = 2 }
            .Save(_w.Ws, "alice", _w.Options);
        var text = DisclosureFile();

        // No checkpoint at all.
        var none = Assert.Throws<DisclosureException>(() => Disclosures.Prepare(_w.Ws, _inc, text));
        Assert.Equal("DisclosureNotWitnessed", none.ErrorId);
        Assert.Contains("witness.example/w1", none.Message);

        // A checkpoint of the whole journal, cosigned by one listed witness and one stranger: not enough.
        var (cp, _) = CheckpointLog.Create(_w.Ws, _inc, null);
        var partly = CheckpointLog.MergeSignatures(_w.Ws, _inc, cp.WithSignature(w1.Cosign(cp, 1_800_000_000)).WithSignature(stranger.Cosign(cp, 1_800_000_000)));
        var one = Assert.Throws<DisclosureException>(() => Disclosures.Prepare(_w.Ws, _inc, text));
        Assert.Equal("DisclosureNotWitnessed", one.ErrorId);
        Assert.Contains("has 1 of them", one.Message);

        // A forged cosignature line of a listed witness counts as none.
        var forged = w2.Cosign(cp, 1_800_000_000);
        var bytes = forged.Signature.ToArray();
        bytes[^1] ^= 1;
        CheckpointLog.MergeSignatures(_w.Ws, _inc, partly.WithSignature(new NoteSignature(forged.Name, forged.KeyId, bytes)));
        Assert.Equal("DisclosureNotWitnessed", Assert.Throws<DisclosureException>(() => Disclosures.Prepare(_w.Ws, _inc, text)).ErrorId);

        // Both listed witnesses: the draft names them and the size they saw, and the entry records it.
        var both = Checkpoint.Load(CheckpointLog.PathFor(_w.Ws, _inc, cp.Size));
        both = new Checkpoint(both.Origin, both.Size, both.RootHash, both.Extensions, both.Signatures.Where(s => s.Name != "witness.example/w2").ToList());
        File.WriteAllText(CheckpointLog.PathFor(_w.Ws, _inc, cp.Size), both.WithSignature(w2.Cosign(cp, 1_800_000_060)).Text);
        var draft = Disclosures.Prepare(_w.Ws, _inc, text);
        Assert.Equal(["witness.example/w1", "witness.example/w2"], draft.Witnesses);
        Assert.Equal(cp.Size, draft.WitnessedSize);
        var entry = Disclosures.Record(_w.Ws, draft, null, "alice", _w.Options);
        var witnessed = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(entry.Body["witnessed"]);
        Assert.Equal(cp.Size, Convert.ToInt64(witnessed["size"], System.Globalization.CultureInfo.InvariantCulture));

        // The disclosure entry itself is new history: the next disclosure needs the witnesses again.
        var again = Assert.Throws<DisclosureException>(() => Disclosures.Prepare(_w.Ws, _inc, text));
        Assert.Contains($"has {cp.Size} of its {cp.Size + 1} entries", again.Message);
    }

    [Fact]
    public void Disclosure_RefusesAWitnessedCheckpointThatIsNotThisReplicasJournal()
    {
        var w1 = new TestNoteKey("witness.example/w1");
        new CheckpointPolicy { DisclosureWitnesses = [w1.Key(NoteKeys.CosignatureV1Type)], MinDisclosureWitnesses = 1 }.Save(_w.Ws, "alice", _w.Options);
        var (cp, _) = CheckpointLog.Create(_w.Ws, _inc, null);
        var other = new Checkpoint(cp.Origin, cp.Size, new byte[32]);
        File.WriteAllText(CheckpointLog.PathFor(_w.Ws, _inc, cp.Size), other.WithSignature(w1.Cosign(other, 1_800_000_000)).Text);
        var ex = Assert.Throws<DisclosureException>(() => Disclosures.Prepare(_w.Ws, _inc, DisclosureFile()));
        Assert.Equal("DisclosureNotWitnessed", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, ex.Kind);
        Assert.Contains("another history", ex.Message);
    }

    [Fact]
    public void WithoutADisclosureRule_NothingChanges()
    {
        var draft = Disclosures.Prepare(_w.Ws, _inc, DisclosureFile());
        Assert.Null(draft.WitnessedSize);
        Assert.Null(Disclosures.Body(draft, null)["witnessed"]);
    }

    [Fact]
    public void InclusionProofs_EmbedTheBestCosignedCheckpoint_NotANewerUnsignedOne()
    {
        var w1 = new TestNoteKey("witness.example/w1");
        new CheckpointPolicy { DisclosureWitnesses = [w1.Key(NoteKeys.CosignatureV1Type)], MinDisclosureWitnesses = 1 }.Save(_w.Ws, "alice", _w.Options);
        var (cp, _) = CheckpointLog.Create(_w.Ws, _inc, null);
        CheckpointLog.MergeSignatures(_w.Ws, _inc, cp.WithSignature(w1.Cosign(cp, 1_800_000_000)));
        _w.Append(_inc, new StatementDraft(Note.KindName, "alice", new JsonObject { ["text"] = "later" }));
        var (newer, _) = CheckpointLog.Create(_w.Ws, _inc, null);
        Assert.True(newer.Size > cp.Size);

        Assert.Equal(cp.Size, CheckpointLog.Prove(_w.Ws, _inc, 0).Checkpoint.Size);
        // An entry only the newer checkpoint covers is proved against it.
        Assert.Equal(newer.Size, CheckpointLog.Prove(_w.Ws, _inc, newer.Size - 1).Checkpoint.Size);
    }
}
