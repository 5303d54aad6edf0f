using System.Globalization;
using System.Net;
using System.Text;
using DeIRF.Evidence;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Metrics;
using DeIRF.Workspaces;

namespace DeIRF.Reports;

/// <summary>Everything one incident report shows, gathered from the workspace (journal, roster, evidence store).</summary>
public sealed class IncidentReportData
{
    public Incident Incident { get; init; } = null!;
    public IReadOnlyList<JournalEntry> Entries { get; init; } = [];

    /// <summary>Set when the journal could not be read to its end: the report shows the entries before the damage.</summary>
    public string? ReadProblem { get; init; }
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
    public IReadOnlyList<Deadline> Deadlines { get; init; } = [];
    public IncidentMetrics Metrics { get; init; } = null!;

    /// <summary>The same verdict Test-DeirfJournal gives (signatures checked against the workspace roster).</summary>
    public JournalVerdict Journal { get; init; } = null!;

    /// <summary>The same verdicts Test-DeirfEvidence gives, one per custody entry.</summary>
    public IReadOnlyList<EvidenceVerdict> Evidence { get; init; } = [];
    public string? EvidenceProblem { get; init; }
    public DateTimeOffset GeneratedAt { get; init; }
}

/// <summary>
/// Export-DeirfReport's engine: one self-contained HTML file (inline CSS and SVG, no script, no font, no fetch; a
/// Content-Security-Policy that forbids loading anything) with a timeline chart, the incident's metrics and the
/// journal and evidence verdicts. Everything that comes from the journal is HTML-escaped: titles, notes and actors
/// are attacker-controllable.
/// </summary>
public static class IncidentReport
{
    /// <summary>Reads and verifies everything the report shows.</summary>
    public static IncidentReportData Collect(Workspace ws, string incidentId, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        clock ??= TimeProvider.System;
        Workspace.ValidateIncidentId(incidentId);
        var journal = ws.JournalOf(incidentId);
        var roster = Identity.Roster.Load(ws);
        var verdict = journal.Verify(new JournalVerifyOptions
        {
            ExpectedIncident = incidentId,
            Signatures = new Identity.RosterSignatureChecker(roster),
            CancellationToken = cancellationToken,
        });

        // Read what can be read: a damaged line ends the list, and the report says where.
        var entries = new List<JournalEntry>();
        string? readProblem = null;
        try
        {
            foreach (var e in journal.ReadEntries(cancellationToken))
            {
                entries.Add(e);
            }
        }
        catch (DeirfException ex)
        {
            readProblem = ex.Message;
        }
        var incident = Incident.Load(ws, incidentId, entries);

        var evidence = new List<EvidenceVerdict>();
        string? evidenceProblem = null;
        try
        {
            evidence.AddRange(new EvidenceCapture(ws, incidentId).Test(cancellationToken));
        }
        catch (DeirfException ex)
        {
            evidenceProblem = ex.Message;
        }
        return new IncidentReportData
        {
            Incident = incident,
            Entries = entries,
            ReadProblem = readProblem,
            Timeline = Incidents.Timeline.Build(entries).ToList(),
            Deadlines = Deadline.For(incident, clock),
            Metrics = IncidentMetrics.From(incident),
            Journal = verdict,
            Evidence = evidence,
            EvidenceProblem = evidenceProblem,
            GeneratedAt = clock.GetUtcNow().ToUniversalTime(),
        };
    }

    /// <summary>Writes <paramref name="html"/> to <paramref name="path"/> (UTF-8, no BOM) through a temporary file, so a reader never sees half a report.</summary>
    public static FileInfo Write(string path, string html, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw new DeirfException("ReportFileExists", DeirfErrorKind.AlreadyExists, $"'{full}' exists; pass -Force to replace it.", full);
        }
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        Workspaces.AtomicFile.WriteText(full, html, overwrite: overwrite);
        return new FileInfo(full);
    }

    private static string H(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    private static string T(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>The report as one HTML page; over <see cref="IncidentReportOptions.Threshold"/> entries the journal table is an excerpt unless <see cref="IncidentReportOptions.Full"/>.</summary>
    public static string Render(IncidentReportData d, IncidentReportOptions? options = null)
    {
        options ??= IncidentReportOptions.Default;
        var inc = d.Incident;
        var sb = new StringBuilder(64 * 1024);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        // Nothing may be fetched or run, whatever the journal holds.
        sb.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        sb.Append("<title>").Append(H($"{inc.Id}: {inc.Title}")).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");

        sb.Append("<header><h1>").Append(H(inc.Id)).Append(inc.IsDrill ? " <span class=\"badge drill\">DRILL</span>" : string.Empty)
          .Append("</h1>\n<p class=\"title\">").Append(H(inc.Title)).Append("</p></header>\n");

        // Verdict first: a reader must know whether to trust the rest.
        var evidenceBad = d.Evidence.Count(v => !v.IsValid);
        var ok = d.Journal.IsValid && evidenceBad == 0 && d.EvidenceProblem is null && d.ReadProblem is null;
        sb.Append("<section class=\"verdict ").Append(ok ? "good" : "bad").Append("\"><h2>Verification</h2><ul>\n");
        sb.Append("<li>Journal: ").Append(d.Journal.IsValid
            ? $"<b>valid</b> — {d.Journal.EntryCount} entries, head #{d.Journal.HeadSeq} {H(d.Journal.HeadHash)}, {d.Journal.SignedEntries} signed"
            : $"<b>INVALID</b> — {H(d.Journal.Fault.ToString())} at entry #{d.Journal.FirstBadSeq} (line {d.Journal.FirstBadLine}): {H(d.Journal.Reason)}").Append("</li>\n");
        foreach (var w in d.Journal.Warnings)
        {
            sb.Append("<li class=\"warn\">").Append(H(w)).Append("</li>\n");
        }
        if (d.ReadProblem is not null)
        {
            sb.Append("<li>Shown below: the entries before the damage only. ").Append(H(d.ReadProblem)).Append("</li>\n");
        }
        sb.Append("<li>Evidence: ").Append(d.EvidenceProblem is not null ? "<b>not checked</b> — " + H(d.EvidenceProblem)
            : d.Evidence.Count == 0 ? "no items captured"
            : evidenceBad == 0 ? $"<b>all {d.Evidence.Count} item(s) re-hashed and intact</b>"
            : $"<b>{evidenceBad} of {d.Evidence.Count} item(s) FAILED</b>").Append("</li>\n");
        foreach (var v in d.Evidence.Where(v => !v.IsValid))
        {
            sb.Append("<li class=\"warn\">#").Append(v.Seq).Append(' ').Append(H(v.Path)).Append(": ").Append(H(v.Fault.ToString())).Append(" — ").Append(H(v.Reason)).Append("</li>\n");
        }
        sb.Append("</ul></section>\n");

        // The picture right after the verdict: what happened, when, against which deadlines.
        sb.Append("<section><h2>Timeline</h2>\n");
        AppendChart(sb, d);
        sb.Append("</section>\n");

        sb.Append("<section><h2>Incident</h2><table class=\"facts\">\n");
        void Row(string k, string v) => sb.Append("<tr><th>").Append(H(k)).Append("</th><td>").Append(H(v)).Append("</td></tr>\n");
        Row("State", inc.State);
        Row("Severity", inc.Severity.Length > 0 ? $"{inc.Severity} (impact {inc.Impact}, urgency {inc.Urgency})" : "not set");
        Row("Reporter", inc.Reporter);
        Row("Opened", T(inc.Opened));
        if (inc.AlertTime is { } at)
        {
            Row("Alert", $"{inc.AlertSource} at {T(at)}");
        }
        if (inc.Closed is { } closed)
        {
            Row("Closed", $"{T(closed)}: {inc.Resolution}");
        }
        // Bounded like the journal table: a long drill can grant hundreds of roles.
        Row("Roles", inc.RolesText.Length == 0 ? "none assigned"
            : inc.RolesText.Length <= MaxRolesText ? inc.RolesText
            : inc.RolesText[..MaxRolesText] + $" … ({N(inc.RolesText.Length - MaxRolesText)} more characters: Get-DeirfIncident shows them all)");
        Row("Tags", string.Join(", ", inc.Tags));
        sb.Append("</table></section>\n");

        sb.Append("<section><h2>Metrics</h2><p class=\"note\">One incident: each value is this incident's duration (n=1), not a mean. Definitions: docs/metrics.md.</p>\n");
        sb.Append("<table><tr><th>Metric</th><th>From</th><th>To</th><th>Duration</th></tr>\n");
        var m = d.Metrics;
        void MetricRow(string name, string from, DateTimeOffset? start, string to, DateTimeOffset? stop, TimeSpan? value)
        {
            sb.Append("<tr><td>").Append(name).Append("</td><td>").Append(H(from)).Append(start is { } s ? "<br>" + H(T(s)) : string.Empty)
              .Append("</td><td>").Append(H(to)).Append(stop is { } e ? "<br>" + H(T(e)) : string.Empty).Append("</td><td>")
              .Append(value is { } v ? H(MetricSummary.Format(v)) : "not counted: " + H(m.Excluded.GetValueOrDefault(name, string.Empty))).Append("</td></tr>\n");
        }
        MetricRow(MetricsCalculator.Mttd, "alert event time", m.AlertTime, "incident opened", m.Opened, m.Mttd);
        MetricRow(MetricsCalculator.Mtta, "incident opened", m.Opened, "first Triage Lead assigned", m.TriageLeadAt, m.Mtta);
        MetricRow(MetricsCalculator.Mttc, "incident opened", m.Opened, "first verified containment", m.ContainedAt, m.Mttc);
        MetricRow(MetricsCalculator.Mttr, "incident opened", m.Opened, "incident closed", m.Closed, m.Mttr);
        sb.Append("</table></section>\n");

        sb.Append("<section><h2>T-minus deadlines</h2>");
        if (d.Deadlines.Count == 0)
        {
            sb.Append("<p>None set.</p>");
        }
        else
        {
            sb.Append("<table><tr><th>Deadline</th><th>Due</th><th>Happened</th><th>Result</th></tr>\n");
            foreach (var dl in d.Deadlines)
            {
                sb.Append("<tr><td>").Append(H(dl.Name)).Append("</td><td>").Append(H(T(dl.Due))).Append("</td><td>")
                  .Append(dl.MetAt is { } ma ? H(T(ma)) : "-").Append("</td><td class=\"").Append(DeadlineClass(dl)).Append("\">")
                  .Append(DeadlineResult(dl)).Append("</td></tr>\n");
            }
            sb.Append("</table>");
        }
        sb.Append("</section>\n");

        AppendTasks(sb, d);
        AppendJournal(sb, d, JournalExcerpt.Select(d.Timeline, options));
        sb.Append("<footer>Generated ").Append(H(T(d.GeneratedAt))).Append(" by DeIRF from the incident journal and the workspace's evidence store. ")
          .Append("This file is self-contained: it loads nothing.</footer>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>At most this many task rows; the rest are counted (Get-DeirfTask lists them all).</summary>
    private const int MaxTaskRows = 500;

    // The tasks (task.created / task.updated folded): what was assigned, to whom, when done and by whom; time on task.
    private static void AppendTasks(StringBuilder sb, IncidentReportData d)
    {
        var board = Swarm.TaskBoard.From(d.Entries);
        sb.Append("<section><h2>Tasks</h2>");
        if (board.Tasks.Count == 0)
        {
            sb.Append("<p>None assigned.</p></section>\n");
            return;
        }
        sb.Append("<table class=\"tasks\"><tr><th>Task</th><th>What</th><th>Assigned to</th><th>By</th><th>Due</th><th>Status</th><th>Done</th><th>By</th></tr>\n");
        foreach (var t in board.Tasks.Take(MaxTaskRows))
        {
            sb.Append("<tr><td>").Append(H(t.Id)).Append("</td><td>").Append(H(t.Title)).Append("</td><td>").Append(H(t.AssignedTo)).Append("</td><td>")
              .Append(H(t.CreatedBy)).Append("</td><td>").Append(t.Due is { } due ? H(T(due)) : "-").Append("</td><td class=\"")
              .Append(t.IsOverdueAt(d.GeneratedAt) ? "missed" : t.IsOpen ? "open" : "met").Append("\">").Append(H(t.Status))
              .Append(t.IsOverdueAt(d.GeneratedAt) ? " (OVERDUE)" : string.Empty).Append("</td><td>")
              .Append(t.Completed is { } done ? H(T(done)) : "-").Append("</td><td>").Append(H(t.CompletedBy)).Append("</td></tr>\n");
        }
        sb.Append("</table>");
        if (board.Tasks.Count > MaxTaskRows)
        {
            sb.Append("<p class=\"note\">").Append(N(board.Tasks.Count - MaxTaskRows)).Append(" more tasks are not listed: <code>Get-DeirfTask</code> lists them all.</p>");
        }
        var times = board.TimeByResponder(d.Incident.Closed ?? d.GeneratedAt);
        if (times.Count > 0)
        {
            sb.Append("<p>Time on task (InProgress to the next status change): ")
              .Append(string.Join(", ", times.Select(x => H(x.Responder) + " " + H(MetricSummary.Format(x.Time)) + $" ({x.Tasks} task{(x.Tasks == 1 ? string.Empty : "s")})")))
              .Append(".</p>");
        }
        sb.Append("</section>\n");
    }

    private static string DeadlineResult(Deadline dl) => dl.Met switch
    {
        true => "met",
        false => "MISSED",
        null when dl.IsOverdue => "OVERDUE",
        _ => "open",
    };

    private static string DeadlineClass(Deadline dl) => dl.Met switch
    {
        true => "met",
        false => "missed",
        null when dl.IsOverdue => "missed",
        _ => "open",
    };

    private const int MaxRolesText = 1000;

    // Times in the chart's caption: to the millisecond when the window is shorter than a minute.
    private static string TAxis(DateTimeOffset t, TimeAxis axis) => axis.Span < TimeSpan.FromMinutes(1)
        ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
        : T(t);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    // The journal table: every entry up to the threshold; above it the excerpt, with a row where entries are left out
    // and a line saying how many, where the whole journal is and how to list it all.
    private static void AppendJournal(StringBuilder sb, IncidentReportData d, JournalExcerpt excerpt)
    {
        sb.Append("<section><h2>Journal</h2>\n");
        if (excerpt.IsExcerpt)
        {
            var head = d.Entries.Count > 0 ? d.Entries[^1] : null;
            sb.Append("<p class=\"note excerpt\">Listed: ").Append(N(excerpt.Shown.Count)).Append(" of ").Append(N(excerpt.Total)).Append(" entries — the first ")
              .Append(N(excerpt.Head)).Append(", the last ").Append(N(excerpt.Tail)).Append(" and ").Append(N(excerpt.KeyShown))
              .Append(" key entries between them (phases, severity, deadlines, roles, quorum, containment; at most ").Append(N(excerpt.KeyCap))
              .Append(excerpt.KeyLeftOut > 0 ? $", {N(excerpt.KeyLeftOut)} more left out" : string.Empty).Append("). <b>")
              .Append(N(excerpt.LeftOut)).Append(" entries are not listed.</b> The whole journal: <code>").Append(H(d.Journal.Path)).Append("</code>");
            if (head is not null)
            {
                sb.Append(", head #").Append(head.Seq).Append(' ').Append(H(head.Hash));
            }
            sb.Append(". <code>Export-DeirfReport -Full</code> lists every entry; <code>Get-DeirfTimeline</code> reads them in the shell.</p>\n");
        }
        sb.Append("<table class=\"journal\"><tr><th>#</th><th>Time (UTC)</th><th>+</th><th>Kind</th><th>Actor</th><th>What</th></tr>\n");
        void Row(TimelineEntry e)
            => sb.Append("<tr").Append(e.IsPhaseChange ? " class=\"phase\"" : string.Empty).Append("><td>").Append(e.Seq).Append("</td><td>").Append(H(T(e.Time)))
                 .Append("</td><td>").Append(H(MetricSummary.Format(e.SinceOpened))).Append("</td><td>").Append(H(e.Kind)).Append("</td><td>").Append(H(e.Actor))
                 .Append("</td><td>").Append(H(e.Summary)).Append("</td></tr>\n");
        if (!excerpt.IsExcerpt)
        {
            foreach (var e in excerpt.Shown)
            {
                Row(e);
            }
        }
        else
        {
            var shown = new HashSet<TimelineEntry>(excerpt.Shown, ReferenceEqualityComparer.Instance);
            int skipped = 0;
            long firstSkipped = 0, lastSkipped = 0;
            void Gap()
            {
                if (skipped > 0)
                {
                    sb.Append("<tr class=\"gap\"><td colspan=\"6\">… ").Append(N(skipped)).Append(skipped == 1 ? " entry" : " entries").Append(" not listed (#")
                      .Append(firstSkipped).Append(skipped > 1 ? $" … #{lastSkipped}" : string.Empty).Append(") …</td></tr>\n");
                    skipped = 0;
                }
            }
            foreach (var e in d.Timeline)
            {
                if (shown.Contains(e))
                {
                    Gap();
                    Row(e);
                }
                else
                {
                    firstSkipped = skipped == 0 ? e.Seq : firstSkipped;
                    lastSkipped = e.Seq;
                    skipped++;
                }
            }
            Gap();
        }
        sb.Append("</table></section>\n");
    }

    // Chart geometry (SVG user units). The axis runs a few units inside the lanes, so a mark at the window's end is
    // not cut by the border and an edge marker has room beside it.
    private const double Width = 1100, Left = 150, Right = 30, Inset = 10;
    private const double LanePhase = 48, LaneDeadline = 110, LaneQuorum = 160, LaneContain = 210, LaneNotes = 260, AxisY = 292, Height = 330;

    // Rows for deadline labels, above and below the deadline lane: labels that would overlap take the next row.
    private static readonly double[] LabelRows = [78, 91, 104, 124, 137];

    /// <summary>A lane with more marks than this is drawn as a density strip (one shaded bin per few units), not mark by mark.</summary>
    public const int MaxMarksPerLane = 500;
    private const double BinWidth = 4;

    private static readonly Dictionary<string, string> PhaseColours = new(StringComparer.Ordinal)
    {
        ["Opened"] = "#5b8def", ["Triaged"] = "#f0a830", ["Contained"] = "#2e9e5b", ["Closed"] = "#6b7280",
    };

    // Estimated width of an 11-unit label (the chart has no script to measure text): enough to keep rows apart.
    private static double LabelWidth(string text) => text.Length * 6.4;

    private static double? LaneOf(string kind) => kind switch
    {
        ProposalCreated.KindName or ProposalSigned.KindName or ProposalApproved.KindName => LaneQuorum,
        ContainmentApplied.KindName or ContainmentUndone.KindName or ContainmentFailed.KindName => LaneContain,
        Note.KindName or EvidenceAdded.KindName => LaneNotes,
        _ => null,
    };

    private static void AppendChart(StringBuilder sb, IncidentReportData d)
    {
        var inc = d.Incident;
        if (d.Timeline.Count == 0)
        {
            sb.Append("<p>No entries to draw.</p>");
            return;
        }
        // The window is the journal's entries; deadlines and the alert time never stretch it (issue 19 finding 9).
        var axis = TimeAxis.Fit(d.Timeline.Select(e => e.Time), inc.Opened, Left + Inset, Width - Right - Inset);
        double X(DateTimeOffset t) => axis.X(t);
        var beyond = new List<string>();

        sb.Append("<svg class=\"chart\" viewBox=\"0 0 ").Append(F(Width)).Append(' ').Append(F(Height)).Append("\" width=\"").Append(F(Width)).Append("\" height=\"")
          .Append(F(Height)).Append("\" role=\"img\" aria-label=\"Incident timeline\">\n");
        sb.Append("<rect x=\"0\" y=\"0\" width=\"").Append(F(Width)).Append("\" height=\"").Append(F(Height)).Append("\" fill=\"#fbfbfd\" stroke=\"#d0d4dc\"/>\n");
        foreach (var (label, y) in new[] { ("Phase", LanePhase), ("Deadlines", LaneDeadline), ("Quorum", LaneQuorum), ("Containment", LaneContain), ("Notes, evidence", LaneNotes) })
        {
            sb.Append("<text x=\"12\" y=\"").Append(F(y + 5)).Append("\" class=\"lane\">").Append(label).Append("</text>\n");
            sb.Append("<line x1=\"").Append(F(Left)).Append("\" y1=\"").Append(F(y)).Append("\" x2=\"").Append(F(Width - Right)).Append("\" y2=\"").Append(F(y))
              .Append("\" stroke=\"#e3e6ec\"/>\n");
        }
        // Grid lines at the ticks, under everything else.
        foreach (var tick in axis.Ticks)
        {
            sb.Append("<line x1=\"").Append(F(tick.X)).Append("\" y1=\"").Append(F(LanePhase - 18)).Append("\" x2=\"").Append(F(tick.X)).Append("\" y2=\"").Append(F(AxisY))
              .Append("\" stroke=\"#eef0f4\"/>\n");
        }

        // Phases: one band per phase, from its first entry to the next phase (or the end of the chart).
        var changes = d.Timeline.Where(e => e.IsPhaseChange).ToList();
        for (int i = 0; i < changes.Count; i++)
        {
            var x0 = X(changes[i].Time);
            var x1 = i + 1 < changes.Count ? X(changes[i + 1].Time) : Width - Right;
            var w = Math.Max(2, x1 - x0);
            var colour = PhaseColours.GetValueOrDefault(changes[i].Phase, "#999999");
            sb.Append("<rect x=\"").Append(F(x0)).Append("\" y=\"").Append(F(LanePhase - 16)).Append("\" width=\"").Append(F(w)).Append("\" height=\"32\" fill=\"")
              .Append(colour).Append("\"><title>").Append(H($"{changes[i].Phase} at {T(changes[i].Time)} ({axis.OffsetLabel(changes[i].Time)})")).Append("</title></rect>\n");
            if (w > 60)
            {
                sb.Append("<text x=\"").Append(F(x0 + 6)).Append("\" y=\"").Append(F(LanePhase + 5)).Append("\" class=\"phase\">").Append(H(changes[i].Phase)).Append("</text>\n");
            }
        }
        if (inc.AlertTime is { } alertTime)
        {
            var tip = $"Alert event time {T(alertTime)} ({inc.AlertSource}), {axis.OffsetLabel(alertTime)} from opening";
            var side = axis.SideOf(alertTime);
            if (side == AxisSide.Inside)
            {
                var ax = X(alertTime);
                sb.Append("<path d=\"M").Append(F(ax)).Append(' ').Append(F(LanePhase - 24)).Append(" l-7 -10 h14 z\" fill=\"#d93025\"><title>").Append(H(tip)).Append("</title></path>\n");
            }
            else
            {
                var label = $"alert {axis.OffsetLabel(alertTime)}";
                EdgeMarker(sb, side, 20, label, "#d93025", tip + " (outside the entries' window: drawn at the edge)");
                beyond.Add(label);
            }
        }

        // Deadlines: inside the window a dashed line at the due time, green met, red missed or overdue, grey open, and
        // a dot where the guarded phase happened; outside it a marker at the edge with the due offset in its label.
        var rowEnds = new double[LabelRows.Length];
        Array.Fill(rowEnds, double.NegativeInfinity);
        var rowStarts = new double[LabelRows.Length];
        Array.Fill(rowStarts, double.PositiveInfinity);
        double Row(double a, double b)
        {
            for (int r = 0; r < LabelRows.Length; r++)
            {
                if (a > rowEnds[r] + 6 || b < rowStarts[r] - 6)
                {
                    rowStarts[r] = Math.Min(rowStarts[r], a);
                    rowEnds[r] = Math.Max(rowEnds[r], b);
                    return LabelRows[r];
                }
            }
            return LabelRows[^1];
        }
        foreach (var dl in d.Deadlines.OrderBy(x => x.Due))
        {
            var colour = DeadlineClass(dl) switch { "met" => "#2e9e5b", "missed" => "#d93025", _ => "#9aa0a6" };
            var tip = $"T-minus {dl.Name}: due {T(dl.Due)} ({axis.OffsetLabel(dl.Due)}), {DeadlineResult(dl)}";
            var side = axis.SideOf(dl.Due);
            if (side == AxisSide.Inside)
            {
                var x = X(dl.Due);
                sb.Append("<line x1=\"").Append(F(x)).Append("\" y1=\"").Append(F(LanePhase - 18)).Append("\" x2=\"").Append(F(x)).Append("\" y2=\"").Append(F(AxisY))
                  .Append("\" stroke=\"").Append(colour).Append("\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>").Append(H(tip)).Append("</title></line>\n");
                var label = $"{dl.Name} {DeadlineResult(dl)}";
                var width = LabelWidth(label);
                var leftward = x + 4 + width > Width - Right;
                var (a, b) = leftward ? (x - 4 - width, x - 4) : (x + 4, x + 4 + width);
                sb.Append("<text x=\"").Append(F(leftward ? x - 4 : x + 4)).Append("\" y=\"").Append(F(Row(a, b))).Append("\" class=\"dlabel\" fill=\"").Append(colour)
                  .Append(leftward ? "\" text-anchor=\"end\">" : "\">").Append(H(label)).Append("</text>\n");
            }
            else
            {
                var label = $"{dl.Name} {DeadlineResult(dl)}, due {axis.OffsetLabel(dl.Due)}";
                var width = LabelWidth(label) + 16;
                var (a, b) = side == AxisSide.After ? (Width - Right - width, Width - Right) : (Left, Left + width);
                EdgeMarker(sb, side, Row(a, b), label, colour, tip + " (outside the entries' window: drawn at the edge)");
                beyond.Add(label);
            }
            if (dl.MetAt is { } metAt)
            {
                sb.Append("<circle cx=\"").Append(F(X(metAt))).Append("\" cy=\"").Append(F(LaneDeadline)).Append("\" r=\"5\" fill=\"").Append(colour).Append("\"><title>")
                  .Append(H($"{dl.Name} happened {T(metAt)} ({axis.OffsetLabel(metAt)})")).Append("</title></circle>\n");
            }
        }

        // Entry marks, lane by lane; a crowded lane becomes a density strip so a long journal stays a small file.
        var densities = new List<string>();
        foreach (var lane in d.Timeline.Where(e => LaneOf(e.Kind) is not null).GroupBy(e => LaneOf(e.Kind)!.Value))
        {
            var marks = lane.ToList();
            if (marks.Count > MaxMarksPerLane)
            {
                AppendDensity(sb, axis, lane.Key, marks);
                densities.Add($"{N(marks.Count)} {(lane.Key == LaneNotes ? "notes and evidence" : lane.Key == LaneQuorum ? "quorum entries" : "containment entries")}");
                continue;
            }
            foreach (var e in marks)
            {
                AppendMark(sb, e, X(e.Time), H($"#{e.Seq} {T(e.Time)} ({axis.OffsetLabel(e.Time)}) {e.Actor}: {e.Summary}"));
            }
        }

        // Axis: time since the incident was opened, at nice steps.
        sb.Append("<line x1=\"").Append(F(Left)).Append("\" y1=\"").Append(F(AxisY)).Append("\" x2=\"").Append(F(Width - Right)).Append("\" y2=\"").Append(F(AxisY)).Append("\" stroke=\"#4b5563\"/>\n");
        foreach (var tick in axis.Ticks)
        {
            sb.Append("<line x1=\"").Append(F(tick.X)).Append("\" y1=\"").Append(F(AxisY)).Append("\" x2=\"").Append(F(tick.X)).Append("\" y2=\"").Append(F(AxisY + 6)).Append("\" stroke=\"#4b5563\"/>")
              .Append("<text x=\"").Append(F(tick.X)).Append("\" y=\"").Append(F(AxisY + 20)).Append("\" class=\"small\" text-anchor=\"middle\">").Append(H(tick.Label)).Append("</text>\n");
        }
        sb.Append("</svg>\n");
        sb.Append("<p class=\"note axis\">Axis: time since the incident was opened, ").Append(H(axis.OffsetLabel(axis.Start))).Append(" to ").Append(H(axis.OffsetLabel(axis.End)))
          .Append(" (the first to the last journal entry, ").Append(H(TAxis(axis.Start, axis))).Append(" to ").Append(H(TAxis(axis.End, axis))).Append("); a tick every ")
          .Append(H(TimeAxis.FormatOffset(axis.Step).TrimStart('+'))).Append('.');
        if (beyond.Count > 0)
        {
            sb.Append(" Beyond the entries, drawn at the edge: ").Append(H(string.Join("; ", beyond))).Append('.');
        }
        if (densities.Count > 0)
        {
            sb.Append(" Drawn as density (darker: more entries in that stretch): ").Append(H(string.Join(", ", densities))).Append('.');
        }
        sb.Append("</p>\n");
        sb.Append("<p class=\"legend\"><span style=\"color:#5b8def\">■</span> Opened <span style=\"color:#f0a830\">■</span> Triaged <span style=\"color:#2e9e5b\">■</span> Contained ")
          .Append("<span style=\"color:#6b7280\">■</span> Closed · deadlines dashed: green met, red missed, grey open · quorum: ○ proposal, ● signature, ◆ approved · ")
          .Append("containment: green verified, amber unverified, blue outline undone, red × failed · ticks: notes (dark), evidence (teal) · ▼ alert event time · ")
          .Append("◀ ▶ at an edge: a deadline or the alert time outside the entries' window, its offset in the label · axis: time since opened</p>\n");
    }

    // A triangle at the window's edge pointing outwards, with its label inside the chart beside it.
    private static void EdgeMarker(StringBuilder sb, AxisSide side, double y, string label, string colour, string tip)
    {
        var after = side == AxisSide.After;
        var edge = after ? Width - Right : Left;
        sb.Append("<g class=\"edge\"><title>").Append(H(tip)).Append("</title><path d=\"M").Append(F(edge)).Append(' ').Append(F(y - 9))
          .Append(after ? " l10 5 l-10 5 z" : " l-10 5 l10 5 z").Append("\" fill=\"").Append(colour).Append("\"/>")
          .Append("<text x=\"").Append(F(after ? edge - 4 : edge + 4)).Append("\" y=\"").Append(F(y)).Append("\" class=\"dlabel\" fill=\"").Append(colour)
          .Append(after ? "\" text-anchor=\"end\">" : "\">").Append(H(label)).Append("</text></g>\n");
    }

    private static void AppendMark(StringBuilder sb, TimelineEntry e, double x, string tip)
    {
        switch (e.Kind)
        {
            case ProposalCreated.KindName:
                sb.Append("<circle cx=\"").Append(F(x)).Append("\" cy=\"").Append(F(LaneQuorum)).Append("\" r=\"6\" fill=\"#ffffff\" stroke=\"#7c3aed\" stroke-width=\"2\"><title>").Append(tip).Append("</title></circle>\n");
                break;
            case ProposalSigned.KindName:
                sb.Append("<circle cx=\"").Append(F(x)).Append("\" cy=\"").Append(F(LaneQuorum)).Append("\" r=\"6\" fill=\"#7c3aed\"><title>").Append(tip).Append("</title></circle>\n");
                break;
            case ProposalApproved.KindName:
                sb.Append("<path d=\"M").Append(F(x)).Append(' ').Append(F(LaneQuorum - 9)).Append(" l9 9 l-9 9 l-9 -9 z\" fill=\"#4c1d95\"><title>").Append(tip).Append("</title></path>\n");
                break;
            case ContainmentApplied.KindName:
                var verified = e.Summary.Contains("applied, verified", StringComparison.Ordinal);
                sb.Append("<rect x=\"").Append(F(x - 7)).Append("\" y=\"").Append(F(LaneContain - 7)).Append("\" width=\"14\" height=\"14\" fill=\"").Append(verified ? "#2e9e5b" : "#f0a830")
                  .Append("\"><title>").Append(tip).Append("</title></rect>\n");
                break;
            case ContainmentUndone.KindName:
                sb.Append("<rect x=\"").Append(F(x - 7)).Append("\" y=\"").Append(F(LaneContain - 7)).Append("\" width=\"14\" height=\"14\" fill=\"#ffffff\" stroke=\"#1d4ed8\" stroke-width=\"3\"><title>")
                  .Append(tip).Append("</title></rect>\n");
                break;
            case ContainmentFailed.KindName:
                sb.Append("<path d=\"M").Append(F(x - 7)).Append(' ').Append(F(LaneContain - 7)).Append(" l14 14 m0 -14 l-14 14\" stroke=\"#d93025\" stroke-width=\"4\"><title>")
                  .Append(tip).Append("</title></path>\n");
                break;
            case Note.KindName or EvidenceAdded.KindName:
                sb.Append("<line x1=\"").Append(F(x)).Append("\" y1=\"").Append(F(LaneNotes - 9)).Append("\" x2=\"").Append(F(x)).Append("\" y2=\"").Append(F(LaneNotes + 9))
                  .Append("\" stroke=\"").Append(e.Kind == Note.KindName ? "#374151" : "#0891b2").Append("\" stroke-width=\"3\"><title>").Append(tip).Append("</title></line>\n");
                break;
        }
    }

    // One shaded bin per BinWidth units of the axis: opacity grows with the count, the tooltip gives it and the stretch.
    private static void AppendDensity(StringBuilder sb, TimeAxis axis, double lane, List<TimelineEntry> marks)
    {
        int bins = Math.Max(1, (int)Math.Ceiling((axis.X1 - axis.X0) / BinWidth));
        var counts = new int[bins];
        foreach (var e in marks)
        {
            counts[Math.Clamp((int)((axis.X(e.Time) - axis.X0) / BinWidth), 0, bins - 1)]++;
        }
        double max = counts.Max();
        var colour = lane == LaneNotes ? "#374151" : lane == LaneQuorum ? "#7c3aed" : "#2e9e5b";
        for (int i = 0; i < bins; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            var x = axis.X0 + i * BinWidth;
            var opacity = 0.25 + 0.75 * counts[i] / max;
            sb.Append("<rect x=\"").Append(F(x)).Append("\" y=\"").Append(F(lane - 9)).Append("\" width=\"").Append(F(BinWidth)).Append("\" height=\"18\" fill=\"").Append(colour)
              .Append("\" fill-opacity=\"").Append(opacity.ToString("0.00", CultureInfo.InvariantCulture)).Append("\"><title>")
              .Append(H($"{N(counts[i])} entries from {axis.OffsetLabel(axis.TimeAt(x))} to {axis.OffsetLabel(axis.TimeAt(x + BinWidth))}")).Append("</title></rect>\n");
        }
    }

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2937; background: #ffffff; }
        h1 { margin: 0; font-size: 26px; } h2 { font-size: 18px; margin: 20px 0 8px; }
        .title { font-size: 18px; margin: 4px 0 12px; }
        .badge { font-size: 13px; padding: 2px 8px; border-radius: 4px; vertical-align: middle; }
        .drill { background: #fde68a; color: #78350f; }
        .verdict { padding: 4px 16px; border-radius: 6px; border: 2px solid; }
        .verdict.good { background: #ecfdf5; border-color: #2e9e5b; } .verdict.bad { background: #fef2f2; border-color: #d93025; }
        .warn { color: #b45309; }
        table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f3f4f6; } tr.phase td { font-weight: 600; } tr.gap td { color: #6b7280; font-style: italic; background: #f9fafb; }
        .excerpt { color: #1f2937; }
        td.met { color: #2e9e5b; font-weight: 600; } td.missed { color: #d93025; font-weight: 700; } td.open { color: #6b7280; }
        .chart { display: block; max-width: 100%; height: auto; }
        .chart .lane { font-size: 13px; fill: #374151; } .chart .phase { font-size: 13px; fill: #ffffff; font-weight: 600; } .chart .small { font-size: 11px; fill: #374151; } .chart .dlabel { font-size: 11px; font-weight: 600; }
        .legend, .note, footer { font-size: 12px; color: #4b5563; }
        footer { margin-top: 24px; }

        """;
}
