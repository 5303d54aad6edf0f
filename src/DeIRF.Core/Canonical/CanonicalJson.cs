using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeIRF.Canonical;

/// <summary>Raised when JSON cannot be put into RFC 8785 canonical form without losing or inventing meaning.</summary>
public sealed class JsonCanonicalizationException : DeirfException
{
    public JsonCanonicalizationException(string reason, string message, long? bytePosition = null, Exception? inner = null)
        : base("JsonNotCanonicalizable", DeirfErrorKind.InvalidData, message, bytePosition, inner)
    {
        Reason = reason;
        BytePosition = bytePosition;
    }

    /// <summary>Short machine-readable reason: DuplicateKey, IntegerOutOfRange, NonFinite, InvalidJson, InvalidString, UnsupportedValue, TooDeep.</summary>
    public string Reason { get; }
    public long? BytePosition { get; }
}

/// <summary>
/// The one RFC 8785 (JCS) writer of the project. Every hash and every signed statement goes through it.
/// Strictness beyond the RFC (deliberate, see SPEC "Lessons"): integers beyond ±(2^53−1) are refused rather than
/// silently rounded (two different literals would hash alike); duplicate keys are refused; NaN/Infinity refused.
/// </summary>
public static class CanonicalJson
{
    /// <summary>2^53 − 1: the largest integer every JSON implementation represents exactly.</summary>
    public const long MaxSafeInteger = 9007199254740991L;

    /// <summary>Deepest nesting of objects and arrays that is parsed or written (the journal's line checker uses the same limit).</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions StrictReader = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = MaxDepth,
    };

    /// <summary>Parses UTF-8 JSON strictly and returns its canonical bytes.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var node = Parse(utf8Json);
        return Serialize(node);
    }

    /// <summary>Canonical form of a JSON text given as a string.</summary>
    public static string Canonicalize(string json) => Encoding.UTF8.GetString(Canonicalize(Encoding.UTF8.GetBytes(json)));

    /// <summary>Strict parse into a node tree: no duplicate keys, no unsafe integers, no non-finite numbers.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, StrictReader);
        try
        {
            if (!reader.Read())
            {
                throw new JsonCanonicalizationException("InvalidJson", "Empty JSON text.", 0);
            }
            var node = ReadValue(ref reader);
            if (reader.Read())
            {
                throw new JsonCanonicalizationException("InvalidJson", "Trailing content after the JSON value.", reader.TokenStartIndex);
            }
            return node;
        }
        catch (JsonException ex)
        {
            throw new JsonCanonicalizationException("InvalidJson", $"Invalid JSON: {ex.Message}", ex.BytePositionInLine, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonCanonicalizationException("InvalidString", $"Invalid JSON string (lone surrogate or bad escape): {ex.Message}", reader.TokenStartIndex, ex);
        }
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var obj = new JsonObject();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        long keyPos = reader.TokenStartIndex;
                        var key = reader.GetString()!;
                        if (obj.ContainsKey(key))
                        {
                            throw new JsonCanonicalizationException("DuplicateKey", $"Duplicate key \"{key}\" in one object.", keyPos);
                        }
                        reader.Read();
                        obj[key] = ReadValue(ref reader);
                    }
                    return obj;
                }
            case JsonTokenType.StartArray:
                {
                    var arr = new JsonArray();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        arr.Add(ReadValue(ref reader));
                    }
                    return arr;
                }
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString()!);
            case JsonTokenType.Number:
                return JsonValue.Create(ReadNumber(reader.ValueSpan, reader.TokenStartIndex));
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonCanonicalizationException("InvalidJson", $"Unexpected token {reader.TokenType}.", reader.TokenStartIndex);
        }
    }

    /// <summary>Reads a JSON number literal, refusing what cannot be represented exactly as an IEEE double.</summary>
    internal static double ReadNumber(ReadOnlySpan<byte> literal, long? position)
    {
        bool integerLiteral = literal.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (integerLiteral)
        {
            if (!Utf8Parser.TryParse(literal, out long l, out int consumed) || consumed != literal.Length || l > MaxSafeInteger || l < -MaxSafeInteger)
            {
                throw new JsonCanonicalizationException("IntegerOutOfRange",
                    $"Integer {Encoding.UTF8.GetString(literal)} is beyond ±(2^53−1); put large numbers in strings.", position);
            }
            return l;
        }
        // The reader has already checked JSON number grammar; parse the UTF-8 bytes directly (no string).
        if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
        {
            throw new JsonCanonicalizationException("InvalidJson", $"Number {Encoding.UTF8.GetString(literal)} cannot be read.", position);
        }
        CheckDouble(d, position, literal);
        return d;
    }

    private static void CheckDouble(double d, long? position, ReadOnlySpan<byte> literal)
    {
        if (!double.IsFinite(d))
        {
            throw new JsonCanonicalizationException("NonFinite", $"Number {Encoding.UTF8.GetString(literal)} is not finite.", position);
        }
        if (Math.Abs(d) > MaxSafeInteger && Math.Floor(d) == d)
        {
            throw new JsonCanonicalizationException("IntegerOutOfRange",
                $"Number {Encoding.UTF8.GetString(literal)} is an integer beyond ±(2^53−1); put large numbers in strings.", position);
        }
    }

    /// <summary>Canonical UTF-8 bytes of a node tree.</summary>
    public static byte[] Serialize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(node, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form of <paramref name="node"/> into <paramref name="output"/>.</summary>
    public static void Write(JsonNode? node, IBufferWriter<byte> output) => Write(node, output, 0);

    private static void Write(JsonNode? node, IBufferWriter<byte> output, int depth)
    {
        if (node is JsonObject or JsonArray && ++depth > MaxDepth)
        {
            // Parse (and JournalLine's checker) refuse nesting beyond MaxDepth: never write what cannot be read back.
            throw new JsonCanonicalizationException("TooDeep", $"Objects and arrays are nested deeper than {MaxDepth} levels.");
        }
        switch (node)
        {
            case null:
                WriteAscii(output, "null");
                break;
            case JsonObject obj:
                {
                    var members = new List<KeyValuePair<string, JsonNode?>>();
                    try
                    {
                        foreach (var kv in obj)
                        {
                            members.Add(kv);
                        }
                    }
                    catch (ArgumentException ex)
                    {
                        // A JsonNode.Parse tree keeps duplicate keys until first use and then throws ArgumentException.
                        throw new JsonCanonicalizationException("DuplicateKey", $"Duplicate key in one object: {ex.Message}", null, ex);
                    }
                    catch (InvalidOperationException ex)
                    {
                        // ...and decodes its keys only then (lone surrogate, invalid UTF-8).
                        throw new JsonCanonicalizationException("InvalidString", $"Invalid key (lone surrogate or invalid UTF-8): {ex.Message}", null, ex);
                    }
                    // RFC 8785 3.2.3: sort by UTF-16 code units, which is what CompareOrdinal does.
                    members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                    WriteByte(output, (byte)'{');
                    for (int i = 0; i < members.Count; i++)
                    {
                        if (i > 0)
                        {
                            WriteByte(output, (byte)',');
                        }
                        WriteString(members[i].Key, output);
                        WriteByte(output, (byte)':');
                        Write(members[i].Value, output, depth);
                    }
                    WriteByte(output, (byte)'}');
                    break;
                }
            case JsonArray arr:
                WriteByte(output, (byte)'[');
                for (int i = 0; i < arr.Count; i++)
                {
                    if (i > 0)
                    {
                        WriteByte(output, (byte)',');
                    }
                    Write(arr[i], output, depth);
                }
                WriteByte(output, (byte)']');
                break;
            case JsonValue value:
                WriteValue(value, output);
                break;
            default:
                throw new JsonCanonicalizationException("UnsupportedValue", $"Unsupported node type {node.GetType().Name}.");
        }
    }

    private static void WriteValue(JsonValue value, IBufferWriter<byte> output)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                string? s;
                try
                {
                    s = value.TryGetValue<string>(out var str) ? str : value.TryGetValue<JsonElement>(out var se) ? se.GetString() : null;
                }
                catch (InvalidOperationException ex)
                {
                    // A JsonElement-backed string (JsonNode.Parse) is decoded only here; report a lone surrogate as such.
                    throw new JsonCanonicalizationException("InvalidString", $"Invalid string (lone surrogate or invalid UTF-8): {ex.Message}", null, ex);
                }
                if (s is not null)
                {
                    WriteString(s, output);
                    return;
                }
                throw new JsonCanonicalizationException("UnsupportedValue",
                    $"Value of type {value.GetValue<object>().GetType().Name} must be stored as a string (format it explicitly, e.g. timestamps as ISO 8601 UTC).");
            case JsonValueKind.True:
                WriteAscii(output, "true");
                return;
            case JsonValueKind.False:
                WriteAscii(output, "false");
                return;
            case JsonValueKind.Null:
                WriteAscii(output, "null");
                return;
            case JsonValueKind.Number:
                WriteAscii(output, FormatNumber(ToDouble(value)));
                return;
            default:
                throw new JsonCanonicalizationException("UnsupportedValue", $"Unsupported JSON value kind {value.GetValueKind()}.");
        }
    }

    private static double ToDouble(JsonValue value)
    {
        if (value.TryGetValue<long>(out var l)) { return CheckedInteger(l); }
        if (value.TryGetValue<int>(out var i)) { return i; }
        if (value.TryGetValue<double>(out var d)) { CheckDouble(d, null, Encoding.UTF8.GetBytes(d.ToString("R", CultureInfo.InvariantCulture))); return d; }
        if (value.TryGetValue<float>(out var f)) { CheckDouble(f, null, Encoding.UTF8.GetBytes(f.ToString("R", CultureInfo.InvariantCulture))); return f; }
        if (value.TryGetValue<decimal>(out var m)) { var md = (double)m; CheckDouble(md, null, Encoding.UTF8.GetBytes(m.ToString(CultureInfo.InvariantCulture))); return md; }
        if (value.TryGetValue<short>(out var sh)) { return sh; }
        if (value.TryGetValue<byte>(out var b)) { return b; }
        if (value.TryGetValue<uint>(out var ui)) { return ui; }
        if (value.TryGetValue<ulong>(out var ul))
        {
            if (ul > MaxSafeInteger) { throw new JsonCanonicalizationException("IntegerOutOfRange", $"Integer {ul} is beyond ±(2^53−1); put large numbers in strings."); }
            return ul;
        }
        if (value.TryGetValue<JsonElement>(out var e))
        {
            var raw = Encoding.UTF8.GetBytes(e.GetRawText());
            return ReadNumber(raw, null);
        }
        throw new JsonCanonicalizationException("UnsupportedValue", "Unsupported numeric value type.");
    }

    private static double CheckedInteger(long l)
    {
        if (l > MaxSafeInteger || l < -MaxSafeInteger)
        {
            throw new JsonCanonicalizationException("IntegerOutOfRange", $"Integer {l} is beyond ±(2^53−1); put large numbers in strings.");
        }
        return l;
    }

    /// <summary>ECMAScript Number.prototype.toString for a finite double (RFC 8785 3.2.2.3).</summary>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new JsonCanonicalizationException("NonFinite", "NaN and Infinity have no JSON form.");
        }
        if (value == 0)
        {
            return "0"; // also for -0
        }
        // "R" yields the shortest digits that round-trip, like ECMAScript; only the layout differs.
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        bool negative = r[0] == '-';
        if (negative)
        {
            r = r.Substring(1);
        }
        int exp = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        string mantissa = r;
        if (ePos >= 0)
        {
            exp = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = r.Substring(0, ePos);
        }
        int dot = mantissa.IndexOf('.');
        string intPart = dot >= 0 ? mantissa.Substring(0, dot) : mantissa;
        string fracPart = dot >= 0 ? mantissa.Substring(dot + 1) : string.Empty;
        string digits = (intPart + fracPart).TrimStart('0');
        int leadingZerosTrimmed = (intPart + fracPart).Length - digits.Length;
        // n: position of the decimal point relative to the first significant digit (value = 0.digits × 10^n).
        int n = intPart.Length - leadingZerosTrimmed + exp;
        digits = digits.TrimEnd('0');
        int k = digits.Length;

        var sb = new StringBuilder(32);
        if (negative)
        {
            sb.Append('-');
        }
        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            int e = n - 1;
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }
            sb.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Writes a string with exactly the escapes RFC 8785 3.2.2.2 prescribes.</summary>
    public static void WriteString(string s, IBufferWriter<byte> output)
    {
        WriteByte(output, (byte)'"');
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                {
                    i++;
                    continue;
                }
                throw new JsonCanonicalizationException("InvalidString", "String contains a lone UTF-16 surrogate.");
            }
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }
            WriteUtf8(output, s.AsSpan(start, i - start));
            start = i + 1;
            switch (c)
            {
                case '"': WriteAscii(output, "\\\""); break;
                case '\\': WriteAscii(output, "\\\\"); break;
                case '\b': WriteAscii(output, "\\b"); break;
                case '\f': WriteAscii(output, "\\f"); break;
                case '\n': WriteAscii(output, "\\n"); break;
                case '\r': WriteAscii(output, "\\r"); break;
                case '\t': WriteAscii(output, "\\t"); break;
                default: WriteAscii(output, "\\u00" + ((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
            }
        }
        WriteUtf8(output, s.AsSpan(start));
        WriteByte(output, (byte)'"');
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }
        int max = Encoding.UTF8.GetMaxByteCount(chars.Length);
        var span = output.GetSpan(max);
        int written = Encoding.UTF8.GetBytes(chars, span);
        output.Advance(written);
    }

    private static void WriteAscii(IBufferWriter<byte> output, string ascii)
    {
        var span = output.GetSpan(ascii.Length);
        for (int i = 0; i < ascii.Length; i++)
        {
            span[i] = (byte)ascii[i];
        }
        output.Advance(ascii.Length);
    }

    private static void WriteByte(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
