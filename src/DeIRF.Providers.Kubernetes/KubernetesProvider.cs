using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.Providers.Kubernetes;

/// <summary>
/// The k8s.* containment family, loaded by <see cref="ContainmentProviders"/> on first use of a k8s. action.
/// Today it serves one action, <c>k8s.pod.quarantine</c> (see <see cref="PodQuarantine"/>).
/// </summary>
public sealed class KubernetesProvider : IContainmentProvider
{
    public const string PodQuarantineAction = "k8s.pod.quarantine";

    public IReadOnlyCollection<string> Actions { get; } = new[] { PodQuarantineAction };

    public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
        => For(request).PlanAsync(cancellationToken);

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
        => For(request).ApplyAsync(cancellationToken);

    public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => For(request).VerifyAsync(undoState, cancellationToken);

    public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => For(request).UndoAsync(undoState, cancellationToken);

    private static PodQuarantine For(ContainmentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.Equals(request.Action, PodQuarantineAction, StringComparison.Ordinal)
            ? new PodQuarantine(request)
            : throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument,
                $"The Kubernetes provider serves only '{PodQuarantineAction}', not '{request.Action}'.", request.Action);
    }
}
