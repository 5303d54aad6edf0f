namespace DeIRF.Evidence;

/// <summary>
/// A write-once, content-addressed store of evidence bytes, keyed by SHA-256. The local store lives in the workspace;
/// S3EvidenceStore (DeIRF.Providers.S3) keeps them in an S3 object-lock bucket under the same contract; EvidenceStores picks the
/// one a workspace is configured to use.
/// </summary>
public interface IEvidenceStore
{
    /// <summary>Where the objects live, for messages (a folder, a bucket URL).</summary>
    string Location { get; }

    /// <summary>
    /// Streams <paramref name="content"/> once through SHA-256 while storing it; publishes it under its hash only when
    /// complete and durable, and only if no object with that hash exists (identical content is stored once; nothing is
    /// ever overwritten). A failure or cancellation leaves no object and no temporary file behind.
    /// </summary>
    StoredEvidence Put(Stream content, EvidencePutOptions? options = null);

    /// <summary>Opens a stored object for reading. Throws EvidenceObjectNotFound when it is not there.</summary>
    Stream Open(string sha256);

    bool Exists(string sha256);

    /// <summary>Re-hashes a stored object and compares it with what was recorded at capture.</summary>
    EvidenceCheck Verify(string sha256, long expectedSize, CancellationToken cancellationToken = default);

    /// <summary>Where the object with this hash is (or would be) stored: a path or a URL.</summary>
    string LocationOf(string sha256);
}

public sealed record EvidencePutOptions
{
    public static readonly EvidencePutOptions Default = new();

    /// <summary>
    /// The size the source reported before reading. When set, a different number of bytes read means the source
    /// changed during capture (EvidenceChangedDuringCapture) and nothing is stored.
    /// </summary>
    public long? ExpectedSize { get; init; }

    /// <summary>Names the source in error messages and as the error target (the original path).</summary>
    public string? SourceName { get; init; }

    /// <summary>Store a 0-byte object. Refused by default: an empty upload is the classic silent evidence loss.</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>Called on the calling thread with the bytes stored so far.</summary>
    public Action<long>? Progress { get; init; }

    public CancellationToken CancellationToken { get; init; }
}

/// <summary>What a put stored: the SHA-256 (lowercase hex), size, where it is, and whether it was there already.</summary>
public sealed record StoredEvidence(string Sha256, long Size, string StoredPath, bool AlreadyStored);

/// <summary>Why a stored item no longer matches its capture record.</summary>
public enum EvidenceFault
{
    None,

    /// <summary>The stored bytes hash to something else.</summary>
    Changed,

    /// <summary>The stored object is gone.</summary>
    Vanished,

    /// <summary>The stored object has another size than was recorded.</summary>
    SizeDiffers,

    /// <summary>The stored object exists but cannot be read.</summary>
    Unreadable,
}

/// <summary>The result of re-hashing one stored object.</summary>
public sealed record EvidenceCheck(EvidenceFault Fault, string? Reason, string? ActualSha256, long? ActualSize)
{
    public bool IsValid => Fault == EvidenceFault.None;

    /// <summary>The verdict on a stored object that was read to its end: its size first, then its SHA-256.</summary>
    public static EvidenceCheck Judge(string sha256, long expectedSize, string actualSha256, long actualSize)
        => actualSize != expectedSize
            ? new EvidenceCheck(EvidenceFault.SizeDiffers, $"The stored object has {actualSize} bytes; {expectedSize} were captured.", actualSha256, actualSize)
            : actualSha256 != sha256
                ? new EvidenceCheck(EvidenceFault.Changed, $"The stored bytes hash to sha256:{actualSha256}, not the captured sha256:{sha256}.", actualSha256, actualSize)
                : new EvidenceCheck(EvidenceFault.None, null, actualSha256, actualSize);
}
