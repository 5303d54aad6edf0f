using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using DeIRF.Drills;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Prints the schedule that runs a drill on a cadence: a crontab line, a Windows Task Scheduler task (XML) or a
/// Kubernetes CronJob (YAML). With -Install: cron goes into the user's crontab (replacing the line for the same
/// scenario); the task and the CronJob are written to -OutFile with the command that applies them.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "DeirfDrill", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(string))]
public sealed class RegisterDeirfDrillCommand : DeirfCmdlet
{
    /// <summary>The drill scenario (runbooks/drills/&lt;Scenario&gt;.ps1).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    public string Scenario { get; set; } = string.Empty;

    /// <summary>How often: Day, Week (Mondays), Month (the 1st), Quarter (Jan/Apr/Jul/Oct 1st).</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("Day", "Week", "Month", "Quarter")]
    public string Every { get; set; } = "Quarter";

    /// <summary>Cron (a crontab line), ScheduledTask (Task Scheduler XML) or CronJob (Kubernetes YAML).</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("Cron", "ScheduledTask", "CronJob")]
    public string As { get; set; } = "Cron";

    /// <summary>Time of day, HH:mm (default 10:00): the scheduler's local time for cron and Task Scheduler, UTC for the CronJob.</summary>
    [Parameter]
    [ValidatePattern("^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    public string At { get; set; } = "10:00";

    /// <summary>The drill's sandbox workspace on the machine that runs it (default: a new temporary folder each run).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>CronJob: the container image with pwsh and DeIRF installed (default deirf:latest, built from the module).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = "deirf:latest";

    /// <summary>CronJob: the namespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>Cron: append the drill's output to this log file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>With -Install, ScheduledTask/CronJob: the file to write (default deirf-drill-&lt;Scenario&gt;.xml / .yaml here).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>Install where possible: cron into the user's crontab; the others written to -OutFile, with how to apply them.</summary>
    [Parameter]
    public SwitchParameter Install { get; set; }

    protected override void ProcessRecord()
    {
        Try(Scenario, () =>
        {
            var hour = int.Parse(At[..2], CultureInfo.InvariantCulture);
            var minute = int.Parse(At[3..], CultureInfo.InvariantCulture);
            var text = As switch
            {
                "Cron" => DrillSchedule.Crontab(Scenario, Every, hour, minute, Workspace, "pwsh", LogPath is null ? null : ResolvePath(LogPath), ModuleToImport()),
                "ScheduledTask" => DrillSchedule.ScheduledTaskXml(Scenario, Every, hour, minute, Workspace, DateTimeOffset.Now, ModuleToImport()),
                _ => DrillSchedule.CronJobYaml(Scenario, Every, hour, minute, Workspace, Image, Namespace),
            };
            if (!Install)
            {
                WriteObject(text);
                return;
            }
            if (As == "Cron")
            {
                if (!ShouldProcess("crontab of " + Environment.UserName, $"Install: {text}"))
                {
                    return;
                }
                InstallCron(text);
                WriteVerbose($"Installed in the crontab of {Environment.UserName}; see it with crontab -l.");
                WriteObject(text);
                return;
            }
            var file = ResolvePath(OutFile ?? $"deirf-drill-{Scenario}.{(As == "ScheduledTask" ? "xml" : "yaml")}");
            if (!ShouldProcess(file, $"Write the {As} definition"))
            {
                return;
            }
            if (As == "ScheduledTask")
            {
                // Task Scheduler expects the encoding the XML declaration names.
                File.WriteAllText(file, text, System.Text.Encoding.Unicode);
                WriteInformation(new InformationRecord($"Apply on Windows: Register-ScheduledTask -TaskName 'DeIRF drill {Scenario}' -Xml (Get-Content -Raw '{file}')   (or schtasks /Create /TN \"DeIRF drill {Scenario}\" /XML \"{file}\")", "Register-DeirfDrill"));
            }
            else
            {
                File.WriteAllText(file, text);
                WriteInformation(new InformationRecord($"Apply: kubectl apply -f '{file}'   (the image needs pwsh and DeIRF: see docs/drills.md)", "Register-DeirfDrill"));
            }
            WriteObject(text);
        });
    }

    /// <summary>crontab -l, drop the scenario's earlier line (by its marker), add the new one, crontab -.</summary>
    private void InstallCron(string line)
    {
        var (code, current, error) = RunCrontab(["-l"], null);
        // "no crontab for <user>" (exit 1) means an empty table; any other failure stops before anything is replaced.
        if (code != 0 && !error.Contains("no crontab", StringComparison.OrdinalIgnoreCase))
        {
            throw new DeirfException("DrillCrontabFailed", DeirfErrorKind.ResourceUnavailable, $"crontab -l failed ({code}): {error.Trim()}", "crontab");
        }
        var marker = DrillSchedule.CronMarker(Scenario);
        var lines = (code == 0 ? current : string.Empty).Split('\n').Where(l => l.Length > 0 && !l.EndsWith(marker, StringComparison.Ordinal)).ToList();
        lines.Add(line);
        var (set, _, setError) = RunCrontab(["-"], string.Join("\n", lines) + "\n");
        if (set != 0)
        {
            throw new DeirfException("DrillCrontabFailed", DeirfErrorKind.ResourceUnavailable, $"crontab - failed ({set}): {setError.Trim()}", "crontab");
        }
    }

    private (int Code, string Out, string Err) RunCrontab(string[] args, string? input)
    {
        var psi = new ProcessStartInfo("crontab") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DeirfException("DrillCrontabMissing", DeirfErrorKind.ResourceUnavailable, $"crontab is not available here ({ex.Message}): print the line without -Install and add it yourself.", "crontab");
        }
        using (process)
        {
            if (input is not null)
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken);
            process.WaitForExitAsync(CancellationToken).GetAwaiter().GetResult();
            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    /// <summary>
    /// What the scheduled line imports: DeIRF by name when this machine's PSModulePath finds the module now loaded,
    /// else that module's manifest by path (a module imported by path, e.g. ./out/DeIRF, is not found by name).
    /// </summary>
    private string? ModuleToImport()
    {
        var loaded = MyInvocation.MyCommand.Module;
        if (loaded is null)
        {
            return null;
        }
        var manifest = Path.Combine(loaded.ModuleBase, "DeIRF.psd1");
        var searchPath = (Environment.GetEnvironmentVariable("PSModulePath") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        bool byName = searchPath.Any(dir => string.Equals(Path.GetFullPath(Path.Combine(dir, "DeIRF")), Path.GetFullPath(loaded.ModuleBase).TrimEnd(Path.DirectorySeparatorChar),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
        return byName || !File.Exists(manifest) ? null : manifest;
    }
}
