using System.Text.Json.Nodes;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Kubernetes.Tests;

/// <summary>
/// One fake API server and one kubeconfig per test (xUnit makes a new instance per test). The fake's violations
/// (unexpected requests, bodies that are not Kubernetes objects) fail the test at the end.
/// </summary>
public abstract class QuarantineFixture : IAsyncLifetime
{
    protected const string Incident = "INC-20250101-ABCD";
    protected const string Action = "k8s.pod.quarantine";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "deirf-k8s-" + Guid.NewGuid().ToString("N"));

    protected FakeApiServer Fake { get; private set; } = null!;
    protected string KubeconfigPath { get; private set; } = null!;
    protected KubernetesProvider Provider { get; } = new();
    protected CancellationToken Ct => CancellationToken.None;

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        Fake = await FakeApiServer.StartAsync();
        KubeconfigPath = WriteFile("config", FakeApiServer.Kubeconfig("prod", ("prod", Fake, Fake.Token)));
    }

    public virtual async Task DisposeAsync()
    {
        var violations = Fake.Violations.ToList();
        await Fake.DisposeAsync();
        try
        {
            DeIRF.Testing.TestArtifacts.Delete(_dir);
        }
        catch (IOException)
        {
        }
        Assert.True(violations.Count == 0, "The fake API server saw requests a real one would reject:\n" + string.Join("\n", violations));
    }

    protected string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    protected ContainmentRequest Request(string target = "prod/api-7f9", bool cordonNode = false, bool includeReplicas = false,
        string? context = null, string? kubeconfig = null, IReadOnlyDictionary<string, string>? secrets = null, string? incident = Incident)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kubeconfig"] = kubeconfig ?? KubeconfigPath,
            ["cordonNode"] = cordonNode ? "true" : "false",
            ["includeReplicas"] = includeReplicas ? "true" : "false",
        };
        if (context is not null)
        {
            parameters["context"] = context;
        }
        return new ContainmentRequest(Action, target, parameters, incident, _dir, secrets);
    }

    /// <summary>A pod of a Deployment (api → ReplicaSet api-7f9 with 3 replicas) on node-1, with the app's own labels.</summary>
    protected (JsonObject Pod, JsonObject ReplicaSet) SeedDeploymentPod(string ns = "prod", string name = "api-7f9")
    {
        var rs = Fake.AddReplicaSet(ns, "api-7f9c", 3, ("api", Guid.NewGuid().ToString()));
        var pod = Fake.AddPod(ns, name, "node-1", new Dictionary<string, string> { ["app"] = "api", ["pod-template-hash"] = "7f9c" },
            ("ReplicaSet", "api-7f9c", FakeApiServer.Uid(rs)));
        Fake.AddNode("node-1");
        return (pod, rs);
    }

    protected JsonObject Labels(string key) => (JsonObject)Fake.Pods[key]["metadata"]!["labels"]!;
}
