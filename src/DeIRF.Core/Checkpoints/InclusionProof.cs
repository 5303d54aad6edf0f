using System.Globalization;
using System.Text;
using System.Text.Json;
using DeIRF.Journal;

namespace DeIRF.Checkpoints;

/// <summary>
/// A self-contained proof that one journal entry is in a checkpointed journal, in the C2SP tlog-proof form:
/// <code>
/// c2sp.org/tlog-proof@v1
/// extra &lt;base64 of the entry's journal line&gt;
/// index &lt;seq&gt;
/// &lt;base64 hash&gt;            (the inclusion path, leaf's sibling first)
///
/// &lt;the checkpoint, verbatim, with its signatures and cosignatures&gt;
/// </code>
/// The "extra" line carries the entry itself; it is not trusted as such: its hash is recomputed and must be the
/// leaf the path proves. Nothing else of the journal is revealed.
/// </summary>
public sealed class InclusionProof
{
    public const string Header = "c2sp.org/tlog-proof@v1";

    public InclusionProof(long index, byte[] entryLine, IReadOnlyList<byte[]> path, Checkpoint checkpoint)
    {
        Index = index;
        EntryLine = entryLine;
        Path = path;
        Checkpoint = checkpoint;
    }

    public long Index { get; }
    public byte[] EntryLine { get; }
    public IReadOnlyList<byte[]> Path { get; }
    public Checkpoint Checkpoint { get; }
    public long TreeSize => Checkpoint.Size;
    public string Origin => Checkpoint.Origin;

    public string Text
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append(Header).Append('\n');
            sb.Append("extra ").Append(Convert.ToBase64String(EntryLine)).Append('\n');
            sb.Append("index ").Append(Index.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var h in Path)
            {
                sb.Append(Convert.ToBase64String(h)).Append('\n');
            }
            sb.Append('\n').Append(Checkpoint.Text);
            return sb.ToString();
        }
    }

    public static InclusionProof Parse(string text)
    {
        if (text.Length > 4 << 20 || text.Any(c => c != '\n' && char.IsControl(c)))
        {
            throw Malformed("too large, or control characters other than LF");
        }
        int split = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw Malformed("no blank line before the checkpoint");
        }
        var lines = text[..split].Split('\n');
        if (lines.Length < 3 || lines[0] != Header)
        {
            throw Malformed($"the first line must be '{Header}'");
        }
        if (!lines[1].StartsWith("extra ", StringComparison.Ordinal))
        {
            throw Malformed("a DeIRF proof carries its entry on the 'extra' line");
        }
        byte[] entry;
        try
        {
            entry = Convert.FromBase64String(lines[1]["extra ".Length..]);
        }
        catch (FormatException)
        {
            throw Malformed("the 'extra' line is not base64");
        }
        if (Convert.ToBase64String(entry) != lines[1]["extra ".Length..])
        {
            throw Malformed("the 'extra' line is not canonical base64");
        }
        var indexText = lines[2].StartsWith("index ", StringComparison.Ordinal) ? lines[2]["index ".Length..] : throw Malformed("the third line must be 'index <n>'");
        if (indexText.Length == 0 || indexText.Length > 19 || !indexText.All(char.IsAsciiDigit) || (indexText.Length > 1 && indexText[0] == '0')
            || !long.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw Malformed($"'{lines[2]}' is not an index (ASCII decimal, no leading zeroes)");
        }
        var path = lines[3..].Select(l => Checkpoint.DecodeHash(l, "a proof hash")).ToList();
        var checkpoint = Checkpoint.Parse(text[(split + 2)..]);
        return new InclusionProof(index, entry, path, checkpoint);
    }

    public static InclusionProof Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException("ProofNotFound", DeirfErrorKind.NotFound, $"Proof file '{path}' does not exist.", path);
        }
        try
        {
            return Parse(new UTF8Encoding(false, true).GetString(File.ReadAllBytes(path)));
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("not UTF-8");
        }
    }

    public void Save(string path)
    {
        Workspaces.AtomicFile.WriteText(path, Text);
    }

    internal static CheckpointException Malformed(string reason)
        => new("ProofMalformed", DeirfErrorKind.InvalidData, $"Inclusion proof refused: {reason}.");

    /// <summary>
    /// Verifies the proof offline: the entry line is a valid journal entry whose seq is the index and whose incident
    /// and workspace are the checkpoint's origin; its leaf and the path lead to the checkpoint's root. With
    /// <paramref name="trusted"/> (a checkpoint the reader already trusts) the proof's tree head must be the same one
    /// (same origin and size: the same root, else a fork); the signatures of both are judged together against
    /// <paramref name="keys"/> and <paramref name="policy"/>.
    /// </summary>
    public InclusionProofVerdict Verify(Checkpoint? trusted, IReadOnlyList<NoteVerifierKey> keys, CheckpointPolicy policy,
        Func<string, IReadOnlySet<string>>? rolesOf = null)
    {
        string? problem = CheckEntry(out var summary);
        var head = Checkpoint;
        if (problem is null && trusted is not null)
        {
            if (trusted.Origin != head.Origin)
            {
                problem = $"the proof is for '{head.Origin}', the checkpoint given is for '{trusted.Origin}'";
            }
            else if (trusted.Size != head.Size)
            {
                problem = $"the proof is against size {head.Size}, the checkpoint given is size {trusted.Size}: ask for a proof against that checkpoint";
            }
            else if (!trusted.SameTreeHead(head))
            {
                problem = $"fork: the proof's checkpoint of size {head.Size} (root {head.Root}, signed by {CheckpointLog.Signers(head)}) differs from the one given (root {trusted.Root}, signed by {CheckpointLog.Signers(trusted)})";
            }
            else
            {
                foreach (var s in trusted.Signatures)
                {
                    head = head.WithSignature(s);
                }
            }
        }
        if (problem is null)
        {
            problem = Merkle.CheckInclusion(Index, head.Size, Merkle.LeafHash(EntryHash()), Path, head.RootHash);
        }
        var verdict = CheckpointVerdict.Judge(head, keys, policy, rolesOf);
        return new InclusionProofVerdict
        {
            Index = Index,
            Origin = head.Origin,
            TreeSize = head.Size,
            Root = head.Root,
            Entry = summary,
            IsIncluded = problem is null,
            Checkpoint = verdict,
            IsValid = problem is null && verdict.IsValid,
            IsTrusted = problem is null && verdict.IsTrusted,
            Reason = problem ?? (verdict.IsValid ? (verdict.IsTrusted ? null : "the checkpoint lacks " + string.Join("; ", verdict.Missing)) : verdict.Reason),
        };
    }

    private byte[] EntryHash()
    {
        JournalLine.TryParse(EntryLine, out var f, out _);
        return Convert.FromHexString(Encoding.ASCII.GetString(EntryLine, f.Hash.Start, f.Hash.Length));
    }

    private string? CheckEntry(out string? summary)
    {
        summary = null;
        var fault = JournalLine.TryParse(EntryLine, out var f, out var reason);
        if (fault != JournalFault.None)
        {
            return $"the entry is not a valid journal line ({fault}: {reason})";
        }
        if (f.Seq != Index)
        {
            return $"the entry is seq {f.Seq}, the proof says index {Index}";
        }
        using var stmt = JsonDocument.Parse(EntryLine.AsMemory(f.Statement.Start, f.Statement.Length));
        var ws = stmt.RootElement.GetProperty("ws").GetString() ?? string.Empty;
        var incident = stmt.RootElement.GetProperty("incident").GetString() ?? string.Empty;
        var origin = Checkpoint.OriginFor(ws, incident);
        if (origin != Checkpoint.Origin)
        {
            return $"the entry belongs to '{origin}', the checkpoint is for '{Checkpoint.Origin}'";
        }
        summary = $"{incident}#{f.Seq} {stmt.RootElement.GetProperty("kind").GetString()} by {stmt.RootElement.GetProperty("actor").GetString()} at {stmt.RootElement.GetProperty("ts").GetString()}";
        return null;
    }
}

public sealed class InclusionProofVerdict
{
    public long Index { get; init; }
    public string Origin { get; init; } = string.Empty;
    public long TreeSize { get; init; }
    public string Root { get; init; } = string.Empty;

    /// <summary>The entry the proof shows: "INC-…#17 note by alice at …".</summary>
    public string? Entry { get; init; }

    /// <summary>The path leads from the entry to the checkpoint's root.</summary>
    public bool IsIncluded { get; init; }

    /// <summary>Included, and the checkpoint carries a verified signature by a trusted key (none failing).</summary>
    public bool IsValid { get; init; }

    /// <summary>Valid, and the checkpoint's cosigners fill the trust policy.</summary>
    public bool IsTrusted { get; init; }

    public CheckpointVerdict Checkpoint { get; init; } = null!;
    public string? Reason { get; init; }

    public override string ToString() => IsTrusted ? $"{Entry}: included in {Origin} size {TreeSize}, trusted"
        : $"{Entry ?? "entry " + Index}: {(IsIncluded ? "included, " : "")}{Reason}";
}
