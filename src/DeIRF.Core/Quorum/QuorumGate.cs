using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Identity;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Quorum;

/// <summary>
/// Proposals, signatures, approvals, verdicts and consumption, all over the incident journal. Every check of a
/// signature goes through <see cref="Signatures.Verify"/>; a verdict is recomputed from the journal and the roster each
/// time it is asked for, never cached.
/// </summary>
public static class QuorumGate
{
    // ---- proposals ----

    /// <summary>Journals a new proposal. The time to live defaults to, and may not exceed, the policy rule's.</summary>
    public static Proposal Propose(Workspace ws, string incident, string action, string target, IReadOnlyDictionary<string, string>? parameters,
        string proposer, TimeSpan? timeToLive, DateTimeOffset? notBefore, JournalAppendOptions options)
    {
        Proposal.Validate(action, target, parameters);
        JournalFile.ValidateHandle(proposer);
        if (ProposalPayloads.For(action) is { } custom)
        {
            // Binds at proposal time what the payload needs (the Safe nonce) and refuses what it cannot sign.
            parameters = custom.Complete(action, target, parameters ?? new Dictionary<string, string>(StringComparer.Ordinal), options.CancellationToken);
            Proposal.Validate(action, target, parameters);
        }
        var journal = ws.JournalOf(incident);
        if (!journal.Exists)
        {
            throw new DeirfException("IncidentNotFound", DeirfErrorKind.NotFound, $"No incident {incident} in '{ws.Root}'.", incident);
        }
        var rule = QuorumPolicy.Load(ws).RuleFor(action);
        var ttl = timeToLive ?? rule.TimeToLive;
        if (ttl <= TimeSpan.Zero || ttl > rule.TimeToLive)
        {
            throw new QuorumException("ProposalTtlInvalid", DeirfErrorKind.InvalidArgument,
                $"The time to live must be positive and at most {rule.TtlMinutes} minutes for '{action}' (policy rule '{rule.Action}').", ttl);
        }
        var now = options.Clock.GetUtcNow();
        var start = notBefore ?? now;
        var proposal = new Proposal(ws.WorkspaceId, incident, action, target, parameters, Proposal.NewNonce(), start, start + ttl, proposer);
        var entry = journal.Append(StatementDraft.Of(proposer, ProposalCreated.Body.Of(proposal, rule.Action)) with { Timestamp = now }, options);
        proposal.Workspace = ws.Root;
        proposal.Seq = entry.Seq;
        proposal.Created = entry.Timestamp;
        return proposal;
    }

    public static IReadOnlyList<Proposal> Proposals(Workspace ws, string incident)
        => IncidentQuorumState.Read(ws, incident).Proposals.Values.OrderBy(p => p.Proposal.Seq).Select(p => p.Proposal).ToList();

    /// <summary>Finds a proposal by its id or a unique prefix of at least 8 hex digits.</summary>
    public static Proposal GetProposal(Workspace ws, string incident, string idOrPrefix)
        => IncidentQuorumState.Read(ws, incident).Find(idOrPrefix).Proposal;

    // ---- signatures and approvals ----

    /// <summary>
    /// Records a quorum signature after judging it as the verdict would (under the journal lock): a signature that
    /// would not count is refused with its reason (QuorumSignatureRefused) and nothing is written.
    /// </summary>
    /// <param name="payload">The bytes the signer signed; null: the proposal's own signing payload.</param>
    public static QuorumSignatureStatus Sign(Workspace ws, string incident, string proposalId, string responder, string signature, byte[]? payload,
        string actor, JournalAppendOptions options)
        => Record(ws, incident, proposalId, responder, signature, payload, actor, options, approval: false);

    /// <summary>Records the manual approval: the approver's own signature over the approval payload.</summary>
    public static QuorumSignatureStatus Approve(Workspace ws, string incident, string proposalId, string responder, string signature, byte[]? payload,
        string actor, JournalAppendOptions options)
        => Record(ws, incident, proposalId, responder, signature, payload, actor, options, approval: true);

    private static QuorumSignatureStatus Record(Workspace ws, string incident, string proposalId, string responder, string signature, byte[]? payload,
        string actor, JournalAppendOptions options, bool approval)
    {
        var journal = ws.JournalOf(incident);
        QuorumSignatureStatus? status = null;
        journal.AppendChecked(() =>
        {
            var state = IncidentQuorumState.Read(ws, incident);
            var record = state.Find(proposalId);
            var proposal = record.Proposal;
            var roster = Roster.Load(ws);
            var now = options.Clock.GetUtcNow();
            var bytes = payload ?? (approval ? proposal.ApprovalPayload() : proposal.SigningPayload());
            var who = roster.Find(responder) ?? throw Refused(responder, SignatureReason.UnknownResponder, $"'{responder}' is not on the roster", null);
            var kind = Identity.Signatures.DetectKind(signature);
            // Which of the responder's keys made it: the first active proof (of the guessed kind) it verifies with.
            RosterProof? proof = null;
            SignatureCheck? check = null;
            foreach (var p in who.Proofs.Where(p => p.ActiveAt(now) && (kind is null || p.Kind == kind)))
            {
                var c = Identity.Signatures.Verify(p.Key, bytes, signature, roster.ContextFor(responder, null, new FixedClock(now)));
                if (c.IsValid || check is null)
                {
                    (proof, check) = (p, c);
                }
                if (c.IsValid)
                {
                    break;
                }
            }
            if (proof is null || check is null || !check.IsValid)
            {
                var revoked = who.Proofs.FirstOrDefault(p => !p.ActiveAt(now) && (kind is null || p.Kind == kind)
                    && Identity.Signatures.Verify(p.Key, bytes, signature, roster.ContextFor(responder, null, new FixedClock(now))).IsValid);
                throw revoked is not null
                    ? Refused(responder, SignatureReason.Revoked, $"made with {revoked.Kind} {revoked.Fingerprint}, revoked on {revoked.RevokedAt:u}", null)
                    : Refused(responder, SignatureReason.BadSignature, check?.Reason ?? $"'{responder}' has no active {(kind?.ToString() ?? string.Empty)} proof that made this signature", null);
            }
            var details = check.Details is { Count: > 0 } d ? d : null;
            var payloadText = proposal.PayloadToText(bytes, approval);
            var body = approval
                ? QuorumSignatureBody.Approved(proposal.Id, responder, proof.Kind, proof.Fingerprint, signature, payloadText, details)
                : QuorumSignatureBody.Signed(proposal.Id, responder, proof.Kind, proof.Fingerprint, signature, payloadText, details);
            var draft = StatementDraft.Of(actor, body) with { Timestamp = now };
            // Judge the row as the verdict will, before anything is written.
            state.AddPending(draft, now);
            var verdict = Judge(state, record.StoredId, roster, QuorumPolicy.Load(ws, roster), now);
            var rows = approval ? verdict.Approvals : verdict.Signatures;
            status = rows[^1];
            if (!status.IsCounted)
            {
                throw Refused(responder, status.Reason, status.Detail, verdict);
            }
            return [draft];
        }, options);
        return status!;
    }

    private static QuorumException Refused(string responder, SignatureReason reason, string detail, QuorumVerdict? verdict)
        => new("QuorumSignatureRefused", DeirfErrorKind.SecurityError, $"The signature by '{responder}' would not count ({reason}): {detail}. Nothing was recorded.",
            responder, verdict) { Reason = reason };

    // ---- verdicts ----

    /// <summary>The verdict on a proposal now (or at <paramref name="clock"/>'s time).</summary>
    public static QuorumVerdict Judge(Workspace ws, string incident, string proposalId, TimeProvider? clock = null)
    {
        var state = IncidentQuorumState.Read(ws, incident);
        var id = state.Find(proposalId).StoredId;
        var roster = Roster.Load(ws);
        return Judge(state, id, roster, QuorumPolicy.Load(ws, roster), (clock ?? TimeProvider.System).GetUtcNow());
    }

    // ---- consumption (for Invoke-DeirfContainment) ----

    /// <summary>
    /// What a runner calls right before it acts: recomputes the proposal digest from the action, target and parameters
    /// it is ABOUT TO RUN (ProposalMismatch when they differ from what was signed), requires a met verdict (QuorumNotMet,
    /// with the verdict), and records proposal.consumed under the journal lock, so a second run is refused
    /// (ProposalConsumed). With <paramref name="evidenceOverrideReason"/>, a missing-evidence blocker alone does not
    /// stop it and the reason is journaled.
    /// </summary>
    public static QuorumConsumption Consume(Workspace ws, string incident, string proposalId, string action, string target,
        IReadOnlyDictionary<string, string>? parameters, string actor, JournalAppendOptions options, string? evidenceOverrideReason = null,
        Action<QuorumVerdict>? beforeConsume = null)
    {
        var journal = ws.JournalOf(incident);
        QuorumVerdict? verdict = null;
        Proposal? proposal = null;
        var entries = journal.AppendChecked(() =>
        {
            var state = IncidentQuorumState.Read(ws, incident);
            var record = state.Find(proposalId);
            proposal = record.Proposal;
            var now = options.Clock.GetUtcNow();
            var asRun = proposal.With(action, target, parameters);
            if (asRun.Id != proposal.Id)
            {
                throw new QuorumException("ProposalMismatch", DeirfErrorKind.SecurityError,
                    $"What is about to run ({action} {target} {string.Join("; ", asRun.Parameters.Select(kv => kv.Key + "=" + kv.Value))}) is not what proposal {proposal.ShortId} says "
                    + $"({proposal.Action} {proposal.Target} {proposal.ParametersText}): digest {asRun.Id[..12]}… is not {proposal.ShortId}…. A changed action, target or parameter is a new proposal.",
                    proposal.Id);
            }
            var roster = Roster.Load(ws);
            verdict = Judge(state, record.StoredId, roster, QuorumPolicy.Load(ws, roster), now);
            var blockers = verdict.Blockers.Where(b => !(b.Blocker == QuorumBlocker.EvidenceMissing && !string.IsNullOrWhiteSpace(evidenceOverrideReason))).ToList();
            if (blockers.Count > 0)
            {
                var consumed = blockers.Any(b => b.Blocker == QuorumBlocker.Consumed);
                throw new QuorumException(consumed ? "ProposalConsumed" : "QuorumNotMet", DeirfErrorKind.SecurityError,
                    $"Proposal {proposal.ShortId} ({proposal.Action} {proposal.Target}) may not run: {string.Join("; ", blockers)}.", proposal.Id, verdict);
            }
            // The provider's last checks (IContainmentPrecheck), against this verdict, still under the lock: if they
            // refuse, nothing is appended and the approvals stay unused.
            beforeConsume?.Invoke(verdict);
            var overridden = verdict.Blockers.Any(b => b.Blocker == QuorumBlocker.EvidenceMissing) ? evidenceOverrideReason : null;
            return [ConsumedDraft(proposal, verdict, actor, now, overridden)];
        }, options);
        return new QuorumConsumption { Verdict = verdict!, Proposal = proposal!, Entry = entries[0] };
    }

    /// <summary>The proposal.consumed entry for a met verdict: which proposal, what it decided, which persons counted.</summary>
    internal static StatementDraft ConsumedDraft(Proposal proposal, QuorumVerdict verdict, string actor, DateTimeOffset now, string? evidenceOverride = null)
        => StatementDraft.Of(actor, new ProposalConsumed.Body(proposal.Id, proposal.Action, proposal.Target, verdict.Persons.ToArray(), evidenceOverride)) with { Timestamp = now };

    /// <summary>The same for a provider request (its IncidentId names the journal).</summary>
    public static QuorumConsumption Consume(Workspace ws, ContainmentRequest request, string proposalId, string actor, JournalAppendOptions options,
        string? evidenceOverrideReason = null, Action<QuorumVerdict>? beforeConsume = null)
        => Consume(ws, request.IncidentId ?? throw new DeirfException("IncidentMissing", DeirfErrorKind.InvalidArgument, "The containment request names no incident.", proposalId),
            proposalId, request.Action, request.Target, request.Parameters, actor, options, evidenceOverrideReason, beforeConsume);

    // ---- policy ----

    /// <summary>
    /// Replaces the workspace policy: needs a met ROSTER "policy.set" proposal (target workspace) whose "sha256"
    /// parameter is the new document's digest. Consumes it and journals settings.set in the roster journal in one
    /// locked append, then writes quorum-policy.json (a copy: Load reads the journal).
    /// </summary>
    public static QuorumPolicy SetPolicy(Workspace ws, string proposalId, QuorumPolicy policy, string actor, JournalAppendOptions options)
    {
        Roster.Load(ws).SetSettings(QuorumPolicy.FileName, policy.ToJson(), proposalId, actor, options);
        return QuorumPolicy.Load(ws);
    }

    // ---- the judge ----

    /// <summary>
    /// The meter "DeIRF.Quorum": counter deirf.quorum.judgements (one per verdict computed, tagged with the action), so
    /// a profile shows how often a step judges its quorum (one Invoke-DeirfContainment: once, under the journal lock
    /// when it consumes; a Safe freeze once more to plan, since its plan shows whose signatures go to the Safe).
    /// </summary>
    public static readonly Meter Meter = new("DeIRF.Quorum");

    private static readonly Counter<long> Judgements = Meter.CreateCounter<long>("deirf.quorum.judgements", description: "quorum verdicts computed");

    internal static QuorumVerdict Judge(IncidentQuorumState state, string proposalId, Roster roster, QuorumPolicy policy, DateTimeOffset now)
    {
        Judgements.Add(1, new KeyValuePair<string, object?>("action", state.Proposals[proposalId].Proposal.Action));
        var record = state.Proposals[proposalId];
        var proposal = record.Proposal;
        var storedId = record.StoredId;
        var rule = policy.RuleFor(proposal.Action);
        var mentioned = rule.Require.MentionedRoles();
        var consumedSeq = state.ConsumedAt.GetValueOrDefault(storedId);
        var usedNonces = new HashSet<string>(StringComparer.Ordinal);
        var counted = new List<(string Handle, HashSet<string> Roles)>();
        var approvers = new List<string>();
        var sigs = new List<QuorumSignatureStatus>();
        var approvals = new List<QuorumSignatureStatus>();

        foreach (var row in state.Rows.Where(r => r.ProposalId == storedId))
        {
            var (reason, detail) = JudgeRow(row, state, proposal, rule, mentioned, roster, usedNonces, consumedSeq);
            if (reason == SignatureReason.Counted)
            {
                var already = row.IsApproval ? approvers.Contains(row.Responder) : counted.Any(c => c.Handle == row.Responder);
                if (already)
                {
                    (reason, detail) = (SignatureReason.DuplicatePerson, $"'{row.Responder}' is already counted once for this proposal; a person counts once whatever keys or rows they use");
                }
                else if (row.IsApproval)
                {
                    approvers.Add(row.Responder);
                }
                else
                {
                    counted.Add((row.Responder, row.Roles));
                }
            }
            (row.IsApproval ? approvals : sigs).Add(new QuorumSignatureStatus
            {
                Seq = row.Seq, Time = row.Time, Responder = row.Responder, Kind = row.Kind, Fingerprint = row.Fingerprint, IsApproval = row.IsApproval,
                Reason = reason, Detail = reason == SignatureReason.Counted ? "valid" : detail, Roles = row.Roles.Order(StringComparer.Ordinal).ToArray(),
                Signature = row.Signature,
            });
        }

        var (filled, missing) = Fill(rule.Require, counted, state, proposal);
        var blockers = new List<QuorumBlockerItem>();
        if (state.ChainProblem is { } chain)
        {
            blockers.Add(new(QuorumBlocker.JournalBroken, chain));
        }
        if (record.Tampered is { } tampered)
        {
            blockers.Add(new(QuorumBlocker.ProposalTampered, tampered));
        }
        if (consumedSeq > 0)
        {
            blockers.Add(new(QuorumBlocker.Consumed, $"already consumed at {proposal.Incident}#{consumedSeq}; the same approvals never run twice — make a new proposal"));
        }
        if (now < proposal.NotBefore)
        {
            blockers.Add(new(QuorumBlocker.NotYetValid, $"valid from {proposal.NotBefore:u}"));
        }
        if (now > proposal.Expires)
        {
            blockers.Add(new(QuorumBlocker.Expired, $"expired at {proposal.Expires:u}"));
        }
        if (!filled)
        {
            blockers.Add(new(QuorumBlocker.ThresholdNotMet, $"needs {rule.Require}; counted {(counted.Count == 0 ? "nobody" : string.Join(", ", counted.Select(c => c.Handle)))}; missing {string.Join("; ", missing)}"));
        }
        if (rule.ManualApproval && approvers.Count == 0)
        {
            blockers.Add(new(QuorumBlocker.ManualApprovalMissing, $"policy rule '{rule.Action}' needs a manual approval (Approve-DeirfProposal by a responder, with their own signature)"));
        }
        if (rule.EvidenceRequired && !state.EvidenceTargets.Contains(proposal.Target))
        {
            blockers.Add(new(QuorumBlocker.EvidenceMissing, $"policy rule '{rule.Action}' needs evidence first: no evidence.added entry names target '{proposal.Target}' (Add-DeirfEvidence -Target)"));
        }
        return new QuorumVerdict
        {
            ProposalId = storedId, Incident = proposal.Incident, Workspace = state.Workspace.Root, Action = proposal.Action, Target = proposal.Target,
            Proposer = proposal.Proposer, Expires = proposal.Expires, Rule = rule, PolicySource = policy.Source, IsQuorumFilled = filled,
            Persons = counted.Select(c => c.Handle).ToArray(), Approvers = approvers, Signatures = sigs, Approvals = approvals, Missing = missing,
            Blockers = blockers, IsConsumed = consumedSeq > 0, EvaluatedAt = now,
        };
    }

    private static (SignatureReason, string) JudgeRow(QuorumRow row, IncidentQuorumState state, Proposal proposal, QuorumRule rule,
        HashSet<ResponderRole>? mentioned, Roster roster, HashSet<string> usedNonces, long consumedSeq)
    {
        var who = roster.Find(row.Responder);
        if (who is null)
        {
            return (SignatureReason.UnknownResponder, $"'{row.Responder}' is not on the roster");
        }
        var proof = who.FindProof(row.Fingerprint);
        if (proof is null || !ProofKind.TryFromName(row.Kind, out var rowKind) || proof.Kind != rowKind)
        {
            return (SignatureReason.UnknownKey, $"{row.Kind} {row.Fingerprint} is not a proof of '{row.Responder}'");
        }
        if (!proof.ActiveAt(row.Time))
        {
            return proof.RevokedAt is { } revokedAt && row.Time >= revokedAt
                ? (SignatureReason.Revoked, $"{proof.Kind} {proof.Fingerprint} was revoked on {revokedAt:u} ({proof.RevokedReason}), before this signature ({row.Time:u})")
                : (SignatureReason.UnknownKey, $"{proof.Kind} {proof.Fingerprint} was bound on {proof.AddedAt:u}, after this signature ({row.Time:u})");
        }
        bool replay = false;
        var context = new VerificationContext
        {
            // As of the row's journal time: an id_token's lifetime, a certificate's validity, an OpenPGP key's expiry.
            Clock = new FixedClock(row.Time),
            TrustedSshCertificateAuthorities = Roster.TrustedSshCertificateAuthorities(state.Workspace),
            ExpectedSshPrincipal = row.Responder,
            IsOidcNonceUnused = nonce =>
            {
                replay = usedNonces.Contains(row.Fingerprint + "\n" + nonce);
                return !replay;
            },
        };
        var payload = proposal.PayloadFromText(row.Payload, row.IsApproval);
        var check = Identity.Signatures.Verify(proof.Key, payload, row.Signature, context);
        if (!check.IsValid)
        {
            if (replay)
            {
                return (SignatureReason.NonceReused, "this id_token's single-use nonce was already accepted for this proposal (token replay)");
            }
            // A valid signature under the wrong payload text: say which proposal it was really over.
            foreach (var other in state.Proposals.Values.Select(p => p.Proposal).Where(p => p.Id != proposal.Id))
            {
                var otherPayload = row.IsApproval ? other.ApprovalPayload() : other.SigningPayload();
                if (Identity.Signatures.Verify(proof.Key, otherPayload, row.Signature, Rewind(state.Workspace, row)).IsValid)
                {
                    return (SignatureReason.OtherProposal, $"the signature is over proposal {other.ShortId}… ({other.Action} {other.Target} {other.ParametersText}), not this one");
                }
            }
            return (SignatureReason.BadSignature, check.Reason);
        }
        if (check.Details?.GetValueOrDefault("nonce") is { } acceptedNonce && proof.Kind == ProofKind.Oidc)
        {
            usedNonces.Add(row.Fingerprint + "\n" + acceptedNonce);
        }
        var expected = row.IsApproval ? proposal.ApprovalPayload() : proposal.SigningPayload();
        if (!payload.AsSpan().SequenceEqual(expected))
        {
            return ClassifyPayload(row.Payload, proposal, row.IsApproval);
        }
        if (row.Time < proposal.NotBefore)
        {
            return (SignatureReason.NotYetValid, $"signed at {row.Time:u}, before the proposal's not-before {proposal.NotBefore:u}");
        }
        if (row.Time > proposal.Expires)
        {
            return (SignatureReason.Expired, $"signed at {row.Time:u}, after the proposal expired at {proposal.Expires:u}");
        }
        if (consumedSeq > 0 && row.Seq > consumedSeq)
        {
            return (SignatureReason.Consumed, $"journaled after the proposal was consumed at #{consumedSeq}");
        }
        var kindsThen = who.Proofs.Where(p => p.ActiveAt(row.Time)).Select(p => p.Kind).Distinct().Count();
        if (kindsThen < Roster.MinimumProofKinds)
        {
            return (SignatureReason.Ineligible, $"'{row.Responder}' had {kindsThen} kind(s) of active proof at {row.Time:u}; a person counts with at least {Roster.MinimumProofKinds} of different kinds");
        }
        if (!rule.SelfApproval && row.Responder == proposal.Proposer)
        {
            return (SignatureReason.SelfApproval, $"'{row.Responder}' proposed it, and policy rule '{rule.Action}' forbids self-approval");
        }
        // An incident role counts only if the roster lets the person hold it (a grant past the cmdlet cannot widen that).
        row.Roles.RemoveWhere(r => !Enum.TryParse<ResponderRole>(r, out var parsed) || !who.Roles.Contains(parsed));
        if (!row.IsApproval && mentioned is not null && !row.Roles.Any(r => mentioned.Contains(Enum.Parse<ResponderRole>(r))))
        {
            return (SignatureReason.WrongRole, $"at {row.Time:u} '{row.Responder}' held {(row.Roles.Count == 0 ? "no role" : string.Join(", ", row.Roles))} in {proposal.Incident}; the policy counts {string.Join(", ", mentioned)}");
        }
        return (SignatureReason.Counted, "valid");
    }

    private static VerificationContext Rewind(Workspace ws, QuorumRow row) => new()
    {
        Clock = new FixedClock(row.Time),
        TrustedSshCertificateAuthorities = Roster.TrustedSshCertificateAuthorities(ws),
        ExpectedSshPrincipal = row.Responder,
    };

    /// <summary>A valid signature over text that is not this proposal's payload: which workspace, incident or proposal it names.</summary>
    private static (SignatureReason, string) ClassifyPayload(string text, Proposal proposal, bool approval)
    {
        if (!approval && proposal.HasCustomPayload)
        {
            return (SignatureReason.PayloadMismatch, $"the signature is over {text}, not this proposal's payload {proposal.PayloadToText(proposal.SigningPayload(), false)} "
                + "(another Safe transaction: other to, data or nonce); owners sign exactly the hash Get-DeirfSigningPayload shows");
        }
        var lines = text.Split('\n');
        string? Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..];
        var domain = lines[0];
        var wanted = approval ? Proposal.ApprovalDomainLine : Proposal.SignatureDomainLine;
        if (domain != wanted && domain is Proposal.ApprovalDomainLine or Proposal.SignatureDomainLine)
        {
            return (SignatureReason.PayloadMismatch, approval
                ? "this is a quorum signature (DeIRF-proposal-v1), not an approval: the approver signs the approval payload (Get-DeirfSigningPayload -Approval)"
                : "this is an approval (DeIRF-approval-v1), not a quorum signature");
        }
        if (domain != wanted)
        {
            return (SignatureReason.PayloadMismatch, "the signed text is not a DeIRF proposal payload");
        }
        if (Field("workspace") is { } w && w != proposal.WorkspaceId)
        {
            return (SignatureReason.OtherWorkspace, $"the signature is over a proposal of workspace {w}, this is {proposal.WorkspaceId}");
        }
        if (Field("incident") is { } i && i != proposal.Incident)
        {
            return (SignatureReason.OtherIncident, $"the signature is over a proposal of incident {i}, this is {proposal.Incident}");
        }
        if (Field("proposal") is { } p && p != proposal.Id)
        {
            return (SignatureReason.OtherProposal, $"the signature is over proposal {p[..Math.Min(12, p.Length)]}…, not {proposal.ShortId}…");
        }
        var differs = lines.Zip(Encoding.UTF8.GetString(approval ? proposal.ApprovalPayload() : proposal.SigningPayload()).Split('\n'))
            .FirstOrDefault(pair => pair.First != pair.Second);
        return (SignatureReason.PayloadMismatch, $"the signer was shown other text for this proposal's digest (\"{differs.First}\" where the proposal says \"{differs.Second}\"); compare the digest and every line before signing");
    }

    /// <summary>Fills the policy's groups with the counted persons (each person in one slot): <see cref="QuorumGroup.Fill"/>.</summary>
    private static (bool Filled, List<string> Missing) Fill(QuorumGroup require, List<(string Handle, HashSet<string> Roles)> persons,
        IncidentQuorumState state, Proposal proposal)
    {
        var (filled, missing) = require.Fill(persons.Select(p => (IReadOnlySet<string>)p.Roles).ToList());
        if (filled)
        {
            return (true, []);
        }
        var counted = persons.Select(p => p.Handle).ToHashSet(StringComparer.Ordinal);
        return (false, missing.Select(x =>
        {
            var could = x.Leaf.Roles.Count == 0 ? [] : x.Leaf.Roles.SelectMany(r => state.CurrentRoles.GetValueOrDefault(r.ToString()) ?? []).Where(h => !counted.Contains(h)).Distinct().ToArray();
            return $"{x.Short} more of {(x.Leaf.Roles.Count == 0 ? "any eligible responder" : string.Join("/", x.Leaf.Roles))}"
                + (could.Length > 0 ? $" (could sign: {string.Join(", ", could)})" : x.Leaf.Roles.Count > 0 ? " (nobody holds that role in the incident now)" : string.Empty);
        }).ToList());
    }
}

/// <summary>One proposal.signed or proposal.approved row, with the roles its responder held when it was journaled.</summary>
internal sealed class QuorumRow
{
    public long Seq { get; init; }
    public DateTimeOffset Time { get; init; }
    public bool IsApproval { get; init; }
    public string ProposalId { get; init; } = string.Empty;
    public string Responder { get; init; } = string.Empty;
    public string Kind { get; init; } = string.Empty;
    public string Fingerprint { get; init; } = string.Empty;
    public string Signature { get; init; } = string.Empty;
    public string Payload { get; init; } = string.Empty;
    public HashSet<string> Roles { get; init; } = [];
}

internal sealed class ProposalRecord
{
    public required Proposal Proposal { get; init; }

    /// <summary>The id as journaled (rows and consumption refer to it); differs from Proposal.Id only when tampered.</summary>
    public required string StoredId { get; init; }

    /// <summary>Why the stored proposal cannot be trusted (its members do not hash to its id), or null.</summary>
    public string? Tampered { get; init; }
}

/// <summary>One pass over an incident journal: proposals, their rows, consumption, evidence targets, roles over time.</summary>
internal sealed class IncidentQuorumState
{
    private IncidentQuorumState(Workspace ws) => Workspace = ws;

    public Workspace Workspace { get; }
    public Dictionary<string, ProposalRecord> Proposals { get; } = new(StringComparer.Ordinal);
    public List<QuorumRow> Rows { get; } = [];
    public Dictionary<string, long> ConsumedAt { get; } = new(StringComparer.Ordinal);
    public HashSet<string> EvidenceTargets { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, IReadOnlyList<string>> CurrentRoles { get; private set; } = new();
    public string? ChainProblem { get; private set; }
    private readonly Incident _fold = new();
    private long _lastSeq = -1;

    /// <summary>
    /// Where a row's roles come from: the incident's role grants, or for the roster journal (no incident roles) the
    /// responder's roster roles.
    /// </summary>
    private Func<string, IEnumerable<string>>? _rolesOf;

    /// <summary>The state of the entries given (the roster fold judges a change against the entries before it).</summary>
    public static IncidentQuorumState FromEntries(Workspace ws, IEnumerable<JournalEntry> entries, Func<string, IEnumerable<string>> rolesOf)
    {
        var state = new IncidentQuorumState(ws) { _rolesOf = rolesOf };
        foreach (var entry in entries)
        {
            state._lastSeq = entry.Seq;
            state.Apply(entry);
        }
        return state;
    }

    public static IncidentQuorumState Read(Workspace ws, string incident)
    {
        var journal = ws.JournalOf(incident);
        if (!journal.Exists)
        {
            throw new DeirfException("IncidentNotFound", DeirfErrorKind.NotFound, $"No incident {incident} in '{ws.Root}'.", incident);
        }
        var state = new IncidentQuorumState(ws);
        if (incident == Roster.JournalId)
        {
            var roster = Roster.Load(ws);
            state._rolesOf = h => roster.Find(h)?.Roles.Select(r => r.ToString()) ?? [];
        }
        try
        {
            // The reader checks each line's hash and the links between lines; a break ends the fold there and blocks
            // every proposal of this journal (JournalBroken) rather than judging a chain with a line cut out.
            foreach (var entry in journal.ReadEntries())
            {
                state._lastSeq = entry.Seq;
                state.Apply(entry);
            }
        }
        catch (JournalCorruptException broken) when (broken.Fault is JournalFault.SequenceGap or JournalFault.BrokenLink)
        {
            state.ChainProblem = $"the chain of {incident} breaks after entry {state._lastSeq}: {broken.Message}";
        }
        state.CurrentRoles = state._fold.Roles.ToDictionary(kv => kv.Key, kv => kv.Value);
        return state;
    }

    private void Apply(JournalEntry entry)
    {
        string T(string m) => EntryKinds.Text(entry.Body, m);
        switch (entry.Kind)
        {
            case ProposalCreated.KindName:
                {
                    var parameters = entry.Body.TryGetValue("parameters", out var p) && p is IReadOnlyDictionary<string, object?> d
                        ? d.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? string.Empty, StringComparer.Ordinal)
                        : new Dictionary<string, string>(StringComparer.Ordinal);
                    var storedId = T("id");
                    if (Proposals.ContainsKey(storedId))
                    {
                        break; // the first record of an id stands
                    }
                    var proposal = new Proposal(entry.WorkspaceId, entry.Incident, T("action"), T("target"), parameters, T("nonce"),
                        ParseTime(T("notBefore")), ParseTime(T("expires")), T("proposer"))
                    {
                        Workspace = Workspace.Root, Seq = entry.Seq, Created = entry.Timestamp,
                    };
                    string? tampered = proposal.Id != storedId
                        ? $"the stored proposal {storedId[..Math.Min(12, storedId.Length)]}… hashes to {proposal.Id[..12]}…: its members were edited (or it was copied from another incident or workspace)"
                        : entry.WorkspaceId != Workspace.WorkspaceId ? $"it was written in workspace {entry.WorkspaceId}, this is {Workspace.WorkspaceId}" : null;
                    Proposals[storedId] = new ProposalRecord { Proposal = proposal, StoredId = storedId, Tampered = tampered };
                    break;
                }
            case ProposalSigned.KindName or ProposalApproved.KindName:
                Rows.Add(RowOf(entry.Seq, entry.Timestamp, entry.Kind == ProposalApproved.KindName, entry.Body));
                break;
            case ProposalConsumed.KindName:
                ConsumedAt.TryAdd(T("proposal"), entry.Seq);
                break;
            case EvidenceAdded.KindName:
                if (T("target") is { Length: > 0 } target)
                {
                    EvidenceTargets.Add(target);
                }
                break;
        }
        _fold.Apply(entry);
    }

    private QuorumRow RowOf(long seq, DateTimeOffset time, bool approval, IReadOnlyDictionary<string, object?> body)
    {
        string T(string m) => EntryKinds.Text(body, m);
        var responder = T("responder");
        return new QuorumRow
        {
            Seq = seq, Time = time, IsApproval = approval, ProposalId = T("proposal"), Responder = responder, Kind = T("kind"),
            Fingerprint = T("fingerprint"), Signature = T("signature"), Payload = T("payload"),
            Roles = _rolesOf is { } rolesOf ? rolesOf(responder).ToHashSet(StringComparer.Ordinal)
                : Enum.GetNames<ResponderRole>().Where(r => _fold.HoldsRole(r, responder)).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>Adds a row not written yet (judged before it is appended).</summary>
    public void AddPending(StatementDraft draft, DateTimeOffset time)
    {
        var body = Journal.JsonValues.ToDictionary(System.Text.Json.JsonDocument.Parse(draft.Body.ToJsonString()).RootElement);
        Rows.Add(RowOf(_lastSeq + 1, time, draft.Kind == ProposalApproved.KindName, body));
    }

    public ProposalRecord Find(string idOrPrefix)
    {
        if (Proposals.TryGetValue(idOrPrefix, out var exact))
        {
            return exact;
        }
        var matches = idOrPrefix.Length >= 8 ? Proposals.Where(kv => kv.Key.StartsWith(idOrPrefix, StringComparison.Ordinal)).ToList() : [];
        return matches.Count == 1
            ? matches[0].Value
            : throw new QuorumException(matches.Count > 1 ? "ProposalAmbiguous" : "ProposalNotFound", matches.Count > 1 ? DeirfErrorKind.InvalidArgument : DeirfErrorKind.NotFound,
                matches.Count > 1
                    ? $"'{idOrPrefix}' names {matches.Count} proposals; give more of the id."
                    : $"No proposal '{idOrPrefix}' in this incident (give the id or a unique prefix of at least 8 hex digits; Get-DeirfProposal lists them).", idOrPrefix);
    }

    private static DateTimeOffset ParseTime(string text)
        => DateTimeOffset.TryParseExact(text, Timestamps.Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : DateTimeOffset.MinValue;
}
