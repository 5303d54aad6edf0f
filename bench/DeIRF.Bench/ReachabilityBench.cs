using System.Diagnostics;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Quorum;
using DeIRF.Swarm;
using DeIRF.Workspaces;

/// <summary>
/// Issue 25: quorum reachability for 200 responders (four time zones, weekday hours, a few on call) × 50 rules, beside
/// the bare matcher in the same run: QuorumGroup.Fill of every rule over all 200 people at once, no clock. The ratio
/// is what being time-aware costs: availability per person, and the earliest time found by trying shift starts.
/// </summary>
internal static class ReachabilityBench
{
    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        const int people = 200, ruleCount = 50;
        var ws = Workspace.Initialize(Path.Combine(work, "reachability"));
        var options = new JournalAppendOptions { Durable = false };
        var roster = Roster.Load(ws);
        var zones = new[] { "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney" };
        var roles = Enum.GetValues<ResponderRole>();
        for (int i = 0; i < people; i++)
        {
            var handle = $"r{i:D3}";
            BenchTeam.AddResponder(ws, roster, handle, roles[i % roles.Length], options);
            roster.SetAvailability(handle, zones[i % zones.Length], WorkingHours.Parse("09:00-17:00"), WorkingHours.Weekdays, onCall: i % 50 == 0, handle, options);
        }
        roster = Roster.Load(ws);
        // 50 rules of growing demand: n of one role, then n of one role AND m of another.
        var rules = Enumerable.Range(0, ruleCount).Select(i => new QuorumRule
        {
            Action = $"bench.rule{i:D2}",
            Require = i % 2 == 0
                ? QuorumGroup.Of(2 + i % 7, roles[i % roles.Length])
                : QuorumGroup.AllOf(QuorumGroup.Of(1 + i % 5, roles[i % roles.Length]), QuorumGroup.Of(1 + i % 3, roles[(i + 2) % roles.Length])),
        }).ToList();
        var rolesOf = Reachability.RosterRoles(roster);
        // Saturday 12 December 2026, 12:00 UTC: only the on-call people are reachable, so most rules search ahead.
        var at = new DateTimeOffset(2026, 12, 12, 12, 0, 0, TimeSpan.Zero);
        var results = rules.Select(r => Reachability.Compute(roster, r, r.Action, rolesOf, [], null, at, Reachability.DefaultHorizon, string.Empty, string.Empty, null, [])).ToList();
        var searched = results.Count(r => !r.IsReachableNow);
        if (searched < ruleCount / 2 || results.Any(r => r.EarliestAt is null))
        {
            throw new InvalidOperationException($"reachability benchmark: expected most rules unreachable on Saturday ({searched} were) and every one reachable within the week");
        }
        var everyone = roster.Responders.Select(r => rolesOf(r.Handle)).ToList();
        double reach = Median(5, () =>
        {
            foreach (var r in rules)
            {
                Reachability.Compute(roster, r, r.Action, rolesOf, [], null, at, Reachability.DefaultHorizon, string.Empty, string.Empty, null, []);
            }
        });
        double bare = Median(5, () =>
        {
            foreach (var r in rules)
            {
                r.Require.Fill(everyone);
            }
        });
        var policy = new QuorumPolicy { Rules = rules };
        double week = Median(3, () => Reachability.WeeklyGaps(roster, policy, at));
        Console.Error.WriteLine($"reachability: {reach * 1000:F1} ms for {ruleCount} rules, bare Fill {bare * 1000:F2} ms, weekly gaps {week * 1000:F0} ms");
        return
        [
            ($"Quorum reachability, {people} responders × {ruleCount} rules on a Saturday ({searched} not reachable then: earliest time searched over 7 days)", $"{reach * 1000:F1} ms",
                $"bare QuorumGroup.Fill of the {ruleCount} rules over all {people}: {bare * 1000:F2} ms", $"{reach / bare:F0}×", "< 2 s"),
            ($"Readiness 'Quorum reachable around the clock': {ruleCount} rules × 168 hourly samples, {people} responders", $"{week * 1000:F0} ms",
                $"bare QuorumGroup.Fill of the {ruleCount} rules over all {people}: {bare * 1000:F2} ms", $"{week / bare:F0}×", "< 10 s"),
        ];
    }

    private static double Median(int runs, Action op)
    {
        op();
        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            op();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[runs / 2];
    }
}
