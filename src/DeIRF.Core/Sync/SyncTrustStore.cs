using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// The last remote head this replica accepted for each journal, kept in <c>.deirf-sync/trusted-heads.json</c>
/// (replica-local, never committed). Keyed by the journal's own origin — this workspace's id and the incident id
/// this replica knows the journal by — never by anything the remote reports, so a remote cannot reset it
/// (immudb CVE-2022-39199). A remote must extend every head recorded here.
/// </summary>
public sealed class SyncTrustStore
{
    public const string DirectoryName = WorkspaceLayout.SyncStateFolder;
    private readonly Dictionary<string, HeadRecord> _heads;

    private SyncTrustStore(string path, Dictionary<string, HeadRecord> heads)
    {
        Path = path;
        _heads = heads;
    }

    public string Path { get; }

    public static string DirectoryIn(string workspaceRoot) => WorkspaceLayout.PathIn(workspaceRoot, DirectoryName);

    /// <summary>The key: the journal's checkpoint origin (deirf.local/&lt;workspace id&gt;/&lt;incident&gt;).</summary>
    public static string KeyFor(string workspaceId, string journalId) => Checkpoints.Checkpoint.OriginFor(workspaceId, journalId);

    public static SyncTrustStore Load(string workspaceRoot)
    {
        var path = WorkspaceLayout.PathIn(workspaceRoot, WorkspaceLayout.TrustedHeadsFile);
        var heads = new Dictionary<string, HeadRecord>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    heads[p.Name] = new HeadRecord(p.Value.GetProperty("seq").GetInt64(), p.Value.GetProperty("hash").GetString()!);
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // Refuse rather than start trusting afresh: an unreadable trust state must not become "trust anything".
                throw new SyncException("SyncTrustStateInvalid", DeirfErrorKind.InvalidData,
                    $"The sync trust state '{path}' is unreadable ({ex.Message}); restore it, or delete it only if you trust the remote as it is now.", path, ex);
            }
        }
        return new SyncTrustStore(path, heads);
    }

    public HeadRecord? Get(string key) => _heads.GetValueOrDefault(key);

    /// <summary>Records a head, only ever moving forward (a shorter head never replaces a longer one).</summary>
    public void Accept(string key, HeadRecord head)
    {
        if (_heads.TryGetValue(key, out var old) && old.Seq > head.Seq)
        {
            return;
        }
        _heads[key] = head;
    }

    public void Save()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var obj = new JsonObject();
        foreach (var (k, v) in _heads)
        {
            obj[k] = new JsonObject { ["hash"] = v.Hash, ["seq"] = v.Seq };
        }
        AtomicFile.Write(Path, CanonicalJson.Serialize(obj));
    }
}
