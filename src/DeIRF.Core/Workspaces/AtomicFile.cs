using System.Security.Cryptography;
using System.Text;

namespace DeIRF.Workspaces;

/// <summary>
/// The one way DeIRF replaces a file whole: write a temporary file with a random name in the target's folder, created
/// exclusively (FileMode.CreateNew is O_CREAT|O_EXCL, so a link planted at a guessable name is never followed),
/// flush it to disk, then rename it over the target (rename replaces a link at the target name; it never writes
/// through it). A reader sees the old file or the new one, never half of one, and a crash leaves at most a stray
/// <c>.&lt;name&gt;.&lt;random&gt;.tmp</c> beside it.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces (or creates) <paramref name="path"/> with <paramref name="bytes"/>; <paramref name="durable"/> fsyncs before the rename.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, bool durable = true, bool overwrite = true)
    {
        var full = Path.GetFullPath(path);
        var tmp = TempPathFor(full);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                if (durable)
                {
                    Evidence.NativeFiles.FlushToDisk(fs);
                }
                else
                {
                    fs.Flush();
                }
            }
            File.Move(tmp, full, overwrite);
        }
        finally
        {
            // Only our own exclusively created temp can be at this name: deleting it never touches anything else.
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a BOM.</summary>
    public static void WriteText(string path, string text, bool durable = true, bool overwrite = true)
        => Write(path, new UTF8Encoding(false).GetBytes(text), durable, overwrite);

    /// <summary>A fresh, unguessable name beside <paramref name="fullPath"/> (same folder, so the rename stays on one file system).</summary>
    internal static string TempPathFor(string fullPath)
        => Path.Combine(Path.GetDirectoryName(fullPath)!,
            "." + Path.GetFileName(fullPath) + "." + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant() + ".tmp");
}
