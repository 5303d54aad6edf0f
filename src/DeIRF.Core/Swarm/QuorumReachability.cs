using DeIRF.Identity;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Swarm;

/// <summary>One responder as reachability sees them: could they sign, now or later?</summary>
public sealed class ReachabilityCandidate
{
    public string Handle { get; init; } = string.Empty;

    /// <summary>The roles that count for them (incident roles the roster lets them hold; roster roles when no incident).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
    public bool IsEligible { get; init; }
    public bool IsAvailable { get; init; }

    /// <summary>Already counted for the proposal (their signature is in).</summary>
    public bool HasSigned { get; init; }

    /// <summary>Could sign at the time asked: counted already, or eligible, holding a role that counts, reachable, and not barred from self-approval.</summary>
    public bool CouldSign { get; init; }

    /// <summary>When they can next be reached (null: now, or not within the horizon).</summary>
    public DateTimeOffset? AvailableFrom { get; init; }

    /// <summary>Their local time at the time asked ("Tue 22:15 Europe/Berlin"), when they declared a zone.</summary>
    public string LocalTime { get; init; } = string.Empty;

    /// <summary>Why not, in a few words (empty when they could sign).</summary>
    public string Reason { get; init; } = string.Empty;

    public override string ToString() => $"{Handle}: {(CouldSign ? "could sign" : Reason)}";
}

/// <summary>
/// Can the quorum an action needs be reached at a given time, with the people who could sign then (eligible by the
/// policy, holding a role that counts, reachable by their declared hours or on call, proofs valid)? If not: the
/// earliest time it can (within the horizon) and who is missing. Signers are taken as reachable at one instant.
/// </summary>
public sealed class QuorumReachability
{
    public string Incident { get; init; } = string.Empty;
    public string ProposalId { get; init; } = string.Empty;
    public string Action { get; init; } = string.Empty;
    public string Rule { get; init; } = string.Empty;
    public string Require { get; init; } = string.Empty;
    public DateTimeOffset At { get; init; }
    public bool IsReachableNow { get; init; }

    /// <summary>Who could sign at <see cref="At"/> (counted signers included).</summary>
    public IReadOnlyList<string> CouldSign { get; init; } = [];

    /// <summary>Already counted for the proposal.</summary>
    public IReadOnlyList<string> Signed { get; init; } = [];

    /// <summary>What the quorum lacks at <see cref="At"/>: each group and how many more, with who could fill it later.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>The first time the quorum can be met (equal to <see cref="At"/> when reachable now; null when not within <see cref="Horizon"/>).</summary>
    public DateTimeOffset? EarliestAt { get; init; }

    /// <summary>Who becomes reachable by <see cref="EarliestAt"/> and is needed then.</summary>
    public IReadOnlyList<string> WaitingFor { get; init; } = [];
    public TimeSpan Horizon { get; init; }

    /// <summary>For a proposal: when it expires, and whether the quorum is reachable before that.</summary>
    public DateTimeOffset? Expires { get; init; }
    public bool? ReachableBeforeExpiry => Expires is { } e ? EarliestAt is { } at && at <= e : null;

    /// <summary>What else the rule needs that people's hours do not decide (manual approval, evidence first).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public IReadOnlyList<ReachabilityCandidate> Candidates { get; init; } = [];

    public override string ToString() => IsReachableNow
        ? $"{Action}: reachable now ({string.Join(", ", CouldSign)})"
        : $"{Action}: not reachable at {At:u}; earliest {(EarliestAt is { } e ? e.ToString("u") : "not within " + Horizon.TotalDays + " days")}";
}

/// <summary>Computes <see cref="QuorumReachability"/> with the quorum's own matcher (<see cref="QuorumGroup.Fill"/>).</summary>
public static class Reachability
{
    public static readonly TimeSpan DefaultHorizon = TimeSpan.FromDays(7);

    /// <summary>For an existing proposal: its counted signatures stand; the rest must come from people reachable at once.</summary>
    public static QuorumReachability ForProposal(Workspace ws, string incident, string proposalId, DateTimeOffset at, TimeSpan? horizon = null)
    {
        var verdict = QuorumGate.Judge(ws, incident, proposalId, new FixedClock(at));
        var roster = Roster.Load(ws);
        var policy = QuorumPolicy.Load(ws, roster);
        var rolesOf = RolesIn(ws, incident, roster);
        var proposal = QuorumGate.GetProposal(ws, incident, verdict.ProposalId);
        return Compute(roster, policy.RuleFor(verdict.Action), verdict.Action, rolesOf, verdict.Persons, proposal.Proposer, at, horizon ?? DefaultHorizon,
            incident, verdict.ProposalId, verdict.Expires, NotesOf(verdict.Rule, verdict.Blockers.Any(b => b.Blocker == QuorumBlocker.EvidenceMissing)));
    }

    /// <summary>Before proposing: for an action, in an incident (its roles count) or, with no incident, by roster roles.</summary>
    public static QuorumReachability ForAction(Workspace ws, string? incident, string action, DateTimeOffset at, string? proposer = null, TimeSpan? horizon = null)
    {
        var roster = Roster.Load(ws);
        var policy = QuorumPolicy.Load(ws, roster);
        var rolesOf = incident is null ? RosterRoles(roster) : RolesIn(ws, incident, roster);
        var rule = policy.RuleFor(action);
        return Compute(roster, rule, action, rolesOf, [], proposer, at, horizon ?? DefaultHorizon, incident ?? string.Empty, string.Empty, null, NotesOf(rule, rule.EvidenceRequired));
    }

    private static List<string> NotesOf(QuorumRule rule, bool evidence)
    {
        var notes = new List<string>();
        if (rule.ManualApproval)
        {
            notes.Add($"rule '{rule.Action}' also needs a manual approval (Approve-DeirfProposal)");
        }
        if (evidence)
        {
            notes.Add($"rule '{rule.Action}' needs evidence first (Add-DeirfEvidence -Target)");
        }
        return notes;
    }

    /// <summary>Roster roles only (before an incident, and for the roster's own proposals).</summary>
    internal static Func<string, IReadOnlySet<string>> RosterRoles(Roster roster)
        => h => (roster.Find(h)?.Roles.Select(r => r.ToString()) ?? []).ToHashSet(StringComparer.Ordinal);

    /// <summary>The incident roles a responder holds that the roster lets them hold, as the verdict counts them.</summary>
    internal static Func<string, IReadOnlySet<string>> RolesIn(Workspace ws, string incident, Roster roster)
    {
        if (incident == Roster.JournalId)
        {
            return RosterRoles(roster);
        }
        var inc = ws.GetIncident(incident);
        return h => Enum.GetNames<ResponderRole>()
            .Where(r => inc.HoldsRole(r, h) && roster.Find(h)?.Roles.Contains(Enum.Parse<ResponderRole>(r)) == true)
            .ToHashSet(StringComparer.Ordinal);
    }

    internal static QuorumReachability Compute(Roster roster, QuorumRule rule, string action, Func<string, IReadOnlySet<string>> rolesOf,
        IReadOnlyList<string> signed, string? proposer, DateTimeOffset at, TimeSpan horizon, string incident, string proposalId, DateTimeOffset? expires,
        IReadOnlyList<string> notes)
    {
        var mentioned = rule.Require.MentionedRoles();
        var signedSet = signed.ToHashSet(StringComparer.Ordinal);
        var people = roster.Responders.OrderBy(r => r.Handle, StringComparer.Ordinal).Select(r => (Responder: r, Roles: rolesOf(r.Handle))).ToList();

        // Who could ever count: signed already, or eligible, with a role that counts, and not the proposer where the rule bars self-approval.
        string? Bar((Responder Responder, IReadOnlySet<string> Roles) p)
        {
            if (signedSet.Contains(p.Responder.Handle))
            {
                return null;
            }
            if (!p.Responder.Eligible)
            {
                return $"not eligible: {p.Responder.ProofKinds.Count} kind(s) of active proof, {Roster.MinimumProofKinds} needed";
            }
            if (mentioned is not null && !p.Roles.Any(r => mentioned.Contains(Enum.Parse<ResponderRole>(r))))
            {
                return $"holds no role that counts ({string.Join("/", mentioned)}){(incident.Length > 0 && incident != Roster.JournalId ? " in " + incident : string.Empty)}";
            }
            if (!rule.SelfApproval && p.Responder.Handle == proposer)
            {
                return "proposed it; the rule forbids self-approval";
            }
            return null;
        }
        var relevant = people.Where(p => Bar(p) is null).ToList();

        List<IReadOnlySet<string>> PoolAt(DateTimeOffset t, List<string>? handles = null)
        {
            var pool = new List<IReadOnlySet<string>>();
            foreach (var p in relevant)
            {
                if (signedSet.Contains(p.Responder.Handle) || p.Responder.IsAvailableAt(t))
                {
                    pool.Add(p.Roles);
                    handles?.Add(p.Responder.Handle);
                }
            }
            return pool;
        }

        var nowHandles = new List<string>();
        var (filledNow, missingNow) = rule.Require.Fill(PoolAt(at, nowHandles));
        DateTimeOffset? earliest = filledNow ? at : null;
        var waiting = new List<string>();
        if (!filledNow)
        {
            // The set of reachable people only grows at the start of someone's shift: try those instants in order.
            foreach (var t in relevant.Where(p => p.Responder.Availability is not null)
                         .SelectMany(p => p.Responder.Availability!.ShiftStarts(at, horizon)).Distinct().Order())
            {
                var then = new List<string>();
                if (rule.Require.Fill(PoolAt(t, then)).Filled)
                {
                    earliest = t;
                    waiting = then.Except(nowHandles, StringComparer.Ordinal).ToList();
                    break;
                }
            }
        }

        var candidates = people.Select(p =>
        {
            var bar = Bar(p);
            var available = p.Responder.IsAvailableAt(at);
            var hasSigned = signedSet.Contains(p.Responder.Handle);
            var could = bar is null && (hasSigned || available);
            return new ReachabilityCandidate
            {
                Handle = p.Responder.Handle, Roles = p.Roles.Order(StringComparer.Ordinal).ToArray(), IsEligible = p.Responder.Eligible, IsAvailable = available,
                HasSigned = hasSigned, CouldSign = could,
                AvailableFrom = available ? null : p.Responder.Availability?.NextAvailableFrom(at, horizon),
                LocalTime = p.Responder.Availability?.LocalTime(at) ?? string.Empty,
                Reason = could ? string.Empty : bar ?? $"off hours ({p.Responder.Availability?.LocalTime(at)}, works {p.Responder.Availability})",
            };
        }).ToList();

        var missing = missingNow.Select(m =>
        {
            var later = candidates.Where(c => !c.CouldSign && c.AvailableFrom is not null && Bar(people.First(p => p.Responder.Handle == c.Handle)) is null
                    && (m.Leaf.Roles.Count == 0 || m.Leaf.Roles.Any(r => c.Roles.Contains(r.ToString()))))
                .OrderBy(c => c.AvailableFrom).Select(c => $"{c.Handle} from {c.AvailableFrom:yyyy-MM-dd HH:mm}Z").ToList();
            return $"{m.Short} more of {(m.Leaf.Roles.Count == 0 ? "any eligible responder" : string.Join("/", m.Leaf.Roles))}"
                + (later.Count > 0 ? $" (reachable later: {string.Join(", ", later)})" : " (nobody who could sign becomes reachable)");
        }).ToList();

        return new QuorumReachability
        {
            Incident = incident, ProposalId = proposalId, Action = action, Rule = rule.Action, Require = rule.RequireText, At = at, IsReachableNow = filledNow,
            CouldSign = candidates.Where(c => c.CouldSign).Select(c => c.Handle).ToArray(), Signed = signed.ToArray(), Missing = missing,
            EarliestAt = earliest, WaitingFor = waiting, Horizon = horizon, Expires = expires, Notes = notes, Candidates = candidates,
        };
    }

    /// <summary>
    /// Over a typical week (168 hourly samples from the Monday 00:00 UTC of <paramref name="weekOf"/>'s week): for each
    /// rule of the policy, by roster roles, the longest stretch (in hours, wrapping at the week's end) when its quorum
    /// cannot be reached.
    /// </summary>
    public static IReadOnlyList<(QuorumRule Rule, int LongestGapHours, int UnreachableHours)> WeeklyGaps(Roster roster, QuorumPolicy policy, DateTimeOffset weekOf)
    {
        var start = new DateTimeOffset(weekOf.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(((int)weekOf.UtcDateTime.DayOfWeek + 6) % 7));
        var rolesOf = RosterRoles(roster);
        var eligible = roster.Responders.Where(r => r.Eligible).Select(r => (Responder: r, Roles: rolesOf(r.Handle))).ToList();
        var result = new List<(QuorumRule, int, int)>();
        foreach (var rule in policy.Rules.DistinctBy(r => r.Action))
        {
            var reachable = new bool[168];
            for (int h = 0; h < 168; h++)
            {
                var t = start.AddHours(h).AddMinutes(30);
                reachable[h] = rule.Require.Fill(eligible.Where(p => p.Responder.IsAvailableAt(t)).Select(p => p.Roles).ToList()).Filled;
            }
            int longest = 0, run = 0;
            for (int h = 0; h < 2 * 168 && longest < 168; h++)
            {
                run = reachable[h % 168] ? 0 : run + 1;
                longest = Math.Max(longest, Math.Min(run, 168));
            }
            result.Add((rule, longest, reachable.Count(r => !r)));
        }
        return result;
    }
}
