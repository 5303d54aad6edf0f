using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Makes a private key file to bind and sign with (did:key seed, Ethereum key, OpenSSH ed25519 key): mode 0600,
/// never inside the workspace, never over an existing file; shows the public part and the next step.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfSigningKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Identity.NewSigningKey")]
public sealed class NewDeirfSigningKeyCommand : WorkspaceCmdlet
{
    /// <summary>DidKey (an Ed25519 seed), Ethereum (a secp256k1 key) or Ssh (an OpenSSH ed25519 key pair, by ssh-keygen).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Completers.ValidateProofKind("KeyMaking")]
    [ArgumentCompleter(typeof(Completers.KeyMakingProofKindCompleter))]
    public string Kind { get; set; } = string.Empty;

    /// <summary>Where to write the private key (outside the workspace; for Ssh the public key goes to Path.pub).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The responder the key is for (used in the next-step text and the SSH key comment).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Responder { get; set; }

    protected override void ProcessRecord()
    {
        Try(Path, () =>
        {
            var full = ResolvePath(Path);
            // The workspace, if there is one, is where keys must not go; none is fine (a key made before the workspace).
            string? root = null;
            try
            {
                root = ResolveWorkspace().Root;
            }
            catch (DeirfException ex) when (ex.ErrorId == "WorkspaceNotFound")
            {
            }
            if (!ShouldProcess(full, $"Create a {Kind} private key (mode 0600)"))
            {
                return;
            }
            var key = SigningKeyFile.Create(ParseKind(Kind), full, root, Responder);
            WriteInformation(new InformationRecord($"Next: {key.NextStep}", "New-DeirfSigningKey") { Tags = { "NextStep" } });
            WriteObject(key);
        });
    }
}
