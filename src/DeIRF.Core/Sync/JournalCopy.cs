using System.Text;
using DeIRF.Journal;

namespace DeIRF.Sync;

/// <summary>The whole lines of one journal's bytes, parsed (each line's own form checked, not yet its chain).</summary>
public sealed class JournalCopy
{
    private JournalCopy(byte[] bytes, List<(int Start, int Length)> lines, List<JournalLineFields> fields)
    {
        Bytes = bytes;
        _lines = lines;
        _fields = fields;
    }

    private readonly List<(int Start, int Length)> _lines;
    private readonly List<JournalLineFields> _fields;

    public byte[] Bytes { get; }
    public int Count => _lines.Count;

    public ReadOnlySpan<byte> Line(int i) => Bytes.AsSpan(_lines[i].Start, _lines[i].Length);

    public string Hash(int i) => Encoding.ASCII.GetString(Slice(i, _fields[i].Hash));

    public ReadOnlySpan<byte> Statement(int i) => Slice(i, _fields[i].Statement);

    public ReadOnlySpan<byte> SignatureArray(int i) => Slice(i, _fields[i].Signatures);

    public string Kind(int i) => Encoding.UTF8.GetString(Slice(i, _fields[i].Kind));

    /// <summary>The bytes of the first <paramref name="count"/> whole lines (a prefix of this copy).</summary>
    public byte[] Prefix(int count) => count == 0 ? [] : Bytes.AsSpan(0, _lines[count - 1].Start + _lines[count - 1].Length + 1).ToArray();

    public HeadRecord? Head => Count == 0 ? null : new HeadRecord(Count - 1, Hash(Count - 1));

    private ReadOnlySpan<byte> Slice(int i, (int Start, int Length) r) => Line(i).Slice(r.Start, r.Length);

    /// <summary>Splits and parses; returns null with a reason when a line is not a v1 entry or the copy ends in a partial line.</summary>
    public static JournalCopy? TryParse(byte[] bytes, out string? problem, out long badLine)
    {
        var lines = new List<(int, int)>();
        var fields = new List<JournalLineFields>();
        problem = null;
        badLine = 0;
        // The journal's own line reader splits (one splitter); over bytes in memory its lines are slices of them.
        using var reader = new JournalLineReader(bytes);
        while (reader.TryReadLine(out var line, out var terminated))
        {
            if (!terminated)
            {
                problem = $"the copy ends in a partial line of {line.Length} byte(s)";
                badLine = lines.Count;
                return null;
            }
            var fault = JournalLine.TryParse(line.Span, out var f, out var reason);
            if (fault != JournalFault.None)
            {
                problem = $"{fault}: {reason}";
                badLine = lines.Count;
                return null;
            }
            lines.Add(((int)reader.LineOffset, line.Length));
            fields.Add(f);
        }
        return new JournalCopy(bytes, lines, fields);
    }

    public static JournalCopy Empty { get; } = new([], [], []);
}
