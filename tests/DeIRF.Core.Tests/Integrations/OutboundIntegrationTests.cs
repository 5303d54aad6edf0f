using System.Diagnostics;
using System.Security.Cryptography;
using DeIRF.FakeServices;
using DeIRF.Incidents;
using DeIRF.Integrations;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

using Xunit;

namespace DeIRF.Core.Tests.Integrations;

/// <summary>
/// The outbound integrations against local fakes of GitHub, GitLab, Matrix, Slack and a webhook receiver
/// (tests/tools/DeIRF.FakeServices: Kestrel on 127.0.0.1, a free port). The fakes check what the real APIs expect —
/// method, path, auth header, Accept and API version, body shape — and answer like them, so a wrong request fails here
/// as it would in production. Each case also checks what was journaled, and that the token is nowhere in it.
/// </summary>
public sealed class OutboundIntegrationTests : IAsyncLifetime
{
    private readonly string _token = "tok_" + DeIRF.Testing.TestArtifacts.NewRegisteredHex("fake service token", 20);
    private FakeServiceHost _fake = null!;

    // Fast back-off so retry cases run in milliseconds; Retry-After is honoured as given.
    private static readonly OutboundHttp Http = new(new OutboundOptions { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100), AttemptTimeout = TimeSpan.FromSeconds(10) });

    public async Task InitializeAsync() => _fake = await FakeServiceHost.StartAsync(_token);

    public async Task DisposeAsync()
    {
        // As strict as the Kubernetes fake: a request the real service would refuse, or one to no route the fake serves,
        // fails the test that sent it (a test that sends one on purpose takes and asserts it with TakeProblems).
        var problems = _fake.Problems.ToList();
        await _fake.DisposeAsync();
        Assert.True(problems.Count == 0, "The fake services saw requests the real ones would refuse:\n" + string.Join("\n", problems));
    }

    private Uri Base => new(_fake.BaseUrl);

    private static (Workspace ws, Incident inc) NewIncident()
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-integrations-").FullName, "ws"));
        var inc = ws.OpenIncident("API keys leaked in public repo", "alice", ["api"], options: new JournalAppendOptions { Durable = false });
        return (ws, inc);
    }

    private static TicketDraft Draft(Incident inc) => new(inc.Id, inc.Title, TicketTracker.Describe(inc));

    private void AssertNoTokenIn(Workspace ws, IntegrationResult result)
    {
        foreach (var file in Directory.EnumerateFiles(ws.Root, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(_token, File.ReadAllText(file), StringComparison.Ordinal);
        }
        Assert.DoesNotContain(_token, result.Error ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(_token, result.ToString(), StringComparison.Ordinal);
    }

    private static JournalEntry LastCall(Workspace ws, string id)
        => ws.JournalOf(id).ReadEntries().Last(e => e.Kind == IntegrationCall.KindName);

    [Fact]
    public void GitHubAdvisoryIsCreatedWithTheHeadersAndBodyTheApiRequiresAndTheLinkIsRecorded()
    {
        var (ws, inc) = NewIncident();
        var result = TicketTracker.CreateGitHubAdvisory(Http, Base, "octo-org/api", _token, Draft(inc));
        result.Record(ws.JournalOf(inc.Id), "alice");

        Assert.True(result.Delivered, result.Error);
        var req = Assert.Single(_fake.RequestsTo("github.advisory"));
        Assert.Empty(req.Problems);
        Assert.Equal("POST", req.Method);
        Assert.Equal("/repos/octo-org/api/security-advisories", req.RawTarget);
        Assert.Equal("Bearer <valid token>", req.Headers["Authorization"]);
        Assert.Equal("application/vnd.github+json", req.Headers["Accept"]);
        Assert.Equal("2022-11-28", req.Headers["X-GitHub-Api-Version"]);
        Assert.StartsWith("DeIRF/", req.Headers["User-Agent"]);
        var advisory = Assert.Single(_fake.Advisories);
        Assert.StartsWith(inc.Id + ": API keys leaked", advisory["summary"]!.GetValue<string>());
        Assert.Equal("other", advisory["vulnerabilities"]![0]!["package"]!["ecosystem"]!.GetValue<string>());

        var loaded = Incident.Load(ws, inc.Id);
        Assert.Equal(advisory["html_url"]!.GetValue<string>(), loaded.TrackerUrl);
        Assert.Equal("github", loaded.Tracker);
        var entry = LastCall(ws, inc.Id);
        Assert.Equal("delivered", entry.Body["outcome"]);
        Assert.Equal(201L, entry.Body["status"]);
        Assert.Equal(1L, entry.Body["attempts"]);
        Assert.Contains("GitHub advisory.create to octo-org/api delivered (1 attempt, HTTP 201): https://github.com/octo-org/api/security/advisories/GHSA-", entry.Summary);
        Assert.True(ws.JournalOf(inc.Id).Verify().IsValid);
        AssertNoTokenIn(ws, result);
    }

    [Fact]
    public void GitLabConfidentialIssueUsesPrivateTokenAndEncodedProjectPath()
    {
        var (ws, inc) = NewIncident();
        var result = TicketTracker.CreateGitLabIssue(Http, new Uri(_fake.BaseUrl + "/api/v4"), "sec-team/api", _token, Draft(inc));
        result.Record(ws.JournalOf(inc.Id), "alice");

        Assert.True(result.Delivered, result.Error);
        var req = Assert.Single(_fake.RequestsTo("gitlab.issue"));
        Assert.Empty(req.Problems);
        Assert.Equal("/api/v4/projects/sec-team%2Fapi/issues", req.RawTarget);
        Assert.Equal("<valid token>", req.Headers["PRIVATE-TOKEN"]);
        Assert.False(req.Headers.ContainsKey("Authorization"));
        var issue = Assert.Single(_fake.Issues);
        Assert.True(issue["confidential"]!.GetValue<bool>());
        Assert.Equal("incident", issue["issue_type"]!.GetValue<string>());
        Assert.Equal("https://gitlab.example.com/sec-team/api/-/issues/1", Incident.Load(ws, inc.Id).TrackerUrl);
        AssertNoTokenIn(ws, result);
    }

    [Fact]
    public void TicketAfter503WithRetryAfterIsRetriedAndOpenedOnce()
    {
        var (ws, inc) = NewIncident();
        _fake.Enqueue("github.advisory", Fault.WithStatus(503, retryAfter: 1));
        var sw = Stopwatch.StartNew();
        var result = TicketTracker.CreateGitHubAdvisory(Http, Base, "octo-org/api", _token, Draft(inc));
        sw.Stop();

        Assert.True(result.Delivered, result.Error);
        Assert.Equal(2, result.Attempts);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(0.95), $"Retry-After: 1 was not honoured ({sw.Elapsed})");
        Assert.Single(_fake.Advisories);
        Assert.Equal(2, _fake.RequestsTo("github.advisory").Count());
    }

    [Fact]
    public void TicketAfterPlain500IsNotRetriedBecauseItMayHaveBeenCreated()
    {
        var (ws, inc) = NewIncident();
        _fake.Enqueue("github.advisory", Fault.WithStatus(500));
        var result = TicketTracker.CreateGitHubAdvisory(Http, Base, "octo-org/api", _token, Draft(inc));
        result.Record(ws.JournalOf(inc.Id), "alice");

        Assert.False(result.Delivered);
        Assert.Equal("IntegrationUnavailable", result.ErrorId);
        Assert.Equal(1, result.Attempts);
        Assert.Contains("not retried", result.Error);
        Assert.Single(_fake.RequestsTo("github.advisory"));
        Assert.Null(Incident.Load(ws, inc.Id).TrackerUrl);
        Assert.Equal(1, Incident.Load(ws, inc.Id).FailedIntegrationCalls);
    }

    [Fact]
    public void TicketWhoseAnswerIsLostIsNotResent()
    {
        var (ws, inc) = NewIncident();
        _fake.Enqueue("gitlab.issue", Fault.DropAfterProcessing);
        var result = TicketTracker.CreateGitLabIssue(Http, new Uri(_fake.BaseUrl + "/api/v4"), "42", _token, Draft(inc));

        Assert.False(result.Delivered);
        Assert.Equal(1, result.Attempts);
        Assert.Contains("may have arrived", result.Error);
        // The issue exists on the server; a blind resend would have made a second one.
        Assert.Single(_fake.Issues);
    }

    [Fact]
    public void Unauthorized401GivesAClearFailureWithoutTheTokenAnywhere()
    {
        var (ws, inc) = NewIncident();
        var wrong = "tok_wrong_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var result = TicketTracker.CreateGitHubAdvisory(Http, Base, "octo-org/api", wrong, Draft(inc));
        result.Record(ws.JournalOf(inc.Id), "alice");

        Assert.False(result.Delivered);
        Assert.Equal("IntegrationUnauthorized", result.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, result.Exception!.Kind);
        Assert.Equal(401, result.Status);
        Assert.Equal(1, result.Attempts);
        Assert.Contains("HTTP 401", result.Error);
        Assert.Contains("Bad credentials", result.Error);
        Assert.Equal("octo-org/api", result.Exception.Target);
        var entry = LastCall(ws, inc.Id);
        Assert.Equal("failed", entry.Body["outcome"]);
        Assert.Equal("IntegrationUnauthorized", entry.Body["error_id"]);
        Assert.Contains("FAILED", entry.Summary);
        foreach (var file in Directory.EnumerateFiles(ws.Root, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(wrong, File.ReadAllText(file), StringComparison.Ordinal);
        }
        Assert.DoesNotContain(wrong, result.Error!, StringComparison.Ordinal);
    }

    [Fact]
    public void AServiceThatEchoesTheTokenBackIsRedacted()
    {
        var (ws, inc) = NewIncident();
        _fake.Enqueue("slack.postMessage", Fault.WithStatus(400, body: $"{{\"ok\":false,\"error\":\"bad token {_token}\"}}"));
        var result = ChatChannels.SendSlackMessage(Http, new Uri(_fake.BaseUrl + "/api"), _token, inc.Id, "C0INCIDENT", "hello", null);
        result.Record(ws.JournalOf(inc.Id), "alice");

        Assert.False(result.Delivered);
        Assert.Contains("bad token ***", result.Error);
        AssertNoTokenIn(ws, result);
    }

    [Fact]
    public void MatrixRoomIsPrivateWithInviteesAndMessagesGoToIt()
    {
        var (ws, inc) = NewIncident();
        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, $"{inc.Id} {inc.Title}", "P1 · journal head #0", ["@bob:example.org", "@carol:example.org"]);
        room.Record(ws.JournalOf(inc.Id), "alice");
        Assert.True(room.Delivered, room.Error);
        var create = Assert.Single(_fake.RequestsTo("matrix.createRoom"));
        Assert.Empty(create.Problems);
        Assert.Equal("/_matrix/client/v3/createRoom", create.RawTarget);
        Assert.Equal("Bearer <valid token>", create.Headers["Authorization"]);
        var stored = Assert.Single(_fake.Rooms.Values);
        Assert.Equal("private_chat", stored["preset"]!.GetValue<string>());
        Assert.Equal(["@bob:example.org", "@carol:example.org"], stored["invite"]!.AsArray().Select(n => n!.GetValue<string>()));

        var loaded = Incident.Load(ws, inc.Id);
        Assert.Equal(room.Reference, loaded.ChatRoom);
        Assert.Equal(_fake.BaseUrl, loaded.ChatHomeserver);
        Assert.Null(loaded.FirstCommsAt);

        var sent = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, loaded.ChatRoom!, "Kickoff: we are on it.", "Internal");
        sent.Record(ws.JournalOf(inc.Id), "dana");
        Assert.True(sent.Delivered, sent.Error);
        var put = Assert.Single(_fake.RequestsTo("matrix.send"));
        Assert.Equal("PUT", put.Method);
        Assert.Equal($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(loaded.ChatRoom!)}/send/m.room.message/{sent.TransactionId}", put.RawTarget);
        Assert.Empty(put.Problems);
        var after = Incident.Load(ws, inc.Id);
        Assert.NotNull(after.FirstCommsAt);
        Assert.Equal("Internal", LastCall(ws, inc.Id).Body["audience"]);
        AssertNoTokenIn(ws, sent);
    }

    [Fact]
    public void MatrixLostResponseIsRetriedWithTheSameTransactionIdAndStoredOnce()
    {
        var (ws, inc) = NewIncident();
        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, "room", "topic", []);
        _fake.Enqueue("matrix.send", Fault.DropAfterProcessing);

        var sent = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, room.Reference!, "Status: contained.", null);

        Assert.True(sent.Delivered, sent.Error);
        Assert.Equal(2, sent.Attempts);
        var puts = _fake.RequestsTo("matrix.send").ToList();
        Assert.Equal(2, puts.Count);
        Assert.Equal(puts[0].RawTarget, puts[1].RawTarget);
        var message = Assert.Single(_fake.MatrixMessages);
        Assert.Equal(message.Id, sent.Reference);

        // A person re-running the same post later gets the same event back, not a second message.
        var again = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, room.Reference!, "Status: contained.", null);
        Assert.Equal(sent.Reference, again.Reference);
        Assert.Single(_fake.MatrixMessages);
    }

    [Fact]
    public void MatrixAfter5xxIsRetriedAndDeliveredOnce()
    {
        var (ws, inc) = NewIncident();
        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, "room", "topic", []);
        _fake.Enqueue("matrix.send", Fault.WithStatus(502), Fault.WithStatus(500));
        var sent = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, room.Reference!, "Update 1", null);
        Assert.True(sent.Delivered, sent.Error);
        Assert.Equal(3, sent.Attempts);
        Assert.Single(_fake.MatrixMessages);
    }

    [Fact]
    public void MatrixRateLimitHonoursRetryAfter()
    {
        var (ws, inc) = NewIncident();
        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, "room", "topic", []);
        _fake.Enqueue("matrix.send", Fault.WithStatus(429, retryAfter: 1, body: "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\"}"));
        var sw = Stopwatch.StartNew();
        var sent = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, room.Reference!, "Update 2", null);
        Assert.True(sent.Delivered, sent.Error);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(0.95), $"Retry-After: 1 was not honoured ({sw.Elapsed})");
        Assert.Equal(2, sent.Attempts);
    }

    [Fact]
    public void RetryAfterLongerThanTheLimitIsReportedNotWaitedFor()
    {
        var (ws, inc) = NewIncident();
        _fake.Enqueue("slack.postMessage", Fault.WithStatus(429, retryAfter: 3600));
        var sw = Stopwatch.StartNew();
        var result = ChatChannels.SendSlackMessage(Http, new Uri(_fake.BaseUrl + "/api"), _token, inc.Id, "C0INCIDENT", "hello", null);
        Assert.False(result.Delivered);
        Assert.Equal("IntegrationRateLimited", result.ErrorId);
        Assert.Contains("retry after 3600 s", result.Error);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Issue 18 finding 3: an alert's title reached chat as written, and "&lt;!channel&gt;" or "@room" in it paged everyone.
    /// Slack text is escaped as Slack asks (&amp; &lt; &gt;); Matrix messages say they mention no one (empty m.mentions).
    /// </summary>
    [Fact]
    public void MentionsInOutsideText_DoNotPageAnyoneOnSlackOrMatrix()
    {
        var (_, inc) = NewIncident();
        const string text = "Disk full <!channel> <@U024BE7LH> @room";
        var slack = ChatChannels.SendSlackMessage(Http, new Uri(_fake.BaseUrl + "/api"), _token, inc.Id, "C0INCIDENT", text, null);
        Assert.True(slack.Delivered, slack.Error);
        var posted = Assert.Single(_fake.SlackMessages).Text;
        Assert.DoesNotContain("<!channel>", posted, StringComparison.Ordinal);
        Assert.DoesNotContain("<@U024BE7LH>", posted, StringComparison.Ordinal);
        Assert.Contains("&lt;!channel&gt;", posted, StringComparison.Ordinal);

        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, "room @room", "topic", []);
        var sent = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, room.Reference!, text, null);
        Assert.True(sent.Delivered, sent.Error);
        var put = System.Text.Json.Nodes.JsonNode.Parse(_fake.RequestsTo("matrix.send").Last().Body)!;
        var mentions = Assert.IsType<System.Text.Json.Nodes.JsonObject>(put["m.mentions"]);
        Assert.Empty(mentions);
        var create = System.Text.Json.Nodes.JsonNode.Parse(_fake.RequestsTo("matrix.createRoom").Last().Body)!;
        Assert.DoesNotContain("@room", create["name"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void SlackPostsJsonWithBearerAndOkFalseIsAFailure()
    {
        var (ws, inc) = NewIncident();
        var api = new Uri(_fake.BaseUrl + "/api");
        var ok = ChatChannels.SendSlackMessage(Http, api, _token, inc.Id, "C0INCIDENT", "Kickoff", "Internal");
        ok.Record(ws.JournalOf(inc.Id), "dana");
        Assert.True(ok.Delivered, ok.Error);
        var req = Assert.Single(_fake.RequestsTo("slack.postMessage"));
        Assert.Empty(req.Problems);
        Assert.Equal("/api/chat.postMessage", req.RawTarget);
        Assert.Equal("Bearer <valid token>", req.Headers["Authorization"]);
        Assert.Equal("application/json; charset=utf-8", req.Headers["Content-Type"]);
        Assert.Matches(@"^1700000000\.\d{6}$", ok.Reference);

        var missing = ChatChannels.SendSlackMessage(Http, api, _token, inc.Id, "C0MISSING", "Kickoff", "Internal");
        missing.Record(ws.JournalOf(inc.Id), "dana");
        Assert.False(missing.Delivered);
        Assert.Equal(200, missing.Status);
        Assert.Equal("IntegrationRejected", missing.ErrorId);
        Assert.Contains("ok:false (channel_not_found)", missing.Error);
        Assert.Equal("failed", LastCall(ws, inc.Id).Body["outcome"]);

        var badAuth = ChatChannels.SendSlackMessage(Http, api, "xoxb-not-the-token", inc.Id, "C0INCIDENT", "Kickoff", null);
        Assert.Equal("IntegrationUnauthorized", badAuth.ErrorId);
        Assert.Single(_fake.SlackMessages);
    }

    [Fact]
    public void SlackAfter500IsNotResentBecauseChatPostMessageHasNoIdempotencyKey()
    {
        var (ws, inc) = NewIncident();
        _fake.Enqueue("slack.postMessage", Fault.WithStatus(500));
        var result = ChatChannels.SendSlackMessage(Http, new Uri(_fake.BaseUrl + "/api"), _token, inc.Id, "C0INCIDENT", "Kickoff", null);
        Assert.False(result.Delivered);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public void WebhookCarriesIdempotencyKeyAndOnlySchemeAndHostAreJournaled()
    {
        var (ws, inc) = NewIncident();
        var secretPath = "/hooks/T000/B000/" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var url = new Uri(_fake.BaseUrl + secretPath);
        _fake.Enqueue("webhook", Fault.DropAfterProcessing, Fault.WithStatus(503));
        var result = ChatChannels.PostWebhook(Http, url, inc.Id, "Status: investigating", "Community");
        result.Record(ws.JournalOf(inc.Id), "dana");

        Assert.True(result.Delivered, result.Error);
        Assert.Equal(3, result.Attempts);
        var reqs = _fake.RequestsTo("webhook").ToList();
        Assert.All(reqs, r => Assert.Equal(result.TransactionId, r.Headers["Idempotency-Key"]));
        Assert.Single(_fake.WebhookPosts);
        var entry = LastCall(ws, inc.Id);
        Assert.Equal(_fake.BaseUrl, entry.Body["endpoint"]);
        var journalText = File.ReadAllText(ws.JournalOf(inc.Id).Path);
        Assert.DoesNotContain(secretPath, journalText, StringComparison.Ordinal);
        Assert.DoesNotContain("T000/B000", journalText, StringComparison.Ordinal);
    }

    [Fact]
    public void WebhookFailureMessageNeverShowsTheUrlPath()
    {
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        DeIRF.Testing.TestArtifacts.RegisterSecret("webhook url secret", secret);
        // A closed port: the connection fails before sending (retried, then reported).
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/hooks/{secret}");
        var result = ChatChannels.PostWebhook(Http, url, "INC-20260101-AAAA", "text", null);
        Assert.False(result.Delivered);
        Assert.Equal(Http.Options.MaxAttempts, result.Attempts);
        Assert.Contains("could not connect", result.Error);
        Assert.DoesNotContain(secret, result.Error!, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionRefusedIsRetriedEvenForATicketBecauseNothingWasSent()
    {
        var (ws, inc) = NewIncident();
        var result = TicketTracker.CreateGitHubAdvisory(Http, new Uri($"http://127.0.0.1:{FreePort()}"), "octo-org/api", _token, Draft(inc));
        Assert.False(result.Delivered);
        Assert.Equal("IntegrationUnavailable", result.ErrorId);
        Assert.Equal(Http.Options.MaxAttempts, result.Attempts);
    }

    [Fact]
    public void CancellationStopsAHangingCallAndSaysHowManyRequestsWent()
    {
        var (ws, inc) = NewIncident();
        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, "room", "topic", []);
        _fake.Enqueue("matrix.send", Fault.Hang);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var sw = Stopwatch.StartNew();
        var result = ChatChannels.SendMatrixMessage(Http, Base, _token, inc.Id, room.Reference!, "never", null, cts.Token);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"cancellation took {sw.Elapsed}");
        Assert.True(result.Cancelled);
        Assert.False(result.Delivered);
        Assert.Equal("IntegrationCancelled", result.ErrorId);
        Assert.Equal(1, result.Attempts);
        Assert.Contains("may have reached the service", result.Error);
        result.Record(ws.JournalOf(inc.Id), "dana");
        Assert.Equal("IntegrationCancelled", LastCall(ws, inc.Id).Body["error_id"]);
        Assert.Empty(_fake.MatrixMessages);
    }

    [Fact]
    public void AttemptTimeoutOnAnIdempotentPostIsRetried()
    {
        var (ws, inc) = NewIncident();
        var room = ChatChannels.CreateMatrixRoom(Http, Base, _token, inc.Id, "room", "topic", []);
        _fake.Enqueue("matrix.send", Fault.Hang);
        // 2 s, not less: under a loaded CI the healthy second attempt must not time out too (seen at 300 ms).
        var quick = new OutboundHttp(Http.Options with { AttemptTimeout = TimeSpan.FromSeconds(2) });
        var sent = ChatChannels.SendMatrixMessage(quick, Base, _token, inc.Id, room.Reference!, "after a timeout", null);
        Assert.True(sent.Delivered, sent.Error);
        Assert.Equal(2, sent.Attempts);
        Assert.Single(_fake.MatrixMessages);
    }

    [Fact]
    public void InputsAreCheckedBeforeAnythingIsSent()
    {
        Assert.Equal("TrackerRepositoryInvalid", Assert.Throws<IntegrationException>(() => TicketTracker.ValidateRepository("github", "not a repo")).ErrorId);
        Assert.Equal("octo/api", TicketTracker.ValidateRepository("github", "octo/api"));
        Assert.Equal("group/sub/project", TicketTracker.ValidateRepository("gitlab", "group/sub/project"));
        Assert.Equal("MatrixUserIdInvalid", Assert.Throws<IntegrationException>(() =>
            ChatChannels.CreateMatrixRoom(Http, Base, _token, "INC-20260101-AAAA", "n", "t", ["bob"])).ErrorId);
        Assert.Equal("IntegrationUrlInsecure", Assert.Throws<IntegrationException>(() =>
            IntegrationCallRunner.ValidateBase("http://api.github.example", TicketTracker.GitHubDefaultApi, "github", "advisory.create", "TrackerApiUrl")).ErrorId);
        Assert.Equal("IntegrationUrlInsecure", Assert.Throws<IntegrationException>(() => ChatChannels.ValidateWebhookUrl("http://hooks.example.com/x")).ErrorId);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public void TokenComesFromTheEnvironmentWhenNoSecureStringIsGivenAndItsAbsenceNamesBoth()
    {
        const string variable = "DEIRF_TEST_TOKEN_VARIABLE";
        Environment.SetEnvironmentVariable(variable, null);
        var ex = Assert.Throws<IntegrationException>(() => IntegrationSecrets.Resolve(null, variable, "github", "advisory.create", "TrackerToken"));
        Assert.Equal("IntegrationTokenMissing", ex.ErrorId);
        Assert.Contains("-TrackerToken", ex.Message);
        Assert.Contains(variable, ex.Message);
        Environment.SetEnvironmentVariable(variable, _token);
        try
        {
            Assert.Equal(_token, IntegrationSecrets.Resolve(null, variable, "github", "advisory.create", "TrackerToken"));
            var secure = new System.Security.SecureString();
            foreach (var c in "from-parameter")
            {
                secure.AppendChar(c);
            }
            Assert.Equal("from-parameter", IntegrationSecrets.Resolve(secure, variable, "github", "advisory.create", "TrackerToken"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void TransactionIdIsDeterministicPerIncidentDestinationAudienceAndText()
    {
        var a = IntegrationResult.TransactionIdFor("INC-1", "matrix", "!r:hs", "Internal", "hello");
        Assert.Equal(a, IntegrationResult.TransactionIdFor("INC-1", "matrix", "!r:hs", "Internal", "hello"));
        Assert.NotEqual(a, IntegrationResult.TransactionIdFor("INC-2", "matrix", "!r:hs", "Internal", "hello"));
        Assert.NotEqual(a, IntegrationResult.TransactionIdFor("INC-1", "matrix", "!r:hs", "Community", "hello"));
        Assert.NotEqual(a, IntegrationResult.TransactionIdFor("INC-1", "matrix", "!r:hs", "Internal", "hello!"));
        Assert.Matches("^deirf-[0-9a-f]{32}$", a);
    }

    [Fact]
    public void FirstCommsDeadlineIsMetByTheFirstDeliveredPost()
    {
        var (ws, inc) = NewIncident();
        var journal = ws.JournalOf(inc.Id);
        journal.Append(new StatementDraft(DeadlineSet.KindName, "alice", new System.Text.Json.Nodes.JsonObject
        {
            ["due"] = DeadlineSet.FormatDue(Deadline.Normalize(DateTimeOffset.UtcNow.AddHours(1))), ["name"] = "first-comms",
        }));
        Assert.Null(Deadline.For(Incident.Load(ws, inc.Id)).Single(d => d.Name == "first-comms").Met);
        var failed = ChatChannels.SendSlackMessage(Http, new Uri(_fake.BaseUrl + "/api"), _token, inc.Id, "C0MISSING", "Kickoff", null);
        failed.Record(journal, "dana");
        Assert.Null(Deadline.For(Incident.Load(ws, inc.Id)).Single(d => d.Name == "first-comms").Met);
        var ok = ChatChannels.SendSlackMessage(Http, new Uri(_fake.BaseUrl + "/api"), _token, inc.Id, "C0INCIDENT", "Kickoff", null);
        ok.Record(journal, "dana");
        var d = Deadline.For(Incident.Load(ws, inc.Id)).Single(d => d.Name == "first-comms");
        Assert.True(d.Met);
        Assert.Equal(ok.Time, d.MetAt);
    }

    [Fact]
    public void IntegrationCallSchemaRefusesAFailureWithoutAReasonAndUnknownIntegrations()
    {
        var body = new System.Text.Json.Nodes.JsonObject { ["attempts"] = 1, ["integration"] = "github", ["operation"] = "advisory.create", ["outcome"] = "failed" };
        Assert.Equal("error", Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(IntegrationCall.KindName, body)).Member);
        body["outcome"] = "delivered";
        EntryKinds.Validate(IntegrationCall.KindName, body);
        body["integration"] = "teams";
        Assert.Equal("integration", Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate(IntegrationCall.KindName, body)).Member);
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
