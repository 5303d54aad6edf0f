using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Records a reporter reward decision (seed section 7) as a reward.recorded entry. It records the decision only:
/// nothing is paid, no wallet or payment system is touched.
/// </summary>
[Cmdlet(VerbsCommon.Add, "DeirfReward", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Incidents.Reward")]
public sealed class AddDeirfRewardCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The reporter rewarded (a handle; need not be a responder in the roster).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Reporter { get; set; } = string.Empty;

    /// <summary>The amount, a positive decimal. Journaled as a string in plain notation ("500", "0.25"): never rounded through a float.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    public decimal Amount { get; set; }

    /// <summary>The currency or token code: USDC, USD, ETH...</summary>
    [Parameter(Mandatory = true, Position = 3)]
    [ValidateNotNullOrEmpty]
    public string Currency { get; set; } = string.Empty;

    /// <summary>Why (the program, what the report was worth).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    /// <summary>The responder recording the decision.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var amount = RewardRecorded.FormatAmount(Amount);
            var body = new RewardRecorded.Body(Reporter, amount, Currency, Reason);
            EntryKinds.Validate(RewardRecorded.KindName, body.ToBody());
            var ws = ResolveWorkspace();
            var incident = ws.GetIncident(Incident);
            if (!ShouldProcess(incident.Id, $"Record a reward of {amount} {Currency} to {Reporter} (a record only; nothing is paid)"))
            {
                return;
            }
            var actor = ResolveActor(ws, Actor);
            var entry = ws.JournalOf(incident.Id).Append(StatementDraft.Of(actor, body), AppendOptions(ws, actor));
            WriteObject(ws.GetIncident(incident.Id).Rewards.Single(r => r.Seq == entry.Seq));
        });
    }
}
