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

    public static HeadRecord? TryRead(string journalPath)
    {
        var path = PathFor(journalPath);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return new HeadRecord(doc.RootElement.GetProperty("seq").GetInt64(), doc.RootElement.GetProperty("hash").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new JournalCorruptException(path, JournalFault.MalformedJson, $"Head record '{path}' is unreadable: {ex.Message}");
        }
    }

    public void Write(string journalPath, bool durable)
    {
        var path = PathFor(journalPath);
        Workspaces.AtomicFile.Write(path, CanonicalJson.Serialize(new JsonObject { ["hash"] = Hash, ["seq"] = Seq }), durable);
    }
}
