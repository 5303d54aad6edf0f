using DeIRF.Incidents;
using DeIRF.Journal.Kinds;

namespace DeIRF.Reports;

/// <summary>The entries the report's journal table lists, and what it leaves out.</summary>
public sealed class JournalExcerpt
{
    /// <summary>The listed entries, in timeline order.</summary>
    public IReadOnlyList<TimelineEntry> Shown { get; private init; } = [];

    /// <summary>Entries in the timeline.</summary>
    public int Total { get; private init; }

    /// <summary>True when some entries are left out.</summary>
    public bool IsExcerpt => Total > Shown.Count;

    public int LeftOut => Total - Shown.Count;

    /// <summary>How many of <see cref="Shown"/> are key entries between the head and the tail.</summary>
    public int KeyShown { get; private init; }

    /// <summary>Key entries between head and tail that the cap left out.</summary>
    public int KeyLeftOut { get; private init; }

    public int Head { get; private init; }
    public int Tail { get; private init; }
    public int KeyCap { get; private init; }

    /// <summary>The kinds an excerpt keeps wherever they fall: what a reviewer checks first.</summary>
    public static bool IsKey(TimelineEntry e)
        => e.IsPhaseChange || Rank(e.Kind) < int.MaxValue;

    // Under the cap, the decisive entries go first: phases and containment, then the quorum's outcome and the
    // incident's settings, then signatures and role changes.
    private static int Rank(string kind) => kind switch
    {
        IncidentOpened.KindName or IncidentClosed.KindName => 0,
        _ when kind.StartsWith("containment.", StringComparison.Ordinal) => 0,
        ProposalApproved.KindName or ProposalConsumed.KindName => 1,
        SeveritySet.KindName or DeadlineSet.KindName or QuorumPolicySet.KindName => 1,
        _ when kind.StartsWith("proposal.", StringComparison.Ordinal) => 2,
        RoleGranted.KindName or RoleRevoked.KindName => 3,
        _ => int.MaxValue,
    };

    public static JournalExcerpt Select(IReadOnlyList<TimelineEntry> timeline, IncidentReportOptions? options = null)
    {
        options ??= IncidentReportOptions.Default;
        if (options.Full || timeline.Count <= options.Threshold || timeline.Count <= options.Head + options.Tail)
        {
            return new JournalExcerpt { Shown = timeline, Total = timeline.Count, Head = timeline.Count, KeyCap = options.KeyCap };
        }
        int head = Math.Max(0, options.Head), tail = Math.Max(0, options.Tail);
        var middle = new List<(int Index, int Rank)>();
        for (int i = head; i < timeline.Count - tail; i++)
        {
            var e = timeline[i];
            if (IsKey(e))
            {
                middle.Add((i, e.IsPhaseChange ? 0 : Rank(e.Kind)));
            }
        }
        var kept = middle.OrderBy(m => m.Rank).ThenBy(m => m.Index).Take(Math.Max(0, options.KeyCap)).Select(m => m.Index).Order().ToList();
        var shown = new List<TimelineEntry>(head + tail + kept.Count);
        for (int i = 0; i < head; i++)
        {
            shown.Add(timeline[i]);
        }
        foreach (var i in kept)
        {
            shown.Add(timeline[i]);
        }
        for (int i = timeline.Count - tail; i < timeline.Count; i++)
        {
            shown.Add(timeline[i]);
        }
        return new JournalExcerpt
        {
            Shown = shown, Total = timeline.Count, KeyShown = kept.Count, KeyLeftOut = middle.Count - kept.Count, Head = head, Tail = tail, KeyCap = options.KeyCap,
        };
    }
}
