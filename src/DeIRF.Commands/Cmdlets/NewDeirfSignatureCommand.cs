using System.Management.Automation;
using System.Security;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Makes a detached signature over a payload file with a private key file, on the signer's own machine: the signer
/// for key kinds that have no standard command-line tool (did:key; Ethereum without a wallet CLI), and the same output
/// form ssh-keygen -Y sign / gpg --detach-sign give for SSH and OpenPGP keys. It writes only the signature file; the
/// journal is not touched (Add-DeirfQuorumSignature / Approve-DeirfProposal -SignaturePath record it).
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfSignature", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class NewDeirfSignatureCommand : DeirfCmdlet
{
    /// <summary>The payload file to sign (Get-DeirfSigningPayload -OutFile, or -Approval).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PayloadPath")]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true)]
    public string KeyPath { get; set; } = string.Empty;

    // Kinds cross as strings (DeIRF.dll must not expose engine types, see Loading/DeirfLoadContext.cs), checked against the catalog.
    [Parameter(Mandatory = true)]
    [Completers.ValidateProofKind("Signing")]
    [ArgumentCompleter(typeof(Completers.SigningProofKindCompleter))]
    public string Kind { get; set; } = string.Empty;

    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>Where to write the signature. Default: the payload path + ".sig".</summary>
    [Parameter]
    public string? OutFile { get; set; }

    /// <summary>Overwrite an existing signature file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        Try(Path, () =>
        {
            var payloadPath = ResolvePath(Path);
            if (!File.Exists(payloadPath))
            {
                throw new DeirfException("PayloadNotFound", DeirfErrorKind.NotFound, $"Payload file '{payloadPath}' does not exist.", Path);
            }
            var outPath = ResolvePath(OutFile ?? Path + ".sig");
            if (File.Exists(outPath) && !Force)
            {
                throw new DeirfException("SignatureFileExists", DeirfErrorKind.AlreadyExists,
                    $"Signature file '{outPath}' exists; use -Force to overwrite it.", OutFile ?? Path + ".sig");
            }
            if (!ShouldProcess(outPath, $"Write a {Kind} signature over '{payloadPath}'"))
            {
                return;
            }
            var kind = ParseKind(Kind);
            var payload = File.ReadAllBytes(payloadPath);
            string signature;
            using (var material = ReadPrivateKey(KeyPath, Passphrase))
            {
                signature = Signatures.SignerFor(kind).Sign(payload, material);
            }
            DeIRF.Workspaces.AtomicFile.WriteText(outPath, signature);
            WriteObject(new FileInfo(outPath));
        });
    }
}
