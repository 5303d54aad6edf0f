using System.Globalization;
using DeIRF.Incidents;
using DeIRF.Workspaces;

namespace DeIRF.Templates;

/// <summary>
/// The first message in a P1 incident channel (seed section 4, steps 4 and 5), rendered from
/// templates/incident-kickoff.md with what the journal says now: severity, leads, T-minus deadlines, journal head.
/// </summary>
public static class KickoffMessage
{
    public const string TemplateName = "incident-kickoff.md";

    /// <summary>Lead roles in the order the message lists them, with the label the template shows and the deadline names each owns.</summary>
    private static readonly (string Role, string Label)[] Leads =
    [
        ("TriageLead", "Triage Lead"), ("CommsLead", "Comms Lead"), ("ContainmentLead", "Containment Lead"), ("Recorder", "Recorder"),
    ];

    public static string Render(Workspace ws, Incident incident, string templatePath, string? channelName = null, TimeProvider? clock = null)
        => TemplateRenderer.RenderFile(templatePath, Model(ws, incident, channelName, clock));

    /// <summary>Renders the kickoff (this machine's override, else the shipped template) to kickoff.md beside the journal; returns its path.</summary>
    public static string WriteBesideJournal(Workspace ws, string incidentId, string shippedTemplates, Action<string>? warn = null)
    {
        var incident = ws.GetIncident(incidentId);
        var template = TemplateRenderer.Resolve(TemplateName, ws.Root, shippedTemplates, warn);
        var path = Path.Combine(Path.GetDirectoryName(incident.JournalPath)!, "kickoff.md");
        File.WriteAllText(path, Render(ws, incident, template));
        return path;
    }

    /// <summary>The variables the template's header comment lists, keyed exactly as it names them.</summary>
    public static IReadOnlyDictionary<string, object?> Model(Workspace ws, Incident incident, string? channelName = null, TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow().ToUniversalTime();
        Identity.Roster? roster = File.Exists(Identity.Roster.PathIn(ws)) ? Identity.Roster.Load(ws) : null;
        var roles = Leads.Select(l =>
        {
            var handle = incident.Roles.TryGetValue(l.Role, out var holders) ? string.Join(", ", holders) : string.Empty;
            var display = holders is { Count: 1 } ? roster?.Find(holders[0])?.Name : null;
            return (object?)new Dictionary<string, object?> { ["role"] = l.Label, ["handle"] = handle, ["display_name"] = Canonical.OutsideText.Markdown(display) };
        }).ToList();
        var deadlines = Deadline.For(incident, clock)
            .Where(d => d.Name != Journal.Kinds.DeadlineSet.Retrospective)
            .Select(d => (object?)new Dictionary<string, object?>
            {
                ["label"] = Label(d.Name),
                ["due_utc"] = Utc(d.Due),
                ["t_minus"] = TMinus(d),
                ["owner"] = Owner(d.Name),
            }).ToList();
        return new Dictionary<string, object?>
        {
            ["incident"] = new Dictionary<string, object?>
            {
                ["id"] = incident.Id,
                // Titles and tags can be an alert's words: literal in the Markdown the templates produce.
                ["title"] = Canonical.OutsideText.Markdown(incident.Title),
                ["severity"] = incident.Severity.Length > 0 ? incident.Severity : "unrated",
                ["impact"] = incident.Impact.Length > 0 ? incident.Impact : null,
                ["urgency"] = incident.Urgency.Length > 0 ? incident.Urgency : null,
                ["reporter"] = incident.Reporter,
                ["opened_utc"] = Utc(incident.Opened),
                ["tags"] = incident.Tags.Select(t => (object?)Canonical.OutsideText.Markdown(t)).ToList(),
                ["is_drill"] = incident.IsDrill,
                ["tracker_url"] = incident.TrackerUrl,
            },
            ["channel"] = new Dictionary<string, object?> { ["name"] = channelName ?? incident.ChatRoomName ?? DefaultChannelName(incident.Id) },
            ["roles"] = roles,
            ["deadlines"] = deadlines,
            ["journal"] = new Dictionary<string, object?>
            {
                ["workspace"] = ws.Root,
                ["path"] = Path.GetRelativePath(ws.Root, incident.JournalPath).Replace('\\', '/'),
                ["head_seq"] = incident.HeadSeq,
                ["head_hash"] = incident.HeadHash,
            },
            ["generated_utc"] = Utc(now),
        };
    }

    public static string DefaultChannelName(string incidentId) => "#" + incidentId.ToLowerInvariant();

    /// <summary>"2025-03-14 09:12Z": minutes are what a human reads in a channel.</summary>
    public static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    /// <summary>"T-25m", "T-1h05m"; past due "T+7m OVERDUE"; a phase already done "met".</summary>
    public static string TMinus(Deadline d)
    {
        if (d.Met == true)
        {
            return "met";
        }
        var left = d.Remaining;
        var sign = left < TimeSpan.Zero ? "+" : "-";
        var abs = left.Duration();
        var minutes = (long)Math.Ceiling(abs.TotalMinutes - 1e-9);
        var text = minutes >= 60 ? $"{minutes / 60}h{minutes % 60:00}m" : $"{minutes}m";
        return $"T{sign}{text}" + (left < TimeSpan.Zero ? " OVERDUE" : string.Empty);
    }

    private static string Label(string name) => name switch
    {
        "triage" => "Triage: severity confirmed, leads assigned",
        "first-comms" => "First update to affected users / community",
        "containment" => "Containment executed (quorum-signed)",
        _ => name,
    };

    private static string Owner(string name) => name switch
    {
        "first-comms" => "Comms Lead",
        "containment" => "Containment Lead",
        _ => "Triage Lead",
    };
}
