namespace DeIRF.Reports;

/// <summary>How much of the journal the report lists (issue 19 finding 9: a 200,000-entry journal gave a 53 MB page).</summary>
public sealed class IncidentReportOptions
{
    public static IncidentReportOptions Default { get; } = new();

    /// <summary>List every entry, however many (Export-DeirfReport -Full).</summary>
    public bool Full { get; init; }

    /// <summary>Up to this many entries the report lists them all; above it, an excerpt.</summary>
    public int Threshold { get; init; } = 500;

    /// <summary>The excerpt's first entries.</summary>
    public int Head { get; init; } = 100;

    /// <summary>The excerpt's last entries.</summary>
    public int Tail { get; init; } = 100;

    /// <summary>At most this many key entries (phases, severity, deadlines, roles, quorum, containment) between head and tail.</summary>
    public int KeyCap { get; init; } = 300;
}
