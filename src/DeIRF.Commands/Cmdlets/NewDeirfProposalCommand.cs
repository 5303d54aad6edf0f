using System.Collections;
using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Proposes an action for the quorum to sign: journals a proposal.created entry and returns the proposal.</summary>
[Cmdlet(VerbsCommon.New, "DeirfProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Quorum.Proposal")]
public sealed class NewDeirfProposalCommand : WorkspaceCmdlet
{
    /// <summary>The incident; binds from the Id of a piped incident.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ActionCompleter))]
    public string Action { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = string.Empty;

    /// <summary>Signed, non-secret parameters (name = value).</summary>
    [Parameter]
    [Alias("Parameters")]
    public Hashtable? Parameter { get; set; }

    [Parameter(Mandatory = true)]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Proposer { get; set; } = string.Empty;

    /// <summary>How long signatures are accepted. Default and maximum: the policy rule's time to live.</summary>
    [Parameter]
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>Signatures before this time do not count. Default: now.</summary>
    [Parameter]
    public DateTimeOffset? NotBefore { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry kv in Parameter ?? new Hashtable())
            {
                parameters[kv.Key.ToString()!] = kv.Value?.ToString()
                    ?? throw new DeirfException("ProposalInvalid", DeirfErrorKind.InvalidArgument, $"Parameter '{kv.Key}' has no value.", kv.Key);
            }
            if (!ShouldProcess($"{Incident}: {Action} {Target}", "Propose"))
            {
                return;
            }
            var proposal = QuorumGate.Propose(ws, Incident, Action, Target, parameters, Proposer, TimeToLive, NotBefore, AppendOptions(ws, Proposer));
            WriteNotice($"Proposal {proposal.Id} ({Action} {Target}), expires {proposal.Expires:u}. Send this digest to the signers out of band; they compare it with the 'proposal:' line before signing.", "Digest");
            WriteObject(proposal);
        });
    }
}
