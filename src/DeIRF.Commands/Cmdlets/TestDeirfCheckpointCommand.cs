using System.Management.Automation;
using DeIRF.Checkpoints;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Checks any C2SP checkpoint on its own (a DeIRF journal's, the Go checksum database's, a Sigstore or Sunlight
/// log's): its form, the log's signature by a key you trust (-TrustedKey), and cosignatures by witnesses you trust
/// (-Witness, at least -MinWitnesses of them). Each signature line is reported with its verdict.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfCheckpoint")]
[OutputType("DeIRF.Checkpoints.CheckpointCheckResult", "System.Boolean")]
public sealed class TestDeirfCheckpointCommand : DeirfCmdlet
{
    /// <summary>The checkpoint file (a signed note); binds the Path or FullName of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The log's verifier keys in C2SP vkey form (name+keyid+base64), or files holding one a line.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] TrustedKey { get; set; } = [];

    /// <summary>
    /// A static-ct-api (Sunlight) log's public key as CT log lists publish it (base64 or PEM DER SubjectPublicKeyInfo,
    /// or a file holding it): its RFC 6962 signature lines are checked under the checkpoint's origin as key name.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] LogPublicKey { get; set; } = [];

    /// <summary>Witnesses' verifier keys (vkeys or files of them): their cosignature/v1 lines count towards -MinWitnesses.</summary>
    [Parameter]
    public string[] Witness { get; set; } = [];

    /// <summary>How many distinct witnesses must have cosigned for the checkpoint to be trusted. Default: 1 when -Witness is given, else 0.</summary>
    [Parameter]
    [ValidateRange(0, 64)]
    public int? MinWitnesses { get; set; }

    /// <summary>Return only $true (valid and trusted) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        bool answered = false;
        Try(Path, () =>
        {
            var path = ResolvePath(Path);
            var checkpoint = Checkpoint.Load(path);
            var check = new CheckpointCheck
            {
                LogKeys = [.. TestDeirfInclusionProofCommand.ReadVerifierKeys(this, TrustedKey),
                    .. LogPublicKey.Select(k => NoteVerifierKey.Rfc6962(checkpoint.Origin, File.Exists(ResolvePath(k)) ? File.ReadAllText(ResolvePath(k)) : k))],
                WitnessKeys = TestDeirfInclusionProofCommand.ReadVerifierKeys(this, Witness),
                MinWitnesses = MinWitnesses ?? (Witness.Length > 0 ? 1 : 0),
            };
            var result = check.Judge(checkpoint, path);
            if (!result.IsTrusted)
            {
                WriteVerbose(result.ToString());
            }
            WriteObject(Quiet ? result.IsTrusted : result);
            answered = true;
        });
        if (Quiet && !answered)
        {
            WriteObject(false);
        }
    }
}
