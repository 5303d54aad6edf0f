using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Providers.Kubernetes;
using Xunit;

namespace DeIRF.Providers.Kubernetes.Tests;

/// <summary>The pod quarantine's undo state is typed both ways: ToJson writes what Read reads back, member for member.</summary>
public sealed class UndoStateTests
{
    private static UndoState Sample(bool node) => new()
    {
        Server = "https://127.0.0.1:6443", Context = "kind-prod", Namespace = "shop", Pod = "web-3",
        LabelValue = "3f2a9c0d1e2b", PolicyName = "deirf-quarantine-3f2a9c0d1e2b", PolicyUid = "7d1c-uid", PolicyResourceVersion = "4711", PolicyCreated = true,
        Pods = [new UndoState.PodEntry("web-3", "uid-3", false, null), new UndoState.PodEntry("web-4", "uid-4", true, "other")],
        NodeName = node ? "node-a" : null, NodeCordonedByUs = node, NodeWasUnschedulable = false,
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ToJson_ReadsBackEqual(bool node)
    {
        var state = Sample(node);
        var json = state.ToJson();
        var read = UndoState.Read(json, "shop/web-3");
        Assert.Equal(json.ToJsonString(), read.ToJson().ToJsonString());
        Assert.Equal(state.Pods, read.Pods);
        Assert.Equal(state.NodeName, read.NodeName);
        Assert.Equal(state.PolicyResourceVersion, read.PolicyResourceVersion);
        Assert.Equal(node, json.ContainsKey("node"));
        Assert.False(json["pods"]![0]!.AsObject().ContainsKey("previousValue"));
        Assert.Equal("other", (string?)json["pods"]![1]!["previousValue"]);
    }

    [Fact]
    public void Read_RefusesAStateForAnotherPod()
    {
        var ex = Assert.Throws<ContainmentException>(() => UndoState.Read(Sample(true).ToJson(), "shop/web-9"));
        Assert.Equal("KubernetesUndoStateInvalid", ex.ErrorId);
    }
}
