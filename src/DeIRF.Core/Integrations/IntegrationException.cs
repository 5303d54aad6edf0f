namespace DeIRF.Integrations;

/// <summary>
/// An outbound call that did not deliver. The message names the service, the operation, the HTTP status and what the
/// service said — with every secret of the call replaced by "***" (see <see cref="Redaction"/>). No inner exception is
/// kept: a transport exception's text is redacted into the message instead, so nothing unredacted rides along.
/// </summary>
public sealed class IntegrationException : DeirfException
{
    public IntegrationException(string errorId, DeirfErrorKind kind, string message, object? target, string integration, string operation,
        int attempts, int? status = null)
        : base(errorId, kind, message, target)
    {
        Integration = integration;
        Operation = operation;
        Attempts = attempts;
        Status = status;
    }

    public string Integration { get; }
    public string Operation { get; }

    /// <summary>Requests sent (0 when the call was refused before sending, e.g. a missing token).</summary>
    public int Attempts { get; }

    /// <summary>The HTTP status of the last answer, when there was one.</summary>
    public int? Status { get; }
}
