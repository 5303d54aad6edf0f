using System.Text;
using DeIRF.Checkpoints;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// The incidents' checkpoints after their journals are merged. Two copies of one checkpoint with the same tree head
/// are joined (signatures unioned); a checkpoint whose root is not the merged journal's root at its size covered
/// re-linked entries — a history that no longer exists — and is replaced by the remote's matching copy or set aside
/// in .deirf-sync/superseded (kept, never pushed). So a re-link never travels as a fork.
/// </summary>
internal sealed class CheckpointReconciler(Workspace ws, GitCli git)
{
    /// <summary>
    /// Checkpoints that do not match the merged journal covered local entries that were re-linked: their roots are of
    /// a history that no longer exists anywhere. They are moved to .deirf-sync/superseded (kept, never pushed), or
    /// replaced by the remote's copy of that size when that one matches; they never travel as a fork.
    /// </summary>
    public void Reconcile(IReadOnlyDictionary<string, string> remoteTree, SyncRound round)
    {
        foreach (var id in ws.IncidentIds())
        {
            var dir = CheckpointLog.DirectoryFor(ws, id);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            var files = Directory.GetFiles(dir, "*" + CheckpointLog.Extension);
            if (files.Length == 0)
            {
                continue;
            }
            var copy = JournalCopy.TryParse(File.ReadAllBytes(ws.JournalPathFor(id)), out _, out _);
            if (copy is null)
            {
                continue;
            }
            var tree = new MerkleTree();
            for (int i = 0; i < copy.Count; i++)
            {
                tree.AppendEntryHash(Convert.FromHexString(copy.Hash(i)));
            }
            var origin = Checkpoint.OriginFor(ws.WorkspaceId, id);
            bool Matches(Checkpoint c) => c.Origin == origin && c.Size >= 1 && c.Size <= tree.Size && c.RootHash.AsSpan().SequenceEqual(tree.Root(c.Size));
            foreach (var file in files)
            {
                var rel = Path.GetRelativePath(ws.Root, file).Replace(Path.DirectorySeparatorChar, '/');
                Checkpoint? cp = null;
                try
                {
                    cp = Checkpoint.Load(file);
                }
                catch (DeirfException)
                {
                }
                if (cp is not null && Matches(cp))
                {
                    continue;
                }
                if (remoteTree.TryGetValue(rel, out var blob))
                {
                    var remoteBytes = git.Blob(blob);
                    Checkpoint? theirs = null;
                    try
                    {
                        theirs = Checkpoint.Parse(Encoding.UTF8.GetString(remoteBytes));
                    }
                    catch (DeirfException)
                    {
                    }
                    if (theirs is not null && Matches(theirs))
                    {
                        SetAside(file, rel, round);
                        SyncTreePolicy.WriteFile(ws.Root, rel, remoteBytes);
                        continue;
                    }
                    if (File.ReadAllBytes(file).AsSpan().SequenceEqual(remoteBytes))
                    {
                        round.Conflicts.Add(new SyncConflict(id, "RemoteCheckpointMismatch", rel, [cp?.Size ?? -1],
                            "the remote's own checkpoint does not match the journal; left as it is for a person to look at"));
                        continue;
                    }
                }
                SetAside(file, rel, round);
            }
        }
    }

    /// <summary>Two copies of one checkpoint with the same tree head: one file with both sets of signatures.</summary>
    public static bool TryJoin(string localPath, byte[] remoteBytes)
    {
        try
        {
            var mine = Checkpoint.Load(localPath);
            var theirs = Checkpoint.Parse(Encoding.UTF8.GetString(remoteBytes));
            if (!mine.SameTreeHead(theirs))
            {
                return false;
            }
            foreach (var s in mine.Signatures)
            {
                if (!theirs.Signatures.Any(t => t.Name == s.Name && t.KeyId == s.KeyId))
                {
                    theirs = theirs.WithSignature(s);
                }
            }
            theirs.Save(localPath);
            return true;
        }
        catch (DeirfException)
        {
            return false;
        }
    }

    private void SetAside(string file, string rel, SyncRound round)
    {
        var aside = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SupersededCopy(rel, DateTimeOffset.UtcNow));
        Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
        File.Move(file, aside);
        round.Superseded.Add(rel);
    }
}
