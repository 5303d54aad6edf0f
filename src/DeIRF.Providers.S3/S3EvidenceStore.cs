using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.S3.Model;
using DeIRF.Evidence;
using DeIRF.Readiness;

namespace DeIRF.Providers.S3;

/// <summary>
/// The evidence store in an S3 bucket (AWS, or any S3-compatible server through an endpoint): one object per distinct
/// content under &lt;prefix&gt;sha256/&lt;hex&gt;. A put hashes the source first (the key is the hash), asks whether the
/// object exists (identical content is stored once), then uploads with x-amz-checksum-sha256 — one PutObject up to the
/// part size, else a multipart upload with a SHA-256 per part whose failed parts are retried and which is aborted on any
/// failure — with If-None-Match: * and, when the bucket has object lock, the configured mode and retain-until date.
/// The bytes sent are hashed again on the way out: a source that changed between the passes is never completed.
/// Servers that ignore If-None-Match or checksums (s3rver) are covered by the HEAD before and after.
/// Credentials come only from the standard AWS chain (environment, shared profile); they never appear in messages.
/// </summary>
public sealed class S3EvidenceStore : IEvidenceStore, IObjectLockCheck, IDisposable
{
    private const int HashChunk = 1 << 20;

    private readonly IAmazonS3 _client;
    private readonly string[] _redact;
    private ObjectLockReadiness? _lock;

    public S3EvidenceStore(EvidenceStoreSettings settings)
        : this(settings, CreateClient(settings, null, out var redact), redact)
    {
    }

    /// <summary>With given credentials (tests and the bench, which must not touch the process environment).</summary>
    internal S3EvidenceStore(EvidenceStoreSettings settings, AWSCredentials credentials)
        : this(settings, CreateClient(settings, credentials, out var redact), redact)
    {
    }

    internal S3EvidenceStore(EvidenceStoreSettings settings, IAmazonS3 client, string[]? redact = null)
    {
        settings.Validate();
        if (settings.Kind != EvidenceStoreKind.S3)
        {
            throw new ArgumentException("The settings are not for an S3 store.", nameof(settings));
        }
        Settings = settings;
        _client = client;
        _redact = redact ?? [];
    }

    public EvidenceStoreSettings Settings { get; }
    public string Bucket => Settings.Bucket!;
    public string Location => $"s3://{Bucket}/{Settings.Prefix}";

    /// <summary>Waits before each retry of a failed part or completion (and so how many retries there are).</summary>
    internal TimeSpan[] PartRetryDelays { get; set; } = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>How many parts are on their way at once (each holds one part in memory).</summary>
    internal int PartConcurrency { get; set; } = 4;

    /// <summary>How many part uploads (and completions) were retried, and how many aborts failed (the server was gone), since creation.</summary>
    public int PartRetries => _partRetries;
    private int _partRetries;
    public int FailedAborts { get; private set; }

    public string LocationOf(string sha256) => Settings.LocationOf(sha256)!;

    /// <summary>The client: the endpoint (path-style) when set, credentials from the default chain or the named profile.</summary>
    internal static IAmazonS3 CreateClient(EvidenceStoreSettings settings, AWSCredentials? given, out string[] redact)
    {
        var config = new AmazonS3Config
        {
            // We send our own SHA-256 per request; no SDK-computed CRC trailers (which need chunked encoding).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 2,
        };
        if (settings.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = settings.Region;
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }
        AWSCredentials credentials;
        try
        {
            if (given is not null)
            {
                credentials = given;
            }
            else if (settings.Profile is { } profile)
            {
                if (!new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out credentials))
                {
                    throw new EvidenceStoreException("EvidenceStoreCredentialsMissing", DeirfErrorKind.SecurityError,
                        $"No AWS profile '{profile}' in the shared config or credentials files on this machine.", profile);
                }
            }
            else
            {
                credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(config);
            }
        }
        catch (AmazonClientException)
        {
            throw new EvidenceStoreException("EvidenceStoreCredentialsMissing", DeirfErrorKind.SecurityError,
                "No AWS credentials on this machine for the S3 evidence store: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or configure a profile (aws configure). DeIRF never stores them.",
                settings.Bucket);
        }
        try
        {
            var current = credentials.GetCredentials();
            redact = new[] { current.AccessKey, current.SecretKey, current.Token }.Where(s => !string.IsNullOrEmpty(s)).ToArray()!;
        }
        catch (AmazonClientException)
        {
            redact = [];
        }
        return new AmazonS3Client(credentials, config);
    }

    public bool Exists(string sha256) => Head(Settings.KeyOf(sha256), CancellationToken.None) is not null;

    public Stream Open(string sha256)
    {
        var key = Settings.KeyOf(sha256);
        try
        {
            var response = _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }).GetAwaiter().GetResult();
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new DeirfException("EvidenceObjectNotFound", DeirfErrorKind.NotFound, $"No stored evidence object sha256:{sha256} in '{Location}'.", LocationOf(sha256));
        }
        catch (Exception ex) when (IsTransport(ex))
        {
            throw Failure("EvidenceStoreReadFailed", DeirfErrorKind.ResourceUnavailable, "GetObject", key, ex);
        }
    }

    public EvidenceCheck Verify(string sha256, long expectedSize, CancellationToken cancellationToken = default)
    {
        var key = Settings.KeyOf(sha256);
        GetObjectResponse response;
        try
        {
            response = _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).GetAwaiter().GetResult();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return new EvidenceCheck(EvidenceFault.Vanished, $"The stored object '{LocationOf(sha256)}' is gone.", null, null);
        }
        catch (Exception ex) when (IsTransport(ex))
        {
            return new EvidenceCheck(EvidenceFault.Unreadable, Failure("EvidenceStoreReadFailed", DeirfErrorKind.ResourceUnavailable, "GetObject", key, ex).Message, null, null);
        }
        using (response)
        {
            try
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = ArrayPool<byte>.Shared.Rent(HashChunk);
                long size = 0;
                try
                {
                    int n;
                    while ((n = response.ResponseStream.Read(buffer, 0, HashChunk)) > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        sha.AppendData(buffer, 0, n);
                        size += n;
                    }
                }
                catch (AmazonClientException) when (size == response.ContentLength)
                {
                    // The SDK's own end-of-body check (the ETag's MD5) failed: every byte was read and hashed, so
                    // our SHA-256 below says what the object holds now.
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                var actual = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
                return EvidenceCheck.Judge(sha256, expectedSize, actual, size);
            }
            catch (Exception ex) when (IsTransport(ex))
            {
                return new EvidenceCheck(EvidenceFault.Unreadable, $"The stored object '{LocationOf(sha256)}' cannot be read: {Redact(ex.Message)}", null, null);
            }
        }
    }

    public StoredEvidence Put(Stream content, EvidencePutOptions? options = null)
    {
        options ??= EvidencePutOptions.Default;
        var ct = options.CancellationToken;
        var name = options.SourceName ?? "(stream)";
        ct.ThrowIfCancellationRequested();
        string? spool = null;
        Stream source = content;
        try
        {
            if (!content.CanSeek)
            {
                // The key is the hash, known only at the end: a stream that cannot be read twice is spooled first.
                spool = Path.Combine(Path.GetTempPath(), "deirf-s3-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant() + ".partial");
                source = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                CopySource(content, source, name, options.SourceName, ct);
                source.Position = 0;
            }
            long start = source.Position;
            var (hash, size) = HashSource(source, name, options.SourceName, ct);
            var hex = Convert.ToHexString(hash).ToLowerInvariant();
            if (size == 0 && !options.AllowEmpty)
            {
                throw EvidenceSource.Empty(name, options.SourceName);
            }
            if (options.ExpectedSize is long expected && expected != size)
            {
                throw EvidenceSource.ChangedDuringCapture(name, options.SourceName, $"it had {expected} bytes, {size} were read");
            }
            var key = Settings.KeyOf(hex);
            var location = LocationOf(hex);
            if (Head(key, ct) is long existing)
            {
                return existing == size ? new StoredEvidence(hex, size, location, AlreadyStored: true) : throw Damaged(hex, existing, size, location);
            }
            var retainUntil = ObjectLockFor(ct);
            source.Position = start;
            bool created = size <= Settings.PartSize
                ? PutSingle(source, key, hash, size, retainUntil, name, options)
                : PutMultipart(source, key, hash, size, retainUntil, name, options);
            // The store checks itself: a server that ignored If-None-Match or the checksum still has to show the object.
            var after = Head(key, ct) ?? throw Failure("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, "HeadObject", key,
                new InvalidOperationException("the object is not there after the upload"));
            if (after != size)
            {
                throw Damaged(hex, after, size, location);
            }
            return new StoredEvidence(hex, size, location, AlreadyStored: !created);
        }
        finally
        {
            if (spool is not null)
            {
                source.Dispose();
            }
        }
    }

    /// <summary>Up to the part size: read into memory, hashed again, sent only if it still matches. False: it already existed (412).</summary>
    private bool PutSingle(Stream source, string key, byte[] hash, long size, DateTime? retainUntil, string name, EvidencePutOptions options)
    {
        var ct = options.CancellationToken;
        var buffer = new byte[size];
        int n = EvidenceSource.ReadFull(source, buffer, buffer.Length, name, options.SourceName);
        if (n != size || source.ReadByte() != -1 || !SHA256.HashData(buffer).AsSpan().SequenceEqual(hash))
        {
            throw EvidenceSource.ChangedDuringCapture(name, options.SourceName, "it changed between hashing and upload");
        }
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            InputStream = new MemoryStream(buffer, writable: false),
            AutoCloseStream = true,
            UseChunkEncoding = false,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(hash),
            IfNoneMatch = "*",
            ContentType = "application/octet-stream",
        };
        if (retainUntil is { } until)
        {
            request.ObjectLockMode = Settings.ObjectLock == EvidenceLockMode.Compliance ? ObjectLockMode.Compliance : ObjectLockMode.Governance;
            request.ObjectLockRetainUntilDate = until;
        }
        try
        {
            _client.PutObjectAsync(request, ct).GetAwaiter().GetResult();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            // Another writer stored the same content first: identical bytes, so nothing to do.
            return false;
        }
        catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested)
        {
            throw Failure("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, "PutObject", key, ex);
        }
        options.Progress?.Invoke(size);
        return true;
    }

    /// <summary>
    /// Part by part (each read into memory, hashed, uploaded with its own SHA-256, retried on failure; a few in flight at
    /// once); completed only when the bytes sent hash to the key. Any failure aborts the upload, so no partial object
    /// or open upload is left.
    /// </summary>
    private bool PutMultipart(Stream source, string key, byte[] hash, long size, DateTime? retainUntil, string name, EvidencePutOptions options)
    {
        var ct = options.CancellationToken;
        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = Bucket,
            Key = key,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ContentType = "application/octet-stream",
        };
        if (retainUntil is { } until)
        {
            initiate.ObjectLockMode = Settings.ObjectLock == EvidenceLockMode.Compliance ? ObjectLockMode.Compliance : ObjectLockMode.Governance;
            initiate.ObjectLockRetainUntilDate = until;
        }
        string uploadId;
        try
        {
            uploadId = _client.InitiateMultipartUploadAsync(initiate, ct).GetAwaiter().GetResult().UploadId;
        }
        catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested)
        {
            throw Failure("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, "CreateMultipartUpload", key, ex);
        }
        bool completed = false;
        // Parts are read and hashed here, in order, and uploaded up to PartConcurrency at a time; progress is reported
        // here as parts are acknowledged, in order.
        var inflight = new Queue<(int Number, long End, byte[] Buffer, string Checksum, Task<string> Upload)>();
        var parts = new List<PartETag>();
        void Acknowledge()
        {
            var (number, end, buffer, checksum, upload) = inflight.Peek();
            try
            {
                var etag = upload.GetAwaiter().GetResult();
                parts.Add(new PartETag(number, etag) { ChecksumSHA256 = checksum });
            }
            finally
            {
                inflight.Dequeue();
                ArrayPool<byte>.Shared.Return(buffer);
            }
            options.Progress?.Invoke(end);
        }
        try
        {
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            for (int number = 1; offset < size; number++)
            {
                ct.ThrowIfCancellationRequested();
                int want = (int)Math.Min(Settings.PartSize, size - offset);
                var buffer = ArrayPool<byte>.Shared.Rent(want);
                int n;
                try
                {
                    n = EvidenceSource.ReadFull(source, buffer, want, name, options.SourceName);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
                if (n != want)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw EvidenceSource.ChangedDuringCapture(name, options.SourceName, "it shrank between hashing and upload");
                }
                whole.AppendData(buffer, 0, n);
                var partHash = Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, n)));
                int partNumber = number;
                bool last = offset + n == size;
                offset += n;
                inflight.Enqueue((partNumber, offset, buffer, partHash,
                    Task.Run(() => UploadPart(key, uploadId, partNumber, buffer, n, partHash, last, ct), CancellationToken.None)));
                while (inflight.Count >= PartConcurrency || (inflight.Count > 0 && inflight.Peek().Upload.IsCompleted))
                {
                    Acknowledge();
                }
            }
            while (inflight.Count > 0)
            {
                Acknowledge();
            }
            if (source.ReadByte() != -1 || !whole.GetHashAndReset().AsSpan().SequenceEqual(hash))
            {
                throw EvidenceSource.ChangedDuringCapture(name, options.SourceName, "it changed between hashing and upload");
            }
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                    {
                        BucketName = Bucket,
                        Key = key,
                        UploadId = uploadId,
                        PartETags = parts,
                        IfNoneMatch = "*",
                    }, ct).GetAwaiter().GetResult();
                    completed = true;
                    return true;
                }
                catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    // Stored by another writer meanwhile: ours is aborted below, theirs holds the same bytes.
                    return false;
                }
                catch (AmazonS3Exception ex) when (attempt > 0 && ex.ErrorCode == "NoSuchUpload")
                {
                    // The attempt before completed it but its answer was lost; the HEAD after the put checks the object.
                    completed = true;
                    return true;
                }
                catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested && attempt < PartRetryDelays.Length && IsRetryable(ex))
                {
                    Interlocked.Increment(ref _partRetries);
                    ct.WaitHandle.WaitOne(PartRetryDelays[attempt]);
                }
                catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested)
                {
                    throw Failure("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, "CompleteMultipartUpload", key, ex);
                }
            }
        }
        finally
        {
            // Never abort (or hand a buffer back) while a part may still be on its way.
            while (inflight.Count > 0)
            {
                var (_, _, buffer, _, upload) = inflight.Dequeue();
                try
                {
                    upload.Wait(CancellationToken.None);
                }
                catch (AggregateException)
                {
                    // Superseded by the failure in flight.
                }
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (!completed)
            {
                Abort(key, uploadId);
            }
        }
    }

    private string UploadPart(string key, string uploadId, int number, byte[] buffer, int length, string partHash, bool last, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var response = _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = new MemoryStream(buffer, 0, length, writable: false),
                    PartSize = length,
                    IsLastPart = last,
                    UseChunkEncoding = false,
                    ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                    ChecksumSHA256 = partHash,
                }, ct).GetAwaiter().GetResult();
                if (response.ChecksumSHA256 is { Length: > 0 } echoed && echoed != partHash)
                {
                    throw Failure("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, "UploadPart", key,
                        new InvalidDataException($"part {number}: the server recorded SHA-256 {echoed}, not {partHash}"));
                }
                return response.ETag;
            }
            catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested && attempt < PartRetryDelays.Length && IsRetryable(ex))
            {
                Interlocked.Increment(ref _partRetries);
                ct.WaitHandle.WaitOne(PartRetryDelays[attempt]);
            }
            catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested)
            {
                throw Failure("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, $"UploadPart {number}", key, ex);
            }
        }
    }

    /// <summary>Best effort, never cancelled: a failed abort (server gone) is counted; a bucket lifecycle rule mops up.</summary>
    private void Abort(string key, string uploadId)
    {
        try
        {
            _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (Exception ex) when (IsTransport(ex))
        {
            FailedAborts++;
        }
    }

    /// <summary>The object's size, or null when there is none.</summary>
    private long? Head(string key, CancellationToken ct)
    {
        try
        {
            var response = _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct).GetAwaiter().GetResult();
            return response.ContentLength;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested)
        {
            throw Failure("EvidenceStoreUnavailable", DeirfErrorKind.ResourceUnavailable, "HeadObject", key, ex);
        }
    }

    /// <summary>
    /// The retain-until date to set on a new object (null: none), after the bucket's object lock was checked once: a
    /// required lock the bucket lacks is refused (EvidenceObjectLockUnavailable) before any byte is sent.
    /// </summary>
    private DateTime? ObjectLockFor(CancellationToken ct)
    {
        if (Settings.ObjectLock == EvidenceLockMode.None && !Settings.RequireObjectLock)
        {
            return null;
        }
        var check = _lock ??= CheckObjectLock(ct);
        if (check.ObjectLockEnabled != true)
        {
            if (Settings.RequireObjectLock)
            {
                throw new EvidenceStoreException("EvidenceObjectLockUnavailable", DeirfErrorKind.InvalidOperation,
                    $"Refused: the evidence policy requires object lock, but {check.Reason} Nothing was stored. Use a bucket created with object lock, or Set-DeirfEvidenceStore without -RequireObjectLock.",
                    Location);
            }
            return null;
        }
        return Settings.ObjectLock == EvidenceLockMode.None ? null : DateTime.UtcNow.AddDays(Settings.RetainDays);
    }

    public ObjectLockReadiness CheckObjectLock(CancellationToken cancellationToken = default)
    {
        string unlocked;
        try
        {
            var config = _client.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = Bucket }, cancellationToken)
                .GetAwaiter().GetResult().ObjectLockConfiguration;
            if (config?.ObjectLockEnabled == ObjectLockEnabled.Enabled)
            {
                var retention = config.Rule?.DefaultRetention;
                int? days = retention is null ? null : retention.Days is int d and > 0 ? d : retention.Years is int y and > 0 ? y * 365 : null;
                string? mode = retention?.Mode?.Value;
                if (Settings.ObjectLock != EvidenceLockMode.None)
                {
                    return new ObjectLockReadiness(ReadinessStatus.Pass,
                        $"Bucket '{Bucket}' has object lock enabled; each evidence object is locked in {Settings.ObjectLock} mode for {Settings.RetainDays} days.", true, mode, days);
                }
                return retention is not null
                    ? new ObjectLockReadiness(ReadinessStatus.Pass, $"Bucket '{Bucket}' has object lock enabled with default retention {mode} {days} days.", true, mode, days)
                    : new ObjectLockReadiness(ReadinessStatus.Warn,
                        $"Bucket '{Bucket}' has object lock enabled but no default retention, and the store sets none (-ObjectLock None): objects are not locked.", true);
            }
            unlocked = $"bucket '{Bucket}' does not have object lock enabled.";
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "ObjectLockConfigurationNotFoundError")
        {
            unlocked = $"bucket '{Bucket}' has no object lock configuration (ObjectLockConfigurationNotFoundError).";
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotImplemented || ex.ErrorCode == "NotImplemented")
        {
            unlocked = $"the server at {Settings.Endpoint ?? "AWS"} does not implement object lock (GetObjectLockConfiguration: NotImplemented).";
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
            return new ObjectLockReadiness(ReadinessStatus.Fail, $"Bucket '{Bucket}' does not exist.", null);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
        {
            var reason = $"The object lock configuration of bucket '{Bucket}' cannot be read ({ex.ErrorCode}: allow s3:GetBucketObjectLockConfiguration).";
            return new ObjectLockReadiness(Settings.RequireObjectLock ? ReadinessStatus.Fail : ReadinessStatus.Warn, reason, null);
        }
        catch (Exception ex) when (IsTransport(ex) && !cancellationToken.IsCancellationRequested)
        {
            return new ObjectLockReadiness(ReadinessStatus.Fail, Failure("EvidenceStoreUnavailable", DeirfErrorKind.ResourceUnavailable, "GetObjectLockConfiguration", Settings.Prefix, ex).Message, null);
        }
        return Settings.RequireObjectLock
            ? new ObjectLockReadiness(ReadinessStatus.Fail, char.ToUpperInvariant(unlocked[0]) + unlocked[1..] + " The policy requires object lock: evidence puts are refused.", false)
            : new ObjectLockReadiness(ReadinessStatus.Warn, char.ToUpperInvariant(unlocked[0]) + unlocked[1..] + " Evidence is stored without object lock.", false);
    }

    private static (byte[] Hash, long Size) HashSource(Stream source, string name, string? target, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(HashChunk);
        long size = 0;
        try
        {
            int n;
            while ((n = EvidenceSource.ReadFull(source, buffer, HashChunk, name, target)) > 0)
            {
                ct.ThrowIfCancellationRequested();
                sha.AppendData(buffer, 0, n);
                size += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return (sha.GetHashAndReset(), size);
    }

    private static void CopySource(Stream from, Stream to, string name, string? target, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HashChunk);
        try
        {
            int n;
            while ((n = EvidenceSource.ReadFull(from, buffer, HashChunk, name, target)) > 0)
            {
                ct.ThrowIfCancellationRequested();
                to.Write(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static DeirfException Damaged(string hex, long existing, long size, string location)
        => new("EvidenceStoreDamaged", DeirfErrorKind.InvalidData,
            $"The store already holds an object named sha256:{hex} with {existing} bytes, not {size}: it was altered. It is left as it is (never overwritten); run Test-DeirfEvidence.", location);

    private static bool IsTransport(Exception ex) => ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException
        or TaskCanceledException or WebException or System.Net.Sockets.SocketException;

    /// <summary>Server errors (5xx), throttling and connection failures are worth another try; 4xx answers are not.</summary>
    private static bool IsRetryable(Exception ex) => ex switch
    {
        AmazonServiceException s when s.StatusCode != 0 => (int)s.StatusCode >= 500 || s.StatusCode == HttpStatusCode.TooManyRequests || s.ErrorCode is "RequestTimeout" or "SlowDown",
        _ => true,
    };

    /// <summary>
    /// A failure with the operation, the object and the server's error code — and nothing of the credentials: the
    /// message is scrubbed of the key id, secret and session token, and the SDK exception is not attached.
    /// </summary>
    private EvidenceStoreException Failure(string errorId, DeirfErrorKind kind, string operation, string key, Exception ex)
    {
        var detail = ex switch
        {
            AmazonServiceException s => $"{s.ErrorCode ?? s.GetType().Name} (HTTP {(int)s.StatusCode}{(s.RequestId is { Length: > 0 } id ? ", request " + id : string.Empty)}): {s.Message}",
            _ => $"{ex.GetType().Name}: {ex.InnerException?.Message ?? ex.Message}",
        };
        return new EvidenceStoreException(errorId, kind,
            Redact($"S3 {operation} of s3://{Bucket}/{key} failed: {detail.TrimEnd('.')}. Nothing half-stored is left under the object's name."),
            $"s3://{Bucket}/{key}");
    }

    private string Redact(string text)
    {
        foreach (var secret in _redact)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        return text;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The body of a GetObject answer; disposing it closes the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
