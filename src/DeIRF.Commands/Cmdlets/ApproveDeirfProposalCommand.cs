using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// The manual approval gate: a human responder's own signature over the approval payload
/// (Get-DeirfSigningPayload -Approval), made on their device. There is no -KeyPath and -Confirm:$false alone
/// approves nothing: without a valid signature by -Responder nothing is written.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "DeirfProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Quorum.Proposal")]
public sealed class ApproveDeirfProposalCommand : ProposalCmdlet
{
    [Parameter(Mandatory = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The approver's detached signature over the approval payload file.</summary>
    [Parameter(Mandatory = true)]
    public string SignaturePath { get; set; } = string.Empty;

    /// <summary>The approval payload file that was signed. Default: -SignaturePath without its extension, else the proposal's approval payload.</summary>
    [Parameter]
    public string? PayloadPath { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Proposal, () =>
        {
            var ws = ResolveWorkspace();
            var proposal = QuorumGate.GetProposal(ws, Incident, Proposal);
            var signature = ReadSignature(SignaturePath);
            byte[]? payload = null;
            if (PayloadPath is not null)
            {
                var full = ResolvePath(PayloadPath);
                payload = File.Exists(full) ? File.ReadAllBytes(full)
                    : throw new DeirfException("PayloadNotFound", DeirfErrorKind.NotFound, $"Payload file '{full}' does not exist.", PayloadPath);
            }
            else if (Path.GetExtension(SignaturePath) is { Length: > 0 } ext && File.Exists(ResolvePath(SignaturePath[..^ext.Length])))
            {
                payload = File.ReadAllBytes(ResolvePath(SignaturePath[..^ext.Length]));
            }
            if (!ShouldProcess($"{proposal.ShortId} ({proposal.Action} {proposal.Target}) in {Incident}", $"Approve as {Responder}"))
            {
                return;
            }
            var actor = Actor ?? Responder;
            QuorumGate.Approve(ws, Incident, proposal.Id, Responder, signature, payload, actor, AppendOptions(ws, actor));
            WriteObject(proposal);
        });
    }
}
