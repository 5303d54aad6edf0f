using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Canonical;
using DeIRF.Journal;

namespace DeIRF.Quorum;

/// <summary>
/// A proposed action, as the quorum signs it: {workspace, incident, action, target, parameters, nonce, not-before,
/// expires, proposer}. Its <see cref="Id"/> is the SHA-256 (lowercase hex) of the RFC 8785 canonical form of exactly
/// those members plus a domain tag, so any change to action, target or parameters is a different proposal.
/// </summary>
public sealed partial class Proposal
{
    public const string Domain = "deirf/proposal/v1";
    public const string SignatureDomainLine = "DeIRF-proposal-v1";
    public const string ApprovalDomainLine = "DeIRF-approval-v1";

    public Proposal(string workspaceId, string incident, string action, string target, IReadOnlyDictionary<string, string>? parameters,
        string nonce, DateTimeOffset notBefore, DateTimeOffset expires, string proposer)
    {
        WorkspaceId = workspaceId;
        Incident = incident;
        Action = action;
        Target = target;
        Parameters = new SortedDictionary<string, string>(parameters?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
            ?? new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
        Nonce = nonce;
        // Journal time precision (milliseconds): what is stored is what is hashed.
        NotBefore = Truncate(notBefore);
        Expires = Truncate(expires);
        Proposer = proposer;
        Id = ComputeId();
    }

    /// <summary>The proposal digest: what signers compare out of band before signing.</summary>
    public string Id { get; }
    public string WorkspaceId { get; }
    public string Incident { get; }
    public string Action { get; }
    public string Target { get; }
    public IReadOnlyDictionary<string, string> Parameters { get; }
    public string Nonce { get; }
    public DateTimeOffset NotBefore { get; }
    public DateTimeOffset Expires { get; }
    public string Proposer { get; }

    /// <summary>Set when read from a journal: the workspace root (so a piped proposal binds -Workspace) and its entry.</summary>
    public string? Workspace { get; internal set; }
    public long Seq { get; internal set; }
    public DateTimeOffset Created { get; internal set; }

    /// <summary>The first 12 hex digits, for tables; always compare the full <see cref="Id"/> before signing.</summary>
    public string ShortId => Id[..12];

    public string ParametersText => string.Join("; ", Parameters.Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>The canonical statement whose SHA-256 is the id.</summary>
    public byte[] CanonicalBytes() => CanonicalJson.Serialize(new JsonObject
    {
        ["action"] = Action,
        ["domain"] = Domain,
        ["expires"] = Timestamps.ToJournal(Expires),
        ["incident"] = Incident,
        ["nonce"] = Nonce,
        ["notBefore"] = Timestamps.ToJournal(NotBefore),
        ["parameters"] = ParametersJson(),
        ["proposer"] = Proposer,
        ["target"] = Target,
        ["ws"] = WorkspaceId,
    });

    internal JsonObject ParametersJson()
    {
        var o = new JsonObject();
        foreach (var kv in Parameters)
        {
            o[kv.Key] = kv.Value;
        }
        return o;
    }

    private string ComputeId() => Convert.ToHexString(SHA256.HashData(CanonicalBytes())).ToLowerInvariant();

    /// <summary>
    /// The bytes a quorum signer signs: a domain line, then the digest and a human summary, one member per line, LF,
    /// ending with LF. A signer compares the "proposal:" line with the digest the proposer sent out of band.
    /// </summary>
    /// <remarks>
    /// For an action with its own payload (<see cref="ProposalPayloads"/>: evm.safe.freeze signs the Safe transaction
    /// hash) these are that payload's bytes, which follow from the same members, so the id still binds them.
    /// </remarks>
    public byte[] SigningPayload() => (byte[])(_signingPayload ??= ProposalPayloads.For(Action)?.SigningPayload(this) ?? Payload(SignatureDomainLine)).Clone();

    private byte[]? _signingPayload;

    /// <summary>True when quorum signers sign an action-specific payload (binary, shown as 0x-hex) instead of DeIRF's text.</summary>
    public bool HasCustomPayload => ProposalPayloads.HasCustomPayload(Action);

    /// <summary>What a signer compares on a second device: the id, or for a custom payload its digest (the Safe tx hash).</summary>
    public string SigningDigest => ProposalPayloads.For(Action)?.Digest(this) ?? Id;

    /// <summary>Signed bytes as the journal stores them (proposal.signed "payload"): text, or 0x-hex for a custom payload.</summary>
    public string PayloadToText(byte[] bytes, bool approval)
        => !approval && HasCustomPayload ? "0x" + Convert.ToHexString(bytes).ToLowerInvariant() : Encoding.UTF8.GetString(bytes);

    /// <summary>The inverse of <see cref="PayloadToText"/>; malformed hex gives no bytes (never matches a payload).</summary>
    public byte[] PayloadFromText(string text, bool approval)
    {
        if (approval || !HasCustomPayload)
        {
            return Encoding.UTF8.GetBytes(text);
        }
        var hex = text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>The bytes the manual approver signs: the same summary under another domain line, so a quorum
    /// signature can never stand in for an approval.</summary>
    public byte[] ApprovalPayload() => Payload(ApprovalDomainLine);

    private byte[] Payload(string domainLine)
    {
        var sb = new StringBuilder();
        sb.Append(domainLine).Append('\n');
        sb.Append("proposal: ").Append(Id).Append('\n');
        sb.Append("workspace: ").Append(WorkspaceId).Append('\n');
        sb.Append("incident: ").Append(Incident).Append('\n');
        sb.Append("action: ").Append(Action).Append('\n');
        sb.Append("target: ").Append(Target).Append('\n');
        foreach (var kv in Parameters)
        {
            sb.Append("parameter: ").Append(kv.Key).Append(" = ").Append(kv.Value).Append('\n');
        }
        sb.Append("proposer: ").Append(Proposer).Append('\n');
        sb.Append("not-before: ").Append(Timestamps.ToJournal(NotBefore)).Append('\n');
        sb.Append("expires: ").Append(Timestamps.ToJournal(Expires)).Append('\n');
        sb.Append("nonce: ").Append(Nonce).Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The same statement for another action, target or parameters (what a runner is about to do).</summary>
    public Proposal With(string action, string target, IReadOnlyDictionary<string, string>? parameters)
        => new(WorkspaceId, Incident, action, target, parameters, Nonce, NotBefore, Expires, Proposer);

    public static string NewNonce() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    private static DateTimeOffset Truncate(DateTimeOffset t)
        => DateTimeOffset.ParseExact(Timestamps.ToJournal(t), Timestamps.Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*$")]
    private static partial Regex ActionPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ParameterNamePattern();

    /// <summary>Rejects what would make the signing payload ambiguous (control characters, line breaks) or unreadable.</summary>
    public static void Validate(string action, string target, IReadOnlyDictionary<string, string>? parameters)
    {
        if (action.Length is 0 or > 128 || !ActionPattern().IsMatch(action))
        {
            throw new QuorumException("ProposalInvalid", DeirfErrorKind.InvalidArgument,
                $"'{action}' is not an action name (lowercase words separated by dots, e.g. k8s.pod.quarantine).", action);
        }
        if (string.IsNullOrWhiteSpace(target) || target.Length > 256 || target.Any(char.IsControl) || target != target.Trim())
        {
            throw new QuorumException("ProposalInvalid", DeirfErrorKind.InvalidArgument,
                "A target is 1–256 characters without control characters or surrounding spaces.", target);
        }
        foreach (var kv in parameters ?? new Dictionary<string, string>())
        {
            if (!ParameterNamePattern().IsMatch(kv.Key))
            {
                throw new QuorumException("ProposalInvalid", DeirfErrorKind.InvalidArgument,
                    $"Parameter name '{kv.Key}' must be 1–64 letters, digits, '.', '_' or '-'.", kv.Key);
            }
            if (kv.Value is null || kv.Value.Length > 2048 || kv.Value.Any(char.IsControl))
            {
                throw new QuorumException("ProposalInvalid", DeirfErrorKind.InvalidArgument,
                    $"Parameter '{kv.Key}' must be text of at most 2048 characters without control characters (secrets are never parameters).", kv.Key);
            }
        }
    }

    public override string ToString() => $"{ShortId} {Action} {Target}";
}

/// <summary>A quorum refusal or failure; <see cref="Verdict"/> is set when a verdict explains it.</summary>
public sealed class QuorumException : DeirfException
{
    public QuorumException(string errorId, DeirfErrorKind kind, string message, object? target = null, QuorumVerdict? verdict = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
        Verdict = verdict;
    }

    public QuorumVerdict? Verdict { get; }

    /// <summary>For QuorumSignatureRefused: why the signature would not count.</summary>
    public SignatureReason? Reason { get; init; }
}
