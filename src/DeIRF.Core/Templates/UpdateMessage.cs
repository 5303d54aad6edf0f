using DeIRF.Incidents;
using DeIRF.Workspaces;

namespace DeIRF.Templates;

/// <summary>
/// A status update for one audience (seed sections 3 and 4: the Comms Lead's internal, community and regulator
/// updates), rendered from templates/update-internal.md, update-community.md or update-regulator.md with what the
/// journal says now, plus the Comms Lead's own words (<c>update.text</c>).
/// </summary>
public static class UpdateMessage
{
    public static readonly IReadOnlyList<string> Audiences = ["Internal", "Community", "Regulator"];

    public static string TemplateNameFor(string audience) => $"update-{audience.ToLowerInvariant()}.md";

    public static string Render(Workspace ws, Incident incident, string audience, string templatePath, string? text, TimeProvider? clock = null)
        => TemplateRenderer.RenderFile(templatePath, Model(ws, incident, audience, text, clock));

    /// <summary>The variables the update templates' header comments list.</summary>
    public static IReadOnlyDictionary<string, object?> Model(Workspace ws, Incident incident, string audience, string? text, TimeProvider? clock = null)
    {
        var kickoff = KickoffMessage.Model(ws, incident, null, clock);
        var now = (clock ?? TimeProvider.System).GetUtcNow().ToUniversalTime();
        var inc = new Dictionary<string, object?>((IReadOnlyDictionary<string, object?>)kickoff["incident"]!)
        {
            ["state"] = incident.State,
            ["closed_utc"] = incident.Closed is { } c ? KickoffMessage.Utc(c) : null,
            ["resolution"] = incident.Resolution.Length > 0 ? incident.Resolution : null,
            ["first_comms_utc"] = incident.FirstCommsAt is { } f ? KickoffMessage.Utc(f) : null,
            ["evidence_count"] = incident.EvidenceCount,
        };
        var commsLead = incident.Roles.TryGetValue("CommsLead", out var leads) ? string.Join(", ", leads) : null;
        return new Dictionary<string, object?>
        {
            ["incident"] = inc,
            ["update"] = new Dictionary<string, object?>
            {
                ["audience"] = audience,
                ["text"] = string.IsNullOrWhiteSpace(text) ? null : text.Trim(),
                ["number"] = incident.DeliveredUpdates + 1,
                ["comms_lead"] = commsLead,
                ["generated_utc"] = KickoffMessage.Utc(now),
            },
            ["roles"] = kickoff["roles"],
            ["deadlines"] = kickoff["deadlines"],
            ["journal"] = kickoff["journal"],
            ["generated_utc"] = KickoffMessage.Utc(now),
        };
    }
}
