using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Core.Tests;
using DeIRF.FakeServices;
using DeIRF.Identity;
using DeIRF.Integrations;
using DeIRF.Journal;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using Xunit;

// The roster cases set the process-wide DEIRF_MATRIX_HOMESERVER / DEIRF_MATRIX_TOKEN (the catalog's instance reads them).
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace DeIRF.Providers.Matrix.Tests;

/// <summary>
/// The Matrix proof kind against the suite's fake homeserver (Kestrel on 127.0.0.1; no homeserver is installable here):
/// the fake serves the client-server API's event shapes (room events, redactions, m.replace edits, bundled
/// aggregations, /messages pages) and records any request it does not expect; every test asserts there was none.
/// Each responder posts with their own access token, as on a real homeserver; DeIRF reads with the bot's.
/// </summary>
public sealed class MatrixKindTests : IAsyncLifetime
{
    private static readonly HttpClient Client = new();
    private readonly string _botToken = "syt_" + DeIRF.Testing.TestArtifacts.NewRegisteredHex("fake homeserver bot token", 20);
    private readonly string _aliceToken = "syt_" + DeIRF.Testing.TestArtifacts.NewRegisteredHex("fake homeserver user token", 20);
    private readonly string _bobToken = "syt_" + DeIRF.Testing.TestArtifacts.NewRegisteredHex("fake homeserver user token", 20);
    private readonly string _dir = DeIRF.Testing.TestArtifacts.NewDirectory("deirf-matrix-");
    private readonly JournalAppendOptions _unsigned = new() { Durable = false };
    private FakeServiceHost _fake = null!;
    private string _room = string.Empty;

    private const string Alice = "@alice:fake.local";
    private const string Bob = "@bob:fake.local";

    // Fast back-off so retry cases run in milliseconds; retry_after_ms is honoured up to 2 s.
    private static readonly OutboundOptions Fast = new()
    {
        MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryAfter = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    public async Task InitializeAsync()
    {
        _fake = await FakeServiceHost.StartAsync(_botToken);
        _fake.AddMatrixUser(Alice, _aliceToken);
        _fake.AddMatrixUser(Bob, _bobToken);
        var created = ChatChannels.CreateMatrixRoom(new OutboundHttp(Fast), new Uri(_fake.BaseUrl), _botToken, "INC-1", "INC-1", "leaked keys", [Alice, Bob]);
        Assert.True(created.Delivered, created.Error);
        _room = created.Reference!;
    }

    public async Task DisposeAsync()
    {
        var problems = _fake.Problems.ToList();
        await _fake.DisposeAsync();
        DeIRF.Testing.TestArtifacts.Delete(_dir);
        Assert.True(problems.Count == 0, "The fake homeserver saw requests a real one would refuse:\n" + string.Join("\n", problems));
    }

    private MatrixKind Kind(string? token = null) => new(() => new Uri(_fake.BaseUrl), () => token ?? _botToken, Fast);

    private static ProofKey AliceKey(MatrixKind kind) => kind.ParsePublicKey("matrix:u/@alice:fake.local");

    /// <summary>A quorum signing payload as Proposal writes it: its digest is the proposal id on its second line.</summary>
    private static (byte[] Payload, string Digest) ProposalPayload()
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        return (Encoding.UTF8.GetBytes($"{Proposal.SignatureDomainLine}\nproposal: {id}\nworkspace: w\nincident: INC-1\naction: notify.test\n"), id);
    }

    private async Task<string> PostAsync(string token, string body, JsonObject? extra = null, string? room = null)
    {
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        foreach (var (k, v) in extra ?? [])
        {
            content[k] = v?.DeepClone();
        }
        using var request = new HttpRequestMessage(HttpMethod.Put,
            $"{_fake.BaseUrl}/_matrix/client/v3/rooms/{Uri.EscapeDataString(room ?? _room)}/send/m.room.message/{Guid.NewGuid():N}")
        {
            Content = new StringContent(content.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["event_id"]!.GetValue<string>();
    }

    private async Task RedactAsync(string token, string eventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put,
            $"{_fake.BaseUrl}/_matrix/client/v3/rooms/{Uri.EscapeDataString(_room)}/redact/{Uri.EscapeDataString(eventId)}/{Guid.NewGuid():N}")
        {
            Content = new StringContent("{\"reason\":\"mistake\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private string Ref(string eventId) => $"matrix:event/{_room}/{eventId}";

    // ---- the claim ----

    [Fact]
    public void A_claim_is_normalised_and_its_fingerprint_is_the_mxid_so_an_account_binds_to_one_responder()
    {
        var kind = Kind();
        var plain = kind.ParsePublicKey(" matrix:u/alice:fake.local ");
        var full = kind.ParsePublicKey("matrix:u/@alice:fake.local?org.keyoxide.r=room1x:fake.local&org.keyoxide.e=%2412evt:fake.local");
        Assert.Equal(Alice, plain.Fingerprint);
        Assert.Equal(Alice, full.Fingerprint);
        Assert.Equal("matrix:u/@alice:fake.local", plain.PublicKey);
        Assert.Equal("matrix:u/@alice:fake.local?org.keyoxide.r=!room1x:fake.local&org.keyoxide.e=$12evt:fake.local", full.PublicKey);
        Assert.Equal("!room1x:fake.local", full.Attributes["room"]);
        Assert.Equal("$12evt:fake.local", full.Attributes["event"]);
        Assert.Equal("fake.local", full.Attributes["server"]);
    }

    [Theory]
    [InlineData("@alice:fake.local", "matrix:u/")]
    [InlineData("matrix:u/@Alice:fake.local", "not a Matrix user id")]
    [InlineData("matrix:u/@alice:fake.local?org.keyoxide.r=!r:fake.local", "a room without the event")]
    [InlineData("matrix:u/@alice:fake.local?org.keyoxide.e=$e:fake.local", "an event without its room")]
    [InlineData("matrix:u/@alice:fake.local?via=fake.local", "takes org.keyoxide.r and org.keyoxide.e only")]
    [InlineData("matrix:u/@alice:fake.local?org.keyoxide.r=!r:x&org.keyoxide.r=!s:x&org.keyoxide.e=$e", "twice")]
    public void A_malformed_claim_is_refused_with_its_reason(string claim, string reason)
    {
        var ex = Assert.Throws<InvalidProofException>(() => Kind().ParsePublicKey(claim));
        Assert.Equal("ProofInvalid", ex.ErrorId);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void The_digest_of_a_quorum_payload_is_its_proposal_id_and_of_anything_else_its_sha256()
    {
        var (payload, digest) = ProposalPayload();
        Assert.Equal(digest, MatrixMessages.DigestOf(payload));
        // The approval gate's payload names the same proposal under another domain line: another digest, so one message never serves both.
        var gate = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload).Replace(Proposal.SignatureDomainLine, Proposal.ApprovalDomainLine));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(gate)).ToLowerInvariant(), MatrixMessages.DigestOf(gate));
        Assert.NotEqual(digest, MatrixMessages.DigestOf(gate));
    }

    // ---- approvals ----

    [Fact]
    public async Task An_approval_by_the_bound_account_is_valid_and_carries_room_event_and_origin_server_ts()
    {
        var (payload, digest) = ProposalPayload();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.True(check.IsValid, check.Reason);
        Assert.Equal(Alice, check.Fingerprint);
        Assert.Equal(ev, check.Details!["event"]);
        Assert.Equal(_room, check.Details["room"]);
        Assert.Equal(Alice, check.Details["sender"]);
        var ts = long.Parse(check.Details["originServerTs"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(ts), check.SignedAt);
        Assert.InRange(check.SignedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        var get = _fake.RequestsTo("matrix.event").Single();
        Assert.Equal("Bearer <valid token>", get.Headers["Authorization"]);
        Assert.Single(_fake.RequestsTo("matrix.relations"));
    }

    [Fact]
    public async Task An_approval_naming_another_digest_is_refused_with_both_digests()
    {
        var (payload, digest) = ProposalPayload();
        var (_, other) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {other}");
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.Contains($"approves {other[..12]}…, not this payload's digest {digest}", check.Reason);
    }

    [Fact]
    public async Task A_message_from_another_account_does_not_sign_for_the_bound_one()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_bobToken, $"deirf approve {digest}");
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.Contains($"was sent by {Bob}, not by {Alice}", check.Reason);
    }

    [Fact]
    public async Task A_redacted_approval_is_refused()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        await RedactAsync(_aliceToken, ev);
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.Contains("was redacted", check.Reason);
    }

    [Fact]
    public async Task An_edited_approval_is_refused_and_so_is_the_edit_itself()
    {
        var (payload, digest) = ProposalPayload();
        var (_, other) = ProposalPayload();
        var original = await PostAsync(_aliceToken, $"deirf approve {other}");
        var edit = await PostAsync(_aliceToken, $"* deirf approve {digest}", new JsonObject
        {
            ["m.new_content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = $"deirf approve {digest}" },
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = original },
        });
        var kind = Kind();
        var onOriginal = kind.Verify(AliceKey(kind), payload, Ref(original), VerificationContext.Default);
        Assert.False(onOriginal.IsValid);
        Assert.Contains("was edited (m.replace)", onOriginal.Reason);
        var onEdit = kind.Verify(AliceKey(kind), payload, Ref(edit), VerificationContext.Default);
        Assert.False(onEdit.IsValid);
        Assert.Contains($"is an edit (m.replace) of {original}", onEdit.Reason);
    }

    [Fact]
    public async Task An_edit_seen_only_through_the_relations_api_also_refuses_and_an_edit_by_someone_else_does_not_count_as_one()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        // Bob "edits" alice's message: the spec says clients ignore an edit by another sender, and so does DeIRF.
        await PostAsync(_bobToken, "* something else", new JsonObject
        {
            ["m.new_content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "something else" },
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = ev },
        });
        var kind = Kind();
        Assert.True(kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default).IsValid);
    }

    [Fact]
    public void A_missing_event_is_refused_as_MatrixEventMissing()
    {
        var (payload, _) = ProposalPayload();
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, Ref("$999999evt:fake.local"), VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.StartsWith("MatrixEventMissing:", check.Reason);
        Assert.Equal("MatrixEventMissing", check.Details!["error"]);
        Assert.Contains("HTTP 404", check.Reason);
    }

    [Fact]
    public async Task A_wrong_token_is_MatrixUnauthorized_and_the_token_is_in_no_message()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var wrong = "syt_" + DeIRF.Testing.TestArtifacts.NewRegisteredHex("wrong token", 20);
        var kind = Kind(wrong);
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.StartsWith("MatrixUnauthorized:", check.Reason);
        Assert.Contains("HTTP 401", check.Reason);
        Assert.Contains("M_UNKNOWN_TOKEN", check.Reason);
        Assert.DoesNotContain(wrong, check.Reason);
        Assert.DoesNotContain(_botToken, check.Reason);
        // Not retried: a refused token answers the same again.
        Assert.Single(_fake.RequestsTo("matrix.event"));
    }

    [Fact]
    public async Task A_room_the_bot_is_not_in_is_refused_403_as_MatrixUnauthorized()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, $"matrix:event/!elsewhere:fake.local/{ev}", VerificationContext.Default);
        Assert.False(check.IsValid);
        Assert.StartsWith("MatrixUnauthorized:", check.Reason);
        Assert.Contains("HTTP 403", check.Reason);
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_ms()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        _fake.Enqueue("matrix.event", Fault.WithStatus(429, body: "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\",\"retry_after_ms\":300}"));
        var kind = Kind();
        var watch = Stopwatch.StartNew();
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.True(check.IsValid, check.Reason);
        Assert.True(watch.ElapsedMilliseconds >= 290, $"answered after {watch.ElapsedMilliseconds} ms, before the 300 ms the homeserver asked for");
        Assert.Equal([429, 200], _fake.RequestsTo("matrix.event").Select(r => r.Status));
    }

    [Fact]
    public async Task A_429_asking_longer_than_DeIRF_waits_or_repeated_past_the_attempts_is_MatrixRateLimited()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        const string Long = "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\",\"retry_after_ms\":60000}";
        _fake.Enqueue("matrix.event", Fault.WithStatus(429, body: Long));
        var kind = Kind();
        var check = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.StartsWith("MatrixRateLimited:", check.Reason);
        Assert.Contains("longer than", check.Reason);
        Assert.Single(_fake.RequestsTo("matrix.event"));

        const string Short = "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\",\"retry_after_ms\":10}";
        _fake.Enqueue("matrix.event", Fault.WithStatus(429, body: Short), Fault.WithStatus(429, body: Short), Fault.WithStatus(429, body: Short));
        var again = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.StartsWith("MatrixRateLimited:", again.Reason);
        Assert.Equal(1 + Fast.MaxAttempts, _fake.RequestsTo("matrix.event").Count());
    }

    [Fact]
    public async Task An_answer_for_another_event_malformed_json_or_a_huge_body_is_refused_as_MatrixAnswerInvalid()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var other = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var otherJson = _fake.RoomEvents(_room).Single(e => e["event_id"]!.GetValue<string>() == other).ToJsonString();
        _fake.Enqueue("matrix.event",
            Fault.WithStatus(200, body: otherJson),
            Fault.WithStatus(200, body: "{\"event_id\":"),
            Fault.WithStatus(200, body: "{\"pad\":\"" + new string('x', 2 << 20) + "\"}"));
        var kind = Kind();
        var swapped = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.StartsWith("MatrixAnswerInvalid:", swapped.Reason);
        Assert.Contains($"asked for {ev}", swapped.Reason);
        var malformed = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.StartsWith("MatrixAnswerInvalid:", malformed.Reason);
        Assert.Contains("not JSON", malformed.Reason);
        var huge = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.StartsWith("MatrixAnswerInvalid:", huge.Reason);
        Assert.Contains("larger than", huge.Reason);
    }

    [Fact]
    public async Task A_notice_or_a_look_alike_event_type_is_not_a_text_message()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var stored = _fake.RoomEvents(_room).Single(e => e["event_id"]!.GetValue<string>() == ev);
        var notice = (JsonObject)stored.DeepClone();
        notice["content"]!["msgtype"] = "m.notice";
        var lookAlike = (JsonObject)stored.DeepClone();
        lookAlike["type"] = "m.room.message\u200b";
        _fake.Enqueue("matrix.event", Fault.WithStatus(200, body: notice.ToJsonString()), Fault.WithStatus(200, body: lookAlike.ToJsonString()));
        var kind = Kind();
        var asNotice = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.False(asNotice.IsValid);
        Assert.Contains("(m.notice), not a text message", asNotice.Reason);
        var asLookAlike = kind.Verify(AliceKey(kind), payload, Ref(ev), VerificationContext.Default);
        Assert.False(asLookAlike.IsValid);
        Assert.Contains("not a text message", asLookAlike.Reason);
        Assert.DoesNotContain("\u200b", asLookAlike.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_history_event_DeIRF_cannot_read_is_passed_over_and_hides_no_approval_and_a_foreign_room_event_refuses_the_page()
    {
        var (payload, digest) = ProposalPayload();
        var ev = await PostAsync(_aliceToken, $"deirf approve {digest}");
        var good = _fake.RoomEvents(_room).Single(e => e["event_id"]!.GetValue<string>() == ev);
        var odd = (JsonObject)good.DeepClone();
        odd["sender"] = "@Historical User:fake.local";
        odd["event_id"] = "$odd:fake.local";
        var page = new JsonObject { ["chunk"] = new JsonArray(odd, good.DeepClone()), ["start"] = "t2" };
        var foreign = (JsonObject)good.DeepClone();
        foreign["room_id"] = "!other:fake.local";
        var foreignPage = new JsonObject { ["chunk"] = new JsonArray(foreign), ["start"] = "t1" };
        _fake.Enqueue("matrix.messages", Fault.WithStatus(200, body: page.ToJsonString()), Fault.WithStatus(200, body: foreignPage.ToJsonString()));
        var roster = Roster.Load(Workspace.Initialize(Path.Combine(_dir, "ws-history")));
        var found = Kind().Collect(new ProofCollectionRequest { Roster = roster, Payload = payload, Source = _room }, CancellationToken.None);
        Assert.Equal(Ref(ev), Assert.Single(found).Signature);
        var ex = Assert.Throws<MatrixHomeserverException>(() => Kind().Collect(new ProofCollectionRequest { Roster = roster, Payload = payload, Source = _room }, CancellationToken.None));
        Assert.Equal("MatrixAnswerInvalid", ex.ErrorId);
        Assert.Contains("of room !other:fake.local", ex.Message);
    }

    [Fact]
    public void A_signature_that_is_not_an_event_reference_is_refused_without_a_request()
    {
        var (payload, _) = ProposalPayload();
        var kind = Kind();
        Assert.Contains("matrix:event/<room id>/<event id>", kind.Verify(AliceKey(kind), payload, "0xdeadbeef", VerificationContext.Default).Reason);
        Assert.Contains("no /$<event id>", kind.Verify(AliceKey(kind), payload, $"matrix:event/{_room}", VerificationContext.Default).Reason);
        Assert.Empty(_fake.RequestsTo("matrix.event"));
    }

    // ---- bindings, through the roster (the catalog's instance: homeserver and token from the environment) ----

    private sealed class Env : IDisposable
    {
        private readonly string? _hs = Environment.GetEnvironmentVariable(ChatChannels.HomeserverVariable);
        private readonly string? _tok = Environment.GetEnvironmentVariable(IntegrationSecrets.MatrixTokenVariable);

        public Env(string homeserver, string token)
        {
            Environment.SetEnvironmentVariable(ChatChannels.HomeserverVariable, homeserver);
            Environment.SetEnvironmentVariable(IntegrationSecrets.MatrixTokenVariable, token);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable(ChatChannels.HomeserverVariable, _hs);
            Environment.SetEnvironmentVariable(IntegrationSecrets.MatrixTokenVariable, _tok);
        }
    }

    private (Workspace Ws, Roster Roster, byte[] AliceSeed) Team()
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, "ws-" + Guid.NewGuid().ToString("N")[..6]));
        var roster = Roster.Load(ws);
        roster.AddResponder("alice", "Alice Ng", [ResponderRole.TriageLead], "alice", _unsigned);
        var seed = TestKeys.NewSeed();
        TestKeys.Bind(roster, "alice", ProofKind.DidKey, seed, _unsigned);
        return (ws, roster, seed);
    }

    /// <summary>Alice's binding message: "deirf bind &lt;digest&gt;" and a JWS over the binding by <paramref name="vouchingSeed"/>.</summary>
    private async Task<(ProofKey Key, byte[] Binding, string Signature)> BindingMessageAsync(Workspace ws, byte[]? vouchingSeed, string token = "")
    {
        var binding = new ProofBinding(ws.WorkspaceId, "alice", MatrixKind.Matrix, Alice, DateTimeOffset.UtcNow).ToBytes();
        var digest = Convert.ToHexString(SHA256.HashData(binding)).ToLowerInvariant();
        string jws = string.Empty;
        if (vouchingSeed is not null)
        {
            using var material = new PrivateKeyMaterial((byte[])vouchingSeed.Clone());
            jws = Signatures.SignerFor(ProofKind.DidKey).Sign(binding, material);
        }
        var ev = await PostAsync(token.Length > 0 ? token : _aliceToken, $"deirf bind {digest}\n{jws}");
        var key = Signatures.ParsePublicKey(MatrixKind.Matrix, $"matrix:u/{Alice}?org.keyoxide.r={_room}&org.keyoxide.e={ev}");
        return (key, binding, Ref(ev));
    }

    [Fact]
    public async Task A_binding_vouched_for_by_a_bound_key_binds_the_account_and_the_roster_audit_holds()
    {
        using var env = new Env(_fake.BaseUrl, _botToken);
        var (ws, roster, seed) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, seed);
        var proof = roster.AddProof("alice", key, binding, signature, "alice", _unsigned);
        Assert.Equal(MatrixKind.Matrix, proof.Kind);
        Assert.Equal(Alice, proof.Fingerprint);
        var reloaded = Roster.Load(ws);
        Assert.True(reloaded.Get("alice").Eligible); // did:key + Matrix: two kinds
        Assert.Equal(key.PublicKey, reloaded.Get("alice").FindProof(Alice)!.Key.PublicKey);
        Assert.Empty(reloaded.AuditBindings());
    }

    [Fact]
    public async Task A_binding_without_a_vouching_signature_or_vouched_for_by_a_stranger_is_refused()
    {
        using var env = new Env(_fake.BaseUrl, _botToken);
        var (ws, roster, _) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, vouchingSeed: null);
        var bare = Assert.Throws<DeirfException>(() => roster.AddProof("alice", key, binding, signature, "alice", _unsigned));
        Assert.Equal("ProofPossessionNotShown", bare.ErrorId);
        Assert.Contains("carries no signature over the binding", bare.Message);

        var (key2, binding2, signature2) = await BindingMessageAsync(ws, TestKeys.NewSeed());
        var stranger = Assert.Throws<DeirfException>(() => roster.AddProof("alice", key2, binding2, signature2, "alice", _unsigned));
        Assert.Equal("ProofPossessionNotShown", stranger.ErrorId);
        Assert.Contains("verifies with none of the responder's bound proofs", stranger.Message);
        Assert.False(Roster.Load(ws).Get("alice").Eligible);
    }

    [Fact]
    public async Task A_binding_posted_by_another_account_is_refused()
    {
        using var env = new Env(_fake.BaseUrl, _botToken);
        var (ws, roster, seed) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, seed, _bobToken);
        var impostor = Assert.Throws<DeirfException>(() => roster.AddProof("alice", key, binding, signature, "alice", _unsigned));
        Assert.Contains($"was sent by {Bob}", impostor.Message);
        Assert.Empty(Roster.Load(ws).Get("alice").Proofs.Where(p => p.Kind == MatrixKind.Matrix));
    }

    [Fact]
    public async Task A_confirmation_months_later_is_a_new_message_and_the_roster_audit_still_holds()
    {
        using var env = new Env(_fake.BaseUrl, _botToken);
        var (ws, roster, seed) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, seed);
        roster.AddProof("alice", key, binding, signature, "alice", _unsigned);
        var (again, binding2, signature2) = await BindingMessageAsync(ws, seed);
        var confirmed = roster.AddProof("alice", again, binding2, signature2, "alice", _unsigned);
        // The roster keeps the first claim (its room and event); the confirmation names its own message.
        Assert.Equal(key.PublicKey, confirmed.Key.PublicKey);
        var entries = new JournalFile(Roster.PathIn(ws)).ReadEntries().Select(e => e.Kind).ToArray();
        Assert.Contains("proof.confirmed", entries);
        Assert.Empty(Roster.Load(ws).AuditBindings());
        // A vouching signature is still required for a confirmation.
        var (bare, binding3, signature3) = await BindingMessageAsync(ws, vouchingSeed: null);
        Assert.Equal("ProofPossessionNotShown", Assert.Throws<DeirfException>(() => roster.AddProof("alice", bare, binding3, signature3, "alice", _unsigned)).ErrorId);
    }

    [Fact]
    public async Task Without_a_configured_homeserver_the_binding_is_refused_with_MatrixHomeserverMissing()
    {
        using var env = new Env(string.Empty, _botToken);
        var (ws, roster, seed) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, seed);
        var ex = Assert.Throws<DeirfException>(() => roster.AddProof("alice", key, binding, signature, "alice", _unsigned));
        Assert.Contains("MatrixHomeserverMissing", ex.Message);
    }

    // ---- a quorum with a Matrix approval among its signers, and the room sweep ----

    [Fact]
    public async Task A_chat_approval_counts_in_the_quorum_and_is_journaled_with_its_event_room_and_origin_server_ts()
    {
        using var env = new Env(_fake.BaseUrl, _botToken);
        var (ws, roster, seed) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, seed);
        roster.AddProof("alice", key, binding, signature, "alice", _unsigned);
        roster.AddResponder("bob", "Bob Okafor", [ResponderRole.ContainmentLead], "bob", _unsigned);
        var bobSeed = TestKeys.NewSeed();
        var bobEth = TestKeys.NewEthKey();
        TestKeys.Bind(roster, "bob", ProofKind.DidKey, bobSeed, _unsigned);
        TestKeys.Bind(roster, "bob", ProofKind.Ethereum, bobEth, _unsigned);
        var inc = ws.OpenIncident("keys leaked", "carol", options: _unsigned);
        var p = QuorumGate.Propose(ws, inc.Id, "notify.test", "api", null, "carol", null, null, _unsigned);

        var approval = await PostAsync(_aliceToken, $"deirf approve {p.Id}");
        var status = QuorumGate.Sign(ws, inc.Id, p.Id, "alice", Ref(approval), null, "alice", _unsigned);
        Assert.True(status.IsCounted, status.Detail);
        Assert.Equal("Matrix", status.Kind);
        using (var bobKey = new PrivateKeyMaterial((byte[])bobSeed.Clone()))
        {
            QuorumGate.Sign(ws, inc.Id, p.Id, "bob", Signatures.SignerFor(ProofKind.DidKey).Sign(p.SigningPayload(), bobKey), null, "bob", _unsigned);
        }
        var verdict = QuorumGate.Judge(ws, inc.Id, p.Id);
        Assert.True(verdict.IsQuorumFilled, string.Join("; ", verdict.Blockers));
        Assert.Equal(["alice", "bob"], verdict.Persons.Order());

        var row = ws.JournalOf(inc.Id).ReadEntries().Single(e => e.Kind == "proposal.signed" && e.Actor == "alice");
        var text = System.Text.Json.JsonSerializer.Serialize(row.Body);
        Assert.Contains(approval, text);
        Assert.Contains(_room, text);
        Assert.Contains("originServerTs", text);
        Assert.DoesNotContain(_botToken, File.ReadAllText(ws.JournalOf(inc.Id).Path));

        // Redacted afterwards: the verdict, recomputed from the journal and the homeserver, no longer counts it.
        await RedactAsync(_aliceToken, approval);
        var cached = Homeserver.CacheFor;
        QuorumVerdict after;
        try
        {
            Homeserver.CacheFor = TimeSpan.Zero;
            after = QuorumGate.Judge(ws, inc.Id, p.Id);
        }
        finally
        {
            Homeserver.CacheFor = cached;
        }
        Assert.False(after.IsQuorumFilled);
        Assert.Contains(after.Signatures, s => s.Responder == "alice" && s.Detail.Contains("was redacted"));
    }

    [Fact]
    public async Task The_sweep_finds_each_approval_of_this_digest_with_its_responder_and_names_unbound_senders()
    {
        using var env = new Env(_fake.BaseUrl, _botToken);
        var (ws, roster, seed) = Team();
        var (key, binding, signature) = await BindingMessageAsync(ws, seed);
        roster.AddProof("alice", key, binding, signature, "alice", _unsigned);
        var (payload, digest) = ProposalPayload();
        var (_, other) = ProposalPayload();
        await PostAsync(_botToken, "Kickoff: INC-1");
        var mine = await PostAsync(_aliceToken, $"deirf approve {digest}");
        await PostAsync(_aliceToken, $"deirf approve {other}");
        var bobs = await PostAsync(_bobToken, $"deirf approve {digest}");
        // More than one page of history (100 events a page).
        for (var i = 0; i < 120; i++)
        {
            await PostAsync(_botToken, $"status {i}");
        }
        var found = Kind().Collect(new ProofCollectionRequest { Roster = Roster.Load(ws), Payload = payload, Source = _room }, CancellationToken.None);
        Assert.Equal(2, found.Count);
        Assert.Equal(Ref(mine), found[0].Signature);
        Assert.Equal("alice", found[0].Responder);
        Assert.Null(found[0].Refusal);
        Assert.Equal(Ref(bobs), found[1].Signature);
        Assert.Null(found[1].Responder);
        Assert.Contains($"{Bob} is bound to no responder", found[1].Refusal);
        Assert.True(_fake.RequestsTo("matrix.messages").Count() >= 2);
        Assert.All(_fake.RequestsTo("matrix.messages"), r => Assert.Contains("dir=b", r.RawTarget));
    }
}
