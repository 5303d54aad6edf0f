using System.Globalization;

namespace DeIRF.Swarm;

/// <summary>Local working hours "HH:mm-HH:mm"; an end at or before the start runs past midnight (22:00-06:00).</summary>
public readonly record struct WorkingHours(TimeOnly Start, TimeOnly End)
{
    public static readonly IReadOnlyList<DayOfWeek> Week =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    public static readonly IReadOnlyList<DayOfWeek> Weekdays = [.. Week.Take(5)];

    public bool Overnight => End <= Start;

    public static bool TryParse(string? text, out WorkingHours hours)
    {
        hours = default;
        var parts = text?.Split('-') ?? [];
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            || start == end)
        {
            return false;
        }
        hours = new WorkingHours(start, end);
        return true;
    }

    public static WorkingHours Parse(string text) => TryParse(text, out var h) ? h
        : throw new DeirfException("WorkingHoursInvalid", DeirfErrorKind.InvalidArgument, $"'{text}' is not working hours: HH:mm-HH:mm in the responder's own time zone, e.g. 08:00-18:00 (22:00-06:00 runs past midnight).", text);

    public static string DayName(DayOfWeek d) => d.ToString()[..3];

    public static bool TryParseDay(string text, out DayOfWeek day)
    {
        var found = Week.Where(d => string.Equals(DayName(d), text, StringComparison.OrdinalIgnoreCase) || string.Equals(d.ToString(), text, StringComparison.OrdinalIgnoreCase)).ToList();
        day = found.FirstOrDefault();
        return found.Count == 1;
    }

    public static IEnumerable<DayOfWeek> Ordered(IEnumerable<DayOfWeek> days) => Week.Where(days.Contains);

    /// <summary>"Mon-Fri", "Mon,Wed,Fri", "Sat-Sun" or "Fri-Mon" (wrapping) to the days in week order.</summary>
    public static IReadOnlyList<DayOfWeek> ParseDays(string text)
    {
        var days = new HashSet<DayOfWeek>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is 1 or 2 && range.All(r => TryParseDay(r, out _)))
            {
                TryParseDay(range[0], out var from);
                TryParseDay(range[^1], out var to);
                var i = Week.ToList().IndexOf(from);
                while (true)
                {
                    days.Add(Week[i]);
                    if (Week[i] == to)
                    {
                        break;
                    }
                    i = (i + 1) % 7;
                }
                continue;
            }
            throw new DeirfException("WorkingDaysInvalid", DeirfErrorKind.InvalidArgument, $"'{text}' is not a list of days: Mon-Fri, Mon,Wed,Fri or Sat-Sun.", text);
        }
        return days.Count == 0
            ? throw new DeirfException("WorkingDaysInvalid", DeirfErrorKind.InvalidArgument, $"'{text}' names no day.", text)
            : Ordered(days).ToArray();
    }

    public override string ToString() => $"{Start.ToString("HH:mm", CultureInfo.InvariantCulture)}-{End.ToString("HH:mm", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// When a responder can be reached, as the roster declares it (responder.availability): a time zone, working hours on
/// working days, and an on-call flag (reachable at any hour). A responder who declared nothing has no availability
/// (<see cref="Availability.Of"/> returns null) and is treated as reachable: DeIRF never guesses someone is asleep.
/// </summary>
public sealed class Availability
{
    public required string Zone { get; init; }
    public required TimeZoneInfo TimeZone { get; init; }
    public required WorkingHours Hours { get; init; }
    public required IReadOnlyList<DayOfWeek> Days { get; init; }
    public bool OnCall { get; init; }

    /// <summary>Finds an IANA zone on this machine (TimeZoneNotFound otherwise: a misspelt zone would silently be UTC).</summary>
    public static TimeZoneInfo FindZone(string zone)
    {
        // A zone name can arrive in a synced roster: it names a zone, never a path (no "..", no absolute or odd names).
        if (!IsZoneName(zone))
        {
            throw new DeirfException("TimeZoneNotFound", DeirfErrorKind.InvalidArgument, $"'{zone}' is not an IANA time zone name (Area/Location, e.g. Europe/Berlin).", zone);
        }
        try
        {
            var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
            return tz;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new DeirfException("TimeZoneNotFound", DeirfErrorKind.InvalidArgument, $"'{zone}' is not an IANA time zone this machine knows (e.g. Europe/Berlin, America/New_York, Asia/Tokyo).", zone, ex);
        }
    }

    /// <summary>The shape of an IANA zone name: segments of letters, digits, '_', '+', '-', joined by '/'; at most 64 characters.</summary>
    public static bool IsZoneName(string zone)
        => zone.Length is > 0 and <= 64 && zone.Split('/').All(seg => seg.Length > 0 && seg != "." && seg != ".."
            && seg.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-'));

    /// <summary>Is the responder reachable at <paramref name="t"/>: on call, or within working hours on a working day (the day the shift started, for an overnight shift).</summary>
    public bool IsAvailableAt(DateTimeOffset t)
    {
        if (OnCall)
        {
            return true;
        }
        var local = TimeZoneInfo.ConvertTime(t, TimeZone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (!Hours.Overnight)
        {
            return Days.Contains(local.DayOfWeek) && time >= Hours.Start && time < Hours.End;
        }
        return (time >= Hours.Start && Days.Contains(local.DayOfWeek))
            || (time < Hours.End && Days.Contains(local.AddDays(-1).DayOfWeek));
    }

    /// <summary>The first instant at or after <paramref name="t"/> when the responder is reachable, within <paramref name="horizon"/>; null when never.</summary>
    public DateTimeOffset? NextAvailableFrom(DateTimeOffset t, TimeSpan horizon)
        => IsAvailableAt(t) ? t : ShiftStarts(t, horizon).Where(IsAvailableAt).Order().Cast<DateTimeOffset?>().FirstOrDefault();

    /// <summary>Every instant in (<paramref name="from"/>, <paramref name="from"/> + <paramref name="horizon"/>] when a shift starts (none when on call).</summary>
    public IEnumerable<DateTimeOffset> ShiftStarts(DateTimeOffset from, TimeSpan horizon)
    {
        if (OnCall)
        {
            yield break;
        }
        var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, TimeZone).DateTime);
        for (int d = -1; d <= (int)Math.Ceiling(horizon.TotalDays) + 1; d++)
        {
            var day = localDate.AddDays(d);
            if (!Days.Contains(day.DayOfWeek))
            {
                continue;
            }
            var start = day.ToDateTime(Hours.Start);
            // A start that falls in a spring-forward gap begins when the clocks resume.
            while (TimeZone.IsInvalidTime(start))
            {
                start = start.AddMinutes(15);
            }
            var utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(start, DateTimeKind.Unspecified), TimeZone), TimeSpan.Zero);
            if (utc > from && utc - from <= horizon)
            {
                yield return utc;
            }
        }
    }

    /// <summary>The responder's local time at <paramref name="t"/>, e.g. "Tue 17:45 Europe/Berlin".</summary>
    public string LocalTime(DateTimeOffset t)
        => TimeZoneInfo.ConvertTime(t, TimeZone).ToString("ddd HH:mm", CultureInfo.InvariantCulture) + " " + Zone;

    public override string ToString()
        => $"{Hours} {string.Join(",", WorkingHours.Ordered(Days).Select(WorkingHours.DayName))} {Zone}{(OnCall ? " (on call)" : string.Empty)}";

    /// <summary>A responder's declared availability, or null when they declared none (or their zone is unknown here: then <paramref name="problem"/> says so).</summary>
    public static Availability? Of(Identity.Responder responder) => responder.Availability;
}
