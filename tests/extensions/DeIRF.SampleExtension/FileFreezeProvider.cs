using System.Globalization;
using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.SampleExtension;

/// <summary>
/// The sample containment provider, sample.file.freeze: makes one file read-only for everyone (removes every write
/// bit), the smallest real containment there is (a config an attacker keeps rewriting, a web root). Plan reads the
/// mode; apply removes the write bits and reads the mode back; verify reads it; undo puts back exactly the mode apply
/// recorded, and only when the file still has the mode apply left (otherwise someone changed it since: refused).
/// Target: an absolute path of a regular file (no symlink). Unix only.
/// </summary>
public sealed class FileFreezeProvider : IContainmentProvider
{
    public const string ActionName = "sample.file.freeze";

    private const UnixFileMode WriteBits = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    public IReadOnlyCollection<string> Actions { get; } = [ActionName];

    public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var (path, mode) = Read(request);
        var frozen = mode & ~WriteBits;
        return Task.FromResult(new ContainmentPlan
        {
            Action = ActionName, Target = request.Target,
            Steps = [$"chmod a-w {path} ({Octal(mode)} -> {Octal(frozen)})"],
            Before = State(path, mode), Expected = State(path, frozen),
            Warnings = mode == frozen ? ["the file is read-only already: apply changes nothing"] : [],
        });
    }

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var (path, before) = Read(request);
        var frozen = before & ~WriteBits;
        File.SetUnixFileMode(path, frozen);
        var after = File.GetUnixFileMode(path);
        return Task.FromResult(new ContainmentResult
        {
            Action = ActionName, Target = request.Target, Before = State(path, before), After = State(path, after),
            UndoState = new JsonObject { ["path"] = path, ["mode"] = Octal(before), ["frozen"] = Octal(frozen) },
            Verified = after == frozen,
            Message = $"{path} is {Octal(after)}",
        });
    }

    public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var (path, mode) = Read(request);
        var stillFrozen = (mode & WriteBits) == 0;
        return Task.FromResult(new ContainmentResult
        {
            Action = ActionName, Target = request.Target, Before = State(path, mode), After = State(path, mode),
            UndoState = undoState, Verified = stillFrozen,
            Message = stillFrozen ? $"{path} is still read-only ({Octal(mode)})" : $"{path} is writable again ({Octal(mode)})",
        });
    }

    public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var (path, now) = Read(request);
        if (undoState["path"]?.GetValue<string>() != path || undoState["mode"]?.GetValue<string>() is not { } recorded
            || undoState["frozen"]?.GetValue<string>() is not { } frozen)
        {
            throw new ContainmentException("SampleFileFreezeUndoStateInvalid", DeirfErrorKind.InvalidData,
                "The undo state does not name this file's recorded mode.", request.Target);
        }
        if (Octal(now) != frozen)
        {
            throw new ContainmentException("SampleFileFreezeChangedSince", DeirfErrorKind.InvalidOperation,
                $"{path} is {Octal(now)}, not the {frozen} apply left: someone changed it since, so undo leaves it alone.", request.Target);
        }
        var mode = (UnixFileMode)Convert.ToInt32(recorded, 8);
        File.SetUnixFileMode(path, mode);
        var after = File.GetUnixFileMode(path);
        return Task.FromResult(new ContainmentResult
        {
            Action = ActionName, Target = request.Target, Before = State(path, now), After = State(path, after),
            UndoState = undoState, Verified = after == mode, Message = $"{path} is {Octal(after)} again",
        });
    }

    private static (string Path, UnixFileMode Mode) Read(ContainmentRequest request)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new ContainmentException("SampleFileFreezeUnsupported", DeirfErrorKind.InvalidOperation, "sample.file.freeze works on Unix file modes only.", request.Target);
        }
        var path = request.Target;
        if (!Path.IsPathFullyQualified(path) || path.Contains('\0'))
        {
            throw new ContainmentException("SampleFileFreezeTargetInvalid", DeirfErrorKind.InvalidArgument,
                $"The target '{path}' is not an absolute path.", request.Target);
        }
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            throw new ContainmentException("SampleFileFreezeTargetInvalid", DeirfErrorKind.InvalidArgument,
                $"'{path}' is not a regular file (missing, a folder or a symlink).", request.Target);
        }
        return (path, File.GetUnixFileMode(path));
    }

    private static JsonObject State(string path, UnixFileMode mode) => new() { ["path"] = path, ["mode"] = Octal(mode) };

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
