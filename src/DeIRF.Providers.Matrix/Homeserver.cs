using System.Collections.Concurrent;
using System.Text.Json;
using DeIRF.Integrations;

namespace DeIRF.Providers.Matrix;

/// <summary>One room event as the homeserver reported it, after the checks every answer gets.</summary>
internal sealed record RoomEvent(string EventId, string RoomId, string Sender, string Type, long OriginServerTs, string? MsgType, string? Body,
    bool Redacted, string? ReplacesEventId, bool HasBundledEdit)
{
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(OriginServerTs);
}

/// <summary>
/// The three client-server API reads the Matrix kind needs (an event, its edits, a room's history), through the engine's
/// <see cref="OutboundHttp"/> (bounded answer size, per-attempt timeout, bounded retries honouring 429
/// <c>retry_after_ms</c>, the token redacted from every message). The homeserver is untrusted input: an answer that is
/// not JSON, not the event asked for, or not the shape the spec gives is refused as <c>MatrixAnswerInvalid</c>.
/// </summary>
internal sealed class Homeserver
{
    /// <summary>Events in the room history read at most by one sweep (pages of <see cref="PageSize"/>).</summary>
    public const int MaxHistoryEvents = 5000;
    public const int PageSize = 100;

    /// <summary>How long an event and its edits, once fetched, answer again (a verdict re-checks every row, a sweep many).</summary>
    public static TimeSpan CacheFor { get; internal set; } = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, (long At, RoomEvent Event, bool Edited)> Cache = new(StringComparer.Ordinal);

    private readonly OutboundHttp _http;
    private readonly string _token;

    public Homeserver(Uri baseUri, string token, OutboundHttp http)
    {
        BaseUri = baseUri;
        _token = token;
        _http = http;
    }

    public Uri BaseUri { get; }

    /// <summary>Events of the history that were not well-formed client events and were passed over.</summary>
    public int SkippedEvents { get; private set; }

    /// <summary>What messages and the journal may name: scheme, host and port.</summary>
    public string Origin => Redaction.Origin(BaseUri);

    /// <summary>The event and whether its sender edited it (a bundled m.replace, or one listed by the relations API).</summary>
    public (RoomEvent Event, bool Edited) EventWithEdits(MatrixEventRef reference, CancellationToken ct = default)
    {
        var key = $"{Origin}\n{reference}";
        if (Cache.TryGetValue(key, out var hit) && Environment.TickCount64 - hit.At < (long)CacheFor.TotalMilliseconds)
        {
            return (hit.Event, hit.Edited);
        }
        var ev = GetEvent(reference, ct);
        var edited = ev.HasBundledEdit || Edits(reference, ev.Sender, ct);
        if (Cache.Count > 4096)
        {
            Cache.Clear();
        }
        Cache[key] = (Environment.TickCount64, ev, edited);
        return (ev, edited);
    }

    /// <summary>GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}.</summary>
    public RoomEvent GetEvent(MatrixEventRef reference, CancellationToken ct = default)
    {
        var json = Get("event.get", $"_matrix/client/v3/rooms/{Uri.EscapeDataString(reference.RoomId)}/event/{Uri.EscapeDataString(reference.EventId)}", reference, ct);
        var ev = ReadEvent(json, "event.get");
        if (ev.EventId != reference.EventId || ev.RoomId != reference.RoomId)
        {
            throw Invalid("event.get", $"asked for {reference.EventId} in {reference.RoomId}, it answered with {MatrixEventRef.Short(ev.EventId)} in {MatrixEventRef.Short(ev.RoomId)}", reference);
        }
        return ev;
    }

    /// <summary>
    /// GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/m.replace: true when the original's sender replaced it
    /// (the spec: an edit by anyone else is not an edit, clients ignore it).
    /// </summary>
    public bool Edits(MatrixEventRef reference, string sender, CancellationToken ct = default)
    {
        var json = Get("relations.get", $"_matrix/client/v1/rooms/{Uri.EscapeDataString(reference.RoomId)}/relations/{Uri.EscapeDataString(reference.EventId)}/m.replace", reference, ct);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("chunk", out var chunk) || chunk.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("relations.get", "the answer has no 'chunk' array", reference);
        }
        foreach (var item in chunk.EnumerateArray())
        {
            var edit = ReadEvent(item, "relations.get");
            if (edit.ReplacesEventId != reference.EventId)
            {
                throw Invalid("relations.get", $"it listed {MatrixEventRef.Short(edit.EventId)}, which does not replace {reference.EventId}", reference);
            }
            if (edit.Sender == sender)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>GET /_matrix/client/v3/rooms/{roomId}/messages?dir=b, newest first, page after page, up to <see cref="MaxHistoryEvents"/>; returned oldest first.</summary>
    public IReadOnlyList<RoomEvent> History(string roomId, CancellationToken ct = default)
    {
        var events = new List<RoomEvent>();
        string? from = null;
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        while (events.Count < MaxHistoryEvents)
        {
            var query = $"dir=b&limit={PageSize}" + (from is null ? string.Empty : "&from=" + Uri.EscapeDataString(from));
            var json = Get("messages.get", $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?{query}", roomId, ct);
            if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("chunk", out var chunk) || chunk.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("messages.get", "the answer has no 'chunk' array", roomId);
            }
            foreach (var item in chunk.EnumerateArray())
            {
                RoomEvent ev;
                try
                {
                    ev = ReadEvent(item, "messages.get");
                }
                catch (MatrixHomeserverException)
                {
                    // An event DeIRF cannot read (a historical user id, a shape of another room version) is no approval
                    // by a bound account; it does not hide the others.
                    SkippedEvents++;
                    continue;
                }
                if (ev.RoomId != roomId)
                {
                    throw Invalid("messages.get", $"the history of {roomId} holds {MatrixEventRef.Short(ev.EventId)} of room {MatrixEventRef.Short(ev.RoomId)}", roomId);
                }
                events.Add(ev);
            }
            // No 'end': the start of the room was reached. A token seen before would loop forever: refused.
            if (chunk.GetArrayLength() == 0 || !json.TryGetProperty("end", out var end) || end.ValueKind != JsonValueKind.String)
            {
                break;
            }
            from = end.GetString()!;
            if (!seenTokens.Add(from))
            {
                throw Invalid("messages.get", "it gave a pagination token it had given before", roomId);
            }
        }
        events.Reverse();
        return events;
    }

    private JsonElement Get(string operation, string relative, object target, CancellationToken ct)
    {
        var request = new OutboundRequest("matrix", operation, HttpMethod.Get, IntegrationCallRunner.Combine(BaseUri, relative))
        {
            Headers = [new("Authorization", $"Bearer {_token}")],
            Secrets = [_token],
            Safety = RetrySafety.Idempotent,
            Target = target,
        };
        OutboundResponse response;
        try
        {
            response = _http.Send(request, ct);
        }
        catch (IntegrationException ex)
        {
            throw Translate(ex, operation, target);
        }
        try
        {
            using var doc = JsonDocument.Parse(response.Body, new JsonDocumentOptions { MaxDepth = 32 });
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw Invalid(operation, "the answer is not JSON", target);
        }
    }

    /// <summary>The engine's integration ids in this kind's words (the token never appears: OutboundHttp redacted it).</summary>
    private MatrixHomeserverException Translate(IntegrationException ex, string operation, object target)
    {
        var (id, kind) = ex.ErrorId switch
        {
            "IntegrationUnauthorized" => ("MatrixUnauthorized", DeirfErrorKind.SecurityError),
            "IntegrationNotFound" => (operation == "messages.get" ? "MatrixRoomNotFound" : "MatrixEventMissing", DeirfErrorKind.NotFound),
            "IntegrationRateLimited" => ("MatrixRateLimited", DeirfErrorKind.ResourceBusy),
            "IntegrationAnswerTooLarge" => ("MatrixAnswerInvalid", DeirfErrorKind.InvalidData),
            _ => ("MatrixUnavailable", DeirfErrorKind.ResourceUnavailable),
        };
        var hint = id switch
        {
            "MatrixUnauthorized" => $"; the workspace bot's token (${IntegrationSecrets.MatrixTokenVariable}) must be valid and the bot a member of the room",
            "MatrixEventMissing" => " (the event does not exist, or the bot cannot see it)",
            _ => string.Empty,
        };
        return new MatrixHomeserverException(id, kind, $"The homeserver at {Origin}: {ex.Message}{hint}", target);
    }

    private MatrixHomeserverException Invalid(string operation, string what, object target)
        => new("MatrixAnswerInvalid", DeirfErrorKind.InvalidData, $"The homeserver at {Origin} answered {operation} with something DeIRF refuses: {what}.", target);

    /// <summary>A ClientEvent (the spec's shape): event_id, room_id, sender, type, origin_server_ts, content, unsigned.</summary>
    private RoomEvent ReadEvent(JsonElement e, string operation)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(operation, "an event is not a JSON object", operation);
        }
        string Text(JsonElement o, string name, bool required = true)
            => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : required ? throw Invalid(operation, $"an event has no string '{name}'", operation) : null!;
        var eventId = Text(e, "event_id");
        var roomId = Text(e, "room_id");
        var sender = Text(e, "sender");
        var type = Text(e, "type");
        if (!MatrixEventRef.IsEventId(eventId) || !ChatChannels.IsMatrixRoomId(roomId) || !ChatChannels.IsMatrixUserId(sender))
        {
            throw Invalid(operation, $"event '{MatrixEventRef.Short(eventId)}' has a malformed event id, room id or sender", operation);
        }
        if (!e.TryGetProperty("origin_server_ts", out var ts) || ts.ValueKind != JsonValueKind.Number || !ts.TryGetInt64(out var ms) || ms <= 0 || ms > 253402300799999)
        {
            throw Invalid(operation, $"event {MatrixEventRef.Short(eventId)} has no valid origin_server_ts", operation);
        }
        if (!e.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(operation, $"event {MatrixEventRef.Short(eventId)} has no content object", operation);
        }
        string? replaces = null;
        if (content.TryGetProperty("m.relates_to", out var rel) && rel.ValueKind == JsonValueKind.Object
            && rel.TryGetProperty("rel_type", out var rt) && rt.ValueKind == JsonValueKind.String && rt.GetString() == "m.replace")
        {
            replaces = rel.TryGetProperty("event_id", out var target) && target.ValueKind == JsonValueKind.String ? target.GetString() : string.Empty;
        }
        bool redacted = false, bundledEdit = false;
        if (e.TryGetProperty("unsigned", out var unsigned) && unsigned.ValueKind == JsonValueKind.Object)
        {
            redacted = unsigned.TryGetProperty("redacted_because", out var because) && because.ValueKind != JsonValueKind.Null;
            bundledEdit = unsigned.TryGetProperty("m.relations", out var relations) && relations.ValueKind == JsonValueKind.Object
                && relations.TryGetProperty("m.replace", out var replace) && replace.ValueKind == JsonValueKind.Object;
        }
        // Compared as sent (a look-alike type is another type); messages print them through OutsideText.
        return new RoomEvent(eventId, roomId, sender, type, ms, Text(content, "msgtype", required: false), Text(content, "body", required: false),
            redacted, replaces, bundledEdit);
    }
}

/// <summary>The homeserver gave no answer DeIRF can judge by (refused the token, lost the event, rate-limited, malformed): never a verdict.</summary>
public sealed class MatrixHomeserverException : DeirfException
{
    public MatrixHomeserverException(string errorId, DeirfErrorKind kind, string message, object? target)
        : base(errorId, kind, message, target)
    {
    }
}
