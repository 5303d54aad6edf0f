using DeIRF.Journal;

namespace DeIRF.Checkpoints;

/// <summary>Does today's journal extend a checkpoint, and does its stored tree agree with its chain leaf by leaf?</summary>
public sealed class CheckpointConsistency
{
    public string Origin { get; init; } = string.Empty;
    public long CheckpointSize { get; init; }
    public string CheckpointRoot { get; init; } = string.Empty;
    public long JournalSize { get; init; }
    public string? JournalRoot { get; init; }
    public bool IsConsistent { get; init; }

    /// <summary>The first leaf where the journal and the checkpoint (or the stored tree) part ways, when known.</summary>
    public long? FirstBadSeq { get; init; }

    /// <summary>Leaves of the stored tree compared with the chain's entry hashes.</summary>
    public long TreeLeavesCompared { get; init; }

    public CheckpointVerdict? Signatures { get; init; }
    public string? Reason { get; init; }

    public override string ToString() => IsConsistent
        ? $"extends {Origin} size {CheckpointSize} (journal size {JournalSize})"
        : $"does not extend {Origin} size {CheckpointSize}: {Reason}";

    /// <summary>
    /// Verifies <paramref name="journal"/> (chain, hashes, signatures as <paramref name="options"/> say) and, in the
    /// same pass, rebuilds its RFC 6962 tree from the chain's own entry hashes (never trusting a stored tree): the
    /// root at the checkpoint's size must be the checkpoint's root. The stored tree (what proofs are cut from) is
    /// compared leaf by leaf with the chain, and a consistency proof from the checkpoint to today's size, cut from it,
    /// must verify (immudb CVE-2022-36111: a chain and a tree that tell different stories).
    /// </summary>
    public static JournalVerdict Verify(JournalFile journal, JournalVerifyOptions options, Checkpoint checkpoint, string expectedOrigin,
        IReadOnlyList<NoteVerifierKey>? keys = null, CheckpointPolicy? policy = null, Func<string, IReadOnlySet<string>>? rolesOf = null)
    {
        var signatures = keys is null ? null : CheckpointVerdict.Judge(checkpoint, keys, policy ?? CheckpointPolicy.Default, rolesOf);
        CheckpointConsistency Result(bool ok, string? reason, long size, byte[]? root, long? bad = null, long compared = 0) => new()
        {
            Origin = checkpoint.Origin, CheckpointSize = checkpoint.Size, CheckpointRoot = checkpoint.Root, JournalSize = size,
            JournalRoot = root is null ? null : Convert.ToBase64String(root), IsConsistent = ok, FirstBadSeq = bad, TreeLeavesCompared = compared,
            Signatures = signatures, Reason = reason,
        };
        if (checkpoint.Origin != expectedOrigin)
        {
            var v0 = journal.Verify(options);
            return v0.WithCheckpoint(Result(false, $"the checkpoint is for '{checkpoint.Origin}', this journal is '{expectedOrigin}'", v0.EntryCount, null));
        }
        if (checkpoint.Size < 1)
        {
            var v0 = journal.Verify(options);
            return v0.WithCheckpoint(Result(false, "the checkpoint is of an empty tree (size 0): a DeIRF journal always has its genesis entry", v0.EntryCount, null));
        }
        JournalTree? stored = null;
        try
        {
            stored = JournalTree.Open(journal, options.CancellationToken);
        }
        catch (DeirfException)
        {
            // A journal the tree cannot follow is reported by the chain verdict below.
        }
        using (stored)
        {
            var range = new CompactRange();
            byte[]? rootAtCheckpoint = null;
            long? treeDisagrees = null;
            long compared = 0;
            var leaf = new byte[32];
            var entryHash = new byte[32];
            var verdict = journal.Verify(new JournalVerifyOptions
            {
                ExpectedIncident = options.ExpectedIncident,
                UseHeadRecord = options.UseHeadRecord,
                Progress = options.Progress,
                Signatures = options.Signatures,
                CancellationToken = options.CancellationToken,
                OnEntry = (seq, hex) =>
                {
                    for (int i = 0; i < 32; i++)
                    {
                        entryHash[i] = (byte)((Nibble(hex[2 * i]) << 4) | Nibble(hex[2 * i + 1]));
                    }
                    var leafHash = Merkle.LeafHash(entryHash);
                    range.AppendLeaf(leafHash);
                    if (range.Size == checkpoint.Size)
                    {
                        rootAtCheckpoint = range.Root();
                    }
                    if (stored is not null && treeDisagrees is null && seq < stored.Size)
                    {
                        stored.Tree.Levels[0].Read(seq, leaf);
                        compared++;
                        if (!leaf.AsSpan().SequenceEqual(leafHash))
                        {
                            treeDisagrees = seq;
                        }
                    }
                },
            });
            var size = range.Size;
            var rootNow = size > 0 ? range.Root() : null;
            if (!verdict.IsValid)
            {
                return verdict.WithCheckpoint(Result(false, "the journal itself is not valid", size, rootNow, null, compared));
            }
            if (size < checkpoint.Size)
            {
                return verdict.WithCheckpoint(Result(false, $"the journal has {size} entries, fewer than the checkpoint's {checkpoint.Size}: entries were removed", size, rootNow, size, compared));
            }
            if (!rootAtCheckpoint!.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                return verdict.WithCheckpoint(Result(false,
                    $"the journal's first {checkpoint.Size} entries have root {Convert.ToBase64String(rootAtCheckpoint!)}, the checkpoint says {checkpoint.Root}: history was rewritten (or this is another replica's fork)",
                    size, rootNow, null, compared));
            }
            if (treeDisagrees is { } badLeaf)
            {
                return verdict.WithCheckpoint(Result(false, $"the stored Merkle tree disagrees with the chain at leaf {badLeaf}: the tree beside the journal was altered (delete the tree folder to rebuild it)", size, rootNow, badLeaf, compared));
            }
            if (stored is not null && stored.Size == size)
            {
                var proof = stored.Tree.ConsistencyProof(checkpoint.Size, size);
                if (Merkle.CheckConsistency(checkpoint.Size, size, checkpoint.RootHash, rootNow!, proof) is { } why)
                {
                    return verdict.WithCheckpoint(Result(false, $"the consistency proof from {checkpoint.Size} to {size} fails: {why}", size, rootNow, null, compared));
                }
            }
            if (signatures is { IsValid: false, Reason: { } sigProblem } && signatures.Signatures.Any(s => s.Status == NoteSignatureStatus.Failed))
            {
                return verdict.WithCheckpoint(Result(false, "the checkpoint's signatures: " + sigProblem, size, rootNow, null, compared));
            }
            return verdict.WithCheckpoint(Result(true, null, size, rootNow, null, compared));
        }
    }

    private static int Nibble(byte c) => c <= '9' ? c - '0' : c - 'a' + 10;
}
