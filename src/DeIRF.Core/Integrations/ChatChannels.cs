using System.Text.RegularExpressions;
using DeIRF.Canonical;

namespace DeIRF.Integrations;

/// <summary>
/// Posts and rooms: a private Matrix room per incident, and updates to Matrix, Slack or a generic webhook. Matrix and
/// webhook posts carry a transaction id derived from the incident and the text, so a retry never duplicates; Slack's
/// chat.postMessage has no such key, so it is resent only when it cannot have arrived (<see cref="RetrySafety"/>).
/// </summary>
public static partial class ChatChannels
{
    public const string SlackDefaultApi = "https://slack.com/api";

    /// <summary>The homeserver when neither -Homeserver nor the incident's room names one.</summary>
    public const string HomeserverVariable = "DEIRF_MATRIX_HOMESERVER";

    /// <summary>-Channel Slack's channel when -SlackChannel is not given.</summary>
    public const string SlackChannelVariable = "DEIRF_SLACK_CHANNEL";

    /// <summary>The homeserver from a parameter (or the incident's room), then $env:DEIRF_MATRIX_HOMESERVER; MatrixHomeserverMissing naming both when neither is set.</summary>
    public static Uri ResolveHomeserver(string? value, string operation)
    {
        value ??= Environment.GetEnvironmentVariable(HomeserverVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new IntegrationException("MatrixHomeserverMissing", DeirfErrorKind.InvalidArgument,
                $"No Matrix homeserver: pass -Homeserver https://matrix.example.org or set ${HomeserverVariable}.", "Homeserver", "matrix", operation, 0);
        }
        return IntegrationCallRunner.ValidateBase(value, value, "matrix", operation, "Homeserver");
    }

    /// <summary>The first 80 characters of a post, on one line, for -WhatIf.</summary>
    public static string Preview(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 80 ? line[..80] + "…" : line;
    }

    [GeneratedRegex("^@[a-z0-9._=\\-/+]+:[A-Za-z0-9.\\-]+(:[0-9]{1,5})?$")]
    private static partial Regex MatrixUserPattern();

    [GeneratedRegex("^![A-Za-z0-9._=\\-/+]+:[A-Za-z0-9.\\-]+(:[0-9]{1,5})?$")]
    private static partial Regex MatrixRoomPattern();

    public static bool IsMatrixUserId(string id) => MatrixUserPattern().IsMatch(id);

    public static bool IsMatrixRoomId(string id) => MatrixRoomPattern().IsMatch(id);

    public static IntegrationResult CreateMatrixRoom(OutboundHttp http, Uri homeserver, string token, string incident, string name, string topic,
        IReadOnlyList<string> invite, CancellationToken cancellationToken = default)
    {
        const string operation = "room.create";
        foreach (var user in invite)
        {
            if (!IsMatrixUserId(user))
            {
                throw new IntegrationException("MatrixUserIdInvalid", DeirfErrorKind.InvalidArgument,
                    $"'{user}' is not a Matrix user id (@localpart:server).", user, "matrix", operation, 0);
            }
        }
        // Name and topic carry the incident title: one line, no mention.
        name = OutsideText.WithoutMentions(OutsideText.Line(name, 255));
        topic = OutsideText.WithoutMentions(OutsideText.Line(topic, 1024));
        var body = new Dictionary<string, object>
        {
            ["name"] = name,
            ["topic"] = topic,
            // private_chat: invite-only, history shared with members; the room is not published in the directory.
            ["preset"] = "private_chat",
            ["visibility"] = "private",
            ["invite"] = invite.ToArray(),
        };
        var request = new OutboundRequest("matrix", operation, HttpMethod.Post, IntegrationCallRunner.Combine(homeserver, "_matrix/client/v3/createRoom"))
        {
            JsonBody = IntegrationCallRunner.Json(body),
            Headers = [new("Authorization", $"Bearer {token}")],
            Secrets = [token],
            // createRoom has no transaction id: a lost answer may have made a room, so it is not resent blindly.
            Safety = RetrySafety.NotIdempotent,
            Target = name,
        };
        var result = new IntegrationResult { Incident = incident, Integration = "matrix", Operation = operation, Endpoint = Redaction.Origin(homeserver), Target = name };
        return IntegrationCallRunner.Run(http, request, result, (r, json) => IntegrationCallRunner.Require(request, r, json, "room_id"), cancellationToken);
    }

    public static IntegrationResult SendMatrixMessage(OutboundHttp http, Uri homeserver, string token, string incident, string roomId, string text, string? audience,
        CancellationToken cancellationToken = default)
    {
        const string operation = "message.send";
        if (!IsMatrixRoomId(roomId))
        {
            throw new IntegrationException("MatrixRoomIdInvalid", DeirfErrorKind.InvalidArgument, $"'{roomId}' is not a Matrix room id (!opaque:server).", roomId, "matrix", operation, 0);
        }
        var txn = IntegrationResult.TransactionIdFor(incident, "matrix", roomId, audience, text);
        var request = new OutboundRequest("matrix", operation, HttpMethod.Put,
            IntegrationCallRunner.Combine(homeserver, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{Uri.EscapeDataString(txn)}"))
        {
            // An empty m.mentions says the message mentions no one: clients then ignore "@room" and names in the body
            // (the spec's intentional mentions; the legacy body-matching push rules apply only without it).
            JsonBody = IntegrationCallRunner.Json(new Dictionary<string, object> { ["msgtype"] = "m.text", ["body"] = text, ["m.mentions"] = new Dictionary<string, object>() }),
            Headers = [new("Authorization", $"Bearer {token}")],
            Secrets = [token],
            // The homeserver returns the first event for a repeated transaction id: resending is safe.
            Safety = RetrySafety.Idempotent,
            Target = roomId,
        };
        var result = new IntegrationResult
        {
            Incident = incident, Integration = "matrix", Operation = operation, Endpoint = Redaction.Origin(homeserver), Target = roomId,
            TransactionId = txn, Audience = audience, MessageSha256 = IntegrationResult.Sha256Of(text),
        };
        return IntegrationCallRunner.Run(http, request, result, (r, json) => IntegrationCallRunner.Require(request, r, json, "event_id"), cancellationToken);
    }

    public static IntegrationResult SendSlackMessage(OutboundHttp http, Uri apiBase, string token, string incident, string channel, string text, string? audience,
        CancellationToken cancellationToken = default)
    {
        const string operation = "message.send";
        var request = new OutboundRequest("slack", operation, HttpMethod.Post, IntegrationCallRunner.Combine(apiBase, "chat.postMessage"))
        {
            // Slack acts on <!channel>, <!here> and <@U…> in text: &, < and > are escaped as Slack asks.
            JsonBody = IntegrationCallRunner.Json(new Dictionary<string, object> { ["channel"] = channel, ["text"] = OutsideText.ForSlack(text) }),
            Headers = [new("Authorization", $"Bearer {token}")],
            Secrets = [token],
            Safety = RetrySafety.NotIdempotent,
            Target = channel,
        };
        var result = new IntegrationResult
        {
            Incident = incident, Integration = "slack", Operation = operation, Endpoint = Redaction.Origin(apiBase), Target = channel,
            Audience = audience, MessageSha256 = IntegrationResult.Sha256Of(text),
        };
        return IntegrationCallRunner.Run(http, request, result, (r, json) =>
        {
            // Slack answers 200 for application errors: {"ok":false,"error":"channel_not_found"} is a failed post.
            if (json.ValueKind != System.Text.Json.JsonValueKind.Object || !json.TryGetProperty("ok", out var ok) || ok.ValueKind != System.Text.Json.JsonValueKind.True)
            {
                var error = json.ValueKind == System.Text.Json.JsonValueKind.Object && json.TryGetProperty("error", out var e) ? e.ToString() : "no 'ok' in the answer";
                var auth = error is "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive" or "missing_scope" or "not_allowed_token_type";
                throw new IntegrationException(auth ? "IntegrationUnauthorized" : "IntegrationRejected", auth ? DeirfErrorKind.SecurityError : DeirfErrorKind.InvalidArgument,
                    Redaction.Apply($"Slack {operation} failed after {r.Attempts} attempt{(r.Attempts == 1 ? string.Empty : "s")}: HTTP {r.Status} with ok:false ({error})"
                        + (auth ? "; check the token and its chat:write scope." : "."), request.Secrets),
                    channel, "slack", operation, r.Attempts, r.Status);
            }
            return IntegrationCallRunner.Require(request, r, json, "ts");
        }, cancellationToken);
    }

    public static IntegrationResult PostWebhook(OutboundHttp http, Uri url, string incident, string text, string? audience, CancellationToken cancellationToken = default)
    {
        const string operation = "message.send";
        var origin = Redaction.Origin(url);
        // The URL's path and query are the webhook's secret: journaled and reported as scheme and host only.
        var secrets = new List<string> { url.AbsoluteUri, url.OriginalString };
        if (url.PathAndQuery.Length > 1)
        {
            secrets.Add(url.PathAndQuery);
        }
        var txn = IntegrationResult.TransactionIdFor(incident, "webhook", origin, audience, text);
        var payload = new Dictionary<string, object?>
        {
            ["incident"] = incident,
            ["audience"] = audience,
            ["text"] = text,
            ["idempotency_key"] = txn,
            ["source"] = "deirf",
        };
        var request = new OutboundRequest("webhook", operation, HttpMethod.Post, url)
        {
            JsonBody = IntegrationCallRunner.Json(payload),
            Headers = [new("Idempotency-Key", txn)],
            Secrets = secrets,
            Safety = RetrySafety.Idempotent,
            Target = origin,
        };
        var result = new IntegrationResult
        {
            Incident = incident, Integration = "webhook", Operation = operation, Endpoint = origin, TransactionId = txn, Audience = audience,
            MessageSha256 = IntegrationResult.Sha256Of(text),
        };
        return IntegrationCallRunner.Run(http, request, result, (_, json) =>
            json.ValueKind == System.Text.Json.JsonValueKind.Object && json.TryGetProperty("id", out var id) ? id.ToString() : null, cancellationToken);
    }

    public static Uri ValidateWebhookUrl(string url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            // Never echo the URL: it is the secret.
            throw new IntegrationException("IntegrationUrlInvalid", DeirfErrorKind.InvalidArgument, "The webhook URL is not an absolute http(s) URL.", "WebhookUrl", "webhook", "message.send", 0);
        }
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new IntegrationException("IntegrationUrlInsecure", DeirfErrorKind.SecurityError,
                $"The webhook URL uses http:// to {uri.Host}: webhooks are posted over https only (plain http is accepted for loopback addresses alone).",
                "WebhookUrl", "webhook", "message.send", 0);
        }
        return uri;
    }
}

/// <summary>-Channel Matrix: the incident's room (New-DeirfIncidentChannel) or -Room, on its homeserver.</summary>
public sealed class MatrixChannel : IChatChannel
{
    public string Name => "Matrix";
    public string Integration => "matrix";

    public ChatPost Prepare(ChatUpdate update)
    {
        var incident = update.Incident;
        var room = update.Option("Room") ?? incident.ChatRoom ?? throw new DeirfException("IncidentChannelMissing", DeirfErrorKind.NotFound,
            $"{incident.Id} has no Matrix room yet: run New-DeirfIncidentChannel, or pass -Room.", incident.Id);
        // The incident's own homeserver goes with the incident's own room; a room given by hand needs its homeserver too.
        var homeserver = ChatChannels.ResolveHomeserver(update.Option("Homeserver") ?? (update.Option("Room") is null ? incident.ChatHomeserver : null), ChatUpdate.Operation);
        var token = IntegrationSecrets.Resolve(update.Token, IntegrationSecrets.MatrixTokenVariable, "matrix", ChatUpdate.Operation, "Token");
        return new ChatPost($"Matrix room {room} on {homeserver.Host}: {ChatChannels.Preview(update.Text)}",
            (http, ct) => ChatChannels.SendMatrixMessage(http, homeserver, token, incident.Id, room, update.Text, update.Audience, ct));
    }
}

/// <summary>-Channel Slack: chat.postMessage to -SlackChannel (or $env:DEIRF_SLACK_CHANNEL).</summary>
public sealed class SlackChannel : IChatChannel
{
    public string Name => "Slack";
    public string Integration => "slack";

    public ChatPost Prepare(ChatUpdate update)
    {
        var channel = update.Option("SlackChannel") ?? Environment.GetEnvironmentVariable(ChatChannels.SlackChannelVariable);
        if (string.IsNullOrWhiteSpace(channel))
        {
            throw new DeirfException("SlackChannelMissing", DeirfErrorKind.InvalidArgument, $"-Channel Slack needs -SlackChannel (or ${ChatChannels.SlackChannelVariable}).", "SlackChannel");
        }
        var api = IntegrationCallRunner.ValidateBase(update.Option("SlackApiUrl"), ChatChannels.SlackDefaultApi, "slack", ChatUpdate.Operation, "SlackApiUrl");
        var token = IntegrationSecrets.Resolve(update.Token, IntegrationSecrets.SlackTokenVariable, "slack", ChatUpdate.Operation, "Token");
        var target = channel.Trim();
        return new ChatPost($"Slack channel {channel}: {ChatChannels.Preview(update.Text)}",
            (http, ct) => ChatChannels.SendSlackMessage(http, api, token, update.Incident.Id, target, update.Text, update.Audience, ct));
    }
}

/// <summary>-Channel Webhook: a JSON POST to -WebhookUrl (or $env:DEIRF_WEBHOOK_URL); the URL is a secret, only its origin is shown or journaled.</summary>
public sealed class WebhookChannel : IChatChannel
{
    public string Name => "Webhook";
    public string Integration => "webhook";

    public ChatPost Prepare(ChatUpdate update)
    {
        var raw = update.Option("WebhookUrl") ?? Environment.GetEnvironmentVariable(IntegrationSecrets.WebhookUrlVariable);
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new DeirfException("WebhookUrlMissing", DeirfErrorKind.InvalidArgument, $"-Channel Webhook needs -WebhookUrl (or ${IntegrationSecrets.WebhookUrlVariable}).", "WebhookUrl");
        }
        var url = ChatChannels.ValidateWebhookUrl(raw);
        return new ChatPost($"webhook at {Redaction.Origin(url)}: {ChatChannels.Preview(update.Text)}",
            (http, ct) => ChatChannels.PostWebhook(http, url, update.Incident.Id, update.Text, update.Audience, ct));
    }
}
