using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.ResourceManager;
using Azure.ResourceManager.Resources;
using Azure.ResourceManager.Resources.Models;
using DeIRF.Containment;

namespace DeIRF.Providers.Azure;

/// <summary>
/// azure.* containment actions. Today one: <c>azure.resource.lock</c>, a management lock (ReadOnly or CanNotDelete)
/// on a subscription, resource group or resource, set through Azure.ResourceManager. Loaded by name from
/// <see cref="ContainmentProviders"/> the first time an azure.* action runs.
/// </summary>
public sealed class AzureProvider : IContainmentProvider
{
    public const string ResourceLockAction = "azure.resource.lock";

    private readonly AzureProviderOptions _options;

    public AzureProvider()
        : this(new AzureProviderOptions())
    {
    }

    /// <summary>Tests hand in a handler that trusts their ARM fake's certificate, and shorter retries.</summary>
    internal AzureProvider(AzureProviderOptions options)
    {
        _options = options;
    }

    public IReadOnlyCollection<string> Actions { get; } = new[] { ResourceLockAction };

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        cancellationToken.ThrowIfCancellationRequested();
        var client = CreateClient(spec);
        var locks = await ListLocksAsync(client, spec, cancellationToken).ConfigureAwait(false);
        var existing = FindOwnLock(locks, spec);

        var steps = new List<string>();
        var warnings = new List<string>();
        if (existing is null)
        {
            steps.Add($"create management lock '{spec.LockName}' ({spec.Level}) on {spec.Scope}");
        }
        else
        {
            steps.Add($"update management lock '{spec.LockName}' on {spec.Scope}: {existing.Level} -> {spec.Level} (undo restores {existing.Level} and its notes)");
            warnings.Add($"A lock named '{spec.LockName}' already exists at this scope ({existing.Level}); apply replaces its level and notes, undo puts them back instead of deleting it.");
        }
        steps.Add($"read back {spec.LockId} and check level {spec.Level} and notes");
        if (spec.Level == ManagementLockLevel.ReadOnly)
        {
            warnings.Add("ReadOnly blocks every write at this scope and below, and some POST reads (listing storage account keys, App Service settings); deployments and automation there fail until undo.");
        }
        if (spec.EndpointCertSha256 is { } pin)
        {
            warnings.Add($"TLS to {spec.Endpoint} trusts exactly the certificate with SHA-256 {Convert.ToHexString(pin).ToLowerInvariant()} (endpointCertSha256), instead of the certificate authorities.");
        }
        var others = locks.Count - (existing is null ? 0 : 1);
        if (others > 0)
        {
            warnings.Add($"{others} other management lock(s) already apply at or under this scope; undo leaves them alone.");
        }

        return new ContainmentPlan
        {
            Action = request.Action,
            Target = spec.Scope.ToString(),
            Steps = steps,
            Before = Snapshot(spec, locks, existing),
            Expected = Expected(spec),
            Warnings = warnings,
        };
    }

    public async Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        cancellationToken.ThrowIfCancellationRequested();
        var client = CreateClient(spec);
        // Read again rather than trust the plan: time passes between -WhatIf and the quorum's go.
        var locks = await ListLocksAsync(client, spec, cancellationToken).ConfigureAwait(false);
        var existing = FindOwnLock(locks, spec);

        var data = new ManagementLockData(spec.Level) { Notes = spec.Notes };
        if (existing is not null)
        {
            // Keep the owners of a lock we only update: undo restores level and notes, and owners never change.
            foreach (var owner in existing.Owners)
            {
                data.Owners.Add(owner);
            }
        }

        var collection = LocksAt(client, spec.Scope);
        await Call(spec, $"setting lock '{spec.LockName}' on {spec.Scope}",
            () => collection.CreateOrUpdateAsync(WaitUntil.Completed, spec.LockName, data, cancellationToken), cancellationToken).ConfigureAwait(false);

        var undo = new JsonObject
        {
            ["lockId"] = spec.LockId.ToString(),
            ["scope"] = spec.Scope.ToString(),
            ["lockName"] = spec.LockName,
            ["level"] = spec.Level.ToString(),
            ["notes"] = spec.Notes,
            ["preExisted"] = existing is not null,
            ["previous"] = existing is null ? null : LockJson(existing),
        };

        // The change is made; a failed read-back must not lose the undo state, so it becomes Verified = false.
        JsonObject after;
        bool verified;
        string message;
        try
        {
            var current = await ReadLockAsync(client, spec, cancellationToken).ConfigureAwait(false);
            after = current is null ? new JsonObject { ["lock"] = null } : new JsonObject { ["lock"] = LockJson(current) };
            verified = current is not null && Matches(current, spec.Level.ToString(), spec.Notes);
            message = verified
                ? $"{spec.Level} lock '{spec.LockName}' {(existing is null ? "created" : "updated")} on {spec.Scope} and read back."
                : $"Lock '{spec.LockName}' was set but reads back {(current is null ? "missing" : current.Level.ToString())}.";
        }
        catch (ContainmentException ex)
        {
            after = new JsonObject { ["readBackError"] = ex.ErrorId };
            verified = false;
            message = $"Lock '{spec.LockName}' was set but could not be read back: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C after the lock was set: hand back the undo state rather than lose it with an exception.
            after = new JsonObject { ["readBackError"] = "Cancelled" };
            verified = false;
            message = $"Lock '{spec.LockName}' was set; the read-back was cancelled. Run verify to check it.";
        }

        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Scope.ToString(),
            Before = Snapshot(spec, locks, existing),
            After = after,
            UndoState = undo,
            Verified = verified,
            Message = message,
        };
    }

    public async Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        var state = UndoState.From(undoState, spec);
        cancellationToken.ThrowIfCancellationRequested();
        var client = CreateClient(spec);
        var current = await ReadLockAsync(client, spec, cancellationToken).ConfigureAwait(false);
        var verified = current is not null && Matches(current, state.Level, state.Notes);
        var snapshot = new JsonObject { ["lock"] = current is null ? null : LockJson(current) };
        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Scope.ToString(),
            Before = snapshot,
            After = (JsonObject)snapshot.DeepClone(),
            UndoState = (JsonObject)undoState.DeepClone(),
            Verified = verified,
            Message = verified
                ? $"{state.Level} lock '{spec.LockName}' is in place on {spec.Scope}."
                : current is null
                    ? $"Lock '{spec.LockName}' is no longer on {spec.Scope}."
                    : $"Lock '{spec.LockName}' on {spec.Scope} now reads {current.Level}, not {state.Level} as applied.",
        };
    }

    public async Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        var state = UndoState.From(undoState, spec);
        cancellationToken.ThrowIfCancellationRequested();
        var client = CreateClient(spec);
        var current = await ReadLockAsync(client, spec, cancellationToken).ConfigureAwait(false);
        var before = new JsonObject { ["lock"] = current is null ? null : LockJson(current) };

        if (current is null)
        {
            if (state.Previous is not null)
            {
                // Someone removed the lock that was there before us; putting it back would undo their act, not ours.
                throw new ContainmentException("AzureLockChanged", DeirfErrorKind.InvalidOperation,
                    $"Lock '{spec.LockName}' on {spec.Scope} existed before containment and has since been deleted by someone else; undo leaves it deleted. Re-create it by hand if that was a mistake.",
                    spec.LockId.ToString());
            }
            return Result(request, spec, before, before, verified: true, $"Lock '{spec.LockName}' is already gone from {spec.Scope}; nothing to remove.");
        }
        if (!Matches(current, state.Level, state.Notes))
        {
            throw new ContainmentException("AzureLockChanged", DeirfErrorKind.InvalidOperation,
                $"Lock '{spec.LockName}' on {spec.Scope} was changed after containment (now {current.Level}, applied {state.Level}); undo will not overwrite someone else's change.",
                spec.LockId.ToString());
        }

        var lockResource = client.GetManagementLockResource(spec.LockId);
        if (state.Previous is null)
        {
            await Call(spec, $"deleting lock '{spec.LockName}' on {spec.Scope}",
                () => lockResource.DeleteAsync(WaitUntil.Completed, cancellationToken), cancellationToken).ConfigureAwait(false);
            var gone = await ReadLockAsync(client, spec, cancellationToken).ConfigureAwait(false);
            var after = new JsonObject { ["lock"] = gone is null ? null : LockJson(gone) };
            return Result(request, spec, before, after, gone is null,
                gone is null ? $"Lock '{spec.LockName}' removed from {spec.Scope}." : $"Lock '{spec.LockName}' still reads back on {spec.Scope} after delete.");
        }

        var previous = state.Previous;
        var data = new ManagementLockData(new ManagementLockLevel(previous.Level)) { Notes = previous.Notes };
        foreach (var owner in current.Owners)
        {
            data.Owners.Add(owner);
        }
        await Call(spec, $"restoring lock '{spec.LockName}' on {spec.Scope}",
            () => LocksAt(client, spec.Scope).CreateOrUpdateAsync(WaitUntil.Completed, spec.LockName, data, cancellationToken), cancellationToken).ConfigureAwait(false);
        var restored = await ReadLockAsync(client, spec, cancellationToken).ConfigureAwait(false);
        var ok = restored is not null && Matches(restored, previous.Level, previous.Notes);
        return Result(request, spec, before, new JsonObject { ["lock"] = restored is null ? null : LockJson(restored) }, ok,
            ok ? $"Lock '{spec.LockName}' on {spec.Scope} restored to {previous.Level}." : $"Lock '{spec.LockName}' on {spec.Scope} did not read back as restored.");
    }

    private static ResourceLockSpec Parse(ContainmentRequest request)
    {
        if (!string.Equals(request.Action, ResourceLockAction, StringComparison.Ordinal))
        {
            throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument,
                $"The Azure provider serves only {ResourceLockAction}, not '{request.Action}'.", request.Action);
        }
        return ResourceLockSpec.Parse(request);
    }

    private ArmClient CreateClient(ResourceLockSpec spec)
    {
        var options = new ArmClientOptions
        {
            Environment = new ArmEnvironment(spec.Endpoint, spec.Audience),
        };
        options.Diagnostics.ApplicationId = "DeIRF";
        options.Retry.MaxRetries = _options.MaxRetries;
        options.Retry.Delay = _options.RetryDelay;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.NetworkTimeout = _options.NetworkTimeout;
        if (_options.Handler is not null)
        {
            options.Transport = new HttpClientTransport(_options.Handler);
        }
        else if (spec.EndpointCertSha256 is { } pin)
        {
            options.Transport = PinnedTransports.GetOrAdd(Convert.ToHexString(pin), _ => new HttpClientTransport(PinnedHandler(pin)));
        }
        return new ArmClient(new BearerTokenCredential(spec.Token), defaultSubscriptionId: null, options);
    }

    /// <summary>One transport per pin, shared like Azure.Core's default one (a handler per call would leak connections).</summary>
    private static readonly ConcurrentDictionary<string, HttpClientTransport> PinnedTransports = new(StringComparer.Ordinal);

    /// <summary>
    /// Accepts exactly the certificate whose SHA-256 is pinned, whatever its chain or name, and nothing else: the pin
    /// replaces CA validation for a private endpoint the signed proposal names. Never used without a pin.
    /// </summary>
    internal static SocketsHttpHandler PinnedHandler(byte[] pin)
        => new()
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _)
                    => certificate is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), pin),
            },
        };

    private static ManagementLockCollection LocksAt(ArmClient client, ResourceIdentifier scope)
    {
        ArmResource resource = scope.ResourceType == SubscriptionResource.ResourceType ? client.GetSubscriptionResource(scope)
            : scope.ResourceType == ResourceGroupResource.ResourceType ? client.GetResourceGroupResource(scope)
            : client.GetGenericResource(scope);
        return resource.GetManagementLocks();
    }

    private static Task<List<ManagementLockData>> ListLocksAsync(ArmClient client, ResourceLockSpec spec, CancellationToken cancellationToken)
        => Call(spec, $"listing locks at {spec.Scope}", async () =>
        {
            var found = new List<ManagementLockData>();
            await foreach (var item in LocksAt(client, spec.Scope).GetAllAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                found.Add(item.Data);
            }
            return found;
        }, cancellationToken);

    /// <summary>Our lock by its exact id; null when ARM answers 404 for it (the scope itself was listed before).</summary>
    private static async Task<ManagementLockData?> ReadLockAsync(ArmClient client, ResourceLockSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetManagementLockResource(spec.LockId).GetAsync(cancellationToken).ConfigureAwait(false);
            return response.Value.Data;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (ex is RequestFailedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Translate(ex, spec, $"reading lock '{spec.LockName}' on {spec.Scope}");
        }
    }

    private static ManagementLockData? FindOwnLock(IEnumerable<ManagementLockData> locks, ResourceLockSpec spec)
        => locks.FirstOrDefault(l => l.Id is not null && string.Equals(l.Id.ToString(), spec.LockId.ToString(), StringComparison.OrdinalIgnoreCase));

    private static bool Matches(ManagementLockData data, string level, string? notes)
        => string.Equals(data.Level.ToString(), level, StringComparison.OrdinalIgnoreCase)
           && string.Equals(data.Notes ?? string.Empty, notes ?? string.Empty, StringComparison.Ordinal);

    private static JsonObject Snapshot(ResourceLockSpec spec, IEnumerable<ManagementLockData> locks, ManagementLockData? existing)
        => new()
        {
            ["scope"] = spec.Scope.ToString(),
            ["locks"] = new JsonArray(locks.Select(l => (JsonNode?)LockJson(l)).ToArray()),
            ["lock"] = existing is null ? null : LockJson(existing),
        };

    private static JsonObject Expected(ResourceLockSpec spec)
        => new()
        {
            ["lock"] = new JsonObject
            {
                ["id"] = spec.LockId.ToString(),
                ["name"] = spec.LockName,
                ["level"] = spec.Level.ToString(),
                ["notes"] = spec.Notes,
            },
        };

    private static JsonObject LockJson(ManagementLockData data)
        => new()
        {
            ["id"] = data.Id?.ToString(),
            ["name"] = data.Name,
            ["level"] = data.Level.ToString(),
            ["notes"] = data.Notes,
            ["owners"] = new JsonArray(data.Owners.Select(o => (JsonNode?)JsonValue.Create(o.ApplicationId)).ToArray()),
        };

    private static ContainmentResult Result(ContainmentRequest request, ResourceLockSpec spec, JsonObject before, JsonObject after, bool verified, string message)
        => new()
        {
            Action = request.Action,
            Target = spec.Scope.ToString(),
            Before = before,
            After = after,
            UndoState = new JsonObject(),
            Verified = verified,
            Message = message,
        };

    private static async Task<T> Call<T>(ResourceLockSpec spec, string doing, Func<Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Translate(ex, spec, doing);
        }
    }

    /// <summary>
    /// One place that turns an SDK failure into a ContainmentException with a stable ErrorId. Messages carry ARM's own
    /// code and text but never the token, even if the server echoes it; the SDK exception is kept as inner only
    /// when it does not contain the token either.
    /// </summary>
    internal static ContainmentException Translate(Exception ex, ResourceLockSpec spec, string doing)
    {
        if (ex is OperationCanceledException)
        {
            return new ContainmentException("AzureUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"ARM at {spec.Endpoint} did not answer in time while {doing}.", spec.Scope.ToString());
        }
        var failed = (RequestFailedException)ex;
        var (code, armMessage) = ArmError(failed);
        // Scrub before shortening: a cut could leave half a token that no longer matches.
        var said = Shorten(Scrub(string.IsNullOrEmpty(armMessage) ? code ?? string.Empty : $"{code}: {armMessage}", spec.Token));
        var inner = failed.ToString().Contains(spec.Token, StringComparison.Ordinal) ? null : failed;
        var target = spec.Scope.ToString();
        return failed.Status switch
        {
            0 => new ContainmentException("AzureUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"Could not reach ARM at {spec.Endpoint} while {doing}: {Scrub(Innermost(failed).Message, spec.Token)}"
                + (spec.EndpointCertSha256 is { } pin ? $" (only a certificate with SHA-256 {Convert.ToHexString(pin).ToLowerInvariant()} is accepted there: endpointCertSha256)" : string.Empty),
                target, inner),
            401 => new ContainmentException("AzureUnauthenticated", DeirfErrorKind.SecurityError,
                $"ARM refused the bearer token (401) while {doing}; it may have expired or be for another audience ({spec.Audience}). {said}", target, inner),
            403 => new ContainmentException("AzureForbidden", DeirfErrorKind.SecurityError,
                $"ARM forbade {doing} (403); the identity needs Microsoft.Authorization/locks/* (Owner or User Access Administrator). {said}", target, inner),
            404 => new ContainmentException("AzureResourceNotFound", DeirfErrorKind.NotFound,
                $"ARM has no {target} (404) while {doing}. {said}", target, inner),
            409 => new ContainmentException("AzureLockConflict", DeirfErrorKind.ResourceBusy,
                $"ARM reported a conflict (409) while {doing}. {said}", target, inner),
            400 => new ContainmentException("AzureRequestInvalid", DeirfErrorKind.InvalidArgument,
                $"ARM rejected the request (400) while {doing}. {said}", target, inner),
            _ => new ContainmentException("AzureRequestFailed", DeirfErrorKind.ResourceUnavailable,
                $"ARM answered {failed.Status} while {doing}. {said}", target, inner),
        };
    }

    private static (string? Code, string? Message) ArmError(RequestFailedException ex)
    {
        var content = ex.GetRawResponse()?.Content;
        if (content is not null)
        {
            try
            {
                using var doc = JsonDocument.Parse(content.ToMemory());
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    return (code ?? ex.ErrorCode, message);
                }
            }
            catch (JsonException)
            {
                // Not ARM's error shape (a proxy's HTML page, say): fall back to the status and the SDK's code.
            }
        }
        return (ex.ErrorCode, null);
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }

    private static string Shorten(string text) => text.Length > 600 ? text[..600] + "…" : text;

    private static string Scrub(string text, string token) => token.Length == 0 ? text : text.Replace(token, "***", StringComparison.Ordinal);

    /// <summary>What apply recorded, read back from the journal's undo state and checked against the request.</summary>
    private sealed record UndoState(string Level, string? Notes, PreviousLock? Previous)
    {
        public static UndoState From(JsonObject json, ResourceLockSpec spec)
        {
            string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

            var lockId = Text(json, "lockId");
            if (lockId is null || !string.Equals(lockId, spec.LockId.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                throw new ContainmentException("ContainmentUndoStateMismatch", DeirfErrorKind.InvalidData,
                    $"The undo state names lock '{lockId}', but the request is for '{spec.LockId}'.", spec.LockId.ToString());
            }
            var level = Text(json, "level") ?? throw Bad("level");
            PreviousLock? previous = null;
            if (json["preExisted"] is JsonValue pre && pre.TryGetValue<bool>(out var preExisted) && preExisted)
            {
                var p = json["previous"] as JsonObject ?? throw Bad("previous");
                previous = new PreviousLock(Text(p, "level") ?? throw Bad("previous.level"), Text(p, "notes"));
            }
            return new UndoState(level, Text(json, "notes"), previous);

            ContainmentException Bad(string field) => new("ContainmentUndoStateMismatch", DeirfErrorKind.InvalidData,
                $"The undo state for lock '{spec.LockId}' has no '{field}'.", spec.LockId.ToString());
        }
    }

    private sealed record PreviousLock(string Level, string? Notes);
}
