using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace DeIRF.Identity;

/// <summary>
/// The one place private key files are written and read. Written: created exclusively, mode 0600. Read: refused when
/// anyone but the owner may read or change the file (any group or other permission bit, as ssh refuses an
/// unprotected key), checked on the open handle, so the mode judged is the file's that is read. Windows keeps
/// permissions in ACLs, which this does not judge.
/// </summary>
public static class PrivateKeyFiles
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Reads the whole key file after checking its mode (PrivateKeyFileTooOpen).</summary>
    public static byte[] Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        RequireOwnerOnly(fs.SafeFileHandle, path);
        var bytes = new byte[fs.Length];
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Creates <paramref name="path"/> with mode 0600 (never over an existing file) and wipes <paramref name="bytes"/>.</summary>
    public static void Write(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var fs = new FileStream(path, options);
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static void RequireOwnerOnly(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(handle);
        if ((mode & GroupOrOther) != 0)
        {
            var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
            throw new DeirfException("PrivateKeyFileTooOpen", DeirfErrorKind.SecurityError,
                $"Key file '{path}' has mode {octal}: others on this machine can read or change it. A private key must be the owner's alone; " +
                $"nothing was signed. Run: chmod 600 '{path}' (a Kubernetes secret volume: defaultMode 0400).", path);
        }
    }
}
