namespace DeIRF.Quorum;

/// <summary>Why a signature row counts or not. A fixed set: scripts and tests branch on it (docs/quorum.md).</summary>
public enum SignatureReason
{
    /// <summary>Valid, in time, by an eligible person in a needed role: counted once for that person.</summary>
    Counted,

    /// <summary>The signature does not verify with the named proof over the stored payload (or is malformed).</summary>
    BadSignature,

    /// <summary>The handle is not in the roster.</summary>
    UnknownResponder,

    /// <summary>The named key is not a proof of that responder (or of another kind, or bound only after the signature).</summary>
    UnknownKey,

    /// <summary>The proof was revoked before the signature was journaled.</summary>
    Revoked,

    /// <summary>At signing time the responder had fewer than two active proofs of different kinds.</summary>
    Ineligible,

    /// <summary>A valid signature over another proposal's payload (replayed, or the proposal changed after signing).</summary>
    OtherProposal,

    /// <summary>A valid signature over a proposal of another incident.</summary>
    OtherIncident,

    /// <summary>A valid signature over a proposal of another workspace.</summary>
    OtherWorkspace,

    /// <summary>A valid signature over a payload naming this proposal whose text differs from the real one: the
    /// signer was shown something else (or signed a quorum payload where an approval was needed).</summary>
    PayloadMismatch,

    /// <summary>An OIDC id_token whose single-use nonce was already accepted (token replay).</summary>
    NonceReused,

    /// <summary>Journaled before the proposal's not-before time.</summary>
    NotYetValid,

    /// <summary>Journaled after the proposal expired.</summary>
    Expired,

    /// <summary>Journaled after the proposal was consumed (run).</summary>
    Consumed,

    /// <summary>By the proposer, where the policy forbids self-approval.</summary>
    SelfApproval,

    /// <summary>At signing time the responder held none of the incident roles the policy asks for.</summary>
    WrongRole,

    /// <summary>This person was already counted (another key, another proof kind, another row).</summary>
    DuplicatePerson,
}

/// <summary>What stops a proposal from running, besides individual signatures.</summary>
public enum QuorumBlocker
{
    /// <summary>The stored proposal does not hash to its id (edited in the journal) or was copied from elsewhere.</summary>
    ProposalTampered,

    /// <summary>The incident journal's chain is broken before or at a quorum entry.</summary>
    JournalBroken,

    NotYetValid,
    Expired,
    Consumed,

    /// <summary>The counted persons do not fill the policy's groups.</summary>
    ThresholdNotMet,

    /// <summary>The policy asks for a manual approval (Approve-DeirfProposal) and there is none that counts.</summary>
    ManualApprovalMissing,

    /// <summary>The policy asks for evidence first and no evidence.added entry names this target.</summary>
    EvidenceMissing,
}

/// <summary>One signature or approval row of a proposal and how it was judged.</summary>
public sealed class QuorumSignatureStatus
{
    public long Seq { get; init; }
    public DateTimeOffset Time { get; init; }
    public string Responder { get; init; } = string.Empty;
    public string Kind { get; init; } = string.Empty;
    public string Fingerprint { get; init; } = string.Empty;
    public bool IsApproval { get; init; }
    public bool IsCounted => Reason == SignatureReason.Counted;
    public SignatureReason Reason { get; init; }

    /// <summary>In words: "valid", or why not ("revoked on 2026-…", "signed proposal 3f2a… of INC-…").</summary>
    public string Detail { get; init; } = string.Empty;

    /// <summary>The incident roles the responder held when the row was journaled.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    public string Status => IsCounted ? "Counted" : Reason.ToString();

    /// <summary>The signature as the signer's tool made it (public: it is in the journal). Providers that submit the
    /// quorum's signatures themselves (evm.safe.freeze: Safe owner signatures) read it here.</summary>
    public string Signature { get; init; } = string.Empty;

    public override string ToString() => $"#{Seq} {Responder} {Kind}: {Status} ({Detail})";
}

/// <summary>A blocker with its explanation.</summary>
public sealed record QuorumBlockerItem(QuorumBlocker Blocker, string Message)
{
    public override string ToString() => $"{Blocker}: {Message}";
}

/// <summary>
/// The verdict on one proposal: met or not, the persons counted, each signature's status and reason, what the policy
/// still needs and from whom, and every other blocker.
/// </summary>
public sealed class QuorumVerdict
{
    public string ProposalId { get; init; } = string.Empty;
    public string ShortId => ProposalId.Length > 12 ? ProposalId[..12] : ProposalId;
    public string Incident { get; init; } = string.Empty;
    public string Workspace { get; init; } = string.Empty;
    public string Action { get; init; } = string.Empty;
    public string Target { get; init; } = string.Empty;
    public string Proposer { get; init; } = string.Empty;
    public DateTimeOffset Expires { get; init; }
    public QuorumRule Rule { get; init; } = QuorumPolicy.CatchAll;
    public string Requires => Rule.ToString();
    public string PolicySource { get; init; } = "default";

    /// <summary>True when the proposal may run now: quorum filled and no blocker.</summary>
    public bool IsMet => Blockers.Count == 0;

    /// <summary>True when the counted persons fill the policy's groups (other blockers aside).</summary>
    public bool IsQuorumFilled { get; init; }

    /// <summary>Persons counted, each once, in signing order.</summary>
    public IReadOnlyList<string> Persons { get; init; } = [];

    /// <summary>Persons whose manual approval counts.</summary>
    public IReadOnlyList<string> Approvers { get; init; } = [];

    public IReadOnlyList<QuorumSignatureStatus> Signatures { get; init; } = [];
    public IReadOnlyList<QuorumSignatureStatus> Approvals { get; init; } = [];

    /// <summary>What the groups still need, and from whom ("1 more of TriageLead (could sign: dana)").</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    public IReadOnlyList<QuorumBlockerItem> Blockers { get; init; } = [];
    public bool IsConsumed { get; init; }
    public DateTimeOffset EvaluatedAt { get; init; }

    public string PersonsText => string.Join(", ", Persons);
    public string MissingText => string.Join("; ", Missing);
    public string BlockersText => string.Join("; ", Blockers.Select(b => b.Blocker));

    public override string ToString() => IsMet
        ? $"{ShortId} {Action} {Target}: met by {PersonsText}"
        : $"{ShortId} {Action} {Target}: not met ({string.Join("; ", Blockers)})";
}

/// <summary>The result of consuming a proposal: the verdict that allowed it and the journal entry recording it.</summary>
public sealed class QuorumConsumption
{
    public required QuorumVerdict Verdict { get; init; }
    public required Proposal Proposal { get; init; }
    public required Journal.JournalEntry Entry { get; init; }
}
