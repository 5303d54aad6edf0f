using System.Text.Unicode;
using DeIRF.Canonical;

namespace DeIRF.Journal;

/// <summary>
/// The fast path of <see cref="JournalLine.TryParse"/>: a byte scanner that accepts only a line that is already in
/// exact RFC 8785 form and v1 entry shape, and fills in where its fields are. It never diagnoses: anything it does not
/// accept goes to the reader-based checker, which says precisely what is wrong. So it must be sound (accept nothing the
/// checker would refuse), and on what it accepts it must find the same fields; tests compare the two on random lines.
/// </summary>
internal static class CanonicalLineScanner
{
    private const int MaxDepth = CanonicalJson.MaxDepth;

    public static bool TryScan(ReadOnlySpan<byte> line, out JournalLineFields fields)
    {
        fields = default;
        int pos = 0;
        // One vectorised UTF-8 pass first: key comparison may decode escaped keys.
        if (!Utf8.IsValid(line))
        {
            return false;
        }
        // {"hash":"<64>","prev":"<64>","seq":<int>,"sigs":[...],"stmt":{...}} — the only canonical v1 shape.
        if (!Literal(line, ref pos, "{\"hash\":\""u8) || line.Length < pos + JournalLine.HashHexLength)
        {
            return false;
        }
        fields.Hash = (pos, JournalLine.HashHexLength);
        if (!JournalLine.IsLowerHex(line.Slice(pos, JournalLine.HashHexLength)))
        {
            return false;
        }
        pos += JournalLine.HashHexLength;
        if (!Literal(line, ref pos, "\",\"prev\":\""u8) || line.Length < pos + JournalLine.HashHexLength)
        {
            return false;
        }
        fields.Prev = (pos, JournalLine.HashHexLength);
        if (!JournalLine.IsLowerHex(line.Slice(pos, JournalLine.HashHexLength)))
        {
            return false;
        }
        pos += JournalLine.HashHexLength;
        if (!Literal(line, ref pos, "\",\"seq\":"u8) || !Integer(line, ref pos, out fields.Seq) || fields.Seq < 0)
        {
            return false;
        }
        if (!Literal(line, ref pos, ",\"sigs\":"u8) || pos >= line.Length || line[pos] != (byte)'[')
        {
            return false;
        }
        int sigsStart = pos;
        if (!Value(line, ref pos, 2))
        {
            return false;
        }
        fields.Signatures = (sigsStart, pos - sigsStart);
        if (!Literal(line, ref pos, ",\"stmt\":"u8) || pos >= line.Length || line[pos] != (byte)'{')
        {
            return false;
        }
        int stmtStart = pos;
        if (!Statement(line, ref pos, ref fields))
        {
            return false;
        }
        fields.Statement = (stmtStart, pos - stmtStart);
        return Literal(line, ref pos, "}"u8) && pos == line.Length;
    }

    private static bool Literal(ReadOnlySpan<byte> s, ref int pos, ReadOnlySpan<byte> expected)
    {
        if (!s[pos..].StartsWith(expected))
        {
            return false;
        }
        pos += expected.Length;
        return true;
    }

    /// <summary>The statement object: members in order, capturing incident, kind and v.</summary>
    private static bool Statement(ReadOnlySpan<byte> s, ref int pos, ref JournalLineFields fields)
    {
        pos++; // '{'
        bool haveIncident = false, haveKind = false, haveVersion = false;
        int prevKeyStart = -1, prevKeyLength = 0;
        if (pos < s.Length && s[pos] == (byte)'}')
        {
            return false; // an empty statement lacks v, incident and kind
        }
        while (true)
        {
            if (!Key(s, ref pos, ref prevKeyStart, ref prevKeyLength, out var key))
            {
                return false;
            }
            int valueStart = pos;
            if (!Value(s, ref pos, 3)) // the line's object is depth 1, the statement 2, its members' containers 3
            {
                return false;
            }
            var value = s[valueStart..pos];
            if (key.SequenceEqual("incident"u8) || key.SequenceEqual("kind"u8))
            {
                if (value.Length < 2 || value[0] != (byte)'"')
                {
                    return false;
                }
                var span = (valueStart + 1, value.Length - 2);
                if (key[0] == (byte)'i') { fields.Incident = span; haveIncident = true; }
                else { fields.Kind = span; haveKind = true; }
            }
            else if (key.SequenceEqual("v"u8))
            {
                int p = 0;
                if (!Integer(value, ref p, out var v) || p != value.Length || v > int.MaxValue)
                {
                    return false;
                }
                fields.Version = (int)v;
                haveVersion = true;
            }
            if (pos >= s.Length)
            {
                return false;
            }
            if (s[pos] == (byte)'}')
            {
                pos++;
                return haveIncident && haveKind && haveVersion;
            }
            if (s[pos] != (byte)',')
            {
                return false;
            }
            pos++;
        }
    }

    /// <summary>"key": — a canonical string strictly after the previous key in UTF-16 order, then ':'.</summary>
    private static bool Key(ReadOnlySpan<byte> s, ref int pos, ref int prevStart, ref int prevLength, out ReadOnlySpan<byte> raw)
    {
        raw = default;
        int start = pos;
        if (!String(s, ref pos))
        {
            return false;
        }
        raw = s.Slice(start + 1, pos - start - 2);
        if (prevStart >= 0 && JournalLine.CompareKeys(s.Slice(prevStart, prevLength), raw) >= 0)
        {
            return false;
        }
        prevStart = start + 1;
        prevLength = raw.Length;
        if (pos >= s.Length || s[pos] != (byte)':')
        {
            return false;
        }
        pos++;
        return true;
    }

    private static bool Value(ReadOnlySpan<byte> s, ref int pos, int depth)
    {
        if (pos >= s.Length)
        {
            return false;
        }
        switch (s[pos])
        {
            case (byte)'"':
                return String(s, ref pos);
            case (byte)'{':
                {
                    if (depth > MaxDepth)
                    {
                        return false;
                    }
                    pos++;
                    if (pos < s.Length && s[pos] == (byte)'}')
                    {
                        pos++;
                        return true;
                    }
                    int prevStart = -1, prevLength = 0;
                    while (true)
                    {
                        if (!Key(s, ref pos, ref prevStart, ref prevLength, out _) || !Value(s, ref pos, depth + 1) || pos >= s.Length)
                        {
                            return false;
                        }
                        if (s[pos] == (byte)'}')
                        {
                            pos++;
                            return true;
                        }
                        if (s[pos] != (byte)',')
                        {
                            return false;
                        }
                        pos++;
                    }
                }
            case (byte)'[':
                {
                    if (depth > MaxDepth)
                    {
                        return false;
                    }
                    pos++;
                    if (pos < s.Length && s[pos] == (byte)']')
                    {
                        pos++;
                        return true;
                    }
                    while (true)
                    {
                        if (!Value(s, ref pos, depth + 1) || pos >= s.Length)
                        {
                            return false;
                        }
                        if (s[pos] == (byte)']')
                        {
                            pos++;
                            return true;
                        }
                        if (s[pos] != (byte)',')
                        {
                            return false;
                        }
                        pos++;
                    }
                }
            case (byte)'t':
                return Literal(s, ref pos, "true"u8);
            case (byte)'f':
                return Literal(s, ref pos, "false"u8);
            case (byte)'n':
                return Literal(s, ref pos, "null"u8);
            default:
                return Number(s, ref pos);
        }
    }

    /// <summary>A string whose escapes are exactly the ones RFC 8785 writes and which holds no raw control character.</summary>
    private static bool String(ReadOnlySpan<byte> s, ref int pos)
    {
        if (pos >= s.Length || s[pos] != (byte)'"')
        {
            return false;
        }
        int start = ++pos;
        bool escaped = false;
        while (true)
        {
            int rel = s[pos..].IndexOfAny((byte)'"', (byte)'\\');
            if (rel < 0)
            {
                return false;
            }
            pos += rel;
            if (s[pos] == (byte)'"')
            {
                break;
            }
            escaped = true;
            pos += pos + 1 < s.Length && s[pos + 1] == (byte)'u' ? 6 : 2;
            if (pos > s.Length)
            {
                return false;
            }
        }
        var raw = s[start..pos];
        pos++; // closing quote
        return raw.IndexOfAnyInRange((byte)0, (byte)0x1F) < 0 && JournalLine.IsCanonicalStringContent(raw, escaped);
    }

    private static bool Number(ReadOnlySpan<byte> s, ref int pos)
    {
        int start = pos;
        while (pos < s.Length && (s[pos] is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'+' or (byte)'.' or (byte)'e' or (byte)'E'))
        {
            pos++;
        }
        if (pos == start)
        {
            return false;
        }
        try
        {
            // Canonical numbers are exactly ECMAScript's form of their own value, which is always valid JSON.
            return JournalLine.IsCanonicalNumber(s[start..pos]);
        }
        catch (JsonCanonicalizationException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A non-negative canonical integer of at most 15 digits (seq, v).</summary>
    private static bool Integer(ReadOnlySpan<byte> s, ref int pos, out long value)
    {
        value = 0;
        int start = pos;
        while (pos < s.Length && s[pos] >= (byte)'0' && s[pos] <= (byte)'9' && pos - start < 15)
        {
            value = value * 10 + (s[pos] - (byte)'0');
            pos++;
        }
        int digits = pos - start;
        if (digits == 0 || (digits > 1 && s[start] == (byte)'0'))
        {
            return false;
        }
        // A digit right after 15 would make it longer than the fast path handles.
        return pos >= s.Length || s[pos] < (byte)'0' || s[pos] > (byte)'9';
    }
}
