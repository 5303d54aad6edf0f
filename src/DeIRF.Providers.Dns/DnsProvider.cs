using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.Providers.Dns;

/// <summary>
/// <c>dns.reroute</c>: points a name's A/AAAA/CNAME records at a safe target with one RFC 2136 dynamic update signed
/// with TSIG, and puts the previous records back on undo. Every change carries prerequisites pinning the records it
/// expects, so a concurrent change makes the server refuse it instead of being overwritten.
/// Loaded by <see cref="ContainmentProviders"/> for actions starting with "dns.".
/// </summary>
/// <remarks>
/// Parameters (signed with the proposal): server (host[:port], the zone's primary), zone, safeTarget, recordType
/// (A|AAAA|CNAME, default from safeTarget's form), ttl (default 60), tsigKeyName, tsigAlgorithm (hmac-sha256 default;
/// also hmac-sha224/384/512), timeoutSeconds (default 5). Secret (never signed, journaled or shown): tsigSecret,
/// base64 as tsig-keygen writes it; the cmdlet layer fills it from DEIRF_TSIG_SECRET or -Secret.
/// </remarks>
public sealed class DnsProvider : IContainmentProvider
{
    public const string RerouteAction = "dns.reroute";
    private const int PlanMemory = 64;

    // The before state each plan saw, by request: apply pins exactly that state, so a change made between the
    // approved plan and apply aborts the update instead of being clobbered.
    private readonly Dictionary<string, (IReadOnlyList<DnsAddressRecord> Before, long Order)> _planned = new(StringComparer.Ordinal);
    private long _planCount;

    public IReadOnlyCollection<string> Actions { get; } = new[] { RerouteAction };

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        var before = await new AuthoritativeServer(spec).ReadAsync(cancellationToken).ConfigureAwait(false);
        Remember(request, before);

        var steps = new List<string>
        {
            $"require at {spec.ServerText}: {spec.Name} A/AAAA/CNAME = {DnsAddressRecord.Describe(before)} (abort if changed)",
        };
        steps.AddRange(before.Select(r => r.Type).Distinct().Select(t =>
            $"delete RRset {spec.Name} {t} ({DnsAddressRecord.Describe(before.Where(r => r.Type == t).ToList())})"));
        steps.Add($"add {spec.Name} {spec.Safe}");
        steps.Add($"sign the update with TSIG key {spec.TsigKeyName ?? "(tsigKeyName missing)"} ({spec.TsigAlgorithm})");
        steps.Add($"read back {spec.Name} A/AAAA/CNAME from {spec.ServerText}");

        var warnings = new List<string>();
        if (spec.TsigKeyName is null)
        {
            warnings.Add("No tsigKeyName: apply will refuse to send an unsigned update.");
        }
        if (before.Count == 0)
        {
            warnings.Add($"{spec.Name} has no A, AAAA or CNAME records now; undo will delete the safe target again.");
        }
        if (DnsAddressRecord.SameSet(before, new[] { spec.Safe }))
        {
            warnings.Add($"{spec.Name} already points at {spec.Safe.Data}; apply changes nothing and undo restores the same.");
        }
        var dropped = before.Where(r => r.Type != spec.Safe.Type).Select(r => r.Type).Distinct().ToList();
        if (dropped.Count > 0)
        {
            warnings.Add($"The {string.Join(" and ", dropped)} records go too, so no client reaches the old target by another record type.");
        }
        if (before.Count > 0 && before.Max(r => r.Ttl) > 0)
        {
            warnings.Add($"Resolvers may keep serving the old records for up to {before.Max(r => r.Ttl)} s (their TTL).");
        }

        return new ContainmentPlan
        {
            Action = request.Action,
            Target = spec.Name,
            Steps = steps,
            Before = State(spec, before),
            Expected = State(spec, new[] { spec.Safe }),
            Warnings = warnings,
        };
    }

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
        => ApplyAsync(request, expectedBefore: null, cancellationToken);

    /// <summary>
    /// Applies the reroute, pinning <paramref name="expectedBefore"/> (a plan's Before) when given; otherwise the state the
    /// last plan of this same request saw on this provider; otherwise the state read just before the update.
    /// </summary>
    public async Task<ContainmentResult> ApplyAsync(ContainmentRequest request, JsonObject? expectedBefore, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        var key = spec.RequireKey(request);
        var server = new AuthoritativeServer(spec);
        if (expectedBefore is not null && !SameName(expectedBefore, spec))
        {
            throw new ContainmentException("DnsStateInvalid", DeirfErrorKind.InvalidData,
                $"The expected before state is for '{expectedBefore["name"]}', not {spec.Name}.", spec.Name);
        }
        var before = expectedBefore is not null ? RecordsOf(expectedBefore, "records", "expected before state", spec, "DnsStateInvalid")
            : Recall(request) ?? await server.ReadAsync(cancellationToken).ConfigureAwait(false);
        var applied = new[] { spec.Safe };

        try
        {
            await server.UpdateAsync(key, before, applied, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainmentException ex) when (ex.ErrorId == "DnsPrerequisiteFailed")
        {
            throw await Explain(ex, server, spec, before, "apply", cancellationToken).ConfigureAwait(false);
        }

        var after = await server.ReadAsync(cancellationToken).ConfigureAwait(false);
        bool verified = DnsAddressRecord.SameSet(after, applied);
        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Name,
            Before = State(spec, before),
            After = State(spec, after),
            UndoState = UndoState(spec, previous: before, applied: applied),
            Verified = verified,
            Message = verified
                ? $"{spec.Name} now points at {spec.Safe.Data} ({spec.Safe.Type}, TTL {spec.Safe.Ttl}), read back from {spec.ServerText}."
                : $"The update was accepted but {spec.ServerText} now shows {DnsAddressRecord.Describe(after)} for {spec.Name}, not {spec.Safe}.",
        };
    }

    public async Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        var (previous, applied) = ReadUndoState(undoState, spec);
        var now = await new AuthoritativeServer(spec).ReadAsync(cancellationToken).ConfigureAwait(false);
        bool verified = DnsAddressRecord.SameSet(now, applied);
        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Name,
            Before = State(spec, previous),
            After = State(spec, now),
            UndoState = undoState.DeepClone().AsObject(),
            Verified = verified,
            Message = verified
                ? $"{spec.Name} still points at {DnsAddressRecord.Describe(applied)} on {spec.ServerText}."
                : $"{spec.Name} shows {DnsAddressRecord.Describe(now)} on {spec.ServerText}, not the applied {DnsAddressRecord.Describe(applied)}.",
        };
    }

    public async Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        var (previous, applied) = ReadUndoState(undoState, spec);
        var key = spec.RequireKey(request);
        var server = new AuthoritativeServer(spec);

        try
        {
            // Only over our own safe target: if someone changed the name since apply, the server refuses.
            await server.UpdateAsync(key, applied, previous, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainmentException ex) when (ex.ErrorId == "DnsPrerequisiteFailed")
        {
            var current = await server.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (DnsAddressRecord.SameSet(current, previous))
            {
                return UndoResult(request, spec, current, current, previous, applied, verified: true,
                    $"{spec.Name} already shows its previous records {DnsAddressRecord.Describe(previous)}; nothing changed.");
            }
            throw await Explain(ex, server, spec, applied, "undo", cancellationToken).ConfigureAwait(false);
        }

        var after = await server.ReadAsync(cancellationToken).ConfigureAwait(false);
        bool verified = DnsAddressRecord.SameSet(after, previous);
        return UndoResult(request, spec, applied, after, previous, applied, verified,
            verified
                ? $"{spec.Name} restored to {DnsAddressRecord.Describe(previous)}, read back from {spec.ServerText}."
                : $"The undo was accepted but {spec.ServerText} now shows {DnsAddressRecord.Describe(after)} for {spec.Name}.");
    }

    private static ContainmentResult UndoResult(ContainmentRequest request, RerouteSpec spec, IReadOnlyList<DnsAddressRecord> before,
        IReadOnlyList<DnsAddressRecord> after, IReadOnlyList<DnsAddressRecord> previous, IReadOnlyList<DnsAddressRecord> applied, bool verified, string message)
        => new()
        {
            Action = request.Action,
            Target = spec.Name,
            Before = State(spec, before),
            After = State(spec, after),
            // Undoing the undo would put the safe target back: the roles swap.
            UndoState = UndoState(spec, previous: applied, applied: previous),
            Verified = verified,
            Message = message,
        };

    private static RerouteSpec Parse(ContainmentRequest request)
    {
        if (!string.Equals(request.Action, RerouteAction, StringComparison.Ordinal))
        {
            throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument,
                $"The DNS provider serves only {RerouteAction}, not '{request.Action}'.", request.Action);
        }
        return RerouteSpec.Parse(request);
    }

    /// <summary>After a failed prerequisite: read what is there now and say it, so the responder can plan again.</summary>
    private static async Task<ContainmentException> Explain(ContainmentException failure, AuthoritativeServer server, RerouteSpec spec,
        IReadOnlyList<DnsAddressRecord> expected, string stage, CancellationToken cancellationToken)
    {
        string now;
        try
        {
            now = DnsAddressRecord.Describe(await server.ReadAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (ContainmentException)
        {
            now = "(could not be read)";
        }
        return new ContainmentException("DnsPrerequisiteFailed", DeirfErrorKind.ResourceBusy,
            $"The {stage} of {spec.Name} was refused by {spec.ServerText} and changed nothing: it expected "
            + $"{DnsAddressRecord.Describe(expected)} but the name now has {now}. Someone changed it in between; plan again.",
            spec.Name, failure);
    }

    private static JsonObject State(RerouteSpec spec, IEnumerable<DnsAddressRecord> records) => new()
    {
        ["name"] = spec.Name,
        ["zone"] = spec.Zone,
        ["server"] = spec.ServerText,
        ["records"] = DnsAddressRecord.ToJson(records),
    };

    private static JsonObject UndoState(RerouteSpec spec, IEnumerable<DnsAddressRecord> previous, IEnumerable<DnsAddressRecord> applied) => new()
    {
        ["name"] = spec.Name,
        ["zone"] = spec.Zone,
        ["previous"] = DnsAddressRecord.ToJson(previous),
        ["applied"] = DnsAddressRecord.ToJson(applied),
    };

    private static (IReadOnlyList<DnsAddressRecord> Previous, IReadOnlyList<DnsAddressRecord> Applied) ReadUndoState(JsonObject undoState, RerouteSpec spec)
    {
        if (!SameName(undoState, spec))
        {
            throw new ContainmentException("DnsUndoStateInvalid", DeirfErrorKind.InvalidData,
                $"The undo state is for '{undoState["name"]}', not {spec.Name}.", spec.Name);
        }
        return (RecordsOf(undoState, "previous", "undo state", spec, "DnsUndoStateInvalid"), RecordsOf(undoState, "applied", "undo state", spec, "DnsUndoStateInvalid"));
    }

    private static bool SameName(JsonObject state, RerouteSpec spec)
        => state["name"] is JsonValue v && v.TryGetValue<string>(out var name)
            && string.Equals(name.TrimEnd('.') + ".", spec.Name, StringComparison.OrdinalIgnoreCase);

    private static IReadOnlyList<DnsAddressRecord> RecordsOf(JsonObject state, string property, string what, RerouteSpec spec, string errorId)
    {
        if (state[property] is not JsonArray array)
        {
            throw new ContainmentException(errorId, DeirfErrorKind.InvalidData,
                $"The {what} for {spec.Name} has no '{property}' record list.", spec.Name);
        }
        var records = new List<DnsAddressRecord>();
        foreach (var item in array)
        {
            records.Add(DnsAddressRecord.FromJson(item) ?? throw new ContainmentException(errorId, DeirfErrorKind.InvalidData,
                $"The {what} for {spec.Name} holds a record that is not an A, AAAA or CNAME record: {item?.ToJsonString()}", spec.Name));
        }
        return DnsAddressRecord.Sorted(records);
    }

    private static string RequestKey(ContainmentRequest request)
        => string.Join('\u001f', new[] { request.Action, request.Target, request.IncidentId ?? string.Empty }
            .Concat(request.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)));

    private void Remember(ContainmentRequest request, IReadOnlyList<DnsAddressRecord> before)
    {
        var key = RequestKey(request);
        lock (_planned)
        {
            _planned[key] = (before, ++_planCount);
            if (_planned.Count > PlanMemory)
            {
                _planned.Remove(_planned.MinBy(p => p.Value.Order).Key);
            }
        }
    }

    private IReadOnlyList<DnsAddressRecord>? Recall(ContainmentRequest request)
    {
        lock (_planned)
        {
            // Consumed: a second apply of the same request pins whatever is there then (normally our own safe target).
            return _planned.Remove(RequestKey(request), out var entry) ? entry.Before : null;
        }
    }
}
