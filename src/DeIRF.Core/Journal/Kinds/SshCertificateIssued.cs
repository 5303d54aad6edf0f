using System.Globalization;
using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "ssh.certificate.issued" — a short-lived OpenSSH user certificate signed by the team's CA for one approved proposal.
/// body: { proposal: digest, keyId, serial: decimal string (uint64), principals: [..], validAfter, validBefore (UTC ISO 8601),
/// forceCommand, sourceAddress?, ca: CA key fingerprint, key: the certified key's fingerprint }. Never a key.
/// </summary>
public sealed class SshCertificateIssued : EntryKind<SshCertificateIssued.Body>
{
    public const string KindName = "ssh.certificate.issued";

    public override string Name => KindName;

    public override Body Read(JsonObject body)
    {
        var proposal = ProposalSigned.RequireDigest(Name, body, "proposal");
        var keyId = EntryKinds.RequireText(Name, body, "keyId", 256);
        var serial = EntryKinds.RequireText(Name, body, "serial", 20);
        if (!ulong.TryParse(serial, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new InvalidStatementException(Name, "serial", $"'{Name}' member 'serial' must be a decimal uint64.", serial);
        }
        if (body["principals"] is not JsonArray array || array.Count == 0)
        {
            throw new InvalidStatementException(Name, "principals", $"'{Name}' needs a non-empty 'principals' array.");
        }
        var principals = array.Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 256
            ? s : throw new InvalidStatementException(Name, "principals", $"'{Name}' member 'principals' must hold names.")).ToList();
        DateTimeOffset Time(string member)
        {
            var text = EntryKinds.RequireText(Name, body, member, 40);
            return DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
                ? t : throw new InvalidStatementException(Name, member, $"'{Name}' member '{member}' must be a UTC time (yyyy-MM-ddTHH:mm:ssZ).", text);
        }
        var after = Time("validAfter");
        var before = Time("validBefore");
        if (before <= after)
        {
            throw new InvalidStatementException(Name, "validBefore", $"'{Name}' must end after it starts.");
        }
        return new Body(proposal, keyId, serial, principals, after, before, EntryKinds.RequireText(Name, body, "forceCommand", 2000),
            EntryKinds.OptionalText(Name, body, "sourceAddress", 512), EntryKinds.RequireText(Name, body, "ca", 128), EntryKinds.RequireText(Name, body, "key", 128));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "proposal");
        return $"SSH certificate {EntryKinds.Text(body, "serial")} for proposal {id[..Math.Min(12, id.Length)]} ({EntryKinds.List(body, "principals")}), "
            + $"valid {EntryKinds.Text(body, "validAfter")} to {EntryKinds.Text(body, "validBefore")}, signed by {EntryKinds.Text(body, "ca")}";
    }

    public sealed record Body(string Proposal, string KeyId, string Serial, IReadOnlyList<string> Principals, DateTimeOffset ValidAfter, DateTimeOffset ValidBefore,
        string ForceCommand, string? SourceAddress, string Ca, string Key) : IEntryBody
    {
        public string Kind => KindName;

        public static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        public JsonObject ToBody()
        {
            var body = new JsonObject
            {
                ["ca"] = Ca,
                ["forceCommand"] = ForceCommand,
                ["key"] = Key,
                ["keyId"] = KeyId,
                ["principals"] = new JsonArray(Principals.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
                ["proposal"] = Proposal,
                ["serial"] = Serial,
                ["validAfter"] = Utc(ValidAfter),
                ["validBefore"] = Utc(ValidBefore),
            };
            body.Optional("sourceAddress", SourceAddress);
            return body;
        }

        public bool Equals(Body? other) => other is not null && Proposal == other.Proposal && Serial == other.Serial && KeyId == other.KeyId
            && Principals.SequenceEqual(other.Principals) && ValidAfter == other.ValidAfter && ValidBefore == other.ValidBefore
            && ForceCommand == other.ForceCommand && SourceAddress == other.SourceAddress && Ca == other.Ca && Key == other.Key;

        public override int GetHashCode() => HashCode.Combine(Proposal, Serial);
    }
}
