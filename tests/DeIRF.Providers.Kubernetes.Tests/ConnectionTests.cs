using System.Net;
using System.Net.Sockets;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Kubernetes.Tests;

/// <summary>Kubeconfig and context as kubectl takes them, and credentials that never reach an error message.</summary>
public sealed class ConnectionTests : QuarantineFixture
{
    private FakeApiServer _staging = null!;
    private string _twoContexts = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _staging = await FakeApiServer.StartAsync();
        // current-context is staging; prod must be asked for by name.
        _twoContexts = WriteFile("two-contexts", FakeApiServer.Kubeconfig("staging", ("staging", _staging, _staging.Token), ("prod", Fake, Fake.Token)));
        SeedDeploymentPod();
        _staging.AddPod("prod", "api-7f9", "node-9");
    }

    public override async Task DisposeAsync()
    {
        var violations = _staging.Violations.ToList();
        await _staging.DisposeAsync();
        await base.DisposeAsync();
        Assert.Empty(violations);
    }

    [Fact]
    public async Task Context_SelectsTheClusterAndUser_FromAKubeconfigWithTwoContexts()
    {
        var plan = await Provider.PlanAsync(Request(kubeconfig: _twoContexts, context: "prod"), Ct);

        Assert.Equal("prod", (string?)plan.Before["cluster"]!["context"]);
        Assert.Equal("node-1", (string?)plan.Before["pod"]!["nodeName"]);
        Assert.NotEmpty(Fake.Requests);
        Assert.Empty(_staging.Requests);
    }

    [Fact]
    public async Task NoContext_UsesTheCurrentContext()
    {
        var plan = await Provider.PlanAsync(Request(kubeconfig: _twoContexts), Ct);

        Assert.Equal("staging", (string?)plan.Before["cluster"]!["context"]);
        Assert.Equal("node-9", (string?)plan.Before["pod"]!["nodeName"]);
        Assert.Empty(Fake.Requests);
    }

    [Fact]
    public async Task UnknownContext_IsKubernetesContextNotFound_AndNamesTheKnownOnes()
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(kubeconfig: _twoContexts, context: "dev"), Ct));

        Assert.Equal("KubernetesContextNotFound", ex.ErrorId);
        Assert.Contains("staging, prod", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Fake.Requests);
        Assert.Empty(_staging.Requests);
    }

    [Fact]
    public async Task MissingKubeconfig_IsKubernetesConfigNotFound()
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(kubeconfig: "no-such-kubeconfig"), Ct));

        Assert.Equal("KubernetesConfigNotFound", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task RunTimeToken_FromSecrets_OverridesTheKubeconfigUser()
    {
        var wrongUser = WriteFile("wrong-user", FakeApiServer.Kubeconfig("prod", ("prod", Fake, FakeApiServer.NewToken())));

        var unauthorized = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(kubeconfig: wrongUser), Ct));
        var plan = await Provider.PlanAsync(Request(kubeconfig: wrongUser, secrets: new Dictionary<string, string> { ["token"] = Fake.Token }), Ct);

        Assert.Equal("KubernetesUnauthorized", unauthorized.ErrorId);
        Assert.Equal("api-7f9", (string?)plan.Before["pod"]!["name"]);

        // A kubeconfig user with no credentials at all (the token comes only at run time).
        var wrongToken = FakeApiServer.Kubeconfig("prod", ("prod", Fake, "x")).Replace("  user:\n    token: x\n", "  user: {}\n", StringComparison.Ordinal);
        Assert.Contains("user: {}", wrongToken, StringComparison.Ordinal);
        var noCredentials = WriteFile("no-credentials", wrongToken);
        var planned = await Provider.PlanAsync(Request(kubeconfig: noCredentials, secrets: new Dictionary<string, string> { ["token"] = Fake.Token }), Ct);
        Assert.Equal("api-7f9", (string?)planned.Before["pod"]!["name"]);
    }

    [Fact]
    public async Task Token_NeverAppearsInErrorsOrResults()
    {
        var failures = new List<ContainmentException>
        {
            await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request("prod/nope"), Ct)),
        };
        Fake.Forbid = r => r.Method == "PATCH";
        failures.Add(await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(), Ct)));
        Fake.Forbid = null;
        var secretToken = FakeApiServer.NewToken();
        failures.Add(await Assert.ThrowsAsync<ContainmentException>(() =>
            Provider.PlanAsync(Request(secrets: new Dictionary<string, string> { ["token"] = secretToken }), Ct)));
        var closed = WriteFile("closed", FakeApiServer.Kubeconfig("prod", ("prod", Fake, Fake.Token))
            .Replace(Fake.Url.TrimEnd('/'), $"https://127.0.0.1:{ClosedPort()}", StringComparison.Ordinal));
        failures.Add(await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(kubeconfig: closed), Ct)));

        Assert.Equal(new[] { "KubernetesPodNotFound", "KubernetesForbidden", "KubernetesUnauthorized", "KubernetesUnreachable" }, failures.Select(f => f.ErrorId));
        foreach (var failure in failures)
        {
            var everything = failure.ToString() + failure.Target;
            Assert.DoesNotContain(Fake.Token, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(secretToken, everything, StringComparison.Ordinal);
        }

        var applied = await Provider.ApplyAsync(Request(), Ct);
        var undone = await Provider.UndoAsync(Request(), applied.UndoState, Ct);
        foreach (var text in new[] { applied.Before, applied.After, applied.UndoState, undone.Before, undone.After }.Select(j => j.ToJsonString()).Append(applied.Message).Append(undone.Message))
        {
            Assert.DoesNotContain(Fake.Token, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ClosedPort_IsKubernetesUnreachable()
    {
        var config = WriteFile("closed", FakeApiServer.Kubeconfig("prod", ("prod", Fake, Fake.Token))
            .Replace(Fake.Url.TrimEnd('/'), $"https://127.0.0.1:{ClosedPort()}", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(kubeconfig: config), Ct));

        Assert.Equal("KubernetesUnreachable", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.ResourceUnavailable, ex.Kind);
    }

    [Fact]
    public async Task UntrustedServerCertificate_IsKubernetesUnreachable_NotSilentlyAccepted()
    {
        await using var impostor = await FakeApiServer.StartAsync(Fake.Token);
        // The impostor's address, but the real server's CA: the TLS check must fail.
        var config = WriteFile("impostor", FakeApiServer.Kubeconfig("prod", ("prod", Fake, Fake.Token))
            .Replace(Fake.Url.TrimEnd('/'), impostor.Url.TrimEnd('/'), StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.PlanAsync(Request(kubeconfig: config), Ct));

        Assert.Equal("KubernetesUnreachable", ex.ErrorId);
        Assert.Empty(impostor.Requests);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>$KUBECONFIG is process-wide: these run alone.</summary>
[CollectionDefinition("KubeconfigEnvironment", DisableParallelization = true)]
public sealed class KubeconfigEnvironmentCollection
{
}

[Collection("KubeconfigEnvironment")]
public sealed class KubeconfigEnvironmentTests : QuarantineFixture
{
    [Fact]
    public async Task WithoutTheParameter_KubeconfigComesFromTheKUBECONFIGList_MissingEntriesSkipped_AsKubectlDoes()
    {
        SeedDeploymentPod();
        var saved = Environment.GetEnvironmentVariable("KUBECONFIG");
        try
        {
            var second = WriteFile("second", FakeApiServer.Kubeconfig("other", ("other", Fake, Fake.Token)).Replace("current-context: other\n", string.Empty, StringComparison.Ordinal));
            Environment.SetEnvironmentVariable("KUBECONFIG", string.Join(Path.PathSeparator, "/nonexistent/config", KubeconfigPath, second));
            var request = new ContainmentRequest(Action, "prod/api-7f9", new Dictionary<string, string>(), Incident);

            var files = KubernetesConnection.ResolveKubeconfigFiles(null, null);
            var plan = await Provider.PlanAsync(request, Ct);
            var other = await Provider.PlanAsync(new ContainmentRequest(Action, "prod/api-7f9", new Dictionary<string, string> { ["context"] = "other" }, Incident), Ct);

            Assert.Equal(new[] { KubeconfigPath, second }, files);
            Assert.Equal("prod", (string?)plan.Before["cluster"]!["context"]); // first file's current-context wins
            Assert.Equal("other", (string?)other.Before["cluster"]!["context"]); // a context only the second file names
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", saved);
        }
    }
}
