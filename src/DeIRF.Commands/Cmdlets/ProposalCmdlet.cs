using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Cmdlets that act on one proposal: -Incident and -Proposal bind by property name from a piped proposal (its
/// Incident and Id) or verdict (Incident and ProposalId), and -Workspace from its Workspace.
/// </summary>
public abstract class ProposalCmdlet : IdentityCmdlet
{
    /// <summary>The incident whose journal holds the proposal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The proposal id (its digest) or a unique prefix of at least 8 hex digits.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "ProposalId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ProposalIdCompleter))]
    public string Proposal { get; set; } = string.Empty;
}
