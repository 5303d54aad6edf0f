using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Identity;

/// <summary>One bound proof of a responder, with its history.</summary>
public sealed class RosterProof
{
    public string Handle { get; init; } = string.Empty;
    public ProofKind Kind { get; init; }
    public string Fingerprint { get; init; } = string.Empty;
    public string Algorithm { get; init; } = string.Empty;
    public ProofKey Key { get; init; } = null!;
    public DateTimeOffset AddedAt { get; init; }
    public long AddedSeq { get; init; }
    public DateTimeOffset LastConfirmedAt { get; internal set; }
    public DateTimeOffset? RevokedAt { get; internal set; }

    /// <summary>The roster entry that revoked it: within the roster journal, order is by sequence, not time.</summary>
    public long? RevokedSeq { get; internal set; }
    public string? RevokedReason { get; internal set; }
    public string? RevokedBy { get; internal set; }

    /// <summary>FIDO2: the highest signCount seen, so a cloned authenticator's replay is caught.</summary>
    public uint? LastSignCount { get; internal set; }

    public bool IsRevoked => RevokedAt is not null;

    /// <summary>Was this proof in force at <paramref name="t"/> (bound before, not revoked yet)?</summary>
    public bool ActiveAt(DateTimeOffset t) => AddedAt <= t && (RevokedAt is null || t < RevokedAt);

    /// <summary>
    /// Could this proof sign roster entry <paramref name="seq"/>? Bound by an earlier entry, and not revoked before it
    /// (the revocation entry itself may carry the revoked key's signature).
    /// </summary>
    public bool ActiveAtRosterSeq(long seq) => AddedSeq < seq && (RevokedSeq is null || seq <= RevokedSeq);

    public override string ToString() => $"{Kind} {Fingerprint}{(IsRevoked ? " (revoked)" : string.Empty)}";
}

/// <summary>A responder as the roster tells it.</summary>
public sealed class Responder
{
    private readonly List<RosterProof> _proofs = new();

    public string Handle { get; init; } = string.Empty;
    public string Name { get; internal set; } = string.Empty;
    public IReadOnlyList<ResponderRole> Roles { get; internal set; } = [];
    public DateTimeOffset Added { get; init; }
    public IReadOnlyList<RosterProof> Proofs => _proofs;
    public IEnumerable<RosterProof> ActiveProofs => _proofs.Where(p => !p.IsRevoked);

    /// <summary>Distinct kinds among the active proofs: a quorum counts persons, and a person needs plural identity.</summary>
    public IReadOnlyList<ProofKind> ProofKinds => ActiveProofs.Select(p => p.Kind).Distinct().Order().ToArray();

    /// <summary>At least <see cref="Roster.MinimumProofKinds"/> active proofs of different kinds (the seed: "at least two").</summary>
    public bool Eligible => ProofKinds.Count >= Roster.MinimumProofKinds;

    internal void AddProof(RosterProof p) => _proofs.Add(p);

    /// <summary>When they can be reached (responder.availability); null when they declared nothing: then treated as reachable.</summary>
    public Swarm.Availability? Availability { get; internal set; }

    /// <summary>Why a declared availability could not be used here (a zone this machine does not know), or null.</summary>
    public string? AvailabilityProblem { get; internal set; }

    /// <summary>The declared IANA time zone, working hours and on-call flag (empty when none declared).</summary>
    public string TimeZone => Availability?.Zone ?? string.Empty;
    public string WorkingHours => Availability is { } a ? $"{a.Hours} {string.Join(",", Swarm.WorkingHours.Ordered(a.Days).Select(Swarm.WorkingHours.DayName))}" : string.Empty;
    public bool OnCall => Availability?.OnCall ?? false;

    /// <summary>Reachable at <paramref name="t"/>: on call, within working hours, or no hours declared.</summary>
    public bool IsAvailableAt(DateTimeOffset t) => Availability?.IsAvailableAt(t) ?? true;

    public RosterProof? FindProof(string fingerprint) => _proofs.LastOrDefault(p => string.Equals(p.Fingerprint, fingerprint, StringComparison.Ordinal));

    public override string ToString() => $"{Handle} ({Name}) {string.Join(",", Roles)} proofs: {string.Join(", ", ActiveProofs.Select(p => p.Kind))}";
}

/// <summary>
/// The roster: who the responders are and which keys prove who they are. It is itself a hash-chained journal
/// (roster.jsonl at the workspace root, journal id "ROSTER"), folded into this state on load.
/// </summary>
public sealed partial class Roster
{
    public const string JournalId = WorkspaceLayout.RosterJournalId;
    public const string FileName = WorkspaceLayout.RosterFile;
    public const int MinimumProofKinds = 2;

    private readonly Dictionary<string, Responder> _responders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Responder> _byFingerprint = new(StringComparer.Ordinal);

    private Roster(Workspace workspace, string? journalPath = null)
    {
        Workspace = workspace;
        Journal = new JournalFile(journalPath ?? PathIn(workspace));
    }

    public Workspace Workspace { get; }
    public JournalFile Journal { get; }
    public IReadOnlyCollection<Responder> Responders => _responders.Values;
    public long EntryCount { get; private set; }
    public string? HeadHash { get; private set; }

    /// <summary>True when some responder has a bound proof (from then on, unsigned entries are worth a warning).</summary>
    public bool HasProofs => _responders.Values.Any(r => r.Proofs.Count > 0);

    public static string PathIn(Workspace ws) => WorkspaceLayout.PathIn(ws.Root, FileName);

    /// <summary>Loads the roster (empty when the workspace has none yet) by folding its entries; <see cref="AuditBindings"/> re-verifies them.</summary>
    public static Roster Load(Workspace workspace) => LoadFile(workspace, PathIn(workspace));

    /// <summary>
    /// Folds another copy of this workspace's roster journal (a remote's, checked by Sync-DeirfWorkspace before it is
    /// accepted). The roster is for checking only: appends go to <paramref name="journalPath"/>.
    /// </summary>
    public static Roster LoadFile(Workspace workspace, string journalPath)
    {
        var roster = new Roster(workspace, journalPath);
        if (roster.Journal.Exists)
        {
            foreach (var entry in roster.Journal.ReadEntries())
            {
                roster.Apply(entry);
            }
        }
        return roster;
    }

    public Responder? Find(string handle) => _responders.GetValueOrDefault(handle);

    public Responder Get(string handle) => Find(handle)
        ?? throw new DeirfException("ResponderNotFound", DeirfErrorKind.NotFound, $"No responder '{handle}' in the roster of '{Workspace.Root}'. Add one with New-DeirfResponder.", handle);

    /// <summary>The responder holding this key fingerprint (active or revoked), if any.</summary>
    public Responder? HolderOf(string fingerprint) => _byFingerprint.GetValueOrDefault(fingerprint);

    private void Apply(JournalEntry entry)
    {
        var problem = Govern(entry);
        EntryCount++;
        HeadHash = entry.Hash;
        _entries.Add(entry);
        if (problem is not null)
        {
            _problems.Add(problem); // not applied: the roster stays as the rules allow
            return;
        }
        string Text(string member) => EntryKinds.Text(entry.Body, member);
        switch (entry.Kind)
        {
            case RosterSealed.KindName:
                ApplySeal(entry);
                break;
            case SettingsSet.KindName:
                ApplySettings(entry);
                break;
            case ResponderAdded.KindName:
                _responders[Text("handle")] = new Responder { Handle = Text("handle"), Name = Text("name"), Roles = Roles(entry), Added = entry.Timestamp };
                break;
            case ResponderUpdated.KindName:
                if (Find(Text("handle")) is { } updated)
                {
                    updated.Name = Text("name");
                    updated.Roles = Roles(entry);
                }
                break;
            case ResponderAvailability.KindName:
                if (Find(Text("handle")) is { } available)
                {
                    ApplyAvailability(available, entry);
                }
                break;
            case ProofAdded.KindName:
                {
                    var responder = Get(Text("handle"));
                    // A kind this machine lacks (an extension not imported here) is refused like a misspelt one: fail closed.
                    var kind = ProofKinds.Available.FirstOrDefault(k => string.Equals(k.Name, Text("kind"), StringComparison.Ordinal)) is { Name.Length: > 0 } known ? known
                        : throw new DeirfException("RosterEntryInvalid", DeirfErrorKind.InvalidData,
                            $"Roster entry {entry.Seq} ({entry.Kind}) has 'kind' = '{Text("kind")}', which is not one of {string.Join(", ", ProofKinds.Available)} (a kind an extension adds needs Import-DeirfExtension on this machine).", entry.Seq);
                    var key = Signatures.ParsePublicKey(kind, Text("publicKey"));
                    var proof = new RosterProof
                    {
                        Handle = responder.Handle, Kind = kind, Fingerprint = key.Fingerprint, Algorithm = key.Algorithm, Key = key,
                        AddedAt = entry.Timestamp, AddedSeq = entry.Seq, LastConfirmedAt = entry.Timestamp,
                        LastSignCount = entry.Body.TryGetValue("signCount", out var sc) && sc is long l ? (uint)l : null,
                    };
                    responder.AddProof(proof);
                    _byFingerprint[proof.Fingerprint] = responder;
                    break;
                }
            case ProofConfirmed.KindName:
                if (Find(Text("handle"))?.FindProof(Text("fingerprint")) is { } confirmed)
                {
                    confirmed.LastConfirmedAt = entry.Timestamp;
                    if (entry.Body.TryGetValue("signCount", out var sc2) && sc2 is long l2)
                    {
                        confirmed.LastSignCount = (uint)l2;
                    }
                }
                break;
            case ProofRevoked.KindName:
                if (Find(Text("handle"))?.FindProof(Text("fingerprint")) is { } revoked && !revoked.IsRevoked)
                {
                    revoked.RevokedAt = entry.Timestamp;
                    revoked.RevokedSeq = entry.Seq;
                    revoked.RevokedReason = Text("reason");
                    revoked.RevokedBy = entry.Actor;
                }
                break;
        }
    }

    private static IReadOnlyList<ResponderRole> Roles(JournalEntry entry)
        => entry.Body.TryGetValue("roles", out var v) && v is object?[] items ? items.Select(i => Named<ResponderRole>(i as string, "roles", entry)).ToArray() : [];

    /// <summary>An enum member by its exact name (no numbers, no comma lists); anything else refuses the roster entry.</summary>
    private static T Named<T>(string? text, string member, JournalEntry entry) where T : struct, Enum
        => text is not null && Enum.GetNames<T>().Contains(text, StringComparer.Ordinal)
            ? Enum.Parse<T>(text)
            : throw new DeirfException("RosterEntryInvalid", DeirfErrorKind.InvalidData,
                $"Roster entry {entry.Seq} ({entry.Kind}) has '{member}' = '{text}', which is not one of {string.Join(", ", Enum.GetNames<T>())}.", entry.Seq);

    /// <summary>
    /// Adds a responder: during founding directly; once the roster is sealed only with a met ROSTER proposal
    /// roster.responder.add (target the handle, parameters name and roles, optionally proofs: fingerprints the newcomer
    /// may then bind themselves).
    /// </summary>
    public Responder AddResponder(string handle, string name, IEnumerable<ResponderRole> roles, string actor, JournalAppendOptions options, string? proposalId = null,
        IReadOnlyList<string>? pinnedProofs = null)
    {
        JournalFile.ValidateHandle(handle);
        if (Find(handle) is not null)
        {
            throw new DeirfException("ResponderAlreadyExists", DeirfErrorKind.AlreadyExists, $"Responder '{handle}' is already in the roster.", handle);
        }
        var added = ResponderBody.Added(handle, name, roles);
        var sorted = added.Roles.Select(r => r.ToString()).ToArray();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = name, ["roles"] = string.Join(",", sorted.Order(StringComparer.Ordinal)) };
        if (pinnedProofs is { Count: > 0 })
        {
            parameters["proofs"] = string.Join(",", pinnedProofs);
        }
        AppendGoverned(StatementDraft.Of(actor, added), proposalId, AddResponderAction, handle, parameters, options);
        return Get(handle);
    }

    /// <summary>
    /// Declares when a responder can be reached: their own alone (signed, once sealed), anyone else's with a met ROSTER
    /// proposal roster.responder.availability (target the handle; parameters zone, hours, days, oncall).
    /// </summary>
    public Responder SetAvailability(string handle, string zone, Swarm.WorkingHours hours, IReadOnlyList<DayOfWeek> days, bool onCall, string actor,
        JournalAppendOptions options, string? proposalId = null)
    {
        Get(handle);
        Swarm.Availability.FindZone(zone);
        var body = new ResponderAvailability.Body(handle, zone, hours, days, onCall);
        AppendGoverned(StatementDraft.Of(actor, body), proposalId, AvailabilityAction, handle, AvailabilityParameters(body), options);
        return Get(handle);
    }

    internal static Dictionary<string, string> AvailabilityParameters(ResponderAvailability.Body body) => new(StringComparer.Ordinal)
    {
        ["days"] = body.DaysText, ["hours"] = body.Hours.ToString(), ["oncall"] = body.OnCall ? "true" : "false", ["zone"] = body.Zone,
    };

    private static void ApplyAvailability(Responder responder, JournalEntry entry)
    {
        var body = new ResponderAvailability().Read(System.Text.Json.Nodes.JsonNode.Parse(JournalEntryBodyJson(entry))!.AsObject());
        try
        {
            responder.Availability = new Swarm.Availability
            {
                Zone = body.Zone, TimeZone = Swarm.Availability.FindZone(body.Zone), Hours = body.Hours, Days = body.Days, OnCall = body.OnCall,
            };
            responder.AvailabilityProblem = null;
        }
        catch (DeirfException ex)
        {
            responder.Availability = null;
            responder.AvailabilityProblem = ex.Message;
        }
    }

    private static string JournalEntryBodyJson(JournalEntry entry)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(entry.StatementJson);
        return doc.RootElement.GetProperty("body").GetRawText();
    }

    public Responder UpdateResponder(string handle, string? name, IEnumerable<ResponderRole>? roles, string actor, JournalAppendOptions options, string? proposalId = null)
    {
        var r = Get(handle);
        var updated = ResponderBody.Updated(handle, name ?? r.Name, roles ?? r.Roles);
        var sorted = updated.Roles.Select(x => x.ToString()).ToArray();
        AppendGoverned(StatementDraft.Of(actor, updated), proposalId, UpdateResponderAction, handle,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = name ?? r.Name, ["roles"] = string.Join(",", sorted.Order(StringComparer.Ordinal)) }, options);
        return Get(handle);
    }

    /// <summary>The verification context for a responder's proof: trusted SSH CAs, principal, last FIDO2 count.</summary>
    public VerificationContext ContextFor(string handle, RosterProof? proof, TimeProvider? clock = null) => new()
    {
        Clock = clock ?? TimeProvider.System,
        TrustedSshCertificateAuthorities = TrustedSshCertificateAuthorities(Workspace),
        ExpectedSshPrincipal = handle,
        LastFido2SignCount = proof?.LastSignCount,
        OtherProofs = OtherProofsOf(handle, proof, (clock ?? TimeProvider.System).GetUtcNow()),
    };

    /// <summary>The responder's proofs in force at <paramref name="at"/>, without <paramref name="proof"/> itself.</summary>
    private IReadOnlyList<ProofKey> OtherProofsOf(string handle, RosterProof? proof, DateTimeOffset at)
        => Find(handle) is { } r
            ? r.Proofs.Where(p => p.ActiveAt(at) && !ReferenceEquals(p, proof) && p.Fingerprint != proof?.Fingerprint).Select(p => p.Key).ToArray()
            : [];

    /// <summary>SSH CA keys the workspace trusts, one authorized_keys line each, in trust/ssh-ca.pub.</summary>
    public static IReadOnlyList<string> TrustedSshCertificateAuthorities(Workspace ws)
    {
        var path = WorkspaceLayout.PathIn(ws.Root, WorkspaceLayout.SshCertificateAuthoritiesFile);
        return File.Exists(path)
            ? File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray()
            : [];
    }

    /// <summary>
    /// Binds a proof after checking proof of possession: the binding names this workspace, this responder, this key
    /// and a recent time, and the signature over its exact bytes verifies with the key.
    /// </summary>
    public RosterProof AddProof(string handle, ProofKey key, byte[] bindingBytes, string signature, string actor, JournalAppendOptions options, string? proposalId = null)
    {
        var responder = Get(handle);
        var binding = ProofBinding.Parse(bindingBytes);
        var now = options.Clock.GetUtcNow();
        CheckBinding(binding, handle, key, now);
        var confirming = HolderOf(key.Fingerprint) is { } sameHolder && sameHolder.Handle == handle && !sameHolder.FindProof(key.Fingerprint)!.IsRevoked;
        if (!confirming && HolderOf(key.Fingerprint) is { } holder)
        {
            var existing = holder.FindProof(key.Fingerprint)!;
            throw new DeirfException(existing.IsRevoked ? "ProofRevokedBefore" : "ProofAlreadyBound", DeirfErrorKind.AlreadyExists,
                existing.IsRevoked
                    ? $"Key {key.Fingerprint} was revoked on {existing.RevokedAt:u} ({existing.RevokedReason}); a revoked key is never bound again. Re-key."
                    : $"Key {key.Fingerprint} is already bound to '{holder.Handle}'.", key.Fingerprint);
        }
        var check = Signatures.Verify(key, bindingBytes, signature, ContextFor(handle, null, options.Clock));
        if (!check.IsValid)
        {
            throw new DeirfException("ProofPossessionNotShown", DeirfErrorKind.SecurityError,
                $"The signature over the binding does not verify with this {key.Kind} key ({check.Reason}): the key's holder must sign the binding.", key.Fingerprint);
        }
        long? signCount = check.Details?.TryGetValue("signCount", out var sc) == true && long.TryParse(sc, out var count) ? count : null;
        if (confirming)
        {
            // A fresh proof of possession for a key already bound: the periodic review (six months by default).
            var confirmation = new ProofConfirmed.Body(handle, key.Fingerprint, Encoding.UTF8.GetString(bindingBytes), signature, signCount);
            AppendGoverned(StatementDraft.Of(actor, confirmation), proposalId, BindProofAction, handle,
                new Dictionary<string, string>(StringComparer.Ordinal) { ["fingerprint"] = key.Fingerprint }, options);
            return responder.FindProof(key.Fingerprint)!;
        }
        var body = ProofAdded.Body.For(handle, key, Encoding.UTF8.GetString(bindingBytes), signature, signCount);
        AppendGoverned(StatementDraft.Of(actor, body), proposalId, BindProofAction, handle,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["fingerprint"] = key.Fingerprint }, options);
        return responder.FindProof(key.Fingerprint)
            ?? throw new DeirfException("RosterChangeUnapproved", DeirfErrorKind.SecurityError, $"The proof {key.Fingerprint} of '{handle}' was not bound: {Problems.LastOrDefault()?.Reason}.", handle);
    }

    private void CheckBinding(ProofBinding binding, string handle, ProofKey key, DateTimeOffset now)
    {
        if (binding.WorkspaceId != Workspace.WorkspaceId)
        {
            throw new InvalidBindingException($"it was made for workspace {binding.WorkspaceId}, this is {Workspace.WorkspaceId}", binding.WorkspaceId);
        }
        if (binding.Handle != handle)
        {
            throw new InvalidBindingException($"it binds '{binding.Handle}', not '{handle}'", binding.Handle);
        }
        if (binding.Kind != key.Kind || binding.Fingerprint != key.Fingerprint)
        {
            throw new InvalidBindingException($"it names {binding.Kind} {binding.Fingerprint}, but the key given is {key.Kind} {key.Fingerprint}", binding.Fingerprint);
        }
        if (binding.Time > now + TimeSpan.FromMinutes(5) || now - binding.Time > ProofBinding.MaxAge)
        {
            throw new InvalidBindingException($"it was made at {binding.Time:u}; bindings are accepted for {ProofBinding.MaxAge.TotalHours:0} h. Make a fresh one with Get-DeirfSigningPayload", binding.Time);
        }
    }

    /// <summary>
    /// Re-verifies every stored binding from the roster entries alone (public key, binding text, signature), as a
    /// newcomer auditing the roster would. Returns one line per problem; empty when all hold.
    /// </summary>
    public IReadOnlyList<string> AuditBindings()
    {
        var problems = new List<string>();
        if (Journal.Exists)
        {
            foreach (var entry in Journal.ReadEntries())
            {
                if (entry.Kind is ProofAdded.KindName or ProofConfirmed.KindName
                    && CheckStoredBinding(EntryKinds.Text(entry.Body, "handle"), EntryKinds.Text(entry.Body, "fingerprint"),
                        EntryKinds.Text(entry.Body, "binding"), EntryKinds.Text(entry.Body, "signature"), entry.Timestamp) is { } problem)
                {
                    problems.Add($"seq {entry.Seq}: {problem}");
                }
            }
        }
        return problems;
    }

    /// <summary>Checks one stored binding as of the time it was journaled; null when it holds.</summary>
    public string? CheckStoredBinding(string handle, string fingerprint, string bindingText, string signature, DateTimeOffset entryTime)
    {
        var proof = Find(handle)?.FindProof(fingerprint);
        if (proof is null)
        {
            return $"proof {fingerprint} of '{handle}' is unknown";
        }
        var bindingBytes = Encoding.UTF8.GetBytes(bindingText);
        try
        {
            var binding = ProofBinding.Parse(bindingBytes);
            if (binding.WorkspaceId != Workspace.WorkspaceId || binding.Handle != handle || binding.Fingerprint != proof.Fingerprint || binding.Kind != proof.Kind)
            {
                return $"the binding of {proof.Fingerprint} names another workspace, handle or key";
            }
            if (binding.Time > entryTime + TimeSpan.FromMinutes(5) || entryTime - binding.Time > ProofBinding.MaxAge)
            {
                return $"the binding of {proof.Fingerprint} was made at {binding.Time:u}, not within {ProofBinding.MaxAge.TotalHours:0} h of its entry";
            }
        }
        catch (InvalidBindingException ex)
        {
            return ex.Reason;
        }
        // As of the entry's time; FIDO2 counters have moved on since, so the counter rule is not re-applied.
        var check = Signatures.Verify(proof.Key, bindingBytes, signature, ContextFor(handle, proof: null, new FixedClock(entryTime)));
        return check.IsValid ? null : $"the binding signature of {proof.Fingerprint} ('{handle}') does not verify: {check.Reason}";
    }

    /// <summary>Revokes several proofs of one responder in one write: all of them or none (a key compromise).</summary>
    /// <param name="authority">The incident and the consumed identity.revoke proposal that decided it (required once the roster is sealed and the keys are someone else's).</param>
    public IReadOnlyList<RosterProof> RevokeProofs(string handle, IReadOnlyList<string> fingerprints, string reason, string actor, JournalAppendOptions options,
        (string Incident, string Proposal)? authority = null)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DeirfException("RevocationReasonMissing", DeirfErrorKind.InvalidArgument, "A revocation needs a reason (it is journaled).", handle);
        }
        var proofs = fingerprints.Select(fp =>
        {
            var proof = Get(handle).FindProof(fp)
                ?? throw new DeirfException("ProofNotFound", DeirfErrorKind.NotFound, $"Responder '{handle}' has no proof {fp}.", fp);
            return proof.IsRevoked
                ? throw new DeirfException("ProofAlreadyRevoked", DeirfErrorKind.InvalidOperation, $"Proof {fp} of '{handle}' was already revoked on {proof.RevokedAt:u}.", fp)
                : proof;
        }).ToList();
        if (proofs.Count == 0)
        {
            return proofs;
        }
        var drafts = proofs.Select(p => StatementDraft.Of(actor, new ProofRevoked.Body(handle, p.Fingerprint, reason, authority?.Incident, authority?.Proposal))).ToList();
        EnsureGenesis(actor, options);
        var written = Journal.AppendBatch(drafts, options);
        foreach (var entry in written)
        {
            Apply(entry);
        }
        if (written.Select(e => ProblemAt(e.Seq)).FirstOrDefault(x => x is not null) is { } problem)
        {
            throw new QuorumException(problem.ErrorId, DeirfErrorKind.SecurityError, $"The revocation was journaled but the roster refuses it: {problem.Reason}.", handle);
        }
        return proofs;
    }

    public RosterProof RevokeProof(string handle, string fingerprint, string reason, string actor, JournalAppendOptions options, string? proposalId = null)
    {
        var proof = Get(handle).FindProof(fingerprint)
            ?? throw new DeirfException("ProofNotFound", DeirfErrorKind.NotFound, $"Responder '{handle}' has no proof {fingerprint}.", fingerprint);
        if (proof.IsRevoked)
        {
            throw new DeirfException("ProofAlreadyRevoked", DeirfErrorKind.InvalidOperation, $"Proof {fingerprint} of '{handle}' was already revoked on {proof.RevokedAt:u}.", fingerprint);
        }
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DeirfException("RevocationReasonMissing", DeirfErrorKind.InvalidArgument, "A revocation needs a reason (it is journaled).", fingerprint);
        }
        AppendGoverned(StatementDraft.Of(actor, new ProofRevoked.Body(handle, fingerprint, reason)), proposalId, RevokeProofAction, handle, new Dictionary<string, string>(StringComparer.Ordinal) { ["fingerprint"] = fingerprint }, options);
        return proof;
    }
}

/// <summary>A clock stopped at one instant: re-verifying a record as of the time it was made.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
