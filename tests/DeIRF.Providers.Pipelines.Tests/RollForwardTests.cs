using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.FakeServices;
using DeIRF.Journal;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Providers.Pipelines.Tests;

/// <summary>Collects progress lines synchronously (Progress&lt;T&gt; would post them later, to no one).</summary>
public sealed class ProgressLines : IProgress<string>
{
    public List<string> Lines { get; } = [];
    public void Report(string value)
    {
        lock (Lines)
        {
            Lines.Add(value);
        }
    }
}

/// <summary>
/// One incident with a quorum-reviewed patch (its signed revision) and a verified staging replay of it, journaled as
/// the runner journals them; the roll-forward then goes through the engine's RecoveryProvider to a backend, which
/// talks to the in-process fakes over real HTTP. The quorum and manual approval themselves are the Pester walk's
/// (tests/pester/RollForward.Tests.ps1); here the gates are the review, the replay and the revision binding.
/// </summary>
public abstract class RollForwardTestBase : IAsyncLifetime
{
    protected const string Patch = "acme/api@fix-2417";
    protected const string Repository = "acme/api";
    protected readonly string Reviewed = Sha();
    protected readonly string Previous = Sha();
    protected readonly string Token = "ghp_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
    protected readonly JournalAppendOptions Unsigned = new() { Durable = false };
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-rollforward-").FullName;
    protected PipelineFakeHost Fake = null!;
    protected Workspace Ws = null!;
    protected string Incident = null!;
    protected readonly ProgressLines Progress = new();

    protected static string Sha() => Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

    public async Task InitializeAsync()
    {
        DeIRF.Testing.TestArtifacts.RegisterSecret("fake pipeline token", Token);
        Fake = await PipelineFakeHost.StartAsync(Token);
        Ws = Workspace.Initialize(Path.Combine(_dir, "ws"));
        Incident = Ws.OpenIncident("bad deploy: 5xx after api-2026.12.07", "alice", options: Unsigned).Id;
    }

    public async Task DisposeAsync()
    {
        var problems = Fake.TakeProblems();
        await Fake.DisposeAsync();
        DeIRF.Testing.TestArtifacts.Delete(_dir);
        Assert.True(problems.Count == 0, "the fake saw requests the real services would refuse:\n" + string.Join("\n", problems));
    }

    private ContainmentRequest Request(string action, string target, Dictionary<string, string> parameters, Dictionary<string, string>? secrets = null)
        => new ContainmentRequest(action, target, parameters, Incident, Ws.Root, secrets) { Actor = "bob", AppendOptions = Unsigned }.WithProgress(Progress);

    /// <summary>Journals a verified review of <see cref="Patch"/> whose proposal signs <paramref name="revision"/> (none: null).</summary>
    protected async Task ReviewAsync(string? revision)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["patch"] = Patch };
        if (revision is not null)
        {
            parameters["revision"] = revision;
        }
        var proposal = QuorumGate.Propose(Ws, Incident, RecoveryProvider.PatchReview, Patch, parameters, "bob", null, null, Unsigned);
        var provider = ContainmentProviders.Find(RecoveryProvider.PatchReview);
        var record = await ContainmentRunner.ApplyAsync(Ws, Incident, proposal.Id, provider, Request(RecoveryProvider.PatchReview, Patch, parameters), "bob", Unsigned, default);
        Assert.True(record.Verified);
    }

    /// <summary>A staging replay as the runner journals one (the script step itself is Containment.Tests.ps1's).</summary>
    protected async Task ReplayAsync()
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["patch"] = Patch };
        var proposal = QuorumGate.Propose(Ws, Incident, RecoveryProvider.StagingReplay, "staging", parameters, "bob", null, null, Unsigned);
        var record = await ContainmentRunner.ApplyAsync(Ws, Incident, proposal.Id, new StagingRecord(), Request(RecoveryProvider.StagingReplay, "staging", parameters), "bob", Unsigned, default);
        Assert.True(record.Verified);
    }

    private sealed class StagingRecord : IContainmentProvider
    {
        public IReadOnlyCollection<string> Actions { get; } = [RecoveryProvider.StagingReplay];
        public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken) => Task.FromResult(new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = new JsonObject { ["release"] = "old" }, After = new JsonObject { ["release"] = "new" },
            UndoState = new JsonObject { ["patch"] = request.RequireParameter("patch") }, Verified = true, Message = "staging runs the patch",
        });
        public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    protected async Task ReviewedAndReplayedAsync(string? revision = "")
    {
        await ReviewAsync(revision == string.Empty ? Reviewed : revision);
        await ReplayAsync();
    }

    protected ContainmentRequest RollForward(string target, Dictionary<string, string> parameters, string? token = null)
    {
        parameters["patch"] = Patch;
        return Request(RecoveryProvider.RollForward, target, parameters, new Dictionary<string, string>(StringComparer.Ordinal) { [SecretName] = token ?? Token });
    }

    protected abstract string SecretName { get; }

    protected static IContainmentProvider Recovery => ContainmentProviders.Find(RecoveryProvider.RollForward);

    /// <summary>Runs the roll-forward as the runner does after consumption: provider apply, journaled outcome.</summary>
    protected async Task<ContainmentRecord> RunAsync(ContainmentRequest request)
    {
        var proposal = QuorumGate.Propose(Ws, Incident, request.Action, request.Target, request.Parameters, "bob", null, null, Unsigned);
        return await ContainmentRunner.ApplyAsync(Ws, Incident, proposal.Id, Recovery, request, "dana", Unsigned, default);
    }

    protected string JournalText() => string.Join("\n", Directory.EnumerateFiles(Ws.Root, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
}

public sealed class GitHubActionsRollForwardTests : RollForwardTestBase
{
    protected override string SecretName => "githubToken";

    private Dictionary<string, string> Params(string? revision = null, string timeout = "10") => new(StringComparer.Ordinal)
    {
        ["backend"] = "github-actions", ["repository"] = Repository, ["workflow"] = "deploy.yml", ["ref"] = "main", ["revision"] = revision ?? Reviewed,
        ["input.environment"] = "production", ["apiUrl"] = Fake.BaseUrl, ["pollSeconds"] = "0.02", ["timeoutSeconds"] = timeout,
    };

    private FakeWorkflow Setup(FakeOutcome outcome = FakeOutcome.Success)
    {
        Fake.SetBranch(Repository, "main", Reviewed);
        return Fake.AddWorkflow(Repository, "deploy.yml", outcome);
    }

    [Fact]
    public async Task Success_DispatchesTheReviewedBranchHead_FollowsTheRun_JournalsRunIdUrlConclusion()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        var plan = await Recovery.PlanAsync(RollForward(Repository, Params()), default);
        Assert.Equal(Reviewed, plan.Before["head"]!.GetValue<string>());
        Assert.Contains(plan.Warnings, w => w.Contains("required reviewers"));

        var record = await RunAsync(RollForward(Repository, Params()));

        Assert.True(record.Verified, record.Message);
        var after = JsonNode.Parse(record.After)!;
        var run = Assert.Single(Fake.Runs);
        Assert.Equal(run.Id, after["runId"]!.GetValue<long>());
        Assert.Equal($"https://github.com/{Repository}/actions/runs/{run.Id}", after["url"]!.GetValue<string>());
        Assert.Equal("success", after["conclusion"]!.GetValue<string>());
        Assert.Equal(Reviewed, after["head_sha"]!.GetValue<string>());
        var undo = JsonNode.Parse(record.UndoState)!;
        Assert.Equal("github-actions", undo["backend"]!.GetValue<string>());
        Assert.Equal(Reviewed, undo["revision"]!.GetValue<string>());
        var dispatch = JsonNode.Parse(Assert.Single(Fake.RequestsTo("github.dispatch")).Body)!;
        Assert.Equal("main", dispatch["ref"]!.GetValue<string>());
        Assert.True(dispatch["return_run_details"]!.GetValue<bool>());
        Assert.Equal("production", dispatch["inputs"]!["environment"]!.GetValue<string>());
        Assert.Empty(Fake.RequestsTo("github.runs"));
        Assert.Contains(Progress.Lines, l => l.Contains("in_progress"));
        Assert.DoesNotContain(Token, JournalText());
        // Verify reads the run back.
        Assert.True((await Recovery.VerifyAsync(RollForward(Repository, Params()), (JsonObject)undo, default)).Verified);
    }

    [Fact]
    public async Task A204Dispatch_FindsTheRunByListingWorkflowDispatchRunsAtTheReviewedSha()
    {
        Setup().NoRunDetails = true;
        Fake.ListingDelay = 2;
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward(Repository, Params()));
        Assert.True(record.Verified, record.Message);
        var list = Fake.RequestsTo("github.runs").ToList();
        Assert.True(list.Count >= 3, $"listed {list.Count} times");
        Assert.Contains($"head_sha={Reviewed}", list[0].RawTarget);
        Assert.Contains("event=workflow_dispatch", list[0].RawTarget);
        Assert.Equal(Assert.Single(Fake.Runs).Id, JsonNode.Parse(record.After)!["runId"]!.GetValue<long>());
    }

    [Fact]
    public async Task RunFailed_IsJournaledAsAppliedNotVerified_WithTheConclusion()
    {
        Setup(FakeOutcome.Failure);
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward(Repository, Params()));
        Assert.False(record.Verified);
        Assert.Equal("Applied", record.Outcome);
        Assert.Contains("concluded failure", record.Message);
        Assert.Equal("failure", JsonNode.Parse(record.After)!["conclusion"]!.GetValue<string>());
        var listed = ContainmentRunner.List(Ws, Incident).Last();
        Assert.False(listed.Verified);
    }

    [Fact]
    public async Task WaitingForRequiredReviewers_IsReportedAsGitHubsGate_WithTheEnvironmentAndReviewers()
    {
        var wf = Setup(FakeOutcome.WaitingForReviewers);
        wf.Reviewers.Clear();
        wf.Reviewers.AddRange(["alice", "team:release-managers"]);
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward(Repository, Params(timeout: "0.5")));
        Assert.False(record.Verified);
        Assert.Contains("GitHub environment 'production' waits for its required reviewers (alice, team release-managers)", record.Message);
        var after = JsonNode.Parse(record.After)!;
        Assert.Equal("waiting", after["status"]!.GetValue<string>());
        Assert.Equal("production", after["pending_deployments"]![0]!["environment"]!.GetValue<string>());
        Assert.Contains(Progress.Lines, l => l.Contains("is waiting: GitHub environment 'production'"));
        // GitHub's reviewer approves there; our verify reads the run again until it completes.
        Fake.ApproveDeployment(Fake.Runs.Single().Id);
        var undo = JsonNode.Parse(record.UndoState)!.AsObject();
        ContainmentResult verify;
        var reads = 0;
        do
        {
            verify = await Recovery.VerifyAsync(RollForward(Repository, Params()), undo, default);
        }
        while (!verify.Verified && ++reads < 5);
        Assert.True(verify.Verified, verify.Message);
    }

    [Fact]
    public async Task Timeout_RunStillInProgress_IsNotVerified()
    {
        Setup(FakeOutcome.Stuck);
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward(Repository, Params(timeout: "0.3")));
        Assert.False(record.Verified);
        Assert.Contains("is still", record.Message);
        Assert.Contains(JsonNode.Parse(record.After)!["status"]!.GetValue<string>(), new[] { "queued", "in_progress" });
    }

    [Fact]
    public async Task WrongToken_IsRollForwardUnauthorized_JournaledAsFailed_TokenNowhere()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        var wrong = "ghp_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        DeIRF.Testing.TestArtifacts.RegisterSecret("wrong fake token", wrong);
        var request = RollForward(Repository, Params(), wrong);
        var proposal = QuorumGate.Propose(Ws, Incident, request.Action, request.Target, request.Parameters, "bob", null, null, Unsigned);
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => ContainmentRunner.ApplyAsync(Ws, Incident, proposal.Id, Recovery, request, "dana", Unsigned, default));
        Assert.Equal("RollForwardUnauthorized", ex.ErrorId);
        Assert.DoesNotContain(wrong, ex.Message);
        Assert.Equal("Failed", ContainmentRunner.List(Ws, Incident).Last().Outcome);
        Assert.DoesNotContain(wrong, JournalText());
        Assert.Empty(Fake.RequestsTo("github.dispatch"));
    }

    [Fact]
    public async Task UnknownRepository_IsRollForwardNotFound()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        var p = Params();
        p["repository"] = "acme/nope";
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward("acme/nope", p), default));
        Assert.Equal("RollForwardNotFound", ex.ErrorId);
    }

    [Fact]
    public async Task ARevisionOtherThanTheReviewedOne_IsRefusedBeforeAnyRequestIsSent()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        var other = Sha();
        Fake.SetBranch(Repository, "main", other);
        var plan = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.PlanAsync(RollForward(Repository, Params(other)), default));
        var apply = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward(Repository, Params(other)), default));
        var check = await Assert.ThrowsAsync<ContainmentException>(() => ((IContainmentPrecheck)Recovery).CheckAsync(RollForward(Repository, Params(other)), default));
        Assert.All(new[] { plan, apply, check }, e => Assert.Equal("RecoveryRevisionMismatch", e.ErrorId));
        Assert.Contains(Reviewed, apply.Message);
        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task AReviewThatSignedNoRevision_BindsNothing_AndIsRefused()
    {
        Setup();
        await ReviewedAndReplayedAsync(revision: null);
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward(Repository, Params()), default));
        Assert.Equal("RecoveryRevisionNotReviewed", ex.ErrorId);
        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task AShortShaIsNoRevision_TheReviewItselfRefusesIt()
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => ReviewAsync(Reviewed[..7]));
        Assert.Equal("RecoveryRevisionInvalid", ex.ErrorId);
    }

    [Fact]
    public async Task WithoutReviewOrReplay_TheEngineGatesStillApply()
    {
        Setup();
        var noReview = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward(Repository, Params()), default));
        Assert.Equal("RecoveryPatchNotReviewed", noReview.ErrorId);
        await ReviewAsync(Reviewed);
        var noReplay = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward(Repository, Params()), default));
        Assert.Equal("RecoveryNotReplayed", noReplay.ErrorId);
        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task TheBranchMovedAfterTheReview_NothingIsDispatched()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        Fake.SetBranch(Repository, "main", Sha());
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward(Repository, Params()), default));
        Assert.Equal("RollForwardRefMoved", ex.ErrorId);
        Assert.Empty(Fake.RequestsTo("github.dispatch"));
    }

    [Fact]
    public async Task NoToken_IsRefusedByThePrecheck_BeforeTheApprovalsAreUsed()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        var request = new ContainmentRequest(RecoveryProvider.RollForward, Repository, new Dictionary<string, string>(Params()) { ["patch"] = Patch }, Incident, Ws.Root);
        var previous = Environment.GetEnvironmentVariable("DEIRF_GITHUB_TOKEN");
        Environment.SetEnvironmentVariable("DEIRF_GITHUB_TOKEN", null);
        try
        {
            var ex = await Assert.ThrowsAsync<ContainmentException>(() => ((IContainmentPrecheck)Recovery).CheckAsync(request, default));
            Assert.Equal("RollForwardTokenMissing", ex.ErrorId);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DEIRF_GITHUB_TOKEN", previous);
        }
    }

    [Fact]
    public async Task AnUnknownBackend_IsRollForwardBackendUnknown_NamingTheKnownOnes()
    {
        await ReviewedAndReplayedAsync();
        var p = Params();
        p["backend"] = "jenkins";
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward(Repository, p), default));
        Assert.Equal("RollForwardBackendUnknown", ex.ErrorId);
        Assert.Contains("github-actions", ex.Message);
        Assert.Contains("argocd", ex.Message);
        Assert.Contains("oz-relayer", ex.Message);
    }

    [Fact]
    public async Task Undo_IsNotPossible_ARevertIsRolledForward()
    {
        Setup();
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward(Repository, Params()));
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.UndoAsync(RollForward(Repository, Params()), JsonNode.Parse(record.UndoState)!.AsObject(), default));
        Assert.Equal("ContainmentUndoNotPossible", ex.ErrorId);
    }
}

public sealed class ArgoCdRollForwardTests : RollForwardTestBase
{
    protected override string SecretName => "argocdToken";

    private Dictionary<string, string> Params(string? revision = null, string timeout = "10") => new(StringComparer.Ordinal)
    {
        ["backend"] = "argocd", ["server"] = Fake.BaseUrl, ["revision"] = revision ?? Reviewed, ["pollSeconds"] = "0.02", ["timeoutSeconds"] = timeout,
    };

    [Fact]
    public async Task Success_SyncsToTheReviewedRevision_WaitsForSyncedHealthy_UndoSyncsBack()
    {
        var app = Fake.AddApplication("api", deployed: Previous, targetHead: Reviewed);
        await ReviewedAndReplayedAsync();
        var plan = await Recovery.PlanAsync(RollForward("api", Params()), default);
        Assert.Equal(Previous, plan.Before["revision"]!.GetValue<string>());

        var record = await RunAsync(RollForward("api", Params()));

        Assert.True(record.Verified, record.Message);
        var after = JsonNode.Parse(record.After)!;
        Assert.Equal("Synced", after["sync"]!.GetValue<string>());
        Assert.Equal("Healthy", after["health"]!.GetValue<string>());
        Assert.Equal("Succeeded", after["operation"]!["phase"]!.GetValue<string>());
        var sync = Assert.Single(app.SyncRequests);
        Assert.Equal(Reviewed, sync["revision"]!.GetValue<string>());
        Assert.Equal("api", sync["name"]!.GetValue<string>());
        var undo = JsonNode.Parse(record.UndoState)!.AsObject();
        Assert.Equal(Previous, undo["previousRevision"]!.GetValue<string>());
        Assert.DoesNotContain(Token, JournalText());

        var undone = await Recovery.UndoAsync(RollForward("api", Params()), undo, default);
        Assert.True(undone.Verified, undone.Message);
        Assert.Equal(Previous, app.Revision);
        Assert.Equal(Previous, app.SyncRequests[1]["revision"]!.GetValue<string>());
        Assert.Equal("OutOfSync", undone.After["sync"]!.GetValue<string>());
    }

    [Fact]
    public async Task Degraded_AfterTheSync_IsNotVerified()
    {
        Fake.AddApplication("api", Previous, Reviewed).Outcome = FakeOutcome.Degraded;
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward("api", Params()));
        Assert.False(record.Verified);
        Assert.Contains("Degraded", record.Message);
    }

    [Fact]
    public async Task FailedOperation_AndTimeout_AreNotVerified()
    {
        var app = Fake.AddApplication("api", Previous, Reviewed);
        app.Outcome = FakeOutcome.Failure;
        await ReviewedAndReplayedAsync();
        var failed = await RunAsync(RollForward("api", Params()));
        Assert.False(failed.Verified);
        Assert.Contains("ended Failed", failed.Message);
        var stuck = Fake.AddApplication("web", Previous, Reviewed);
        stuck.Outcome = FakeOutcome.Stuck;
        var timedOut = await RunAsync(RollForward("web", Params(timeout: "0.3")));
        Assert.False(timedOut.Verified);
        Assert.Contains("after 0.3 s", timedOut.Message);
    }

    [Fact]
    public async Task UndoAfterSomeoneElseSynced_LeavesItAlone()
    {
        var app = Fake.AddApplication("api", Previous, Reviewed);
        await ReviewedAndReplayedAsync();
        var record = await RunAsync(RollForward("api", Params()));
        app.Revision = Sha();
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.UndoAsync(RollForward("api", Params()), JsonNode.Parse(record.UndoState)!.AsObject(), default));
        Assert.Equal("ContainmentUndoNotPossible", ex.ErrorId);
        Assert.Single(app.SyncRequests);
    }

    [Fact]
    public async Task WrongToken_401_AndUnknownApplication_404()
    {
        Fake.AddApplication("api", Previous, Reviewed);
        await ReviewedAndReplayedAsync();
        var wrong = "argo-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        DeIRF.Testing.TestArtifacts.RegisterSecret("wrong fake token", wrong);
        var unauthorized = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward("api", Params(), wrong), default));
        Assert.Equal("RollForwardUnauthorized", unauthorized.ErrorId);
        Assert.Contains("no session information", unauthorized.Message);
        var missing = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward("nope", Params()), default));
        Assert.Equal("RollForwardNotFound", missing.ErrorId);
    }

    [Fact]
    public async Task AnotherRevision_IsRefusedBeforeAnyRequest()
    {
        Fake.AddApplication("api", Previous, Reviewed);
        await ReviewedAndReplayedAsync();
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward("api", Params(Previous)), default));
        Assert.Equal("RecoveryRevisionMismatch", ex.ErrorId);
        Assert.Empty(Fake.Requests);
    }
}

public sealed class OzRelayerRollForwardTests : RollForwardTestBase
{
    private const string To = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    private const string Data = "0x3f4ba83a";   // unpause()

    protected override string SecretName => "ozRelayerToken";

    private string Digest => OzRelayerBackend.DigestOf(To, "0", Data);

    private Dictionary<string, string> Params(string data = Data, string timeout = "10") => new(StringComparer.Ordinal)
    {
        ["backend"] = "oz-relayer", ["server"] = Fake.BaseUrl, ["relayer"] = "mainnet-ops", ["to"] = To, ["value"] = "0", ["data"] = data,
        ["speed"] = "fast", ["pollSeconds"] = "0.02", ["timeoutSeconds"] = timeout,
    };

    [Fact]
    public async Task Success_SendsTheReviewedTransaction_FollowsItToMined_JournalsTheHash()
    {
        Fake.Relayers["mainnet-ops"] = FakeOutcome.Success;
        await ReviewedAndReplayedAsync(Digest);
        var record = await RunAsync(RollForward("treasury", Params()));
        Assert.True(record.Verified, record.Message);
        var after = JsonNode.Parse(record.After)!;
        var tx = Assert.Single(Fake.Transactions);
        Assert.Equal(tx.Hash, after["hash"]!.GetValue<string>());
        Assert.StartsWith("0x", tx.Hash);
        Assert.Equal("mined", after["status"]!.GetValue<string>());
        Assert.Equal(Digest, after["digest"]!.GetValue<string>());
        var sent = JsonNode.Parse(Assert.Single(Fake.RequestsTo("relayer.send")).Body)!;
        Assert.Equal(System.Text.Json.JsonValueKind.Number, sent["value"]!.GetValueKind());
        Assert.Equal(To.ToLowerInvariant(), sent["to"]!.GetValue<string>());
        Assert.DoesNotContain(Token, JournalText());
        Assert.True((await Recovery.VerifyAsync(RollForward("treasury", Params()), JsonNode.Parse(record.UndoState)!.AsObject(), default)).Verified);
    }

    [Fact]
    public async Task TransactionFailed_IsNotVerified_WithTheRelayersReason()
    {
        Fake.Relayers["mainnet-ops"] = FakeOutcome.Failure;
        await ReviewedAndReplayedAsync(Digest);
        var record = await RunAsync(RollForward("treasury", Params()));
        Assert.False(record.Verified);
        Assert.Contains("failed: execution reverted", record.Message);
    }

    [Fact]
    public async Task OtherCalldata_IsRefusedBeforeAnyRequest_ItsDigestIsNotTheReviewedOne()
    {
        Fake.Relayers["mainnet-ops"] = FakeOutcome.Success;
        await ReviewedAndReplayedAsync(Digest);
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward("treasury", Params(data: "0x8456cb59")), default));
        Assert.Equal("RecoveryRevisionMismatch", ex.ErrorId);
        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task UnknownRelayer_404_AndTimeout()
    {
        await ReviewedAndReplayedAsync(Digest);
        var missing = await Assert.ThrowsAsync<ContainmentException>(() => Recovery.ApplyAsync(RollForward("treasury", Params()), default));
        Assert.Equal("RollForwardNotFound", missing.ErrorId);
        Fake.Relayers["mainnet-ops"] = FakeOutcome.Stuck;
        var stuck = await RunAsync(RollForward("treasury", Params(timeout: "0.3")));
        Assert.False(stuck.Verified);
        // Under load the timeout may come before "submitted": the point is that it never counts as mined.
        Assert.Contains("is still", stuck.Message);
        Assert.Contains(JsonNode.Parse(stuck.After)!["status"]!.GetValue<string>(), new[] { "pending", "sent", "submitted" });
    }

    [Fact]
    public void TheDigest_IsSha256OfTheCanonicalTransaction()
    {
        // {"data":"0x3f4ba83a","to":"0x5fbdb2315678afecb367f032d93f642f64180aa3","value":"0"}, RFC 8785 (keys sorted, no spaces).
        var canonical = "{\"data\":\"0x3f4ba83a\",\"to\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"value\":\"0\"}";
        var expected = "sha256:" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
        Assert.Equal(expected, Digest);
    }
}
