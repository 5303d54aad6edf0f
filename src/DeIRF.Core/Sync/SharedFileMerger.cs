using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Identity;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// The shared files that are not journals (settings, asset inventory, detection rules, drill records, templates,
/// runbooks, checkpoints) merged three ways: base (the last commit both sides had), the remote's commit, this working
/// tree. Unchanged here: the remote's is taken; unchanged there: ours is kept; changed on both sides: the remote's
/// wins and ours goes to .deirf-sync/conflicts. The governed settings are only taken as the remote's roster journal
/// decided them.
/// </summary>
internal sealed class SharedFileMerger(Workspace ws, GitCli git)
{
    /// <summary>
    /// Shared settings arrive only as decisions: each governed file the remote changed must be what the remote's own
    /// roster journal set (<paramref name="remoteRoster"/>); what is not goes to <paramref name="refusals"/>.
    /// </summary>
    public static void RefuseUnjournaledSettings(GitCli git, IReadOnlyDictionary<string, string> baseTree, IReadOnlyDictionary<string, string> remoteTree,
        Roster? remoteRoster, List<SyncRefusal> refusals)
    {
        foreach (var file in Roster.GovernedFiles)
        {
            if (remoteTree.TryGetValue(file, out var blob) && baseTree.GetValueOrDefault(file) != blob && CheckGoverned(file, git.Blob(blob), remoteRoster) is { } bad)
            {
                refusals.Add(bad);
            }
        }
    }

    private static SyncRefusal? CheckGoverned(string file, byte[] bytes, Roster? roster)
    {
        string sha;
        try
        {
            sha = Convert.ToHexString(SHA256.HashData(CanonicalJson.Serialize(JsonNode.Parse(bytes)!))).ToLowerInvariant();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return new SyncRefusal("SyncSettingsUnjournaled", file, null, null, null, "the remote's copy is not JSON");
        }
        var set = roster?.Settings.GetValueOrDefault(file);
        return set is null
            ? new SyncRefusal("SyncSettingsUnjournaled", file, null, null, sha, "no settings.set entry in the remote's roster journal set it: a committed file is not a decision")
            : set.Sha256 != sha
                ? new SyncRefusal("SyncSettingsUnjournaled", file, set.Seq, set.Sha256, sha, $"its content is not what ROSTER#{set.Seq} set (an edit, or an older version put back)")
                : null;
    }

    /// <summary>Merges every shared non-journal path of base, remote and this working tree into the working tree.</summary>
    public void Merge(IReadOnlyDictionary<string, string> baseTree, IReadOnlyDictionary<string, string> remoteTree, SyncRound round)
    {
        // Only layout paths take part: a file this replica keeps outside the layout is neither shared nor replaced.
        static bool Shared(string p) => WorkspaceLayout.JournalIdOf(p) is null && SyncTreePolicy.CheckPath(p) is null;
        var localFiles = GitCli.Split0(git.Run(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).Stdout)
            .Where(p => Shared(p) && File.Exists(WorkspaceLayout.PathIn(ws.Root, p))).Distinct(StringComparer.Ordinal).ToList();
        var localIds = git.HashObjects(localFiles);
        var local = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < localFiles.Count; i++)
        {
            local[localFiles[i]] = localIds[i];
        }
        var paths = new SortedSet<string>(baseTree.Keys.Concat(remoteTree.Keys).Concat(local.Keys).Where(Shared), StringComparer.Ordinal);
        foreach (var p in paths)
        {
            baseTree.TryGetValue(p, out var b);
            remoteTree.TryGetValue(p, out var r);
            local.TryGetValue(p, out var l);
            if (l == r || r == b)
            {
                continue; // same on both sides, or only this replica changed it
            }
            // Every step from the workspace root is a real folder: a write never follows a link in this replica.
            var full = SyncTreePolicy.SafeTarget(ws.Root, p);
            if (l == b)
            {
                // Only the remote changed it: take the remote's.
                if (r is null)
                {
                    File.Delete(full);
                }
                else
                {
                    SyncTreePolicy.WriteFile(ws.Root, p, git.Blob(r));
                }
                continue;
            }
            // Changed on both sides.
            if (WorkspaceLayout.IsCheckpointPath(p) && l is not null && r is not null && CheckpointReconciler.TryJoin(full, git.Blob(r)))
            {
                continue;
            }
            if (l is not null && r is not null && WorkspaceLayout.IsCheckpointPath(p))
            {
                continue; // different tree heads: CheckpointReconciler keeps the one that matches the merged journal
            }
            if (l is not null)
            {
                var aside = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.ConflictCopy(p, DateTimeOffset.UtcNow));
                Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
                File.Copy(full, aside);
                round.FileConflicts.Add(p);
            }
            if (r is null)
            {
                continue; // the remote deleted a file this replica changed: keep this replica's copy
            }
            SyncTreePolicy.WriteFile(ws.Root, p, git.Blob(r));
        }
    }
}
