using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Incidents;

/// <summary>
/// An incident as its journal tells it: a fold over the entries, so every replica of the journal shows the same.
/// </summary>
public sealed class Incident
{
    public string Id { get; private init; } = string.Empty;

    /// <summary>The id again, for cmdlets whose -Id means something else (Get-DeirfProposal -IncidentId binds from it).</summary>
    public string IncidentId => Id;
    public string Title { get; private set; } = string.Empty;
    public string State { get; private set; } = "Open";
    public string Reporter { get; private set; } = string.Empty;
    public DateTimeOffset Opened { get; private set; }
    public DateTimeOffset LastActivity { get; private set; }
    public bool IsDrill { get; private set; }
    public IReadOnlyList<string> Tags { get; private set; } = [];
    public long EntryCount { get; private set; }

    /// <summary>Sequence number and hash of the newest entry folded in: the head a responder compares with a copy.</summary>
    public long HeadSeq { get; private set; }
    public string HeadHash { get; private set; } = string.Empty;

    /// <summary>P1..P4 from the latest severity.set; empty until severity is set.</summary>
    public string Severity { get; private set; } = string.Empty;
    public string Impact { get; private set; } = string.Empty;
    public string Urgency { get; private set; } = string.Empty;

    /// <summary>When the incident was closed (the latest incident.closed), and the resolution given.</summary>
    public DateTimeOffset? Closed { get; private set; }
    public string Resolution { get; private set; } = string.Empty;

    /// <summary>The retrospective is due <see cref="RetroWindow"/> after closing (seed section 7).</summary>
    public DateTimeOffset? RetroDue => Closed + RetroWindow;
    public static readonly TimeSpan RetroWindow = TimeSpan.FromHours(72);

    /// <summary>Who holds which role (seed section 2): role name → handles, in the order granted. Several people may share a role.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Roles => _roles.Where(kv => kv.Value.Count > 0)
        .OrderBy(kv => Enum.TryParse<Identity.ResponderRole>(kv.Key, out var r) ? (int)r : int.MaxValue)
        .ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.ToArray(), StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _roles = new(StringComparer.Ordinal);

    /// <summary>The role names <paramref name="handle"/> holds in this incident now (a checkpoint cosigner's roles).</summary>
    public IReadOnlySet<string> RolesOf(string handle)
        => _roles.Where(kv => kv.Value.Contains(handle)).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>The roles as one readable line: "TriageLead: bob, carol; CommsLead: dana".</summary>
    public string RolesText => string.Join("; ", Roles.Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}"));

    public bool HoldsRole(string role, string handle) => _roles.TryGetValue(role, out var h) && h.Contains(handle, StringComparer.Ordinal);

    private readonly List<(long Seq, string Reason)> _refusedGrants = [];

    /// <summary>Role grants and revocations journaled by someone without the right: they changed nothing.</summary>
    public IReadOnlyList<(long Seq, string Reason)> RefusedGrants => _refusedGrants;

    /// <summary>The actor of incident.opened: they act as Triage Lead until one is named.</summary>
    public string Opener { get; private set; } = string.Empty;

    /// <summary>
    /// Who may grant or take incident roles: the responder who opened the incident (its commander until they hand
    /// over), a current Triage Lead of it, or anyone taking Triage Lead for themselves while nobody holds it. Null when
    /// <paramref name="actor"/> may; else why not.
    /// </summary>
    public string? MayGrant(string actor, string? role = null, string? grantee = null)
    {
        var leads = _roles.TryGetValue(nameof(Identity.ResponderRole.TriageLead), out var l) ? l : [];
        if (actor == Opener || leads.Contains(actor, StringComparer.Ordinal))
        {
            return null;
        }
        if (leads.Count == 0 && role == nameof(Identity.ResponderRole.TriageLead) && grantee == actor)
        {
            return null; // picking up triage while nobody has it
        }
        return $"'{actor}' neither opened {Id} ({Opener} did) nor is a Triage Lead of it{(leads.Count == 0 ? string.Empty : " (" + string.Join(", ", leads) + " is)")}: only they grant and take roles";
    }

    /// <summary>T-minus deadlines from deadline.set entries: name → due (UTC); a later entry with the same name moves it.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Deadlines => _deadlines;
    private readonly Dictionary<string, DateTimeOffset> _deadlines = new(StringComparer.Ordinal);

    /// <summary>When triage first happened: the first TriageLead grant or severity.set (null until then).</summary>
    public DateTimeOffset? TriagedAt { get; private set; }

    /// <summary>When a Triage Lead was first assigned (the first role.granted of TriageLead): where MTTA stops.</summary>
    public DateTimeOffset? TriageLeadAt { get; private set; }

    /// <summary>When the first quorum-approved containment was applied and read back (verified).</summary>
    public DateTimeOffset? ContainedAt { get; private set; }

    /// <summary>The alert the incident was opened from, when it was: source, event time, SHA-256 of its original bytes.</summary>
    public string? AlertSource { get; private set; }
    public DateTimeOffset? AlertTime { get; private set; }
    public string? AlertSha256 { get; private set; }
    public string? AlertPath { get; private set; }

    /// <summary>The opening alert's fingerprint (Alertmanager, Grafana, Forta): later alerts with it add to this incident.</summary>
    public string? AlertFingerprint { get; private set; }

    /// <summary>What the opening alert is about, when the sender named it (Falco's namespace/pod).</summary>
    public string? AlertTarget { get; private set; }

    /// <summary>firing, or resolved once the sender said so (alert.received); null for an incident opened by hand.</summary>
    public string? AlertStatus { get; private set; }

    /// <summary>Every alert episode recorded: "firing|time" and "resolved|time" (time in journal form), so one is recorded once.</summary>
    public IReadOnlySet<string> AlertEpisodes => _alertEpisodes;
    private readonly HashSet<string> _alertEpisodes = new(StringComparer.Ordinal);

    /// <summary>The tracker ticket (GitHub security advisory or GitLab confidential issue) from the latest delivered advisory.create / issue.create.</summary>
    public string? TrackerUrl { get; private set; }

    /// <summary>github or gitlab, with <see cref="TrackerUrl"/>.</summary>
    public string? Tracker { get; private set; }

    /// <summary>The incident's Matrix room (latest delivered room.create) and its homeserver (scheme://host[:port]).</summary>
    public string? ChatRoom { get; private set; }
    public string? ChatHomeserver { get; private set; }
    public string? ChatRoomName { get; private set; }

    /// <summary>First comms: the first delivered message.send on any channel (the first-comms deadline is met by it).</summary>
    public DateTimeOffset? FirstCommsAt { get; private set; }

    /// <summary>Delivered posts (message.send) on any channel: update templates number the next one.</summary>
    public int DeliveredUpdates { get; private set; }
    private readonly HashSet<string> _posts = new(StringComparer.Ordinal);

    /// <summary>Reporter rewards decided (reward.recorded entries), in journal order. A record of the decision, not a payment.</summary>
    public IReadOnlyList<Reward> Rewards => _rewards;
    private readonly List<Reward> _rewards = [];

    /// <summary>The rewards as one readable line: "500 USDC to alice; 50 USD to bob".</summary>
    public string RewardsText => string.Join("; ", _rewards.Select(r => r.ToString()));

    /// <summary>When the retrospective was first written (retro.written): meets the "retrospective" deadline.</summary>
    public DateTimeOffset? RetroWrittenAt { get; private set; }

    /// <summary>Files captured as evidence (evidence.added entries).</summary>
    public int EvidenceCount { get; private set; }

    /// <summary>Outbound calls that failed (integration.call with outcome failed): a failed post is never silent.</summary>
    public int FailedIntegrationCalls { get; private set; }

    /// <summary>The workspace root: lets `Get-DeirfIncident | Test-DeirfJournal` bind -Workspace by property name.</summary>
    public string Workspace { get; private init; } = string.Empty;
    public string JournalPath { get; private init; } = string.Empty;

    public static Incident Load(Workspace ws, string id) => Load(ws, id, ws.JournalOf(id).ReadEntries());

    /// <summary>Folds entries already read from the incident's journal (a report reads them once for several views).</summary>
    public static Incident Load(Workspace ws, string id, IEnumerable<JournalEntry> entries)
    {
        var incident = new Incident { Id = id, Workspace = ws.Root, JournalPath = ws.JournalPathFor(id) };
        foreach (var entry in entries)
        {
            incident.Apply(entry);
        }
        if (incident.AlertSha256 is { Length: 64 } sha && incident.AlertPath is null)
        {
            incident.AlertPath = Evidence.EvidenceStores.LocationOf(ws, sha);
        }
        return incident;
    }

    /// <summary>Folds one entry into the state. Later entry kinds (severity, roles, closure) extend this.</summary>
    public void Apply(JournalEntry entry)
    {
        EntryCount++;
        LastActivity = entry.Timestamp;
        HeadSeq = entry.Seq;
        HeadHash = entry.Hash;
        switch (entry.Kind)
        {
            case IncidentOpened.KindName:
                // A journal can come from anyone's replica (sync): what it says is shown as one printable line.
                Title = Canonical.OutsideText.Line(EntryKinds.Text(entry.Body, "title"));
                Reporter = EntryKinds.Text(entry.Body, "reporter");
                Opener = entry.Actor;
                Opened = entry.Timestamp;
                IsDrill = entry.Body.TryGetValue("drill", out var d) && d is true;
                Tags = entry.Body.TryGetValue("tags", out var t) && t is object?[] arr ? arr.Select(x => Canonical.OutsideText.Line(x?.ToString(), 64)).ToArray() : [];
                State = "Open";
                if (entry.Body.TryGetValue("alert", out var a) && a is IReadOnlyDictionary<string, object?> alert)
                {
                    AlertSource = EntryKinds.Text(alert, "source");
                    AlertTime = DateTimeOffset.TryParse(EntryKinds.Text(alert, "time"), System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime() : null;
                    AlertSha256 = EntryKinds.Text(alert, "sha256");
                    AlertFingerprint = EntryKinds.Text(alert, "fingerprint") is { Length: > 0 } fp ? fp : null;
                    AlertTarget = EntryKinds.Text(alert, "target") is { Length: > 0 } tg ? Canonical.OutsideText.Line(tg, 512) : null;
                    AlertStatus = Alerts.Alert.Firing;
                    _alertEpisodes.Add($"{Alerts.Alert.Firing}|{EntryKinds.Text(alert, "time")}");
                    // Journals written before the alert moved into the evidence store kept it beside the journal, under
                    // the one name DeIRF gave it. A journal can arrive by sync: any other "file" (a path, "..") is ignored,
                    // so AlertPath never points outside the incident's folder.
                    if (JournalPath.Length > 0 && EntryKinds.Text(alert, "file") is { Length: > 0 } file
                        && AlertSha256 is { Length: 64 } && file == Workspaces.Workspace.AlertFileName(AlertSha256))
                    {
                        AlertPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(JournalPath)!, file);
                    }
                }
                break;
            case AlertReceived.KindName:
                AlertStatus = EntryKinds.Text(entry.Body, "status");
                _alertEpisodes.Add($"{AlertStatus}|{EntryKinds.Text(entry.Body, "time")}");
                break;
            case SeveritySet.KindName:
                Severity = EntryKinds.Text(entry.Body, "severity");
                Impact = EntryKinds.Text(entry.Body, "impact");
                Urgency = EntryKinds.Text(entry.Body, "urgency");
                TriagedAt ??= entry.Timestamp;
                break;
            case RoleGranted.KindName:
            {
                var role = EntryKinds.Text(entry.Body, "role");
                var who = EntryKinds.Text(entry.Body, "responder");
                if (MayGrant(entry.Actor, role, who) is { } refusal)
                {
                    _refusedGrants.Add((entry.Seq, refusal));
                    break; // a grant by someone without the right is journaled but grants nothing
                }
                if (!_roles.TryGetValue(role, out var holders))
                {
                    _roles[role] = holders = [];
                }
                if (!holders.Contains(who, StringComparer.Ordinal))
                {
                    holders.Add(who);
                }
                if (role == nameof(Identity.ResponderRole.TriageLead))
                {
                    TriagedAt ??= entry.Timestamp;
                    TriageLeadAt ??= entry.Timestamp;
                }
                break;
            }
            case RoleRevoked.KindName:
                if (MayGrant(entry.Actor) is { } revokeRefusal && entry.Actor != EntryKinds.Text(entry.Body, "responder"))
                {
                    _refusedGrants.Add((entry.Seq, revokeRefusal));
                    break; // stepping down from a role is always allowed; taking one from someone else is not
                }
                if (_roles.TryGetValue(EntryKinds.Text(entry.Body, "role"), out var held))
                {
                    held.Remove(EntryKinds.Text(entry.Body, "responder"));
                }
                break;
            case DeadlineSet.KindName:
                if (DeadlineSet.TryParseDue(EntryKinds.Text(entry.Body, "due"), out var due))
                {
                    _deadlines[EntryKinds.Text(entry.Body, "name")] = due;
                }
                break;
            case EvidenceAdded.KindName:
                EvidenceCount++;
                break;
            case IntegrationCall.KindName:
            {
                if (EntryKinds.Text(entry.Body, "outcome") != "delivered")
                {
                    FailedIntegrationCalls++;
                    break;
                }
                var reference = EntryKinds.Text(entry.Body, "reference");
                switch (EntryKinds.Text(entry.Body, "operation"))
                {
                    case IntegrationCall.AdvisoryCreate or IntegrationCall.IssueCreate when reference.Length > 0:
                        TrackerUrl = reference;
                        Tracker = EntryKinds.Text(entry.Body, "integration");
                        break;
                    case IntegrationCall.RoomCreate when reference.Length > 0 && EntryKinds.Text(entry.Body, "integration") == "matrix":
                        ChatRoom = reference;
                        ChatHomeserver = EntryKinds.Text(entry.Body, "endpoint") is { Length: > 0 } hs ? hs : null;
                        ChatRoomName = EntryKinds.Text(entry.Body, "target") is { Length: > 0 } rn ? rn : null;
                        break;
                    case IntegrationCall.MessageSend:
                        FirstCommsAt ??= entry.Timestamp;
                        // A re-run of the same post is deduplicated by the service (same event back): count it once.
                        var key = EntryKinds.Text(entry.Body, "integration") + "|" + (reference.Length > 0 ? reference : EntryKinds.Text(entry.Body, "transaction_id"));
                        if (key.EndsWith('|') || _posts.Add(key))
                        {
                            DeliveredUpdates++;
                        }
                        break;
                }
                break;
            }
            case ContainmentApplied.KindName:
                if (entry.Body.TryGetValue("verified", out var verified) && verified is true)
                {
                    ContainedAt ??= entry.Timestamp;
                }
                break;
            case RewardRecorded.KindName:
                _rewards.Add(new Reward
                {
                    Incident = entry.Incident, Seq = entry.Seq, Time = entry.Timestamp, DecidedBy = entry.Actor,
                    Reporter = EntryKinds.Text(entry.Body, "reporter"), Amount = EntryKinds.Text(entry.Body, "amount"),
                    Currency = EntryKinds.Text(entry.Body, "currency"), Reason = EntryKinds.Text(entry.Body, "reason"),
                });
                break;
            case RetroWritten.KindName:
                RetroWrittenAt ??= entry.Timestamp;
                break;
            case IncidentClosed.KindName:
                // Notes may follow a close; the incident stays closed and the retro clock runs from the close.
                State = "Closed";
                Closed = entry.Timestamp;
                Resolution = EntryKinds.Text(entry.Body, "resolution");
                break;
        }
    }

    public override string ToString() => $"{Id} [{State}] {Title}";
}

/// <summary>A reporter reward as recorded in the journal (reward.recorded): the decision, never a payment.</summary>
public sealed class Reward
{
    public string Incident { get; init; } = string.Empty;
    public long Seq { get; init; }
    public DateTimeOffset Time { get; init; }
    public string Reporter { get; init; } = string.Empty;

    /// <summary>The amount exactly as journaled (a decimal string: no float rounding).</summary>
    public string Amount { get; init; } = string.Empty;
    public string Currency { get; init; } = string.Empty;
    public string Reason { get; init; } = string.Empty;

    /// <summary>The responder who recorded the decision (the entry's actor).</summary>
    public string DecidedBy { get; init; } = string.Empty;

    public override string ToString() => $"{Amount} {Currency} to {Reporter}";
}
