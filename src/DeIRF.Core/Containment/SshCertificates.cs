using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Containment;

/// <summary>
/// Optional, for a provider that acts over SSH: the force-command a certificate carries so that it can act for one
/// approved proposal only (the host runs that command whatever the client asks, and the command checks the request
/// against what it names). <paramref name="undo"/>: the certificate is for the undo proposal of <paramref name="request"/>.
/// </summary>
public interface ISshCertificateScope
{
    string ForceCommand(ContainmentRequest request, string proposalId, bool undo);
}

/// <summary>A certificate New-DeirfSshCertificate issued (its file is beside the public key, as ssh expects: &lt;key&gt;-cert.pub).</summary>
public sealed class SshCertificate
{
    public required string Incident { get; init; }
    public required string ProposalId { get; init; }
    public required string Path { get; init; }
    public required string KeyId { get; init; }
    public required string Serial { get; init; }
    public required IReadOnlyList<string> Principals { get; init; }
    public required DateTimeOffset ValidAfter { get; init; }
    public required DateTimeOffset ValidBefore { get; init; }
    public required string ForceCommand { get; init; }
    public string? SourceAddress { get; init; }
    public required string CaFingerprint { get; init; }
    public required string KeyFingerprint { get; init; }
    public long Seq { get; init; }

    public override string ToString() => $"{Serial} {KeyId} until {ValidBefore:u}";
}

/// <summary>
/// Issues short-lived OpenSSH user certificates (ssh-keygen -s) for a proposal whose quorum is met and not yet used:
/// key id "deirf:&lt;incident&gt;:&lt;proposal digest&gt;", the principals asked for, a validity of minutes, no
/// permit-* extension (-O clear), the provider's force-command, and optionally source-address. The CA key is read by
/// ssh-keygen only; the journal gets the serial, validity, key id, principals and fingerprints, never a key.
/// </summary>
public static partial class SshCertificates
{
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxValidity = TimeSpan.FromHours(1);
    public static readonly TimeSpan MinValidity = TimeSpan.FromSeconds(1);

    /// <summary>Clocks differ: the certificate is valid from this long before it was issued.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    public static string KeyIdFor(string incident, string proposalId) => $"deirf:{incident}:{proposalId}";

    public static SshCertificate Issue(Workspace ws, string incident, string proposal, string caKeyPath, string publicKeyPath,
        IReadOnlyList<string> principals, TimeSpan validity, string? sourceAddress, string actor, JournalAppendOptions options, TimeProvider? clock = null)
    {
        var p = Quorum.QuorumGate.GetProposal(ws, incident, proposal);
        if (validity < MinValidity || validity > MaxValidity)
        {
            throw Refused("SshCertificateValidityInvalid", DeirfErrorKind.InvalidArgument, $"A certificate is valid for {MinValidity:c} to {MaxValidity:c}, not {validity:c}.", validity);
        }
        if (principals.Count == 0 || principals.Any(n => !PrincipalPattern().IsMatch(n)))
        {
            throw Refused("SshCertificatePrincipalInvalid", DeirfErrorKind.InvalidArgument,
                $"Principals are 1-64 letters, digits, '.', '_', '-', '@' (given: {string.Join(", ", principals)}).", principals);
        }
        if (sourceAddress is not null && !SourcePattern().IsMatch(sourceAddress))
        {
            throw Refused("SshCertificateSourceInvalid", DeirfErrorKind.InvalidArgument, $"'{sourceAddress}' is not a comma-separated list of addresses or CIDRs.", sourceAddress);
        }
        foreach (var file in new[] { caKeyPath, publicKeyPath })
        {
            if (!File.Exists(file))
            {
                throw Refused("SshCertificateKeyNotFound", DeirfErrorKind.NotFound, $"'{file}' does not exist.", file);
            }
        }

        var verdict = Quorum.QuorumGate.Judge(ws, incident, p.Id, clock);
        if (verdict.IsConsumed)
        {
            throw Refused("SshCertificateProposalConsumed", DeirfErrorKind.InvalidOperation,
                $"Proposal {p.ShortId} was already run: a certificate for it would outlive its use.", p.Id);
        }
        if (!verdict.IsMet)
        {
            throw Refused("SshCertificateQuorumNotMet", DeirfErrorKind.SecurityError,
                $"Proposal {p.ShortId}'s quorum is not met ({verdict.BlockersText}): no certificate is issued for it.", p.Id);
        }

        // The provider says what the certificate may run: for an undo, the original action's provider, on its request.
        var subject = p;
        bool undo = p.Action.StartsWith(ContainmentRunner.UndoPrefix, StringComparison.Ordinal);
        if (undo)
        {
            var seq = p.Parameters.TryGetValue("applied", out var s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
            var applied = ContainmentRunner.List(ws, incident).FirstOrDefault(r => r.Seq == seq && r.Outcome == "Applied")
                ?? throw Refused("ContainmentNotActive", DeirfErrorKind.NotFound, $"Undo proposal {p.ShortId} names no applied containment.", p.Id);
            subject = Quorum.QuorumGate.GetProposal(ws, incident, applied.ProposalId);
        }
        var provider = ContainmentProviders.Find(subject.Action);
        if (provider is not ISshCertificateScope scope)
        {
            throw Refused("SshCertificateNotSupported", DeirfErrorKind.InvalidOperation,
                $"The provider of {subject.Action} does not act over SSH: no certificate can be scoped to proposal {p.ShortId}.", p.Id);
        }
        var request = new ContainmentRequest(subject.Action, subject.Target, subject.Parameters, incident, ws.Root) { ProposalId = p.Id, Actor = actor };
        var forceCommand = scope.ForceCommand(request, p.Id, undo);

        var keygen = Sync.GitCli.FindOnPath("ssh-keygen")
            ?? throw Refused("SshKeygenNotFound", DeirfErrorKind.ResourceUnavailable, "ssh-keygen is not installed or not on PATH (OpenSSH client).", "ssh-keygen");
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        now = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var from = now - Skew;
        var to = now + validity;
        var serial = (BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 1 | 1).ToString(CultureInfo.InvariantCulture);
        var keyId = KeyIdFor(incident, p.Id);
        var certPath = (publicKeyPath.EndsWith(".pub", StringComparison.Ordinal) ? publicKeyPath[..^4] : publicKeyPath) + "-cert.pub";
        var args = new List<string>
        {
            "-q", "-s", caKeyPath, "-I", keyId, "-n", string.Join(',', principals), "-z", serial,
            "-V", $"{from:yyyyMMddHHmmss}Z:{to:yyyyMMddHHmmss}Z", "-O", "clear", "-O", "force-command=" + forceCommand,
        };
        if (sourceAddress is not null)
        {
            args.AddRange(["-O", "source-address=" + sourceAddress]);
        }
        args.Add(publicKeyPath);
        var (code, _, error) = Run(keygen, args);
        if (code != 0 || !File.Exists(certPath))
        {
            throw Refused("SshCertificateSigningFailed", DeirfErrorKind.InvalidOperation, $"ssh-keygen -s failed (exit {code}): {error.Trim()}", caKeyPath);
        }
        var ca = Fingerprint(keygen, File.Exists(caKeyPath + ".pub") ? caKeyPath + ".pub" : caKeyPath);
        var key = Fingerprint(keygen, publicKeyPath);

        var body = new SshCertificateIssued.Body(p.Id, keyId, serial, principals.ToList(), from, to, forceCommand, sourceAddress, ca, key);
        var entry = ws.JournalOf(incident).Append(StatementDraft.Of(actor, body), options with { CancellationToken = CancellationToken.None });
        return new SshCertificate
        {
            Incident = incident, ProposalId = p.Id, Path = certPath, KeyId = keyId, Serial = serial, Principals = principals.ToList(),
            ValidAfter = from, ValidBefore = to, ForceCommand = forceCommand, SourceAddress = sourceAddress, CaFingerprint = ca, KeyFingerprint = key, Seq = entry.Seq,
        };
    }

    private static string Fingerprint(string keygen, string file)
    {
        var (code, output, error) = Run(keygen, ["-l", "-E", "sha256", "-f", file]);
        var parts = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return code == 0 && parts.Length >= 2 ? parts[1]
            : throw Refused("SshCertificateSigningFailed", DeirfErrorKind.InvalidOperation, $"ssh-keygen -l could not read '{file}': {error.Trim()}", file);
    }

    private static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        // No terminal to ask a passphrase on: a CA key with one fails here instead of hanging.
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30000))
        {
            process.Kill();
            return (-1, string.Empty, "timed out");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static ContainmentException Refused(string id, DeirfErrorKind kind, string message, object? target) => new(id, kind, message, target);

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex PrincipalPattern();

    [GeneratedRegex(@"^[0-9A-Fa-f.:/,]{1,512}$")]
    private static partial Regex SourcePattern();
}
