using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeIRF.Containment;

/// <summary>
/// "script" — anything no built-in provider covers, as a runbook .ps1 with a declared contract. Parameters:
/// <c>path</c> (the script; relative paths are under the workspace) and <c>sha256</c> (of its bytes: part of the signed
/// proposal, so an edited script is a new proposal and is refused here). Every other parameter is handed to the script.
/// The script is run as <c>pwsh -NoProfile -NonInteractive -File path -Operation Plan|Apply|Verify|Undo -Target t
/// -ParametersJson {...} -UndoStateJson {...}</c> and must print one JSON object as its last line of output:
/// Plan → {steps:[..], before:{..}, expected:{..}, warnings?:[..]}; Apply/Verify/Undo → {before:{..}, after:{..},
/// undoState:{..}, verified:bool, message?:".."}. Secrets reach it as environment variables DEIRF_SECRET_&lt;NAME&gt;,
/// never on the command line. A non-zero exit or bad output is ScriptFailed / ScriptOutputInvalid.
/// </summary>
public sealed class ScriptProvider : IContainmentProvider
{
    public const string ActionName = "script";

    /// <summary>How to start PowerShell: the module sets this to its own host (pwsh, or dotnet + pwsh.dll).</summary>
    public static (string FileName, IReadOnlyList<string> PrefixArguments) PowerShell { get; set; } = ("pwsh", []);

    public static TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    public IReadOnlyCollection<string> Actions { get; } = [ActionName];

    public static string HashOf(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    private static string ScriptPath(ContainmentRequest request)
    {
        var path = request.RequireParameter("path");
        var full = Path.IsPathRooted(path) || request.WorkspaceRoot is null ? Path.GetFullPath(path) : Path.GetFullPath(Path.Combine(request.WorkspaceRoot, path));
        if (!File.Exists(full))
        {
            throw new ContainmentException("ScriptNotFound", DeirfErrorKind.NotFound, $"The runbook script '{full}' does not exist.", path);
        }
        var expected = request.RequireParameter("sha256").ToLowerInvariant();
        var actual = HashOf(full);
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new ContainmentException("ScriptChanged", DeirfErrorKind.SecurityError,
                $"The runbook script '{full}' is not the one approved (sha256 {actual}, approved {expected}). An edited script is a new proposal.", path);
        }
        return full;
    }

    private static async Task<JsonObject> RunAsync(ContainmentRequest request, string operation, JsonObject? undoState, CancellationToken cancellationToken)
    {
        var script = ScriptPath(request);
        var passed = new JsonObject();
        foreach (var (k, v) in request.Parameters.Where(p => p.Key is not "path" and not "sha256").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            passed[k] = v;
        }
        var start = new ProcessStartInfo(PowerShell.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = request.WorkspaceRoot ?? Path.GetDirectoryName(script)!,
        };
        foreach (var a in PowerShell.PrefixArguments)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-File", script, "-Operation", operation, "-Target", request.Target,
                     "-ParametersJson", passed.ToJsonString(), "-UndoStateJson", (undoState ?? new JsonObject()).ToJsonString() })
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (name, value) in request.Secrets)
        {
            start.Environment["DEIRF_SECRET_" + name.ToUpperInvariant()] = value;
        }
        start.Environment["DEIRF_INCIDENT"] = request.IncidentId ?? string.Empty;
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
            return JsonNode.Parse(last) as JsonObject ?? throw new JsonException("not an object");
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

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var o = await RunAsync(request, "Plan", null, cancellationToken).ConfigureAwait(false);
        return new ContainmentPlan
        {
            Action = ActionName,
            Target = request.Target,
            Steps = Lines(o["steps"])
                ?? throw new ContainmentException("ScriptOutputInvalid", DeirfErrorKind.InvalidData, "The script's plan lacks 'steps'.", request.Target),
            Before = (JsonObject)Obj(o, "before", request).DeepClone(),
            Expected = (JsonObject)Obj(o, "expected", request).DeepClone(),
            Warnings = Lines(o["warnings"]) ?? [],
        };
    }

    /// <summary>An array of lines; a lone string (PowerShell unrolls one-element arrays) is one line.</summary>
    private static List<string>? Lines(JsonNode? node) => node switch
    {
        JsonArray a => a.Select(s => s?.ToString() ?? string.Empty).ToList(),
        JsonValue v when v.TryGetValue<string>(out var one) => [one],
        _ => null,
    };

    private async Task<ContainmentResult> ResultAsync(ContainmentRequest request, string operation, JsonObject? undoState, CancellationToken cancellationToken)
    {
        var o = await RunAsync(request, operation, undoState, cancellationToken).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = ActionName,
            Target = request.Target,
            Before = (JsonObject)Obj(o, "before", request).DeepClone(),
            After = (JsonObject)Obj(o, "after", request).DeepClone(),
            UndoState = (JsonObject)Obj(o, "undoState", request).DeepClone(),
            Verified = o["verified"] is JsonValue v && v.TryGetValue<bool>(out var b) && b,
            Message = o["message"]?.ToString() ?? string.Empty,
        };
    }

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken) => ResultAsync(request, "Apply", null, cancellationToken);

    public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => ResultAsync(request, "Verify", undoState, cancellationToken);

    public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => ResultAsync(request, "Undo", undoState, cancellationToken);
}
