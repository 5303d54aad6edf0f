using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Evidence;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Checkpoints;

/// <summary>What a witness last cosigned for one origin.</summary>
public sealed record WitnessState(string Origin, long Size, byte[] RootHash, IReadOnlyList<string> Signers, DateTimeOffset CosignedAt)
{
    public string Root => Convert.ToBase64String(RootHash);
}

/// <summary>
/// A witness's memory, per machine and per witness handle: for each origin, the largest checkpoint it cosigned.
/// Kept in &lt;DeIRF configuration folder&gt;/witness/&lt;handle&gt;/&lt;SHA-256 of the origin&gt;.json, written
/// under a lock by temp file + rename. The origin is always the journal's own (computed by the caller from its own
/// workspace and incident), never one a checkpoint reports: a log that announces a new name gets a new, empty state
/// only if it really is another journal (immudb CVE-2022-39199).
/// </summary>
public sealed class WitnessBook
{
    public WitnessBook(string directory, string witness)
    {
        NoteKeys.CheckName(witness);
        Witness = witness;
        Directory = Path.Combine(directory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(witness))).ToLowerInvariant()[..16]);
    }

    /// <summary>Beside the signing-key settings ($DEIRF_SIGNING_CONFIG's folder), outside every workspace.</summary>
    public static WitnessBook ForThisMachine(string witness)
        => new(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(SigningKeys.ConfigPath))!, "witness"), witness);

    public string Witness { get; }
    public string Directory { get; }

    public string StatePath(string origin)
        => Path.Combine(Directory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(origin))).ToLowerInvariant() + ".json");

    public WitnessState? Load(string origin)
    {
        var path = StatePath(origin);
        if (!File.Exists(path))
        {
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var r = doc.RootElement;
        var stored = r.GetProperty("origin").GetString();
        if (stored != origin)
        {
            throw new CheckpointException("WitnessStateInvalid", DeirfErrorKind.InvalidData, $"Witness state '{path}' is for '{stored}', not '{origin}'.", path);
        }
        return new WitnessState(origin, r.GetProperty("size").GetInt64(), Convert.FromBase64String(r.GetProperty("root").GetString()!),
            r.GetProperty("signers").EnumerateArray().Select(e => e.GetString()!).ToList(), DateTimeOffset.Parse(r.GetProperty("cosignedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Cosigns <paramref name="checkpoint"/> for <paramref name="origin"/> if it extends what this witness cosigned
    /// before: same origin; larger size with a consistency proof (from <paramref name="consistencyProof"/>) that
    /// verifies from the remembered root; or the very same tree head again. The same size with another root is a
    /// fork, reported naming the signers of both. Check, state write and signature happen under the state's lock.
    /// </summary>
    public (Checkpoint Cosigned, WitnessState? Previous) Cosign(string origin, Checkpoint checkpoint, IReadOnlyList<string> signers,
        Func<long, long, IReadOnlyList<byte[]>> consistencyProof, CheckpointSigner signer, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        if (checkpoint.Origin != origin)
        {
            throw new CheckpointException("CheckpointOriginMismatch", DeirfErrorKind.SecurityError,
                $"The checkpoint names origin '{checkpoint.Origin}', but this journal is '{origin}': refusing to cosign.", checkpoint.Origin);
        }
        System.IO.Directory.CreateDirectory(Directory);
        var path = StatePath(origin);
        using var _ = JournalLock.Acquire(path + ".lock", TimeSpan.FromSeconds(30));
        var previous = Load(origin);
        var who = signers.Count == 0 ? "nobody" : string.Join(", ", signers);
        if (previous is not null)
        {
            if (checkpoint.Size == previous.Size && !checkpoint.RootHash.AsSpan().SequenceEqual(previous.RootHash))
            {
                throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                    $"Fork of {origin} at size {checkpoint.Size}: the checkpoint signed by {who} has root {checkpoint.Root}, but {Witness} cosigned root {previous.Root} signed by {string.Join(", ", previous.Signers.DefaultIfEmpty("nobody"))} on {previous.CosignedAt:u}.",
                    checkpoint.Origin);
            }
            if (checkpoint.Size < previous.Size)
            {
                throw new CheckpointException("CheckpointOutdated", DeirfErrorKind.InvalidOperation,
                    $"{Witness} already cosigned {origin} at size {previous.Size}; a cosignature says 'the largest tree I have seen', so size {checkpoint.Size} is not cosigned again.", checkpoint.Origin);
            }
            // Every tree extends the empty one: from size 0 there is nothing to prove (C2SP tlog-witness "old 0").
            if (checkpoint.Size > previous.Size && previous.Size > 0)
            {
                var proof = consistencyProof(previous.Size, checkpoint.Size);
                if (Merkle.CheckConsistency(previous.Size, checkpoint.Size, previous.RootHash, checkpoint.RootHash, proof) is { } why)
                {
                    throw new CheckpointException("CheckpointInconsistent", DeirfErrorKind.SecurityError,
                        $"The checkpoint of {origin} at size {checkpoint.Size} signed by {who} does not extend the one {Witness} cosigned at size {previous.Size} (root {previous.Root}, signed by {string.Join(", ", previous.Signers.DefaultIfEmpty("nobody"))}): {why}. History was rewritten or forked.",
                        checkpoint.Origin);
                }
            }
        }
        var now = clock.GetUtcNow();
        var cosigned = checkpoint.WithSignature(signer.Sign(checkpoint, CheckpointRole.Witness, now));
        var state = new JsonObject
        {
            ["cosignedAt"] = Journal.Timestamps.ToJournal(now),
            ["origin"] = origin,
            ["root"] = checkpoint.Root,
            ["signers"] = new JsonArray(signers.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            ["size"] = checkpoint.Size,
        };
        Workspaces.AtomicFile.Write(path, CanonicalJson.Serialize(state));
        return (cosigned, previous);
    }

    /// <summary>
    /// The witness step as a responder runs it in their replica: the origin is computed from this workspace and the
    /// incident named in the checkpoint (which must be this workspace's); the checkpoint's signatures from roster keys
    /// must not fail; the replica's own tree must have the same root at that size; then <see cref="Cosign"/> with
    /// consistency proofs from the replica's tree. Writes the cosigned checkpoint back to <paramref name="path"/>.
    /// </summary>
    public static (Checkpoint Cosigned, CheckpointVerdict Verdict, WitnessState? Previous) CosignInReplica(Workspace ws, string path, CheckpointSigner signer,
        TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        var checkpoint = Checkpoint.Load(path);
        var prefix = $"deirf.local/{ws.WorkspaceId}/";
        if (!checkpoint.Origin.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new CheckpointException("CheckpointOriginMismatch", DeirfErrorKind.SecurityError,
                $"The checkpoint names origin '{checkpoint.Origin}', which is not a journal of this workspace ({ws.WorkspaceId}): refusing to cosign.", checkpoint.Origin);
        }
        var incident = Workspace.ValidateIncidentId(checkpoint.Origin[prefix.Length..]);
        // The state key: this workspace's own id and an incident that exists here, never the text the checkpoint carries.
        var origin = Checkpoint.OriginFor(ws.WorkspaceId, incident);
        var journal = ws.JournalOf(incident);
        var roster = Roster.Load(ws);
        var verdict = CheckpointVerdict.Judge(checkpoint, NoteVerifierKey.FromRoster(roster), CheckpointPolicy.Load(ws));
        if (verdict.Signatures.FirstOrDefault(s => s.Status == NoteSignatureStatus.Failed) is { } bad)
        {
            throw new CheckpointException("CheckpointSignatureInvalid", DeirfErrorKind.SecurityError,
                $"Refusing to cosign: the signature of '{bad.Name}' on the checkpoint does not verify ({bad.Reason}).", path);
        }
        using var tree = JournalTree.Open(journal, cancellationToken);
        var signers = verdict.Signatures.Where(s => s.Status == NoteSignatureStatus.Verified).Select(s => s.Name).Distinct().ToList();
        if (checkpoint.Size < 1)
        {
            throw new CheckpointException("CheckpointEmpty", DeirfErrorKind.InvalidData,
                $"The checkpoint of {incident} is of an empty tree (size 0): a DeIRF journal always has its genesis entry, so no replica cosigns it.", path);
        }
        if (tree.Size < checkpoint.Size)
        {
            throw new CheckpointException("CheckpointAhead", DeirfErrorKind.InvalidOperation,
                $"This replica of {incident} has {tree.Size} entries; the checkpoint covers {checkpoint.Size}. Bring the journal up to date first, then cosign.", path);
        }
        if (!tree.Tree.Root(checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                $"Fork of {origin} at size {checkpoint.Size}: the checkpoint signed by {string.Join(", ", signers.DefaultIfEmpty("nobody"))} has root {checkpoint.Root}, this replica's journal has root {Convert.ToBase64String(tree.Tree.Root(checkpoint.Size))}.", path);
        }
        var book = ForThisMachine(signer.Handle);
        var (cosigned, previous) = book.Cosign(origin, checkpoint, signers, (m, n) => tree.Tree.ConsistencyProof(m, n), signer, clock);
        cosigned.Save(path);
        // The workspace's own copy gets every signature too, wherever the file that was cosigned lives: inclusion
        // proofs embed the workspace's checkpoints, and sync carries them to the other replicas.
        var merged = CheckpointLog.MergeSignatures(ws, incident, cosigned);
        return (merged, CheckpointVerdict.Judge(merged, NoteVerifierKey.FromRoster(roster), CheckpointPolicy.Load(ws)), previous);
    }
}
