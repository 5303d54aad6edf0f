using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Recovery;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Recovery;

/// <summary>
/// Test-DeirfRecovery's engine against a real Prometheus scraping values this test controls: Stable, Unstable,
/// NoData, a past window, Prometheus down, a refused query, more than one series; and count endpoints.
/// </summary>
[Collection(MonitoringCollection.Name)]
public sealed class RecoveryVerifierTests : IDisposable
{
    private readonly MonitoringStack _stack;
    private readonly string _dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-recovery-");
    private readonly Workspace _ws;
    private readonly string _incident;

    public RecoveryVerifierTests(MonitoringStack stack)
    {
        _stack = stack;
        _ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
        _incident = _ws.OpenIncident("Bad deploy: 5xx after api-2026.12.08", "alice").Id;
    }

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private RecoveryResult Verify(RecoveryCheck check, string? proposeUndo = null)
        => RecoveryVerifier.Verify(_ws, _incident, "bob", check, JournalAppendOptions.Default, proposeUndo: proposeUndo);

    private RecoveryCheck Live(string query, string comparison, double threshold, int seconds, bool past = false)
        => RecoveryCheck.ForPrometheus(_stack.Prometheus.ToString(), query, comparison, threshold, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(1), past, null);

    private List<JournalEntry> Entries(string kind) => _ws.JournalOf(_incident).ReadEntries().Where(e => e.Kind == kind).ToList();

    [SkippableFact]
    public void Stable_EverySampleBelowTheThreshold_JournalsEachSampleAndTheVerdict()
    {
        _stack.Start();
        _stack.SetAndWait("deirf_test_errors", 0.1);
        var result = Verify(Live("deirf_test_errors", "below", 0.5, 3));
        Assert.Equal("Stable", result.Verdict);
        Assert.Equal(4, result.Samples.Count);
        Assert.All(result.Samples, s => Assert.Equal(0.1, s.Value));
        Assert.Equal(0.1, result.Last);
        var samples = Entries(RecoverySample.KindName);
        Assert.Equal(4, samples.Count);
        Assert.All(samples, e => Assert.Equal("ok", EntryKinds.Text(e.Body, "outcome")));
        Assert.All(samples, e => Assert.Equal("0.1", EntryKinds.Text(e.Body, "value")));
        var verdict = Assert.Single(Entries(RecoveryVerified.KindName));
        Assert.Equal("Stable", EntryKinds.Text(verdict.Body, "verdict"));
        Assert.Equal(result.Seq, verdict.Seq);
        Assert.Equal(_stack.Prometheus.ToString().TrimEnd('/'), EntryKinds.Text(verdict.Body, "endpoint"));
        // Samples are a second apart: the live check really waited for each step.
        Assert.True(result.Samples[^1].Time - result.Samples[0].Time >= TimeSpan.FromSeconds(2.5), $"{result.Samples[0].Time:O} .. {result.Samples[^1].Time:O}");
        Assert.True(_ws.JournalOf(_incident).Verify().IsValid);
    }

    [SkippableFact]
    public void Unstable_ASampleAboveTheThreshold_StopsThereAndSaysUnstable()
    {
        _stack.Start();
        _stack.SetAndWait("deirf_test_errors", 0.9);
        try
        {
            var result = Verify(Live("deirf_test_errors", "below", 0.5, 5));
            Assert.Equal("Unstable", result.Verdict);
            var only = Assert.Single(result.Samples);
            Assert.Equal("breach", only.Outcome);
            Assert.Equal(0.9, only.Value);
            Assert.Equal(1, result.Breaches);
            Assert.Null(result.UndoProposal);
            Assert.Equal("Unstable", EntryKinds.Text(Assert.Single(Entries(RecoveryVerified.KindName)).Body, "verdict"));
        }
        finally
        {
            _stack.SetAndWait("deirf_test_errors", 0.1);
        }
    }

    [SkippableFact]
    public void Above_IsTheOtherRule_UpMustStayAboveZero()
    {
        _stack.Start();
        var result = Verify(Live("sum(up{job=\"deirf-exporter\"})", "above", 0.5, 1));
        Assert.Equal("Stable", result.Verdict);
        Assert.All(result.Samples, s => Assert.Equal(1, s.Value));
    }

    [SkippableFact]
    public void NoData_AQueryNoSeriesAnswers_IsNeverStable()
    {
        _stack.Start();
        var result = Verify(Live("deirf_test_never_exported", "below", 0.5, 2));
        Assert.Equal("NoData", result.Verdict);
        Assert.Equal(3, result.Missing);
        Assert.Null(result.Last);
        Assert.All(Entries(RecoverySample.KindName), e => Assert.Equal("nodata", EntryKinds.Text(e.Body, "outcome")));
        Assert.Equal("NoData", EntryKinds.Text(Assert.Single(Entries(RecoveryVerified.KindName)).Body, "verdict"));
    }

    [SkippableFact]
    public void PastWindow_OneRangeQuery_ReadsEveryStepOfTheWindow()
    {
        _stack.Start();
        _stack.SetAndWait("deirf_test_errors", 0.1);
        Thread.Sleep(4500); // four seconds of scrapes at 0.1 behind us
        var result = Verify(Live("deirf_test_errors", "below", 0.5, 3, past: true));
        Assert.Equal("range", result.Mode);
        Assert.Equal(4, result.Samples.Count);
        Assert.Equal("Stable", result.Verdict);
        Assert.Equal(TimeSpan.FromSeconds(3), result.End - result.Start);
        Assert.Equal(4, Entries(RecoverySample.KindName).Count);
    }

    [SkippableFact]
    public void PastWindow_BeforePrometheusHadData_IsNoData()
    {
        _stack.Start();
        var check = RecoveryCheck.ForPrometheus(_stack.Prometheus.ToString(), "deirf_test_errors", "below", 0.5, TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(5), past: true, end: DateTimeOffset.UtcNow.AddDays(-1));
        var result = Verify(check);
        Assert.Equal("NoData", result.Verdict);
        Assert.Equal(3, result.Missing);
    }

    [SkippableFact]
    public void PrometheusDown_RecoveryMonitorUnreachable_NoVerdictJournaled()
    {
        ExternalTool.Require("prometheus");
        var down = $"http://127.0.0.1:{MonitoringStack.FreePort()}/";
        var ex = Assert.Throws<RecoveryException>(() => Verify(RecoveryCheck.ForPrometheus(down, "up", "above", 0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), false, null)));
        Assert.Equal("RecoveryMonitorUnreachable", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.ResourceUnavailable, ex.Kind);
        Assert.Empty(Entries(RecoveryVerified.KindName));
        Assert.Empty(Entries(RecoverySample.KindName));
    }

    [SkippableFact]
    public void QueryError_PrometheusRefusesIt_RecoveryQueryFailed_WithItsErrorType()
    {
        _stack.Start();
        var ex = Assert.Throws<RecoveryException>(() => Verify(Live("sum(deirf_test_errors", "below", 0.5, 2)));
        Assert.Equal("RecoveryQueryFailed", ex.ErrorId);
        Assert.Equal("bad_data", ex.MonitorErrorType);
        Assert.Contains("parse error", ex.Message);
        Assert.Empty(Entries(RecoveryVerified.KindName));
    }

    [SkippableFact]
    public void TwoSeries_RecoveryResultNotScalar_ButTheirSumIsOne()
    {
        _stack.Start();
        var ex = Assert.Throws<RecoveryException>(() => Verify(Live("deirf_test_split", "below", 5, 1)));
        Assert.Equal("RecoveryResultNotScalar", ex.ErrorId);
        Assert.Contains("2 series", ex.Message);
        Assert.Contains("path=\"/a\"", ex.Message);
        Assert.Empty(Entries(RecoveryVerified.KindName));
        Assert.Equal("Stable", Verify(Live("sum(deirf_test_split)", "below", 5, 1)).Verdict);
    }

    [SkippableFact]
    public void RangeVector_RecoveryResultNotScalar()
    {
        _stack.Start();
        var ex = Assert.Throws<RecoveryException>(() => Verify(Live("deirf_test_errors[10s]", "below", 5, 1)));
        Assert.Equal("RecoveryResultNotScalar", ex.ErrorId);
    }

    [SkippableFact]
    public void ProposeUndo_UnstableProposesTheRollForwardsUndo_NothingIsRolledBack()
    {
        _stack.Start();
        var rollForward = RollForward("prod/api");
        _stack.SetAndWait("deirf_test_errors", 0.9);
        try
        {
            var result = Verify(Live("deirf_test_errors", "below", 0.5, 2), proposeUndo: "bob");
            Assert.Equal("Unstable", result.Verdict);
            var undo = Assert.IsType<DeIRF.Quorum.Proposal>(result.UndoProposal);
            Assert.Equal("undo." + RecoveryProvider.RollForward, undo.Action);
            Assert.Equal("prod/api", undo.Target);
            Assert.Equal(rollForward.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), undo.Parameters["applied"]);
            Assert.Equal(undo.Id, EntryKinds.Text(Assert.Single(Entries(RecoveryVerified.KindName)).Body, "undo_proposal"));
            // A proposal only: the roll-forward is still applied and nothing was undone.
            Assert.Null(ContainmentRunner.List(_ws, _incident).Single(r => r.Seq == rollForward.Seq).UndoneBy);
            Assert.Empty(Entries(ContainmentUndone.KindName));
        }
        finally
        {
            _stack.SetAndWait("deirf_test_errors", 0.1);
        }
    }

    [SkippableFact]
    public void ProposeUndo_StableProposesNothing()
    {
        _stack.Start();
        RollForward("prod/api");
        _stack.SetAndWait("deirf_test_errors", 0.1);
        var result = Verify(Live("deirf_test_errors", "below", 0.5, 1), proposeUndo: "bob");
        Assert.Equal("Stable", result.Verdict);
        Assert.Null(result.UndoProposal);
        Assert.Empty(DeIRF.Quorum.QuorumGate.Proposals(_ws, _incident).Where(p => p.Action.StartsWith("undo.", StringComparison.Ordinal)));
    }

    [Fact]
    public void ProposeUndo_WithoutARollForward_IsRefusedBeforeAnySample()
    {
        var ex = Assert.Throws<RecoveryException>(() => Verify(
            RecoveryCheck.ForPrometheus("http://127.0.0.1:9/", "up", "above", 0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), false, null), proposeUndo: "bob"));
        Assert.Equal("RecoveryRollForwardMissing", ex.ErrorId);
        Assert.Empty(Entries(RecoverySample.KindName));
    }

    [Theory]
    [InlineData("http://user:pass@prom:9090/")]
    [InlineData("ftp://prom/")]
    [InlineData("prom:9090")]
    public void CredentialsOrANonHttpUrl_AreRefused(string url)
    {
        var ex = Assert.Throws<RecoveryException>(() => RecoveryCheck.ForPrometheus(url, "up", "above", 0, TimeSpan.FromSeconds(10), null, false, null));
        Assert.Equal("RecoveryCheckInvalid", ex.ErrorId);
        Assert.DoesNotContain("pass", ex.Message.Replace("password", string.Empty, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(10, 0)]     // no step
    [InlineData(1, 5)]      // window shorter than a step
    [InlineData(100000, 1)] // too many samples
    public void ABadWindow_IsRecoveryCheckInvalid(int seconds, int step)
        => Assert.Equal("RecoveryCheckInvalid", Assert.Throws<RecoveryException>(() => RecoveryCheck.ForPrometheus("http://prom:9090", "up", "above", 0,
            TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(step), false, null)).ErrorId);

    [Fact]
    public void CountEndpoint_OpenSearchShapeAndLokiShape_AndTokensAreNotJournaled()
    {
        string answer = """{"count":3,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0}}""";
        var unexpected = new List<string>();
        using var server = CountServer(req =>
        {
            if (req.Url!.AbsolutePath is not ("/logs-api/_count" or "/loki/api/v1/query"))
            {
                lock (unexpected) { unexpected.Add(req.Url.ToString()); }
                return (404, "{}");
            }
            return (200, answer);
        }, out var baseUrl);
        var check = RecoveryCheck.ForCount($"{baseUrl}logs-api/_count?q=level:error&api_key=s3cr3t-test-value", "below", 5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var stable = Verify(check);
        Assert.Equal("Stable", stable.Verdict);
        Assert.All(stable.Samples, s => Assert.Equal(3, s.Value));
        Assert.Equal("/logs-api/_count?q=level:error&api_key=REDACTED", stable.Query);
        Assert.DoesNotContain("s3cr3t", File.ReadAllText(_ws.JournalPathFor(_incident)));

        // Loki's instant query answers in Prometheus' envelope (count_over_time over a log stream).
        answer = """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"app":"api"},"value":[1733650000.123,"12"]}],"stats":{}}}""";
        var loki = Verify(RecoveryCheck.ForCount($"{baseUrl}loki/api/v1/query?query={Uri.EscapeDataString("sum(count_over_time({app=\"api\"} |= \"error\" [5m]))")}", "below", 5,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        Assert.Equal("Unstable", loki.Verdict);
        Assert.Equal(12, loki.Samples[0].Value);

        answer = "not a count";
        var ex = Assert.Throws<RecoveryException>(() => Verify(check));
        Assert.Equal("RecoveryResponseInvalid", ex.ErrorId);
        Assert.Empty(unexpected);
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.2, 0.1, 0.3 }, "Stable")]
    [InlineData(new[] { 0.1, 0.7, 0.1, 0.3 }, "Unstable")]
    [InlineData(new[] { 0.1, double.NaN, 0.1, 0.3 }, "NoData")]
    public void RecordedWindow_ForADrillWithoutPrometheus_IsJudgedByTheSameRules_AndSaysItIsRecorded(double[] values, string verdict)
    {
        var end = DateTimeOffset.FromUnixTimeSeconds(1_796_000_000);
        var readings = values.Select((v, i) => new MonitorReading(end.AddSeconds(-45 + 15 * i), double.IsNaN(v) ? "NaN" : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var check = RecoveryCheck.ForRecorded(new Uri("file:///drills/bad-deploy/window.json"), "sum(rate(http_requests_total{code=~\"5..\"}[5m]))", "below", 0.5,
            TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(15), readings, end);
        var result = Verify(check);
        Assert.Equal(verdict, result.Verdict);
        Assert.Equal(4, result.Samples.Count);
        var entry = Assert.Single(Entries(RecoveryVerified.KindName));
        Assert.Equal("recorded", EntryKinds.Text(entry.Body, "source"));
        Assert.Equal("file:///drills/bad-deploy/window.json", EntryKinds.Text(entry.Body, "endpoint"));
    }

    [Fact]
    public void RecoveryVerified_AVerdictTheCountsDoNotSupport_IsRefused()
    {
        var fields = new RecoveryCheckFields("2026-12-08T04:00:00.000Z", "prometheus", "http://prom:9090", "up", "above", "0");
        var lie = new RecoveryVerified.Body(fields, "live", 10, 5, "2026-12-08T04:00:00.000Z", "2026-12-08T04:00:10.000Z", 3, 1, 0, "Stable", null, null, null, null);
        var ex = Assert.Throws<InvalidStatementException>(() => new RecoveryVerified().Read(lie.ToBody()));
        Assert.Equal("verdict", ex.Member);
        Assert.Equal("Unstable", new RecoveryVerified().Read((lie with { Verdict = "Unstable" }).ToBody()).Verdict);
    }

    private ContainmentRecord RollForward(string target)
    {
        var proposal = DeIRF.Quorum.QuorumGate.Propose(_ws, _incident, RecoveryProvider.RollForward, target,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["patch"] = "acme/api@3f1c2d9" }, "alice", null, null, JournalAppendOptions.Default);
        var request = new ContainmentRequest(RecoveryProvider.RollForward, target, proposal.Parameters, _incident, _ws.Root);
        return ContainmentRunner.ApplyAsync(_ws, _incident, proposal.Id, new RecordedRollForward(), request, "alice", JournalAppendOptions.Default, CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    /// <summary>A roll-forward whose result is recorded as applied (the real backends are the pipelines work's).</summary>
    private sealed class RecordedRollForward : IContainmentProvider
    {
        public IReadOnlyCollection<string> Actions => [RecoveryProvider.RollForward];
        public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken) => Task.FromResult(new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = new JsonObject { ["release"] = "old" }, After = new JsonObject { ["release"] = "new" },
            UndoState = new JsonObject { ["release"] = "old" }, Verified = true,
        });
        public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>A loopback HTTP server answering a count (the shape each test sets).</summary>
    internal static IDisposable CountServer(Func<HttpListenerRequest, (int Status, string Body)> answer, out string baseUrl)
    {
        var listener = MonitoringStack.Serve(req => { var (status, body) = answer(req); return (status, body, "application/json"); }, out var uri);
        baseUrl = uri.ToString();
        return listener;
    }
}
