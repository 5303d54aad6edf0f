namespace DeIRF;

/// <summary>What went wrong, in words a script can branch on; the cmdlet layer maps it to an ErrorCategory.</summary>
public enum DeirfErrorKind
{
    InvalidArgument,
    InvalidData,
    NotFound,
    AlreadyExists,
    InvalidOperation,
    ResourceBusy,
    ResourceUnavailable,
    WriteError,
    SecurityError,
}

/// <summary>
/// Base of every failure the engine reports. <see cref="ErrorId"/> is a stable identifier that becomes the
/// FullyQualifiedErrorId prefix of the PowerShell error record; <see cref="Target"/> is the offending input.
/// </summary>
public class DeirfException : Exception
{
    public DeirfException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public DeirfErrorKind Kind { get; }
    public object? Target { get; }
}
