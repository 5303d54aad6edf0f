using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using DeIRF.Drills;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Runs a gameday drill scenario (a script in a workspace's drills/ folder or the module's runbooks/drills/) in its
/// own pwsh process against a sandbox workspace, and returns its scorecard: one object per phase. A phase that missed
/// its target or T-minus deadline ends the run with the terminating error DrillDeadlineMissed (so a scheduler's
/// `pwsh -Command` exits non-zero); a failed phase with DrillFailed; a missing prerequisite with DrillPrerequisiteMissing.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "DeirfDrill", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Drills.DrillPhaseResult")]
public sealed class StartDeirfDrillCommand : DeirfCmdlet
{
    /// <summary>The scenario: leaked-key, compromised-pod, phishing-domain, or one of the team's own.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    [ArgumentCompleter(typeof(DrillScenarioCompleter))]
    public string Scenario { get; set; } = string.Empty;

    /// <summary>The sandbox workspace (created if missing, kept for inspection). Default: drills/ of the team workspace, else a temporary folder.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>Seconds to add to phases, by phase name: @{ Triage = 5 } (proves a missed deadline fails the drill).</summary>
    [Parameter]
    public Hashtable? InjectDelay { get; set; }

    /// <summary>Multiplies every phase target and T-minus deadline of the drill (a small scale tightens them).</summary>
    [Parameter]
    [ValidateRange(0.0001, 1000)]
    public double TargetScale { get; set; } = 1;

    /// <summary>compromised-pod: a kubeconfig of a real cluster to drill against instead of the in-process fake.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Kubeconfig { get; set; }

    /// <summary>compromised-pod: the kubeconfig context.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>Stop the scenario after this many seconds (default 1800).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 1800;

    private Process? _child;

    protected override void StopProcessing()
    {
        base.StopProcessing();
        try
        {
            _child?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    protected override void ProcessRecord()
    {
        var given = Workspace is null ? null : ResolvePath(Workspace);
        string script;
        try
        {
            script = DrillScenarios.Find(Scenario, given, CurrentDirectory, ShippedDrills, WriteWarning);
        }
        catch (DrillException ex)
        {
            ThrowTerminating(ex, Scenario);
            return;
        }
        var sandbox = given ?? DrillScenarios.DefaultSandbox(Scenario, CurrentDirectory, DateTimeOffset.UtcNow);
        if (!ShouldProcess(sandbox, $"Run drill '{Scenario}' ({script})"))
        {
            return;
        }
        var scorecardPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"deirf-scorecard-{Guid.NewGuid():n}.jsonl");
        var output = new StringBuilder();
        int exitCode;
        try
        {
            var psi = PwshStartInfo();
            foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-File", script, "-ModulePath", ModuleManifest(), "-Workspace", sandbox,
                         "-ScorecardPath", scorecardPath, "-TargetScale", TargetScale.ToString("R", CultureInfo.InvariantCulture) })
            {
                psi.ArgumentList.Add(a);
            }
            if (InjectDelay is { Count: > 0 })
            {
                psi.ArgumentList.Add("-InjectDelay");
                psi.ArgumentList.Add(string.Join(",", InjectDelay.Cast<DictionaryEntry>().Select(e =>
                    $"{e.Key}={Convert.ToDouble(e.Value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)}")));
            }
            if (Kubeconfig is not null)
            {
                psi.ArgumentList.Add("-Kubeconfig");
                psi.ArgumentList.Add(ResolvePath(Kubeconfig));
            }
            if (Context is not null)
            {
                psi.ArgumentList.Add("-Context");
                psi.ArgumentList.Add(Context);
            }
            WriteVerbose($"Drill '{Scenario}': {script} in {sandbox}");
            using var child = _child = Process.Start(psi)!;
            child.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            child.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            if (!child.WaitForExit(TimeoutSeconds * 1000))
            {
                child.Kill(entireProcessTree: true);
                ThrowTerminating(new DrillException("DrillTimedOut", DeirfErrorKind.ResourceUnavailable,
                    $"Drill '{Scenario}' did not finish within {TimeoutSeconds} s; its workspace is {sandbox}.", Scenario));
            }
            child.WaitForExit();
            exitCode = child.ExitCode;
            if (CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            var text = output.ToString();
            foreach (var line in text.Split('\n'))
            {
                WriteVerbose(line.TrimEnd('\r'));
            }
            IReadOnlyList<DrillPhaseResult> scorecard;
            try
            {
                scorecard = DrillPhaseResult.ReadScorecard(scorecardPath, Scenario);
            }
            catch (DrillException ex)
            {
                ThrowTerminating(ex, Scenario);
                return;
            }
            WriteObject(scorecard, enumerateCollection: true);
            var tail = text.Length > 2000 ? text[^2000..] : text;
            if (DrillPhaseResult.Verdict(Scenario, scorecard, exitCode, tail.Trim()) is { } failure)
            {
                ThrowTerminating(failure, Scenario);
            }
        }
        finally
        {
            _child = null;
            File.Delete(scorecardPath);
        }
    }

    internal static string ShippedDrills => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(DeirfCmdlet).Assembly.Location)!, "runbooks", "drills");

    internal static IEnumerable<string> ShippedScenarios() => DrillScenarios.Shipped(ShippedDrills);

    private static string ModuleManifest() => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(DeirfCmdlet).Assembly.Location)!, "DeIRF.psd1");

    /// <summary>The pwsh that runs this session (under `dotnet pwsh`, dotnet with pwsh.dll), else pwsh beside $PSHOME, else pwsh on PATH.</summary>
    private ProcessStartInfo PwshStartInfo()
    {
        var psHome = SessionState.PSVariable.GetValue("PSHOME") as string ?? string.Empty;
        var self = Environment.ProcessPath ?? string.Empty;
        var name = System.IO.Path.GetFileNameWithoutExtension(self);
        ProcessStartInfo psi;
        if (name == "dotnet" && File.Exists(System.IO.Path.Combine(psHome, "pwsh.dll")))
        {
            psi = new ProcessStartInfo(self);
            psi.ArgumentList.Add(System.IO.Path.Combine(psHome, "pwsh.dll"));
        }
        else if (name == "pwsh")
        {
            psi = new ProcessStartInfo(self);
        }
        else
        {
            var beside = System.IO.Path.Combine(psHome, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            psi = new ProcessStartInfo(File.Exists(beside) ? beside : "pwsh");
        }
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        return psi;
    }
}

/// <summary>Completes drill scenario names from the module's runbooks/drills.</summary>
public sealed class DrillScenarioCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters)
        => StartDeirfDrillCommand.ShippedScenarios().Where(n => n.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
