using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Journal;

namespace DeIRF.Identity;

/// <summary>
/// The statement a key holder signs to prove possession when a proof is bound to a handle: domain-separated,
/// bound to one workspace, one handle, one key, and a time (bindings older than a day are refused, so an old
/// signature cannot re-bind a key that was revoked since).
/// Its bytes are canonical JSON without a trailing newline, exactly what `Get-DeirfSigningPayload` writes.
/// </summary>
public sealed record ProofBinding(string WorkspaceId, string Handle, ProofKind Kind, string Fingerprint, DateTimeOffset Time)
{
    public const string Domain = "deirf/proof-binding/v1";
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    public byte[] ToBytes() => CanonicalJson.Serialize(new JsonObject
    {
        ["domain"] = Domain,
        ["fingerprint"] = Fingerprint,
        ["handle"] = Handle,
        ["kind"] = Kind.ToString(),
        ["time"] = Timestamps.ToJournal(Time),
        ["ws"] = WorkspaceId,
    });

    /// <summary>SHA-256 of the bytes, lowercase hex: what a signer compares on a second device.</summary>
    public string Digest => Convert.ToHexString(SHA256.HashData(ToBytes())).ToLowerInvariant();

    /// <summary>Parses binding bytes strictly: canonical, this domain, every member present.</summary>
    public static ProofBinding Parse(byte[] bytes)
    {
        byte[] canonical;
        try
        {
            canonical = CanonicalJson.Canonicalize(bytes);
        }
        catch (JsonCanonicalizationException ex)
        {
            throw new InvalidBindingException($"the binding is not JSON: {ex.Message}");
        }
        if (!canonical.AsSpan().SequenceEqual(bytes))
        {
            throw new InvalidBindingException("the binding file was changed (it is not the canonical text Get-DeirfSigningPayload wrote; was a newline added?)");
        }
        using var doc = JsonDocument.Parse(bytes);
        var r = doc.RootElement;
        if (r.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidBindingException("the binding is not a JSON object");
        }
        string Member(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidBindingException($"the binding lacks '{name}'");
        if (Member("domain") != Domain)
        {
            throw new InvalidBindingException($"the payload is not a proof binding (domain '{Member("domain")}')");
        }
        if (!ProofKind.TryFromName(Member("kind"), out var kind))
        {
            throw new InvalidBindingException($"unknown proof kind '{Member("kind")}'");
        }
        if (!DateTimeOffset.TryParseExact(Member("time"), Timestamps.Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new InvalidBindingException($"'time' is not a journal timestamp ({Timestamps.Format})");
        }
        return new ProofBinding(Member("ws"), Member("handle"), kind, Member("fingerprint"), time);
    }
}

/// <summary>A binding statement that cannot be accepted (wrong workspace, handle, key, too old...).</summary>
public sealed class InvalidBindingException : DeirfException
{
    public InvalidBindingException(string reason, object? target = null)
        : base("ProofBindingInvalid", DeirfErrorKind.InvalidData, $"Proof binding refused: {reason}.", target)
    {
        Reason = reason;
    }

    public string Reason { get; }
}
