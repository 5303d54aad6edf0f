using System.Text;
using DeIRF.Alerts;
using DeIRF.Checkpoints;
using DeIRF.Identity;
using DeIRF.Fuzz;
using DeIRF.Journal;
using DeIRF.Testing;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Fuzz;

/// <summary>
/// Replays every committed seed (tests/fuzz/corpus/&lt;target&gt;/) and every crash reproducer found by
/// `build.ps1 fuzz` (tests/fuzz/regressions/&lt;target&gt;/) through the same target code AFL++ drives, in process:
/// only the documented refusal (a DeirfException) may come out. Each fixed crash also has a named test below that
/// states what the parser now does with that input.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static readonly string FuzzRoot = Path.Combine(AppContext.BaseDirectory, "fuzz");

    private static IEnumerable<string> Files(string folder)
        => Directory.Exists(Path.Combine(FuzzRoot, folder))
            ? Directory.EnumerateFiles(Path.Combine(FuzzRoot, folder), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : [];

    /// <summary>(target, path relative to fuzz/): one case per file, so a failure names the input.</summary>
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Files("corpus").Concat(Files("regressions")))
        {
            var relative = Path.GetRelativePath(FuzzRoot, file).Replace('\\', '/');
            data.Add(relative.Split('/')[1], relative);
        }
        return data;
    }

    private static byte[] Read(string relative) => File.ReadAllBytes(Path.Combine(FuzzRoot, relative));

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Input_IsParsedOrRefusedWithADeirfException(string target, string file)
    {
        var finding = FuzzTargets.Replay(FuzzTargets.Get(target), Read(file));
        Assert.True(finding is null, $"{file}: {finding}");
    }

    [Fact]
    public void EveryTarget_HasASeedCorpus_AndEveryInputFolder_IsATarget()
    {
        var names = FuzzTargets.All.Select(t => t.Name).ToHashSet();
        foreach (var t in names)
        {
            Assert.True(Files($"corpus/{t}").Any(), $"no seed for fuzz target '{t}' in tests/fuzz/corpus/{t}");
        }
        foreach (var folder in new[] { "corpus", "regressions" }.Select(f => Path.Combine(FuzzRoot, f)).Where(Directory.Exists))
        {
            foreach (var dir in Directory.GetDirectories(folder))
            {
                Assert.Contains(Path.GetFileName(dir), names);
            }
        }
    }

    [Fact]
    public void SignatureSeeds_AreRealSamples_ThatVerify()
    {
        int checkedSeeds = 0;
        foreach (var t in FuzzTargets.All)
        {
            foreach (var file in Files($"corpus/{t.Name}"))
            {
                if (FuzzTargets.CheckSignature(t.Name, File.ReadAllBytes(file)) is { } check)
                {
                    Assert.True(check.IsValid, $"{file}: {check.Reason}");
                    checkedSeeds++;
                }
            }
        }
        Assert.True(checkedSeeds >= 7, $"only {checkedSeeds} signature seeds");
    }

    [Fact]
    public void Corpus_HoldsNoPrivateKeyMaterial()
    {
        foreach (var file in Files("corpus").Concat(Files("regressions")))
        {
            var text = Encoding.UTF8.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain("PGP PRIVATE KEY BLOCK", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"d\":", text, StringComparison.Ordinal); // a private JWK member
        }
    }

    [Fact]
    public void Rechain_LinksLinesSoTheParserReachesTheBody()
    {
        var lines = FuzzTargets.Lines(Read("corpus/journal-line/journal.jsonl"));
        Assert.True(lines.Length >= 3);
        var tampered = lines.Select(l => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(l).Replace("rotated key", "rotated kez", StringComparison.Ordinal))).ToArray();
        Assert.NotEqual(JournalFault.None, JournalLine.TryParse(tampered[^1], out _, out _));
        var relinked = FuzzTargets.Rechain(tampered);
        foreach (var line in relinked)
        {
            Assert.Equal(JournalFault.None, JournalLine.TryParse(line, out _, out var reason));
        }
    }

    // ---- one named test per crash found and fixed ----

    /// <summary>
    /// Found by `build.ps1 fuzz` (alerts, 2026-11-24): invalid UTF-8 inside a JSON string got past JsonDocument.Parse
    /// (which checks string bytes only when read) and escaped as InvalidOperationException from GetString.
    /// </summary>
    [Fact]
    public void Alerts_InvalidUtf8InsideAString_IsRefusedAsNotUtf8()
    {
        var ex = Assert.Throws<AlertInvalidException>(() => AlertReader.Read(Read("regressions/alerts/invalid-utf8-in-string.bin")));
        Assert.Contains("not valid UTF-8", ex.Message, StringComparison.Ordinal);
        Assert.Throws<AlertInvalidException>(() => AlertReader.Read([.. "{\"output\":\"x"u8, 0xC3, 0x28, .. "\",\"priority\":\"Error\",\"rule\":\"r\",\"time\":\"2031-03-04T05:06:07Z\"}"u8]));
    }

    /// <summary>A roster journal from the fuzzer (re-chained as the target does) in a fresh workspace.</summary>
    private static Roster LoadRoster(string regression, string dir)
    {
        var ws = Workspace.Initialize(Path.Combine(dir, "ws"), "fuzz-regression");
        var raw = Read($"regressions/roster/{regression}");
        var lines = FuzzTargets.Rechain(FuzzTargets.Lines(raw));
        File.WriteAllText(Roster.PathIn(ws), string.Join("\n", lines.Select(Encoding.UTF8.GetString)) + "\n");
        return Roster.Load(ws);
    }

    /// <summary>
    /// Found by `build.ps1 fuzz` (roster, 2026-11-24): a roster entry (hash chain intact) naming a role or proof kind
    /// that does not exist, or an empty one, escaped Roster.Load as ArgumentException from Enum.Parse (which would also
    /// have taken "3" or "Recorder,TriageLead"). Now a DeirfException RosterEntryInvalid naming entry and member.
    /// </summary>
    [Theory]
    [InlineData("unknown-role.jsonl", "roles")]
    [InlineData("empty-proof-kind.jsonl", "kind")]
    [InlineData("unknown-proof-kind.jsonl", "kind")]
    public void Roster_EntryWithAnUnknownEnumName_IsRefusedAsRosterEntryInvalid(string regression, string member)
    {
        var dir = TestArtifacts.NewDirectory("deirf-fuzz-roster-");
        try
        {
            var ex = Assert.Throws<DeirfException>(() => LoadRoster(regression, dir));
            Assert.Equal("RosterEntryInvalid", ex.ErrorId);
            Assert.Contains($"has '{member}' = ", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestArtifacts.Delete(dir);
        }
    }

    /// <summary>
    /// Found by `build.ps1 fuzz` (roster and proof-binding, 2026-11-24): a stored binding whose "time" is not a journal
    /// timestamp escaped ProofBinding.Parse as FormatException (and so Roster.AuditBindings); a binding that is JSON
    /// but not an object escaped as InvalidOperationException. Both are now InvalidBindingException, and the audit
    /// reports the entry instead of crashing.
    /// </summary>
    [Fact]
    public void ProofBinding_NotAnObjectOrABadTime_IsRefusedAndTheRosterAuditReportsIt()
    {
        Assert.Contains("not a journal timestamp", Assert.Throws<InvalidBindingException>(() => ProofBinding.Parse(Read("regressions/proof-binding/time-not-a-timestamp.json"))).Reason, StringComparison.Ordinal);
        Assert.Contains("not a JSON object", Assert.Throws<InvalidBindingException>(() => ProofBinding.Parse(Read("regressions/proof-binding/number-root.json"))).Reason, StringComparison.Ordinal);
        Assert.Throws<InvalidBindingException>(() => ProofBinding.Parse(Read("regressions/proof-binding/non-object-root.json")));

        var dir = TestArtifacts.NewDirectory("deirf-fuzz-roster-");
        try
        {
            var problems = LoadRoster("binding-time-not-a-timestamp.jsonl", dir).AuditBindings();
            Assert.Contains(problems, p => p.Contains("not a journal timestamp", StringComparison.Ordinal));
        }
        finally
        {
            TestArtifacts.Delete(dir);
        }
    }

    /// <summary>
    /// Found by `build.ps1 fuzz` (checkpoint-policy, 2026-11-24): a "version" that is an object or true escaped
    /// CheckpointPolicy.Parse as InvalidOperationException (TryGetInt32 on a non-number); now the policy refusal.
    /// </summary>
    [Fact]
    public void CheckpointPolicy_VersionNotANumber_IsRefused()
    {
        var ex = Assert.ThrowsAny<DeirfException>(() => CheckpointPolicy.Parse(Encoding.UTF8.GetString(Read("regressions/checkpoint-policy/version-not-a-number.json"))));
        Assert.Equal("CheckpointPolicyInvalid", ex.ErrorId);
        Assert.Contains("'version' must be 1", ex.Message, StringComparison.Ordinal);
        var boolean = Assert.ThrowsAny<DeirfException>(() => CheckpointPolicy.Parse("""{ "version": true }"""));
        Assert.Equal("CheckpointPolicyInvalid", boolean.ErrorId);
        Assert.Contains("'version' must be 1", boolean.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Found by `build.ps1 fuzz` (openpgp, round 2, 2026-11-24): a public key packet with an unknown version (31)
    /// made BouncyCastle throw UnsupportedPacketVersionException, which is not an IOException or PgpException and
    /// escaped ParsePublicKey (and would have escaped Signatures.Verify for a signature). Now the proof refusal.
    /// </summary>
    [Fact]
    public void OpenPgp_UnsupportedPacketVersion_IsRefusedAsMalformedPackets()
    {
        var parts = FuzzTargets.Parts(Read("regressions/openpgp/unsupported-public-key-packet-version.txt"), 2);
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(ProofKind.OpenPgp, parts[0]));
        Assert.Contains("malformed OpenPGP packets", ex.Reason, StringComparison.Ordinal);
    }
}
