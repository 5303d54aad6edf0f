using System.Text.Json.Nodes;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Kubernetes.Tests;

public sealed class PodQuarantineTests : QuarantineFixture
{
    [Fact]
    public async Task Plan_ReadsPodAndNode_ListsSteps_WarnsThatOtherReplicasAreNotIsolated_AndChangesNothing()
    {
        SeedDeploymentPod();
        Fake.AddPod("prod", "api-8a1", "node-2", new Dictionary<string, string> { ["app"] = "api" }, ("ReplicaSet", "api-7f9c", FakeApiServer.Uid(Fake.ReplicaSets["prod/api-7f9c"])));

        var plan = await Provider.PlanAsync(Request(cordonNode: true), Ct);

        Assert.Equal(3, plan.Steps.Count);
        Assert.Equal("label pod prod/api-7f9 deirf.io/quarantine=INC-20250101-ABCD", plan.Steps[0]);
        Assert.StartsWith("create NetworkPolicy prod/deirf-quarantine-api-7f9: podSelector deirf.io/quarantine=INC-20250101-ABCD, policyTypes [Ingress, Egress], no rules", plan.Steps[1]);
        Assert.StartsWith("cordon node node-1", plan.Steps[2]);
        Assert.Contains(plan.Warnings, w => w.Contains("one replica of Deployment api (ReplicaSet api-7f9c, 3 replicas): the other replicas are NOT isolated", StringComparison.Ordinal)
                                             && w.Contains("includeReplicas=true", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("established", StringComparison.Ordinal) && w.Contains("CNI", StringComparison.Ordinal));

        Assert.Equal(Fake.Url.TrimEnd('/'), ((string)plan.Before["cluster"]!["server"]!).TrimEnd('/'));
        Assert.Equal("prod", (string?)plan.Before["cluster"]!["context"]);
        Assert.Equal("api", (string?)plan.Before["pod"]!["labels"]!["app"]);
        Assert.Null(plan.Before["pod"]!["labels"]!["deirf.io/quarantine"]);
        Assert.Equal("api", (string?)plan.Before["owner"]!["deployment"]);
        Assert.False((bool)plan.Before["node"]!["unschedulable"]!);
        Assert.Null(plan.Before["networkPolicy"]);
        Assert.Single((JsonArray)plan.Before["pods"]!);

        Assert.Equal("INC-20250101-ABCD", (string?)plan.Expected["networkPolicy"]!["podSelector"]!["matchLabels"]!["deirf.io/quarantine"]);
        Assert.Equal(new[] { "Ingress", "Egress" }, ((JsonArray)plan.Expected["networkPolicy"]!["policyTypes"]!).Select(t => (string)t!));
        Assert.True((bool)plan.Expected["node"]!["unschedulable"]!);

        Assert.Empty(Fake.Writes);
        Assert.Empty(Fake.Policies);
        Assert.Null(Labels("prod/api-7f9")["deirf.io/quarantine"]);
    }

    [Fact]
    public async Task Apply_LabelsPod_CreatesDenyAllBothDirections_CordonsNode_ReadsBack_AndVerifyChecksTheCluster()
    {
        SeedDeploymentPod();

        var result = await Provider.ApplyAsync(Request(cordonNode: true), Ct);

        Assert.True(result.Verified, result.Message);
        Assert.Equal("INC-20250101-ABCD", (string?)Labels("prod/api-7f9")["deirf.io/quarantine"]);
        Assert.Equal("api", (string?)Labels("prod/api-7f9")["app"]);
        var policy = Fake.Policies["prod/deirf-quarantine-api-7f9"];
        var spec = (JsonObject)policy["spec"]!;
        Assert.Equal("""{"deirf.io/quarantine":"INC-20250101-ABCD"}""", spec["podSelector"]!["matchLabels"]!.ToJsonString());
        Assert.Equal("""["Ingress","Egress"]""", spec["policyTypes"]!.ToJsonString());
        Assert.True(spec["ingress"] is null || ((JsonArray)spec["ingress"]!).Count == 0);
        Assert.True(spec["egress"] is null || ((JsonArray)spec["egress"]!).Count == 0);
        Assert.Equal("deirf", (string?)policy["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]);
        Assert.True((bool)Fake.Nodes["node-1"]["spec"]!["unschedulable"]!);

        // The wire: a merge patch for the pod, JSON for the policy, a strategic merge patch for the node (as kubectl cordon).
        var writes = Fake.Writes;
        Assert.Equal(3, writes.Count);
        Assert.Equal(("PATCH", "/api/v1/namespaces/prod/pods/api-7f9", "application/merge-patch+json"), (writes[0].Method, writes[0].Path, writes[0].ContentType!.Split(';')[0]));
        Assert.Equal(("POST", "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies"), (writes[1].Method, writes[1].Path));
        Assert.Equal(("PATCH", "/api/v1/nodes/node-1", "application/strategic-merge-patch+json"), (writes[2].Method, writes[2].Path, writes[2].ContentType!.Split(';')[0]));

        // Undo state: exactly what was added.
        var undo = result.UndoState;
        Assert.Equal("INC-20250101-ABCD", (string?)undo["label"]!["value"]);
        Assert.False((bool)undo["pods"]![0]!["hadLabel"]!);
        Assert.Equal(FakeApiServer.Uid(Fake.Pods["prod/api-7f9"]), (string?)undo["pods"]![0]!["uid"]);
        Assert.Equal(FakeApiServer.Uid(policy), (string?)undo["networkPolicy"]!["uid"]);
        Assert.Equal((string?)policy["metadata"]!["resourceVersion"], (string?)undo["networkPolicy"]!["resourceVersion"]);
        Assert.True((bool)undo["networkPolicy"]!["created"]!);
        Assert.False((bool)undo["node"]!["wasUnschedulable"]!);
        Assert.True((bool)undo["node"]!["cordoned"]!);
        Assert.Equal("INC-20250101-ABCD", (string?)result.After["pods"]![0]!["labels"]!["deirf.io/quarantine"]);

        var writesBefore = Fake.Writes.Count;
        var verified = await Provider.VerifyAsync(Request(cordonNode: true), undo, Ct);
        Assert.True(verified.Verified, verified.Message);
        Assert.Equal(writesBefore, Fake.Writes.Count);

        // Someone loosens the policy behind our back: verify says so.
        Fake.Policies["prod/deirf-quarantine-api-7f9"]["spec"]!["egress"] = new JsonArray(new JsonObject());
        var loosened = await Provider.VerifyAsync(Request(cordonNode: true), undo, Ct);
        Assert.False(loosened.Verified);
        Assert.Contains("no longer denies all ingress and egress", loosened.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undo_RemovesExactlyWhatWasAdded_AndLeavesPreExistingCordonAndPoliciesAlone()
    {
        SeedDeploymentPod();
        Fake.AddNode("node-1", unschedulable: true); // cordoned before the incident
        var other = Fake.AddPolicy("prod", "default-deny-ingress", new JsonObject
        {
            ["podSelector"] = new JsonObject(), ["policyTypes"] = new JsonArray("Ingress"),
        });
        var podBefore = Fake.Pods["prod/api-7f9"].DeepClone();
        var otherBefore = other.DeepClone();

        var applied = await Provider.ApplyAsync(Request(cordonNode: true), Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.True((bool)applied.UndoState["node"]!["wasUnschedulable"]!);
        Assert.False((bool)applied.UndoState["node"]!["cordoned"]!);
        Assert.DoesNotContain(Fake.Writes, w => w.Path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal)); // already cordoned: not touched

        var undone = await Provider.UndoAsync(Request(cordonNode: true), applied.UndoState, Ct);

        Assert.True(undone.Verified, undone.Message);
        Assert.Equal(podBefore["metadata"]!["labels"]!.ToJsonString(), Labels("prod/api-7f9").ToJsonString());
        Assert.False(Fake.Policies.ContainsKey("prod/deirf-quarantine-api-7f9"));
        Assert.True(JsonNode.DeepEquals(otherBefore, Fake.Policies["prod/default-deny-ingress"]));
        Assert.True((bool)Fake.Nodes["node-1"]["spec"]!["unschedulable"]!);
        Assert.Contains("left node node-1 cordoned", undone.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Fake.Writes, w => w.Path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal));
        Assert.DoesNotContain(Fake.Writes, w => w.Path.EndsWith("/default-deny-ingress", StringComparison.Ordinal));

        // The delete carried the uid precondition, so a same-named replacement would have been refused.
        var delete = Fake.Writes.Single(w => w.Method == "DELETE");
        Assert.Contains((string)applied.UndoState["networkPolicy"]!["uid"]!, delete.Body, StringComparison.Ordinal);

        // Undo again: nothing left to remove, nothing written.
        var writes = Fake.Writes.Count;
        var again = await Provider.UndoAsync(Request(cordonNode: true), applied.UndoState, Ct);
        Assert.True(again.Verified, again.Message);
        Assert.Equal(writes, Fake.Writes.Count);
    }

    [Fact]
    public async Task Undo_UncordonsOnlyANodeItCordoned_AndRestoresAReplacedLabelValue()
    {
        SeedDeploymentPod();
        Fake.Pods["prod/api-7f9"]["metadata"]!["labels"]!["deirf.io/quarantine"] = "earlier";

        var plan = await Provider.PlanAsync(Request(cordonNode: true), Ct);
        Assert.Contains("(replacing 'earlier', restored on undo)", plan.Steps[0], StringComparison.Ordinal);

        var applied = await Provider.ApplyAsync(Request(cordonNode: true), Ct);
        Assert.True((bool)applied.UndoState["pods"]![0]!["hadLabel"]!);
        Assert.Equal("earlier", (string?)applied.UndoState["pods"]![0]!["previousValue"]);
        Assert.True((bool)Fake.Nodes["node-1"]["spec"]!["unschedulable"]!);

        var undone = await Provider.UndoAsync(Request(cordonNode: true), applied.UndoState, Ct);

        Assert.True(undone.Verified, undone.Message);
        Assert.Equal("earlier", (string?)Labels("prod/api-7f9")["deirf.io/quarantine"]);
        Assert.Null(Fake.Nodes["node-1"]["spec"]!["unschedulable"]);
        var uncordon = Fake.Writes.Last(w => w.Path == "/api/v1/nodes/node-1");
        Assert.Equal("""{"spec":{"unschedulable":null}}""", uncordon.Body);
    }

    [Fact]
    public async Task Undo_LeavesALabelSomeoneChangedSince_AndAPolicyItDidNotCreate()
    {
        SeedDeploymentPod();
        var applied = await Provider.ApplyAsync(Request(), Ct);
        // After apply: another responder relabels the pod, and the policy is replaced by a same-named one.
        Fake.Pods["prod/api-7f9"]["metadata"]!["labels"]!["deirf.io/quarantine"] = "INC-20250102-ZZZZ";
        Fake.Policies.Remove("prod/deirf-quarantine-api-7f9");
        var replacement = Fake.AddPolicy("prod", "deirf-quarantine-api-7f9", new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["deirf.io/quarantine"] = "INC-20250102-ZZZZ" } },
            ["policyTypes"] = new JsonArray("Ingress", "Egress"),
        });

        var undone = await Provider.UndoAsync(Request(), applied.UndoState, Ct);

        Assert.Equal("INC-20250102-ZZZZ", (string?)Labels("prod/api-7f9")["deirf.io/quarantine"]);
        Assert.True(Fake.Policies.ContainsKey("prod/deirf-quarantine-api-7f9"));
        Assert.Equal(FakeApiServer.Uid(replacement), FakeApiServer.Uid(Fake.Policies["prod/deirf-quarantine-api-7f9"]));
        Assert.Contains("not the one the quarantine created", undone.Message, StringComparison.Ordinal);
        Assert.Contains("changed since", undone.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Fake.Writes, w => w.Method == "DELETE");
    }

    [Fact]
    public async Task Apply_ReusesAnIdenticalQuarantinePolicy_AndUndoLeavesIt()
    {
        SeedDeploymentPod();
        var existing = Fake.AddPolicy("prod", "deirf-quarantine-api-7f9", new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["deirf.io/quarantine"] = Incident } },
            ["policyTypes"] = new JsonArray("Ingress", "Egress"),
        });

        var plan = await Provider.PlanAsync(Request(), Ct);
        Assert.StartsWith("keep NetworkPolicy prod/deirf-quarantine-api-7f9", plan.Steps[1], StringComparison.Ordinal);
        var applied = await Provider.ApplyAsync(Request(), Ct);
        Assert.True(applied.Verified, applied.Message);
        Assert.False((bool)applied.UndoState["networkPolicy"]!["created"]!);
        Assert.DoesNotContain(Fake.Writes, w => w.Method == "POST");

        await Provider.UndoAsync(Request(), applied.UndoState, Ct);
        Assert.Equal(FakeApiServer.Uid(existing), FakeApiServer.Uid(Fake.Policies["prod/deirf-quarantine-api-7f9"]));
        Assert.Null(Labels("prod/api-7f9")["deirf.io/quarantine"]);
    }

    [Fact]
    public async Task Apply_RefusesToTakeOverASameNamedPolicyWithAnotherSpec_BeforeAnyChange()
    {
        SeedDeploymentPod();
        Fake.AddPolicy("prod", "deirf-quarantine-api-7f9", new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "api" } },
            ["policyTypes"] = new JsonArray("Egress"),
        });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(), Ct));

        Assert.Equal("KubernetesConflict", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.ResourceBusy, ex.Kind);
        Assert.Empty(Fake.Writes);
    }

    [Fact]
    public async Task IncludeReplicas_QuarantinesEveryPodOfTheDeploymentAcrossReplicaSets_AndNothingElse()
    {
        var deploymentUid = Guid.NewGuid().ToString();
        var current = Fake.AddReplicaSet("prod", "api-7f9c", 2, ("api", deploymentUid));
        var previous = Fake.AddReplicaSet("prod", "api-5d2b", 1, ("api", deploymentUid)); // a rollout under way
        var unrelatedRs = Fake.AddReplicaSet("prod", "web-1a2b", 1, ("web", Guid.NewGuid().ToString()));
        Fake.AddNode("node-1");
        Fake.AddPod("prod", "api-7f9", "node-1", new Dictionary<string, string> { ["app"] = "api" }, ("ReplicaSet", "api-7f9c", FakeApiServer.Uid(current)));
        Fake.AddPod("prod", "api-7f9-b", "node-2", new Dictionary<string, string> { ["app"] = "api" }, ("ReplicaSet", "api-7f9c", FakeApiServer.Uid(current)));
        Fake.AddPod("prod", "api-5d2-a", "node-3", new Dictionary<string, string> { ["app"] = "api" }, ("ReplicaSet", "api-5d2b", FakeApiServer.Uid(previous)));
        Fake.AddPod("prod", "web-1a2-a", "node-1", new Dictionary<string, string> { ["app"] = "api" }, ("ReplicaSet", "web-1a2b", FakeApiServer.Uid(unrelatedRs)));
        Fake.AddPod("prod", "debug", "node-1", new Dictionary<string, string> { ["app"] = "api" });

        var plan = await Provider.PlanAsync(Request(includeReplicas: true), Ct);
        Assert.Equal(new[] { "api-7f9", "api-5d2-a", "api-7f9-b" }, ((JsonArray)plan.Before["pods"]!).Select(p => (string)p!["name"]!));
        Assert.Contains(plan.Warnings, w => w.Contains("all 3 pods of Deployment api", StringComparison.Ordinal) && w.Contains("api-5d2-a", StringComparison.Ordinal));
        Assert.Equal(4, plan.Steps.Count);

        var applied = await Provider.ApplyAsync(Request(includeReplicas: true), Ct);
        Assert.True(applied.Verified, applied.Message);
        foreach (var name in new[] { "api-7f9", "api-7f9-b", "api-5d2-a" })
        {
            Assert.Equal(Incident, (string?)Labels("prod/" + name)["deirf.io/quarantine"]);
        }
        Assert.Null(Labels("prod/web-1a2-a")["deirf.io/quarantine"]);
        Assert.Null(Labels("prod/debug")["deirf.io/quarantine"]);
        Assert.Single(Fake.Policies);
        Assert.Equal(3, ((JsonArray)applied.UndoState["pods"]!).Count);

        var undone = await Provider.UndoAsync(Request(includeReplicas: true), applied.UndoState, Ct);
        Assert.True(undone.Verified, undone.Message);
        Assert.All(Fake.Pods.Values, p => Assert.Null(p["metadata"]!["labels"]!["deirf.io/quarantine"]));
        Assert.Empty(Fake.Policies);
    }

    [Fact]
    public async Task PodNotFound_IsKubernetesPodNotFound_WithTheTarget()
    {
        Fake.AddNode("node-1");

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request("prod/nope"), Ct));

        Assert.Equal("KubernetesPodNotFound", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.NotFound, ex.Kind);
        Assert.Equal("prod/nope", ex.Target);
        Assert.Contains("pods \"nope\" not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_IsKubernetesForbidden_AndApplyRollsBackTheLabelItHadSet()
    {
        SeedDeploymentPod();
        Fake.Forbid = r => r.Method == "POST" && r.Path.EndsWith("/networkpolicies", StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(), Ct));

        Assert.Equal("KubernetesForbidden", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, ex.Kind);
        Assert.Contains("cannot create resource \"networkpolicies\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back label of pod prod/api-7f9", ex.Message, StringComparison.Ordinal);
        Assert.Null(Labels("prod/api-7f9")["deirf.io/quarantine"]);
        Assert.Empty(Fake.Policies);
    }

    [Fact]
    public async Task Forbidden_OnReadingTheReplicaSet_StillPlansWithTheOwnerFromThePod()
    {
        SeedDeploymentPod();
        Fake.Forbid = r => r.Path.Contains("/replicasets/", StringComparison.Ordinal);

        var plan = await Provider.PlanAsync(Request(), Ct);

        Assert.Contains(plan.Warnings, w => w.Contains("one replica of ReplicaSet api-7f9c: the other replicas are NOT isolated", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("Not allowed to read ReplicaSet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Conflict_FromAConcurrentWriter_IsRetriedWithTheFreshResourceVersion()
    {
        SeedDeploymentPod();
        Fake.ConcurrentPodWrites = 1;

        var applied = await Provider.ApplyAsync(Request(), Ct);

        Assert.True(applied.Verified, applied.Message);
        Assert.Equal(2, Fake.Writes.Count(w => w.Method == "PATCH"));
        Assert.Equal(Incident, (string?)Labels("prod/api-7f9")["deirf.io/quarantine"]);
    }

    [Fact]
    public async Task Conflict_OnCreatingThePolicy_IsKubernetesConflict_AndRollsBack()
    {
        SeedDeploymentPod();
        // Another writer creates the same-named policy between our read and our create.
        Fake.Hold = r => r.Method == "POST";
        var apply = Provider.ApplyAsync(Request(), Ct);
        await Fake.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Fake.AddPolicy("prod", "deirf-quarantine-api-7f9", new JsonObject { ["podSelector"] = new JsonObject(), ["policyTypes"] = new JsonArray("Ingress") });
        Fake.Gate.SetResult();

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => apply);

        Assert.Equal("KubernetesConflict", ex.ErrorId);
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
        Assert.Null(Labels("prod/api-7f9")["deirf.io/quarantine"]);
    }

    [Fact]
    public async Task Cancellation_DuringApply_RollsBackAndThrowsOperationCanceled()
    {
        SeedDeploymentPod();
        Fake.Hold = r => r.Method == "POST";
        using var cts = new CancellationTokenSource();

        var apply = Provider.ApplyAsync(Request(cordonNode: true), cts.Token);
        await Fake.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Incident, (string?)Labels("prod/api-7f9")["deirf.io/quarantine"]); // the label was on when we cancelled
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => apply);
        Assert.Null(Labels("prod/api-7f9")["deirf.io/quarantine"]);
        Assert.Empty(Fake.Policies);
        Assert.Null(Fake.Nodes["node-1"]["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task Cancellation_DuringTheReadBack_AlsoRollsBack_SoNoChangeIsLeftWithoutAnUndoState()
    {
        SeedDeploymentPod();
        Fake.Hold = r => r.Method == "GET" && r.Path.EndsWith("/networkpolicies/deirf-quarantine-api-7f9", StringComparison.Ordinal)
                         && Fake.Requests.Any(x => x.Method == "POST");
        using var cts = new CancellationTokenSource();

        var apply = Provider.ApplyAsync(Request(cordonNode: true), cts.Token);
        await Fake.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(Fake.Policies);
        Assert.True((bool)Fake.Nodes["node-1"]["spec"]!["unschedulable"]!);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => apply);
        Assert.Null(Labels("prod/api-7f9")["deirf.io/quarantine"]);
        Assert.Empty(Fake.Policies);
        Assert.Null(Fake.Nodes["node-1"]["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task Cancellation_BeforeStart_SendsNothing()
    {
        SeedDeploymentPod();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Provider.ApplyAsync(Request(), cts.Token));

        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task HostNetworkPod_AndUnscheduledPod_AreWarnedAbout()
    {
        Fake.AddPod("prod", "agent", "node-1", hostNetwork: true);
        Fake.AddPod("prod", "pending", node: null);
        Fake.AddNode("node-1");

        var agent = await Provider.PlanAsync(Request("prod/agent"), Ct);
        var pending = await Provider.PlanAsync(Request("prod/pending", cordonNode: true), Ct);

        Assert.Contains(agent.Warnings, w => w.Contains("hostNetwork: NetworkPolicy does not isolate it", StringComparison.Ordinal));
        Assert.DoesNotContain(agent.Warnings, w => w.Contains("replica", StringComparison.Ordinal));
        Assert.Contains(pending.Warnings, w => w.Contains("not scheduled on a node", StringComparison.Ordinal));
        Assert.Equal(2, pending.Steps.Count);
    }

    [Theory]
    [InlineData("api-7f9")]
    [InlineData("prod/api/7f9")]
    [InlineData("Prod/api-7f9")]
    public async Task Target_MustBeNamespaceSlashPod(string target)
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(target), Ct));
        Assert.Equal("KubernetesTargetInvalid", ex.ErrorId);
        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task BadFlag_IsContainmentParameterInvalid()
    {
        var request = new ContainmentRequest(Action, "prod/api-7f9", new Dictionary<string, string> { ["kubeconfig"] = KubeconfigPath, ["cordonNode"] = "yes" }, Incident);
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(request, Ct));
        Assert.Equal("ContainmentParameterInvalid", ex.ErrorId);
        Assert.Equal("cordonNode", ex.Target);
    }

    [Fact]
    public async Task WithoutAnIncident_TheLabelValueIsAShortDigest_ValidAsALabel()
    {
        SeedDeploymentPod();

        var applied = await Provider.ApplyAsync(Request(incident: null), Ct);

        var value = (string)Labels("prod/api-7f9")["deirf.io/quarantine"]!;
        Assert.Matches("^deirf-[0-9a-f]{12}$", value);
        Assert.Equal(value, (string?)applied.UndoState["label"]!["value"]);
    }

    [Fact]
    public async Task Undo_AgainstAnotherCluster_IsRefused()
    {
        SeedDeploymentPod();
        var applied = await Provider.ApplyAsync(Request(), Ct);
        await using var other = await FakeApiServer.StartAsync();
        var otherConfig = WriteFile("other", FakeApiServer.Kubeconfig("other", ("other", other, other.Token)));

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.UndoAsync(Request(kubeconfig: otherConfig), applied.UndoState, Ct));

        Assert.Equal("KubernetesClusterMismatch", ex.ErrorId);
        Assert.Empty(other.Requests);
        Assert.Equal(Incident, (string?)Labels("prod/api-7f9")["deirf.io/quarantine"]);
    }

    [Fact]
    public async Task ProviderFamily_IsFoundByTheEngineForK8sActions()
    {
        var provider = ContainmentProviders.Find(Action);
        Assert.IsType<KubernetesProvider>(provider);
        Assert.Contains(Action, provider.Actions);
        var ex = Assert.Throws<ContainmentException>(() => ContainmentProviders.Find("k8s.node.drain"));
        Assert.Equal("ContainmentActionUnknown", ex.ErrorId);
        // Declared by the provider's assembly ([assembly: DeirfExtension]), not named by the engine.
        var unknown = Assert.Throws<ContainmentException>(() => ContainmentProviders.Find("mail.send"));
        Assert.Contains("k8s.*", unknown.Message);
        Assert.Contains("k8s.*", ContainmentProviders.KnownActions);
        await Task.CompletedTask;
    }
}
