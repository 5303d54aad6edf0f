using DeIRF.Core.Tests.Metrics;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Readiness;
using Xunit;

namespace DeIRF.Core.Tests.Readiness;

/// <summary>The preparation checklist and keep-alive cadences on a fresh and on a prepared workspace.</summary>
public class ReadinessTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly string[] Items =
    [
        "Asset inventory", "Log pipeline clock", "Secure comms channel", "Evidence store write-once", "Automated alert rules", "Drill schedule",
        "Secrets rotated on cadence", "Identity proofs reviewed", "Roster sealed", "Quorum reachable around the clock", "MTTD trend", "MTTC trend",
    ];

    private static ReadinessCheck Item(IEnumerable<ReadinessCheck> checks, string item) => Assert.Single(checks, c => c.Item == item);

    private static IReadOnlyList<ReadinessCheck> Run(MetricsJournal j) => ReadinessChecklist.Run(j.Workspace, new FixedClock(Now));

    [Fact]
    public void FreshWorkspaceFailsAndWarnsWithAFixForEach()
    {
        var j = new MetricsJournal();
        var checks = Run(j);
        Assert.Equal(Items, checks.Select(c => c.Item));
        foreach (var item in new[] { "Asset inventory", "Log pipeline clock", "Secure comms channel", "Automated alert rules", "Drill schedule", "Secrets rotated on cadence", "Identity proofs reviewed" })
        {
            Assert.Equal(ReadinessStatus.Fail, Item(checks, item).Status);
        }
        // No evidence yet, no incidents to compare: gaps, not failures.
        foreach (var item in new[] { "Evidence store write-once", "MTTD trend", "MTTC trend" })
        {
            Assert.Equal(ReadinessStatus.Warn, Item(checks, item).Status);
        }
        Assert.All(checks, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Reason));
            Assert.False(string.IsNullOrWhiteSpace(c.Fix));
            Assert.DoesNotContain('\n', c.Reason + c.Fix);
        });
        Assert.Contains("assets.json", Item(checks, "Asset inventory").Fix);
        Assert.False(ReadinessChecklist.IsReady(checks));
    }

    /// <summary>Everything the checklist asks for, in the places docs/readiness.md names.</summary>
    private static MetricsJournal Prepared()
    {
        var j = new MetricsJournal();
        var root = j.Workspace.Root;
        File.WriteAllText(Path.Combine(root, "assets.json"),
            """{"assets":[{"name":"api","kind":"code","owner":"dev"},{"name":"prod-cluster","kind":"infra","owner":"ops"},{"name":"deploy-key","kind":"keys","owner":"sec"}]}""");
        File.WriteAllText(Path.Combine(root, "log-pipeline.json"),
            $$"""{"pipeline":"vector+loki","tolerance_ms":2000,"sources":[{"name":"nodes","skew_ms":35,"measured":"{{Timestamps.ToJournal(Now.AddDays(-1))}}"},{"name":"falco","skew_ms":-120,"measured":"{{Timestamps.ToJournal(Now.AddDays(-2))}}"}]}""");
        File.WriteAllText(Path.Combine(root, "integrations.json"), """{"channel":{"kind":"matrix","homeserver":"https://matrix.example.org","e2ee":true}}""");
        Directory.CreateDirectory(Path.Combine(root, "detection"));
        File.WriteAllText(Path.Combine(root, "detection", "falco-rules.yaml"), "- rule: shell in container\n  condition: spawned_process and container\n");
        File.WriteAllText(Path.Combine(root, "secrets-rotation.json"),
            $$"""{"secrets":[{"name":"matrix-bot-token","cadence_days":90,"last_rotated":"{{Timestamps.ToJournal(Now.AddDays(-30))}}"}]}""");
        var roster = Roster.Load(j.Workspace);
        var options = new JournalAppendOptions { Durable = false };
        var keys = new Dictionary<string, string>();
        foreach (var who in new[] { "alice", "bob" })
        {
            roster.AddResponder(who, who, [ResponderRole.TriageLead, ResponderRole.ContainmentLead], who, options);
            var seed = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(root, "..", who + ".seed"));
            var proof = TestKeys.BindFile(roster, who, ProofKind.DidKey, seed, options);
            keys[who] = seed;
            TestKeys.Bind(roster, who, ProofKind.Ethereum, TestKeys.NewEthKey(), options with { Signers = [new KeyFileStatementSigner(who, ProofKind.DidKey, seed, proof.Fingerprint)] });
        }
        foreach (var who in new[] { "alice", "bob" })
        {
            var fp = Roster.Load(j.Workspace).Get(who).Proofs.First(p => p.Kind == ProofKind.DidKey).Fingerprint;
            Roster.Load(j.Workspace).Seal(who, options with { Signers = [new KeyFileStatementSigner(who, ProofKind.DidKey, keys[who], fp)] });
        }
        // Real incidents from alerts in both trend windows, faster lately; the alerts' bytes fill the evidence store.
        j.Full(Now.AddDays(-150), "P1", detectMin: 40, ackMin: 10, containMin: 90, resolveMin: 300);
        j.Full(Now.AddDays(-120), "P2", detectMin: 20, ackMin: 10, containMin: 60, resolveMin: 300);
        j.Full(Now.AddDays(-30), "P1", detectMin: 10, ackMin: 5, containMin: 30, resolveMin: 100);
        // A drill last month.
        j.Full(Now.AddDays(-20), "P1", detectMin: 1, ackMin: 1, containMin: 2, resolveMin: 3, drill: true);
        return j;
    }

    [Fact]
    public void PreparedWorkspacePassesEveryItem()
    {
        var checks = Run(Prepared());
        Assert.Equal(Items, checks.Select(c => c.Item));
        Assert.All(checks, c => Assert.True(c.Status == ReadinessStatus.Pass, c.ToString()));
        Assert.All(checks, c => Assert.Equal(string.Empty, c.Fix));
        Assert.True(ReadinessChecklist.IsReady(checks));
        Assert.Contains("vs mean of 2 30:00.0 (90 before, n=2): -67%.", Item(checks, "MTTD trend").Reason);    // 10 min vs (40 + 20) / 2 = 30 min
        Assert.Contains("days ago", Item(checks, "Drill schedule").Reason);
    }

    [Fact]
    public void EachGapIsCaught()
    {
        var j = Prepared();
        var root = j.Workspace.Root;
        // A stored object made writable again.
        var obj = Directory.EnumerateFiles(Path.Combine(root, "evidence", "sha256"), "*", SearchOption.AllDirectories).First();
        File.SetUnixFileMode(obj, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // A secret past its cadence, a clock beyond tolerance, a channel without E2EE, a worse MTTC lately.
        File.WriteAllText(Path.Combine(root, "secrets-rotation.json"),
            $$"""{"secrets":[{"name":"slack-token","cadence_days":30,"last_rotated":"{{Timestamps.ToJournal(Now.AddDays(-45))}}"}]}""");
        File.WriteAllText(Path.Combine(root, "log-pipeline.json"), """{"tolerance_ms":500,"sources":[{"name":"edge","skew_ms":1800,"measured":"2026-01-01T00:00:00Z"}]}""");
        File.WriteAllText(Path.Combine(root, "integrations.json"), """{"channel":{"kind":"slack"}}""");
        j.Full(Now.AddDays(-10), "P1", detectMin: 5, ackMin: 5, containMin: 400, resolveMin: 500);
        var checks = Run(j);
        Assert.Equal(ReadinessStatus.Fail, Item(checks, "Evidence store write-once").Status);
        Assert.Contains("writable", Item(checks, "Evidence store write-once").Reason);
        Assert.Equal(ReadinessStatus.Fail, Item(checks, "Secrets rotated on cadence").Status);
        Assert.Contains("slack-token (15 days overdue)", Item(checks, "Secrets rotated on cadence").Reason);
        Assert.Equal(ReadinessStatus.Fail, Item(checks, "Log pipeline clock").Status);
        Assert.Contains("'edge' is 1800 ms off", Item(checks, "Log pipeline clock").Reason);
        Assert.Equal(ReadinessStatus.Warn, Item(checks, "Secure comms channel").Status);
        Assert.Equal(ReadinessStatus.Warn, Item(checks, "MTTC trend").Status);
        Assert.Equal(ReadinessStatus.Pass, Item(checks, "MTTD trend").Status);
        Assert.False(ReadinessChecklist.IsReady(checks));

        // Secrets never belong in the workspace files.
        File.WriteAllText(Path.Combine(root, "integrations.json"), """{"channel":{"kind":"matrix","homeserver":"https://m.example","e2ee":true,"token":"x"}}""");
        Assert.Equal(ReadinessStatus.Fail, Item(Run(j), "Secure comms channel").Status);
    }

    [Fact]
    public void AlertAfterOpeningIsClockSkewFromTheJournals()
    {
        var j = Prepared();
        j.Open(Now.AddDays(-3), Now.AddDays(-3).AddSeconds(30));
        var check = Item(Run(j), "Log pipeline clock");
        Assert.Equal(ReadinessStatus.Fail, check.Status);
        Assert.Contains("after the incident was opened", check.Reason);
    }

    private sealed class FakeObjectLockProbe : IReadinessProbe
    {
        public string Item => "Evidence store write-once";

        public ReadinessCheck? Check(ReadinessContext context)
            => File.Exists(context.PathOf("s3-store.json"))
                ? new ReadinessCheck { Item = Item, Section = ReadinessChecklist.Preparation, Status = ReadinessStatus.Pass, Reason = "bucket has object lock", Source = "s3-store.json" }
                : null;
    }

    [Fact]
    public void TheEvidenceStoreCheckIsPluggable()
    {
        var j = new MetricsJournal();
        ReadinessChecklist.EvidenceStoreProbes.Insert(0, new FakeObjectLockProbe());
        try
        {
            // Not applicable: the local store probe answers.
            Assert.Equal(ReadinessStatus.Warn, Item(Run(j), "Evidence store write-once").Status);
            File.WriteAllText(Path.Combine(j.Workspace.Root, "s3-store.json"), "{}");
            var check = Item(Run(j), "Evidence store write-once");
            Assert.Equal((ReadinessStatus.Pass, "bucket has object lock"), (check.Status, check.Reason));
        }
        finally
        {
            ReadinessChecklist.EvidenceStoreProbes.RemoveAt(0);
        }
    }
}
