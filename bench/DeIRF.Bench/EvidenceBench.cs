using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Evidence;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

/// <summary>
/// Evidence ingest (hash while copying into the write-once store, fsync, publish, one durable custody entry per file)
/// over the same files as two baselines from this run: reading and hashing the bytes with .NET SHA-256 alone (the
/// floor: no copy at all), and `sha256sum` then `cp` then `sync` (what a shell runbook would do).
/// </summary>
internal static class EvidenceBench
{
    private const int FileCount = 16;

    public static IEnumerable<(string, string, string, string, string)> Run(string work, int megabytes)
    {
        var rows = new List<(string, string, string, string, string)>();
        var src = Path.Combine(work, "evidence-src");
        Directory.CreateDirectory(src);
        long perFile = (long)megabytes * 1024 * 1024 / FileCount;
        var buffer = new byte[1 << 20];
        for (int i = 0; i < FileCount; i++)
        {
            using var fs = new FileStream(Path.Combine(src, $"part{i:D2}.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1);
            for (long left = perFile; left > 0; left -= buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                fs.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
            }
        }
        var files = Directory.GetFiles(src).Order(StringComparer.Ordinal).ToArray();
        long bytes = files.Sum(f => new FileInfo(f).Length);
        Console.Error.WriteLine($"evidence: {files.Length} files, {bytes / 1e6:F0} MB");

        // The floor: read and hash every byte, nothing else (files hot in the page cache, as for the others).
        double floor = Best(3, () =>
        {
            foreach (var f in files)
            {
                HashFile(f);
            }
        });

        // DeIRF: a fresh store and incident each run, so every object is really written (no dedup shortcut).
        int run = 0;
        double ingest = Best(3, () =>
        {
            var dir = Path.Combine(work, $"evidence-run{run++}");
            var journal = new JournalFile(Path.Combine(dir, "journal.jsonl"));
            journal.CreateGenesis("ws-bench", "INC-20260101-EVID", new StatementDraft(IncidentOpened.KindName, "bench",
                new JsonObject { ["drill"] = true, ["reporter"] = "bench", ["tags"] = new JsonArray(), ["title"] = "evidence" }));
            var capture = new EvidenceCapture(journal, new LocalEvidenceStore(Path.Combine(dir, "evidence")));
            foreach (var file in EvidenceCapture.Expand(src))
            {
                capture.Capture(file, "bench/pod", "bench");
            }
        }, after: () => Directory.Delete(Path.Combine(work, $"evidence-run{run - 1}"), recursive: true));

        // A shell runbook: hash with sha256sum, copy with cp, and sync so the copy is as durable as DeIRF's.
        string shell = "—";
        double shellTime = double.NaN;
        if (HasTool("sha256sum") && HasTool("cp"))
        {
            var dest = Path.Combine(work, "evidence-cp");
            shellTime = Best(3, () =>
            {
                Directory.CreateDirectory(dest);
                Run("sh", "-c", $"sha256sum '{src}'/* > '{dest}.sums' && cp '{src}'/* '{dest}/' && sync");
            }, after: () => Directory.Delete(dest, recursive: true));
            shell = $"`sha256sum` + `cp` + `sync`: {shellTime:F2} s ({bytes / shellTime / 1e6:F0} MB/s)";
        }

        var label = $"Evidence ingest ({files.Length} files, {bytes / 1e6:F0} MB: hash while copying, fsync, publish, custody entry each)";
        var figure = $"{ingest:F2} s ({bytes / ingest / 1e6:F0} MB/s)";
        rows.Add((label, figure, $"read + SHA-256 only (the floor): {floor:F2} s ({bytes / floor / 1e6:F0} MB/s)",
            $"{floor / ingest * 100:F0}% of floor", "≥ 70% of floor"));
        if (!double.IsNaN(shellTime))
        {
            rows.Add(("Evidence ingest vs a shell runbook (same files)", figure, shell, $"{shellTime / ingest:F2}× faster", "—"));
        }
        Directory.Delete(src, recursive: true);
        return rows;
    }

    internal static double Best(int runs, Action action, Action? after = null)
    {
        double best = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            after?.Invoke();
        }
        return best;
    }

    private static void HashFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = fs.Read(buffer)) > 0)
        {
            h.AppendData(buffer, 0, n);
        }
        h.GetHashAndReset();
    }

    private static bool HasTool(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, name)));

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {p.ExitCode}");
        }
    }
}
