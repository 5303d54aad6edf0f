using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Extensions;

namespace DeIRF.Containment;

/// <summary>
/// What a roll-forward backend is handed for one step, after the engine's gates passed: the request (every parameter
/// signed by the quorum), the revision the quorum reviewed and that the backend must run, and the backend's token.
/// </summary>
public sealed class RollForwardStep
{
    public required ContainmentRequest Request { get; init; }

    /// <summary>The reviewed revision (a commit sha, a transaction digest), equal to what <see cref="IRollForwardBackend.RevisionOf"/> said the parameters run.</summary>
    public required string Revision { get; init; }

    /// <summary>The backend's credential (-Secret, else its environment variable); null when none was given. Never journaled, logged or put in an error.</summary>
    public string? Token { get; init; }

    /// <summary>One line of progress ("run 42 waiting for the environment 'production' reviewers"); shown by the cmdlet, never journaled.</summary>
    public void Report(string status) => Request.Progress?.Report(status);
}

/// <summary>
/// The production step of <c>recovery.roll-forward</c> when its proposal names <c>backend</c>: a pipeline that deploys
/// (GitHub Actions, Argo CD) or a relayer that sends a transaction. Declared as the <see cref="ExtensionPoints.RollForwardBackend"/>
/// extension point; the engine finds it by the signed parameter's value and never names one. The gates (patch review,
/// staging replay, the quorum and the manual approval, the binding of the reviewed revision to what runs) are the
/// engine's and run before any method here is called with a request to send.
/// </summary>
public interface IRollForwardBackend
{
    /// <summary>The value of the <c>backend</c> parameter this serves ("github-actions").</summary>
    string Name { get; }

    /// <summary>The -Secret name and the environment variable the token comes from ("githubToken", "DEIRF_GITHUB_TOKEN").</summary>
    (string SecretName, string EnvironmentVariable) Token { get; }

    /// <summary>
    /// The revision the signed parameters will run (a lowercase commit sha; "sha256:…" of a transaction), computed from
    /// the parameters alone: no request is sent. Throws RollForwardParameterInvalid for parameters it cannot run.
    /// </summary>
    string RevisionOf(ContainmentRequest request);

    /// <summary>Reads only (the state before, what apply will do); the token may be absent (a -WhatIf without it).</summary>
    Task<ContainmentPlan> PlanAsync(RollForwardStep step, CancellationToken cancellationToken);

    /// <summary>Runs the reviewed revision in production and follows it to its end (or the step's timeout); Verified only when it succeeded at that revision.</summary>
    Task<ContainmentResult> ApplyAsync(RollForwardStep step, CancellationToken cancellationToken);

    /// <summary>Reads back what apply started (the run, the sync, the transaction) and says whether it succeeded.</summary>
    Task<ContainmentResult> VerifyAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken);

    /// <summary>Goes back to the state apply recorded before, or refuses (ContainmentUndoNotPossible) where the backend cannot.</summary>
    Task<ContainmentResult> UndoAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken);
}

/// <summary>Finds the backend a roll-forward names, through the extension catalog; the engine names none.</summary>
public static class RollForwardBackends
{
    /// <summary>The signed parameter naming the backend.</summary>
    public const string Parameter = "backend";

    /// <summary>The signed parameter naming the revision, where a backend reads it (a commit sha).</summary>
    public const string RevisionParameter = "revision";

    private static readonly Regex GitSha = new("^(?:[0-9a-f]{40}|[0-9a-f]{64})$", RegexOptions.CultureInvariant);

    public static IReadOnlyList<string> Known => ExtensionCatalog.Of(ExtensionPoints.RollForwardBackend).Select(e => e.Key).ToArray();

    public static IRollForwardBackend Find(string name)
    {
        var entry = ExtensionCatalog.Find(ExtensionPoints.RollForwardBackend, name)
            ?? throw new ContainmentException("RollForwardBackendUnknown", DeirfErrorKind.InvalidArgument,
                $"No roll-forward backend is named '{name}'. Known: {(Known.Count == 0 ? "(none)" : string.Join(", ", Known))}.", name);
        IRollForwardBackend backend;
        try
        {
            backend = entry.Instance<IRollForwardBackend>();
        }
        catch (ExtensionException ex)
        {
            throw new ContainmentException("RollForwardBackendUnavailable", DeirfErrorKind.ResourceUnavailable,
                $"The roll-forward backend '{name}' ({entry.AssemblyName}) could not be loaded: {ex.Message}", name, ex);
        }
        return backend.Name == name
            ? backend
            : throw new ContainmentException("RollForwardBackendUnavailable", DeirfErrorKind.InvalidData,
                $"{entry.AssemblyName} declares the roll-forward backend '{name}' but its type says it is '{backend.Name}'.", name);
    }

    /// <summary>The token: the -Secret value by the backend's name, else its environment variable; null when neither.</summary>
    public static string? TokenFor(IRollForwardBackend backend, ContainmentRequest request)
        => request.Secrets.TryGetValue(backend.Token.SecretName, out var given) && given.Length > 0
            ? given
            : Environment.GetEnvironmentVariable(backend.Token.EnvironmentVariable) is { Length: > 0 } v ? v : null;

    /// <summary>A full lowercase git commit sha (SHA-1 or SHA-256 object name): a short one could name another commit.</summary>
    public static bool IsFullCommitSha(string text) => GitSha.IsMatch(text);

    /// <summary>
    /// The revision a patch review vouches for: its signed <c>revision</c> parameter, else a full commit sha after the
    /// last '@' of the patch name ("acme/api@&lt;40 hex&gt;"); null when the review names none.
    /// </summary>
    public static string? ReviewedRevision(string patch, IReadOnlyDictionary<string, string> reviewParameters)
    {
        if (reviewParameters.TryGetValue(RevisionParameter, out var r) && r.Length > 0)
        {
            return r;
        }
        var at = patch.LastIndexOf('@');
        return at >= 0 && IsFullCommitSha(patch[(at + 1)..]) ? patch[(at + 1)..] : null;
    }
}
