namespace DeIRF.Extensions;

/// <summary>
/// Declares one thing an assembly adds to DeIRF: <c>[assembly: DeirfExtension(ExtensionPoints.Containment, "k8s.",
/// typeof(KubernetesProvider))]</c>. The catalog reads these from the assembly's metadata without loading it, so a
/// provider's SDK is loaded only when one of its keys is first used.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class DeirfExtensionAttribute : Attribute
{
    /// <param name="point">Which extension point (<see cref="ExtensionPoints"/>).</param>
    /// <param name="key">What it serves there: an action ("dns.reroute") or action prefix ending in '.' ("k8s."), a
    /// proof kind name ("OpenPgp"), an alert format ("falco"), an evidence store kind ("s3"), an anchor ("eip155").</param>
    /// <param name="implementation">The public type with a public parameterless constructor (an evidence store:
    /// a constructor taking its settings) that implements the point's interface.</param>
    public DeirfExtensionAttribute(string point, string key, Type implementation)
    {
        Point = point;
        Key = key;
        Implementation = implementation;
    }

    public string Point { get; }
    public string Key { get; }
    public Type Implementation { get; }
}

/// <summary>The extension points and the interface each one's implementations have.</summary>
public static class ExtensionPoints
{
    /// <summary><see cref="Containment.IContainmentProvider"/>; key an action, or a prefix ending in '.'.</summary>
    public const string Containment = "containment";

    /// <summary><see cref="Quorum.IProposalPayload"/>; key an exact action.</summary>
    public const string ProposalPayload = "proposal-payload";

    /// <summary><see cref="Evidence.IEvidenceStore"/> with a constructor taking <see cref="Evidence.EvidenceStoreSettings"/>; key a store kind.</summary>
    public const string EvidenceStore = "evidence-store";

    /// <summary><see cref="Disclosure.IDisclosureAnchor"/>; key a CAIP-2 namespace ("eip155").</summary>
    public const string DisclosureAnchor = "disclosure-anchor";

    /// <summary><see cref="Identity.IProofKindDescriptor"/>; key the kind's name.</summary>
    public const string ProofKind = "proof-kind";

    /// <summary><see cref="Alerts.IAlertShape"/>; key the alert format name.</summary>
    public const string AlertShape = "alert-shape";

    /// <summary><see cref="Journal.Kinds.IEntryKind"/>; key the entry kind ("role.granted"). A replica without the kind
    /// still verifies and shows such entries raw; it only refuses to write them.</summary>
    public const string EntryKind = "entry-kind";

    /// <summary><see cref="Integrations.ITicketTracker"/>; key the tracker's name as -Tracker takes it ("GitHub").</summary>
    public const string TicketTracker = "ticket-tracker";

    /// <summary><see cref="Integrations.IChatChannel"/>; key the channel's name as -Channel takes it ("Matrix").</summary>
    public const string ChatChannel = "chat-channel";

    /// <summary><see cref="Containment.IRollForwardBackend"/>; key the <c>backend</c> parameter of recovery.roll-forward ("github-actions").</summary>
    public const string RollForwardBackend = "rollforward-backend";

    public static readonly IReadOnlyList<string> All = [Containment, ProposalPayload, EvidenceStore, DisclosureAnchor, ProofKind, AlertShape, EntryKind, TicketTracker, ChatChannel, RollForwardBackend];
}
