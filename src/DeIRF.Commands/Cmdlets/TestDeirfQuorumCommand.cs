using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// The quorum verdict on a proposal: met or not, each signature's status and reason, what is missing. With
/// -Reachability: who could sign at -At (eligible, holding a role that counts, reachable by their declared hours or on
/// call), whether the quorum can be met then, and if not the earliest time it can and who is missing — for a proposal,
/// or for an action before proposing (-Action, in an incident or by roster roles).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfQuorum", DefaultParameterSetName = Verdict)]
[OutputType("DeIRF.Quorum.QuorumVerdict", ParameterSetName = [Verdict])]
[OutputType("DeIRF.Swarm.QuorumReachability", ParameterSetName = [ProposalReach, ActionReach])]
public sealed class TestDeirfQuorumCommand : IdentityCmdlet
{
    private const string Verdict = "Verdict";
    private const string ProposalReach = "ProposalReachability";
    private const string ActionReach = "ActionReachability";

    /// <summary>The incident whose journal holds the proposal (with -Action: whose roles count; omitted: roster roles).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = Verdict)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ProposalReach)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ActionReach)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string? Incident { get; set; }

    /// <summary>The proposal id (its digest) or a unique prefix of at least 8 hex digits.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = Verdict)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ProposalReach)]
    [Alias("Id", "ProposalId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ProposalIdCompleter))]
    public string Proposal { get; set; } = string.Empty;

    /// <summary>Who could sign, and when the quorum can be met.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ProposalReach)]
    [Parameter(Mandatory = true, ParameterSetName = ActionReach)]
    public SwitchParameter Reachability { get; set; }

    /// <summary>An action (k8s.pod.quarantine) to check before proposing: its policy rule decides who must sign.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ActionReach)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ActionCompleter))]
    public string Action { get; set; } = string.Empty;

    /// <summary>With -Action: who would propose (barred from signing where the rule forbids self-approval).</summary>
    [Parameter(ParameterSetName = ActionReach)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Proposer { get; set; }

    /// <summary>Judge at this time instead of now.</summary>
    [Parameter(ParameterSetName = ProposalReach)]
    [Parameter(ParameterSetName = ActionReach)]
    public DateTimeOffset? At { get; set; }

    /// <summary>How far ahead to look for the earliest time (default 7 days).</summary>
    [Parameter(ParameterSetName = ProposalReach)]
    [Parameter(ParameterSetName = ActionReach)]
    public TimeSpan? Horizon { get; set; }

    protected override void ProcessRecord()
    {
        var at = (At ?? DateTimeOffset.UtcNow).ToUniversalTime();
        if (Horizon is { } h && (h <= TimeSpan.Zero || h > TimeSpan.FromDays(31)))
        {
            ThrowTerminating(new DeirfException("HorizonInvalid", DeirfErrorKind.InvalidArgument, $"-Horizon is positive and at most 31 days (got {h}).", h), h);
            return;
        }
        switch (ParameterSetName)
        {
            case ProposalReach:
                Try(Proposal, () => WriteObject(Swarm.Reachability.ForProposal(ResolveWorkspace(), Incident!, Proposal, at, Horizon)));
                break;
            case ActionReach:
                Try(Action, () => WriteObject(Swarm.Reachability.ForAction(ResolveWorkspace(), Incident, Action, at, Proposer, Horizon)));
                break;
            default:
                Try(Proposal, () => WriteObject(QuorumGate.Judge(ResolveWorkspace(), Incident!, Proposal)));
                break;
        }
    }
}
