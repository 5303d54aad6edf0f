using DeIRF.Extensions;
using System.Text.Json.Nodes;

namespace DeIRF.Containment;

/// <summary>
/// What a containment or recovery step acts on. Everything here except <see cref="Secrets"/> is part of the
/// proposal the quorum signs: a changed target or parameter is a different proposal.
/// </summary>
public sealed class ContainmentRequest
{
    public ContainmentRequest(string action, string target, IReadOnlyDictionary<string, string>? parameters = null,
        string? incidentId = null, string? workspaceRoot = null, IReadOnlyDictionary<string, string>? secrets = null)
    {
        Action = action;
        Target = target;
        Parameters = parameters ?? new Dictionary<string, string>(StringComparer.Ordinal);
        IncidentId = incidentId;
        WorkspaceRoot = workspaceRoot;
        Secrets = secrets ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>Action name, e.g. "dns.reroute".</summary>
    public string Action { get; }

    /// <summary>What the action acts on, in the provider's own words ("prod/api-7f9", "www.example.test.").</summary>
    public string Target { get; }

    /// <summary>Signed, non-secret parameters (server, zone, safe target, kubeconfig path, context...).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    public string? IncidentId { get; }

    public string? WorkspaceRoot { get; }

    /// <summary>Credentials handed in at run time (TSIG secret, bearer token). Never signed, journaled or logged.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    /// <summary>Who executes (the Containment Lead or an automation account); providers that write journals act as them.</summary>
    public string? Actor { get; init; }

    /// <summary>How providers that write to DeIRF's own journals (identity.revoke) append: signers, durability, Ctrl+C.</summary>
    public Journal.JournalAppendOptions? AppendOptions { get; init; }

    /// <summary>
    /// The quorum signatures counted for the proposal being run (set by the runner from the verdict; empty when run
    /// without one). Public data from the journal; a provider that submits them itself (evm.safe.freeze: the owners'
    /// signatures go into execTransaction) reads them here.
    /// </summary>
    public IReadOnlyList<Quorum.QuorumSignatureStatus> QuorumSignatures { get; init; } = [];

    /// <summary>
    /// Where a long-running step reports progress ("run 42 in_progress"): the cmdlet shows it as a progress record on
    /// the pipeline thread. Never journaled; null when no one listens.
    /// </summary>
    public IProgress<string>? Progress { get; init; }

    /// <summary>
    /// The id (digest) of the proposal being run: for an undo, the undo proposal's. Set by the runner; null when a
    /// provider is called without one. A provider that binds a credential to one approved proposal (an SSH
    /// certificate whose force-command names it) sends this and lets the other side compare.
    /// </summary>
    public string? ProposalId { get; init; }

    /// <summary>The same request carrying <paramref name="signatures"/>.</summary>
    public ContainmentRequest WithQuorumSignatures(IReadOnlyList<Quorum.QuorumSignatureStatus> signatures)
        => new(Action, Target, Parameters, IncidentId, WorkspaceRoot, Secrets) { Actor = Actor, AppendOptions = AppendOptions, QuorumSignatures = signatures, Progress = Progress, ProposalId = ProposalId };

    /// <summary>The same request reporting progress to <paramref name="progress"/>.</summary>
    public ContainmentRequest WithProgress(IProgress<string>? progress)
        => new(Action, Target, Parameters, IncidentId, WorkspaceRoot, Secrets) { Actor = Actor, AppendOptions = AppendOptions, QuorumSignatures = QuorumSignatures, Progress = progress, ProposalId = ProposalId };

    /// <summary>The same request, for the proposal <paramref name="proposalId"/> (the runner sets the one it executes).</summary>
    public ContainmentRequest WithProposalId(string proposalId)
        => new(Action, Target, Parameters, IncidentId, WorkspaceRoot, Secrets) { Actor = Actor, AppendOptions = AppendOptions, QuorumSignatures = QuorumSignatures, Progress = Progress, ProposalId = proposalId };

    public string? Parameter(string name) => Parameters.TryGetValue(name, out var v) ? v : null;

    public string RequireParameter(string name)
        => Parameter(name) is { Length: > 0 } v
            ? v
            : throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument,
                $"Action '{Action}' needs the parameter '{name}'.", name);
}

/// <summary>What will change, shown by -WhatIf before anything is touched.</summary>
public sealed class ContainmentPlan
{
    public required string Action { get; init; }
    public required string Target { get; init; }

    /// <summary>One line per change, in the order they will be made ("label pod prod/api-7f9 deirf.io/quarantine=INC-...").</summary>
    public required IReadOnlyList<string> Steps { get; init; }

    /// <summary>State read from the system now (JSON, journaled with the result).</summary>
    public required JsonObject Before { get; init; }

    /// <summary>State the system should show after apply (what verify will check).</summary>
    public required JsonObject Expected { get; init; }

    /// <summary>Anything the responder must know before approving (e.g. "replicas of the Deployment are not isolated").</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}

/// <summary>The outcome of apply or undo: before/after state as read back, and what undo needs.</summary>
public sealed class ContainmentResult
{
    public required string Action { get; init; }
    public required string Target { get; init; }
    public required JsonObject Before { get; init; }
    public required JsonObject After { get; init; }

    /// <summary>Exactly what was added or replaced, so undo removes that and nothing else. Never holds secrets.</summary>
    public required JsonObject UndoState { get; init; }

    /// <summary>True when the effect was read back from the system and matches what was expected.</summary>
    public required bool Verified { get; init; }

    public string Message { get; init; } = string.Empty;

    /// <summary>What ran, when the provider runs code of the proposal's (script: {script, sha256} of the bytes executed); journaled as "ran".</summary>
    public JsonObject? Ran { get; init; }
}

/// <summary>
/// One containment or recovery action: plan (no change), apply (change, then read back), verify (read back only),
/// undo (remove exactly what apply added). Providers live in their own assemblies so heavy SDKs load only when used.
/// </summary>
public interface IContainmentProvider
{
    /// <summary>The action names this provider serves ("dns.reroute").</summary>
    IReadOnlyCollection<string> Actions { get; }

    Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken);

    Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken);

    /// <summary>Reads the system and says whether the applied effect is still in place (no change made).</summary>
    Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken);

    Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken);
}

/// <summary>
/// Optional: checks a provider makes right before the proposal is consumed, so a run that cannot succeed (a Safe
/// whose owners are not the signers, a nonce that moved) is refused without using up the approvals.
/// </summary>
public interface IContainmentPrecheck
{
    Task CheckAsync(ContainmentRequest request, CancellationToken cancellationToken);
}

/// <summary>A provider failed, refused its input, or could not reach its backend.</summary>
public sealed class ContainmentException : DeirfException
{
    public ContainmentException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
    }
}

/// <summary>
/// Finds the provider for an action: the in-engine ones registered here, every other from the extension catalog
/// (<see cref="ExtensionPoints.Containment"/>, keyed by action or by prefix "k8s."), loaded on first use so the
/// Kubernetes or Azure SDK is never loaded for a DNS reroute. The engine names no provider family.
/// </summary>
public static class ContainmentProviders
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, IContainmentProvider> Registered = new(StringComparer.Ordinal)
    {
        [IdentityRevokeProvider.ActionName] = new IdentityRevokeProvider(),
        [ScriptProvider.ActionName] = new ScriptProvider(),
        [RecoveryProvider.PatchReview] = Recovery,
        [RecoveryProvider.StagingReplay] = Recovery,
        [RecoveryProvider.RollForward] = Recovery,
    };

    private static RecoveryProvider Recovery => _recovery ??= new RecoveryProvider();
    private static RecoveryProvider? _recovery;

    /// <summary>Registers a provider (in-engine ones such as identity.revoke and script, or a test's own).</summary>
    public static void Register(IContainmentProvider provider)
    {
        lock (Gate)
        {
            foreach (var action in provider.Actions)
            {
                Registered[action] = provider;
            }
        }
    }

    public static IContainmentProvider Find(string action)
    {
        lock (Gate)
        {
            if (Registered.TryGetValue(action, out var found))
            {
                return found;
            }
            var entry = ExtensionCatalog.FindByPrefix(ExtensionPoints.Containment, action)
                ?? throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument,
                    $"No provider serves the action '{action}'. Known: {string.Join(", ", KnownActions)}.", action);
            IContainmentProvider provider;
            try
            {
                provider = entry.Instance<IContainmentProvider>();
            }
            catch (ExtensionException ex)
            {
                throw new ContainmentException("ContainmentProviderUnavailable", DeirfErrorKind.ResourceUnavailable,
                    $"The provider for '{action}' ({entry.AssemblyName}) could not be loaded: {ex.Message}", action, ex);
            }
            foreach (var a in provider.Actions)
            {
                Registered.TryAdd(a, provider);
            }
            return Registered.TryGetValue(action, out found)
                ? found
                : throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument,
                    $"The provider family for '{action}' serves only: {string.Join(", ", provider.Actions)}.", action);
        }
    }

    /// <summary>Registered action names plus the catalog's actions and prefixes of families not loaded yet ("k8s.*").</summary>
    public static IReadOnlyList<string> KnownActions
    {
        get
        {
            lock (Gate)
            {
                return Registered.Keys
                    .Concat(ExtensionCatalog.Of(ExtensionPoints.Containment).Select(e => e.Key.EndsWith('.') ? e.Key + "*" : e.Key))
                    .Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList();
            }
        }
    }
}
