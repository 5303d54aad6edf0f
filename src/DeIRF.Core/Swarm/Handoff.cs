using System.Security.Cryptography;
using System.Text;
using DeIRF.Identity;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Templates;
using DeIRF.Workspaces;

namespace DeIRF.Swarm;

/// <summary>A hand-off ready to journal and post: the text as rendered and the entries that make it so.</summary>
public sealed class HandoffPlan
{
    public string Incident { get; init; } = string.Empty;
    public string From { get; init; } = string.Empty;
    public string To { get; init; } = string.Empty;
    public string Text { get; init; } = string.Empty;
    public string Sha256 { get; init; } = string.Empty;
    public string Template { get; init; } = string.Empty;

    /// <summary>The sender's open tasks that pass to the receiver.</summary>
    public IReadOnlyList<IncidentTask> Tasks { get; init; } = [];

    /// <summary>Incident roles the receiver takes on (the sender keeps theirs: several people may share a role).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
    internal IReadOnlyList<StatementDraft> Drafts { get; init; } = [];

    /// <summary>The handoff.sent entry once journaled.</summary>
    public long Seq { get; internal set; } = -1;
    public DateTimeOffset? Time { get; internal set; }

    public override string ToString() => $"{Incident}: hand-off {From} → {To} ({Tasks.Count} task(s){(Roles.Count > 0 ? ", roles " + string.Join(", ", Roles) : string.Empty)})";
}

/// <summary>
/// Follow-the-sun hand-offs (Send-DeirfHandoff): the sender's open tasks go to the receiver, optionally with incident
/// roles, and the receiver gets a briefing rendered from templates/handoff.md: open tasks, deadlines, pending proposals
/// and the last decisions, all from the journal.
/// </summary>
public static class Handoff
{
    public const string TemplateName = "handoff.md";

    public static HandoffPlan Prepare(Workspace ws, string incidentId, string from, string to, IReadOnlyList<ResponderRole> roles, string templatePath, TimeProvider clock)
    {
        JournalFile.ValidateHandle(from);
        JournalFile.ValidateHandle(to);
        if (from == to)
        {
            throw new DeirfException("HandoffToSelf", DeirfErrorKind.InvalidArgument, $"'{from}' cannot hand {incidentId} over to themselves.", to);
        }
        TaskWork.CheckAssignee(ws, to);
        var entries = ws.JournalOf(Workspace.ValidateIncidentId(incidentId)).ReadEntries().ToList();
        var incident = Incident.Load(ws, incidentId, entries);
        if (incident.State != "Open")
        {
            throw new DeirfException("HandoffIncidentClosed", DeirfErrorKind.InvalidOperation, $"{incident.Id} was closed on {incident.Closed:u}: there is nothing to hand over.", incident.Id);
        }
        foreach (var role in roles)
        {
            if (!incident.HoldsRole(role.ToString(), from))
            {
                throw new DeirfException("HandoffRoleNotHeld", DeirfErrorKind.InvalidArgument, $"'{from}' does not hold {role} in {incident.Id} ({(incident.RolesText.Length > 0 ? incident.RolesText : "no roles assigned")}): only a role one holds is handed over.", role.ToString());
            }
            if (incident.MayGrant(from, role.ToString(), to) is { } refusal)
            {
                throw new DeirfException("HandoffRoleRefused", DeirfErrorKind.SecurityError, $"{role} cannot pass from {from} to {to}: {refusal}.", role.ToString());
            }
        }
        var board = TaskBoard.From(entries);
        var handed = board.Tasks.Where(t => t.IsOpen && t.Assignee == from).ToList();
        var now = clock.GetUtcNow();
        var model = Model(ws, incident, entries, board, from, to, handed, roles, now);
        var text = TemplateRenderer.RenderFile(templatePath, model);
        var sha = "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
        var drafts = new List<StatementDraft>();
        drafts.AddRange(handed.Select(t => StatementDraft.Of(from, new TaskUpdated.Body(t.Id, Assignee: to, Note: $"handed over by {from}")) with { Timestamp = now }));
        drafts.AddRange(roles.Select(r => StatementDraft.Of(from, RoleChange.Granted(r, to)) with { Timestamp = now }));
        drafts.Add(StatementDraft.Of(from, new HandoffSent.Body(from, to, handed.Select(t => t.Id).ToArray(), roles.Select(r => r.ToString()).ToArray(), sha,
            Path.GetFileName(templatePath))) with { Timestamp = now });
        return new HandoffPlan
        {
            Incident = incident.Id, From = from, To = to, Text = text, Sha256 = sha, Template = Path.GetFileName(templatePath), Tasks = handed,
            Roles = roles.Select(r => r.ToString()).ToArray(), Drafts = drafts,
        };
    }

    /// <summary>Journals the hand-off in one append (task reassignments, role grants, handoff.sent).</summary>
    public static HandoffPlan Record(Workspace ws, HandoffPlan plan, JournalAppendOptions options)
    {
        var written = ws.JournalOf(plan.Incident).AppendBatch(plan.Drafts, options);
        plan.Seq = written[^1].Seq;
        plan.Time = written[^1].Timestamp;
        return plan;
    }

    /// <summary>The variables templates/handoff.md's header comment lists.</summary>
    public static IReadOnlyDictionary<string, object?> Model(Workspace ws, Incident incident, IReadOnlyList<JournalEntry> entries, TaskBoard board,
        string from, string to, IReadOnlyList<IncidentTask> handed, IReadOnlyList<ResponderRole> roles, DateTimeOffset now)
    {
        var clock = new FixedClock(now);
        var kickoff = KickoffMessage.Model(ws, incident, null, clock);
        Roster? roster = File.Exists(Roster.PathIn(ws)) ? Roster.Load(ws) : null;
        Dictionary<string, object?> Person(string handle)
        {
            var r = roster?.Find(handle);
            return new Dictionary<string, object?>
            {
                ["handle"] = handle,
                ["name"] = Canonical.OutsideText.Markdown(r?.Name),
                ["local_time"] = r?.Availability?.LocalTime(now),
                ["works"] = r?.Availability?.ToString(),
            };
        }
        var handedIds = handed.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var tasks = board.Tasks.Where(t => t.IsOpen).OrderBy(t => t.Due ?? DateTimeOffset.MaxValue).ThenBy(t => t.Seq).Select(t => (object?)new Dictionary<string, object?>
        {
            ["id"] = t.Id,
            ["title"] = Canonical.OutsideText.Markdown(t.Title),
            ["status"] = t.Status,
            ["assigned_to"] = handedIds.Contains(t.Id) ? to : t.AssignedTo,
            ["handed_over"] = handedIds.Contains(t.Id),
            ["due_utc"] = t.Due is { } d ? KickoffMessage.Utc(d) : null,
            ["overdue"] = t.IsOverdueAt(now),
            ["note"] = t.Note.Length > 0 ? Canonical.OutsideText.Markdown(t.Note) : null,
        }).ToList();
        var proposals = new List<object?>();
        foreach (var p in QuorumGate.Proposals(ws, incident.Id))
        {
            var verdict = QuorumGate.Judge(ws, incident.Id, p.Id, clock);
            if (verdict.IsConsumed || now > p.Expires)
            {
                continue;
            }
            proposals.Add(new Dictionary<string, object?>
            {
                ["id"] = p.ShortId,
                ["action"] = p.Action,
                ["target"] = Canonical.OutsideText.Markdown(p.Target),
                ["expires_utc"] = KickoffMessage.Utc(p.Expires),
                ["signed"] = string.Join(", ", verdict.Persons),
                ["missing"] = verdict.IsQuorumFilled ? null : string.Join("; ", verdict.Missing),
                ["met"] = verdict.Blockers.Count == 0,
            });
        }
        var decisions = entries.Where(e => e.Kind is SeveritySet.KindName or ProposalConsumed.KindName or ContainmentApplied.KindName or ContainmentUndone.KindName
                or RoleGranted.KindName or RoleRevoked.KindName or HandoffSent.KindName or DeadlineSet.KindName)
            .TakeLast(8).Select(e => (object?)new Dictionary<string, object?>
            {
                ["time_utc"] = KickoffMessage.Utc(e.Timestamp),
                ["actor"] = e.Actor,
                ["kind"] = e.Kind,
                ["summary"] = Canonical.OutsideText.Markdown(e.Summary),
                ["seq"] = e.Seq,
            }).ToList();
        return new Dictionary<string, object?>
        {
            ["incident"] = kickoff["incident"],
            ["from"] = Person(from),
            ["to"] = Person(to),
            ["handed_tasks"] = handed.Count,
            ["handed_roles"] = roles.Select(r => (object?)r.ToString()).ToList(),
            ["tasks"] = tasks,
            ["deadlines"] = kickoff["deadlines"],
            ["proposals"] = proposals,
            ["decisions"] = decisions,
            ["roles"] = kickoff["roles"],
            ["journal"] = kickoff["journal"],
            ["generated_utc"] = KickoffMessage.Utc(now),
        };
    }
}
