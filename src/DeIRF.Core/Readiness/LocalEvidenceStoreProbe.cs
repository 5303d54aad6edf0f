using DeIRF.Evidence;

namespace DeIRF.Readiness;

/// <summary>
/// "Evidence bucket (write-once)" for the workspace's local store: the store folder exists and every object in it is
/// read-only (no write bit on Unix, the ReadOnly attribute on Windows). Always applies, so it is the last probe; an S3
/// object-lock store puts its own probe in front of it in <see cref="ReadinessChecklist.EvidenceStoreProbes"/>.
/// </summary>
public sealed class LocalEvidenceStoreProbe : IReadinessProbe
{
    public const string ItemName = "Evidence store write-once";

    /// <summary>Objects looked at per run: enough to catch a store copied without its modes, cheap on a big store.</summary>
    public const int MaxObjectsChecked = 10_000;

    public string Item => ItemName;

    public ReadinessCheck? Check(ReadinessContext context)
    {
        var store = LocalEvidenceStore.In(context.Workspace);
        var source = Path.GetRelativePath(context.Workspace.Root, store.ObjectsDirectory);
        if (!Directory.Exists(store.ObjectsDirectory))
        {
            return ReadinessChecklist.Result(ItemName, ReadinessChecklist.Preparation, ReadinessStatus.Warn,
                "The local write-once store has not been created yet (no evidence captured).",
                "Capture a first item (Add-DeirfEvidence) to create it and check again, or configure an S3 object-lock store.", source);
        }
        int checkedCount = 0;
        var writable = new List<string>();
        foreach (var file in Directory.EnumerateFiles(store.ObjectsDirectory, "*", SearchOption.AllDirectories))
        {
            if (file.Contains(Path.DirectorySeparatorChar + Workspaces.WorkspaceLayout.IncomingFolderName + Path.DirectorySeparatorChar, StringComparison.Ordinal) || ++checkedCount > MaxObjectsChecked)
            {
                continue;
            }
            if (IsWritable(file))
            {
                writable.Add(Path.GetFileName(file));
            }
        }
        checkedCount = Math.Min(checkedCount, MaxObjectsChecked);
        if (writable.Count > 0)
        {
            return ReadinessChecklist.Result(ItemName, ReadinessChecklist.Preparation, ReadinessStatus.Fail,
                $"{writable.Count} of {checkedCount} stored object(s) are writable (e.g. {writable[0][..Math.Min(16, writable[0].Length)]}…): the store is not write-once.",
                "Check them with Test-DeirfEvidence, then make them read-only again (chmod a-w); copy workspaces with their file modes.", source);
        }
        return ReadinessChecklist.Result(ItemName, ReadinessChecklist.Preparation, ReadinessStatus.Pass,
            $"Local store: {checkedCount} object(s), all read-only; objects are published with a no-replace link.", string.Empty, source);
    }

    private static bool IsWritable(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return !File.GetAttributes(file).HasFlag(FileAttributes.ReadOnly);
        }
        const UnixFileMode anyWrite = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        return (File.GetUnixFileMode(file) & anyWrite) != 0;
    }
}
