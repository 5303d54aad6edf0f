using System.Buffers.Binary;
using System.Globalization;
using DeIRF.Extensions;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Disclosure;

/// <summary>A disclosure could not be read, prepared or anchored.</summary>
public sealed class DisclosureException : DeirfException
{
    public DisclosureException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
    }
}

/// <summary>
/// The on-chain message, version 1: exactly 91 bytes of transaction calldata,
/// <c>"deirf-disclosure-v1"</c> (19 ASCII bytes) ‖ SHA-256 of the disclosure text (32) ‖ the journal head entry's hash
/// (32) ‖ the head's seq (8, unsigned big-endian). Anyone holding the text and the journal can recompute it; a newer
/// layout gets a new prefix, never a changed v1.
/// </summary>
public static class DisclosureMessage
{
    public const string Version = "deirf-disclosure-v1";
    public const int Length = 19 + 32 + 32 + 8;
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes(Version);

    public static byte[] Encode(byte[] digest, string headHash, long headSeq)
    {
        if (digest.Length != 32)
        {
            throw new ArgumentException("The digest is a SHA-256 (32 bytes).", nameof(digest));
        }
        var head = Convert.FromHexString(headHash);
        if (head.Length != 32 || headSeq < 0)
        {
            throw new ArgumentException("The head is a 64-hex entry hash and a seq ≥ 0.", nameof(headHash));
        }
        var bytes = new byte[Length];
        Prefix.CopyTo(bytes, 0);
        digest.CopyTo(bytes, 19);
        head.CopyTo(bytes, 51);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(83), (ulong)headSeq);
        return bytes;
    }

    /// <summary>Reads a v1 message back (digest hex, head hash hex, head seq), or null when the bytes are not one.</summary>
    public static (string Digest, string HeadHash, long HeadSeq)? Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length != Length || !data[..19].SequenceEqual(Prefix))
        {
            return null;
        }
        var seq = BinaryPrimitives.ReadUInt64BigEndian(data[83..]);
        return seq > long.MaxValue ? null
            : (Convert.ToHexString(data[19..51]).ToLowerInvariant(), Convert.ToHexString(data[51..83]).ToLowerInvariant(), (long)seq);
    }
}

/// <summary>What a disclosure is published against: the text's digest and the incident journal's verified head.</summary>
public sealed class DisclosureDraft
{
    public string Incident { get; init; } = string.Empty;
    public string Path { get; init; } = string.Empty;
    public string File { get; init; } = string.Empty;
    public long Size { get; init; }

    /// <summary>SHA-256 of the file's bytes, lowercase hex.</summary>
    public string Digest { get; init; } = string.Empty;
    public long HeadSeq { get; init; }
    public string HeadHash { get; init; } = string.Empty;

    /// <summary>The latest checkpoint root; null while the workspace has no checkpoints (the head is anchored instead).</summary>
    public string? CheckpointRoot { get; init; }

    /// <summary>The checkpoint size the policy's public witnesses cosigned, when the checkpoint policy requires them.</summary>
    public long? WitnessedSize { get; init; }

    /// <summary>The public witnesses (names) that cosigned it.</summary>
    public IReadOnlyList<string> Witnesses { get; init; } = [];

    public byte[] DigestBytes => Convert.FromHexString(Digest);

    /// <summary>The v1 calldata (<see cref="DisclosureMessage"/>).</summary>
    public byte[] Message => DisclosureMessage.Encode(DigestBytes, HeadHash, HeadSeq);
}

/// <summary>Everything the chain side needs to send the message; the key comes from <see cref="Secrets"/> only.</summary>
public sealed record DisclosureAnchorRequest(string Target, string Rpc, byte[] Message, IReadOnlyDictionary<string, string> Secrets, TimeSpan Timeout);

/// <summary>Read-only look before sending: the node is on the target's chain; who would send; the block now.</summary>
public sealed record DisclosureAnchorPlan(string Target, string ChainId, string? Sender, long Block, IReadOnlyList<string> Warnings);

/// <summary>The mined transaction, read back: its calldata was checked to be the message exactly.</summary>
public sealed record DisclosureAnchorReceipt(string Target, string Transaction, long Block, string From);

/// <summary>Sends the disclosure message to a chain (DeIRF.Providers.Chain's DisclosureAnchor for eip155 targets).</summary>
public interface IDisclosureAnchor
{
    Task<DisclosureAnchorPlan> PlanAsync(DisclosureAnchorRequest request, CancellationToken cancellationToken);

    /// <summary>Sends, waits for the receipt, reads the transaction back and compares to, from and calldata.</summary>
    Task<DisclosureAnchorReceipt> SendAsync(DisclosureAnchorRequest request, CancellationToken cancellationToken);
}

/// <summary>Disclosure publication: prepare (digest + verified head), anchor (optional), record (one journal entry).</summary>
public static class Disclosures
{
    /// <summary>Disclosures are text for people: larger files are refused rather than hashed by mistake.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;


    /// <summary>Used instead of the chain anchor (tests).</summary>
    public static IDisclosureAnchor? Override { get; set; }

    /// <summary>Hashes the file and verifies the incident journal; its head is what the disclosure is published against.</summary>
    public static DisclosureDraft Prepare(Workspace ws, string incidentId, string path, CancellationToken cancellationToken = default)
    {
        var incident = ws.GetIncident(incidentId);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new DisclosureException("DisclosureFileNotFound", DeirfErrorKind.NotFound, $"The disclosure text '{path}' does not exist.", path);
        }
        if (info.Length == 0 || info.Length > MaxBytes)
        {
            throw new DisclosureException("DisclosureFileSize", DeirfErrorKind.InvalidArgument,
                $"The disclosure text '{info.Name}' is {info.Length} bytes: it must be 1 byte to {MaxBytes / (1024 * 1024)} MiB.", path);
        }
        byte[] digest;
        using (var stream = info.OpenRead())
        {
            digest = SHA256.HashData(stream);
        }
        var verdict = ws.JournalOf(incident.Id).Verify(new JournalVerifyOptions { ExpectedIncident = incident.Id, CancellationToken = cancellationToken });
        if (!verdict.IsValid || verdict.HeadSeq is null || verdict.HeadHash is null)
        {
            throw new DisclosureException("DisclosureJournalInvalid", DeirfErrorKind.InvalidData,
                $"The journal of {incident.Id} does not verify ({verdict.Reason}): a disclosure is not anchored to a broken journal. Run Test-DeirfJournal.", incident.Id);
        }
        var policy = Checkpoints.CheckpointPolicy.Load(ws);
        (Checkpoints.Checkpoint Checkpoint, IReadOnlyList<string> Witnesses)? witnessed = policy.MinDisclosureWitnesses > 0 ? RequireWitnessed(ws, incident.Id, policy, cancellationToken) : null;
        return new DisclosureDraft
        {
            Incident = incident.Id, Path = info.FullName, File = info.Name, Size = info.Length,
            Digest = Convert.ToHexString(digest).ToLowerInvariant(), HeadSeq = verdict.HeadSeq.Value, HeadHash = verdict.HeadHash,
            CheckpointRoot = witnessed is { } w ? Convert.ToHexString(w.Checkpoint.RootHash).ToLowerInvariant() : LatestCheckpointRoot(ws, incident.Id),
            WitnessedSize = witnessed?.Checkpoint.Size, Witnesses = witnessed?.Witnesses ?? [],
        };
    }

    /// <summary>
    /// The checkpoint policy's "disclosure" rule: before anything is published or sent, the newest checkpoint of the
    /// incident that at least <c>min</c> of the policy's public witnesses cosigned must be this replica's tree at its
    /// size and cover the whole journal but for the checkpoint.witnessed entries that record those cosignatures. So
    /// what the disclosure states was seen by parties outside the team, and one responder cannot show them one history
    /// and the public another. Refused: DisclosureNotWitnessed, naming what is missing.
    /// </summary>
    private static (Checkpoints.Checkpoint Checkpoint, IReadOnlyList<string> Witnesses) RequireWitnessed(Workspace ws, string incident, Checkpoints.CheckpointPolicy policy, CancellationToken cancellationToken)
    {
        var journal = ws.JournalOf(incident);
        long covered = 0;
        long count = 0;
        foreach (var entry in journal.ReadEntries(cancellationToken))
        {
            count = entry.Seq + 1;
            if (entry.Kind != Journal.Kinds.CheckpointWitnessed.KindName)
            {
                covered = entry.Seq + 1;
            }
        }
        using var tree = Checkpoints.JournalTree.Open(journal, cancellationToken);
        string best = "no checkpoint of the incident carries a cosignature of those witnesses";
        foreach (var path in Checkpoints.CheckpointLog.List(ws, incident).Reverse())
        {
            var cp = Checkpoints.Checkpoint.Load(path);
            var cosigners = policy.DisclosureCosigners(cp);
            if (cosigners.Count < policy.MinDisclosureWitnesses)
            {
                if (cosigners.Count > 0 && best.StartsWith("no ", StringComparison.Ordinal))
                {
                    best = $"the checkpoint of size {cp.Size} has {cosigners.Count} of them ({string.Join(", ", cosigners)})";
                }
                continue;
            }
            if (cp.Size > tree.Size || !tree.Tree.Root(cp.Size).AsSpan().SequenceEqual(cp.RootHash))
            {
                throw new DisclosureException("DisclosureNotWitnessed", DeirfErrorKind.SecurityError,
                    $"The witnessed checkpoint of {incident} (size {cp.Size}) is not this replica's journal: the witnesses saw another history. Nothing was published.", incident);
            }
            if (cp.Size < covered)
            {
                throw new DisclosureException("DisclosureNotWitnessed", DeirfErrorKind.InvalidOperation,
                    $"The checkpoint policy requires {policy.MinDisclosureWitnesses} public witness(es) ({string.Join(", ", policy.DisclosureWitnesses.Select(k => k.Name))}) to have seen the journal a disclosure states: the newest witnessed checkpoint of {incident} has {cp.Size} of its {covered} entries. Write a checkpoint (New-DeirfCheckpoint) and Submit-DeirfCheckpoint it to the witnesses first. Nothing was published.", incident);
            }
            return (cp, cosigners);
        }
        throw new DisclosureException("DisclosureNotWitnessed", DeirfErrorKind.InvalidOperation,
            $"The checkpoint policy requires {policy.MinDisclosureWitnesses} public witness(es) of {string.Join(", ", policy.DisclosureWitnesses.Select(k => k.Name))} to cosign the journal before a disclosure, and {best} ({count} entries). Submit-DeirfCheckpoint to them first. Nothing was published.", incident);
    }

    /// <summary>The root (hex) of the newest checkpoint written for the incident, or null when there is none yet.</summary>
    private static string? LatestCheckpointRoot(Workspace ws, string incident)
        => Checkpoints.CheckpointLog.List(ws, incident).LastOrDefault() is { } path
            ? Convert.ToHexString(Checkpoints.Checkpoint.Load(path).RootHash).ToLowerInvariant()
            : null;

    /// <summary>The chain anchor for <paramref name="target"/> (eip155 CAIP-10 ids), loaded next to the engine on first use.</summary>
    public static IDisclosureAnchor AnchorFor(string target)
    {
        if (Override is { } o)
        {
            return o;
        }
        if (!target.StartsWith("eip155:", StringComparison.Ordinal))
        {
            throw new DisclosureException("DisclosureTargetInvalid", DeirfErrorKind.InvalidArgument,
                $"'{target}' is not an on-chain target: give a CAIP-10 id, eip155:<chain id>:<checksummed address>.", target);
        }
        var entry = ExtensionCatalog.Find(ExtensionPoints.DisclosureAnchor, "eip155")
            ?? throw new DisclosureException("DisclosureAnchorUnavailable", DeirfErrorKind.ResourceUnavailable,
                $"No disclosure anchor for eip155 is installed next to the engine (the module ships it in DeIRF.Providers.Chain).", target);
        try
        {
            return entry.Instance<IDisclosureAnchor>();
        }
        catch (ExtensionException ex)
        {
            throw new DisclosureException("DisclosureAnchorUnavailable", DeirfErrorKind.ResourceUnavailable,
                $"The chain anchor ({entry.AssemblyName}) could not be loaded: {ex.Message}", target, ex);
        }
    }

    /// <summary>The disclosure.published body (checked by the kind before it is appended).</summary>
    public static JsonObject Body(DisclosureDraft draft, DisclosureAnchorReceipt? receipt)
    {
        var body = new JsonObject
        {
            ["digest"] = "sha256:" + draft.Digest, ["file"] = draft.File, ["size"] = draft.Size,
            ["head_seq"] = draft.HeadSeq, ["head_hash"] = draft.HeadHash,
        };
        if (draft.CheckpointRoot is not null)
        {
            body["checkpoint_root"] = draft.CheckpointRoot;
        }
        if (draft.WitnessedSize is { } size)
        {
            body["witnessed"] = new JsonObject { ["size"] = size, ["witnesses"] = new JsonArray(draft.Witnesses.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()) };
        }
        if (receipt is not null)
        {
            body["chain"] = new JsonObject
            {
                ["target"] = receipt.Target, ["transaction"] = receipt.Transaction, ["block"] = receipt.Block, ["from"] = receipt.From,
                ["encoding"] = DisclosureMessage.Version,
            };
        }
        EntryKinds.Validate(DisclosurePublished.KindName, body);
        return body;
    }

    /// <summary>Appends the disclosure.published entry (after the transaction was mined, when there is one).</summary>
    public static JournalEntry Record(Workspace ws, DisclosureDraft draft, DisclosureAnchorReceipt? receipt, string actor, JournalAppendOptions options)
        => ws.JournalOf(draft.Incident).Append(new StatementDraft(DisclosurePublished.KindName, actor, Body(draft, receipt)), options);

    public static string Describe(DisclosureDraft draft) => string.Create(CultureInfo.InvariantCulture,
        $"{draft.File} ({draft.Size} bytes, sha256:{draft.Digest}) against {draft.Incident} journal head #{draft.HeadSeq} {draft.HeadHash}");
}
