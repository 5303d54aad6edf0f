using System.Management.Automation;
using System.Security;
using DeIRF.Identity;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Records a responder's signature on a proposal: a detached signature made elsewhere over the payload file from
/// Get-DeirfSigningPayload (-SignaturePath), or made here with a private key file (-KeyPath, automation accounts).
/// A signature that would not count is refused with its reason and nothing is written. Passes the proposal on.
/// -FromMatrix gathers the approvals posted in the incident's room instead, through the kind's collector.
/// </summary>
[Cmdlet(VerbsCommon.Add, "DeirfQuorumSignature", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BySignature)]
[OutputType("DeIRF.Quorum.Proposal")]
public sealed class AddDeirfQuorumSignatureCommand : ProposalCmdlet
{
    private const string BySignature = "BySignature";
    private const string ByKey = "ByKey";
    private const string FromChat = "FromChat";

    [Parameter(Mandatory = true, ParameterSetName = BySignature)]
    [Parameter(Mandatory = true, ParameterSetName = ByKey)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The detached signature (ssh-keygen -Y sign -n deirf, gpg --detach-sign --armor, personal_sign hex, JWS, WebAuthn JSON, id_token).</summary>
    [Parameter(Mandatory = true, ParameterSetName = BySignature)]
    [Alias("SignatureFile")]
    public string SignaturePath { get; set; } = string.Empty;

    /// <summary>The payload file that was signed. Default: -SignaturePath without .sig/.asc/...; if that file is missing, the proposal's own payload.</summary>
    [Parameter(ParameterSetName = BySignature)]
    public string? PayloadPath { get; set; }

    /// <summary>A private key file of one of the responder's proofs: DeIRF signs the payload here (the key is read, used and dropped).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByKey)]
    public string KeyPath { get; set; } = string.Empty;

    // Kinds cross as strings (DeIRF.dll must not expose engine types, see Loading/DeirfLoadContext.cs), checked against the catalog.
    [Parameter(ParameterSetName = ByKey)]
    [Completers.ValidateProofKind("Signing")]
    [ArgumentCompleter(typeof(Completers.SigningProofKindCompleter))]
    public string? Kind { get; set; }

    [Parameter(ParameterSetName = ByKey)]
    public SecureString? Passphrase { get; set; }

    /// <summary>Collect the approvals posted in the incident's Matrix room ("deirf approve &lt;digest&gt;" by a bound account) and record each that counts.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromChat)]
    public SwitchParameter FromMatrix { get; set; }

    /// <summary>With -FromMatrix: the room to read instead of the incident's own (New-DeirfIncidentChannel).</summary>
    [Parameter(ParameterSetName = FromChat)]
    [ValidateNotNullOrEmpty]
    public string? Room { get; set; }

    /// <summary>Who records the row (its configured key signs the journal entry). Default: the responder (with -FromMatrix: who runs it).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == FromChat)
        {
            Try(Proposal, () => Collect("Matrix"));
            return;
        }
        Try(Proposal, () =>
        {
            var ws = ResolveWorkspace();
            var proposal = QuorumGate.GetProposal(ws, Incident, Proposal);
            var (signature, payload) = ParameterSetName == ByKey
                ? (SignHere(ws, proposal.SigningPayload()), (byte[]?)null)
                : (ReadSignature(SignaturePath), ReadPayload(SignaturePath, PayloadPath));
            if (!ShouldProcess($"{proposal.ShortId} ({proposal.Action} {proposal.Target})", $"Add the quorum signature of {Responder}"))
            {
                return;
            }
            var actor = Actor ?? Responder;
            var status = QuorumGate.Sign(ws, Incident, proposal.Id, Responder, signature, payload, actor, AppendOptions(ws, actor));
            WriteVerbose($"{Responder} counted ({status.Kind} {status.Fingerprint}).");
            WriteObject(proposal);
        });
    }

    /// <summary>
    /// Records every candidate the kind's collector finds (the kind is named, its type never is): each one through
    /// QuorumGate.Sign like a signature given by hand; a refused one is an error record with its reason and where it was
    /// found, and the others go on. One already recorded is skipped.
    /// </summary>
    private void Collect(string kindName)
    {
        var ws = ResolveWorkspace();
        var proposal = QuorumGate.GetProposal(ws, Incident, Proposal);
        var kind = ParseKind(kindName);
        var collector = ProofKinds.Find(kind) as IProofCollector
            ?? throw new DeirfException("ProofCollectionUnavailable", DeirfErrorKind.InvalidOperation, $"The {kind} proof kind on this machine cannot collect signatures.", kindName);
        var actor = ResolveActor(ws, Actor);
        RequireOnRoster(ws, actor);
        var found = collector.Collect(new ProofCollectionRequest
        {
            Roster = Roster.Load(ws), Payload = proposal.SigningPayload(), Source = Room, Incident = Incidents.Incident.Load(ws, proposal.Incident),
        }, CancellationToken);
        var recorded = QuorumGate.Judge(ws, proposal.Incident, proposal.Id).Signatures.Select(s => s.Signature).ToHashSet(StringComparer.Ordinal);
        WriteVerbose($"{found.Count} {kind} approval(s) of {proposal.ShortId} found.");
        foreach (var candidate in found)
        {
            if (recorded.Contains(candidate.Signature))
            {
                WriteVerbose($"{candidate.Origin}: already recorded.");
                continue;
            }
            if (candidate.Responder is null || candidate.Refusal is not null)
            {
                var refused = new QuorumException("QuorumSignatureRefused", DeirfErrorKind.SecurityError,
                    $"The approval in {candidate.Origin} would not count: {candidate.Refusal ?? "no responder holds its key"}. Nothing was recorded.", candidate.Signature);
                WriteError(ToErrorRecord(refused, candidate.Signature));
                continue;
            }
            if (!ShouldProcess($"{proposal.ShortId} ({proposal.Action} {proposal.Target})", $"Add the quorum signature of {candidate.Responder} from {candidate.Origin}"))
            {
                continue;
            }
            try
            {
                var status = QuorumGate.Sign(ws, proposal.Incident, proposal.Id, candidate.Responder, candidate.Signature, null, actor, AppendOptions(ws, actor));
                recorded.Add(candidate.Signature);
                WriteVerbose($"{candidate.Responder} counted ({status.Kind} {status.Fingerprint}, {candidate.Origin}).");
            }
            catch (QuorumException ex)
            {
                var record = ToErrorRecord(ex, candidate.Signature);
                record.ErrorDetails = new ErrorDetails($"{candidate.Origin}: {ex.Message}");
                if (ex.Reason == SignatureReason.DuplicatePerson)
                {
                    // The person already counts (another kind, or an earlier message): worth saying, not an error.
                    WriteWarning(record.ErrorDetails.Message);
                    continue;
                }
                WriteError(record);
            }
        }
        WriteObject(proposal);
    }

    private string SignHere(Workspaces.Workspace ws, byte[] payload)
    {
        using var material = ReadPrivateKey(KeyPath, Passphrase);
        var responder = Roster.Load(ws).Get(Responder);
        var kinds = Kind is not null ? [ParseKind(Kind)] : ProofKinds.Signing;
        foreach (var kind in kinds)
        {
            string fingerprint;
            try
            {
                fingerprint = Signatures.ParsePublicKey(kind, Signatures.SignerFor(kind).PublicKeyOf(material)).Fingerprint;
            }
            catch (InvalidProofException) when (Kind is null)
            {
                continue;
            }
            catch (Exception ex) when (Kind is null && ex is FormatException or ArgumentException or InvalidOperationException or IOException)
            {
                continue;
            }
            if (responder.FindProof(fingerprint) is { IsRevoked: false })
            {
                return Signatures.SignerFor(kind).Sign(payload, material);
            }
        }
        throw new DeirfException("SigningKeyNotBound", DeirfErrorKind.SecurityError,
            $"The key at '{ResolvePath(KeyPath)}' is not an active proof of '{Responder}'{(Kind is null ? string.Empty : $" of kind {Kind}")}.", KeyPath);
    }

    /// <summary>The bytes the signer signed: -PayloadPath, or the file next to the signature, or null (the proposal's payload).</summary>
    internal byte[]? ReadPayload(string signaturePath, string? payloadPath)
    {
        if (payloadPath is not null)
        {
            var full = ResolvePath(payloadPath);
            return File.Exists(full) ? File.ReadAllBytes(full)
                : throw new DeirfException("PayloadNotFound", DeirfErrorKind.NotFound, $"Payload file '{full}' does not exist.", payloadPath);
        }
        foreach (var ext in new[] { ".sig", ".asc", ".jws", ".json", ".jwt" })
        {
            if (signaturePath.EndsWith(ext, StringComparison.OrdinalIgnoreCase) && File.Exists(ResolvePath(signaturePath[..^ext.Length])))
            {
                return File.ReadAllBytes(ResolvePath(signaturePath[..^ext.Length]));
            }
        }
        return null;
    }
}
