using System.Buffers;
using System.Security.Cryptography;
using DeIRF.Workspaces;
using Microsoft.Win32.SafeHandles;

namespace DeIRF.Evidence;

/// <summary>
/// The workspace's write-once evidence store: <c>evidence/sha256/&lt;aa&gt;/&lt;hash&gt;</c>, one read-only file per
/// distinct content. Bytes are hashed while they are copied into a temporary file in <c>evidence/sha256/.incoming</c>;
/// the file is fsynced, made read-only and only then given its hash name, with a no-replace link, so an object under
/// a hash name is always complete and is never overwritten.
/// </summary>
public sealed class LocalEvidenceStore : IEvidenceStore
{
    private const int ChunkSize = 1 << 20;

    // Start write-back every 8 MiB so the closing fsync of a large object has little left to flush.
    private const long WriteBackEvery = 8 << 20;

    public LocalEvidenceStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>The store of a workspace: &lt;workspace&gt;/evidence.</summary>
    public static LocalEvidenceStore In(Workspace workspace) => new(WorkspaceLayout.PathIn(workspace.Root, WorkspaceLayout.EvidenceFolder));

    public string Root { get; }
    public string Location => Root;
    public string ObjectsDirectory => Path.Combine(Root, WorkspaceLayout.EvidenceObjectsFolderName);

    /// <summary>Temporary files of puts in progress (or left by a crash: never under a hash name).</summary>
    public string IncomingDirectory => Path.Combine(ObjectsDirectory, WorkspaceLayout.IncomingFolderName);

    public string LocationOf(string sha256)
    {
        ValidateHash(sha256);
        return Path.Combine(ObjectsDirectory, sha256[..2], sha256);
    }

    public bool Exists(string sha256) => File.Exists(LocationOf(sha256));

    public Stream Open(string sha256)
    {
        var path = LocationOf(sha256);
        if (!File.Exists(path))
        {
            throw new DeirfException("EvidenceObjectNotFound", DeirfErrorKind.NotFound, $"No stored evidence object sha256:{sha256} in '{Root}'.", path);
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    }

    /// <summary>Creates (or narrows) a store folder to 0700: its objects are not for other local users to list or read.</summary>
    private static void CreatePrivateDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
            return;
        }
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var info = Directory.CreateDirectory(dir, Private);
        if (info.UnixFileMode != Private)
        {
            File.SetUnixFileMode(dir, Private);
        }
    }

    public StoredEvidence Put(Stream content, EvidencePutOptions? options = null)
    {
        options ??= EvidencePutOptions.Default;
        var name = options.SourceName ?? "(stream)";
        options.CancellationToken.ThrowIfCancellationRequested();
        try
        {
            CreatePrivateDirectory(Root);
            CreatePrivateDirectory(ObjectsDirectory);
            CreatePrivateDirectory(IncomingDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A store folder that cannot be made (a file in its place, no permission) is the store's failure, not a bare IOException.
            throw StoreWriteFailed(ex);
        }
        SweepIncomingNowAndThen();
        var tmp = Path.Combine(IncomingDirectory, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant() + ".partial");
        bool published = false;
        try
        {
            string hex;
            long size;
            FileStream partial;
            try
            {
                partial = new FileStream(tmp, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    BufferSize = 0,
                    PreallocationSize = options.ExpectedSize is > 0 and var e ? e : 0,
                });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw StoreWriteFailed(ex);
            }
            using (var fs = partial)
            {
                (hex, size) = CopyAndHash(content, fs.SafeFileHandle, name, options);
                if (size == 0 && !options.AllowEmpty)
                {
                    throw EvidenceSource.Empty(name, options.SourceName);
                }
                if (options.ExpectedSize is long expected && expected != size)
                {
                    throw EvidenceSource.ChangedDuringCapture(name, options.SourceName, $"it had {expected} bytes, {size} were read");
                }
                try
                {
                    if (!OperatingSystem.IsWindows())
                    {
                        // Evidence is often a secret (a memory dump, a key file): readable by its owner only, never written again.
                        File.SetUnixFileMode(fs.SafeFileHandle, UnixFileMode.UserRead);
                    }
                    NativeFiles.FlushToDisk(fs);
                }
                catch (IOException ex)
                {
                    throw StoreWriteFailed(ex);
                }
            }
            if (OperatingSystem.IsWindows())
            {
                File.SetAttributes(tmp, FileAttributes.ReadOnly);
            }
            var final = LocationOf(hex);
            var dir = Path.GetDirectoryName(final)!;
            CreatePrivateDirectory(dir);
            // No-replace publish: of two puts of the same content, exactly one names the object; nothing is overwritten.
            bool already;
            try
            {
                already = !NativeFiles.MoveNoReplace(tmp, final);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A failed link or rename names nothing; a failed unlink of the temporary name after the link leaves a
                // complete object under its hash and the temporary name for the sweep. Either way: report it.
                throw StoreWriteFailed(ex);
            }
            if (already)
            {
                long existing = new FileInfo(final).Length;
                if (existing != size)
                {
                    throw new DeirfException("EvidenceStoreDamaged", DeirfErrorKind.InvalidData,
                        $"The store already holds an object named sha256:{hex} with {existing} bytes, not {size}: it was altered on disk. It is left as it is (never overwritten); run Test-DeirfEvidence.", final);
                }
            }
            else
            {
                published = true;
                try
                {
                    NativeFiles.FsyncDirectory(dir);
                }
                catch (IOException ex)
                {
                    // The object is complete under its name, but its name may not survive a power loss: say so, a
                    // second put of the same bytes finds it (AlreadyStored) or stores it again.
                    throw StoreWriteFailed(ex);
                }
            }
            return new StoredEvidence(hex, size, final, already);
        }
        finally
        {
            if (!published)
            {
                DeleteTemporary(tmp);
            }
        }
    }

    /// <summary>
    /// Reads and hashes on the calling thread while the previous chunk is written on a pool thread (double buffering):
    /// on two cores the copy costs little more than the hashing alone.
    /// </summary>
    private (string Hex, long Size) CopyAndHash(Stream source, SafeFileHandle destination, string name, EvidencePutOptions options)
    {
        var ct = options.CancellationToken;
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(ChunkSize), ArrayPool<byte>.Shared.Rent(ChunkSize) };
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Task pending = Task.CompletedTask;
        long offset = 0;
        long writeBackFrom = 0;
        int current = 0;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var buffer = buffers[current];
                int n = EvidenceSource.ReadFull(source, buffer, ChunkSize, name, options.SourceName);
                if (n == 0)
                {
                    break;
                }
                sha.AppendData(buffer, 0, n);
                WaitForWrite(pending);
                long at = offset;
                bool writeBack = at + n - writeBackFrom >= WriteBackEvery;
                long writeBackStart = writeBackFrom;
                pending = Task.Run(() =>
                {
                    RandomAccess.Write(destination, buffer.AsSpan(0, n), at);
                    if (writeBack)
                    {
                        NativeFiles.StartWriteBack(destination, writeBackStart, at + n - writeBackStart);
                    }
                }, CancellationToken.None);
                if (writeBack)
                {
                    writeBackFrom = at + n;
                }
                offset += n;
                current ^= 1;
                options.Progress?.Invoke(offset);
            }
            WaitForWrite(pending);
            return (Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(), offset);
        }
        finally
        {
            // Never hand a buffer back while a write may still be reading it.
            try
            {
                pending.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Already reported (or superseded by the exception in flight).
            }
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    private void WaitForWrite(Task pending)
    {
        try
        {
            pending.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw StoreWriteFailed(ex);
        }
    }

    private DeirfException StoreWriteFailed(Exception ex)
        => new("EvidenceStoreWriteFailed", DeirfErrorKind.WriteError, $"Could not write to the evidence store '{Root}': {ex.Message}", Root, ex);

    private static void DeleteTemporary(string tmp)
    {
        try
        {
            if (File.Exists(tmp))
            {
                if (OperatingSystem.IsWindows())
                {
                    File.SetAttributes(tmp, FileAttributes.Normal);
                }
                File.Delete(tmp);
            }
        }
        catch (IOException)
        {
            // Left in .incoming, never under a hash name: harmless, and visible to anyone who looks.
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> LastSweep = new(StringComparer.Ordinal);

    /// <summary>How old an abandoned partial file must be before a sweep removes it.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    private void SweepIncomingNowAndThen()
    {
        var now = DateTime.UtcNow;
        if (LastSweep.TryGetValue(IncomingDirectory, out var last) && now - last < AbandonedAfter)
        {
            return;
        }
        LastSweep[IncomingDirectory] = now;
        SweepIncoming(AbandonedAfter);
    }

    /// <summary>
    /// Removes partial files a killed writer left in .incoming (a SIGKILL or power loss mid-copy skips the cleanup in
    /// Put). A partial file still being written is held open with FileShare.None (flock on Unix), so it is skipped
    /// however old it is; only files no one holds and older than <paramref name="olderThan"/> go. Never touches
    /// published objects. Returns the paths removed.
    /// </summary>
    public IReadOnlyList<string> SweepIncoming(TimeSpan olderThan)
    {
        var removed = new List<string>();
        if (!Directory.Exists(IncomingDirectory))
        {
            return removed;
        }
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var file in Directory.EnumerateFiles(IncomingDirectory, "*.partial"))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) > cutoff)
                {
                    continue;
                }
                // Taking the exclusive lock proves no writer holds it; delete while we hold it.
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite,
                           OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None, 1))
                {
                    if (OperatingSystem.IsWindows())
                    {
                        File.SetAttributes(file, FileAttributes.Normal);
                    }
                    File.Delete(file);
                }
                removed.Add(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Held by a live writer, or not ours to delete: leave it.
            }
        }
        return removed;
    }

    public EvidenceCheck Verify(string sha256, long expectedSize, CancellationToken cancellationToken = default)
    {
        var path = LocationOf(sha256);
        if (!File.Exists(path))
        {
            return new EvidenceCheck(EvidenceFault.Vanished, $"The stored object '{path}' is gone.", null, null);
        }
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long size = fs.Length;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                int n;
                while ((n = fs.Read(buffer, 0, ChunkSize)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    sha.AppendData(buffer, 0, n);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            var actual = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
            return EvidenceCheck.Judge(sha256, expectedSize, actual, size);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new EvidenceCheck(EvidenceFault.Unreadable, $"The stored object '{path}' cannot be read: {ex.Message}", null, null);
        }
    }

    /// <summary>A SHA-256 as 64 lowercase hex digits (also keeps a hash from naming a path outside the store).</summary>
    public static void ValidateHash(string sha256)
    {
        if (sha256 is null || sha256.Length != 64 || !sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new DeirfException("EvidenceHashInvalid", DeirfErrorKind.InvalidArgument, $"'{sha256}' is not a SHA-256 (64 lowercase hex digits).", sha256);
        }
    }
}
