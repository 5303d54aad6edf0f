using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using DeIRF.Canonical;

namespace DeIRF.Journal;

/// <summary>Why a journal line or a journal as a whole is not acceptable.</summary>
public enum JournalFault
{
    None,
    MalformedJson,
    NonCanonical,
    MissingField,
    UnknownField,
    UnsupportedVersion,
    HashMismatch,
    BrokenLink,
    SequenceGap,
    WrongIncident,
    TornTail,
    Truncated,
    EntryTooLarge,
    SignatureInvalid,
    HeadRecordInvalid,

    /// <summary>The journal does not extend a checkpoint, or its stored Merkle tree disagrees with the chain.</summary>
    CheckpointMismatch,

    /// <summary>A statement names another workspace than the one the journal is checked for (a replayed entry).</summary>
    WrongWorkspace,
}

/// <summary>Where the parts of one verified line sit inside it (offset, length).</summary>
public struct JournalLineFields
{
    public long Seq;
    public int Version;
    public (int Start, int Length) Hash;
    public (int Start, int Length) Prev;
    public (int Start, int Length) Statement;
    public (int Start, int Length) Signatures;
    public (int Start, int Length) Incident;
    public (int Start, int Length) Kind;
}

/// <summary>
/// The single parser of stored journal lines. It checks, in one pass and without allocating on the common path,
/// that a line is RFC 8785 canonical JSON of the v1 entry shape, then recomputes the entry hash from the stored
/// bytes (never from values that went through an object model and back).
/// </summary>
public static class JournalLine
{
    public const int HashHexLength = 64;
    public const string GenesisPrev = "0000000000000000000000000000000000000000000000000000000000000000";

    // A v1 line always starts with this prefix; the hash input is '{' followed by everything after the hash member.
    private static ReadOnlySpan<byte> HashPrefix => "{\"hash\":\""u8;
    private static readonly int HashInputOffset = HashPrefix.Length + HashHexLength + 1; // index of the ',' after the hash value

    private static readonly byte[][] TopKeys = ["hash"u8.ToArray(), "prev"u8.ToArray(), "seq"u8.ToArray(), "sigs"u8.ToArray(), "stmt"u8.ToArray()];

    /// <summary>Parses and checks one line (without its LF). On failure returns the fault and a human reason.</summary>
    public static JournalFault TryParse(ReadOnlySpan<byte> line, out JournalLineFields fields, out string? reason)
    {
        reason = null;
        if (!CanonicalLineScanner.TryScan(line, out fields))
        {
            // Not already canonical v1 (or beyond the fast path): the reader-based checker says exactly what is wrong.
            fields = default;
            var fault = CheckCanonical(line, ref fields, out reason);
            if (fault != JournalFault.None)
            {
                return fault;
            }
        }
        if (fields.Hash.Length != HashHexLength || fields.Prev.Length != HashHexLength || !IsLowerHex(line.Slice(fields.Hash.Start, HashHexLength)) || !IsLowerHex(line.Slice(fields.Prev.Start, HashHexLength)))
        {
            reason = "hash and prev must be 64 lowercase hex digits";
            return JournalFault.MalformedJson;
        }
        if (fields.Version != 1)
        {
            reason = $"statement format version {fields.Version} is not supported (expected 1)";
            return JournalFault.UnsupportedVersion;
        }
        Span<byte> computed = stackalloc byte[HashHexLength];
        ComputeHashHex(line, computed);
        if (!computed.SequenceEqual(line.Slice(fields.Hash.Start, HashHexLength)))
        {
            reason = $"stored hash {Encoding.ASCII.GetString(line.Slice(fields.Hash.Start, HashHexLength))} does not match the content (computed {Encoding.ASCII.GetString(computed)})";
            return JournalFault.HashMismatch;
        }
        return JournalFault.None;
    }

    /// <summary>SHA-256 over the canonical entry without its own "hash" member, as lowercase hex. The line must be canonical.</summary>
    internal static void ComputeHashHex(ReadOnlySpan<byte> canonicalLine, Span<byte> hex64)
    {
        // One reused hasher and scratch buffer per thread: creating a hash object per line costs more than hashing it.
        var rest = canonicalLine.Slice(HashInputOffset + 1);
        var scratch = t_scratch is { } buf && buf.Length > rest.Length ? buf : (t_scratch = new byte[Math.Max(4096, rest.Length + 1)]);
        scratch[0] = (byte)'{';
        rest.CopyTo(scratch.AsSpan(1));
        var sha = t_sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(scratch, 0, rest.Length + 1);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        ToHex(digest, hex64);
    }

    [ThreadStatic] private static IncrementalHash? t_sha;
    [ThreadStatic] private static byte[]? t_scratch;

    /// <summary>Hash of an entry whose canonical form without the hash member is given.</summary>
    public static string HashOfUnhashed(ReadOnlySpan<byte> canonicalWithoutHash)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(canonicalWithoutHash, digest);
        Span<byte> hex = stackalloc byte[64];
        ToHex(digest, hex);
        return Encoding.ASCII.GetString(hex);
    }

    internal static void ToHex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        ReadOnlySpan<byte> alphabet = "0123456789abcdef"u8;
        for (int i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = alphabet[bytes[i] >> 4];
            hex[2 * i + 1] = alphabet[bytes[i] & 0xF];
        }
    }

    private static readonly SearchValues<byte> LowerHex = SearchValues.Create("0123456789abcdef"u8);

    internal static bool IsLowerHex(ReadOnlySpan<byte> s) => s.IndexOfAnyExcept(LowerHex) < 0;

    private const int MaxDepth = CanonicalJson.MaxDepth;

    private static JournalFault CheckCanonical(ReadOnlySpan<byte> line, ref JournalLineFields fields, out string? reason)
    {
        reason = null;
        if (!line.StartsWith(HashPrefix))
        {
            // Either not JSON at all, or not in canonical order; tell which.
            reason = LooksLikeJsonObject(line) ? "entry does not start with the canonical {\"hash\": member" : "line is not a JSON object";
            return LooksLikeJsonObject(line) ? JournalFault.NonCanonical : JournalFault.MalformedJson;
        }
        // Utf8JsonReader does not validate UTF-8 inside strings; one vectorised pass over the line does it for all.
        if (!Utf8.IsValid(line))
        {
            reason = "line is not valid UTF-8";
            return JournalFault.MalformedJson;
        }
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = MaxDepth });
        Span<int> itemCount = stackalloc int[MaxDepth + 1];
        Span<int> prevKeyStart = stackalloc int[MaxDepth + 1];
        Span<int> prevKeyLen = stackalloc int[MaxDepth + 1];
        Span<bool> isObject = stackalloc bool[MaxDepth + 2];
        long expectedLength = 0;
        int topIndex = 0;
        bool haveSeq = false, haveVersion = false, haveIncident = false, haveKind = false, haveStmt = false, haveSigs = false;
        // Which member of the top object / statement we are in: the key just read at depth 1 / 2.
        int topKey = -1;
        ReadOnlySpan<byte> stmtKey = default;
        int stmtStart = -1;
        try
        {
            while (reader.Read())
            {
                int depth = reader.CurrentDepth;
                var type = reader.TokenType;
                if (type == JsonTokenType.EndObject || type == JsonTokenType.EndArray)
                {
                    expectedLength += 1;
                    if (type == JsonTokenType.EndObject && depth == 1 && topKey == 4)
                    {
                        fields.Statement = (stmtStart, (int)reader.BytesConsumed - stmtStart);
                    }
                    if (type == JsonTokenType.EndArray && depth == 1 && topKey == 3)
                    {
                        fields.Signatures = (fields.Signatures.Start, (int)reader.BytesConsumed - fields.Signatures.Start);
                    }
                    continue;
                }
                // A ',' precedes every item of a container after the first; in an object the items are the
                // members (a value that follows its property name is not an item of its own).
                if (depth > 0 && (type == JsonTokenType.PropertyName || !isObject[depth]))
                {
                    if (itemCount[depth] > 0)
                    {
                        expectedLength += 1;
                    }
                    itemCount[depth]++;
                }
                switch (type)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        expectedLength += 1;
                        itemCount[depth + 1] = 0;
                        prevKeyLen[depth + 1] = -1;
                        isObject[depth + 1] = type == JsonTokenType.StartObject;
                        if (depth == 1 && topKey == 4 && type == JsonTokenType.StartObject)
                        {
                            stmtStart = (int)reader.TokenStartIndex;
                            haveStmt = true;
                        }
                        if (depth == 1 && topKey == 3 && type == JsonTokenType.StartArray)
                        {
                            fields.Signatures = ((int)reader.TokenStartIndex, 0);
                            haveSigs = true;
                        }
                        break;
                    case JsonTokenType.PropertyName:
                        {
                            var raw = reader.ValueSpan;
                            expectedLength += raw.Length + 3; // quotes and ':'
                            if (!CheckStringCanonical(raw, reader.ValueIsEscaped, out reason))
                            {
                                return JournalFault.NonCanonical;
                            }
                            int start = (int)reader.TokenStartIndex + 1;
                            if (prevKeyLen[depth] >= 0)
                            {
                                var prev = line.Slice(prevKeyStart[depth], prevKeyLen[depth]);
                                if (CompareKeys(prev, raw) >= 0)
                                {
                                    reason = $"object keys are not in RFC 8785 order (or duplicated) at byte {reader.TokenStartIndex}";
                                    return JournalFault.NonCanonical;
                                }
                            }
                            prevKeyStart[depth] = start;
                            prevKeyLen[depth] = raw.Length;
                            if (depth == 1)
                            {
                                topKey = -1;
                                for (int k = 0; k < TopKeys.Length; k++)
                                {
                                    if (TopKeys[k].AsSpan().SequenceEqual(raw)) { topKey = k; break; }
                                }
                                if (topKey < 0 || topKey != topIndex)
                                {
                                    reason = topKey < 0 ? $"unknown top-level member \"{Encoding.UTF8.GetString(raw)}\"" : "top-level member missing";
                                    return topKey < 0 ? JournalFault.UnknownField : JournalFault.MissingField;
                                }
                                topIndex++;
                            }
                            else if (depth == 2 && topKey == 4)
                            {
                                stmtKey = raw;
                            }
                            break;
                        }
                    case JsonTokenType.String:
                        {
                            var raw = reader.ValueSpan;
                            expectedLength += raw.Length + 2;
                            if (!CheckStringCanonical(raw, reader.ValueIsEscaped, out reason))
                            {
                                return JournalFault.NonCanonical;
                            }
                            int start = (int)reader.TokenStartIndex + 1;
                            if (depth == 1 && topKey == 0) { fields.Hash = (start, raw.Length); }
                            else if (depth == 1 && topKey == 1) { fields.Prev = (start, raw.Length); }
                            else if (depth == 2 && topKey == 4 && stmtKey.SequenceEqual("incident"u8)) { fields.Incident = (start, raw.Length); haveIncident = true; }
                            else if (depth == 2 && topKey == 4 && stmtKey.SequenceEqual("kind"u8)) { fields.Kind = (start, raw.Length); haveKind = true; }
                            break;
                        }
                    case JsonTokenType.Number:
                        {
                            var raw = reader.ValueSpan;
                            expectedLength += raw.Length;
                            if (!CheckNumberCanonical(raw, out reason))
                            {
                                return JournalFault.NonCanonical;
                            }
                            if (depth == 1 && topKey == 2)
                            {
                                if (!reader.TryGetInt64(out var seq) || seq < 0)
                                {
                                    reason = "seq must be a non-negative integer";
                                    return JournalFault.MalformedJson;
                                }
                                fields.Seq = seq;
                                haveSeq = true;
                            }
                            else if (depth == 2 && topKey == 4 && stmtKey.SequenceEqual("v"u8))
                            {
                                fields.Version = reader.TryGetInt32(out var v) ? v : -1;
                                haveVersion = true;
                            }
                            break;
                        }
                    case JsonTokenType.True:
                        expectedLength += 4;
                        break;
                    case JsonTokenType.False:
                        expectedLength += 5;
                        break;
                    case JsonTokenType.Null:
                        expectedLength += 4;
                        break;
                    default:
                        reason = $"unexpected JSON token {type}";
                        return JournalFault.MalformedJson;
                }
            }
        }
        catch (JsonException ex)
        {
            reason = $"malformed JSON: {ex.Message}";
            return JournalFault.MalformedJson;
        }
        catch (JsonCanonicalizationException ex)
        {
            reason = ex.Message;
            return JournalFault.NonCanonical;
        }
        if (reader.BytesConsumed != line.Length)
        {
            reason = "trailing bytes after the entry";
            return JournalFault.MalformedJson;
        }
        if (expectedLength != line.Length)
        {
            reason = "insignificant whitespace: not RFC 8785 canonical";
            return JournalFault.NonCanonical;
        }
        if (topIndex != TopKeys.Length || !haveSeq || !haveStmt || !haveSigs || !haveVersion || !haveIncident || !haveKind)
        {
            reason = "entry lacks a required member (hash, prev, seq, sigs, stmt with v, incident, kind)";
            return JournalFault.MissingField;
        }
        return JournalFault.None;
    }

    internal static int CompareKeys(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.IndexOf((byte)'\\') >= 0 || b.IndexOf((byte)'\\') >= 0)
        {
            return string.CompareOrdinal(DecodeRaw(a), DecodeRaw(b));
        }
        // UTF-8 byte order is code point order; UTF-16 order differs only where a character in U+E000..U+FFFF
        // (lead byte EE/EF) meets a supplementary one (lead F0..F4, a surrogate pair D800.. in UTF-16).
        int i = a.CommonPrefixLength(b);
        if (i == a.Length || i == b.Length)
        {
            return a.Length - b.Length;
        }
        byte x = a[i], y = b[i];
        if (x >= 0xF0 && y is 0xEE or 0xEF)
        {
            return -1;
        }
        if (y >= 0xF0 && x is 0xEE or 0xEF)
        {
            return 1;
        }
        return x - y;
    }

    private static string DecodeRaw(ReadOnlySpan<byte> raw)
    {
        var quoted = new byte[raw.Length + 2];
        quoted[0] = (byte)'"';
        raw.CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
        var r = new Utf8JsonReader(quoted);
        r.Read();
        return r.GetString()!;
    }

    internal static bool IsCanonicalStringContent(ReadOnlySpan<byte> raw, bool escaped) => CheckStringCanonical(raw, escaped, out _);

    internal static bool IsCanonicalNumber(ReadOnlySpan<byte> raw) => CheckNumberCanonical(raw, out _);

    /// <summary>The reader-based check alone (the fast scanner's reference, for tests).</summary>
    internal static JournalFault CheckCanonicalSlow(ReadOnlySpan<byte> line, out JournalLineFields fields, out string? reason)
    {
        fields = default;
        return CheckCanonical(line, ref fields, out reason);
    }

    private static bool CheckStringCanonical(ReadOnlySpan<byte> raw, bool escaped, out string? reason)
    {
        reason = null;
        // UTF-8 validity is checked once for the whole line in CheckCanonical.
        if (!escaped)
        {
            return true;
        }
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\')
            {
                continue;
            }
            if (i + 1 >= raw.Length)
            {
                reason = "dangling escape";
                return false;
            }
            byte e = raw[i + 1];
            switch (e)
            {
                case (byte)'"':
                case (byte)'\\':
                case (byte)'b':
                case (byte)'f':
                case (byte)'n':
                case (byte)'r':
                case (byte)'t':
                    i++;
                    continue;
                case (byte)'u':
                    if (i + 5 < raw.Length && raw[i + 2] == '0' && raw[i + 3] == '0' && IsLowerHex(raw.Slice(i + 4, 2)))
                    {
                        int code = Convert.ToInt32(Encoding.ASCII.GetString(raw.Slice(i + 4, 2)), 16);
                        if (code < 0x20 && code != 0x08 && code != 0x09 && code != 0x0A && code != 0x0C && code != 0x0D)
                        {
                            i += 5;
                            continue;
                        }
                    }
                    reason = "string uses an escape RFC 8785 does not produce";
                    return false;
                default:
                    reason = "string uses an escape RFC 8785 does not produce";
                    return false;
            }
        }
        return true;
    }

    private static bool CheckNumberCanonical(ReadOnlySpan<byte> raw, out string? reason)
    {
        reason = null;
        // Fast path: a plain integer of at most 15 digits with no leading zero is canonical as written.
        int start = raw.Length > 0 && raw[0] == '-' ? 1 : 0;
        int digits = raw.Length - start;
        if (digits is > 0 and <= 15 && raw.Slice(start).IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
        {
            if (digits > 1 && raw[start] == '0')
            {
                reason = "number has a leading zero";
                return false;
            }
            if (start == 1 && digits == 1 && raw[1] == '0')
            {
                reason = "negative zero is written 0 in canonical form";
                return false;
            }
            return true;
        }
        double d = CanonicalJson.ReadNumber(raw, null);
        var canonical = CanonicalJson.FormatNumber(d);
        if (canonical.Length != raw.Length || !Encoding.ASCII.GetBytes(canonical).AsSpan().SequenceEqual(raw))
        {
            reason = $"number {Encoding.ASCII.GetString(raw)} is not in canonical form ({canonical})";
            return false;
        }
        return true;
    }

    private static bool LooksLikeJsonObject(ReadOnlySpan<byte> line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
