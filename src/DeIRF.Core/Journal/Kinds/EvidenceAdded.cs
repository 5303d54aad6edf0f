using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "evidence.added" — one chain-of-custody record per captured file, written after the bytes are durable in the
/// evidence store. body: { hash: "sha256:&lt;64 hex&gt;", size: integer ≥ 0, path: original path (≤ 4096),
/// target: optional (≤ 256, e.g. "prod/api-7f9"), collector: handle, name: file name (≤ 1024),
/// stored: optional (≤ 2048) where the bytes are when they are not in the workspace ("s3://bucket/prefix/sha256/&lt;hex&gt;") }
/// </summary>
public sealed class EvidenceAdded : EntryKind<EvidenceAdded.Body>
{
    public const string KindName = "evidence.added";
    public const string HashPrefix = "sha256:";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var hash = EntryKinds.RequireText(Name, body, "hash", HashPrefix.Length + 64);
        if (!hash.StartsWith(HashPrefix, StringComparison.Ordinal) || hash.Length != HashPrefix.Length + 64
            || !hash.AsSpan(HashPrefix.Length).ToString().All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new InvalidStatementException(Name, "hash", $"'{Name}' member 'hash' must be \"sha256:\" and 64 lowercase hex digits.", hash);
        }
        if (body["size"] is not JsonValue size || !size.TryGetValue<long>(out var n) || n < 0)
        {
            throw new InvalidStatementException(Name, "size", $"'{Name}' needs a 'size' in bytes (an integer ≥ 0).");
        }
        var path = EntryKinds.RequireText(Name, body, "path", 4096);
        var name = EntryKinds.RequireText(Name, body, "name", 1024);
        var collector = EntryKinds.RequireText(Name, body, "collector", 64);
        JournalFile.ValidateHandle(collector);
        var target = body.ContainsKey("target") ? EntryKinds.RequireText(Name, body, "target", 256) : null;
        var stored = body.ContainsKey("stored") ? EntryKinds.RequireText(Name, body, "stored", 2048) : null;
        return new Body(hash[HashPrefix.Length..], n, path, name, collector, target, stored);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var target = EntryKinds.Text(body, "target");
        var hash = EntryKinds.Text(body, "hash");
        var shortHash = hash.Length > HashPrefix.Length + 12 ? hash[..(HashPrefix.Length + 12)] : hash;
        return $"Evidence {EntryKinds.Text(body, "name")} ({EntryKinds.Text(body, "size")} bytes, {shortHash})"
            + (target.Length > 0 ? $" from {target}" : string.Empty);
    }

    /// <summary>One custody record: the bytes' SHA-256 (hex, without the "sha256:" prefix the journal writes), size, where they came from, who collected them, where they are kept when not in the workspace.</summary>
    public sealed record Body(string Sha256, long Size, string Path, string Name, string Collector, string? Target = null, string? Stored = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject
            {
                ["collector"] = Collector,
                ["hash"] = HashPrefix + Sha256,
                ["name"] = Name,
                ["path"] = Path,
                ["size"] = Size,
            };
            body.Optional("target", Target);
            body.Optional("stored", Stored);
            return body;
        }
    }
}
