namespace DeIRF.Recovery;

/// <summary>
/// A recovery check that could not reach a verdict: RecoveryCheckInvalid, RecoveryMonitorUnreachable,
/// RecoveryQueryFailed (the monitor refused the query; <see cref="MonitorErrorType"/> is Prometheus' errorType),
/// RecoveryResultNotScalar, RecoveryResponseInvalid, RecoveryRollForwardMissing. Nothing is journaled as verified.
/// </summary>
public sealed class RecoveryException : DeirfException
{
    public RecoveryException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null, string? monitorErrorType = null)
        : base(errorId, kind, message, target, inner)
    {
        MonitorErrorType = monitorErrorType;
    }

    /// <summary>The monitor's own error class (Prometheus "errorType": bad_data, execution, timeout...), when it sent one.</summary>
    public string? MonitorErrorType { get; }
}
