using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Integrations;

/// <summary>
/// The result of one outbound call as it is journaled ("integration.call") and shown: delivered or failed, after how
/// many attempts, with the service's reference (advisory URL, issue URL, room id, event id, Slack ts).
/// </summary>
public sealed class IntegrationResult : IEntryBody
{
    /// <summary>The entry kind a result is journaled as (<see cref="IntegrationCall"/>).</summary>
    string IEntryBody.Kind => IntegrationCall.KindName;

    public string Incident { get; set; } = string.Empty;
    public string Integration { get; init; } = string.Empty;
    public string Operation { get; init; } = string.Empty;
    public string Outcome => Exception is null ? "delivered" : "failed";
    public bool Delivered => Exception is null;
    public int Attempts { get; set; }
    public int? Status { get; set; }

    /// <summary>What the service returned to find the thing again: html_url / web_url, room id, event id, message ts.</summary>
    public string? Reference { get; set; }
    public string? TransactionId { get; init; }
    public string? Audience { get; init; }

    /// <summary>Scheme, host and port of the service: never a path (a webhook's path is its secret).</summary>
    public string? Endpoint { get; init; }

    /// <summary>Repository, project, room or channel.</summary>
    public string? Target { get; init; }
    public string? MessageSha256 { get; init; }
    public string? ErrorId => Exception?.ErrorId;
    public string? Error => Exception?.Message;

    /// <summary>Set when the call failed: the redacted failure (the cmdlet reports it as an error record).</summary>
    public IntegrationException? Exception { get; set; }

    /// <summary>The call was stopped by Ctrl+C (or the caller's token): journal it, then stop the pipeline.</summary>
    public bool Cancelled { get; set; }

    /// <summary>The journal entry that records this call (after <see cref="Record"/>).</summary>
    public long? Seq { get; private set; }
    public DateTimeOffset? Time { get; private set; }

    public override string ToString()
        => $"{OutboundHttp.Label(Integration)} {Operation} {Outcome}" + (Reference is null ? string.Empty : $": {Reference}") + (Error is null ? string.Empty : $": {Error}");

    public JsonObject ToBody()
    {
        var body = new JsonObject
        {
            ["attempts"] = Attempts,
            ["integration"] = Integration,
            ["operation"] = Operation,
            ["outcome"] = Outcome,
        };
        void Put(string name, string? value, int max)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                body[name] = value.Length > max ? value[..(max - 1)] + "…" : value;
            }
        }
        if (Status is { } s)
        {
            body["status"] = s;
        }
        Put("endpoint", Endpoint, 512);
        Put("target", Target, 512);
        Put("reference", Reference, 2048);
        Put("transaction_id", TransactionId, 256);
        Put("audience", Audience, 16);
        Put("message_sha256", MessageSha256, 64);
        Put("error_id", ErrorId, 128);
        Put("error", Error, 2000);
        return body;
    }

    /// <summary>Appends this result to the incident's journal as "integration.call" (even when the call failed).</summary>
    public JournalEntry Record(JournalFile journal, string actor, JournalAppendOptions? options = null)
    {
        var entry = journal.Append(StatementDraft.Of(actor, this), options);
        Incident = entry.Incident;
        Seq = entry.Seq;
        Time = entry.Timestamp;
        return entry;
    }

    /// <summary>
    /// The idempotency key of a post: the same incident, destination, audience and text always give the same key, so
    /// a retry — by DeIRF after a lost answer, or by a person re-running the command — is deduplicated by the service.
    /// </summary>
    public static string TransactionIdFor(string incident, string channel, string destination, string? audience, string text)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"deirf-post\n{incident}\n{channel}\n{destination}\n{audience}\n{text}"));
        return "deirf-" + Convert.ToHexString(digest, 0, 16).ToLowerInvariant();
    }

    public static string Sha256Of(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
