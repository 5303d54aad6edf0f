using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "integration.call" — the result of one outbound call to a tracker or chat service, delivered or not (Dispatch's
/// lesson: an integration that fails silently leaves no incident channel and nobody notices). Never holds a token;
/// a webhook is named by scheme and host only.
/// body: { integration: github|gitlab|matrix|slack|webhook, operation: advisory.create|issue.create|room.create|message.send,
///         outcome: delivered|failed, attempts: integer ≥ 0, endpoint?: "scheme://host[:port]", target?: repository,
///         project, room or channel (≤ 512), status?: HTTP status of the last answer, reference?: what the service
///         returned (advisory URL, issue URL, room id, event id, message ts; ≤ 2048), transaction_id?: the idempotency
///         key sent (≤ 256), audience?: Internal|Community|Regulator, message_sha256?: SHA-256 of the text posted,
///         error_id?: stable error id, error?: why it failed (≤ 2000) }
/// </summary>
public sealed class IntegrationCall : IEntryKind
{
    public const string KindName = "integration.call";

    /// <summary>The integrations a call may name here: those the registered trackers and chat channels journal.</summary>
    public static IReadOnlyList<string> Integrations => DeIRF.Integrations.IntegrationCatalog.IntegrationNames;
    public static readonly IReadOnlyList<string> Outcomes = ["delivered", "failed"];
    public static readonly IReadOnlyList<string> Audiences = ["Internal", "Community", "Regulator"];

    public const string AdvisoryCreate = "advisory.create";
    public const string IssueCreate = "issue.create";
    public const string RoomCreate = "room.create";
    public const string MessageSend = "message.send";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        var integration = EntryKinds.RequireText(Name, body, "integration", 16);
        var known = Integrations;
        if (!known.Contains(integration))
        {
            throw new InvalidStatementException(Name, "integration", $"'{Name}' member 'integration' must be one of {string.Join(", ", known)} (the trackers and channels this machine has).", integration);
        }
        var operation = EntryKinds.RequireText(Name, body, "operation", 64);
        if (!System.Text.RegularExpressions.Regex.IsMatch(operation, "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$"))
        {
            throw new InvalidStatementException(Name, "operation", $"'{Name}' member 'operation' must look like 'message.send'.", operation);
        }
        var outcome = EntryKinds.RequireText(Name, body, "outcome", 16);
        if (!Outcomes.Contains(outcome))
        {
            throw new InvalidStatementException(Name, "outcome", $"'{Name}' member 'outcome' must be delivered or failed.", outcome);
        }
        if (!TryInteger(body["attempts"], out var attempts) || attempts < 0 || attempts > 100)
        {
            throw new InvalidStatementException(Name, "attempts", $"'{Name}' needs 'attempts' (an integer from 0 to 100).");
        }
        if (body.ContainsKey("status") && (!TryInteger(body["status"], out var st) || st < 100 || st > 599))
        {
            throw new InvalidStatementException(Name, "status", $"'{Name}' member 'status' must be an HTTP status code.");
        }
        Optional(body, "endpoint", 512);
        Optional(body, "target", 512);
        Optional(body, "reference", 2048);
        Optional(body, "transaction_id", 256);
        Optional(body, "message_sha256", 64);
        Optional(body, "error_id", 128);
        Optional(body, "error", 2000);
        if (body.ContainsKey("audience"))
        {
            var audience = EntryKinds.RequireText(Name, body, "audience", 16);
            if (!Audiences.Contains(audience))
            {
                throw new InvalidStatementException(Name, "audience", $"'{Name}' member 'audience' must be one of {string.Join(", ", Audiences)}.", audience);
            }
        }
        if (outcome == "failed" && !body.ContainsKey("error"))
        {
            throw new InvalidStatementException(Name, "error", $"A failed '{Name}' must say why ('error').");
        }
    }

    /// <summary>An integer member, whether built from an int or a long (read back from disk it is a long).</summary>
    private static bool TryInteger(JsonNode? node, out long value) => EntryKinds.TryInteger(node, out value);

    private void Optional(JsonObject body, string member, int max)
    {
        if (body.ContainsKey(member))
        {
            EntryKinds.RequireText(Name, body, member, max);
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var integration = EntryKinds.Text(body, "integration");
        var label = DeIRF.Integrations.IntegrationCatalog.Label(integration);
        var attempts = EntryKinds.Text(body, "attempts");
        var status = EntryKinds.Text(body, "status");
        var audience = EntryKinds.Text(body, "audience");
        var target = EntryKinds.Text(body, "target");
        var detail = $"{attempts} attempt{(attempts == "1" ? string.Empty : "s")}" + (status.Length > 0 ? $", HTTP {status}" : string.Empty);
        var head = $"{label} {EntryKinds.Text(body, "operation")}" + (audience.Length > 0 ? $" ({audience})" : string.Empty)
            + (target.Length > 0 ? $" to {target}" : string.Empty);
        return EntryKinds.Text(body, "outcome") == "delivered"
            ? $"{head} delivered ({detail})" + (EntryKinds.Text(body, "reference") is { Length: > 0 } r ? $": {r}" : string.Empty)
            : $"{head} FAILED ({detail}): {EntryKinds.Text(body, "error")}";
    }
}
