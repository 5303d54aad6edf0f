using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Evidence;

/// <summary>One captured file as its chain-of-custody entry ("evidence.added") records it.</summary>
public sealed class EvidenceItem
{
    /// <summary>"sha256:" and 64 lowercase hex digits, as in the journal.</summary>
    public string Hash { get; init; } = string.Empty;

    /// <summary>The SHA-256 alone (64 lowercase hex digits), as sha256sum prints it.</summary>
    public string Sha256 => Hash.StartsWith(EvidenceAdded.HashPrefix, StringComparison.Ordinal) ? Hash[EvidenceAdded.HashPrefix.Length..] : Hash;
    public long Size { get; init; }

    /// <summary>The file's path on the collecting machine when it was captured.</summary>
    public string OriginalPath { get; init; } = string.Empty;
    public string Name { get; init; } = string.Empty;

    /// <summary>What the evidence is about (a pod, a host, an account), when given.</summary>
    public string? Target { get; init; }
    public string Collector { get; init; } = string.Empty;
    public DateTimeOffset CollectedAt { get; init; }

    /// <summary>Where the bytes are kept: the read-only object in the evidence store.</summary>
    public string StoredPath { get; init; } = string.Empty;
    public string Incident { get; init; } = string.Empty;

    /// <summary>The sequence number of the custody entry in the incident's journal.</summary>
    public long Seq { get; init; }

    /// <summary>The hash of the custody entry: what a checkpoint or a colleague's copy can confirm.</summary>
    public string EntryHash { get; init; } = string.Empty;

    /// <summary>Reads an "evidence.added" entry; null for entries of other kinds.</summary>
    public static EvidenceItem? FromEntry(JournalEntry entry, IEvidenceStore store)
    {
        if (entry.Kind != EvidenceAdded.KindName)
        {
            return null;
        }
        var hash = EntryKinds.Text(entry.Body, "hash");
        var hex = hash.StartsWith(EvidenceAdded.HashPrefix, StringComparison.Ordinal) ? hash[EvidenceAdded.HashPrefix.Length..] : hash;
        string stored;
        try
        {
            stored = entry.Body.TryGetValue("stored", out var recorded) && recorded is string { Length: > 0 } at ? at : store.LocationOf(hex);
        }
        catch (DeirfException)
        {
            stored = string.Empty;
        }
        return new EvidenceItem
        {
            Hash = hash,
            // Body numbers come back as double (JsonValues): sizes up to 2^53 convert exactly.
            Size = entry.Body.TryGetValue("size", out var s) && s is long or double ? Convert.ToInt64(s, System.Globalization.CultureInfo.InvariantCulture) : -1,
            OriginalPath = EntryKinds.Text(entry.Body, "path"),
            Name = EntryKinds.Text(entry.Body, "name"),
            Target = entry.Body.TryGetValue("target", out var t) ? t as string : null,
            Collector = EntryKinds.Text(entry.Body, "collector"),
            CollectedAt = entry.Timestamp,
            StoredPath = stored,
            Incident = entry.Incident,
            Seq = entry.Seq,
            EntryHash = entry.Hash,
        };
    }

    public override string ToString() => $"{Incident}#{Seq} {Name} {Hash} ({Size} bytes)";
}

/// <summary>The result of re-hashing one stored evidence item against its custody entry.</summary>
public sealed class EvidenceVerdict
{
    public bool IsValid { get; init; }
    public EvidenceFault Fault { get; init; }

    /// <summary>Why the item is not valid, in a sentence; null when it is.</summary>
    public string? Reason { get; init; }

    /// <summary>The hash recorded at capture ("sha256:…").</summary>
    public string Hash { get; init; } = string.Empty;

    /// <summary>What the stored bytes hash to now ("sha256:…"); null when they could not be read.</summary>
    public string? ActualHash { get; init; }
    public long Size { get; init; }

    /// <summary>The original path recorded at capture.</summary>
    public string Path { get; init; } = string.Empty;
    public string StoredPath { get; init; } = string.Empty;
    public string Incident { get; init; } = string.Empty;
    public long Seq { get; init; }

    public override string ToString() => IsValid ? $"{Path}: valid {Hash}" : $"{Path}: {Fault}: {Reason}";
}
