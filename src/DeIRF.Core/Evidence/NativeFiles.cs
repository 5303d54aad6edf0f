using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DeIRF.Evidence;

/// <summary>
/// The few POSIX calls .NET does not expose: open without blocking (so a FIFO is refused instead of hanging the
/// capture), directory fsync (so a published name survives a crash) and early write-back of a large copy.
/// </summary>
internal static class NativeFiles
{
    private static bool IsUnix => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    private static int NonBlock => OperatingSystem.IsLinux() ? 0x800 : 0x4;
    private static int CloseOnExec => OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsMacOS() ? 0x1000000 : 0x100000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    private static bool _syncFileRangeMissing;

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    private static bool _statMissing;

    /// <summary>
    /// The inode and change time (ns) of a file, which .NET does not expose: 64-bit Linux only, where struct stat
    /// has st_ino at offset 8 and st_ctim at 104 on x64 and arm64 alike. False elsewhere (the caller does without).
    /// </summary>
    public static bool TryStat(string path, out long inode, out long ctimeNs)
    {
        inode = 0;
        ctimeNs = 0;
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8 || _statMissing
            || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return false;
        }
        var buffer = new byte[256];
        try
        {
            if (Stat(path, buffer) != 0)
            {
                return false;
            }
        }
        catch (EntryPointNotFoundException)
        {
            _statMissing = true; // glibc before 2.33 exports only __xstat
            return false;
        }
        inode = BitConverter.ToInt64(buffer, 8);
        ctimeNs = BitConverter.ToInt64(buffer, 104) * 1_000_000_000 + BitConverter.ToInt64(buffer, 112);
        return true;
    }

    /// <summary>
    /// Gives <paramref name="source"/> the name <paramref name="destination"/> only if that name is free, atomically:
    /// link() on Unix fails with EEXIST rather than replace; MoveFileEx without REPLACE_EXISTING on Windows.
    /// Returns false when the destination already exists (the source is left in place).
    /// </summary>
    public static bool MoveNoReplace(string source, string destination)
    {
        if (IsUnix)
        {
            if (Link(source, destination) == 0)
            {
                File.Delete(source);
                return true;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == 17 /* EEXIST */)
            {
                return false;
            }
            // EPERM/ENOTSUP/EXDEV...: a file system without hard links; fall through to the platform move.
        }
        try
        {
            File.Move(source, destination, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(destination))
        {
            return false;
        }
    }

    /// <summary>
    /// Opens a file for reading, refusing anything that is not seekable (FIFO, socket, terminal): opening a FIFO with
    /// a plain open() would wait for a writer forever.
    /// </summary>
    public static FileStream OpenSourceForRead(string path)
    {
        if (!IsUnix)
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        int fd = Open(path, 0 /* O_RDONLY */ | NonBlock | CloseOnExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 => new FileNotFoundException($"'{path}' does not exist.", path),
                13 or 1 => new UnauthorizedAccessException($"Permission denied reading '{path}'."),
                _ => new IOException($"{Marshal.GetPInvokeErrorMessage(errno)} : '{path}'", errno),
            };
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        FileStream stream;
        try
        {
            stream = new FileStream(handle, FileAccess.Read, 1);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new IOException($"'{path}' is not a regular file (a FIFO, socket or terminal): it has no fixed content to capture.");
        }
        return stream;
    }

    /// <summary>
    /// Writes out the stream's buffer and fsyncs the file, and THROWS when fsync fails. Use this, not
    /// FileStream.Flush(flushToDisk: true): on .NET 10 on Linux that returned normally when fsync failed with EIO (the
    /// strace fault-injection tests found it), which would acknowledge bytes the disk did not take.
    /// </summary>
    public static void FlushToDisk(FileStream stream)
    {
        stream.Flush(flushToDisk: false);
        if (!IsUnix)
        {
            stream.Flush(flushToDisk: true);
            return;
        }
        var handle = stream.SafeFileHandle;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            int result;
            int errno;
            do
            {
                result = Fsync(fd);
                errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
            }
            while (result != 0 && errno == 4 /* EINTR */);
            // EINVAL/EROFS/ENOTSUP: a special file with nothing to flush (the same errors .NET ignores).
            if (result != 0 && errno is not (22 or 30 or 95))
            {
                throw new IOException($"fsync of '{stream.Name}' failed (errno {errno}{(errno == 5 ? ", an I/O error" : errno == 28 ? ", no space left on the device" : string.Empty)}).");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// fsync on a directory, so a rename into it is durable. Best effort where the platform has no such call or the
    /// directory cannot be opened; a failed fsync (EIO: the name may not be on disk) throws IOException.
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        if (!IsUnix)
        {
            return;
        }
        int fd = Open(directory, 0 | CloseOnExec);
        if (fd < 0)
        {
            return;
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is not (22 /* EINVAL: no fsync on directories here */ or 95 /* EOPNOTSUPP */))
                {
                    throw new IOException($"fsync of the folder '{directory}' failed (errno {errno}).");
                }
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Starts write-back of a written range (Linux), so the final fsync of a large object has little left to do.</summary>
    public static void StartWriteBack(SafeFileHandle handle, long offset, long count)
    {
        if (!OperatingSystem.IsLinux() || _syncFileRangeMissing)
        {
            return;
        }
        try
        {
            SyncFileRange((int)handle.DangerousGetHandle(), offset, count, 2 /* SYNC_FILE_RANGE_WRITE */);
        }
        catch (EntryPointNotFoundException)
        {
            _syncFileRangeMissing = true;
        }
    }
}
