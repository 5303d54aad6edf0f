using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>The verdict on one signature checked against a responder's proofs.</summary>
public sealed class SignatureResult
{
    public string Responder { get; init; } = string.Empty;
    public bool IsValid { get; init; }
    public string? Kind { get; init; }
    public string? Fingerprint { get; init; }
    public string Reason { get; init; } = string.Empty;
    public DateTimeOffset? SignedAt { get; init; }
    public string PayloadPath { get; init; } = string.Empty;
    public string SignaturePath { get; init; } = string.Empty;
}

/// <summary>Checks a signature file over a payload file against the responder's active proofs in the roster.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfSignature")]
[OutputType(typeof(SignatureResult))]
public sealed class TestDeirfSignatureCommand : IdentityCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The exact bytes that were signed.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string PayloadPath { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string SignaturePath { get; set; } = string.Empty;

    /// <summary>Only proofs of this kind. Default: guessed from the signature's form.</summary>
    // Enum values cross as strings: DeIRF.dll must not expose engine types that PowerShell reflects at import,
    // before the engine load context is wired (see Loading/DeirfLoadContext.cs).
    [Parameter]
    [Completers.ValidateProofKind()]
    [ArgumentCompleter(typeof(Completers.ProofKindCompleter))]
    public string? Kind { get; set; }

    protected override void ProcessRecord()
    {
        Try(SignaturePath, () =>
        {
            var roster = Roster.Load(ResolveWorkspace());
            var responder = roster.Get(Responder);
            var payloadFull = ResolvePath(PayloadPath);
            if (!File.Exists(payloadFull))
            {
                throw new DeirfException("PayloadNotFound", DeirfErrorKind.NotFound, $"Payload file '{payloadFull}' does not exist.", PayloadPath);
            }
            var payload = File.ReadAllBytes(payloadFull);
            var signature = ReadSignature(SignaturePath);
            var kind = Kind is null ? Signatures.DetectKind(signature) : ParseKind(Kind);
            var candidates = responder.ActiveProofs.Where(p => kind is null || p.Kind == kind).ToList();
            SignatureCheck? best = null;
            foreach (var proof in candidates)
            {
                var check = Signatures.Verify(proof.Key, payload, signature, roster.ContextFor(Responder, proof));
                if (check.IsValid || best is null)
                {
                    best = check;
                }
                if (check.IsValid)
                {
                    break;
                }
            }
            var revokedMatch = best is not { IsValid: true } ? RevokedProofThatVerifies(responder, roster, payload, signature, kind) : null;
            WriteObject(new SignatureResult
            {
                Responder = Responder,
                IsValid = best?.IsValid == true,
                Kind = (best?.Kind ?? kind)?.ToString(),
                Fingerprint = revokedMatch?.Fingerprint ?? best?.Fingerprint,
                Reason = revokedMatch is not null
                    ? $"signed with {revokedMatch.Kind} {revokedMatch.Fingerprint}, which was revoked on {revokedMatch.RevokedAt:u} ({revokedMatch.RevokedReason})"
                    : best?.Reason ?? (kind is null
                        ? $"'{Responder}' has no active proof that could have made this signature"
                        : $"'{Responder}' has no active {kind} proof"),
                SignedAt = best?.SignedAt,
                PayloadPath = payloadFull,
                SignaturePath = ResolvePath(SignaturePath),
            });
        });
    }

    private static RosterProof? RevokedProofThatVerifies(Responder responder, Roster roster, byte[] payload, string signature, ProofKind? kind)
        => responder.Proofs.Where(p => p.IsRevoked && (kind is null || p.Kind == kind))
            .FirstOrDefault(p => Signatures.Verify(p.Key, payload, signature, roster.ContextFor(responder.Handle, p)).IsValid);
}
