using System.Management.Automation;
using System.Text;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>What a signer is asked to sign: exact bytes, their SHA-256 digest (compare it on a second device) and where they were written.</summary>
public sealed class SigningPayload
{
    public string Purpose { get; init; } = string.Empty;
    public string Responder { get; init; } = string.Empty;
    public string Kind { get; init; } = string.Empty;
    public string Fingerprint { get; init; } = string.Empty;
    public string Digest { get; init; } = string.Empty;
    public string? Path { get; init; }

    /// <summary>For a proposal: its incident and id (the Digest is then the proposal id, as the "proposal:" line shows it).</summary>
    public string? Incident { get; init; }
    public string? Proposal { get; init; }
    public string Text { get; init; } = string.Empty;
}

/// <summary>Produces the exact bytes to sign for a statement the module knows: a proof binding, a proposal, a proposal's approval.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfSigningPayload", DefaultParameterSetName = "ByPath")]
[OutputType(typeof(SigningPayload))]
public sealed class GetDeirfSigningPayloadCommand : IdentityCmdlet
{
    /// <summary>The responder the proof will be bound to.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByPath")]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "ByText")]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The kind of proof.</summary>
    // Enum values cross as strings: DeIRF.dll must not expose engine types that PowerShell reflects at import,
    // before the engine load context is wired (see Loading/DeirfLoadContext.cs).
    [Parameter(Mandatory = true, ParameterSetName = "ByPath")]
    [Parameter(Mandatory = true, ParameterSetName = "ByText")]
    [Completers.ValidateProofKind()]
    [ArgumentCompleter(typeof(Completers.ProofKindCompleter))]
    public string Kind { get; set; } = string.Empty;

    /// <summary>File holding the public part (armored OpenPGP key, authorized_keys line, address, did:key, FIDO2/OIDC JSON).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ByPath")]
    public string PublicKeyPath { get; set; } = string.Empty;

    /// <summary>The public part as text.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ByText")]
    public string PublicKey { get; set; } = string.Empty;

    /// <summary>The incident whose journal holds the proposal (binds from a piped proposal).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ByProposal", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The proposal id or a unique prefix (binds from the Id of a piped proposal).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ByProposal", ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "ProposalId")]
    [ArgumentCompleter(typeof(Completers.ProposalIdCompleter))]
    public string Proposal { get; set; } = string.Empty;

    /// <summary>The approval payload (for Approve-DeirfProposal) instead of the quorum signing payload.</summary>
    [Parameter(ParameterSetName = "ByProposal")]
    public SwitchParameter Approval { get; set; }

    /// <summary>Write the payload bytes here (no trailing newline): sign this file with your tool.</summary>
    [Parameter]
    public string? OutFile { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "ByProposal")
        {
            Try(Proposal, ForProposal);
            return;
        }
        Try(Responder, () =>
        {
            var ws = ResolveWorkspace();
            Roster.Load(ws).Get(Responder);
            var kind = ParseKind(Kind);
            var key = ReadPublicKey(kind, ParameterSetName == "ByPath" ? PublicKeyPath : null, ParameterSetName == "ByText" ? PublicKey : null);
            var binding = new ProofBinding(ws.WorkspaceId, Responder, kind, key.Fingerprint, DateTimeOffset.UtcNow);
            var bytes = binding.ToBytes();
            string? path = null;
            if (OutFile is not null)
            {
                path = ResolvePath(OutFile);
                File.WriteAllBytes(path, bytes);
            }
            // Shown like Write-Host (the PSHOST tag), so the digest is on screen for comparison on a second device.
            WriteNotice($"Binding for {Responder}: {kind} {key.Fingerprint}. SHA-256 {binding.Digest} — compare it on the signing device.", "Digest");
            WriteObject(new SigningPayload
            {
                Purpose = "proof-binding", Responder = Responder, Kind = kind.ToString(), Fingerprint = key.Fingerprint,
                Digest = binding.Digest, Path = path, Text = Encoding.UTF8.GetString(bytes),
            });
        });
    }

    private void ForProposal()
    {
        var ws = ResolveWorkspace();
        var proposal = Quorum.QuorumGate.GetProposal(ws, Incident, Proposal);
        var bytes = Approval ? proposal.ApprovalPayload() : proposal.SigningPayload();
        string? path = null;
        if (OutFile is not null)
        {
            path = ResolvePath(OutFile);
            File.WriteAllBytes(path, bytes);
        }
        if (!Approval && proposal.HasCustomPayload)
        {
            // evm.safe.freeze: the bytes are the 32-byte Safe transaction hash; the wallet shows it, so compare that.
            var custom = Quorum.ProposalPayloads.For(proposal.Action)!;
            WriteNotice($"Proposal {proposal.Id}: {proposal.Action} {proposal.Target} in {proposal.Incident}. Owners sign the Safe transaction hash "
                + $"{proposal.SigningDigest} (eth_sign / personal_sign over its 32 bytes, e.g. cast wallet sign {proposal.SigningDigest}); compare it with the hash your wallet shows.", "Digest");
            WriteObject(new SigningPayload
            {
                Purpose = "proposal-safe-tx", Digest = proposal.SigningDigest, Path = path, Text = custom.Describe(proposal),
                Incident = proposal.Incident, Proposal = proposal.Id,
            });
            return;
        }
        WriteNotice($"{(Approval ? "Approval of" : "Proposal")} {proposal.Id}: {proposal.Action} {proposal.Target} in {proposal.Incident}. "
            + "Compare this digest with the one the proposer sent you out of band, and every line of the file, before signing.", "Digest");
        WriteObject(new SigningPayload
        {
            Purpose = Approval ? "proposal-approval" : "proposal", Digest = proposal.Id, Path = path, Text = Encoding.UTF8.GetString(bytes),
            Incident = proposal.Incident, Proposal = proposal.Id,
        });
    }
}
