using DeIRF.Journal.Kinds;

namespace DeIRF.Incidents;

/// <summary>
/// One T-minus deadline of an incident (seed section 4), computed from the journal plus a clock only, so every replica
/// of the journal shows the same answer. All times are UTC.
/// </summary>
public sealed class Deadline
{
    public string Incident { get; init; } = string.Empty;
    public string Name { get; init; } = string.Empty;

    /// <summary>When it falls due, in UTC.</summary>
    public DateTimeOffset Due { get; init; }

    /// <summary>The clock reading the deadline was computed at (UTC).</summary>
    public DateTimeOffset Now { get; init; }

    /// <summary>Due − now: negative when past due.</summary>
    public TimeSpan Remaining => Due - Now;

    /// <summary>
    /// True when the phase it guards happened by <see cref="Due"/>; false when it happened late; null when it has not
    /// happened yet or the journal has no entry kind that tells (custom names). Triage: the first
    /// TriageLead grant or severity.set; containment: the first verified containment.applied; first-comms: the first
    /// delivered message.send (integration.call); retrospective: the first retro.written.
    /// </summary>
    public bool? Met { get; init; }

    /// <summary>When the guarded phase happened, when the journal tells.</summary>
    public DateTimeOffset? MetAt { get; init; }

    /// <summary>Past due and not met.</summary>
    public bool IsOverdue => Met != true && Now > Due;

    public override string ToString() => $"{Name} due {DeadlineSet.FormatDue(Due)}{(IsOverdue ? " (overdue)" : string.Empty)}";

    /// <summary>Well-known deadline names (any lower-case token is accepted).</summary>
    public static readonly IReadOnlyList<string> WellKnownNames = ["triage", "containment", "first-comms"];

    /// <summary>A due time <paramref name="span"/> of real (elapsed) time after the clock's now, in UTC: "in 8 h" is 8 hours even across a DST switch.</summary>
    public static DateTimeOffset DueIn(TimeSpan span, TimeProvider? clock = null)
        => (clock ?? TimeProvider.System).GetUtcNow().ToUniversalTime() + span;

    /// <summary>Any offset in, UTC out, to the millisecond the journal keeps.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset due)
    {
        var utc = due.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMillisecond));
    }

    /// <summary>The incident's deadlines at the clock's "now": every deadline.set name (latest due wins), then "retrospective" once closed.</summary>
    public static IReadOnlyList<Deadline> For(Incident incident, TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow().ToUniversalTime();
        var list = new List<Deadline>();
        foreach (var (name, due) in incident.Deadlines.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            DateTimeOffset? happened = name switch
            {
                "triage" => incident.TriagedAt,
                "first-comms" => incident.FirstCommsAt,
                "containment" => incident.ContainedAt,
                _ => null,
            };
            list.Add(new Deadline
            {
                Incident = incident.Id, Name = name, Due = due.ToUniversalTime(), Now = now,
                MetAt = happened, Met = happened is { } h ? h <= due : null,
            });
        }
        if (incident.RetroDue is { } retro)
        {
            // Met once a retrospective was written (retro.written, New-DeirfRetrospective) by the due time.
            var written = incident.RetroWrittenAt;
            list.Add(new Deadline
            {
                Incident = incident.Id, Name = DeadlineSet.Retrospective, Due = retro.ToUniversalTime(), Now = now,
                MetAt = written, Met = written is { } w ? w <= retro : null,
            });
        }
        return list;
    }
}
