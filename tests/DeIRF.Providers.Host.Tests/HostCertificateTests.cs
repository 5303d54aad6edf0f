using System.Security.Cryptography;
using DeIRF.Containment;
using DeIRF.Core.Tests;
using Xunit;

namespace DeIRF.Providers.Host.Tests;

/// <summary>
/// SSH CA certificates against the lab's sshd (TrustedUserCAKeys, AuthorizedPrincipalsFile "deirf-quarantine") with
/// the helper installed on the host as the certificate's force-command. The key used here is in no authorized_keys:
/// only a valid certificate gets it in, and then only for the proposal and the step the certificate names.
/// </summary>
[Collection(HostLabCollection.Name)]
public sealed class HostCertificateTests
{
    private readonly HostLab _lab;

    public HostCertificateTests(HostLab lab) => _lab = lab;

    private static string NewDigest() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    private ContainmentRequest Request(string proposalId) => new(HostQuarantineProvider.QuarantineAction, "web-3.lab",
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ssh"] = $"root@{HostLab.HostOnManagement}:{_lab.SshPort}",
            ["allow"] = HostLab.ManagementNet,
            ["confirmWithin"] = "00:00:08",
            ["hostKey"] = _lab.HostKeyFingerprint,
            ["identityFile"] = _lab.CertKey,
            ["helper"] = _lab.InstalledHelper,
            ["probe"] = $"{HostLab.Prober}:{_lab.ProbePort}",
            ["connectTimeout"] = "3",
        }, incidentId: "INC-20261208-CAFE") { ProposalId = proposalId };

    [SkippableFact]
    public async Task Certificate_ForOneProposal_Quarantines_CannotUndo_AndAnUndoCertificateUndoes()
    {
        _lab.Require().Reset();
        var provider = new HostQuarantineProvider();
        var apply = NewDigest();
        var request = Request(apply);
        var forced = provider.ForceCommand(request, apply, undo: false);
        Assert.Equal($"{_lab.InstalledHelper} --forced --proposal {apply} --action apply --allow {HostLab.ManagementNet} --port {_lab.SshPort} --confirm 8", forced);
        _lab.IssueCertificate($"deirf:INC-20261208-CAFE:{apply}", forced);

        var result = await provider.ApplyAsync(request, CancellationToken.None);
        Assert.True(result.Verified, result.Message);
        Assert.False(_lab.CanConnect(_lab.ProberNs, HostLab.HostOnProbe, _lab.SshPort));
        try
        {
            // The apply certificate cannot undo, even when the client names the same proposal: the host's helper refuses.
            var refused = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(request, result.UndoState, CancellationToken.None));
            Assert.Equal("HostCertificateProposalMismatch", refused.ErrorId);
            Assert.Contains("may not run 'undo'", refused.Message, StringComparison.Ordinal);
            Assert.NotNull(_lab.TableOnHost());

            var undo = NewDigest();
            var undoRequest = Request(undo);
            _lab.IssueCertificate($"deirf:INC-20261208-CAFE:{undo}", provider.ForceCommand(undoRequest, undo, undo: true));
            var undone = await provider.UndoAsync(undoRequest, result.UndoState, CancellationToken.None);
            Assert.True(undone.Verified, undone.Message);
            Assert.Null(_lab.TableOnHost());
        }
        finally
        {
            _lab.Reset();
        }
    }

    [SkippableFact]
    public async Task Certificate_ForAnotherProposal_IsRefused_HereAndByTheHost()
    {
        _lab.Require().Reset();
        var provider = new HostQuarantineProvider();
        var issuedFor = NewDigest();
        _lab.IssueCertificate($"deirf:INC-20261208-CAFE:{issuedFor}", provider.ForceCommand(Request(issuedFor), issuedFor, undo: false));
        var other = NewDigest();

        var local = await Assert.ThrowsAsync<ContainmentException>(() => provider.ApplyAsync(Request(other), CancellationToken.None));
        Assert.Equal("HostCertificateProposalMismatch", local.ErrorId);

        // The host decides on its own: a client that skips DeIRF's check and names another proposal is refused by the
        // force-command, and nothing is loaded.
        var (code, output, _) = ExternalTool.Run(_lab.SshWrapper, [
            "-T", "-p", _lab.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", _lab.CertKey, "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_lab.HostKnownHosts}", "-l", "root", HostLab.HostOnManagement,
            $"{_lab.InstalledHelper} apply --proposal {other} --allow {HostLab.ManagementNet}"], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(13, code);
        Assert.Contains("certificate-mismatch proposal", output, StringComparison.Ordinal);
        // Nor may it widen the signed allow list.
        var (code2, output2, _) = ExternalTool.Run(_lab.SshWrapper, [
            "-T", "-p", _lab.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", _lab.CertKey, "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_lab.HostKnownHosts}", "-l", "root", HostLab.HostOnManagement,
            $"{_lab.InstalledHelper} apply --proposal {issuedFor} --allow 10.0.0.0/8"], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(13, code2);
        Assert.Contains("certificate-mismatch allow", output2, StringComparison.Ordinal);
        Assert.Null(_lab.TableOnHost());
    }

    [SkippableFact]
    public async Task Certificate_Expired_IsRefused_HereAndBySshd()
    {
        _lab.Require().Reset();
        var provider = new HostQuarantineProvider();
        var proposal = NewDigest();
        var request = Request(proposal);
        _lab.IssueCertificate($"deirf:INC-20261208-CAFE:{proposal}", provider.ForceCommand(request, proposal, undo: false), validity: "-10m:-1m");

        var local = await Assert.ThrowsAsync<ContainmentException>(() => provider.PlanAsync(request, CancellationToken.None));
        Assert.Equal("HostCertificateExpired", local.ErrorId);

        // Past DeIRF's own check, sshd refuses the login itself.
        var spec = QuarantineSpec.Parse(request);
        using var ssh = new OpenSsh(spec);
        var host = await Assert.ThrowsAsync<ContainmentException>(() => ssh.RunAsync(HostQuarantineProvider.Command(spec, "status"), TimeSpan.FromSeconds(20), CancellationToken.None));
        Assert.Equal("HostAuthenticationFailed", host.ErrorId);
        Assert.Null(_lab.TableOnHost());
    }
}
