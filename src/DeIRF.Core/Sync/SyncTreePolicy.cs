using System.Globalization;
using System.Text;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>One entry of a fetched commit's tree, as <c>git ls-tree -r -l -z</c> prints it.</summary>
public sealed record SyncTreeEntry(string Mode, string Type, string Id, long Size, string Path);

/// <summary>Size limits a fetched tree must keep before any of it is read into memory or written.</summary>
public sealed record SyncTreeLimits
{
    /// <summary>A journal (roster or incident) blob; a 100,000-entry incident journal is about 60 MB.</summary>
    public long MaxJournalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Any other file of the layout (settings, checkpoints, rules, templates).</summary>
    public long MaxFileBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>All blobs of the tree together.</summary>
    public long MaxTreeBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Files in the tree.</summary>
    public int MaxEntries { get; init; } = 200_000;

    public static SyncTreeLimits Default { get; } = new();
}

/// <summary>
/// What a fetched tree may hold, checked before anything of it is written: only paths of the workspace layout, only
/// plain files (no symbolic links, no submodules), no <c>..</c>, no <c>.git</c> in any spelling a filesystem folds to
/// it, nothing this replica keeps for itself (trusted heads, head records, evidence bytes, drill keys), and size
/// caps per blob and per tree. The remote is trusted no more than any one responder, and a responder cannot write
/// outside the layout.
/// </summary>
public static class SyncTreePolicy
{
    /// <inheritdoc cref="WorkspaceLayout.ReplicaLocal"/>
    public static readonly string[] ReplicaLocal = WorkspaceLayout.ReplicaLocal;

    /// <summary>Git pathspecs that keep the replica-local paths out of the index whatever .gitignore says.</summary>
    public static IEnumerable<string> ExcludePathspecs()
    {
        // Always "**/..." : a pattern with a literal prefix naming an ignored folder makes git add fail.
        foreach (var p in ReplicaLocal)
        {
            var glob = p.EndsWith('/') ? p + "**" : p;
            yield return ":(exclude,glob)" + (glob.StartsWith("**/", StringComparison.Ordinal) ? glob : "**/" + glob);
        }
    }

    public static bool IsReplicaLocal(string path) => WorkspaceLayout.IsReplicaLocal(path);

    /// <summary>Why a path cannot be a workspace path (error id and reason), or null when it can.</summary>
    public static (string ErrorId, string Reason)? CheckPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 400)
        {
            return ("SyncTreePathRefused", "an empty or over-long path");
        }
        foreach (var c in path)
        {
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':' || (c >= 0x80 && c < 0xa0))
            {
                return ("SyncTreePathRefused", $"a control character, backslash or colon (U+{(int)c:X4})");
            }
        }
        if (path[0] == '/')
        {
            return ("SyncTreePathRefused", "an absolute path");
        }
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == "." || part == "..")
            {
                return ("SyncTreePathTraversal", "an empty, '.' or '..' path component");
            }
            if (IsGitName(part))
            {
                return ("SyncTreeGitPathRefused", $"the component '{part}' is .git in some filesystem's spelling");
            }
        }
        if (IsReplicaLocal(path))
        {
            return ("SyncTreeReplicaLocalRefused", "a path every replica keeps for itself (trust store, head records, evidence bytes, keys)");
        }
        if (!WorkspaceLayout.IsSharedPath(path))
        {
            return ("SyncTreePathRefused", "not a path of the workspace layout (docs/sync.md lists them)");
        }
        return null;
    }

    /// <summary>
    /// True for names some filesystem resolves to <c>.git</c>: any case, any Unicode compatibility form, with
    /// characters HFS+ ignores, trailing dots or spaces (NTFS), the 8.3 short name <c>GIT~1</c>; also
    /// <c>.gitmodules</c> and <c>.gitattributes</c>, which change how git itself reads the tree.
    /// </summary>
    public static bool IsGitName(string part)
    {
        var sb = new StringBuilder(part.Length);
        foreach (var c in part.Normalize(NormalizationForm.FormKC))
        {
            // HFS+ ignores these when comparing names; NTFS drops trailing dots and spaces.
            if (c is >= '\u200b' and <= '\u200f' || c is >= '\u202a' and <= '\u202e' || c is >= '\u206a' and <= '\u206f' || c == '\ufeff')
            {
                continue;
            }
            sb.Append(c);
        }
        var name = sb.ToString().TrimEnd('.', ' ').ToLower(CultureInfo.InvariantCulture);
        return name is ".git" or "git~1" or ".gitmodules" or ".gitattributes" || name.StartsWith(".git~", StringComparison.Ordinal) || name.StartsWith("gitmod~", StringComparison.Ordinal);
    }

    /// <summary>Every reason the tree cannot be taken; empty when it can.</summary>
    public static IReadOnlyList<SyncRefusal> Check(IReadOnlyList<SyncTreeEntry> entries, SyncTreeLimits? limits = null)
    {
        limits ??= SyncTreeLimits.Default;
        var refusals = new List<SyncRefusal>();
        void Refuse(string id, string path, string reason) => refusals.Add(new SyncRefusal(id, path, null, null, null, reason));
        if (entries.Count > limits.MaxEntries)
        {
            Refuse("SyncTreeTooLarge", "(tree)", $"{entries.Count} files, more than {limits.MaxEntries}");
            return refusals;
        }
        long total = 0;
        var folded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (e.Mode == "120000")
            {
                Refuse("SyncTreeSymlinkRefused", e.Path, "a symbolic link (mode 120000); a workspace holds plain files only");
                continue;
            }
            if (e.Mode == "160000" || e.Type == "commit")
            {
                Refuse("SyncTreeGitlinkRefused", e.Path, "a submodule (mode 160000); a workspace holds plain files only");
                continue;
            }
            if (e.Type != "blob" || (e.Mode != "100644" && e.Mode != "100755"))
            {
                Refuse("SyncTreeModeRefused", e.Path, $"mode {e.Mode} {e.Type}; only plain files (100644, 100755)");
                continue;
            }
            if (CheckPath(e.Path) is { } bad)
            {
                Refuse(bad.ErrorId, e.Path, bad.Reason);
                continue;
            }
            var cap = WorkspaceLayout.JournalIdOf(e.Path) is null ? limits.MaxFileBytes : limits.MaxJournalBytes;
            if (e.Size < 0 || e.Size > cap)
            {
                Refuse("SyncTreeBlobTooLarge", e.Path, $"{e.Size} bytes, more than the {cap} a file of this kind may have");
                continue;
            }
            // Two names one case-insensitive filesystem would write to one file.
            var key = e.Path.Normalize(NormalizationForm.FormKC).ToUpperInvariant();
            if (folded.TryGetValue(key, out var other))
            {
                Refuse("SyncTreePathCollision", e.Path, $"'{other}' and '{e.Path}' are one file on a case-insensitive filesystem");
                continue;
            }
            folded[key] = e.Path;
            total += e.Size;
        }
        if (total > limits.MaxTreeBytes)
        {
            Refuse("SyncTreeTooLarge", "(tree)", $"{total} bytes in all, more than {limits.MaxTreeBytes}");
        }
        return refusals;
    }

    /// <summary>
    /// Creates the folders from <paramref name="root"/> down to <paramref name="relative"/>'s parent, refusing any
    /// step that is a symbolic link or not a folder: a write never follows a link planted in the working tree.
    /// Returns the full path.
    /// </summary>
    public static string SafeTarget(string root, string relative)
    {
        if (CheckPath(relative) is { } bad)
        {
            throw new SyncException(bad.ErrorId, DeirfErrorKind.SecurityError, $"Refused to write '{relative}': {bad.Reason}.", relative);
        }
        var parts = relative.Split('/');
        var dir = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            dir = System.IO.Path.Combine(dir, parts[i]);
            var info = new DirectoryInfo(dir);
            if (info.LinkTarget is not null || (File.Exists(dir) && !Directory.Exists(dir)))
            {
                throw new SyncException("SyncTreeLinkInPath", DeirfErrorKind.SecurityError,
                    $"Refused to write '{relative}': '{parts[i]}' in this replica is a link or a file, not a folder.", relative);
            }
            if (!info.Exists)
            {
                Directory.CreateDirectory(dir);
            }
        }
        var full = System.IO.Path.Combine(dir, parts[^1]);
        if (new FileInfo(full).LinkTarget is not null || Directory.Exists(full))
        {
            throw new SyncException("SyncTreeLinkInPath", DeirfErrorKind.SecurityError,
                $"Refused to write '{relative}': it is a link or a folder in this replica.", relative);
        }
        return full;
    }

    /// <summary>
    /// Writes a layout file: no step of its path may be a link (<see cref="SafeTarget"/>); the bytes go to a temp file
    /// created exclusively under a random name (never a planted one), then renamed over the target (a rename replaces
    /// a link, never follows it).
    /// </summary>
    internal static void WriteFile(string root, string relative, byte[] bytes)
    {
        var path = SafeTarget(root, relative);
        if (File.Exists(path))
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
        AtomicFile.Write(path, bytes);
    }
}
