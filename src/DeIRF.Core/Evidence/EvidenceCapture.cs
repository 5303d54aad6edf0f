using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Evidence;

/// <summary>One file to capture, found from what the user gave (a file, or a file inside a given folder).</summary>
public sealed record EvidenceFile(string FullPath, long Length);

public sealed record EvidenceCaptureOptions
{
    /// <summary>Store 0-byte files (refused by default: DFIR-IRIS #287 stored empty uploads with the hash of nothing).</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>Called on the calling thread with the bytes of the current file stored so far.</summary>
    public Action<long>? Progress { get; init; }

    public CancellationToken CancellationToken { get; init; }
}

/// <summary>
/// "Evidence first": stores files in the evidence store and appends one chain-of-custody entry ("evidence.added") per
/// file to the incident's journal — store first, then journal, so an entry never names bytes that are not stored.
/// </summary>
public sealed class EvidenceCapture
{
    public EvidenceCapture(JournalFile journal, IEvidenceStore store)
    {
        Journal = journal;
        Store = store;
    }

    /// <summary>Capture into a workspace incident, with the workspace's configured store (evidence-store.json). Fails when the incident does not exist.</summary>
    public EvidenceCapture(Workspace workspace, string incident)
        : this(workspace.JournalOf(Workspace.ValidateIncidentId(incident)), EvidenceStores.Open(workspace))
    {
    }

    public JournalFile Journal { get; }
    public IEvidenceStore Store { get; }

    /// <summary>
    /// The files a path names: the file itself, or every file under a folder (recursive, hidden files included,
    /// ordered by their path relative to the folder, ordinal). Folders reached through a symbolic link are not
    /// followed (no loops, no escaping the folder); each problem found on the way is reported to
    /// <paramref name="onProblem"/> and the walk goes on.
    /// </summary>
    public static IReadOnlyList<EvidenceFile> Expand(string fullPath, Action<DeirfException>? onProblem = null)
    {
        onProblem ??= ex => throw ex;
        var files = new List<(string Relative, EvidenceFile File)>();
        var info = new FileInfo(fullPath);
        // A folder the user names is walked even when it is a link; links met inside it are not followed.
        if (Directory.Exists(fullPath))
        {
            Walk(new DirectoryInfo(fullPath), string.Empty, files, onProblem);
            files.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
            return files.Select(f => f.File).ToArray();
        }
        if (!info.Exists && info.LinkTarget is null && !Directory.Exists(fullPath))
        {
            throw new DeirfException("EvidenceNotFound", DeirfErrorKind.NotFound, $"'{fullPath}' does not exist.", fullPath);
        }
        // A file, or a symbolic link (captured through; a loop or a dangling link fails when opened).
        return [new EvidenceFile(fullPath, info.Exists ? SafeLength(info) : 0)];
    }

    private static void Walk(DirectoryInfo dir, string relative, List<(string, EvidenceFile)> files, Action<DeirfException> onProblem)
    {
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = dir.EnumerateFileSystemInfos("*", new EnumerationOptions
            {
                RecurseSubdirectories = false,
                AttributesToSkip = 0,
                IgnoreInaccessible = false,
                MatchType = MatchType.Simple,
                ReturnSpecialDirectories = false,
            }).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            onProblem(Unreadable(dir.FullName, ex));
            return;
        }
        foreach (var entry in entries)
        {
            var rel = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry is DirectoryInfo sub)
            {
                if (sub.LinkTarget is not null)
                {
                    onProblem(new DeirfException("EvidenceLinkNotFollowed", DeirfErrorKind.InvalidOperation,
                        $"'{sub.FullName}' is a symbolic link to a folder ({sub.LinkTarget}); it was not followed. Give the folder itself to capture it.", sub.FullName));
                    continue;
                }
                Walk(sub, rel, files, onProblem);
            }
            else
            {
                files.Add((rel, new EvidenceFile(entry.FullName, entry.Exists ? SafeLength((FileInfo)entry) : 0)));
            }
        }
    }

    private static long SafeLength(FileInfo info)
    {
        try
        {
            return info.Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    internal static DeirfException Unreadable(string path, Exception ex)
        => new("EvidenceUnreadable", DeirfErrorKind.ResourceUnavailable, $"Could not read '{path}': {ex.Message.TrimEnd('.')}. Nothing was stored or journaled for it.", path, ex);

    /// <summary>
    /// Stores one file and appends its custody entry. Nothing is journaled unless the bytes are stored; an empty,
    /// missing or unreadable file is an error naming it (EvidenceEmpty, EvidenceNotFound, EvidenceUnreadable).
    /// </summary>
    public EvidenceItem Capture(EvidenceFile file, string? target, string collector, EvidenceCaptureOptions? options = null,
        JournalAppendOptions? appendOptions = null)
    {
        options ??= new EvidenceCaptureOptions();
        JournalFile.ValidateHandle(collector);
        if (target is not null && (string.IsNullOrWhiteSpace(target) || target.Length > 256))
        {
            throw new InvalidStatementException(EvidenceAdded.KindName, "target", "The evidence target must be 1–256 characters (e.g. prod/api-7f9).", target);
        }
        StoredEvidence stored;
        FileStream source;
        try
        {
            source = NativeFiles.OpenSourceForRead(file.FullPath);
        }
        catch (FileNotFoundException ex)
        {
            throw new DeirfException("EvidenceNotFound", DeirfErrorKind.NotFound, $"'{file.FullPath}' does not exist.", file.FullPath, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new DeirfException("EvidenceNotFound", DeirfErrorKind.NotFound, $"'{file.FullPath}' does not exist.", file.FullPath, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(file.FullPath, ex);
        }
        using (source)
        {
            long length;
            try
            {
                length = source.Length;
            }
            catch (IOException)
            {
                length = 0;
            }
            stored = Store.Put(source, new EvidencePutOptions
            {
                // Files that report no size (/proc and the like) are read to their end.
                ExpectedSize = length > 0 ? length : null,
                SourceName = file.FullPath,
                AllowEmpty = options.AllowEmpty,
                Progress = options.Progress,
                CancellationToken = options.CancellationToken,
            });
        }
        // Off-workspace bytes: the custody record says where (s3://bucket/key), so a replica finds them.
        var body = new EvidenceAdded.Body(stored.Sha256, stored.Size, file.FullPath, Path.GetFileName(file.FullPath.TrimEnd('/', '\\')), collector, target,
            Store is not LocalEvidenceStore ? stored.StoredPath : null);
        var entry = Journal.Append(StatementDraft.Of(collector, body),
            (appendOptions ?? JournalAppendOptions.Default) with { CancellationToken = CancellationToken.None });
        return EvidenceItem.FromEntry(entry, Store)!;
    }

    /// <summary>The incident's evidence, in journal order.</summary>
    public IEnumerable<EvidenceItem> List(CancellationToken cancellationToken = default)
    {
        foreach (var entry in Journal.ReadEntries(cancellationToken))
        {
            if (EvidenceItem.FromEntry(entry, Store) is { } item)
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// "Evidence first": whether the incident holds evidence captured for <paramref name="target"/> (exact, ordinal),
    /// the question containment asks before it acts on a target.
    /// </summary>
    public bool HasEvidenceFor(string target, CancellationToken cancellationToken = default)
        => List(cancellationToken).Any(item => string.Equals(item.Target, target, StringComparison.Ordinal));

    /// <summary>Re-hashes every stored item the incident's custody entries name: one verdict per entry.</summary>
    public IEnumerable<EvidenceVerdict> Test(CancellationToken cancellationToken = default)
    {
        // The same content captured twice is one object: hash it once.
        var checks = new Dictionary<(string, long), EvidenceCheck>();
        foreach (var item in List(cancellationToken))
        {
            EvidenceCheck check;
            if (!item.Hash.StartsWith(EvidenceAdded.HashPrefix, StringComparison.Ordinal) || item.StoredPath.Length == 0)
            {
                check = new EvidenceCheck(EvidenceFault.Changed, $"The custody entry's hash '{item.Hash}' is not a SHA-256.", null, null);
            }
            else if (!checks.TryGetValue((item.Sha256, item.Size), out check!))
            {
                check = Store.Verify(item.Sha256, item.Size, cancellationToken);
                checks[(item.Sha256, item.Size)] = check;
            }
            yield return new EvidenceVerdict
            {
                IsValid = check.IsValid,
                Fault = check.Fault,
                Reason = check.Reason,
                Hash = item.Hash,
                ActualHash = check.ActualSha256 is null ? null : EvidenceAdded.HashPrefix + check.ActualSha256,
                Size = item.Size,
                Path = item.OriginalPath,
                StoredPath = item.StoredPath,
                Incident = item.Incident,
                Seq = item.Seq,
            };
        }
    }
}
