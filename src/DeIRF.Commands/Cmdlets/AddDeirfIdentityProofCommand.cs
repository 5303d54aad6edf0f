using System.Management.Automation;
using System.Security;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Binds a proof to a responder after checking proof of possession: a signature by that key over the binding
/// payload (from Get-DeirfSigningPayload), or a private key given for one operation (drills, automation).
/// </summary>
[Cmdlet(VerbsCommon.Add, "DeirfIdentityProof", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySignature)]
[OutputType("DeIRF.Identity.RosterProof")]
public sealed class AddDeirfIdentityProofCommand : IdentityCmdlet
{
    private const string BySignature = "BySignature";
    private const string ByKey = "ByKey";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    // Enum values cross as strings: DeIRF.dll must not expose engine types that PowerShell reflects at import,
    // before the engine load context is wired (see Loading/DeirfLoadContext.cs).
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Completers.ValidateProofKind()]
    [ArgumentCompleter(typeof(Completers.ProofKindCompleter))]
    public string Kind { get; set; } = string.Empty;

    /// <summary>File holding the public part. With -KeyPath it may be omitted: it is derived from the private key.</summary>
    [Parameter(ParameterSetName = BySignature)]
    [Parameter(ParameterSetName = ByKey)]
    public string? PublicKeyPath { get; set; }

    /// <summary>The public part as text.</summary>
    [Parameter]
    public string? PublicKey { get; set; }

    /// <summary>The signature over the binding payload, made by the key holder's own tool.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BySignature)]
    public string SignaturePath { get; set; } = string.Empty;

    /// <summary>The payload file that was signed. Default: -SignaturePath without its .sig/.asc extension.</summary>
    [Parameter(ParameterSetName = BySignature)]
    public string? PayloadPath { get; set; }

    /// <summary>A private key file: DeIRF makes the binding and signs it (the key is read, used and dropped).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByKey)]
    public string KeyPath { get; set; } = string.Empty;

    /// <summary>Passphrase of an encrypted private key.</summary>
    [Parameter(ParameterSetName = ByKey)]
    public SecureString? Passphrase { get; set; }

    /// <summary>Who records the change (its configured key signs the roster entry). Default: the responder.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Once the roster is sealed, for a key that is not the responder's own addition: the met ROSTER proposal roster.proof.bind (target the handle, parameter fingerprint).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Proposal { get; set; }

    protected override void ProcessRecord()
    {
        Try(Responder, () =>
        {
            var ws = ResolveWorkspace();
            var roster = Roster.Load(ws);
            roster.Get(Responder);
            var kind = ParseKind(Kind);
            ProofKey key;
            byte[] bindingBytes;
            string signature;
            if (ParameterSetName == ByKey)
            {
                using var material = ReadPrivateKey(KeyPath, Passphrase);
                var signer = Signatures.SignerFor(kind);
                key = PublicKeyPath is null && PublicKey is null
                    ? Signatures.ParsePublicKey(kind, signer.PublicKeyOf(material))
                    : ReadPublicKey(kind, PublicKeyPath, PublicKey);
                bindingBytes = new ProofBinding(ws.WorkspaceId, Responder, kind, key.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
                signature = signer.Sign(bindingBytes, material);
            }
            else
            {
                key = ReadPublicKey(kind, PublicKeyPath, PublicKey);
                var payloadPath = PayloadPath ?? DefaultPayloadPath(SignaturePath);
                var fullPayload = ResolvePath(payloadPath);
                if (!File.Exists(fullPayload))
                {
                    throw new DeirfException("PayloadNotFound", DeirfErrorKind.NotFound,
                        $"The signed payload '{fullPayload}' does not exist (give -PayloadPath, the file Get-DeirfSigningPayload -OutFile wrote).", payloadPath);
                }
                bindingBytes = File.ReadAllBytes(fullPayload);
                signature = ReadSignature(SignaturePath);
            }
            if (!ShouldProcess($"{Responder}: {key.Kind} {key.Fingerprint}", "Bind identity proof"))
            {
                return;
            }
            var actor = Actor ?? Responder;
            WriteObject(roster.AddProof(Responder, key, bindingBytes, signature, actor, AppendOptions(ws, actor, requireOnRoster: false), Proposal));
        });
    }

    /// <summary>ssh-keygen writes x.sig next to x; gpg writes x.asc or x.sig.</summary>
    private static string DefaultPayloadPath(string signaturePath)
    {
        foreach (var ext in new[] { ".sig", ".asc", ".jws", ".json", ".jwt" })
        {
            if (signaturePath.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return signaturePath[..^ext.Length];
            }
        }
        return signaturePath + ".payload";
    }
}
