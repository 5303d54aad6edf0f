using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Configures, once per machine, the key that signs a responder's journal entries in this workspace. Only the key
/// file's path is stored (in the user's configuration folder, outside the workspace), never the key.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfSigningKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Identity.SigningKeySetting")]
public sealed class SetDeirfSigningKeyCommand : IdentityCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    // Enum values cross as strings: DeIRF.dll must not expose engine types that PowerShell reflects at import,
    // before the engine load context is wired (see Loading/DeirfLoadContext.cs).
    [Parameter(Mandatory = true)]
    [Completers.ValidateProofKind()]
    [ArgumentCompleter(typeof(Completers.ProofKindCompleter))]
    public string Kind { get; set; } = string.Empty;

    /// <summary>The private key file (it must belong to one of the responder's active proofs).</summary>
    [Parameter(Mandatory = true)]
    public string KeyPath { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        Try(Responder, () =>
        {
            var ws = ResolveWorkspace();
            var full = ResolvePath(KeyPath);
            if (!File.Exists(full))
            {
                throw new DeirfException("PrivateKeyNotFound", DeirfErrorKind.NotFound, $"Key file '{full}' does not exist.", KeyPath);
            }
            if (ShouldProcess($"{Responder} in {ws.Root}: {Kind} key {full}", "Use as signing key"))
            {
                WriteObject(SigningKeys.Set(ws, Roster.Load(ws), Responder, ParseKind(Kind), full));
            }
        });
    }
}
