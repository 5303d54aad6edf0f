using System.Globalization;
using System.Security;
using System.Text;

namespace DeIRF.Drills;

/// <summary>
/// A recurring drill as a scheduler runs it: a crontab line, a Windows Task Scheduler task (XML) or a Kubernetes
/// CronJob (YAML). Each runs <c>pwsh -NoProfile -NonInteractive -Command "Import-Module DeIRF; Start-DeirfDrill ..."</c>,
/// whose exit code is non-zero when a phase missed its deadline (the terminating error DrillDeadlineMissed).
/// </summary>
public static class DrillSchedule
{
    public static readonly IReadOnlyList<string> Cadences = ["Day", "Week", "Month", "Quarter"];
    public static readonly IReadOnlyList<string> Forms = ["Cron", "ScheduledTask", "CronJob"];

    /// <summary>Five-field cron expression at <paramref name="hour"/>:<paramref name="minute"/>: weekly on Mondays, monthly on the 1st, quarterly on Jan/Apr/Jul/Oct 1st.</summary>
    public static string CronExpression(string every, int hour, int minute) => every switch
    {
        "Day" => $"{minute} {hour} * * *",
        "Week" => $"{minute} {hour} * * 1",
        "Month" => $"{minute} {hour} 1 * *",
        "Quarter" => $"{minute} {hour} 1 1,4,7,10 *",
        _ => throw new DeirfException("DrillCadenceInvalid", DeirfErrorKind.InvalidArgument, $"'{every}' is not a cadence ({string.Join(", ", Cadences)}).", every),
    };

    /// <summary>The PowerShell command the scheduler runs (single-quoted PowerShell strings).</summary>
    /// <param name="module">The module to import: a manifest path for a module imported by path (the scheduler's
    /// PSModulePath may not find it by name), else DeIRF by name.</param>
    public static string DrillCommand(string scenario, string? workspace, string? module = null)
        => $"Import-Module {(module is null ? "DeIRF" : PowerShellQuote(Checked(module, "Module")))}; Start-DeirfDrill -Scenario {PowerShellQuote(Checked(scenario, "Scenario"))}"
            + (workspace is null ? string.Empty : $" -Workspace {PowerShellQuote(Checked(workspace, "Workspace"))}");

    /// <summary>
    /// A PowerShell single-quoted string literal. PowerShell ends such a string at any single-quote character
    /// (U+0027 and the typographic U+2018-U+201B), so each is doubled, not only the ASCII one.
    /// </summary>
    public static string PowerShellQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('\'');
        foreach (var c in s)
        {
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                sb.Append(c);
            }
            sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>One /bin/sh word: bare when it is plainly safe, else single-quoted with each ' written as '\''.</summary>
    public static string ShellQuote(string s)
        => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or ':' or '+' or '=' or ',')
            ? s
            : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Refuses control characters in what a schedule embeds: a line break would end the crontab line and start a
    /// line of the sender's choosing (and no scheduler form needs one).
    /// </summary>
    private static string Checked(string value, string what)
    {
        if (value.Any(char.IsControl))
        {
            throw new DeirfException("DrillScheduleArgumentInvalid", DeirfErrorKind.InvalidArgument,
                $"The drill schedule's {what} contains a control character (a line break, tab or escape); a scheduled command cannot carry one.", value);
        }
        return value;
    }

    /// <summary>The marker comment that identifies the line in a crontab (so -Install replaces, never duplicates, it).</summary>
    public static string CronMarker(string scenario) => $"# deirf-drill:{scenario}";

    public static string Crontab(string scenario, string every, int hour, int minute, string? workspace, string pwsh = "pwsh", string? log = null, string? module = null)
    {
        // cron runs the line with /bin/sh: the PowerShell command, pwsh and the log path are sh words (single quotes,
        // each ' as '\''). cron itself turns an unescaped % into a line break first, so every % is written \%.
        var command = ShellQuote(DrillCommand(scenario, workspace, module));
        var redirect = log is null ? string.Empty : $" >> {ShellQuote(Checked(log, "LogPath"))} 2>&1";
        var line = $"{ShellQuote(Checked(pwsh, "pwsh path"))} -NoProfile -NonInteractive -Command {command}{redirect}";
        return $"{CronExpression(every, hour, minute)} {line.Replace("%", "\\%", StringComparison.Ordinal)} {CronMarker(scenario)}";
    }

    /// <summary>A Task Scheduler 1.2 task (importable with schtasks /Create /XML or Register-ScheduledTask -Xml).</summary>
    public static string ScheduledTaskXml(string scenario, string every, int hour, int minute, string? workspace, DateTimeOffset startDay, string? module = null)
    {
        var start = new DateTime(startDay.Year, startDay.Month, startDay.Day, hour, minute, 0).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var schedule = every switch
        {
            "Day" => "<ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>",
            "Week" => "<ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek><Monday /></DaysOfWeek></ScheduleByWeek>",
            "Month" => "<ScheduleByMonth><DaysOfMonth><Day>1</Day></DaysOfMonth><Months><January /><February /><March /><April /><May /><June /><July /><August /><September /><October /><November /><December /></Months></ScheduleByMonth>",
            "Quarter" => "<ScheduleByMonth><DaysOfMonth><Day>1</Day></DaysOfMonth><Months><January /><April /><July /><October /></Months></ScheduleByMonth>",
            _ => throw new DeirfException("DrillCadenceInvalid", DeirfErrorKind.InvalidArgument, $"'{every}' is not a cadence ({string.Join(", ", Cadences)}).", every),
        };
        if (workspace is not null && workspace.Contains('"'))
        {
            // The command travels in one double-quoted argument of the task's command line (and no Windows path has a ").
            throw new DeirfException("DrillScheduleArgumentInvalid", DeirfErrorKind.InvalidArgument,
                "The drill schedule's Workspace contains a double quote, which a Task Scheduler argument cannot carry.", workspace);
        }
        var args = SecurityElement.Escape($"-NoProfile -NonInteractive -Command \"{DrillCommand(scenario, workspace, module)}\"");
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n");
        sb.Append("<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n");
        sb.Append($"  <RegistrationInfo><Description>DeIRF gameday drill '{SecurityElement.Escape(scenario)}' every {every.ToLowerInvariant()}</Description><URI>\\DeIRF\\drill-{SecurityElement.Escape(scenario)}</URI></RegistrationInfo>\n");
        sb.Append($"  <Triggers><CalendarTrigger><StartBoundary>{start}</StartBoundary><Enabled>true</Enabled>{schedule}</CalendarTrigger></Triggers>\n");
        sb.Append("  <Principals><Principal id=\"Author\"><LogonType>S4U</LogonType><RunLevel>LeastPrivilege</RunLevel></Principal></Principals>\n");
        sb.Append("  <Settings><MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy><ExecutionTimeLimit>PT2H</ExecutionTimeLimit><StartWhenAvailable>true</StartWhenAvailable><Enabled>true</Enabled></Settings>\n");
        sb.Append($"  <Actions Context=\"Author\"><Exec><Command>pwsh.exe</Command><Arguments>{args}</Arguments></Exec></Actions>\n");
        sb.Append("</Task>\n");
        return sb.ToString();
    }

    /// <summary>A batch/v1 CronJob running the drill in <paramref name="image"/> (an image with pwsh and DeIRF installed).</summary>
    public static string CronJobYaml(string scenario, string every, int hour, int minute, string? workspace, string image, string? ns)
    {
        var name = "deirf-drill-" + new string(scenario.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        name = name.Length > 52 ? name[..52].TrimEnd('-') : name;
        var sb = new StringBuilder();
        sb.Append("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n");
        sb.Append($"  name: {name}\n");
        if (ns is not null)
        {
            sb.Append($"  namespace: {Yaml(ns)}\n");
        }
        sb.Append($"  labels:\n    app.kubernetes.io/name: deirf-drill\n    deirf.dev/scenario: {Yaml(scenario)}\n");
        sb.Append("spec:\n");
        sb.Append($"  schedule: {Yaml(CronExpression(every, hour, minute))}\n");
        sb.Append("  timeZone: Etc/UTC\n  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: 3\n  failedJobsHistoryLimit: 3\n");
        sb.Append("  jobTemplate:\n    spec:\n      backoffLimit: 0\n      template:\n        spec:\n          restartPolicy: Never\n");
        sb.Append("          containers:\n            - name: drill\n");
        sb.Append($"              image: {Yaml(image)}\n");
        sb.Append("              command:\n                - pwsh\n                - -NoProfile\n                - -NonInteractive\n                - -Command\n");
        sb.Append($"                - {Yaml(DrillCommand(scenario, workspace ?? "/drill/workspace"))}\n");
        sb.Append("              volumeMounts:\n                - name: drill\n                  mountPath: /drill\n");
        sb.Append("          volumes:\n            - name: drill\n              emptyDir: {}\n");
        return sb.ToString();
    }

    /// <summary>A YAML double-quoted scalar (JSON string escaping is valid YAML).</summary>
    private static string Yaml(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
