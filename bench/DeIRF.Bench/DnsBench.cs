using System.Diagnostics;
using System.Globalization;
using DeIRF.Containment;
using DeIRF.Providers.Dns;
using DeIRF.Providers.Dns.Tests;
using static BenchTeam;

/// <summary>
/// dns.reroute against a real BIND 9 named on loopback, beside what a shell runbook would do in the same run: a bare
/// `nsupdate -k` of the same change (delete the A RRset, add the safe A record, TSIG-signed) followed by one `dig` to
/// read it back. Each side works on a name of its own and is put back (untimed) after every timed run.
/// </summary>
internal static class DnsBench
{
    private const int Warmup = 2;
    private const int Iterations = 15;
    private const string Safe = "198.51.100.99";

    public static IEnumerable<(string, string, string, string, string)> Run()
    {
        var named = BindServer.FindNamed();
        var nsupdate = BindServer.FindTool("nsupdate");
        var dig = BindServer.FindTool("dig");
        if (named is null || nsupdate is null || dig is null)
        {
            Console.Error.WriteLine("dns: named, nsupdate or dig missing (apt-get install bind9 bind9-dnsutils): DNS rows skipped");
            return new[] { ("DNS reroute (dns.reroute vs nsupdate)", "skipped: named/nsupdate/dig not installed", "—", "—", "—") };
        }

        using var bind = BindServer.Start(named, "example.test.", new[]
        {
            "deirf 300 IN A 192.0.2.1", "deirf 300 IN AAAA 2001:db8::1",
            "shell 300 IN A 192.0.2.1", "shell 300 IN AAAA 2001:db8::1",
        });
        var provider = new DnsProvider();
        var request = new ContainmentRequest(DnsProvider.RerouteAction, "deirf.example.test.", new Dictionary<string, string>
        {
            ["server"] = bind.Server,
            ["zone"] = bind.Zone,
            ["safeTarget"] = Safe,
            ["ttl"] = "60",
            ["tsigKeyName"] = bind.KeyName,
        }, secrets: new Dictionary<string, string> { ["tsigSecret"] = bind.SecretBase64 });

        var applyTimes = new List<double>();
        var planApplyTimes = new List<double>();
        var shellTimes = new List<double>();
        for (int i = 0; i < Warmup + Iterations; i++)
        {
            // DeIRF, the plan already made (as when the quorum approved it): apply = one signed UPDATE with
            // prerequisites, then the A/AAAA/CNAME read-back (verify).
            provider.PlanAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            Settle();
            var sw = Stopwatch.StartNew();
            var result = provider.ApplyAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            double apply = sw.Elapsed.TotalSeconds;
            Check(result.Verified, "dns.reroute apply did not verify: " + result.Message);
            Check(provider.UndoAsync(request, result.UndoState, CancellationToken.None).GetAwaiter().GetResult().Verified, "undo did not verify");

            // DeIRF cold: plan (read before state) + apply + verify, nothing remembered.
            Settle();
            sw.Restart();
            provider.PlanAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            result = provider.ApplyAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            double planApply = sw.Elapsed.TotalSeconds;
            Check(result.Verified, "dns.reroute apply did not verify: " + result.Message);
            provider.UndoAsync(request, result.UndoState, CancellationToken.None).GetAwaiter().GetResult();

            // The shell runbook: nsupdate of the same change, then dig to read it back.
            Settle();
            sw.Restart();
            Tool(nsupdate, new[] { "-k", bind.KeyFile },
                $"server 127.0.0.1 {bind.Port}\nzone example.test.\nupdate delete shell.example.test. A\nupdate delete shell.example.test. AAAA\n"
                + $"update add shell.example.test. 60 A {Safe}\nsend\n");
            var readBack = Tool(dig, new[] { "@127.0.0.1", "-p", bind.Port.ToString(CultureInfo.InvariantCulture), "+short", "+norecurse", "shell.example.test.", "A" }, null);
            double shell = sw.Elapsed.TotalSeconds;
            Check(readBack.Trim() == Safe, $"dig read back '{readBack.Trim()}'");
            Tool(nsupdate, new[] { "-k", bind.KeyFile },
                $"server 127.0.0.1 {bind.Port}\nzone example.test.\nupdate delete shell.example.test. A\n"
                + "update add shell.example.test. 300 A 192.0.2.1\nupdate add shell.example.test. 300 AAAA 2001:db8::1\nsend\n");

            if (i >= Warmup)
            {
                applyTimes.Add(apply);
                planApplyTimes.Add(planApply);
                shellTimes.Add(shell);
            }
        }

        double applyMs = MedianOf(applyTimes) * 1000, planApplyMs = MedianOf(planApplyTimes) * 1000, shellMs = MedianOf(shellTimes) * 1000;
        Console.Error.WriteLine($"dns: apply+verify {applyMs:F1} ms, plan+apply+verify {planApplyMs:F1} ms, nsupdate+dig {shellMs:F1} ms (medians of {Iterations})");
        return new[]
        {
            ($"DNS reroute against BIND 9 (apply + verify, plan already made; median of {Iterations})",
                $"{applyMs:F1} ms", $"`nsupdate -k` + `dig` of the same change: {shellMs:F1} ms", $"{shellMs / applyMs:F1}× faster", "—"),
            ($"DNS reroute cold (plan + apply + verify; median of {Iterations})",
                $"{planApplyMs:F1} ms", $"`nsupdate -k` + `dig`: {shellMs:F1} ms", $"{shellMs / planApplyMs:F1}× faster", "—"),
        };
    }

    /// <summary>Lets named finish writing its journal and the last child process exit before the next timed step.</summary>
    private static void Settle() => Thread.Sleep(50);

    internal static string Tool(string file, string[] args, string? stdin)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            throw new TimeoutException($"{file} timed out");
        }
        Check(p.ExitCode == 0, $"{Path.GetFileName(file)} failed ({p.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

}
