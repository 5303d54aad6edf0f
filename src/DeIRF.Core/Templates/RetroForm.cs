using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Templates;

/// <summary>What writing a retrospective produced: the file, its digest, and the retro.written entry.</summary>
public sealed class RetroDocument
{
    public string Incident { get; init; } = string.Empty;
    public string Path { get; init; } = string.Empty;
    public long Size { get; init; }

    /// <summary>"sha256:" + hex of the bytes written.</summary>
    public string Digest { get; init; } = string.Empty;

    /// <summary>The journal head the document was rendered from.</summary>
    public long HeadSeq { get; init; }
    public DateTimeOffset Due { get; init; }

    /// <summary>True when written by the due time (the "retrospective" deadline is then Met).</summary>
    public bool OnTime { get; init; }
    public JournalEntry? Entry { get; init; }

    public override string ToString() => $"{Incident} retrospective {System.IO.Path.GetFileName(Path)} ({Digest[..19]}…){(OnTime ? string.Empty : " LATE")}";
}

/// <summary>
/// The post-incident retrospective (seed section 7), templates/retro-form.md filled from the journal: timeline,
/// target vs actual time to detect / contain / recover (the original form's fields), leads, rewards and disclosure as
/// journaled, and action items seeded as "update runbooks and detection rules" follow-ups. Only journal facts go in:
/// every replica renders the same document for the same head (apart from generated_utc).
/// </summary>
public static class RetroForm
{
    public const string TemplateName = "retro-form.md";

    private static readonly (string Role, string Label)[] Leads =
    [
        ("TriageLead", "Triage Lead"), ("CommsLead", "Comms Lead"), ("ContainmentLead", "Containment Lead"), ("Recorder", "Recorder"),
    ];

    /// <summary>Renders the form, writes it to <paramref name="path"/> and journals retro.written (file digest, head rendered from).</summary>
    public static RetroDocument Write(Workspace ws, string incidentId, string path, string templatePath, string actor, string? facilitator,
        JournalAppendOptions options)
    {
        var incident = ws.GetIncident(incidentId);
        if (incident.Closed is null)
        {
            throw new DeirfException("RetroIncidentOpen", DeirfErrorKind.InvalidOperation,
                $"{incident.Id} is not closed: the retrospective follows resolution (Close-DeirfIncident), and falls due 72 h after it.", incident.Id);
        }
        var journal = ws.JournalOf(incident.Id);
        var entries = journal.ReadEntries(options.CancellationToken).ToList();
        var now = options.Clock.GetUtcNow();
        var model = Model(incident, entries, RelativeJournalPath(ws, incident), LatestCheckpoint(ws, incident.Id), facilitator, now);
        var text = TemplateRenderer.RenderFile(templatePath, model);
        var bytes = Encoding.UTF8.GetBytes(text);
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        var digest = "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var body = new JsonObject
        {
            ["digest"] = digest, ["file"] = System.IO.Path.GetFileName(full), ["head_seq"] = incident.HeadSeq, ["size"] = (long)bytes.Length,
        };
        EntryKinds.Validate(RetroWritten.KindName, body);
        var entry = journal.Append(new StatementDraft(RetroWritten.KindName, actor, body), options);
        return new RetroDocument
        {
            Incident = incident.Id, Path = full, Size = bytes.Length, Digest = digest, HeadSeq = incident.HeadSeq,
            Due = incident.RetroDue!.Value, OnTime = entry.Timestamp <= incident.RetroDue!.Value, Entry = entry,
        };
    }

    public static string RelativeJournalPath(Workspace ws, Incident incident)
        => System.IO.Path.GetRelativePath(ws.Root, incident.JournalPath).Replace('\\', '/');

    public static Checkpoints.Checkpoint? LatestCheckpoint(Workspace ws, string incidentId)
        => Checkpoints.CheckpointLog.List(ws, incidentId).LastOrDefault() is { } p ? Checkpoints.Checkpoint.Load(p) : null;

    /// <summary>The variables the template's header comment lists, from the incident fold and its entries.</summary>
    public static IReadOnlyDictionary<string, object?> Model(Incident incident, IReadOnlyList<JournalEntry> entries, string journalPath,
        Checkpoints.Checkpoint? checkpoint, string? facilitator, DateTimeOffset now)
    {
        var start = incident.AlertTime ?? incident.Opened;
        var board = Swarm.TaskBoard.From(entries);
        var startLabel = incident.AlertTime is null ? "incident opened" : "alert event time";
        var deadlines = Deadline.For(incident, new FixedClock(now)).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var actors = entries.OrderBy(e => e.Seq).Select(e => e.Actor).Distinct(StringComparer.Ordinal).Cast<object?>().ToList();
        var roles = Leads.Select(l => (object?)new Dictionary<string, object?>
        {
            ["role"] = l.Label,
            ["handle"] = incident.Roles.TryGetValue(l.Role, out var h) ? string.Join(", ", h) : string.Empty,
        }).ToList();
        var timeline = entries.OrderBy(e => e.Seq).Select(e => (object?)new Dictionary<string, object?>
        {
            ["seq"] = e.Seq, ["time_utc"] = Utc(e.Timestamp), ["actor"] = e.Actor, ["kind"] = e.Kind,
            ["summary"] = Cell(e.Summary), ["hash"] = e.Hash,
        }).ToList();

        var metrics = new List<object?>
        {
            Metric("Time to detect", "MTTD", incident.AlertTime is null ? "first sign (not journaled)" : "alert event time", "incident opened",
                target: null, actual: incident.AlertTime is { } at ? incident.Opened - at : null, met: null),
            Metric("Time to contain", "MTTC", startLabel, "verified containment", Target(deadlines, "containment", start),
                incident.ContainedAt - start, deadlines.TryGetValue("containment", out var c) ? c.Met : null),
            Metric("Time to recover", "MTTR", startLabel, "incident closed", Target(deadlines, "recovery", start),
                incident.Closed - start, deadlines.TryGetValue("recovery", out var r) && incident.Closed is { } closed ? closed <= r.Due : null),
        };

        var actions = new List<object?>();
        var triage = incident.Roles.TryGetValue("TriageLead", out var tl) ? tl[0] : null;
        var containmentLead = incident.Roles.TryGetValue("ContainmentLead", out var cl) ? cl[0] : null;
        foreach (var e in entries.Where(e => e.Kind == ContainmentApplied.KindName))
        {
            actions.Add(Action("runbook", $"Review the runbook one-liner for {EntryKinds.Text(e.Body, "action")} on {Cell(EntryKinds.Text(e.Body, "target"))} (applied at #{e.Seq})", containmentLead));
        }
        actions.Add(incident.AlertSource is { } source
            ? Action("detection", $"Review the alert rule from {Cell(source)} that opened this incident: could it have fired earlier?", triage)
            : Action("detection", "No alert opened this incident: add a detection rule that would have caught it.", triage));
        foreach (var d in deadlines.Values.Where(d => d.Met == false))
        {
            actions.Add(Action("other", $"The {d.Name} deadline was missed (due {Utc(d.Due)}, met {(d.MetAt is { } m ? Utc(m) : "never")}): what would have made it faster?", null));
        }

        var rewards = incident.Rewards;
        var reward = rewards.Count == 0
            ? new Dictionary<string, object?>()
            : new Dictionary<string, object?>
            {
                ["eligible"] = true,
                ["program"] = null,
                ["amount"] = string.Join("; ", rewards.Select(x => $"{x.Amount} {x.Currency} to @{x.Reporter}")),
                ["decided_by"] = string.Join(", @", rewards.Select(x => x.DecidedBy).Distinct(StringComparer.Ordinal)),
                ["notes"] = string.Join(" ", rewards.Where(x => x.Reason.Length > 0).Select(x => x.Reason)) is { Length: > 0 } n
                    ? n + " (recorded in the journal; DeIRF pays nothing)" : "Recorded in the journal; DeIRF pays nothing.",
            };

        var published = entries.LastOrDefault(e => e.Kind == DisclosurePublished.KindName);
        var disclosure = published is null
            ? new Dictionary<string, object?> { ["decision"] = "pending" }
            : new Dictionary<string, object?>
            {
                ["decision"] = "public", ["date_utc"] = Utc(published.Timestamp), ["url"] = null,
                ["onchain_tx"] = published.Body.TryGetValue("chain", out var ch) && ch is IReadOnlyDictionary<string, object?> chain
                    ? EntryKinds.Text(chain, "transaction") : null,
            };

        return new Dictionary<string, object?>
        {
            ["incident"] = new Dictionary<string, object?>
            {
                ["id"] = incident.Id,
                // Titles and tags can be an alert's words: literal in the Markdown the templates produce.
                ["title"] = Canonical.OutsideText.Markdown(incident.Title),
                ["severity"] = incident.Severity.Length > 0 ? incident.Severity : "unrated",
                ["reporter"] = incident.Reporter,
                ["opened_utc"] = Utc(incident.Opened),
                ["resolved_utc"] = incident.Closed is { } cl2 ? Utc(cl2) : "not resolved",
                ["is_drill"] = incident.IsDrill,
                ["tags"] = incident.Tags.Select(t => (object?)Canonical.OutsideText.Markdown(t)).ToList(),
            },
            ["retro"] = new Dictionary<string, object?>
            {
                ["due_utc"] = incident.RetroDue is { } due ? Utc(due) : "72 h after close",
                ["facilitator"] = facilitator,
                ["held_utc"] = null,
            },
            ["attendees"] = actors,
            ["roles"] = roles,
            ["timeline"] = timeline,
            ["tasks"] = board.Tasks.Select(t => (object?)new Dictionary<string, object?>
            {
                ["id"] = t.Id, ["title"] = Cell(Canonical.OutsideText.Markdown(t.Title)), ["assigned_to"] = Cell(Canonical.OutsideText.Markdown(t.AssignedTo)), ["status"] = t.Status,
                ["created_utc"] = Utc(t.Created), ["created_by"] = Cell(Canonical.OutsideText.Markdown(t.CreatedBy)),
                ["done_utc"] = t.Completed is { } done ? Utc(done) : string.Empty, ["done_by"] = Cell(Canonical.OutsideText.Markdown(t.CompletedBy)),
            }).ToList(),
            ["time_on_task"] = board.TimeByResponder(incident.Closed ?? now).Select(x => (object?)new Dictionary<string, object?>
            {
                ["responder"] = Canonical.OutsideText.Markdown(x.Responder), ["time"] = Duration(x.Time), ["tasks"] = x.Tasks,
            }).ToList(),
            ["metrics"] = metrics,
            ["actions"] = actions,
            ["reward"] = reward,
            ["disclosure"] = disclosure,
            ["journal"] = new Dictionary<string, object?>
            {
                ["path"] = journalPath, ["entry_count"] = incident.EntryCount, ["head_seq"] = incident.HeadSeq, ["head_hash"] = incident.HeadHash,
            },
            ["checkpoint"] = checkpoint is null ? null : new Dictionary<string, object?>
            {
                ["origin"] = checkpoint.Origin, ["size"] = checkpoint.Size,
                ["root"] = Convert.ToHexString(checkpoint.RootHash).ToLowerInvariant(), ["text"] = checkpoint.Text.TrimEnd('\n'),
            },
            ["generated_utc"] = Utc(now),
        };
    }

    private static string? Target(IReadOnlyDictionary<string, Deadline> deadlines, string name, DateTimeOffset start)
        => deadlines.TryGetValue(name, out var d) ? Duration(d.Due - start) : null;

    private static Dictionary<string, object?> Metric(string name, string abbr, string from, string to, string? target, TimeSpan? actual, bool? met)
        => new()
        {
            ["name"] = name, ["abbr"] = abbr, ["start"] = from, ["end"] = to, ["target"] = target,
            ["actual"] = actual is { } a ? Duration(a) : null, ["met"] = met,
        };

    private static Dictionary<string, object?> Action(string kind, string description, string? owner)
        => new() { ["kind"] = kind, ["description"] = description, ["owner"] = owner, ["due_utc"] = null, ["link"] = null };

    /// <summary>"2025-03-14 09:12Z", as the other templates show times.</summary>
    public static string Utc(DateTimeOffset t) => KickoffMessage.Utc(t);

    /// <summary>"45s", "9m", "9m 30s", "1h", "1h 25m", "-5m" (before its start: clocks disagree).</summary>
    public static string Duration(TimeSpan span)
    {
        var sign = span < TimeSpan.Zero ? "-" : string.Empty;
        var s = (long)Math.Floor(span.Duration().TotalSeconds);
        string text = s switch
        {
            < 60 => $"{s}s",
            < 3600 => s % 60 == 0 ? $"{s / 60}m" : $"{s / 60}m {s % 60}s",
            _ => (s % 3600) / 60 == 0 ? $"{s / 3600}h" : $"{s / 3600}h {(s % 3600) / 60}m",
        };
        return sign + text;
    }

    /// <summary>A value safe inside a Markdown table cell: one line, pipes escaped.</summary>
    private static string Cell(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
