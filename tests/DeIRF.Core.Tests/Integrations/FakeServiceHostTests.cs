using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DeIRF.FakeServices;
using Xunit;

namespace DeIRF.Core.Tests.Integrations;

/// <summary>
/// The services fake is only worth its green if it says no: these send it what the real GitHub, GitLab, Matrix, Slack or
/// a webhook receiver would refuse (or a route none of them has), and check each is a problem, which fails the test that
/// sent it (OutboundIntegrationTests.DisposeAsync, Integrations.Tests.ps1 after each test, the fake-services doc setup).
/// </summary>
public sealed class FakeServiceHostTests : IAsyncLifetime
{
    private readonly string _token = "tok_" + DeIRF.Testing.TestArtifacts.NewRegisteredHex("fake service token", 20);
    private FakeServiceHost _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeServiceHost.StartAsync(_token);
        _http = new HttpClient { BaseAddress = new Uri(_fake.BaseUrl) };
    }

    public async Task DisposeAsync()
    {
        // Each test took the problems it provoked: anything left is one it did not expect.
        var left = _fake.Problems.ToList();
        _http.Dispose();
        await _fake.DisposeAsync();
        Assert.True(left.Count == 0, "problems no test took:\n" + string.Join("\n", left));
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string? json, string contentType = "application/json; charset=utf-8",
        (string Name, string Value)? header = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        request.Headers.TryAddWithoutValidation("User-Agent", "DeIRF-test/1");
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    private string TheOneProblem()
    {
        var taken = _fake.TakeProblems();
        return Assert.Single(taken);
    }

    [Fact]
    public async Task ARouteNoServiceHas_Is404AndAProblem()
    {
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(HttpMethod.Post, "/api/v3/chat.postMessage", "{\"channel\":\"C1\",\"text\":\"x\"}"));
        Assert.Contains("POST /api/v3/chat.postMessage (unknown): unexpected request", TheOneProblem(), StringComparison.Ordinal);
        // The right path with the wrong method is no route either.
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(HttpMethod.Put, "/api/chat.postMessage", "{\"channel\":\"C1\",\"text\":\"x\"}"));
        Assert.Contains("PUT /api/chat.postMessage (unknown)", TheOneProblem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGitLabProjectPathNotUrlEncoded_IsAProblemNamingIt()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v4/projects/sec-team/api/issues")
        {
            Content = new StringContent("{\"title\":\"t\",\"confidential\":true}", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("PRIVATE-TOKEN", _token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("project path not URL-encoded", TheOneProblem(), StringComparison.Ordinal);
        Assert.Empty(_fake.Issues);
    }

    [Fact]
    public async Task AMatrixRoomThatIsNotPrivate_IsAProblem()
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", "{\"name\":\"r\",\"preset\":\"public_chat\"}"));
        Assert.Contains("preset is 'public_chat', not private_chat", TheOneProblem(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", "{\"name\":\"r\",\"preset\":\"private_chat\",\"visibility\":\"public\"}"));
        Assert.Contains("room would be published in the directory", TheOneProblem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASlackPostWithoutCharset_IsAProblem()
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/chat.postMessage", "{\"channel\":\"C1\",\"text\":\"x\"}", contentType: "application/json"));
        Assert.Contains("Content-Type without charset=utf-8", TheOneProblem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyThatIsNotJsonOrNotSentAsJson_IsAProblem()
    {
        await SendAsync(HttpMethod.Post, "/hooks/x", "{\"text\":\"x\"}", contentType: "text/plain", header: ("Idempotency-Key", "k1"));
        Assert.Contains("Content-Type is 'text/plain', not application/json", TheOneProblem(), StringComparison.Ordinal);
        await SendAsync(HttpMethod.Post, "/hooks/x", "text=x", header: ("Idempotency-Key", "k2"));
        Assert.Contains("body is not JSON", TheOneProblem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWebhookPostWithoutIdempotencyKey_IsAProblem()
    {
        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(HttpMethod.Post, "/hooks/x", "{\"text\":\"x\"}"));
        Assert.Contains("no Idempotency-Key", TheOneProblem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AControlRouteTheFakeLacks_IsAProblem_AndProblemsAreServedForPester()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/_fake/violations")).StatusCode);
        var body = await _http.GetStringAsync("/_fake/problems");
        Assert.Contains("GET /_fake/violations (control): unexpected request", body, StringComparison.Ordinal);
        Assert.Single(_fake.TakeProblems());
    }
}
