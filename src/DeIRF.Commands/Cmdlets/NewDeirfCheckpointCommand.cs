using System.Management.Automation;
using DeIRF.Checkpoints;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Writes a checkpoint of an incident's journal: its RFC 6962 root in the C2SP tlog-checkpoint form, signed by the
/// signer's key (-KeyPath, or their configured signing key), in incidents/&lt;id&gt;/checkpoints/&lt;size&gt;.checkpoint.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Checkpoints.CheckpointVerdict")]
public sealed class NewDeirfCheckpointCommand : WorkspaceCmdlet
{
    /// <summary>The incident whose journal is checkpointed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The responder signing as the log (usually the Recorder). Default: the one responder this machine signs as in this workspace (Set-DeirfSigningKey), else $env:DEIRF_ACTOR.</summary>
    [Parameter]
    [Alias("Actor")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Signer { get; set; }

    /// <summary>The signer's private key file (did:key seed, OpenSSH, OpenPGP or Ethereum). Default: their configured signing key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyPath { get; set; }

    /// <summary>Also copy the checkpoint to this file (to hand to witnesses).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var signerHandle = ResolveActor(ws, Signer);
            var roster = Roster.Load(ws);
            var keyPath = KeyPath is not null ? ResolvePath(KeyPath)
                : SigningKeys.For(ws.WorkspaceId, signerHandle)?.KeyPath
                  ?? throw new DeirfException("SigningKeyMissing", DeirfErrorKind.InvalidArgument,
                      $"'{signerHandle}' has no signing key configured here: pass -KeyPath or run Set-DeirfSigningKey.", signerHandle);
            var signer = CheckpointSigner.FromKeyFile(signerHandle, keyPath, null, roster);
            // Read before anything is written: a policy file nobody journaled refuses the command, not the verdict after it.
            var policy = CheckpointPolicy.Load(ws);
            if (!ShouldProcess(Incident, $"Write a checkpoint of the journal signed by {signerHandle}"))
            {
                return;
            }
            var (checkpoint, path) = CheckpointLog.Create(ws, Incident, signer, null, CancellationToken);
            if (OutFile is not null)
            {
                checkpoint.Save(ResolvePath(OutFile));
            }
            WriteVerbose($"Checkpoint {path}; verifier key of {signerHandle}: {signer.VerifierKey(CheckpointRole.Log)}");
            var verdict = CheckpointVerdict.Judge(checkpoint, NoteVerifierKey.FromRoster(roster), policy, RolesIn(ws, Incident));
            WriteObject(Decorate(verdict, OutFile is null ? path : ResolvePath(OutFile), signer.VerifierKey(CheckpointRole.Log).ToString()));
        });
    }

    internal static Func<string, IReadOnlySet<string>> RolesIn(Workspaces.Workspace ws, string incident) => ws.GetIncident(incident).RolesOf;

    internal static PSObject Decorate(CheckpointVerdict verdict, string path, string? verifierKey)
    {
        var o = PSObject.AsPSObject(verdict);
        o.Properties.Add(new PSNoteProperty("Path", path));
        if (verifierKey is not null)
        {
            o.Properties.Add(new PSNoteProperty("VerifierKey", verifierKey));
        }
        return o;
    }
}
