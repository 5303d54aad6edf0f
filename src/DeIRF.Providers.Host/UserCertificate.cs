using System.Buffers.Binary;
using System.Text;
using DeIRF.Containment;

namespace DeIRF.Providers.Host;

/// <summary>
/// The OpenSSH user certificate beside the identity file (&lt;key&gt;-cert.pub), read so that a certificate that
/// cannot work is refused before connecting: expired, not yet valid, or issued for another proposal (its key id,
/// "deirf:&lt;incident&gt;:&lt;digest&gt;"). The host enforces the same (sshd the validity, the helper the proposal);
/// this only gives the stable error id instead of a refused login.
/// </summary>
internal sealed record UserCertificate(string KeyId, ulong Serial, DateTimeOffset ValidAfter, DateTimeOffset ValidBefore)
{
    public static void CheckFor(QuarantineSpec spec, DateTimeOffset now)
    {
        if (spec.IdentityFile is null || !File.Exists(spec.IdentityFile + "-cert.pub") || Read(spec.IdentityFile + "-cert.pub") is not { } cert)
        {
            return;
        }
        if (now >= cert.ValidBefore)
        {
            throw new ContainmentException("HostCertificateExpired", DeirfErrorKind.SecurityError,
                $"The certificate {spec.IdentityFile}-cert.pub (serial {cert.Serial}) expired at {cert.ValidBefore:u}; issue a new one with New-DeirfSshCertificate.", spec.Target);
        }
        if (now < cert.ValidAfter)
        {
            throw new ContainmentException("HostCertificateNotYetValid", DeirfErrorKind.SecurityError,
                $"The certificate {spec.IdentityFile}-cert.pub (serial {cert.Serial}) is valid only from {cert.ValidAfter:u}.", spec.Target);
        }
        var parts = cert.KeyId.Split(':');
        if (spec.ProposalId is not null && parts is ["deirf", _, var proposal] && proposal != spec.ProposalId)
        {
            throw new ContainmentException("HostCertificateProposalMismatch", DeirfErrorKind.SecurityError,
                $"The certificate {spec.IdentityFile}-cert.pub was issued for proposal {proposal[..Math.Min(12, proposal.Length)]}, not {spec.ProposalId[..12]}.", spec.Target);
        }
    }

    /// <summary>Parses an OpenSSH certificate line; null when it is not one this reads (the host still decides).</summary>
    public static UserCertificate? Read(string path)
    {
        try
        {
            var fields = File.ReadAllText(path).Trim().Split(' ');
            if (fields.Length < 2)
            {
                return null;
            }
            var blob = Convert.FromBase64String(fields[1]);
            int at = 0;
            var type = Encoding.ASCII.GetString(Bytes(blob, ref at));
            Bytes(blob, ref at); // nonce
            int keyFields = type switch
            {
                "ssh-ed25519-cert-v01@openssh.com" => 1,
                "ssh-rsa-cert-v01@openssh.com" => 2,
                _ when type.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => 2,
                _ => -1,
            };
            if (keyFields < 0)
            {
                return null;
            }
            for (int i = 0; i < keyFields; i++)
            {
                Bytes(blob, ref at);
            }
            var serial = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at, 8));
            at += 8 + 4; // serial, certificate type
            var keyId = Encoding.UTF8.GetString(Bytes(blob, ref at));
            Bytes(blob, ref at); // principals
            var after = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at, 8));
            var before = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at + 8, 8));
            return new UserCertificate(keyId, serial, Time(after), Time(before));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IOException)
        {
            return null;
        }
    }

    private static DateTimeOffset Time(ulong seconds) => seconds >= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
        ? DateTimeOffset.MaxValue
        : DateTimeOffset.FromUnixTimeSeconds((long)seconds);

    private static byte[] Bytes(byte[] blob, ref int at)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(at, 4));
        if (length < 0 || at + 4 + length > blob.Length)
        {
            throw new FormatException("truncated");
        }
        var value = blob.AsSpan(at + 4, length).ToArray();
        at += 4 + length;
        return value;
    }
}
