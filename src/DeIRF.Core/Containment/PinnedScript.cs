using System.Security.Cryptography;
using System.Text;

namespace DeIRF.Containment;

/// <summary>
/// A runbook script's bytes, read once and checked against the approved sha256. What runs is a private copy of exactly
/// those bytes (read-only, 0400, in a fresh 0700 folder made exclusively under a random name), never the original path
/// again: whoever can write the original cannot swap it between the check and the run. Dispose deletes the copy.
/// </summary>
public sealed class PinnedScript : IDisposable
{
    /// <summary>Runbook scripts are small text files; anything larger is refused rather than read whole.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    private readonly byte[] _bytes;
    private string? _copyDirectory;

    private PinnedScript(string original, byte[] bytes, string sha256)
    {
        Original = original;
        _bytes = bytes;
        Sha256 = sha256;
    }

    /// <summary>The script as the proposal names it, resolved to a full path.</summary>
    public string Original { get; }

    /// <summary>sha256 (lower-case hex) of the bytes read, which are the bytes that run.</summary>
    public string Sha256 { get; }

    /// <summary>The text of those bytes (UTF-8, or as their byte order mark says), for reading the plan section.</summary>
    public string Text
    {
        get
        {
            using var reader = new StreamReader(new MemoryStream(_bytes, writable: false), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
    }

    public static string HashOf(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Reads <paramref name="path"/> once; refuses (ScriptChanged) unless those bytes hash to <paramref name="expectedSha256"/>.</summary>
    public static PinnedScript Read(string path, string expectedSha256, object target)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxBytes)
            {
                throw new ContainmentException("ScriptTooLarge", DeirfErrorKind.InvalidData,
                    $"The runbook script '{path}' is {stream.Length} bytes; a runbook script is at most {MaxBytes}.", target);
            }
            using var buffer = new MemoryStream((int)stream.Length);
            stream.CopyTo(buffer);
            bytes = buffer.Length <= MaxBytes ? buffer.ToArray()
                : throw new ContainmentException("ScriptTooLarge", DeirfErrorKind.InvalidData, $"The runbook script '{path}' grew past {MaxBytes} bytes while read.", target);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainmentException("ScriptNotFound", DeirfErrorKind.NotFound, $"The runbook script '{path}' does not exist.", target, ex);
        }
        var actual = HashOf(bytes);
        var expected = expectedSha256.Trim().ToLowerInvariant();
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new ContainmentException("ScriptChanged", DeirfErrorKind.SecurityError,
                $"The runbook script '{path}' is not the one approved (sha256 {actual}, approved {expected}). An edited script is a new proposal.", target);
        }
        return new PinnedScript(path, bytes, actual);
    }

    /// <summary>Writes the private copy (once) and returns its path; the file keeps the original's name so messages read the same.</summary>
    public string WriteCopy()
    {
        if (_copyDirectory is not null)
        {
            return Path.Combine(_copyDirectory, Path.GetFileName(Original));
        }
        // mkdtemp on Unix: created exclusively, mode 0700, random name; on Windows a random folder in the user's own temp.
        var dir = Directory.CreateTempSubdirectory("deirf-script-").FullName;
        _copyDirectory = dir;
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(dir) != (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute))
        {
            throw new ContainmentException("ScriptCopyUnsafe", DeirfErrorKind.SecurityError, $"The private folder '{dir}' for the script is not 0700.", Original);
        }
        var copy = Path.Combine(dir, Path.GetFileName(Original));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead;
        }
        using (var stream = new FileStream(copy, options))
        {
            stream.Write(_bytes);
            stream.Flush(flushToDisk: true);
        }
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(copy, FileAttributes.ReadOnly);
        }
        return copy;
    }

    public void Dispose()
    {
        if (_copyDirectory is not { } dir)
        {
            return;
        }
        _copyDirectory = null;
        try
        {
            // Windows refuses to delete a read-only file; on Unix the folder's own mode decides.
            foreach (var f in OperatingSystem.IsWindows() ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories) : [])
            {
                File.SetAttributes(f, FileAttributes.Normal);
            }
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the copy holds the approved bytes only (no secrets), in a folder no one else can read.
        }
    }
}
