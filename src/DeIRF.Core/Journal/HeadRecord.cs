using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;

namespace DeIRF.Journal;

/// <summary>
/// The last entry this replica acknowledged (sequence and hash), kept beside the journal and rewritten atomically
/// after each append. A chain alone cannot see entries cut from its end; comparing with the head can.
/// It is replica-local knowledge: the workspace's .gitignore keeps it out of git.
/// </summary>
public sealed record HeadRecord(long Seq, string Hash)
{
    public static string PathFor(string journalPath) => journalPath + ".head";

    public static HeadRecord? TryRead(string journalPath) => TryReadWithStamp(journalPath, out _);

    /// <summary>The head record and the stamp of the journal file when it was written (null in records from before stamps were kept).</summary>
    public static HeadRecord? TryReadWithStamp(string journalPath, out JournalStamp? stamp)
    {
        stamp = null;
        var path = PathFor(journalPath);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (root.TryGetProperty("size", out var size) && root.TryGetProperty("mtime", out var mtime))
            {
                stamp = new JournalStamp(size.GetInt64(), long.Parse(mtime.GetString()!, CultureInfo.InvariantCulture),
                    root.TryGetProperty("ino", out var ino) ? long.Parse(ino.GetString()!, CultureInfo.InvariantCulture) : null,
                    root.TryGetProperty("ctime", out var ctime) ? long.Parse(ctime.GetString()!, CultureInfo.InvariantCulture) : null);
            }
            return new HeadRecord(root.GetProperty("seq").GetInt64(), root.GetProperty("hash").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new JournalCorruptException(path, JournalFault.MalformedJson, $"Head record '{path}' is unreadable: {ex.Message}");
        }
    }

    /// <summary>Writes the head with the stamp of the journal as it is on disk now: call it after the journal bytes are in place.</summary>
    public void Write(string journalPath, bool durable)
    {
        var path = PathFor(journalPath);
        var head = new JsonObject { ["hash"] = Hash, ["seq"] = Seq };
        if (JournalStamp.Of(journalPath) is { } stamp)
        {
            // Times and inodes as strings: canonical JSON numbers are doubles, exact only to 2^53.
            head["mtime"] = stamp.MtimeTicks.ToString(CultureInfo.InvariantCulture);
            head["size"] = stamp.Size;
            if (stamp.Inode is { } ino)
            {
                head["ino"] = ino.ToString(CultureInfo.InvariantCulture);
            }
            if (stamp.CtimeNs is { } ctime)
            {
                head["ctime"] = ctime.ToString(CultureInfo.InvariantCulture);
            }
        }
        Workspaces.AtomicFile.Write(path, CanonicalJson.Serialize(head), durable);
    }
}

/// <summary>
/// What a journal file looked like when DeIRF last wrote it: size, modification time, and (64-bit Linux) inode and
/// change time, which a hand edit cannot put back. Any difference means "changed behind DeIRF's back".
/// </summary>
public sealed record JournalStamp(long Size, long MtimeTicks, long? Inode, long? CtimeNs)
{
    public static JournalStamp? Of(string journalPath)
    {
        var info = new FileInfo(journalPath);
        if (!info.Exists)
        {
            return null;
        }
        return Evidence.NativeFiles.TryStat(journalPath, out var ino, out var ctime)
            ? new JournalStamp(info.Length, info.LastWriteTimeUtc.Ticks, ino, ctime)
            : new JournalStamp(info.Length, info.LastWriteTimeUtc.Ticks, null, null);
    }

    /// <summary>Same file, same bytes as far as the file system tells (inode and ctime compared where both have them).</summary>
    public bool Matches(JournalStamp? now) => now is not null && now.Size == Size && now.MtimeTicks == MtimeTicks
        && (Inode is null || now.Inode is null || Inode == now.Inode) && (CtimeNs is null || now.CtimeNs is null || CtimeNs == now.CtimeNs);
}
