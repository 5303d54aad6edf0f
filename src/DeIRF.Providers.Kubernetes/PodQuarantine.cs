using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Containment;
using k8s;
using k8s.Models;

namespace DeIRF.Providers.Kubernetes;

/// <summary>
/// k8s.pod.quarantine: label the pod, create a NetworkPolicy that selects that label with policyTypes Ingress and
/// Egress and no rules (nothing in, nothing out), optionally cordon its node. Targets the pod, not its Deployment
/// (Falco Talon's networkpolicy action isolated every replica and only egress): replicas are quarantined only with
/// includeReplicas=true, and the plan says which pods either way. Undo removes exactly what apply added.
/// </summary>
/// <remarks>
/// Target "namespace/pod". Parameters (signed): kubeconfig (path; default $KUBECONFIG, then ~/.kube/config),
/// context (default: the kubeconfig's current-context), cordonNode (true/false, default false), includeReplicas
/// (true/false, default false). Secret (unsigned): token, a bearer token that overrides the kubeconfig user.
/// </remarks>
internal sealed partial class PodQuarantine
{
    public const string LabelKey = "deirf.io/quarantine";
    public const string PolicyPrefix = "deirf-quarantine-";
    internal const string FieldManager = "deirf";
    private static readonly string[] BothDirections = { "Ingress", "Egress" };

    private readonly ContainmentRequest _request;
    private readonly string _namespace;
    private readonly string _podName;
    private readonly bool _cordonNode;
    private readonly bool _includeReplicas;

    public PodQuarantine(ContainmentRequest request)
    {
        _request = request;
        var parts = request.Target.Split('/');
        if (parts.Length != 2 || !DnsLabel().IsMatch(parts[0]) || !DnsSubdomain().IsMatch(parts[1]) || parts[1].Length > 253)
        {
            throw new ContainmentException("KubernetesTargetInvalid", DeirfErrorKind.InvalidArgument,
                $"The target of {request.Action} is 'namespace/pod' (e.g. prod/api-7f9), not '{request.Target}'.", request.Target);
        }
        (_namespace, _podName) = (parts[0], parts[1]);
        _cordonNode = Flag("cordonNode");
        _includeReplicas = Flag("includeReplicas");
        LabelValue = LabelValueFor(request);
        PolicyName = PolicyNameFor(_podName);
    }

    /// <summary>The incident id when it is a valid label value (INC-yyyyMMdd-XXXX is), else a short digest of incident and target.</summary>
    public string LabelValue { get; }

    public string PolicyName { get; }

    private string PodRef(string name) => $"{_namespace}/{name}";

    // ---------------------------------------------------------------- plan

    public async Task<ContainmentPlan> PlanAsync(CancellationToken cancellationToken)
    {
        using var k = KubernetesConnection.Open(_request);
        var survey = await SurveyAsync(k, cancellationToken).ConfigureAwait(false);
        var steps = new List<string>();
        foreach (var pod in survey.Pods)
        {
            var previous = LabelOf(pod);
            steps.Add(previous == LabelValue
                ? $"keep label {LabelKey}={LabelValue} on pod {PodRef(pod.Metadata.Name)} (already set; undo leaves it)"
                : $"label pod {PodRef(pod.Metadata.Name)} {LabelKey}={LabelValue}" + (previous is null ? string.Empty : $" (replacing '{previous}', restored on undo)"));
        }
        steps.Add(survey.ExistingPolicy is null
            ? $"create NetworkPolicy {_namespace}/{PolicyName}: podSelector {LabelKey}={LabelValue}, policyTypes [Ingress, Egress], no rules (deny all traffic into and out of the selected pods)"
            : $"keep NetworkPolicy {_namespace}/{PolicyName} (already exists with the same deny-all spec; undo leaves it)");
        if (survey.Node is not null)
        {
            steps.Add(survey.Node.Spec?.Unschedulable == true
                ? $"keep node {survey.Node.Metadata.Name} cordoned (already unschedulable; undo leaves it cordoned)"
                : $"cordon node {survey.Node.Metadata.Name} (spec.unschedulable=true: no new pods; running pods stay)");
        }
        return new ContainmentPlan
        {
            Action = _request.Action,
            Target = _request.Target,
            Steps = steps,
            Before = BeforeJson(k, survey),
            Expected = ExpectedJson(survey),
            Warnings = survey.Warnings,
        };
    }

    // ---------------------------------------------------------------- apply

    public async Task<ContainmentResult> ApplyAsync(CancellationToken cancellationToken)
    {
        using var k = KubernetesConnection.Open(_request);
        var survey = await SurveyAsync(k, cancellationToken).ConfigureAwait(false);
        var before = BeforeJson(k, survey);
        var pods = new List<UndoState.PodEntry>();
        var rollback = new Stack<(string What, Func<CancellationToken, Task> Step)>();
        (JsonObject State, List<string> Failures) check;
        JsonObject undo;
        try
        {
            foreach (var surveyed in survey.Pods)
            {
                var (uid, hadLabel, previous) = await LabelPodAsync(k, surveyed, cancellationToken).ConfigureAwait(false);
                pods.Add(new UndoState.PodEntry(surveyed.Metadata.Name, uid, hadLabel, hadLabel ? previous : null));
                if (previous != LabelValue)
                {
                    var name = surveyed.Metadata.Name;
                    rollback.Push(($"label of pod {PodRef(name)}", ct => RestoreLabelAsync(k, name, uid, LabelValue, hadLabel ? previous : null, ct)));
                }
            }

            var policy = survey.ExistingPolicy;
            var created = false;
            if (policy is null)
            {
                policy = await k.CallAsync($"create NetworkPolicy {_namespace}/{PolicyName}", PodRef(PolicyName),
                    ct => k.Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(NewPolicy(), _namespace, fieldManager: FieldManager, cancellationToken: ct),
                    cancellationToken).ConfigureAwait(false);
                created = true;
                var uid = policy.Metadata.Uid;
                rollback.Push(($"NetworkPolicy {_namespace}/{PolicyName}", ct => DeletePolicyAsync(k, PolicyName, uid, ct)));
            }
            string? nodeName = null;
            var nodeWas = false;
            if (survey.Node is not null)
            {
                nodeName = survey.Node.Metadata.Name;
                nodeWas = survey.Node.Spec?.Unschedulable == true;
                if (!nodeWas)
                {
                    await k.CallAsync($"cordon node {nodeName}", nodeName,
                        ct => k.Client.CoreV1.PatchNodeAsync(new V1Patch("{\"spec\":{\"unschedulable\":true}}", V1Patch.PatchType.StrategicMergePatch),
                            nodeName, fieldManager: FieldManager, cancellationToken: ct),
                        cancellationToken).ConfigureAwait(false);
                    var cordoned = nodeName;
                    rollback.Push(($"cordon of node {cordoned}", ct => UncordonAsync(k, cordoned, ct)));
                }
            }
            undo = new UndoState
            {
                Server = k.Server,
                Context = k.Context,
                Namespace = _namespace,
                Pod = _podName,
                LabelValue = LabelValue,
                Pods = pods,
                PolicyName = PolicyName,
                PolicyUid = policy.Metadata.Uid,
                PolicyResourceVersion = policy.Metadata.ResourceVersion,
                PolicyCreated = created,
                NodeName = nodeName,
                NodeWasUnschedulable = nodeWas,
                NodeCordonedByUs = nodeName is not null && !nodeWas,
            }.ToJson();

            // The read-back is part of apply: cancelled or failed there, the caller would get no undo state, so roll back too.
            check = await CheckAsync(k, undo, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var report = await RollBackAsync(rollback).ConfigureAwait(false);
            if (ex is ContainmentException ce)
            {
                throw new ContainmentException(ce.ErrorId, ce.Kind, $"{ce.Message} Nothing is left in place: {report}", ce.Target, ce);
            }
            throw;
        }

        return new ContainmentResult
        {
            Action = _request.Action,
            Target = _request.Target,
            Before = before,
            After = check.State,
            UndoState = undo,
            Verified = check.Failures.Count == 0,
            Message = check.Failures.Count == 0
                ? $"Quarantined {string.Join(", ", survey.Pods.Select(p => PodRef(p.Metadata.Name)))}: read back label, NetworkPolicy {PolicyName}" +
                  (survey.Node is null ? "." : $" and node {survey.Node.Metadata.Name} unschedulable.")
                : "Applied, but the read-back differs: " + string.Join("; ", check.Failures),
        };
    }

    /// <summary>Sets the label with the pod's resourceVersion as precondition, so the recorded previous value is the one replaced.</summary>
    private async Task<(string Uid, bool HadLabel, string? Previous)> LabelPodAsync(KubernetesConnection k, V1Pod surveyed, CancellationToken cancellationToken)
    {
        var pod = surveyed;
        for (var attempt = 1; ; attempt++)
        {
            var previous = LabelOf(pod);
            var hadLabel = pod.Metadata.Labels?.ContainsKey(LabelKey) == true;
            if (previous == LabelValue)
            {
                return (pod.Metadata.Uid, hadLabel, previous);
            }
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = pod.Metadata.ResourceVersion,
                    ["labels"] = new JsonObject { [LabelKey] = LabelValue },
                },
            };
            try
            {
                await k.CallAsync($"label pod {PodRef(pod.Metadata.Name)}", PodRef(pod.Metadata.Name),
                    ct => k.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
                        pod.Metadata.Name, _namespace, fieldManager: FieldManager, cancellationToken: ct),
                    cancellationToken, "KubernetesPodNotFound").ConfigureAwait(false);
                return (pod.Metadata.Uid, hadLabel, previous);
            }
            catch (ContainmentException ex) when (ex.ErrorId == "KubernetesConflict" && attempt < 3)
            {
                // The pod changed since it was read (status updates do that): read it again and retry.
                var fresh = await ReadPodAsync(k, pod.Metadata.Name, cancellationToken).ConfigureAwait(false);
                if (fresh.Metadata.Uid != surveyed.Metadata.Uid)
                {
                    throw new ContainmentException("KubernetesConflict", DeirfErrorKind.ResourceBusy,
                        $"Pod {PodRef(pod.Metadata.Name)} was replaced (uid {surveyed.Metadata.Uid} → {fresh.Metadata.Uid}) while being quarantined.", PodRef(pod.Metadata.Name));
                }
                pod = fresh;
            }
        }
    }

    private async Task<string> RollBackAsync(Stack<(string What, Func<CancellationToken, Task> Step)> rollback)
    {
        if (rollback.Count == 0)
        {
            return "no change had been made.";
        }
        // The caller's token may be the reason we are here: roll back on a bounded token of our own.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var undone = new List<string>();
        var failed = new List<string>();
        while (rollback.Count > 0)
        {
            var (what, step) = rollback.Pop();
            try
            {
                await step(cts.Token).ConfigureAwait(false);
                undone.Add(what);
            }
            catch (Exception ex)
            {
                failed.Add($"{what} ({ex.Message})");
            }
        }
        return failed.Count == 0
            ? $"rolled back {string.Join(", ", undone)}."
            : $"rolled back {(undone.Count == 0 ? "nothing" : string.Join(", ", undone))}; COULD NOT roll back {string.Join(", ", failed)}.";
    }

    // ---------------------------------------------------------------- verify

    public async Task<ContainmentResult> VerifyAsync(JsonObject undoState, CancellationToken cancellationToken)
    {
        var state = UndoState.Read(undoState, _request.Target);
        using var k = KubernetesConnection.Open(_request);
        EnsureSameCluster(k, state);
        var check = await CheckAsync(k, undoState, cancellationToken).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = _request.Action,
            Target = _request.Target,
            Before = check.State,
            After = check.State,
            UndoState = undoState,
            Verified = check.Failures.Count == 0,
            Message = check.Failures.Count == 0 ? "Quarantine in place." : "Quarantine not (fully) in place: " + string.Join("; ", check.Failures),
        };
    }

    /// <summary>Reads everything the undo state names and lists what differs from the applied quarantine.</summary>
    private async Task<(JsonObject State, List<string> Failures)> CheckAsync(KubernetesConnection k, JsonObject undoJson, CancellationToken cancellationToken)
    {
        var state = UndoState.Read(undoJson, _request.Target);
        var snapshot = await SnapshotAsync(k, state, cancellationToken).ConfigureAwait(false);
        var failures = new List<string>();
        foreach (var entry in state.Pods)
        {
            var pod = snapshot.Pods[entry.Name];
            if (pod is null)
            {
                failures.Add($"pod {PodRef(entry.Name)} no longer exists");
            }
            else if (pod.Metadata.Uid != entry.Uid)
            {
                failures.Add($"pod {PodRef(entry.Name)} was replaced (uid {entry.Uid} → {pod.Metadata.Uid}); the new pod is not quarantined");
            }
            else if (LabelOf(pod) != state.LabelValue)
            {
                failures.Add($"pod {PodRef(entry.Name)} has {LabelKey}={LabelOf(pod) ?? "(none)"}, expected {state.LabelValue}");
            }
        }
        if (snapshot.Policy is null)
        {
            failures.Add($"NetworkPolicy {_namespace}/{state.PolicyName} does not exist");
        }
        else if (snapshot.Policy.Metadata.Uid != state.PolicyUid)
        {
            failures.Add($"NetworkPolicy {_namespace}/{state.PolicyName} was replaced (uid {state.PolicyUid} → {snapshot.Policy.Metadata.Uid})");
        }
        else if (!IsQuarantinePolicy(snapshot.Policy, state.LabelValue))
        {
            failures.Add($"NetworkPolicy {_namespace}/{state.PolicyName} no longer denies all ingress and egress for {LabelKey}={state.LabelValue}");
        }
        if (state.NodeName is not null && snapshot.Node?.Spec?.Unschedulable != true)
        {
            failures.Add(snapshot.Node is null ? $"node {state.NodeName} no longer exists" : $"node {state.NodeName} is schedulable");
        }
        return (snapshot.ToJson(this), failures);
    }

    // ---------------------------------------------------------------- undo

    public async Task<ContainmentResult> UndoAsync(JsonObject undoState, CancellationToken cancellationToken)
    {
        var state = UndoState.Read(undoState, _request.Target);
        using var k = KubernetesConnection.Open(_request);
        EnsureSameCluster(k, state);
        var before = await SnapshotAsync(k, state, cancellationToken).ConfigureAwait(false);
        var notes = new List<string>();

        // Reverse order of apply. Each step looks first, so undo can be run again after a partial failure.
        if (state.NodeName is not null && state.NodeCordonedByUs)
        {
            if (before.Node is null)
            {
                notes.Add($"node {state.NodeName} no longer exists");
            }
            else if (before.Node.Spec?.Unschedulable == true)
            {
                await UncordonAsync(k, state.NodeName, cancellationToken).ConfigureAwait(false);
                notes.Add($"uncordoned node {state.NodeName}");
            }
            else
            {
                notes.Add($"node {state.NodeName} was already schedulable again");
            }
        }
        else if (state.NodeName is not null)
        {
            notes.Add($"left node {state.NodeName} cordoned (it was cordoned before the quarantine)");
        }

        if (state.PolicyCreated)
        {
            if (before.Policy is null)
            {
                notes.Add($"NetworkPolicy {_namespace}/{state.PolicyName} was already gone");
            }
            else if (before.Policy.Metadata.Uid != state.PolicyUid)
            {
                notes.Add($"left NetworkPolicy {_namespace}/{state.PolicyName} alone: it is not the one the quarantine created (uid {before.Policy.Metadata.Uid})");
            }
            else
            {
                await DeletePolicyAsync(k, state.PolicyName, state.PolicyUid, cancellationToken).ConfigureAwait(false);
                notes.Add($"deleted NetworkPolicy {_namespace}/{state.PolicyName}");
            }
        }
        else
        {
            notes.Add($"left NetworkPolicy {_namespace}/{state.PolicyName} in place (it existed before the quarantine)");
        }

        foreach (var entry in state.Pods)
        {
            var pod = before.Pods[entry.Name];
            if (entry.HadLabel && entry.PreviousValue == state.LabelValue)
            {
                notes.Add($"left {LabelKey}={state.LabelValue} on pod {PodRef(entry.Name)} (it was there before)");
            }
            else if (pod is null || pod.Metadata.Uid != entry.Uid)
            {
                notes.Add($"pod {PodRef(entry.Name)} {(pod is null ? "no longer exists" : "was replaced")}; nothing to remove");
            }
            else if (LabelOf(pod) != state.LabelValue)
            {
                notes.Add($"left the label of pod {PodRef(entry.Name)} alone: it was changed since ({LabelOf(pod) ?? "(none)"})");
            }
            else
            {
                await RestoreLabelAsync(k, entry.Name, entry.Uid, state.LabelValue, entry.HadLabel ? entry.PreviousValue : null, cancellationToken).ConfigureAwait(false);
                notes.Add(entry.HadLabel
                    ? $"restored {LabelKey}={entry.PreviousValue} on pod {PodRef(entry.Name)}"
                    : $"removed {LabelKey} from pod {PodRef(entry.Name)}");
            }
        }

        var after = await SnapshotAsync(k, state, cancellationToken).ConfigureAwait(false);
        var failures = new List<string>();
        if (state.NodeCordonedByUs && after.Node?.Spec?.Unschedulable == true)
        {
            failures.Add($"node {state.NodeName} is still unschedulable");
        }
        if (state.PolicyCreated && after.Policy?.Metadata.Uid == state.PolicyUid)
        {
            failures.Add($"NetworkPolicy {_namespace}/{state.PolicyName} still exists");
        }
        foreach (var entry in state.Pods.Where(e => !(e.HadLabel && e.PreviousValue == state.LabelValue)))
        {
            if (after.Pods[entry.Name] is { } pod && pod.Metadata.Uid == entry.Uid && LabelOf(pod) == state.LabelValue)
            {
                failures.Add($"pod {PodRef(entry.Name)} still has {LabelKey}={state.LabelValue}");
            }
        }
        return new ContainmentResult
        {
            Action = _request.Action,
            Target = _request.Target,
            Before = before.ToJson(this),
            After = after.ToJson(this),
            UndoState = new JsonObject(),
            Verified = failures.Count == 0,
            Message = (failures.Count == 0 ? "Undone: " : "Undo incomplete (" + string.Join("; ", failures) + "): ") + string.Join("; ", notes) + ".",
        };
    }

    private void EnsureSameCluster(KubernetesConnection k, UndoState state)
    {
        if (!string.Equals(k.Server.TrimEnd('/'), state.Server.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            throw new ContainmentException("KubernetesClusterMismatch", DeirfErrorKind.InvalidArgument,
                $"The quarantine of {_request.Target} was applied on {state.Server} (context {state.Context}), but the kubeconfig and context given now point at {k.Server} (context {k.Context}).",
                _request.Target);
        }
    }

    // ---------------------------------------------------------------- reads

    private sealed record Owner(string Kind, string Name, string Uid, int? Replicas, string? DeploymentName, string? DeploymentUid);

    private sealed record Survey(V1Pod Pod, IReadOnlyList<V1Pod> Pods, Owner? Owner, V1NetworkPolicy? ExistingPolicy, V1Node? Node, List<string> Warnings);

    private Task<V1Pod> ReadPodAsync(KubernetesConnection k, string name, CancellationToken cancellationToken)
        => k.CallAsync($"read pod {PodRef(name)}", PodRef(name),
            ct => k.Client.CoreV1.ReadNamespacedPodAsync(name, _namespace, cancellationToken: ct), cancellationToken, "KubernetesPodNotFound");

    private async Task<Survey> SurveyAsync(KubernetesConnection k, CancellationToken cancellationToken)
    {
        var warnings = new List<string>();
        var pod = await ReadPodAsync(k, _podName, cancellationToken).ConfigureAwait(false);
        var owner = await OwnerAsync(k, pod, warnings, cancellationToken).ConfigureAwait(false);

        var pods = new List<V1Pod> { pod };
        if (_includeReplicas && owner is not null)
        {
            pods.AddRange(await SiblingsAsync(k, pod, owner, cancellationToken).ConfigureAwait(false));
            warnings.Add($"includeReplicas=true: all {pods.Count} pods of {OwnerText(owner)} are quarantined ({string.Join(", ", pods.Select(p => p.Metadata.Name))}). " +
                         "Pods it creates after the quarantine are not.");
        }
        else if (_includeReplicas)
        {
            warnings.Add($"includeReplicas=true, but pod {PodRef(_podName)} has no controller: only this pod is quarantined.");
        }
        else if (owner is not null)
        {
            warnings.Add($"Pod {PodRef(_podName)} is one replica of {OwnerText(owner)}: the other replicas are NOT isolated. " +
                         "Set includeReplicas=true to quarantine every pod of it.");
        }

        foreach (var p in pods)
        {
            if (p.Spec?.HostNetwork == true)
            {
                warnings.Add($"Pod {PodRef(p.Metadata.Name)} uses hostNetwork: NetworkPolicy does not isolate it (consider cordonNode and isolating the node).");
            }
            if (LabelOf(p) is { } existing && existing != LabelValue)
            {
                warnings.Add($"Pod {PodRef(p.Metadata.Name)} already has {LabelKey}={existing}; it is replaced by {LabelValue} and restored on undo.");
            }
        }

        var policy = await k.ReadOrNullAsync($"read NetworkPolicy {_namespace}/{PolicyName}", PodRef(PolicyName),
            ct => k.Client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(PolicyName, _namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        if (policy is not null && !IsQuarantinePolicy(policy, LabelValue))
        {
            throw new ContainmentException("KubernetesConflict", DeirfErrorKind.ResourceBusy,
                $"NetworkPolicy {_namespace}/{PolicyName} already exists and is not a deny-all quarantine for {LabelKey}={LabelValue}; " +
                "DeIRF neither changes nor takes over a policy it did not create.", PodRef(PolicyName));
        }

        V1Node? node = null;
        if (_cordonNode)
        {
            if (string.IsNullOrEmpty(pod.Spec?.NodeName))
            {
                warnings.Add($"cordonNode=true, but pod {PodRef(_podName)} is not scheduled on a node: no node is cordoned.");
            }
            else
            {
                node = await k.CallAsync($"read node {pod.Spec.NodeName}", pod.Spec.NodeName,
                    ct => k.Client.CoreV1.ReadNodeAsync(pod.Spec.NodeName, cancellationToken: ct), cancellationToken, "KubernetesNodeNotFound").ConfigureAwait(false);
                if (node.Spec?.Unschedulable == true)
                {
                    warnings.Add($"Node {node.Metadata.Name} is already cordoned; undo leaves it cordoned.");
                }
                else
                {
                    warnings.Add($"Cordoning node {node.Metadata.Name} stops new pods landing there; it does not evict or isolate the pods already on it. " +
                                 "Undo uncordons it even if another quarantine cordoned it in the meantime.");
                }
            }
        }

        warnings.Add("NetworkPolicy is enforced by the cluster's CNI plugin: with one that does not implement it the policy is accepted and does nothing, " +
                     "and whether connections already established are cut depends on the plugin (some keep conntrack entries).");
        warnings.Add($"The pod stays in its Services' endpoints: with ingress denied, requests routed to it fail until it is removed from them.");
        return new Survey(pod, pods, owner, policy, node, warnings);
    }

    private async Task<Owner?> OwnerAsync(KubernetesConnection k, V1Pod pod, List<string> warnings, CancellationToken cancellationToken)
    {
        var controller = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (controller is null)
        {
            return null;
        }
        if (controller.Kind != "ReplicaSet")
        {
            return new Owner(controller.Kind, controller.Name, controller.Uid, null, null, null);
        }
        V1ReplicaSet? rs;
        try
        {
            rs = await k.ReadOrNullAsync($"read ReplicaSet {_namespace}/{controller.Name}", PodRef(controller.Name),
                ct => k.Client.AppsV1.ReadNamespacedReplicaSetAsync(controller.Name, _namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        catch (ContainmentException ex) when (ex.ErrorId == "KubernetesForbidden" && !_includeReplicas)
        {
            // The plan can still name the owner from the pod's ownerReference; only includeReplicas needs the read.
            warnings.Add($"Not allowed to read ReplicaSet {_namespace}/{controller.Name}; its replica count and Deployment are unknown.");
            rs = null;
        }
        var deployment = rs?.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == "Deployment");
        return new Owner("ReplicaSet", controller.Name, controller.Uid, rs?.Spec?.Replicas, deployment?.Name, deployment?.Uid);
    }

    /// <summary>The other pods of the same controller; for a Deployment, of every ReplicaSet it owns (a rollout may be under way).</summary>
    private async Task<IEnumerable<V1Pod>> SiblingsAsync(KubernetesConnection k, V1Pod pod, Owner owner, CancellationToken cancellationToken)
    {
        var ownerUids = new HashSet<string>(StringComparer.Ordinal) { owner.Uid };
        if (owner.DeploymentUid is not null)
        {
            var sets = await k.CallAsync($"list ReplicaSets in {_namespace}", _namespace,
                ct => k.Client.AppsV1.ListNamespacedReplicaSetAsync(_namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            foreach (var rs in sets.Items.Where(r => r.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == owner.DeploymentUid) == true))
            {
                ownerUids.Add(rs.Metadata.Uid);
            }
        }
        var list = await k.CallAsync($"list pods in {_namespace}", _namespace,
            ct => k.Client.CoreV1.ListNamespacedPodAsync(_namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return list.Items
            .Where(p => p.Metadata.Uid != pod.Metadata.Uid && p.Metadata.OwnerReferences?.Any(o => o.Controller == true && ownerUids.Contains(o.Uid)) == true)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static string OwnerText(Owner owner)
        => owner.DeploymentName is not null
            ? $"Deployment {owner.DeploymentName} (ReplicaSet {owner.Name}{(owner.Replicas is { } r ? $", {r} replicas" : string.Empty)})"
            : $"{owner.Kind} {owner.Name}{(owner.Replicas is { } n ? $" ({n} replicas)" : string.Empty)}";

    private sealed class Snapshot
    {
        public required Dictionary<string, V1Pod?> Pods { get; init; }
        public V1NetworkPolicy? Policy { get; init; }
        public V1Node? Node { get; init; }

        public JsonObject ToJson(PodQuarantine q) => new()
        {
            ["pods"] = new JsonArray(Pods.Select(p => (JsonNode?)(p.Value is null ? new JsonObject { ["namespace"] = q._namespace, ["name"] = p.Key, ["exists"] = false } : PodJson(p.Value))).ToArray()),
            ["networkPolicy"] = Policy is null ? null : PolicyJson(Policy),
            ["node"] = Node is null ? null : NodeJson(Node),
        };
    }

    private async Task<Snapshot> SnapshotAsync(KubernetesConnection k, UndoState state, CancellationToken cancellationToken)
    {
        var pods = new Dictionary<string, V1Pod?>(StringComparer.Ordinal);
        foreach (var entry in state.Pods)
        {
            pods[entry.Name] = await k.ReadOrNullAsync($"read pod {PodRef(entry.Name)}", PodRef(entry.Name),
                ct => k.Client.CoreV1.ReadNamespacedPodAsync(entry.Name, _namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        var policy = await k.ReadOrNullAsync($"read NetworkPolicy {_namespace}/{state.PolicyName}", PodRef(state.PolicyName),
            ct => k.Client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(state.PolicyName, _namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        V1Node? node = null;
        if (state.NodeName is not null)
        {
            node = await k.ReadOrNullAsync($"read node {state.NodeName}", state.NodeName,
                ct => k.Client.CoreV1.ReadNodeAsync(state.NodeName, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        return new Snapshot { Pods = pods, Policy = policy, Node = node };
    }

    // ---------------------------------------------------------------- writes used by undo and rollback

    /// <summary>Puts the label back as it was (null: absent), guarded by uid and resourceVersion so nothing newer is overwritten.</summary>
    private async Task RestoreLabelAsync(KubernetesConnection k, string name, string uid, string applied, string? previous, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var pod = await k.ReadOrNullAsync($"read pod {PodRef(name)}", PodRef(name),
                ct => k.Client.CoreV1.ReadNamespacedPodAsync(name, _namespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            if (pod is null || pod.Metadata.Uid != uid || LabelOf(pod) != applied)
            {
                return;
            }
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = pod.Metadata.ResourceVersion,
                    ["labels"] = new JsonObject { [LabelKey] = previous is null ? null : JsonValue.Create(previous) },
                },
            };
            try
            {
                await k.CallAsync($"restore the label of pod {PodRef(name)}", PodRef(name),
                    ct => k.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
                        name, _namespace, fieldManager: FieldManager, cancellationToken: ct),
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ContainmentException ex) when (ex.ErrorId == "KubernetesConflict" && attempt < 3)
            {
            }
        }
    }

    private async Task DeletePolicyAsync(KubernetesConnection k, string name, string uid, CancellationToken cancellationToken)
    {
        // The uid precondition makes the API server refuse (409) if the policy was replaced by another of the same name.
        await k.CallAsync($"delete NetworkPolicy {_namespace}/{name}", PodRef(name),
            ct => k.Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, _namespace,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = uid } }, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
    }

    private static Task UncordonAsync(KubernetesConnection k, string nodeName, CancellationToken cancellationToken)
        => k.CallAsync($"uncordon node {nodeName}", nodeName,
            ct => k.Client.CoreV1.PatchNodeAsync(new V1Patch("{\"spec\":{\"unschedulable\":null}}", V1Patch.PatchType.StrategicMergePatch),
                nodeName, fieldManager: FieldManager, cancellationToken: ct),
            cancellationToken);

    // ---------------------------------------------------------------- shapes

    private V1NetworkPolicy NewPolicy() => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta
        {
            Name = PolicyName,
            NamespaceProperty = _namespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "deirf" },
            Annotations = new Dictionary<string, string>
            {
                ["deirf.io/target"] = _request.Target,
                ["deirf.io/incident"] = _request.IncidentId ?? string.Empty,
            },
        },
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [LabelKey] = LabelValue } },
            PolicyTypes = BothDirections.ToList(),
            // No ingress and no egress rules: with both policy types listed, nothing is allowed either way.
        },
    };

    internal static bool IsQuarantinePolicy(V1NetworkPolicy policy, string labelValue)
    {
        var spec = policy.Spec;
        return spec?.PodSelector is { } selector
            && (selector.MatchExpressions is null || selector.MatchExpressions.Count == 0)
            && selector.MatchLabels is { Count: 1 } labels && labels.TryGetValue(LabelKey, out var v) && v == labelValue
            && spec.PolicyTypes is { } types && types.Count == 2 && types.Contains("Ingress") && types.Contains("Egress")
            && (spec.Ingress is null || spec.Ingress.Count == 0)
            && (spec.Egress is null || spec.Egress.Count == 0);
    }

    private JsonObject BeforeJson(KubernetesConnection k, Survey survey) => new()
    {
        ["cluster"] = new JsonObject
        {
            ["server"] = k.Server,
            ["context"] = k.Context,
            ["kubeconfig"] = new JsonArray(k.KubeconfigFiles.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
        },
        ["pod"] = PodJson(survey.Pod),
        ["owner"] = survey.Owner is null ? null : new JsonObject
        {
            ["kind"] = survey.Owner.Kind,
            ["name"] = survey.Owner.Name,
            ["replicas"] = survey.Owner.Replicas,
            ["deployment"] = survey.Owner.DeploymentName,
        },
        ["includeReplicas"] = _includeReplicas,
        ["pods"] = new JsonArray(survey.Pods.Select(p => (JsonNode?)PodJson(p)).ToArray()),
        ["networkPolicy"] = survey.ExistingPolicy is null ? null : PolicyJson(survey.ExistingPolicy),
        ["node"] = survey.Node is null ? null : NodeJson(survey.Node),
    };

    private JsonObject ExpectedJson(Survey survey) => new()
    {
        ["pods"] = new JsonArray(survey.Pods.Select(p => (JsonNode?)new JsonObject
        {
            ["namespace"] = _namespace,
            ["name"] = p.Metadata.Name,
            ["labels"] = new JsonObject { [LabelKey] = LabelValue },
        }).ToArray()),
        ["networkPolicy"] = new JsonObject
        {
            ["namespace"] = _namespace,
            ["name"] = PolicyName,
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { [LabelKey] = LabelValue } },
            ["policyTypes"] = new JsonArray("Ingress", "Egress"),
            ["ingress"] = new JsonArray(),
            ["egress"] = new JsonArray(),
        },
        ["node"] = survey.Node is null ? null : new JsonObject { ["name"] = survey.Node.Metadata.Name, ["unschedulable"] = true },
    };

    private static JsonObject PodJson(V1Pod pod)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        return new JsonObject
        {
            ["namespace"] = pod.Metadata.NamespaceProperty,
            ["name"] = pod.Metadata.Name,
            ["uid"] = pod.Metadata.Uid,
            ["resourceVersion"] = pod.Metadata.ResourceVersion,
            ["phase"] = pod.Status?.Phase,
            ["nodeName"] = pod.Spec?.NodeName,
            ["hostNetwork"] = pod.Spec?.HostNetwork == true,
            ["labels"] = Labels(pod.Metadata.Labels),
            ["owner"] = owner is null ? null : new JsonObject { ["kind"] = owner.Kind, ["name"] = owner.Name },
        };
    }

    private static JsonObject PolicyJson(V1NetworkPolicy policy) => new()
    {
        ["namespace"] = policy.Metadata.NamespaceProperty,
        ["name"] = policy.Metadata.Name,
        ["uid"] = policy.Metadata.Uid,
        ["resourceVersion"] = policy.Metadata.ResourceVersion,
        ["podSelector"] = new JsonObject { ["matchLabels"] = Labels(policy.Spec?.PodSelector?.MatchLabels) },
        ["policyTypes"] = new JsonArray((policy.Spec?.PolicyTypes ?? new List<string>()).Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        ["ingressRules"] = policy.Spec?.Ingress?.Count ?? 0,
        ["egressRules"] = policy.Spec?.Egress?.Count ?? 0,
    };

    private static JsonObject NodeJson(V1Node node) => new()
    {
        ["name"] = node.Metadata.Name,
        ["uid"] = node.Metadata.Uid,
        ["unschedulable"] = node.Spec?.Unschedulable == true,
    };

    private static JsonObject Labels(IDictionary<string, string>? labels)
    {
        var o = new JsonObject();
        foreach (var (key, value) in (labels ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            o[key] = value;
        }
        return o;
    }

    private static string? LabelOf(V1Pod pod) => pod.Metadata.Labels is { } l && l.TryGetValue(LabelKey, out var v) ? v : null;

    private bool Flag(string name)
    {
        var text = _request.Parameter(name);
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        return bool.TryParse(text, out var value)
            ? value
            : throw new ContainmentException("ContainmentParameterInvalid", DeirfErrorKind.InvalidArgument,
                $"The parameter '{name}' of {_request.Action} is true or false, not '{text}'.", name);
    }

    internal static string LabelValueFor(ContainmentRequest request)
    {
        if (request.IncidentId is { Length: > 0 and <= 63 } id && LabelValuePattern().IsMatch(id))
        {
            return id;
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{request.IncidentId}\n{request.Target}"));
        return "deirf-" + Convert.ToHexString(digest, 0, 6).ToLowerInvariant();
    }

    internal static string PolicyNameFor(string pod)
    {
        var name = PolicyPrefix + pod;
        if (name.Length <= 253)
        {
            return name;
        }
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(pod)), 0, 6).ToLowerInvariant();
        return (PolicyPrefix + pod[..(253 - PolicyPrefix.Length - 13)]).TrimEnd('-', '.') + "-" + digest;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelValuePattern();
}
