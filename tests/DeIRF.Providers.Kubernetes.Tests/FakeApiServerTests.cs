using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace DeIRF.Providers.Kubernetes.Tests;

/// <summary>The fake is only worth its green if it says no: these send it what a real API server would refuse.</summary>
public sealed class FakeApiServerTests : IAsyncLifetime
{
    private FakeApiServer _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeApiServer.StartAsync();
        _fake.AddPod("prod", "api-7f9");
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(_fake.Certificate);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert!);
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri(_fake.Url) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _fake.Token);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Theory]
    [InlineData("""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"podSelector":{"matchLabels":{"a":"b"}}}}""", "policyTypes")]
    [InlineData("""{"apiVersion":"v1","kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"podSelector":{"matchLabels":{"a":"b"}},"policyTypes":["Ingress"]}}""", "apiVersion")]
    [InlineData("""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"Bad_Name"},"spec":{"podSelector":{"matchLabels":{"a":"b"}},"policyTypes":["Ingress"]}}""", "metadata.name")]
    [InlineData("""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"podSelector":{"matchLabels":{"a":"b"}},"policyTypes":["Sideways"]}}""", "policyTypes")]
    [InlineData("""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"other"},"spec":{"podSelector":{"matchLabels":{"a":"b"}},"policyTypes":["Ingress"]}}""", "namespace")]
    public async Task MalformedNetworkPolicy_Is422Invalid_AndAViolation(string body, string field)
    {
        var (code, status) = await SendAsync(HttpMethod.Post, "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies?fieldManager=deirf", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Contains(_fake.Violations, v => v.Contains(field, StringComparison.Ordinal));
        Assert.Empty(_fake.Policies);
    }

    [Fact]
    public async Task PodPatch_WithAJsonPatchContentType_Is415_AndAViolation()
    {
        var (code, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/prod/pods/api-7f9?fieldManager=deirf",
            """[{"op":"add","path":"/metadata/labels/x","value":"y"}]""", "application/json-patch+json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
        Assert.Single(_fake.Violations);
    }

    [Fact]
    public async Task PodPatch_TouchingMoreThanLabels_IsAViolation()
    {
        var (code, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/prod/pods/api-7f9?fieldManager=deirf",
            """{"spec":{"nodeName":"elsewhere"}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Single(_fake.Violations);
    }

    [Fact]
    public async Task StaleResourceVersion_Is409Conflict()
    {
        var (code, status) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/prod/pods/api-7f9?fieldManager=deirf",
            """{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Empty(_fake.Violations);
    }

    [Fact]
    public async Task UnexpectedEndpoint_IsAViolation()
    {
        var (code, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/prod/secrets");

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Contains(_fake.Violations, v => v.Contains("unexpected request GET /api/v1/namespaces/prod/secrets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongToken_Is401()
    {
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FakeApiServer.NewToken());

        var (code, status) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/prod/pods/api-7f9");

        Assert.Equal(HttpStatusCode.Unauthorized, code);
        Assert.Equal(401, (int?)status["code"]);
    }

    [Fact]
    public async Task WriteWithoutFieldManager_IsAViolation()
    {
        var (code, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/prod/pods/api-7f9",
            """{"metadata":{"labels":{"x":"y"}}}""", "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Single(_fake.Violations);
    }

    [Fact]
    public async Task ControlPlane_SeedsState_AndReportsViolations_ForPester()
    {
        // What ProviderRunbooks.Tests.ps1 reads from the child process: seeding, state and violations on a separate port.
        await using var control = await ControlPlane.StartAsync(ControlPlane.ForKubernetes(_fake));
        using var plain = new HttpClient { BaseAddress = new Uri(control.Url) };
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", control.Url);

        var seeded = await plain.PostAsync("/__fake/pods", new StringContent("""{"namespace":"prod","name":"web-1","node":"node-2","labels":{"app":"web"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, seeded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await plain.PostAsync("/__fake/nodes", new StringContent("""{"name":"node-2"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await plain.PostAsync("/__fake/pods", new StringContent("""{"name":"no-namespace"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await plain.GetAsync("/__fake/nothing")).StatusCode);
        Assert.Empty(JsonNode.Parse(await plain.GetStringAsync("/__fake/violations"))!.AsArray());

        var (code, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/prod/secrets/db");
        Assert.Equal(HttpStatusCode.NotFound, code);

        var violations = JsonNode.Parse(await plain.GetStringAsync("/__fake/violations"))!.AsArray().Select(v => (string)v!).ToList();
        Assert.Equal(["unexpected request GET /api/v1/namespaces/prod/secrets/db"], violations);
        var state = JsonNode.Parse(await plain.GetStringAsync("/__fake/state"))!;
        Assert.Equal("web", (string?)state["pods"]!["prod/web-1"]!["metadata"]!["labels"]!["app"]);
        Assert.Equal("node-2", (string?)state["pods"]!["prod/web-1"]!["spec"]!["nodeName"]);
        Assert.NotNull(state["nodes"]!["node-2"]);
        _fake.Violations.Clear();
    }
}
