using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Journal;
using DeIRF.Workspaces;

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
/// leaf the path proves. Nothing else of the journal is revealed. A public proof (<see cref="ForPublication"/>)
/// carries the redacted form instead, <c>{"form":"deirf-redacted-entry/v1","hash":…,"seq":…}</c>: the entry's hash
/// (the leaf's preimage) and its seq, nothing of what it says or who said it.
/// </summary>
public sealed class InclusionProof
{
    public const string Header = "c2sp.org/tlog-proof@v1";

    /// <summary>The "form" of a redacted extra line (journal lines start with "hash", never "form").</summary>
    public const string RedactedForm = "deirf-redacted-entry/v1";

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

    /// <summary>The incident the origin names (its last segment).</summary>
    public string Incident => Origin[(Origin.LastIndexOf('/') + 1)..];

    /// <summary>The extra line is the redacted form (hash and seq), not the whole entry.</summary>
    public bool IsRedacted => EntryLine.AsSpan().StartsWith("{\"form\":"u8);

    /// <summary>
    /// The proof as published: the extra line redacted to the entry's hash and seq, and <paramref name="publicCheckpoint"/>
    /// (the same tree head with pseudonymous signatures, <see cref="PublicCheckpoint"/>) in place of the checkpoint.
    /// The path is unchanged: it proves the same leaf.
    /// </summary>
    public InclusionProof ForPublication(Checkpoint publicCheckpoint)
    {
        if (!publicCheckpoint.SameTreeHead(Checkpoint))
        {
            throw new ArgumentException("The public checkpoint must be the same tree head as the proof's.", nameof(publicCheckpoint));
        }
        var line = CanonicalJson.Serialize(new JsonObject
        {
            ["form"] = RedactedForm,
            ["hash"] = Convert.ToHexString(EntryHash()).ToLowerInvariant(),
            ["seq"] = Index,
        });
        return new InclusionProof(Index, line, Path, publicCheckpoint);
    }

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
    /// <remarks>
    /// With <paramref name="binding"/> (the reader's own workspace, <see cref="InclusionProofBinding.For"/>, or an origin the
    /// reader expects) the proof's origin must be the bound one, else <see cref="InclusionProofFault.OriginMismatch"/>:
    /// a proof of another workspace's journal is never trusted for this one, whoever signed it. When the workspace holds
    /// the entry, the proven entry's hash must be its hash (<see cref="InclusionProofFault.EntryMismatch"/>).
    /// </remarks>
    public InclusionProofVerdict Verify(Checkpoint? trusted, IReadOnlyList<NoteVerifierKey> keys, CheckpointPolicy policy,
        Func<string, IReadOnlySet<string>>? rolesOf = null, InclusionProofBinding? binding = null)
    {
        var fault = InclusionProofFault.None;
        string? problem = CheckEntry(out var summary);
        if (problem is not null)
        {
            fault = InclusionProofFault.EntryInvalid;
        }
        var head = Checkpoint;
        if (problem is null && binding is not null)
        {
            var hash = Convert.ToHexString(EntryHash()).ToLowerInvariant();
            if (binding.Origin != head.Origin)
            {
                fault = InclusionProofFault.OriginMismatch;
                problem = $"the proof is for '{head.Origin}', not '{binding.Origin}' (another workspace's journal, or another incident): it proves nothing about this one";
            }
            else if (binding.LocalEntryHash is { } local && local != hash)
            {
                fault = InclusionProofFault.EntryMismatch;
                problem = $"this workspace's entry {Index} of {Incident} has hash {local}, the proof's entry has {hash}: the proof is of another history (a fork or a rewritten journal)";
            }
        }
        if (problem is null && trusted is not null)
        {
            fault = InclusionProofFault.CheckpointMismatch;
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
                fault = InclusionProofFault.None;
                foreach (var s in trusted.Signatures)
                {
                    head = head.WithSignature(s);
                }
            }
        }
        if (problem is null)
        {
            problem = Merkle.CheckInclusion(Index, head.Size, Merkle.LeafHash(EntryHash()), Path, head.RootHash);
            fault = problem is null ? InclusionProofFault.None : InclusionProofFault.PathInvalid;
        }
        var verdict = CheckpointVerdict.Judge(head, keys, policy, rolesOf);
        if (problem is null && !verdict.IsTrusted)
        {
            fault = verdict.IsValid ? InclusionProofFault.PolicyUnmet : InclusionProofFault.SignatureInvalid;
        }
        return new InclusionProofVerdict
        {
            Index = Index,
            Origin = head.Origin,
            TreeSize = head.Size,
            Root = head.Root,
            Entry = summary,
            IsRedacted = IsRedacted,
            IsIncluded = problem is null,
            MatchesLocalJournal = problem is null && binding?.LocalEntryHash is not null ? true : null,
            Checkpoint = verdict,
            IsValid = problem is null && verdict.IsValid,
            IsTrusted = problem is null && verdict.IsTrusted,
            Fault = fault,
            Reason = problem ?? (verdict.IsValid ? (verdict.IsTrusted ? null : "the checkpoint lacks " + string.Join("; ", verdict.Missing)) : verdict.Reason),
        };
    }

    /// <summary>The proven entry's hash: from the journal line, or the redacted form's "hash" (both checked by <see cref="CheckEntry"/> first).</summary>
    private byte[] EntryHash()
    {
        if (IsRedacted)
        {
            return Convert.FromHexString((string)JsonNode.Parse(EntryLine)!["hash"]!);
        }
        JournalLine.TryParse(EntryLine, out var f, out _);
        return Convert.FromHexString(Encoding.ASCII.GetString(EntryLine, f.Hash.Start, f.Hash.Length));
    }

    private string? CheckEntry(out string? summary)
    {
        summary = null;
        if (IsRedacted)
        {
            return CheckRedacted(out summary);
        }
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

    /// <summary>The redacted form: canonical JSON of exactly form, hash (64 lowercase hex) and seq (the index).</summary>
    private string? CheckRedacted(out string? summary)
    {
        summary = null;
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(EntryLine) as JsonObject;
        }
        catch (JsonException ex)
        {
            return $"the redacted entry is not JSON ({ex.Message})";
        }
        if (o is null || o.Count != 3 || (o["form"] as JsonValue)?.GetValueKind() != JsonValueKind.String || (string)o["form"]! != RedactedForm
            || o["hash"]?.GetValueKind() != JsonValueKind.String || o["seq"]?.GetValueKind() != JsonValueKind.Number)
        {
            return $"the redacted entry is {{\"form\":\"{RedactedForm}\",\"hash\":…,\"seq\":…}}";
        }
        if (!CanonicalJson.Serialize(o).AsSpan().SequenceEqual(EntryLine))
        {
            return "the redacted entry is not canonical JSON";
        }
        var hash = (string)o["hash"]!;
        if (hash.Length != 64 || !hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return "the redacted entry's hash is not 64 lowercase hex digits";
        }
        if (!o["seq"]!.AsValue().TryGetValue<long>(out var seq) || seq != Index)
        {
            return $"the redacted entry is seq {o["seq"]!.ToJsonString()}, the proof says index {Index}";
        }
        summary = $"{Incident}#{seq} (redacted) hash {hash}";
        return null;
    }
}

/// <summary>Why an inclusion proof is not trusted (None when it is).</summary>
public enum InclusionProofFault
{
    None,

    /// <summary>The extra line is not a valid entry (or redacted entry) for this index and origin.</summary>
    EntryInvalid,

    /// <summary>The proof is for another origin than the workspace (or -Origin) it is checked for.</summary>
    OriginMismatch,

    /// <summary>The workspace's own journal holds a different entry at this index.</summary>
    EntryMismatch,

    /// <summary>The checkpoint given by the reader is not the proof's tree head (other origin or size, or a fork).</summary>
    CheckpointMismatch,

    /// <summary>The path does not lead from the entry's leaf to the checkpoint's root.</summary>
    PathInvalid,

    /// <summary>No signature by a trusted key verifies, or one fails.</summary>
    SignatureInvalid,

    /// <summary>Valid, but the cosigners do not fill the trust policy.</summary>
    PolicyUnmet,
}

/// <summary>
/// What a proof must match for the reader: the origin of the reader's journal, and (when the reader's workspace holds
/// the entry) that entry's hash.
/// </summary>
public sealed record InclusionProofBinding(string Origin, string? LocalEntryHash = null, bool HoldsJournal = false)
{
    /// <summary>
    /// Binds to <paramref name="ws"/>: the origin is this workspace's journal of the proof's incident; when that
    /// journal holds entry <see cref="InclusionProof.Index"/>, its hash. A proof naming another workspace reads nothing.
    /// </summary>
    public static InclusionProofBinding For(Workspace ws, InclusionProof proof, CancellationToken cancellationToken = default)
    {
        var origin = Checkpoint.OriginFor(ws.WorkspaceId, proof.Incident);
        if (origin != proof.Origin)
        {
            return new InclusionProofBinding(origin);
        }
        JournalFile journal;
        try
        {
            journal = new JournalFile(ws.JournalPathFor(proof.Incident));
        }
        catch (DeirfException ex) when (ex.ErrorId == "IncidentIdInvalid")
        {
            // Not an incident journal this workspace could hold (the entry check refuses such a proof anyway).
            return new InclusionProofBinding(origin);
        }
        if (!journal.Exists)
        {
            return new InclusionProofBinding(origin);
        }
        // Stops at the entry: a line being appended after it is never read.
        foreach (var e in journal.ReadEntries(cancellationToken))
        {
            if (e.Seq == proof.Index)
            {
                return new InclusionProofBinding(origin, e.Hash, true);
            }
        }
        return new InclusionProofBinding(origin, null, true);
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

    /// <summary>The proof carries the redacted entry (hash and seq) of a public disclosure, not the entry itself.</summary>
    public bool IsRedacted { get; init; }

    /// <summary>The path leads from the entry to the checkpoint's root.</summary>
    public bool IsIncluded { get; init; }

    /// <summary>True: the workspace checked against holds this very entry at this index; null: not compared (offline, or not held there).</summary>
    public bool? MatchesLocalJournal { get; init; }

    /// <summary>Why it is not trusted (None when trusted).</summary>
    public InclusionProofFault Fault { get; init; }

    /// <summary>Included, and the checkpoint carries a verified signature by a trusted key (none failing).</summary>
    public bool IsValid { get; init; }

    /// <summary>Valid, and the checkpoint's cosigners fill the trust policy.</summary>
    public bool IsTrusted { get; init; }

    public CheckpointVerdict Checkpoint { get; init; } = null!;
    public string? Reason { get; init; }

    public override string ToString() => IsTrusted ? $"{Entry}: included in {Origin} size {TreeSize}, trusted"
        : $"{Entry ?? "entry " + Index}: {(IsIncluded ? "included, " : "")}{Reason}";
}
