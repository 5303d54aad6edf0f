using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using Xunit;

namespace DeIRF.Providers.Azure.Tests;

/// <summary>
/// azure.resource.lock through the real Azure.ResourceManager SDK against <see cref="ArmFake"/>. Every test ends by
/// checking that the SDK sent nothing the fake does not implement (wrong route, api-version or body).
/// </summary>
public sealed class ResourceLockTests : IAsyncLifetime
{
    private const string Action = AzureProvider.ResourceLockAction;
    private const string Incident = "INC-20260314-0007";
    private const string OwnLock = "deirf-" + Incident;
    private const string Subscription = "/subscriptions/5d0c4c3e-1f6a-4b8e-9a57-0c7c8a1f2b3d";
    private const string ResourceGroup = Subscription + "/resourceGroups/prod-rg";
    private const string Vm = ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/api-7f9";

    private ArmFake _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await ArmFake.StartAsync();
        _fake.AddScope(Vm);
    }

    public async Task DisposeAsync()
    {
        var unexpected = _fake.Unexpected.ToArray();
        await _fake.DisposeAsync();
        Assert.True(unexpected.Length == 0, "The SDK sent requests the ARM fake does not implement:\n" + string.Join("\n", unexpected));
    }

    private AzureProvider Provider() => new(new AzureProviderOptions { Handler = _fake.CreatePinnedHandler(), MaxRetries = 0, RetryDelay = TimeSpan.FromMilliseconds(10) });

    private ContainmentRequest Request(string target = Vm, string? level = null, string? token = null, params (string Key, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["endpoint"] = _fake.Endpoint.ToString() };
        if (level is not null)
        {
            parameters["level"] = level;
        }
        foreach (var (key, value) in extra)
        {
            parameters[key] = value;
        }
        return new ContainmentRequest(Action, target, parameters, Incident, secrets: new Dictionary<string, string> { ["azureToken"] = token ?? _fake.Token });
    }

    private int Writes() => _fake.Requests.Count(r => r.Method is "PUT" or "DELETE");

    [Fact]
    public async Task Plan_reads_the_locks_at_the_scope_and_changes_nothing()
    {
        _fake.SeedLock(ResourceGroup, "ops-hold", "CanNotDelete", "change freeze");

        var plan = await Provider().PlanAsync(Request(), CancellationToken.None);

        Assert.Equal(Vm, plan.Target);
        Assert.Equal($"create management lock '{OwnLock}' (ReadOnly) on {Vm}", plan.Steps[0]);
        Assert.Contains(plan.Steps, s => s.StartsWith("read back ", StringComparison.Ordinal));
        var before = Assert.Single(plan.Before["locks"]!.AsArray());
        Assert.Equal("ops-hold", (string?)before!["name"]);
        Assert.Equal("CanNotDelete", (string?)before["level"]);
        Assert.Null(plan.Before["lock"]);
        Assert.Equal("ReadOnly", (string?)plan.Expected["lock"]!["level"]);
        Assert.Equal(ArmFake.LockId(Vm, OwnLock), (string?)plan.Expected["lock"]!["id"], ignoreCase: true);
        Assert.Contains(plan.Warnings, w => w.Contains("ReadOnly blocks every write", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Contains("1 other management lock", StringComparison.Ordinal));
        Assert.Equal(0, Writes());
        Assert.Single(_fake.AllLocks());
    }

    [Theory]
    [InlineData("ReadOnly")]
    [InlineData("CanNotDelete")]
    public async Task Apply_sets_the_lock_and_reads_it_back(string level)
    {
        var provider = Provider();

        var result = await provider.ApplyAsync(Request(level: level, extra: ("notes", "contain api-7f9: leaked key")), CancellationToken.None);

        Assert.True(result.Verified, result.Message);
        var stored = _fake.GetLock(Vm, OwnLock);
        Assert.NotNull(stored);
        Assert.Equal(level, stored!.Level);
        Assert.Equal("contain api-7f9: leaked key", stored.Notes);
        Assert.Equal(level, (string?)result.After["lock"]!["level"]);
        Assert.False((bool)result.UndoState["preExisted"]!);
        Assert.Equal(ArmFake.LockId(Vm, OwnLock), (string?)result.UndoState["lockId"], ignoreCase: true);
        Assert.Single(_fake.Requests, r => r.Method == "PUT");

        var verify = await provider.VerifyAsync(Request(level: level, extra: ("notes", "contain api-7f9: leaked key")), result.UndoState, CancellationToken.None);
        Assert.True(verify.Verified, verify.Message);
        Assert.Single(_fake.Requests, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData(Subscription)]
    [InlineData(ResourceGroup)]
    public async Task Apply_and_undo_work_at_subscription_and_resource_group_scope(string scope)
    {
        var provider = Provider();
        var result = await provider.ApplyAsync(Request(scope, level: "CanNotDelete"), CancellationToken.None);
        Assert.True(result.Verified, result.Message);
        Assert.Equal("CanNotDelete", _fake.GetLock(scope, OwnLock)!.Level);
        Assert.StartsWith("Set by DeIRF containment for incident " + Incident, _fake.GetLock(scope, OwnLock)!.Notes, StringComparison.Ordinal);

        var undo = await provider.UndoAsync(Request(scope, level: "CanNotDelete"), result.UndoState, CancellationToken.None);
        Assert.True(undo.Verified, undo.Message);
        Assert.Empty(_fake.AllLocks());
    }

    [Fact]
    public async Task Undo_deletes_only_the_lock_it_created()
    {
        _fake.SeedLock(Vm, "keep-me", "CanNotDelete", "owned by platform team");
        _fake.SeedLock(ResourceGroup, "ops-hold", "CanNotDelete", null);
        var provider = Provider();
        var result = await provider.ApplyAsync(Request(), CancellationToken.None);
        Assert.True(result.Verified, result.Message);
        Assert.Equal(3, _fake.AllLocks().Count);

        var undo = await provider.UndoAsync(Request(), result.UndoState, CancellationToken.None);

        Assert.True(undo.Verified, undo.Message);
        Assert.Null(_fake.GetLock(Vm, OwnLock));
        Assert.Equal(new[] { "keep-me", "ops-hold" }, _fake.AllLocks().Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal));
        var delete = Assert.Single(_fake.Requests, r => r.Method == "DELETE");
        Assert.Equal(ArmFake.LockId(Vm, OwnLock), delete.Path, ignoreCase: true);

        var verify = await provider.VerifyAsync(Request(), result.UndoState, CancellationToken.None);
        Assert.False(verify.Verified);
    }

    [Fact]
    public async Task Undo_restores_a_lock_of_the_same_name_that_existed_before()
    {
        _fake.SeedLock(Vm, OwnLock, "CanNotDelete", "set by the platform team", "8d5c7e2a-0000-4000-8000-00000000c0de");
        var provider = Provider();

        var plan = await provider.PlanAsync(Request(), CancellationToken.None);
        Assert.StartsWith($"update management lock '{OwnLock}' on {Vm}: CanNotDelete -> ReadOnly", plan.Steps[0], StringComparison.Ordinal);
        Assert.Equal("CanNotDelete", (string?)plan.Before["lock"]!["level"]);

        var result = await provider.ApplyAsync(Request(), CancellationToken.None);
        Assert.True(result.Verified, result.Message);
        Assert.True((bool)result.UndoState["preExisted"]!);
        Assert.Equal("CanNotDelete", (string?)result.UndoState["previous"]!["level"]);
        var applied = _fake.GetLock(Vm, OwnLock)!;
        Assert.Equal("ReadOnly", applied.Level);
        Assert.Equal(new[] { "8d5c7e2a-0000-4000-8000-00000000c0de" }, applied.Owners);

        var undo = await provider.UndoAsync(Request(), result.UndoState, CancellationToken.None);

        Assert.True(undo.Verified, undo.Message);
        var restored = _fake.GetLock(Vm, OwnLock)!;
        Assert.Equal("CanNotDelete", restored.Level);
        Assert.Equal("set by the platform team", restored.Notes);
        Assert.Equal(new[] { "8d5c7e2a-0000-4000-8000-00000000c0de" }, restored.Owners);
        Assert.DoesNotContain(_fake.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Undo_refuses_to_overwrite_a_lock_someone_changed_after_apply()
    {
        var provider = Provider();
        var result = await provider.ApplyAsync(Request(), CancellationToken.None);
        _fake.SeedLock(Vm, OwnLock, "CanNotDelete", "changed by hand during the incident");

        var verify = await provider.VerifyAsync(Request(), result.UndoState, CancellationToken.None);
        Assert.False(verify.Verified);
        Assert.Contains("CanNotDelete", verify.Message, StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(Request(), result.UndoState, CancellationToken.None));
        Assert.Equal("AzureLockChanged", ex.ErrorId);
        Assert.Equal("CanNotDelete", _fake.GetLock(Vm, OwnLock)!.Level);
        Assert.DoesNotContain(_fake.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Undo_state_for_another_lock_is_refused()
    {
        var provider = Provider();
        var result = await provider.ApplyAsync(Request(), CancellationToken.None);
        var other = Request(extra: ("lockName", "someone-elses-lock"));

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(other, result.UndoState, CancellationToken.None));

        Assert.Equal("ContainmentUndoStateMismatch", ex.ErrorId);
        Assert.NotNull(_fake.GetLock(Vm, OwnLock));
    }

    [Theory]
    [InlineData(ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/no-such-vm", "ResourceNotFound")]
    [InlineData(Subscription + "/resourceGroups/no-such-rg", "ResourceGroupNotFound")]
    [InlineData("/subscriptions/00000000-0000-0000-0000-000000000bad", "SubscriptionNotFound")]
    public async Task A_missing_resource_is_AzureResourceNotFound_and_nothing_is_written(string target, string armCode)
    {
        var provider = Provider();

        var plan = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Request(target), CancellationToken.None));
        var apply = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(Request(target), CancellationToken.None));

        foreach (var ex in new[] { plan, apply })
        {
            Assert.Equal("AzureResourceNotFound", ex.ErrorId);
            Assert.Equal(DeirfErrorKind.NotFound, ex.Kind);
            Assert.Equal(target, ex.Target);
            Assert.Contains(armCode, ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, Writes());
    }

    [Fact]
    public async Task Forbidden_write_is_AzureForbidden_and_creates_nothing()
    {
        _fake.ForbidWrites(ResourceGroup);

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider().ApplyAsync(Request(), CancellationToken.None));

        Assert.Equal("AzureForbidden", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, ex.Kind);
        Assert.Contains("AuthorizationFailed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Authorization/locks/write", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.AllLocks());
    }

    [Fact]
    public async Task A_conflict_is_AzureLockConflict()
    {
        _fake.ConflictOnWrite(Vm);

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider().ApplyAsync(Request(), CancellationToken.None));

        Assert.Equal("AzureLockConflict", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.ResourceBusy, ex.Kind);
        Assert.Contains("ScopeLocked", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_never_appears_in_errors_or_results_even_when_the_server_echoes_it()
    {
        _fake.EchoTokenInErrors = true;
        _fake.ForbidWrites(Vm);
        var provider = Provider();

        var plan = await provider.PlanAsync(Request(), CancellationToken.None);
        var forbidden = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(Request(), CancellationToken.None));
        var wrongToken = "eyJ0eXAiOiJKV1QifQ.not-the-right-token." + Guid.NewGuid().ToString("N");
        var unauthenticated = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Request(token: wrongToken), CancellationToken.None));

        Assert.Equal("AzureForbidden", forbidden.ErrorId);
        Assert.Equal("AzureUnauthenticated", unauthenticated.ErrorId);
        // The fake really did echo it: the redaction is what keeps it out.
        Assert.Contains("***", forbidden.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_fake.Token, forbidden.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrongToken, unauthenticated.ToString(), StringComparison.Ordinal);
        var json = plan.Before.ToJsonString() + plan.Expected.ToJsonString() + string.Join("\n", plan.Steps) + string.Join("\n", plan.Warnings);
        Assert.DoesNotContain(_fake.Token, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_and_undo_state_never_hold_the_token()
    {
        var provider = Provider();
        var result = await provider.ApplyAsync(Request(), CancellationToken.None);
        var undo = await provider.UndoAsync(Request(), result.UndoState, CancellationToken.None);

        foreach (var r in new[] { result, undo })
        {
            var text = r.Before.ToJsonString() + r.After.ToJsonString() + r.UndoState.ToJsonString() + r.Message;
            Assert.DoesNotContain(_fake.Token, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cancellation_while_ARM_is_answering_stops_the_call()
    {
        _fake.HangWhen = r => r.Method == "PUT";
        using var cts = new CancellationTokenSource();
        var apply = Provider().ApplyAsync(Request(), cts.Token);
        await _fake.RequestHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => apply);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancellation took {clock.Elapsed}");
        Assert.Empty(_fake.AllLocks());
    }

    [Fact]
    public async Task Cancellation_after_the_lock_is_set_still_returns_the_undo_state()
    {
        _fake.HangWhen = r => r.Method == "GET" && r.Path.Value!.EndsWith("/locks/" + OwnLock, StringComparison.OrdinalIgnoreCase);
        using var cts = new CancellationTokenSource();
        var apply = Provider().ApplyAsync(Request(), cts.Token);
        await _fake.RequestHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));

        cts.Cancel();
        var result = await apply.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(result.Verified);
        Assert.Equal("Cancelled", (string?)result.After["readBackError"]);
        Assert.Equal(ArmFake.LockId(Vm, OwnLock), (string?)result.UndoState["lockId"], ignoreCase: true);
        _fake.HangWhen = null;
        var undo = await Provider().UndoAsync(Request(), result.UndoState, CancellationToken.None);
        Assert.True(undo.Verified, undo.Message);
        Assert.Empty(_fake.AllLocks());
    }

    [Fact]
    public async Task A_cancelled_token_sends_nothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Provider().ApplyAsync(Request(), cts.Token));

        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task A_closed_port_is_AzureUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var request = new ContainmentRequest(Action, Vm, new Dictionary<string, string> { ["endpoint"] = $"https://127.0.0.1:{port}/" }, Incident,
            secrets: new Dictionary<string, string> { ["azureToken"] = _fake.Token });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider().PlanAsync(request, CancellationToken.None));

        Assert.Equal("AzureUnreachable", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.ResourceUnavailable, ex.Kind);
        Assert.DoesNotContain(_fake.Token, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_pinned_certificate_TLS_validation_refuses_the_fake()
    {
        // The default handler validates as usual: the self-signed certificate is not trusted, nothing is sent.
        var provider = new AzureProvider(new AzureProviderOptions { MaxRetries = 0 });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(Request(), CancellationToken.None));

        Assert.Equal("AzureUnreachable", ex.ErrorId);
        Assert.Empty(_fake.Requests);
    }

    private static string Sha256Hex(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, bool colons = false)
    {
        var hex = Convert.ToHexString(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        return colons ? string.Join(':', hex.Chunk(2).Select(c => new string(c))) : hex.ToLowerInvariant();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_signed_endpointCertSha256_pin_trusts_exactly_that_certificate_without_a_test_handler(bool opensslFormat)
    {
        // No test handler: the provider as the module builds it, with the pin as a signed parameter of the request.
        var provider = new AzureProvider(new AzureProviderOptions { MaxRetries = 0 });
        var request = Request(extra: ("endpointCertSha256", Sha256Hex(_fake.Certificate, opensslFormat)));

        var plan = await provider.PlanAsync(request, CancellationToken.None);
        var applied = await provider.ApplyAsync(request, CancellationToken.None);
        var undone = await provider.UndoAsync(request, applied.UndoState, CancellationToken.None);

        Assert.Contains(plan.Warnings, w => w.Contains(Sha256Hex(_fake.Certificate), StringComparison.Ordinal) && w.Contains("instead of the certificate authorities", StringComparison.Ordinal));
        Assert.True(applied.Verified);
        Assert.True(undone.Verified);
        Assert.Empty(_fake.AllLocks());
        Assert.Contains(_fake.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task A_server_with_another_certificate_than_the_pinned_one_is_refused_and_gets_nothing()
    {
        await using var other = await ArmFake.StartAsync();
        other.AddScope(Vm);
        var provider = new AzureProvider(new AzureProviderOptions { MaxRetries = 0 });
        // Pinned: this fake's certificate; reached: another server on 127.0.0.1 with its own certificate.
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["endpoint"] = other.Endpoint.ToString(),
            ["endpointCertSha256"] = Sha256Hex(_fake.Certificate),
        };
        var request = new ContainmentRequest(Action, Vm, parameters, Incident, secrets: new Dictionary<string, string> { ["azureToken"] = other.Token });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(request, CancellationToken.None));

        Assert.Equal("AzureUnreachable", ex.ErrorId);
        Assert.Contains(Sha256Hex(_fake.Certificate), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(other.Token, ex.ToString(), StringComparison.Ordinal);
        Assert.Empty(other.Requests);
        Assert.Empty(other.AllLocks());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://management.azure.com")]
    [InlineData("https://MANAGEMENT.azure.com:443/")]
    public async Task A_pin_is_refused_with_the_default_endpoint(string? endpoint)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["endpointCertSha256"] = Sha256Hex(_fake.Certificate) };
        if (endpoint is not null)
        {
            parameters["endpoint"] = endpoint;
        }
        var request = new ContainmentRequest(Action, Vm, parameters, Incident, secrets: new Dictionary<string, string> { ["azureToken"] = _fake.Token });

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => new AzureProvider(new AzureProviderOptions { MaxRetries = 0 }).PlanAsync(request, CancellationToken.None));

        Assert.Equal("ContainmentParameterInvalid", ex.ErrorId);
        Assert.Equal("endpointCertSha256", ex.Target);
        Assert.Contains("always validated against the certificate authorities", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000")]
    public async Task A_malformed_pin_is_refused_before_anything_is_sent(string pin)
    {
        var ex = await Assert.ThrowsAsync<ContainmentException>(() =>
            new AzureProvider(new AzureProviderOptions { MaxRetries = 0 }).PlanAsync(Request(extra: ("endpointCertSha256", pin)), CancellationToken.None));

        Assert.Equal("ContainmentParameterInvalid", ex.ErrorId);
        Assert.Equal("endpointCertSha256", ex.Target);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task The_control_plane_seeds_scopes_and_locks_and_reports_what_the_SDK_got_wrong()
    {
        // What ProviderRunbooks.Tests.ps1 reads from the child process: seeding, state and violations on a separate port.
        await using var control = await ControlPlane.StartAsync(ControlPlane.ForArm(_fake));
        using var plain = new HttpClient { BaseAddress = new Uri(control.Url) };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await plain.PostAsync("/__fake/scopes", new StringContent($$"""{"id":"{{Subscription}}/resourceGroups/dev-rg"}"""))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await plain.PostAsync("/__fake/locks", new StringContent($$"""{"scope":"{{ResourceGroup}}","name":"ops-hold","level":"CanNotDelete"}"""))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await plain.PostAsync("/__fake/locks", new StringContent("""{"scope":"x"}"""))).StatusCode);

        var plan = await Provider().PlanAsync(Request(ResourceGroup), CancellationToken.None);
        Assert.Single(plan.Before["locks"]!.AsArray());
        var state = JsonNode.Parse(await plain.GetStringAsync("/__fake/state"))!;
        Assert.Equal("ops-hold", (string?)state["locks"]![0]!["name"]);
        Assert.Empty(JsonNode.Parse(await plain.GetStringAsync("/__fake/violations"))!.AsArray());

        // A request the fake does not implement (as an SDK upgrade might send) shows up there.
        using var https = new HttpClient(_fake.CreatePinnedHandler()) { BaseAddress = _fake.Endpoint };
        https.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _fake.Token);
        await https.GetAsync($"{Vm}/providers/Microsoft.Authorization/locks?api-version=2020-05-01");
        var violations = JsonNode.Parse(await plain.GetStringAsync("/__fake/violations"))!.AsArray();
        Assert.Contains("api-version '2020-05-01'", (string?)Assert.Single(violations), StringComparison.Ordinal);
        _fake.Unexpected.Clear();
    }

    public static TheoryData<string, string, string?, string?, string?> InvalidRequests => new()
    {
        { "ContainmentParameterInvalid", Vm, "Frozen", null, null },
        { "ContainmentParameterUnknown", Vm, null, "levle", "ReadOnly" },
        { "AzureLockNameInvalid", Vm, null, "lockName", "bad/name" },
        { "ContainmentParameterInvalid", Vm, null, "endpoint", "http://127.0.0.1:1/" },
        { "ContainmentParameterInvalid", Vm, null, "notes", new string('n', 513) },
        { "AzureTargetInvalid", "prod/api-7f9", null, null, null },
        { "AzureTargetInvalid", Vm + "/providers/Microsoft.Authorization/locks/x", null, null, null },
        { "AzureTargetInvalid", "/providers/Microsoft.Management/managementGroups/root", null, null, null },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Invalid_requests_are_refused_before_anything_is_sent(string errorId, string target, string? level, string? key, string? value)
    {
        var request = key is null ? Request(target, level) : Request(target, level, extra: (key, value!));

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider().PlanAsync(request, CancellationToken.None));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(DeirfErrorKind.InvalidArgument, ex.Kind);
        Assert.Empty(_fake.Requests);
    }

    [Theory]
    [InlineData(null, "AzureCredentialMissing")]
    [InlineData("two words", "AzureCredentialInvalid")]
    public async Task A_missing_or_malformed_token_is_refused_without_quoting_it(string? token, string errorId)
    {
        var secrets = token is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["azureToken"] = token };
        var request = new ContainmentRequest(Action, Vm, new Dictionary<string, string> { ["endpoint"] = _fake.Endpoint.ToString() }, Incident, secrets: secrets);

        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider().ApplyAsync(request, CancellationToken.None));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal("azureToken", ex.Target);
        if (token is not null)
        {
            Assert.DoesNotContain(token, ex.Message, StringComparison.Ordinal);
        }
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public void The_engine_finds_the_provider_by_action_name()
    {
        var provider = ContainmentProviders.Find(Action);

        Assert.IsType<AzureProvider>(provider);
        Assert.Equal(new[] { Action }, provider.Actions);
    }
}
