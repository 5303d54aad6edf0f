using System.Text;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Checkpoints;

/// <summary>
/// Checkpoints of an incident journal: files in incidents/&lt;id&gt;/checkpoints/&lt;size&gt;.checkpoint, made from
/// the journal's tree (<see cref="JournalTree"/>). Not journaled as entries: a checkpoint is a statement about the
/// journal, and an entry recording it would itself never be covered by it (nor would a closed incident's last entry).
/// </summary>
public static class CheckpointLog
{
    public const string Extension = WorkspaceLayout.CheckpointExtension;

    public static string DirectoryFor(Workspace ws, string incident) => WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.CheckpointsFolder(incident));

    public static string PathFor(Workspace ws, string incident, long size)
        => WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.CheckpointPath(incident, size));

    /// <summary>
    /// Brings the tree up to date and writes the checkpoint of the whole journal, signed by <paramref name="signer"/>
    /// (the log signature) when given. A checkpoint of that size already on disk keeps its signatures (it must have
    /// the same root: otherwise the journal was rewritten, and that is refused as a fork).
    /// </summary>
    public static (Checkpoint Checkpoint, string Path) Create(Workspace ws, string incident, CheckpointSigner? signer, TimeProvider? clock = null,
        CancellationToken cancellationToken = default)
    {
        clock ??= TimeProvider.System;
        try
        {
            return CreateCore(ws, incident, signer, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The tree and the note are written to temporary files and renamed last: a failure leaves the previous
            // state, and the tree is rebuilt from the journal whenever it does not match it.
            throw new CheckpointException("CheckpointWriteFailed", DeirfErrorKind.WriteError,
                $"Could not write the checkpoint of {incident}: {ex.Message.TrimEnd('.')}. The journal is untouched; create the checkpoint again once the disk is healthy.", incident, ex);
        }
    }

    private static (Checkpoint Checkpoint, string Path) CreateCore(Workspace ws, string incident, CheckpointSigner? signer, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var journal = ws.JournalOf(incident);
        using var tree = JournalTree.Open(journal, cancellationToken);
        if (tree.Size == 0)
        {
            throw new CheckpointException("JournalEmpty", DeirfErrorKind.InvalidOperation, $"The journal of {incident} has no entry to checkpoint.", incident);
        }
        var checkpoint = new Checkpoint(Checkpoint.OriginFor(ws.WorkspaceId, incident), tree.Size, tree.Tree.Root());
        var path = PathFor(ws, incident, tree.Size);
        if (File.Exists(path))
        {
            var existing = Checkpoint.Load(path);
            if (!existing.SameTreeHead(checkpoint))
            {
                throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                    $"Fork: the checkpoint of size {checkpoint.Size} on disk (root {existing.Root}, signed by {Signers(existing)}) differs from this journal's root {checkpoint.Root}: the journal was rewritten.", path);
            }
            checkpoint = existing;
        }
        if (signer is not null)
        {
            checkpoint = checkpoint.WithSignature(signer.Sign(checkpoint, CheckpointRole.Log, clock.GetUtcNow()));
        }
        checkpoint.Save(path);
        return (checkpoint, path);
    }

    /// <summary>
    /// Adds the signature lines of <paramref name="checkpoint"/> (already checked against this replica's journal) to the
    /// workspace's checkpoint of the same size, creating it when there is none; returns the workspace's copy. A copy on
    /// disk with another tree head is a fork (CheckpointFork), and nothing is written.
    /// </summary>
    public static Checkpoint MergeSignatures(Workspace ws, string incident, Checkpoint checkpoint)
    {
        var path = PathFor(ws, incident, checkpoint.Size);
        var merged = checkpoint;
        if (File.Exists(path))
        {
            var existing = Checkpoint.Load(path);
            if (!existing.SameTreeHead(checkpoint))
            {
                throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                    $"Fork: the workspace's checkpoint of size {checkpoint.Size} (root {existing.Root}, signed by {Signers(existing)}) differs from the one cosigned (root {checkpoint.Root}).", path);
            }
            merged = existing;
            foreach (var line in checkpoint.Signatures)
            {
                merged = merged.WithSignature(line);
            }
            if (merged.Signatures.Count == existing.Signatures.Count)
            {
                return existing;
            }
        }
        else
        {
            Directory.CreateDirectory(DirectoryFor(ws, incident));
        }
        merged.Save(path);
        return merged;
    }

    /// <summary>The checkpoints on disk for an incident, smallest first.</summary>
    public static IReadOnlyList<string> List(Workspace ws, string incident)
    {
        var dir = DirectoryFor(ws, incident);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*" + Extension).Order(StringComparer.Ordinal).ToList() : [];
    }

    internal static string Signers(Checkpoint cp) => cp.Signatures.Count == 0 ? "nobody" : string.Join(", ", cp.Signatures.Select(s => s.Name).Distinct());

    /// <summary>
    /// The automatic checkpoint after an append: when the journal crossed a multiple of the policy's "every", or an
    /// entry closed the incident. Signed by the appending actor's configured signing key when they have one (else
    /// written unsigned, for a signer or witnesses to sign later). Returns the path written, or null.
    /// </summary>
    public static string? AfterAppend(Workspace ws, JournalFile journal, IReadOnlyList<JournalEntry> appended, string actor, CancellationToken cancellationToken = default)
    {
        if (appended.Count == 0 || appended[0].Incident == Roster.JournalId)
        {
            return null;
        }
        var policy = CheckpointPolicy.Load(ws);
        long before = appended[0].Seq;
        long after = appended[^1].Seq + 1;
        bool crossed = policy.Every > 0 && before / policy.Every != after / policy.Every;
        bool closed = policy.OnClose && appended.Any(e => e.Kind == IncidentClosed.KindName);
        if (!crossed && !closed)
        {
            return null;
        }
        CheckpointSigner? signer = null;
        if (SigningKeys.For(ws.WorkspaceId, actor) is { } setting && !actor.Contains('+'))
        {
            signer = CheckpointSigner.FromKeyFile(actor, setting.KeyPath, setting.Kind, Roster.Load(ws));
        }
        return Create(ws, appended[0].Incident, signer, null, cancellationToken).Path;
    }

    /// <summary>
    /// An inclusion proof file (C2SP tlog-proof) for entry <paramref name="seq"/> against <paramref name="checkpoint"/>
    /// (default: the largest checkpoint on disk that covers it). The checkpoint's root must be this journal's.
    /// </summary>
    public static InclusionProof Prove(Workspace ws, string incident, long seq, Checkpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        var journal = ws.JournalOf(incident);
        using var tree = JournalTree.Open(journal, cancellationToken);
        checkpoint ??= BestCovering(ws, incident, seq)
            ?? throw new CheckpointException("CheckpointNotFound", DeirfErrorKind.NotFound,
                $"No checkpoint of {incident} covers entry {seq} yet. Make one with New-DeirfCheckpoint.", seq);
        var origin = Checkpoint.OriginFor(ws.WorkspaceId, incident);
        if (checkpoint.Origin != origin)
        {
            throw new CheckpointException("CheckpointOriginMismatch", DeirfErrorKind.InvalidArgument, $"The checkpoint is for '{checkpoint.Origin}', not this journal ('{origin}').", checkpoint.Origin);
        }
        if (seq < 0 || seq >= checkpoint.Size)
        {
            throw new CheckpointException("EntryNotInTree", DeirfErrorKind.InvalidArgument, $"Entry {seq} is not covered by the checkpoint of size {checkpoint.Size}.", seq);
        }
        if (checkpoint.Size > tree.Size || !tree.Tree.Root(checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                $"The checkpoint of size {checkpoint.Size} (root {checkpoint.Root}, signed by {Signers(checkpoint)}) is not a state of this journal ({tree.Size} entries).", checkpoint.Origin);
        }
        return new InclusionProof(seq, tree.EntryLine(seq), tree.Tree.InclusionProof(seq, checkpoint.Size), checkpoint);
    }

    /// <summary>
    /// The checkpoint a proof of <paramref name="seq"/> should embed when none is named: among this journal's
    /// checkpoints that cover it, the largest one the workspace's policy trusts; when
    /// none is trusted, the one with the most verified signers (roster keys, then the policy's public witnesses),
    /// the larger on a tie. So a newer unsigned automatic checkpoint never hides an older cosigned one.
    /// </summary>
    private static Checkpoint? BestCovering(Workspace ws, string incident, long seq)
    {
        var candidates = List(ws, incident).Reverse().Select(Checkpoint.Load)
            .Where(cp => cp.Size > seq).ToList();
        if (candidates.Count <= 1)
        {
            return candidates.FirstOrDefault();
        }
        var keys = NoteVerifierKey.FromRoster(Identity.Roster.Load(ws));
        var policy = CheckpointPolicy.Load(ws);
        var rolesOf = ws.GetIncident(incident).RolesOf;
        Checkpoint? best = null;
        int bestScore = -1;
        foreach (var cp in candidates)
        {
            var verdict = CheckpointVerdict.Judge(cp, keys, policy, rolesOf);
            if (verdict.IsTrusted)
            {
                return cp;
            }
            var score = (verdict.IsValid ? verdict.LogSigners.Count + verdict.Cosigners.Count : 0) + policy.DisclosureCosigners(cp).Count;
            if (score > bestScore)
            {
                (best, bestScore) = (cp, score);
            }
        }
        return best;
    }
}
