using System.Globalization;
using System.Text;
using System.Text.Json;
using DeIRF.Journal.Kinds;

namespace DeIRF.Journal;

/// <summary>One verified line of a journal, as a responder reads it.</summary>
public sealed class JournalEntry
{
    internal JournalEntry(string incident, string workspaceId, long seq, string hash, string prev, string kind, string actor,
        DateTimeOffset timestamp, IReadOnlyDictionary<string, object?> body, IReadOnlyList<IReadOnlyDictionary<string, object?>> signatures,
        string statementJson, long lineNumber, string? journalPath)
    {
        Incident = incident;
        WorkspaceId = workspaceId;
        Seq = seq;
        Hash = hash;
        Prev = prev;
        Kind = kind;
        Actor = actor;
        Timestamp = timestamp;
        Body = body;
        Signatures = signatures;
        StatementJson = statementJson;
        LineNumber = lineNumber;
        JournalPath = journalPath;
    }

    public string Incident { get; }
    public string WorkspaceId { get; }
    public long Seq { get; }
    public string Hash { get; }
    public string Prev { get; }
    public string Kind { get; }
    public string Actor { get; }
    public DateTimeOffset Timestamp { get; }
    public IReadOnlyDictionary<string, object?> Body { get; }
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Signatures { get; }

    /// <summary>The statement exactly as stored (canonical JSON): what signatures cover.</summary>
    public string StatementJson { get; }
    public long LineNumber { get; }
    public string? JournalPath { get; }

    /// <summary>A one-line description of the entry for tables and timelines.</summary>
    public string Summary => EntryKinds.Summarize(Kind, Body);

    /// <summary>Builds the object from a line that <see cref="JournalLine.TryParse"/> accepted.</summary>
    internal static JournalEntry FromVerifiedLine(ReadOnlySpan<byte> line, in JournalLineFields f, long lineNumber, string? journalPath)
    {
        var stmtBytes = line.Slice(f.Statement.Start, f.Statement.Length);
        using var stmt = JsonDocument.Parse(stmtBytes.ToArray());
        var root = stmt.RootElement;
        using var sigsDoc = JsonDocument.Parse(line.Slice(f.Signatures.Start, f.Signatures.Length).ToArray());
        var sigs = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var s in sigsDoc.RootElement.EnumerateArray())
        {
            sigs.Add(s.ValueKind == JsonValueKind.Object ? JsonValues.ToDictionary(s) : new Dictionary<string, object?> { ["value"] = JsonValues.ToObject(s) });
        }
        var ts = root.TryGetProperty("ts", out var tsEl) && tsEl.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParseExact(tsEl.GetString(), Timestamps.Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed : default;
        return new JournalEntry(
            Encoding.UTF8.GetString(line.Slice(f.Incident.Start, f.Incident.Length)),
            root.TryGetProperty("ws", out var ws) && ws.ValueKind == JsonValueKind.String ? ws.GetString()! : string.Empty,
            f.Seq,
            Encoding.ASCII.GetString(line.Slice(f.Hash.Start, f.Hash.Length)),
            Encoding.ASCII.GetString(line.Slice(f.Prev.Start, f.Prev.Length)),
            root.GetProperty("kind").GetString()!,
            root.TryGetProperty("actor", out var actor) && actor.ValueKind == JsonValueKind.String ? actor.GetString()! : string.Empty,
            ts,
            root.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object ? JsonValues.ToDictionary(body) : new Dictionary<string, object?>(),
            sigs,
            Encoding.UTF8.GetString(stmtBytes),
            lineNumber,
            journalPath);
    }

    public override string ToString() => $"{Incident}#{Seq} {Kind} by {Actor}: {Summary}";
}

/// <summary>The one timestamp format of the journal: UTC, millisecond precision, 'Z'.</summary>
public static class Timestamps
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string ToJournal(DateTimeOffset t) => t.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}

/// <summary>Turns stored JSON into plain .NET values for display (never back into hashed bytes).</summary>
public static class JsonValues
{
    public static IReadOnlyDictionary<string, object?> ToDictionary(JsonElement obj)
    {
        var d = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            d[p.Name] = ToObject(p.Value);
        }
        return d;
    }

    public static object? ToObject(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ToDictionary(e),
        JsonValueKind.Array => e.EnumerateArray().Select(ToObject).ToArray(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(), // not "? l :", which would make every number a double
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
