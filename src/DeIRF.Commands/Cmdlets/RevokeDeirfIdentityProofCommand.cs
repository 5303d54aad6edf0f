using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Revokes a responder's proof (or all of them): signatures made with it after this entry fail.</summary>
[Cmdlet(VerbsSecurity.Revoke, "DeirfIdentityProof", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "One")]
[OutputType("DeIRF.Identity.RosterProof")]
public sealed class RevokeDeirfIdentityProofCommand : WorkspaceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The proof's fingerprint (as Get-DeirfResponder shows it).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = "One", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.FingerprintCompleter))]
    public string[] Fingerprint { get; set; } = [];

    /// <summary>Revoke every active proof of the responder (key compromise of a person).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "All")]
    public SwitchParameter All { get; set; }

    /// <summary>Why: journaled, shown to everyone who later sees a signature fail.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = string.Empty;

    /// <summary>Who revokes (its configured key signs the roster entry). Default: the responder.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Once the roster is sealed, for someone else's proof: the met ROSTER proposal roster.proof.revoke (target the handle, parameter fingerprint).</summary>
    [Parameter(ValueFromPipelineByPropertyName = false)]
    [ValidateNotNullOrEmpty]
    public string? Proposal { get; set; }

    protected override void ProcessRecord()
    {
        Try(Responder, () =>
        {
            var ws = ResolveWorkspace();
            var roster = Roster.Load(ws);
            var responder = roster.Get(Responder);
            var actor = Actor ?? Responder;
            var fingerprints = All ? responder.ActiveProofs.Select(p => p.Fingerprint).ToArray() : Fingerprint;
            // The key this machine signs the actor's entries with goes last: revoking it stops DeIRF signing with it,
            // and every later entry of a sealed roster must still be signed (RosterEntryUnsigned).
            if (SigningKeys.For(ws.WorkspaceId, actor)?.Fingerprint is { } signing)
            {
                fingerprints = [.. fingerprints.OrderBy(fp => string.Equals(fp, signing, StringComparison.Ordinal))];
            }
            if (fingerprints.Length == 0)
            {
                WriteWarning($"'{Responder}' has no active proof to revoke.");
            }
            foreach (var fp in fingerprints)
            {
                Try(fp, () =>
                {
                    if (ShouldProcess($"{Responder}: {fp}", $"Revoke identity proof ({Reason})"))
                    {
                        WriteObject(roster.RevokeProof(Responder, fp, Reason, actor, AppendOptions(ws, actor, requireOnRoster: false), Proposal));
                        if (SigningKeys.Forget(ws, fp) > 0)
                        {
                            WriteVerbose($"This machine no longer signs with {fp}.");
                        }
                    }
                });
            }
        });
    }
}
