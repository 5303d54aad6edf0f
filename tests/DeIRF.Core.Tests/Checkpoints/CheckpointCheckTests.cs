using System.Buffers.Binary;
using System.Text;
using DeIRF.Checkpoints;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Xunit;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>
/// Test-DeirfCheckpoint's engine on checkpoints DeIRF did not write: real signed tree heads of the Go checksum
/// database and Rekor v2 with their published keys (Vectors/checkpoints/README.md), origins with spaces, an empty
/// tree, extension lines, and witnesses' cosignature/v1 lines made with keys generated here.
/// </summary>
public sealed class CheckpointCheckTests
{
    private const string SumDbKey = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    private const string RekorKey = "log2025-1.rekor.sigstore.dev+cf119915+AbfK5adZJxsI323FwGD2AJJ9F4i89cfDuLdGJBIYntuO";

    // Published with the checkpoints below (Vectors/checkpoints/README.md): DER SubjectPublicKeyInfo, base64.
    private const string SunlightTestLogKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPIcer7RB32jt4bTEbhgUKLKvOctFD+I2hoDItFxUBlJiGFvftBuRk3fO7e1T7gC2ekyfL7XoO2oN/ObcZyc4EA==";
    private const string Rfc6962LogKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESYlKFDLLFmA9JScaiaNnqlU8oWDytxIYMfswHy9Esg0aiX+WnP/yj4O0ViEHtLwbmOQeSWBGkIu9YK9CLeer+g==";

    private static string Vector(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "checkpoints", name), Encoding.UTF8);

    private static CheckpointCheck Trusting(string vkey, params NoteVerifierKey[] witnesses) => new()
    {
        LogKeys = [NoteVerifierKey.Parse(vkey)], WitnessKeys = witnesses, MinWitnesses = witnesses.Length > 0 ? 1 : 0,
    };

    [Theory]
    [InlineData("go-sumdb-15368405.checkpoint", 15368405L)]
    [InlineData("go-sumdb-63096908.checkpoint", 63096908L)]
    [InlineData("go-sumdb-65209736.checkpoint", 65209736L)]
    public void GoChecksumDatabase_TreeHeads_VerifyWithTheGoCommandsKey(string file, long size)
    {
        var cp = Checkpoint.Parse(Vector(file));
        Assert.Equal("go.sum database tree", cp.Origin);
        Assert.Equal(size, cp.Size);
        var result = Trusting(SumDbKey).Judge(cp);
        Assert.True(result.IsValid, result.Reason);
        Assert.True(result.IsTrusted);
        Assert.Equal(["sum.golang.org"], result.LogSigners);
        Assert.Equal(NoteSignatureStatus.Verified, Assert.Single(result.Signatures).Status);
    }

    [Fact]
    public void RekorV2_TreeHead_VerifiesWithTheShardsKey()
    {
        var cp = Checkpoint.Parse(Vector("rekor-v2-log2025-1-34356369.checkpoint"));
        var result = Trusting(RekorKey).Judge(cp);
        Assert.True(result.IsTrusted, result.Reason);
        // The Go key does not name this line: ignored, and with no line of a given key the checkpoint is not valid.
        var other = Trusting(SumDbKey).Judge(cp);
        Assert.False(other.IsValid);
        Assert.Equal(NoteSignatureStatus.Unknown, Assert.Single(other.Signatures).Status);
        Assert.Equal("no signature by a given log key", other.Reason);
    }

    [Theory]
    [InlineData("15368405", "15368406")]   // another size
    [InlineData("/g9am3I6", "/g9am3I7")]   // another root
    [InlineData("go.sum database tree\n", "go.sum database tree2\n")]   // another origin
    public void MutatedCopies_AreRefused_NamingTheLine(string from, string to)
    {
        var text = Vector("go-sumdb-15368405.checkpoint");
        Assert.Contains(from, text);
        var result = Trusting(SumDbKey).Judge(Checkpoint.Parse(text.Replace(from, to, StringComparison.Ordinal)));
        Assert.False(result.IsValid);
        Assert.Equal(NoteSignatureStatus.Failed, Assert.Single(result.Signatures).Status);
        Assert.StartsWith("the log signature of 'sum.golang.org' (ed25519) does not verify", result.Reason);
    }

    [Fact]
    public void OriginsWithSpaces_AnEmptyTree_AndExtensionLines_AreCheckpoints()
    {
        var cp = Checkpoint.Parse("rekor.sigstore.dev - 1193050959916656506\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nTimestamp: 1689748607742585419\n\n");
        Assert.Equal("rekor.sigstore.dev - 1193050959916656506", cp.Origin);
        Assert.Equal(0, cp.Size);
        Assert.Equal(["Timestamp: 1689748607742585419"], cp.Extensions);
        Assert.Equal("CheckpointMalformed", Assert.Throws<CheckpointException>(() => Checkpoint.Parse("line one\u0007\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n")).ErrorId);
        Assert.Equal("CheckpointMalformed", Assert.Throws<CheckpointException>(() => Checkpoint.Parse("o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n")).ErrorId);
    }

    [Fact]
    public void Witnesses_CountOnlyWithCosignatures_AndMinWitnessesDecidesTrust()
    {
        var log = new TestNoteKey("example.com/log");
        var w1 = new TestNoteKey("witness.one");
        var w2 = new TestNoteKey("witness.two");
        var cp = new Checkpoint("example.com/log with spaces", 0, Merkle.EmptyRoot);
        cp = cp.WithSignature(log.Sign(cp));
        var cosigned = cp.WithSignature(w1.Cosign(cp, 1_700_000_000));
        var check = new CheckpointCheck { LogKeys = [log.Key(NoteKeys.Ed25519Type)], WitnessKeys = [w1.Key(NoteKeys.CosignatureV1Type), w2.Key(NoteKeys.CosignatureV1Type)], MinWitnesses = 2 };

        var one = check.Judge(Checkpoint.Parse(cosigned.Text));
        Assert.True(one.IsValid, one.Reason);
        Assert.False(one.IsTrusted);
        Assert.Equal("1 of the 2 witness cosignature(s) required", one.Reason);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), one.Signatures.Single(s => s.Role == "witness").Time);

        var two = check.Judge(Checkpoint.Parse(cosigned.WithSignature(w2.Cosign(cp, 1_700_000_100)).Text));
        Assert.True(two.IsTrusted, two.Reason);
        Assert.Equal(["witness.one", "witness.two"], two.Witnesses);

        // A witness key given as an Ed25519 (0x01) key, whose line is a plain signature over the note: not a cosignature.
        var w3 = new TestNoteKey("witness.three");
        var plain = new CheckpointCheck { LogKeys = [log.Key(NoteKeys.Ed25519Type)], WitnessKeys = [w3.Key(NoteKeys.Ed25519Type)], MinWitnesses = 1 }
            .Judge(cp.WithSignature(w3.Sign(cp)));
        Assert.False(plain.IsValid);
        Assert.Contains("must be a cosignature", plain.Reason);

        // A cosignature over another time than it says is refused, and refuses the whole checkpoint.
        var forged = w1.Cosign(cp, 1_700_000_000);
        var bytes = forged.Signature.ToArray();
        bytes[7] ^= 1;
        var refused = check.Judge(cp.WithSignature(new NoteSignature(forged.Name, forged.KeyId, bytes)));
        Assert.False(refused.IsValid);
        Assert.Equal(NoteSignatureStatus.Failed, refused.Signatures.Single(s => s.Name == "witness.one").Status);

        Assert.Equal("CheckpointWitnessPolicyInvalid", Assert.Throws<CheckpointException>(() => new CheckpointCheck { LogKeys = [log.Key(NoteKeys.Ed25519Type)], MinWitnesses = 1 }.Judge(cp)).ErrorId);
        Assert.Equal("CheckpointKeysMissing", Assert.Throws<CheckpointException>(() => new CheckpointCheck().Judge(cp)).ErrorId);
    }

    [Theory]
    [InlineData("sunlight-rome2026h1-300.checkpoint", SunlightTestLogKey, 300L, 1767139200000L)]
    [InlineData("rfc6962-sth-90785920.checkpoint", Rfc6962LogKey, 90785920L, 1588741228371L)]
    public void StaticCtLogs_Rfc6962NoteSignatures_VerifyWithTheLogsPublishedKey(string file, string spki, long size, long timestampMs)
    {
        var cp = Checkpoint.Parse(Vector(file));
        var key = NoteVerifierKey.Rfc6962(cp.Origin, spki);
        Assert.Equal(cp.Signatures[0].KeyId, key.KeyId);
        var result = new CheckpointCheck { LogKeys = [key] }.Judge(cp);
        Assert.True(result.IsTrusted, result.Reason);
        Assert.Equal(size, result.Size);
        var line = Assert.Single(result.Signatures);
        Assert.Equal("rfc6962", line.KeyType);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(timestampMs), line.Time);

        // The vkey DeIRF writes for such a key (type 0x05 then the SPKI) reads back to the same key.
        var again = NoteVerifierKey.Parse(key.ToString());
        Assert.Equal(key.KeyId, again.KeyId);
        Assert.True(new CheckpointCheck { LogKeys = [again] }.Judge(cp).IsTrusted);
    }

    [Theory]
    [InlineData("\n300\n", "\n301\n")]                                   // another size
    [InlineData("lCkHUpkmVBEms2r2", "lCkHUpkmVBEms2r3")]                   // another root
    [InlineData("kVB1JgAAAZtxtEwA", "kVB1JgAAAZtxtEwB")]                   // another timestamp in the signature
    public void StaticCtLog_MutatedCopies_AreRefused(string from, string to)
    {
        var text = Vector("sunlight-rome2026h1-300.checkpoint");
        Assert.Contains(from, text);
        var cp = Checkpoint.Parse(text.Replace(from, to, StringComparison.Ordinal));
        var result = new CheckpointCheck { LogKeys = [NoteVerifierKey.Rfc6962(cp.Origin, SunlightTestLogKey)] }.Judge(cp);
        Assert.False(result.IsValid);
        Assert.Equal(NoteSignatureStatus.Failed, Assert.Single(result.Signatures).Status);
        Assert.Contains("does not verify", result.Reason);
    }

    [Fact]
    public void StaticCtLog_AnotherKey_AnExtensionLine_AndAMalformedKey_AreRefused()
    {
        var cp = Checkpoint.Parse(Vector("sunlight-rome2026h1-300.checkpoint"));
        // Another log's key has another key id: the line is not its own, and no given key signed.
        var other = new CheckpointCheck { LogKeys = [NoteVerifierKey.Rfc6962(cp.Origin, Rfc6962LogKey)] }.Judge(cp);
        Assert.False(other.IsValid);
        Assert.Equal(NoteSignatureStatus.Unknown, Assert.Single(other.Signatures).Status);

        // A tree head signs no extension lines: the same signature under a checkpoint that gained one is refused.
        var extended = new Checkpoint(cp.Origin, cp.Size, cp.RootHash, ["extra"], cp.Signatures);
        var refused = new CheckpointCheck { LogKeys = [NoteVerifierKey.Rfc6962(cp.Origin, SunlightTestLogKey)] }.Judge(extended);
        Assert.False(refused.IsValid);
        Assert.Contains("no extension lines", refused.Reason);

        Assert.Equal("CheckpointKeyInvalid", Assert.Throws<CheckpointException>(() => NoteVerifierKey.Rfc6962(cp.Origin, "bm90IGEga2V5")).ErrorId);
        Assert.Equal("CheckpointKeyInvalid", Assert.Throws<CheckpointException>(() => NoteVerifierKey.Rfc6962(cp.Origin, "%%%")).ErrorId);
    }
}
