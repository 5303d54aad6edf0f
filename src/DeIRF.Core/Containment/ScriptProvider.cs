using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeIRF.Containment;

/// <summary>
/// "script" — anything no built-in provider covers, as a runbook .ps1 with a declared contract. Parameters:
/// <c>path</c> (the script; relative paths are under the workspace), <c>sha256</c> (of its bytes: part of the signed
/// proposal, so an edited script is a new proposal and is refused here) and optionally <c>secrets</c> (the names of the
/// run-time secrets the script receives, as DEIRF_SECRET_&lt;NAME&gt;). Every other parameter is handed to the script.
/// Planning never runs the script: the plan is its declared plan section (<see cref="ScriptPlanSection"/>), so a
/// reviewer's -WhatIf executes nothing. Apply, Verify and Undo (after the quorum) read the bytes once, check the hash,
/// and run a private copy of exactly those bytes (<see cref="PinnedScript"/>) as <c>pwsh -NoProfile -NonInteractive
/// -File copy -Operation Apply|Verify|Undo -Target t -ParametersJson {...} -UndoStateJson {...}</c> with a minimal
/// environment (<see cref="ScriptEnvironment"/>); the script prints one JSON object as its last line of output:
/// {before:{..}, after:{..}, undoState:{..}, verified:bool, message?:".."}. A non-zero exit or bad output is
/// ScriptFailed / ScriptOutputInvalid; the journal records the sha256 of what ran.
/// </summary>
public sealed class ScriptProvider : IContainmentProvider, IContainmentPrecheck
{
    public const string ActionName = "script";

    /// <summary>How to start PowerShell: the module sets this to its own host (pwsh, or dotnet + pwsh.dll).</summary>
    public static (string FileName, IReadOnlyList<string> PrefixArguments) PowerShell { get; set; } = ("pwsh", []);

    public static TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    public IReadOnlyCollection<string> Actions { get; } = [ActionName];

    /// <summary>Parameters DeIRF itself reads; the script gets the others.</summary>
    private static readonly string[] OwnParameters = ["path", "sha256", ScriptEnvironment.SecretsParameter];

    public static string HashOf(string path) => PinnedScript.HashOf(File.ReadAllBytes(path));

    /// <summary>The script's bytes, read once and checked against the signed sha256.</summary>
    private static PinnedScript Pin(ContainmentRequest request)
    {
        var path = request.RequireParameter("path");
        var full = Path.IsPathRooted(path) || request.WorkspaceRoot is null ? Path.GetFullPath(path) : Path.GetFullPath(Path.Combine(request.WorkspaceRoot, path));
        return PinnedScript.Read(full, request.RequireParameter("sha256"), path);
    }

    private static Dictionary<string, string> Passed(ContainmentRequest request)
        => request.Parameters.Where(p => !OwnParameters.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static async Task<(JsonObject Output, string Sha256)> RunAsync(ContainmentRequest request, string operation, JsonObject? undoState, CancellationToken cancellationToken)
    {
        using var pinned = Pin(request);
        var secrets = ScriptEnvironment.DeclaredValues(request);
        var script = pinned.Original;
        var passed = new JsonObject();
        foreach (var (k, v) in Passed(request).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            passed[k] = v;
        }
        var copy = pinned.WriteCopy();
        var start = new ProcessStartInfo(PowerShell.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = request.WorkspaceRoot ?? Path.GetDirectoryName(copy)!,
        };
        foreach (var a in PowerShell.PrefixArguments)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-File", copy, "-Operation", operation, "-Target", request.Target,
                     "-ParametersJson", passed.ToJsonString(), "-UndoStateJson", (undoState ?? new JsonObject()).ToJsonString() })
        {
            start.ArgumentList.Add(a);
        }
        // Not the caller's environment: their tokens and other -Secret values are not this script's to see.
        start.Environment.Clear();
        foreach (var (name, value) in ScriptEnvironment.Build(Environment.GetEnvironmentVariables(), secrets, request.IncidentId, OperatingSystem.IsWindows()))
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)
            ?? throw new ContainmentException("ScriptFailed", DeirfErrorKind.ResourceUnavailable, $"Could not start {PowerShell.FileName}.", script);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new ContainmentException("ScriptFailed", DeirfErrorKind.ResourceUnavailable, $"{operation} of '{script}' did not finish within {Timeout}.", script);
        }
        var output = await stdout.ConfigureAwait(false);
        var errors = Redact(await stderr.ConfigureAwait(false), request);
        if (process.ExitCode != 0)
        {
            throw new ContainmentException("ScriptFailed", DeirfErrorKind.InvalidOperation,
                $"{operation} of '{script}' exited with {process.ExitCode}: {Tail(errors.Length > 0 ? errors : Redact(output, request))}", script);
        }
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        try
        {
            return (JsonNode.Parse(last) as JsonObject ?? throw new JsonException("not an object"), pinned.Sha256);
        }
        catch (JsonException ex)
        {
            throw new ContainmentException("ScriptOutputInvalid", DeirfErrorKind.InvalidData,
                $"{operation} of '{script}' must print one JSON object as its last line ({ex.Message}); got: {Tail(Redact(last, request))}", script, ex);
        }
    }

    private static string Redact(string text, ContainmentRequest request)
        => request.Secrets.Values.Where(v => v.Length > 0).Aggregate(text, (t, secret) => t.Replace(secret, "***", StringComparison.Ordinal));

    private static string Tail(string text) => text.Length > 800 ? "…" + text[^800..] : text.Trim();

    private static JsonObject Obj(JsonObject o, string name, ContainmentRequest request)
        => o[name] as JsonObject ?? throw new ContainmentException("ScriptOutputInvalid", DeirfErrorKind.InvalidData, $"The script's output lacks the object '{name}'.", request.Target);

    /// <summary>The script's declared plan section, read from the approved bytes; the script is not run.</summary>
    public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        using var pinned = Pin(request);
        var declaredSecrets = ScriptEnvironment.DeclaredSecrets(request.Parameters);
        var plan = ScriptPlanSection.Fill(ScriptPlanSection.Parse(pinned.Text, pinned.Original), request, Passed(request), pinned.Original);
        var notes = new List<string>(plan.Warnings)
        {
            "the plan is the script's declared plan section (the script was not run); apply records the state it reads",
        };
        if (declaredSecrets.Count > 0)
        {
            notes.Add("the script receives the secrets " + string.Join(", ", declaredSecrets.Select(n => $"{n} ({ScriptEnvironment.SecretPrefix}{n.ToUpperInvariant()})")));
        }
        return Task.FromResult(new ContainmentPlan
        {
            Action = ActionName, Target = request.Target, Steps = plan.Steps, Before = plan.Before, Expected = plan.Expected, Warnings = notes,
        });
    }

    /// <summary>Before the approvals are used up: the approved bytes are there, they declare a plan, and every declared secret is given.</summary>
    public Task CheckAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        using var pinned = Pin(request);
        ScriptPlanSection.Parse(pinned.Text, pinned.Original);
        ScriptEnvironment.DeclaredValues(request);
        return Task.CompletedTask;
    }

    private async Task<ContainmentResult> ResultAsync(ContainmentRequest request, string operation, JsonObject? undoState, CancellationToken cancellationToken)
    {
        var (o, sha256) = await RunAsync(request, operation, undoState, cancellationToken).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = ActionName,
            Target = request.Target,
            Before = (JsonObject)Obj(o, "before", request).DeepClone(),
            After = (JsonObject)Obj(o, "after", request).DeepClone(),
            UndoState = (JsonObject)Obj(o, "undoState", request).DeepClone(),
            Verified = o["verified"] is JsonValue v && v.TryGetValue<bool>(out var b) && b,
            Message = o["message"]?.ToString() ?? string.Empty,
            Ran = new JsonObject { ["script"] = request.RequireParameter("path"), ["sha256"] = sha256 },
        };
    }

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken) => ResultAsync(request, "Apply", null, cancellationToken);

    public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => ResultAsync(request, "Verify", undoState, cancellationToken);

    public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => ResultAsync(request, "Undo", undoState, cancellationToken);
}
