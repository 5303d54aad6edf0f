namespace DeIRF.Sync;

/// <summary>A sync failure: git failed, the workspace is not a repository, the remote is unusable.</summary>
public class SyncException : DeirfException
{
    public SyncException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
    }
}

/// <summary>
/// Why a remote journal was not accepted: which journal, at which sequence, the hash this replica holds (or had
/// accepted) and the hash the remote shows there. Nothing of the workspace was changed.
/// </summary>
public sealed record SyncRefusal(string ErrorId, string Journal, long? Seq, string? LocalHash, string? RemoteHash, string Reason)
{
    /// <summary>The git commit refused (signed history: SyncCommitUnsigned, SyncCommitSignerUnknown, SyncCommitMergeRefused), else null.</summary>
    public string? Commit { get; init; }

    /// <summary>What the refusal is about: the commit when it names one, else the journal.</summary>
    public string Target => Commit ?? Journal;

    public override string ToString() => $"{Journal}: {ErrorId} at seq {Seq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}"
        + $" (local {LocalHash ?? "-"}, remote {RemoteHash ?? "-"}): {Reason}";
}

/// <summary>The remote was refused: one or more journals were rewritten, forked or tampered with. Nothing was merged or pushed.</summary>
public sealed class SyncRefusedException : SyncException
{
    public SyncRefusedException(IReadOnlyList<SyncRefusal> refusals)
        : base(refusals[0].ErrorId, DeirfErrorKind.SecurityError,
            "The remote was refused; this replica kept its journals and pushed nothing. " + string.Join(" | ", refusals), refusals[0].Target)
    {
        Refusals = refusals;
    }

    public IReadOnlyList<SyncRefusal> Refusals { get; }
}
