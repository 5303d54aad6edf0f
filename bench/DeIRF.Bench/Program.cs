using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

// build.ps1 bench: every figure beside a baseline measured in this same run, reported as a ratio.
//   --entries N   journal size for the verification benchmark (default 1,000,000)
//   --evidence-mb N   evidence ingest size in MB (default 1024; 0 skips it)
//   --module P    the built module manifest (import-time benchmark)
//   --pwsh P      the pwsh executable
//   --out F       where to write the markdown report
//   --s3-mb N     S3 evidence upload file size in MB (default 256; 0 skips it)
//   --only A,B    run only these sections: journal, checkpoints, signatures, quorum, reachability, evidence, s3, dns, containment, evm, matrix, sync, report, import (default: all)
var opts = ParseArgs(args);
int entries = int.Parse(opts.GetValueOrDefault("entries", "1000000"), CultureInfo.InvariantCulture);
string outPath = opts.GetValueOrDefault("out", "benchmarks.md");
string? module = opts.GetValueOrDefault("module");
string? pwsh = opts.GetValueOrDefault("pwsh");
int evidenceMb = int.Parse(opts.GetValueOrDefault("evidence-mb", "1024"), CultureInfo.InvariantCulture);
int s3Mb = int.Parse(opts.GetValueOrDefault("s3-mb", "256"), CultureInfo.InvariantCulture);
var only = opts.TryGetValue("only", out var onlyText)
    ? onlyText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase)
    : null;
bool Runs(string section) => only is null || only.Contains(section);

var work = Directory.CreateTempSubdirectory("deirf-bench-").FullName;
var rows = new List<(string Benchmark, string Figure, string Baseline, string Ratio, string Target)>();
try
{
    // 1. Verification against the hashing floor, on the same file.
    if (Runs("journal") || Runs("checkpoints"))
    {
        var path = Path.Combine(work, "journal.jsonl");
        var journal = new JournalFile(path);
        journal.CreateGenesis("ws-bench", "INC-20260101-BENC", new StatementDraft(IncidentOpened.KindName, "bench",
            new JsonObject { ["drill"] = true, ["reporter"] = "bench", ["tags"] = new JsonArray(), ["title"] = "benchmark" }));
        var genSw = Stopwatch.StartNew();
        JournalGenerator.Generate(journal, entries - 1);
        genSw.Stop();
        long bytes = new FileInfo(path).Length;
        Console.Error.WriteLine($"generated {entries:N0} entries, {bytes / 1e6:F1} MB ({bytes / entries} B/entry) in {genSw.Elapsed.TotalSeconds:F1} s");

        double floor = Best(3, () => HashFile(path));
        JournalVerdict? verdict = null;
        double verify = Best(3, () => { verdict = journal.Verify(); });
        if (verdict is null || !verdict.IsValid || verdict.EntryCount != entries)
        {
            throw new InvalidOperationException("benchmark journal did not verify: " + verdict);
        }
        rows.Add(($"Verify {entries:N0}-entry journal ({bytes / 1e6:F0} MB, {bytes / entries} B/line)",
            $"{verify:F3} s ({entries / verify / 1e6:F2} M entries/s)",
            $"SHA-256 of the file bytes: {floor:F3} s ({bytes / floor / 1e9:F2} GB/s)",
            $"{verify / floor:F2}× floor", "≤ 3×"));

        // Checkpoints over that same journal, beside its linear verification.
        if (Runs("checkpoints"))
        {
            rows.AddRange(CheckpointBench.Run(journal, entries, verify));
        }

        // 2. Appends per second, durable and batched, beside raw writes of the same lines.
        var appendPath = Path.Combine(work, "append.jsonl");
        var appendJournal = new JournalFile(appendPath);
        appendJournal.CreateGenesis("ws-bench", "INC-20260101-APND", new StatementDraft(IncidentOpened.KindName, "bench",
            new JsonObject { ["drill"] = true, ["reporter"] = "bench", ["tags"] = new JsonArray(), ["title"] = "appends" }));
        const int durableCount = 500;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < durableCount; i++)
        {
            appendJournal.Append(new StatementDraft(Note.KindName, "bench", new JsonObject { ["text"] = $"durable append {i}" }));
        }
        double durableRate = durableCount / sw.Elapsed.TotalSeconds;
        int lineLength = (int)(new FileInfo(appendPath).Length / (durableCount + 1));
        double rawDurableRate = RawWrites(Path.Combine(work, "raw-durable.bin"), durableCount, lineLength, fsyncEach: true);
        rows.Add(("Durable append (lock + tail read + fsync per entry)", $"{durableRate:F0} appends/s",
            $"raw write+fsync of {lineLength}-byte lines: {rawDurableRate:F0}/s", $"{durableRate / rawDurableRate:F2}× raw", "—"));

        const int batchCount = 100_000;
        const int batchSize = 1000;
        sw.Restart();
        for (int done = 0; done < batchCount; done += batchSize)
        {
            var drafts = Enumerable.Range(done, batchSize).Select(i => new StatementDraft(Note.KindName, "bench", new JsonObject { ["text"] = $"batched append {i}" })).ToList();
            appendJournal.AppendBatch(drafts);
        }
        double batchRate = batchCount / sw.Elapsed.TotalSeconds;
        double rawBatchRate = RawWrites(Path.Combine(work, "raw-batch.bin"), batchCount, lineLength, fsyncEach: false, fsyncEvery: batchSize);
        rows.Add(($"Batched append ({batchSize} per batch, one fsync each)", $"{batchRate:F0} appends/s",
            $"raw writes, fsync every {batchSize}: {rawBatchRate:F0}/s", $"{batchRate / rawBatchRate:F2}× raw", "—"));
        if (!appendJournal.Verify().IsValid)
        {
            throw new InvalidOperationException("append benchmark journal did not verify");
        }

        // Appends check that the journal is as DeIRF last left it (issue 19): against the head record's stamp, so the
        // cost must not grow with the journal; only a file changed behind DeIRF's back is verified in full first.
        const int bigCount = 200;
        journal.Append(new StatementDraft(Note.KindName, "bench", new JsonObject { ["text"] = "first append stamps the head" }));
        sw.Restart();
        for (int i = 0; i < bigCount; i++)
        {
            journal.Append(new StatementDraft(Note.KindName, "bench", new JsonObject { ["text"] = $"durable append onto the big journal {i}" }));
        }
        double bigRate = bigCount / sw.Elapsed.TotalSeconds;
        rows.Add(($"Durable append onto the {entries:N0}-entry journal, with the unchanged-file check (stamp and tail match)", $"{bigRate:F0} appends/s",
            $"durable append onto a {durableCount + 1}-entry journal: {durableRate:F0}/s", $"{bigRate / durableRate:F2}× small journal", "≈ 1× (O(1))"));
        double changed = Best(3, () =>
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5)); // as an editor or a copy would leave it
            journal.Append(new StatementDraft(Note.KindName, "bench", new JsonObject { ["text"] = "after an outside change" }));
        });
        rows.Add(($"First append after the file changed behind DeIRF's back ({entries:N0} entries: full check, then append)", $"{changed:F3} s",
            $"linear verify of the same journal: {verify:F3} s", $"{changed / verify:F2}× verify", "≈ 1×"));
    }

    // 3. Signature verification per proof kind, beside the command-line peers or the bare primitive.
    if (Runs("signatures"))
    {
        rows.AddRange(SignatureBench.Run(Path.Combine(work, "sig")));
    }

    // 3b. Quorum verdicts for 2, 5 and 20 signers, beside bare verification of the same signatures.
    if (Runs("quorum"))
    {
        rows.AddRange(QuorumBench.Run(Path.Combine(work, "quorum")));
    }

    // 3c. Issue 25: quorum reachability for 200 responders × 50 rules, beside the bare matcher.
    if (Runs("reachability"))
    {
        rows.AddRange(ReachabilityBench.Run(Path.Combine(work, "reachability")));
    }

    // 4. Evidence ingest against the hashing floor and a shell runbook, over the same files.
    if (evidenceMb > 0 && Runs("evidence"))
    {
        rows.AddRange(EvidenceBench.Run(work, evidenceMb));
    }

    // 4b. Issue 9: evidence upload to a real s3rver, beside the AWS SDK's TransferUtility upload of the same file.
    if (s3Mb > 0 && Runs("s3"))
    {
        rows.AddRange(S3Bench.Run(work, s3Mb));
    }

    // 5. dns.reroute against a real BIND named, beside nsupdate + dig of the same change.
    if (Runs("dns"))
    {
        rows.AddRange(DnsBench.Run());
    }

    // 5b. Issue 6: last quorum signature → applied, verified DNS change (consume + apply + read-back + journal), beside
    // nsupdate + dig of the same change.
    if (Runs("containment"))
    {
        rows.AddRange(ContainmentBench.Run(work));
    }

    // 5c. Issue 7: last quorum signature → mined, read-back pause() on anvil, beside a bare Nethereum pause().
    if (Runs("evm"))
    {
        rows.AddRange(ChainBench.Run(work));
    }

    // 5c'. Issue 21: collecting 100 Matrix approvals from a room, beside bare HTTP GETs of the same events.
    if (Runs("matrix"))
    {
        rows.AddRange(MatrixBench.Run(work));
    }

    // 5d. Issue 9: three replicas converging through a bare git repository, beside plain git on the same files.
    if (Runs("sync"))
    {
        rows.AddRange(SyncBench.Run(work));
    }

    // 5e. Issue 19 finding 9: the HTML report of a 200,000-entry journal stays bounded (throws above 2 MB).
    if (Runs("report"))
    {
        rows.AddRange(ReportBench.Run(work));
    }

    // 6. Module import time against a bare pwsh start.
    if (module is not null && pwsh is not null && Runs("import"))
    {
        var bare = Median(7, () => RunPwsh(pwsh, "exit"));
        var import = Median(7, () => RunPwsh(pwsh, $"Import-Module '{module}'; exit"));
        var firstUse = Median(7, () => RunPwsh(pwsh, $"Import-Module '{module}'; $null = Get-Command New-DeirfIncident -Syntax; [void](Get-DeirfWorkspace -Workspace '{work}' -ErrorAction SilentlyContinue); exit"));
        rows.Add(("Module import (pwsh -NoProfile -c \"Import-Module DeIRF\")", $"{import * 1000:F0} ms",
            $"bare pwsh -NoProfile -c exit: {bare * 1000:F0} ms", $"+{(import - bare) * 1000:F0} ms", "< +300 ms"));
        rows.Add(("Import + first command (engine load context)", $"{firstUse * 1000:F0} ms",
            $"bare pwsh: {bare * 1000:F0} ms", $"+{(firstUse - bare) * 1000:F0} ms", "—"));
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

var md = new StringBuilder();
md.AppendLine("# Benchmarks");
md.AppendLine();
md.AppendLine("Written by `dotnet pwsh ./build.ps1 bench`. Every figure stands beside a baseline measured in the same run on the");
md.AppendLine("same machine, and the ratio is what to compare across machines. Times are the best of 3 (journal) or the");
md.AppendLine("median of 7 (process starts), of 9 (quorum verdicts) or of 15 (DNS, containment).");
md.AppendLine();
md.AppendLine($"Machine: {Environment.ProcessorCount} cores, {CpuModel()}, {TotalMemoryGiB():F0} GiB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}. Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
md.AppendLine();
md.AppendLine("| Benchmark | DeIRF | Baseline (same run) | Ratio | Target |");
md.AppendLine("|---|---|---|---|---|");
foreach (var r in rows)
{
    md.AppendLine($"| {r.Benchmark} | {r.Figure} | {r.Baseline} | {r.Ratio} | {r.Target} |");
}
md.AppendLine();
md.AppendLine("## Reading the numbers");
md.AppendLine();
md.AppendLine("- **Verification vs the hashing floor.** The floor streams the file through one SHA-256. Verification must hash each");
md.AppendLine("  entry separately (about 260 bytes each) and check its canonical form, sequence and links; the parse and hash run");
md.AppendLine("  on both cores; lines already canonical take a byte-scanner fast path. The largest cost left is per-entry hashing");
md.AppendLine("  through the platform's SHA-256 (OpenSSL here): a fixed ~270 ns a call on top of the bytes. A multi-buffer");
md.AppendLine("  SHA-256 (eight lines per AVX2 pass) would be the next step. Memory stays constant (about 60 MB peak RSS for");
md.AppendLine("  10⁶ entries, see the tests).");
md.AppendLine("- **Appends vs raw writes.** A durable append takes the OS lock, reads the journal's tail to find the head, writes");
md.AppendLine("  the line, fsyncs, and rewrites the head record atomically (a second small write + rename): the ratio is that");
md.AppendLine("  bookkeeping. Batched appends pay it once per batch; the per-entry cost left is building and hashing the entry.");
md.AppendLine("- **Signature verification.** For OpenPGP and SSH the baseline is the command-line tool run once per signature,");
md.AppendLine("  as a shell runbook would; for the other kinds it is the bare cryptographic check of the same signature");
md.AppendLine("  algorithm, so the ratio is what DeIRF's parsing and policy checks cost on top of the math.");
md.AppendLine("- **Quorum verdicts.** The baseline verifies the same did:key signatures through `Signatures.Verify` and nothing");
md.AppendLine("  else. The verdict also reads the incident journal (checking its links), folds roles over time, loads the roster");
md.AppendLine("  (parsing every public key) and the policy, judges each row at its journal time and matches persons to the groups.");
md.AppendLine("- **Quorum reachability.** The baseline is the bare matcher (`QuorumGroup.Fill`) of each rule over all 200 people at");
md.AppendLine("  once, with no clock. Reachability also judges each person's availability in their own zone, and for a rule not");
md.AppendLine("  reachable now tries every shift start of the next 7 days in order until the group fills; the readiness check fills");
md.AppendLine("  each rule at 168 hourly samples. Measured on a Saturday, when only the four on-call responders are at work.");
md.AppendLine("- **Evidence ingest vs the hashing floor.** The floor only reads and hashes the files. Ingest also copies every");
md.AppendLine("  byte into the store, fsyncs each object, makes it read-only, publishes it under its hash and appends a durable");
md.AppendLine("  custody entry per file; the copy runs on the second core while the first hashes (double buffering), and");
md.AppendLine("  write-back starts every 8 MiB so the closing fsync has little left. The shell runbook hashes and copies in two");
md.AppendLine("  passes with coreutils (`sha256sum` does not use the CPU's SHA extensions here), then `sync`.");
md.AppendLine("- **DNS reroute vs `nsupdate`.** Both sides make the same TSIG-signed change on the same named (BIND 9 on");
md.AppendLine("  loopback) and read it back. DeIRF sends one UPDATE whose prerequisites pin the A/AAAA/CNAME RRsets the plan saw,");
md.AppendLine("  then reads the three RRsets back in parallel (verify); the runbook starts `nsupdate` (no prerequisites) and then");
md.AppendLine("  `dig` once. Most of the runbook's time is starting the two processes. DeIRF's read of the three RRsets costs about");
md.AppendLine("  as much as the cold-minus-warm difference (the plan's read), so most of apply is named processing the update.");
md.AppendLine("- **Checkpoints vs linear verification.** The first checkpoint of a journal builds its RFC 6962 tree: one pass");
md.AppendLine("  that parses and hashes every line (one thread, unlike verification) and two SHA-256 per entry for the tree, writing");
md.AppendLine("  the levels and an offset index to `tree/` beside the journal. After that a checkpoint reads only the entries appended");
md.AppendLine("  since (the stored frontier and levels make appends O(1) amortised and a root O(log n)), so 100 new entries cost");
md.AppendLine("  milliseconds whatever the journal's size. Proofs are cut from the stored levels (O(log n) reads) and verified with");
md.AppendLine("  about 20 hashes; the baseline says how many proofs fit in the time one linear pass over the journal takes.");
md.AppendLine("- **Last quorum signature → verified DNS change (issue 6).** A fresh dns.reroute proposal each iteration under the");
md.AppendLine("  default policy (2 of ContainmentLead/TriageLead, evidence first); bob has signed and the plan was made (the one the");
md.AppendLine("  signers and `-WhatIf` saw); carol's did:key signature was made off the clock, as on her laptop. The clock runs from");
md.AppendLine("  `QuorumGate.Sign` of her signature (judged under the journal lock as the verdict would, one durable entry: the");
md.AppendLine("  \"signature row\" figure) through `ContainmentRunner.ExecuteAsync`: consumption under the lock (digest recomputed");
md.AppendLine("  from the request, verdict re-judged: journal, roster and both signatures; one durable entry), the provider's one");
md.AppendLine("  TSIG-signed UPDATE pinned to the plan, the A/AAAA/CNAME read-back, and the durable `containment.applied` entry.");
md.AppendLine("  The second row also plans inside the window, as `Invoke-DeirfContainment` does when run right after the last");
md.AppendLine("  signature. The baseline is the same change with no quorum and no journal at all: `nsupdate -k` then `dig`, in the");
md.AppendLine("  same run against the same named; a ratio under 1 means the whole gated, journaled path takes less time than");
md.AppendLine("  starting those two tools. Journal entries are fsynced but not entry-signed here (no `Set-DeirfSigningKey`).");
md.AppendLine("- **Last quorum signature → mined pause() (issue 7).** A fresh evm.contract.pause proposal each iteration under");
md.AppendLine("  the default policy (2 of ContainmentLead/TriageLead, evidence first) against an OpenZeppelin Pausable on anvil");
md.AppendLine("  (automine, loopback). The clock runs from `QuorumGate.Sign` of the last did:key signature through");
md.AppendLine("  `ContainmentRunner.ExecuteAsync`: consumption under the journal lock, the provider's eth_chainId check, `paused()`");
md.AppendLine("  before, `pause()` from the evm key (gas estimate, nonce, send, receipt), `paused()` read back, and the durable");
md.AppendLine("  `containment.applied` entry. The baseline is Nethereum's contract handler sending `pause()` to a second copy of the");
md.AppendLine("  contract and waiting for the receipt, in the same run; both wait for receipts by polling. `unpause()` runs untimed.");
md.AppendLine("- **Evidence upload to S3 vs TransferUtility (issue 9).** Both upload the same file to the same s3rver (loopback,");
md.AppendLine("  the page cache hot) with 16 MiB parts. `S3EvidenceStore.Put` first reads the file once for its SHA-256 (the key is");
md.AppendLine("  the hash), asks whether the object exists, reads and hashes the parts in order and uploads up to 4 at a time (each part read into");
md.AppendLine("  memory, hashed again and sent with its own `x-amz-checksum-sha256`), compares the hash of what it sent with the key,");
md.AppendLine("  completes with `If-None-Match: *` and checks the object with a HEAD. TransferUtility sends parts in parallel with no");
md.AppendLine("  content checksum. s3rver (Node.js, one process) writes every part to disk and concatenates them on completion.");
md.AppendLine("- **Sync (issue 9).** Three replicas each append 1,000 did:key-signed entries while apart, then sync in the order");
md.AppendLine("  r0, r1, r2, r0, r1 over a bare repository on local disk; the clock covers the five `WorkspaceSync.Sync` calls (fetch;");
md.AppendLine("  verify each received journal's chain, canonical form and workspace id, and the signatures of entries past the head");
md.AppendLine("  this replica trusted (the chain proves the rest is what it accepted) against the remote roster;");
md.AppendLine("  re-link the unpushed entries; verify the merged journal again; atomic replace; commit-tree; push). The baseline");
md.AppendLine("  runs `git commit`, `git pull --rebase`, `git push` in the same order on clones holding the very same journal bytes,");
md.AppendLine("  with a union merge driver for `*.jsonl` (without one, the rebase stops at a conflict); it verifies nothing and");
md.AppendLine("  leaves a journal whose chain is broken. Most of DeIRF's extra time is the roster check and Ed25519 verification of each");
md.AppendLine("  received and each re-linked entry (about 9,000 here; the per-sync lines on stderr show where it goes).");
md.AppendLine("- **Report of a long journal (issue 19 finding 9).** A 200,000-entry drill (notes every 10 ms, a role grant every");
md.AppendLine("  1,000 entries, two signatures and a verified containment in the middle) through `IncidentReport.Collect` (read,");
md.AppendLine("  verify against the roster, evidence check, timeline, metrics), `Render` and `Write`, best of 3. The baseline is the");
md.AppendLine("  linear verification of the same journal, which the report also does. The default report lists an excerpt (first and");
md.AppendLine("  last 100 and up to 300 key entries) and draws the notes lane as density, so its size does not grow with the journal;");
md.AppendLine("  the section throws above 2 MB. `-Full` lists every entry (about 250 bytes each). Most of the time is reading the");
md.AppendLine("  200,000 entries into objects (about 1.2 s) and building the timeline (about 0.5 s), not the HTML (about 0.15 s).");
md.AppendLine("- **Import time.** `DeIRF.dll` alone loads at import; the engine and its dependencies load on first use.");
File.WriteAllText(outPath, md.ToString());
Console.Write(md.ToString());
return 0;

static Dictionary<string, string> ParseArgs(string[] a)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i + 1 < a.Length; i += 2)
    {
        d[a[i].TrimStart('-')] = a[i + 1];
    }
    return d;
}

static double Best(int runs, Action action)
{
    double best = double.MaxValue;
    for (int i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        action();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    return best;
}

static double Median(int runs, Func<double> measure)
{
    var xs = Enumerable.Range(0, runs).Select(_ => measure()).Order().ToArray();
    return xs[xs.Length / 2];
}

static void HashFile(string path)
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

static double RawWrites(string path, int count, int lineLength, bool fsyncEach, int fsyncEvery = 0)
{
    var line = new byte[lineLength];
    Array.Fill(line, (byte)'x');
    line[^1] = (byte)'\n';
    var sw = Stopwatch.StartNew();
    using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1))
    {
        for (int i = 0; i < count; i++)
        {
            fs.Write(line);
            if (fsyncEach || (fsyncEvery > 0 && (i + 1) % fsyncEvery == 0))
            {
                fs.Flush(true);
            }
        }
        fs.Flush(true);
    }
    return count / sw.Elapsed.TotalSeconds;
}

static double RunPwsh(string pwsh, string command)
{
    // --pwsh may be "dotnet|/path/pwsh.dll" (the pinned tool) or a pwsh executable.
    var parts = pwsh.Split('|');
    var psi = new ProcessStartInfo(parts[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in parts.Skip(1).Concat(new[] { "-NoProfile", "-NonInteractive", "-Command", command }))
    {
        psi.ArgumentList.Add(a);
    }
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    p.StandardOutput.ReadToEnd();
    p.StandardError.ReadToEnd();
    p.WaitForExit();
    return sw.Elapsed.TotalSeconds;
}

static string CpuModel()
{
    try
    {
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
    catch (IOException)
    {
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}

static double TotalMemoryGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
