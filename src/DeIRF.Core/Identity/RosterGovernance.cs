using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;

namespace DeIRF.Identity;

/// <summary>A roster entry the fold did not apply, and why (reported by Test-DeirfJournal -Roster and refused by sync).</summary>
public sealed record RosterProblem(long Seq, string ErrorId, string Reason)
{
    public override string ToString() => $"ROSTER#{Seq} {ErrorId}: {Reason}";
}

/// <summary>A shared settings file as the roster journal last set it.</summary>
public sealed record SharedSetting(string File, string Sha256, string Content, long Seq, string? Proposal);

/// <summary>
/// The roster as the workspace's governance journal. Founding: responders and their self-bound proofs are added
/// freely, then every founder signs a roster.sealed entry. Once sealed, nobody changes it alone: a responder is
/// admitted or changed, someone else's proof bound or revoked, and a shared setting changed only by a met ROSTER
/// proposal consumed right before the change (the consumption and the change are one locked append); every entry
/// must carry its actor's signature. An entry that breaks a rule is not applied and becomes a <see cref="RosterProblem"/>.
/// </summary>
public sealed partial class Roster
{
    public const string AddResponderAction = "roster.responder.add";
    public const string UpdateResponderAction = "roster.responder.update";
    public const string BindProofAction = "roster.proof.bind";
    public const string RevokeProofAction = "roster.proof.revoke";
    public const string SettingsAction = "settings.set";
    public const string AvailabilityAction = "roster.responder.availability";

    /// <summary>The shared settings files the roster governs (their file names at the workspace root).</summary>
    public static readonly IReadOnlyList<string> GovernedFiles = [QuorumPolicy.FileName, Evidence.EvidenceStoreSettings.FileName, Sync.SyncPolicy.FileName, Checkpoints.CheckpointPolicy.FileName];

    private readonly List<JournalEntry> _entries = [];
    private readonly List<RosterProblem> _problems = [];
    private readonly HashSet<string> _sealedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedSetting> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _pinned = new(StringComparer.Ordinal);
    private string[]? _founders;
    private string? _sealHead;
    private QuorumPolicy? _policy;

    public IReadOnlyList<RosterProblem> Problems => _problems;
    public IReadOnlyList<string> Founders => _founders ?? [];
    public bool IsSealed => _founders is not null && _founders.All(_sealedBy.Contains);
    public long? SealedAtSeq { get; private set; }
    public IReadOnlyDictionary<string, SharedSetting> Settings => _settings;

    /// <summary>The quorum policy as the roster journal set it (the defaults until a policy.set).</summary>
    public QuorumPolicy Policy
    {
        get
        {
            if (_policy is null)
            {
                _policy = QuorumPolicy.Defaults;
                if (_settings.TryGetValue(QuorumPolicy.FileName, out var s))
                {
                    var parsed = QuorumPolicy.Parse(s.Content, $"{JournalId}#{s.Seq}");
                    _policy = new QuorumPolicy { Rules = parsed.Rules, Source = $"{JournalId}#{s.Seq}" };
                }
            }
            return _policy;
        }
    }

    public RosterProblem? ProblemAt(long seq) => _problems.FirstOrDefault(p => p.Seq == seq);

    /// <summary>The founders (every responder now) who have not sealed yet; empty when sealed.</summary>
    public IReadOnlyList<string> FoundersToSeal => IsSealed ? [] : (_founders ?? _responders.Keys.Order(StringComparer.Ordinal).ToArray()).Where(h => !_sealedBy.Contains(h)).ToArray();

    /// <summary>Null when the entry may change the roster; else the problem (the entry is then not applied).</summary>
    private RosterProblem? Govern(JournalEntry e)
    {
        RosterProblem Problem(string id, string reason) => new(e.Seq, id, reason);
        string T(string m) => EntryKinds.Text(e.Body, m);
        if (e.Kind == RosterOpened.KindName)
        {
            return null;
        }
        if (_founders is not null && !IsSealed && e.Kind != RosterSealed.KindName)
        {
            return Problem("RosterSealIncomplete", $"{e.Kind} between the seals: until every founder ({string.Join(", ", _founders)}) has sealed, only roster.sealed entries");
        }
        if (e.Kind == RosterSealed.KindName)
        {
            return GovernSeal(e);
        }
        if (!IsSealed)
        {
            return null; // founding: today's bootstrap rules (RosterSignatureChecker)
        }
        if (!SignedByActor(e))
        {
            return Problem("RosterEntryUnsigned", $"'{e.Actor}' did not sign it with a proof in force; after the seal every roster entry is signed by its actor");
        }
        switch (e.Kind)
        {
            case ResponderAdded.KindName:
                return Approved(e, AddResponderAction, T("handle"), new() { ["name"] = T("name"), ["roles"] = RolesText(e) }, out var admission)
                    ?? Pin(T("handle"), admission);
            case ResponderUpdated.KindName:
                return Approved(e, UpdateResponderAction, T("handle"), new() { ["name"] = T("name"), ["roles"] = RolesText(e) }, out _);
            case ResponderAvailability.KindName:
                {
                    ResponderAvailability.Body declared;
                    try
                    {
                        declared = new ResponderAvailability().Read(System.Text.Json.Nodes.JsonNode.Parse(JournalEntryBodyJson(e))!.AsObject());
                    }
                    catch (InvalidStatementException ex)
                    {
                        return Problem("RosterEntryInvalid", ex.Message);
                    }
                    return T("handle") == e.Actor
                        ? null // one's own hours, signed by oneself
                        : Approved(e, AvailabilityAction, T("handle"), AvailabilityParameters(declared), out _);
                }
            case ProofAdded.KindName:
                if (T("handle") == e.Actor && (Find(e.Actor)?.Proofs.Any(p => p.ActiveAtRosterSeq(e.Seq)) == true
                    || (_pinned.TryGetValue(e.Actor, out var pins) && pins.Contains(T("fingerprint")))))
                {
                    return null; // a responder adding a key of their own, signed by a key they hold, or pinned at admission
                }
                return Approved(e, BindProofAction, T("handle"), new() { ["fingerprint"] = T("fingerprint") }, out _);
            case ProofConfirmed.KindName:
                return T("handle") == e.Actor ? null : Problem("RosterChangeUnapproved", "only the proof's holder confirms it");
            case ProofRevoked.KindName:
                if (T("handle") == e.Actor)
                {
                    return null; // revoking a key of one's own
                }
                if (T("incident") is { Length: > 0 } incident && incident != JournalId)
                {
                    return ApprovedInIncident(e, incident, T("proposal"), T("handle"));
                }
                return Approved(e, RevokeProofAction, T("handle"), new() { ["fingerprint"] = T("fingerprint") }, out _);
            case SettingsSet.KindName:
                return T("file") == QuorumPolicy.FileName
                    ? Approved(e, QuorumPolicy.PolicySetAction, "workspace", new() { ["sha256"] = T("sha256") }, out _)
                    : Approved(e, SettingsAction, T("file"), new() { ["sha256"] = T("sha256") }, out _);
            case ProposalCreated.KindName or ProposalSigned.KindName or ProposalApproved.KindName or ProposalConsumed.KindName:
                return null; // the quorum's own records: judged when a change cites them
            default:
                return Problem("RosterKindNotAllowed", $"{e.Kind} is not a roster entry");
        }
    }

    private RosterProblem? GovernSeal(JournalEntry e)
    {
        RosterProblem Problem(string reason) => new(e.Seq, "RosterSealInvalid", reason);
        if (IsSealed)
        {
            return Problem("the roster is already sealed");
        }
        var founders = e.Body.TryGetValue("founders", out var f) && f is object?[] items ? items.Select(i => i as string ?? string.Empty).Order(StringComparer.Ordinal).ToArray() : [];
        var head = EntryKinds.Text(e.Body, "head");
        if (_founders is null)
        {
            var everyone = _responders.Keys.Order(StringComparer.Ordinal).ToArray();
            if (!founders.SequenceEqual(everyone))
            {
                return Problem($"it names founders {string.Join(", ", founders)}; the roster holds {string.Join(", ", everyone)} (every responder is a founder)");
            }
            if (founders.Length < 2)
            {
                return Problem("a workspace is founded by at least two responders");
            }
            if (founders.FirstOrDefault(h => !_responders[h].Eligible) is { } weak)
            {
                return Problem($"founder '{weak}' holds fewer than {MinimumProofKinds} kinds of proof");
            }
            if (head != e.Prev)
            {
                return Problem($"it seals head {head}, but the entry before it is {e.Prev}");
            }
        }
        else if (!founders.SequenceEqual(_founders) || head != _sealHead)
        {
            return Problem($"it seals another founding ({string.Join(", ", founders)} at {head}) than the first seal ({string.Join(", ", _founders)} at {_sealHead})");
        }
        if (!founders.Contains(e.Actor, StringComparer.Ordinal) || _sealedBy.Contains(e.Actor))
        {
            return Problem($"'{e.Actor}' is not a founder who has yet to seal");
        }
        if (!SignedByActor(e))
        {
            return Problem($"'{e.Actor}' did not sign their seal with a proof in force");
        }
        return null;
    }

    private void ApplySeal(JournalEntry e)
    {
        if (_founders is null)
        {
            _founders = (e.Body["founders"] as object?[])!.Select(i => (string)i!).Order(StringComparer.Ordinal).ToArray();
            _sealHead = EntryKinds.Text(e.Body, "head");
        }
        _sealedBy.Add(e.Actor);
        if (IsSealed)
        {
            SealedAtSeq = e.Seq;
        }
    }

    private void ApplySettings(JournalEntry e)
    {
        var file = EntryKinds.Text(e.Body, "file");
        var content = e.Body.TryGetValue("content", out var c) && c is IReadOnlyDictionary<string, object?> ? ContentText(e) : "{}";
        _settings[file] = new SharedSetting(file, EntryKinds.Text(e.Body, "sha256"), content, e.Seq, EntryKinds.Text(e.Body, "proposal") is { Length: > 0 } p ? p : null);
        if (file == QuorumPolicy.FileName)
        {
            _policy = null;
        }
    }

    private static string ContentText(JournalEntry e)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(e.StatementJson);
        return doc.RootElement.GetProperty("body").GetProperty("content").GetRawText();
    }

    private RosterProblem? Pin(string handle, Proposal? admission)
    {
        if (admission?.Parameters.GetValueOrDefault("proofs") is { Length: > 0 } pins)
        {
            _pinned[handle] = pins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        }
        return null;
    }

    private static string RolesText(JournalEntry e) => string.Join(",", (e.Body.TryGetValue("roles", out var v) && v is object?[] items ? items : []).Select(i => i?.ToString()).Order(StringComparer.Ordinal));

    /// <summary>Does the entry carry a signature claimed by its actor with a proof in force at that roster seq? (Verification checks it cryptographically.)</summary>
    private bool SignedByActor(JournalEntry e)
        => Find(e.Actor) is { } who && e.Signatures.Any(s => EntryKinds.Text(s, "by") == e.Actor
            && who.FindProof(EntryKinds.Text(s, "fp")) is { } p && p.ActiveAtRosterSeq(e.Seq));

    /// <summary>
    /// The change must cite a ROSTER proposal for exactly this action, target and parameters, consumed by the entry
    /// right before it, and met (signatures, persons, approval, ttl) as of the change, under the policy in force then.
    /// </summary>
    private RosterProblem? Approved(JournalEntry e, string action, string target, Dictionary<string, string> expected, out Proposal? proposal)
    {
        proposal = null;
        RosterProblem Problem(string reason) => new(e.Seq, "RosterChangeUnapproved", reason);
        var id = EntryKinds.Text(e.Body, "proposal");
        if (id.Length == 0)
        {
            return Problem($"{e.Kind} after the seal needs a met {JournalId} proposal: New-DeirfProposal -Incident {JournalId} -Action {action} -Target {target}");
        }
        var consumption = _entries.Count > 0 ? _entries[^1] : null;
        if (consumption is null || consumption.Kind != ProposalConsumed.KindName || EntryKinds.Text(consumption.Body, "proposal") != id)
        {
            return Problem($"proposal {id[..Math.Min(12, id.Length)]}… is not consumed by the entry right before this change");
        }
        var state = IncidentQuorumState.FromEntries(Workspace, _entries.Take(_entries.Count - 1), h => Find(h)?.Roles.Select(r => r.ToString()) ?? []);
        if (!state.Proposals.TryGetValue(id, out var record))
        {
            return Problem($"no proposal {id[..Math.Min(12, id.Length)]}… in the roster journal");
        }
        proposal = record.Proposal;
        if (proposal.Action != action || proposal.Target != target)
        {
            return Problem($"proposal {proposal.ShortId} is {proposal.Action} {proposal.Target}, this change is {action} {target}");
        }
        foreach (var (k, v) in expected)
        {
            if (proposal.Parameters.GetValueOrDefault(k) != v)
            {
                return Problem($"proposal {proposal.ShortId} has {k}='{proposal.Parameters.GetValueOrDefault(k)}', this change has '{v}'");
            }
        }
        var verdict = QuorumGate.Judge(state, id, this, Policy, e.Timestamp);
        var blockers = verdict.Blockers.Where(b => b.Blocker != QuorumBlocker.Consumed).ToList();
        return blockers.Count == 0 ? null : Problem($"proposal {proposal.ShortId} was not met: {string.Join("; ", blockers)}");
    }

    /// <summary>An identity.revoke decided in an incident: met there (re-judged now) and consumed, naming this responder.</summary>
    private RosterProblem? ApprovedInIncident(JournalEntry e, string incident, string proposalId, string handle)
    {
        RosterProblem Problem(string reason) => new(e.Seq, "RosterChangeUnapproved", reason);
        if (!Workspace.IncidentIds().Contains(incident, StringComparer.Ordinal))
        {
            return Problem($"it cites incident {incident}, which this workspace does not hold");
        }
        var state = IncidentQuorumState.Read(Workspace, incident);
        if (!state.Proposals.TryGetValue(proposalId, out var record) || !state.ConsumedAt.ContainsKey(proposalId))
        {
            return Problem($"no consumed proposal {proposalId[..Math.Min(12, proposalId.Length)]}… in {incident}");
        }
        var p = record.Proposal;
        if (p.Action != Containment.IdentityRevokeProvider.ActionName || !(p.Target == handle || p.Target.StartsWith(handle + "/", StringComparison.Ordinal)))
        {
            return Problem($"proposal {p.ShortId} in {incident} is {p.Action} {p.Target}, not a revocation of '{handle}'");
        }
        var verdict = QuorumGate.Judge(state, proposalId, this, Policy, e.Timestamp);
        var blockers = verdict.Blockers.Where(b => b.Blocker != QuorumBlocker.Consumed).ToList();
        return blockers.Count == 0 ? null : Problem($"proposal {p.ShortId} in {incident} was not met: {string.Join("; ", blockers)}");
    }

    // ---------------------------------------------------------------- writing governed changes

    /// <summary>
    /// Appends a roster change: during founding as is; once sealed, together with the consumption of the met ROSTER
    /// proposal it cites (one locked append: QuorumNotMet / ProposalMismatch and nothing written otherwise).
    /// </summary>
    private IReadOnlyList<JournalEntry> AppendGoverned(StatementDraft change, string? proposalId, string action, string target,
        IReadOnlyDictionary<string, string> parameters, JournalAppendOptions options)
    {
        EnsureGenesis(change.Actor, options);
        if (IsSealed && options.Signers.Count == 0)
        {
            throw new QuorumException("RosterEntryUnsigned", DeirfErrorKind.SecurityError,
                $"The roster is sealed: every entry is signed by its actor, and '{change.Actor}' has no signing key here (Set-DeirfSigningKey). Nothing was written.", change.Actor);
        }
        if (proposalId is null && (!IsSealed || SelfChange(change)))
        {
            var one = Journal.Append(change, options);
            Apply(one);
            return [one];
        }
        if (proposalId is null)
        {
            throw new QuorumException("RosterChangeNeedsQuorum", DeirfErrorKind.SecurityError,
                $"The roster is sealed: {change.Kind} needs a met proposal. New-DeirfProposal -Incident {JournalId} -Action {action} -Target {target}"
                + (parameters.Count > 0 ? " -Parameter @{" + string.Join("; ", parameters.Select(kv => $"{kv.Key}='{kv.Value}'")) + "}" : string.Empty)
                + ", signed by the quorum, then this command with -Proposal.", target);
        }
        var entries = Journal.AppendChecked(() =>
        {
            var state = IncidentQuorumState.Read(Workspace, JournalId);
            var record = state.Find(proposalId);
            var p = record.Proposal;
            var asRun = p.With(action, target, parameters);
            if (asRun.Id != p.Id)
            {
                throw new QuorumException("ProposalMismatch", DeirfErrorKind.SecurityError,
                    $"Proposal {p.ShortId} is {p.Action} {p.Target} {p.ParametersText}; this change is {action} {target} "
                    + string.Join("; ", parameters.Select(kv => kv.Key + "=" + kv.Value)) + ". A changed action, target or parameter is a new proposal.", p.Id);
            }
            var now = options.Clock.GetUtcNow();
            var fresh = LoadFile(Workspace, Journal.Path);
            var verdict = QuorumGate.Judge(state, record.StoredId, fresh, fresh.Policy, now);
            if (verdict.Blockers.Count > 0)
            {
                throw new QuorumException(verdict.IsConsumed ? "ProposalConsumed" : "QuorumNotMet", DeirfErrorKind.SecurityError,
                    $"Proposal {p.ShortId} ({p.Action} {p.Target}) may not change the roster: {string.Join("; ", verdict.Blockers)}.", p.Id, verdict);
            }
            change.Body["proposal"] = p.Id;
            return [QuorumGate.ConsumedDraft(p, verdict, change.Actor, now), change with { Timestamp = now }];
        }, options);
        foreach (var e in entries)
        {
            Apply(e);
        }
        if (ProblemAt(entries[^1].Seq) is { } problem)
        {
            throw new QuorumException(problem.ErrorId, DeirfErrorKind.SecurityError, $"The change was journaled but the roster refuses it: {problem.Reason}.", target);
        }
        return entries;
    }

    /// <summary>Changes a responder may make alone after the seal: keys of their own.</summary>
    private bool SelfChange(StatementDraft change)
    {
        var handle = change.Body["handle"]?.GetValue<string>();
        if (change.Kind == ResponderAvailability.KindName)
        {
            return handle == change.Actor;
        }
        return change.Kind is ProofAdded.KindName or ProofConfirmed.KindName or ProofRevoked.KindName && handle == change.Actor
            && (change.Kind != ProofAdded.KindName || Find(handle)?.ActiveProofs.Any() == true
                || (_pinned.TryGetValue(handle, out var pins) && change.Body["fingerprint"]?.GetValue<string>() is { } fp && pins.Contains(fp)));
    }

    private void EnsureGenesis(string actor, JournalAppendOptions options)
    {
        if (!Journal.Exists)
        {
            var genesis = Journal.CreateGenesis(Workspace.WorkspaceId, JournalId,
                StatementDraft.Of(actor, new RosterOpened.Body(Workspace.Name)), options with { Signers = [] });
            Apply(genesis);
        }
    }

    /// <summary>
    /// A founder signs off the founding roster (every responder now is a founder, each eligible). The roster is sealed
    /// when the last founder has; the entry must be signed by <paramref name="founder"/> (their configured key).
    /// </summary>
    public JournalEntry Seal(string founder, JournalAppendOptions options)
    {
        if (IsSealed)
        {
            throw new DeirfException("RosterAlreadySealed", DeirfErrorKind.InvalidOperation, $"The roster of '{Workspace.Root}' is already sealed (at {JournalId}#{SealedAtSeq}).", founder);
        }
        Get(founder);
        var founders = _founders ?? _responders.Keys.Order(StringComparer.Ordinal).ToArray();
        var entry = Journal.Append(StatementDraft.Of(founder, new RosterSealed.Body(founders, _sealHead ?? HeadHash ?? string.Empty)), options);
        Apply(entry);
        if (ProblemAt(entry.Seq) is { } problem)
        {
            throw new DeirfException(problem.ErrorId, DeirfErrorKind.InvalidOperation, $"The seal by '{founder}' was journaled but does not count: {problem.Reason}.", founder);
        }
        return entry;
    }

    /// <summary>
    /// Sets a shared settings file through the roster journal (during founding by any responder; once sealed by a
    /// met proposal: policy.set for the quorum policy, settings.set for the others), then writes the file.
    /// </summary>
    public SharedSetting SetSettings(string file, JsonObject content, string? proposalId, string actor, JournalAppendOptions options)
    {
        if (!GovernedFiles.Contains(file, StringComparer.Ordinal))
        {
            throw new DeirfException("SettingsFileUnknown", DeirfErrorKind.InvalidArgument, $"'{file}' is not a shared settings file ({string.Join(", ", GovernedFiles)}).", file);
        }
        var bytes = CanonicalJson.Serialize(content);
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
        var draft = StatementDraft.Of(actor, new SettingsSet.Body(file, sha, content));
        bool policy = file == QuorumPolicy.FileName;
        AppendGoverned(draft, proposalId, policy ? QuorumPolicy.PolicySetAction : SettingsAction, policy ? "workspace" : file,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["sha256"] = sha }, options);
        var setting = _settings[file];
        WriteSettingsFile(Workspace, file, bytes);
        return setting;
    }

    /// <summary>Writes a governed file atomically (exclusive random temp, rename), as the roster journal set it.</summary>
    internal static void WriteSettingsFile(Workspaces.Workspace ws, string file, byte[] canonical)
        => Workspaces.AtomicFile.Write(Workspaces.WorkspaceLayout.PathIn(ws.Root, file), canonical);

    /// <summary>
    /// The content of a governed file as the roster journal last set it, checked against the file on disk: a file
    /// that differs from it is refused (<paramref name="refused"/>); a missing one means the journaled
    /// content (a deletion is no rollback to the defaults). Null when the journal never set it and no file exists.
    /// </summary>
    public static (string Content, SharedSetting? Setting)? LoadGoverned(Workspaces.Workspace ws, string file, Func<string, string, DeirfException> refused)
        => LoadGoverned(ws, Load(ws), file, refused);

    public static (string Content, SharedSetting? Setting)? LoadGoverned(Workspaces.Workspace ws, Roster roster, string file, Func<string, string, DeirfException> refused)
    {
        roster._settings.TryGetValue(file, out var setting);
        var path = Workspaces.WorkspaceLayout.PathIn(ws.Root, file);
        if (!File.Exists(path))
        {
            return setting is null ? null : (setting.Content, setting);
        }
        var text = File.ReadAllText(path);
        string sha;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(CanonicalJson.Serialize(JsonNode.Parse(text)!))).ToLowerInvariant();
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw refused($"'{path}' is refused: it is not JSON ({ex.Message}).", path);
        }
        if (setting is null)
        {
            throw refused($"'{path}' is refused: no settings.set entry in the roster journal set it (a file that arrived by sync or an edit by hand is not a decision). Set it with the cmdlet that owns it.", path);
        }
        if (sha != setting.Sha256)
        {
            throw refused($"'{path}' is refused: its content (sha256 {sha[..12]}…) is not what {JournalId}#{setting.Seq} set ({setting.Sha256[..12]}…).", path);
        }
        return (setting.Content, setting);
    }
}

/// <summary>Where the founding of a workspace stands (Complete-DeirfRosterGenesis, Test-DeirfJournal -Roster).</summary>
public sealed record RosterGenesis(bool IsSealed, IReadOnlyList<string> Founders, IReadOnlyList<string> FoundersToSeal, long? SealedAtSeq, string? Head)
{
    public static RosterGenesis Of(Roster roster)
        => new(roster.IsSealed, roster.Founders.Count > 0 ? roster.Founders : roster.Responders.Select(r => r.Handle).Order(StringComparer.Ordinal).ToArray(),
            roster.FoundersToSeal, roster.SealedAtSeq, roster.HeadHash);
}
