namespace DeIRF.Journal;

/// <summary>The journal ends in a partial line (a crash mid-write). Appending is refused until it is repaired.</summary>
public sealed class JournalTornTailException : DeirfException
{
    public JournalTornTailException(string path, long offset, long length)
        : base("JournalTornTail", DeirfErrorKind.InvalidData,
            $"Journal '{path}' ends in a torn line of {length} byte(s) at offset {offset} (a write was interrupted). Run Repair-DeirfJournal to move the torn bytes aside.", path)
    {
        Offset = offset;
        Length = length;
    }

    public long Offset { get; }
    public long Length { get; }
}

/// <summary>The journal is damaged in a way that is not a torn tail.</summary>
public sealed class JournalCorruptException : DeirfException
{
    public JournalCorruptException(string path, JournalFault fault, string message)
        : base("JournalCorrupt", DeirfErrorKind.InvalidData, message, path)
    {
        Fault = fault;
    }

    public JournalFault Fault { get; }
}

/// <summary>Another writer held the journal lock for longer than the timeout.</summary>
public sealed class JournalLockTimeoutException : DeirfException
{
    public JournalLockTimeoutException(string path, TimeSpan timeout)
        : base("JournalLockTimeout", DeirfErrorKind.ResourceBusy,
            $"Could not lock journal '{path}' within {timeout.TotalSeconds:0.#} s: another process is appending. Try again.", path)
    {
    }
}

/// <summary>Repair only mends a torn tail; anything else is evidence and is left as it is.</summary>
public sealed class JournalRepairRefusedException : DeirfException
{
    public JournalRepairRefusedException(string path, JournalVerdict verdict)
        : base("JournalRepairRefused", DeirfErrorKind.InvalidOperation,
            $"Refusing to repair '{path}': the damage is not a torn tail ({verdict.Fault} at seq {verdict.FirstBadSeq}, line {verdict.FirstBadLine}: {verdict.Reason}). Nothing was changed.", path)
    {
        Verdict = verdict;
    }

    public JournalVerdict Verdict { get; }
}


/// <summary>
/// The file system failed a write, fsync or rename of an append or a repair (I/O error, disk full, permission). Nothing
/// of the failed call was acknowledged; an append takes back what reached the file, so the journal is as it was.
/// </summary>
public sealed class JournalWriteFailedException : DeirfException
{
    public JournalWriteFailedException(string path, bool rolledBack, Exception inner, bool repairing = false)
        : base("JournalWriteFailed", DeirfErrorKind.WriteError, Describe(path, rolledBack, inner, repairing), path, inner)
    {
        RolledBack = rolledBack;
    }

    /// <summary>True when the journal was left as it was before the failed call.</summary>
    public bool RolledBack { get; }

    private static string Describe(string path, bool rolledBack, Exception inner, bool repairing) => repairing
        ? $"Could not repair journal '{path}': {inner.Message.TrimEnd('.')}. No entry was lost; run Repair-DeirfJournal again once the disk is healthy."
        : rolledBack
            ? $"Could not append to journal '{path}': {inner.Message.TrimEnd('.')}. Nothing was appended (the journal is as it was); try again once the disk is healthy."
            : $"Could not append to journal '{path}': {inner.Message.TrimEnd('.')}. The partial write could not be taken back either: run Test-DeirfJournal and Repair-DeirfJournal once the disk is healthy.";
}
