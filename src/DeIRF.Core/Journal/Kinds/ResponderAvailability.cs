using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "responder.availability" — a roster entry: when a responder can be reached (follow the sun).
/// body: { handle, zone: IANA time zone name ("Europe/Berlin"; ≤ 64), hours: "HH:mm-HH:mm" local working hours (an
/// end before the start runs past midnight), days: [Mon..Sun] local working days (written in week order), oncall: bool
/// (reachable at any hour), proposal?: the ROSTER proposal that approved it (someone else's availability, once
/// sealed) }. A responder sets their own alone (signed); anyone else's needs roster.responder.availability.
/// </summary>
public sealed class ResponderAvailability : EntryKind<ResponderAvailability.Body>
{
    public const string KindName = "responder.availability";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var handle = EntryKinds.RequireText(Name, body, "handle", 64);
        var zone = EntryKinds.RequireText(Name, body, "zone", 64);
        if (!Swarm.Availability.IsZoneName(zone))
        {
            throw new InvalidStatementException(Name, "zone", $"'{zone}' is not an IANA time zone name (Area/Location, e.g. Europe/Berlin).", zone);
        }
        var hours = EntryKinds.RequireText(Name, body, "hours", 11);
        if (!Swarm.WorkingHours.TryParse(hours, out var parsed))
        {
            throw new InvalidStatementException(Name, "hours", $"'{hours}' is not working hours (HH:mm-HH:mm, e.g. 08:00-18:00).", hours);
        }
        if (body["days"] is not JsonArray days || days.Count == 0)
        {
            throw new InvalidStatementException(Name, "days", $"'{Name}' needs a non-empty 'days' array (Mon..Sun).");
        }
        var dayList = days.Select(d => d is JsonValue v && v.TryGetValue<string>(out var s) && Swarm.WorkingHours.TryParseDay(s, out var day) ? day
            : throw new InvalidStatementException(Name, "days", $"'{d}' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun).", d?.ToString())).ToArray();
        if (body["oncall"] is not JsonValue oc || !oc.TryGetValue<bool>(out var oncall))
        {
            throw new InvalidStatementException(Name, "oncall", $"'{Name}' needs 'oncall' (true or false).");
        }
        return new Body(handle, zone, parsed, dayList, oncall);
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Responder {EntryKinds.Text(body, "handle")} works {EntryKinds.Text(body, "hours")} {EntryKinds.List(body, "days")} ({EntryKinds.Text(body, "zone")})"
            + (body.TryGetValue("oncall", out var o) && o is true ? ", on call" : string.Empty);

    public sealed record Body(string Handle, string Zone, Swarm.WorkingHours Hours, IReadOnlyList<DayOfWeek> Days, bool OnCall) : IEntryBody
    {
        public string Kind => KindName;

        public string DaysText => string.Join(",", Swarm.WorkingHours.Ordered(Days).Select(Swarm.WorkingHours.DayName));

        public JsonObject ToBody() => new()
        {
            ["days"] = new JsonArray(Swarm.WorkingHours.Ordered(Days).Select(d => (JsonNode)JsonValue.Create(Swarm.WorkingHours.DayName(d))!).ToArray()),
            ["handle"] = Handle,
            ["hours"] = Hours.ToString(),
            ["oncall"] = OnCall,
            ["zone"] = Zone,
        };
    }
}
