using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Providers.Dns.Tests;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using static BenchTeam;

/// <summary>
/// Issue 6's benchmark: the time from the last quorum signature to the applied, verified DNS change against a real
/// BIND 9 named, beside a bare `nsupdate -k` + `dig` of the same change in the same run.
///
/// Each iteration makes a fresh dns.reroute proposal (default policy: 2 of ContainmentLead/TriageLead, evidence
/// first), bob signs it, the provider plans it (the plan the signers and the -WhatIf looked at), and carol's did:key
/// signature over the payload is made (on "her machine", untimed). Timed: QuorumGate.Sign of carol's signature (judged
/// under the journal lock, one durable entry), then ContainmentRunner.ExecuteAsync: consumption under the lock (digest
/// recomputed, verdict re-judged, one durable entry), the provider's one signed UPDATE pinned to the plan, the
/// A/AAAA/CNAME read-back, and the durable containment.applied entry. A second figure also plans inside the window, as
/// Invoke-DeirfContainment does when it runs right after the last signature. The name is put back (untimed) after
/// every timed run; the journal grows by ~6 entries an iteration, as a real incident's would.
/// </summary>
internal static class ContainmentBench
{
    private const int Warmup = 2;
    private const int Iterations = 15;
    private const string Safe = "198.51.100.77";
    private const string Target = "quorum.example.test.";

    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var named = BindServer.FindNamed();
        var nsupdate = BindServer.FindTool("nsupdate");
        var dig = BindServer.FindTool("dig");
        if (named is null || nsupdate is null || dig is null)
        {
            Console.Error.WriteLine("containment: named, nsupdate or dig missing (apt-get install bind9 bind9-dnsutils): rows skipped");
            return new[] { ("Last signature → verified DNS change", "skipped: named/nsupdate/dig not installed", "—", "—", "—") };
        }

        using var bind = BindServer.Start(named, "example.test.", new[]
        {
            "quorum 300 IN A 192.0.2.1", "quorum 300 IN AAAA 2001:db8::1",
            "qshell 300 IN A 192.0.2.1", "qshell 300 IN AAAA 2001:db8::1",
        });
        var options = new JournalAppendOptions(); // durable (fsync per entry), as the cmdlets append
        var (ws, inc, carolSeed) = Create(Path.Combine(work, "containment"), "containment benchmark", Target, options);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["server"] = bind.Server, ["zone"] = bind.Zone, ["safeTarget"] = Safe, ["ttl"] = "60", ["tsigKeyName"] = bind.KeyName,
        };
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal) { ["tsigSecret"] = bind.SecretBase64 };
        var provider = ContainmentProviders.Find(DeIRF.Providers.Dns.DnsProvider.RerouteAction);
        var signer = Signatures.SignerFor(ProofKind.DidKey);
        var bobSeed = carolSeed.Bob;

        var lastToVerified = new List<double>();
        var signOnly = new List<double>();
        var withPlan = new List<double>();
        var shell = new List<double>();
        for (int i = 0; i < Warmup + Iterations; i++)
        {
            // Signatures made away from DeIRF (untimed): the first counts before, the last one starts the clock.
            (Proposal P, string LastSig) Approved()
            {
                var p = QuorumGate.Propose(ws, inc, DeIRF.Providers.Dns.DnsProvider.RerouteAction, Target, parameters, "bob", null, null, options);
                QuorumGate.Sign(ws, inc, p.Id, "bob", SignWith(signer, bobSeed, p), null, "bob", options);
                return (p, SignWith(signer, carolSeed.Carol, p));
            }

            // (a) The plan already made: last signature, then ExecuteAsync.
            var (p1, sig1) = Approved();
            var request1 = ContainmentRunner.RequestFor(ws, p1, "bob", secrets, options);
            provider.PlanAsync(request1, CancellationToken.None).GetAwaiter().GetResult();
            Settle();
            var sw = Stopwatch.StartNew();
            QuorumGate.Sign(ws, inc, p1.Id, "carol", sig1, null, "carol", options);
            double signed = sw.Elapsed.TotalSeconds;
            var record = ContainmentRunner.ExecuteAsync(ws, p1, request1, "bob", options, null, CancellationToken.None).GetAwaiter().GetResult();
            double total = sw.Elapsed.TotalSeconds;
            Check(record.Verified && record.Outcome == "Applied", "reroute did not verify: " + record.Message);
            Restore(provider, request1, record);

            // (b) As Invoke-DeirfContainment right after the last signature: plan, consume, apply, verify, journal.
            var (p2, sig2) = Approved();
            var request2 = ContainmentRunner.RequestFor(ws, p2, "bob", secrets, options);
            Settle();
            sw.Restart();
            QuorumGate.Sign(ws, inc, p2.Id, "carol", sig2, null, "carol", options);
            provider.PlanAsync(request2, CancellationToken.None).GetAwaiter().GetResult();
            var record2 = ContainmentRunner.ExecuteAsync(ws, p2, request2, "bob", options, null, CancellationToken.None).GetAwaiter().GetResult();
            double planned = sw.Elapsed.TotalSeconds;
            Check(record2.Verified, "reroute (with plan) did not verify: " + record2.Message);
            Restore(provider, request2, record2);

            // The shell runbook: nsupdate -k of the same change, then dig to read it back.
            Settle();
            sw.Restart();
            DnsBench.Tool(nsupdate, new[] { "-k", bind.KeyFile },
                $"server 127.0.0.1 {bind.Port}\nzone example.test.\nupdate delete qshell.example.test. A\nupdate delete qshell.example.test. AAAA\n"
                + $"update add qshell.example.test. 60 A {Safe}\nsend\n");
            var readBack = DnsBench.Tool(dig, new[] { "@127.0.0.1", "-p", bind.Port.ToString(CultureInfo.InvariantCulture), "+short", "+norecurse", "qshell.example.test.", "A" }, null);
            double bare = sw.Elapsed.TotalSeconds;
            Check(readBack.Trim() == Safe, $"dig read back '{readBack.Trim()}'");
            DnsBench.Tool(nsupdate, new[] { "-k", bind.KeyFile },
                $"server 127.0.0.1 {bind.Port}\nzone example.test.\nupdate delete qshell.example.test. A\n"
                + "update add qshell.example.test. 300 A 192.0.2.1\nupdate add qshell.example.test. 300 AAAA 2001:db8::1\nsend\n");

            if (i >= Warmup)
            {
                lastToVerified.Add(total);
                signOnly.Add(signed);
                withPlan.Add(planned);
                shell.Add(bare);
            }
        }
        var verdict = ws.JournalOf(inc).Verify();
        Check(verdict.IsValid, "benchmark incident journal did not verify: " + verdict);

        double totalMs = MedianOf(lastToVerified) * 1000, signMs = MedianOf(signOnly) * 1000, planMs = MedianOf(withPlan) * 1000, shellMs = MedianOf(shell) * 1000;
        Console.Error.WriteLine($"containment: last signature → verified {totalMs:F1} ms (signature {signMs:F1} ms), with plan {planMs:F1} ms, nsupdate+dig {shellMs:F1} ms (medians of {Iterations})");
        return new[]
        {
            ($"Last quorum signature → applied, verified DNS change (Sign + ContainmentRunner.ExecuteAsync, BIND 9; median of {Iterations}, fresh proposal each)",
                $"{totalMs:F1} ms (signature row {signMs:F1} ms)", $"`nsupdate -k` + `dig` of the same change: {shellMs:F1} ms",
                $"{totalMs / shellMs:F2}× the shell's time", "—"),
            ($"… with the plan inside the window (as Invoke-DeirfContainment right after the last signature; median of {Iterations})",
                $"{planMs:F1} ms", $"`nsupdate -k` + `dig`: {shellMs:F1} ms", $"{planMs / shellMs:F2}× the shell's time", "—"),
        };
    }

    /// <summary>Puts the records back through the provider (untimed, not journaled: only the name matters here).</summary>
    private static void Restore(IContainmentProvider provider, ContainmentRequest request, ContainmentRecord applied)
    {
        var undo = provider.UndoAsync(request, (JsonObject)JsonNode.Parse(applied.UndoState)!, CancellationToken.None).GetAwaiter().GetResult();
        Check(undo.Verified, "restore did not verify: " + undo.Message);
    }

    /// <summary>Lets named finish writing its journal and the last child process exit before the next timed step.</summary>
    private static void Settle() => Thread.Sleep(50);

}
