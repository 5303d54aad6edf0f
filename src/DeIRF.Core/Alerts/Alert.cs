using System.Security.Cryptography;
using System.Text;
using DeIRF.Canonical;

namespace DeIRF.Alerts;

/// <summary>
/// One alert as a responder reads it, whatever produced it (Falco, Alertmanager, the generic shape). Property names
/// bind by name to New-DeirfIncident (Title, Tags), and the original bytes are kept exactly for the record.
/// </summary>
public sealed class Alert
{
    /// <summary>An alert read by a shape: every text is cleaned as outside text (one printable, bounded line).</summary>
    public Alert(string format, string title, string source, DateTimeOffset eventTime, string impact, string urgency,
        IReadOnlyList<string> tags, string details, string? link, byte[] rawBytes, string? sourcePath)
    {
        Format = format;
        // Alert text is outside text: one printable line, bounded, before it can become an incident title.
        Title = OutsideText.Line(title, MaxTitle);
        if (Title.Length == 0)
        {
            throw new AlertInvalidException(format, "title", "the alert's title has no printable text (only control or invisible characters).", sourcePath);
        }
        Source = OutsideText.Line(source, 200);
        EventTime = eventTime.ToUniversalTime();
        SuggestedImpact = impact;
        SuggestedUrgency = urgency;
        Tags = tags.Select(t => OutsideText.Line(t, 64)).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        Details = OutsideText.Block(details);
        Link = link is null ? null : OutsideText.Line(link, 2048);
        RawBytes = rawBytes;
        Sha256 = Convert.ToHexString(SHA256.HashData(rawBytes)).ToLowerInvariant();
        SourcePath = sourcePath;
    }

    /// <summary>The incident title limit (incident.opened): longer alert titles are cut with an ellipsis.</summary>
    public const int MaxTitle = OutsideText.MaxTitle;

    /// <summary>falco, alertmanager or generic: which reader understood the alert.</summary>
    public string Format { get; }
    public string Title { get; }

    /// <summary>What raised the alert: "falco/syscall", "alertmanager/&lt;receiver&gt;", or the generic "source".</summary>
    public string Source { get; }

    /// <summary>When the event happened, in UTC (Falco "time", Alertmanager "startsAt", generic "time").</summary>
    public DateTimeOffset EventTime { get; }
    public string SuggestedImpact { get; }
    public string SuggestedUrgency { get; }
    public IReadOnlyList<string> Tags { get; }
    public string Details { get; }

    /// <summary>Alertmanager generatorURL or the generic "link", when present.</summary>
    public string? Link { get; }

    /// <summary>The alert exactly as received: the bytes whose SHA-256 the incident records.</summary>
    public byte[] RawBytes { get; }
    public string RawText => Encoding.UTF8.GetString(RawBytes);

    /// <summary>SHA-256 of <see cref="RawBytes"/>, lowercase hex.</summary>
    public string Sha256 { get; }
    public string? SourcePath { get; }

    /// <summary>
    /// The sender's identity of this alert across notifications (Alertmanager's and Grafana's fingerprint, Forta's
    /// alert hash): an alert whose fingerprint already opened an incident adds to it instead of opening another.
    /// </summary>
    public string? Fingerprint { get => _fingerprint; init => _fingerprint = value is null ? null : OutsideText.Line(value, 128) is { Length: > 0 } f ? f : null; }
    private readonly string? _fingerprint;

    /// <summary>firing, or resolved (the sender says the condition is over: a resolved alert opens no incident).</summary>
    public string Status { get; init; } = Firing;

    public const string Firing = "firing";
    public const string Resolved = "resolved";

    public bool IsResolved => Status == Resolved;

    /// <summary>What the alert is about, when the sender names it (Falco's namespace/pod, a Forta alert's first address).</summary>
    public string? Target { get => _target; init => _target = value is null ? null : OutsideText.Line(value, 512) is { Length: > 0 } t ? t : null; }
    private readonly string? _target;

    public override string ToString() => $"[{Format}] {Title} ({SuggestedImpact}/{SuggestedUrgency})";
}

/// <summary>An alert that cannot be read: names the member that is missing or wrong, so the sender can be fixed.</summary>
public sealed class AlertInvalidException : DeirfException
{
    public AlertInvalidException(string format, string field, string message, object? target = null)
        : base("AlertInvalid", DeirfErrorKind.InvalidData, $"{format} alert: {message}", target ?? field)
    {
        Format = format;
        Field = field;
    }

    public string Format { get; }
    public string Field { get; }
}
