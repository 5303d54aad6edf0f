using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Issues a short-lived OpenSSH user certificate (ssh-keygen -s with the team CA's key) for one proposal whose quorum
/// is met and not yet used, scoped by the action's provider (host.quarantine: a force-command running the host's
/// helper for that proposal only); the certificate's serial, validity, key id and principals are journaled
/// (ssh.certificate.issued), never a key. The certificate is written beside the public key as &lt;key&gt;-cert.pub.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfSshCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Containment.SshCertificate")]
public sealed class NewDeirfSshCertificateCommand : ProposalCmdlet
{
    /// <summary>The CA's private key (the automation account's; the hosts trust its public key with TrustedUserCAKeys).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string CaKeyPath { get; set; } = string.Empty;

    /// <summary>The public key to certify (the one ssh logs in with: the proposal's identityFile plus .pub).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string PublicKeyPath { get; set; } = string.Empty;

    /// <summary>The principals the certificate names (the hosts' AuthorizedPrincipalsFile lists the ones they accept).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Principal { get; set; } = [];

    /// <summary>How long it is valid from now (default 00:05:00, at most 01:00:00).</summary>
    [Parameter]
    public TimeSpan Validity { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Addresses (CIDRs, comma-separated) the certificate may be used from (ssh-keygen -O source-address).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourceAddress { get; set; }

    /// <summary>The responder issuing the certificate (journaled as the actor).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Proposal, () =>
        {
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            var proposal = Quorum.QuorumGate.GetProposal(ws, Incident, Proposal);
            if (!ShouldProcess($"{proposal.Action} '{proposal.Target}' (proposal {proposal.ShortId})",
                    $"Issue an SSH certificate for {string.Join(", ", Principal)}, valid {Validity:c}, signed by {CaKeyPath}"))
            {
                return;
            }
            var cert = Containment.SshCertificates.Issue(ws, Incident, proposal.Id, ResolvePath(CaKeyPath), ResolvePath(PublicKeyPath), Principal,
                Validity, SourceAddress, actor, AppendOptions(ws, actor));
            WriteVerbose($"Certificate {cert.Serial} ({cert.KeyId}) written to {cert.Path}; journal #{cert.Seq}.");
            WriteObject(cert);
        });
    }
}
