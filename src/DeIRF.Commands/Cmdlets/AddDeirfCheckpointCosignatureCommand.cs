using System.Management.Automation;
using DeIRF.Checkpoints;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Witnesses a checkpoint: checks it against this replica's journal and against the last checkpoint this responder
/// cosigned for that journal (a consistency proof), then adds a cosignature line (C2SP cosignature/v1 for did:key
/// keys, the DeIRF envelope for OpenPGP, SSH and Ethereum keys) to the checkpoint file. A fork is refused and named.
/// </summary>
[Cmdlet(VerbsCommon.Add, "DeirfCheckpointCosignature", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Checkpoints.CheckpointVerdict")]
public sealed class AddDeirfCheckpointCosignatureCommand : WorkspaceCmdlet
{
    /// <summary>The checkpoint file to cosign (updated in place); binds the Path or FullName of piped objects (Get-ChildItem).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Checkpoint { get; set; } = string.Empty;

    /// <summary>The witnessing responder. Default: the one responder this machine signs as in this workspace (Set-DeirfSigningKey), else $env:DEIRF_ACTOR.</summary>
    [Parameter]
    [Alias("Actor")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Responder { get; set; }

    /// <summary>The witness's private key file. Default: their configured signing key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyPath { get; set; }

    protected override void ProcessRecord()
    {
        Try(Checkpoint, () =>
        {
            var ws = ResolveWorkspace();
            var handle = ResolveActor(ws, Responder);
            var roster = Roster.Load(ws);
            var keyPath = KeyPath is not null ? ResolvePath(KeyPath)
                : SigningKeys.For(ws.WorkspaceId, handle)?.KeyPath
                  ?? throw new DeirfException("SigningKeyMissing", DeirfErrorKind.InvalidArgument,
                      $"'{handle}' has no signing key configured here: pass -KeyPath or run Set-DeirfSigningKey.", handle);
            var signer = CheckpointSigner.FromKeyFile(handle, keyPath, null, roster);
            var path = ResolvePath(Checkpoint);
            if (!ShouldProcess(path, $"Cosign as witness {handle}"))
            {
                return;
            }
            var (_, verdict, previous) = WitnessBook.CosignInReplica(ws, path, signer, null, CancellationToken);
            WriteVerbose(previous is null
                ? $"{handle} had not cosigned {verdict.Origin} before: this checkpoint is the first it vouches for."
                : $"Consistent with size {previous.Size} cosigned on {previous.CosignedAt:u}.");
            WriteObject(NewDeirfCheckpointCommand.Decorate(verdict, path, signer.VerifierKey(CheckpointRole.Witness).ToString()));
        });
    }
}
