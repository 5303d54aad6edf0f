using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Core.Tests.Journal;
using DeIRF.Evidence;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Reliability;

/// <summary>
/// Real syscall faults (Tessera's fault tests): the stress tool's fault host runs each operation under
/// <c>strace -e inject=&lt;syscall&gt;:error=EIO|signal=SIGKILL:when=N</c> and acks each result; after every fault the
/// parent checks that every acknowledged entry/object/checkpoint is there, the journal verifies (or Repair mends a torn
/// tail to a verifying journal), no evidence object is half-written, and the error surfaced with its documented ErrorId.
/// CI sweeps N over {1, middle, last} call of each syscall; DEIRF_FAULT_SWEEP=full (build.ps1 reliability) sweeps every N.
/// strace counts calls per thread: N is "the Nth call on a thread" (the journal's and the checkpoint's calls are all on
/// the main thread; the evidence store writes chunks on pool threads).
/// </summary>
[Collection("reliability")] // one at a time: the load numbers must not include the fault sweep
public sealed class FaultInjectionTests : IDisposable
{
    private static readonly string[] Faults = ["error=EIO", "signal=SIGKILL"];
    private readonly string _dir = JournalFixture.NewDirectory();
    private readonly ITestOutputHelper _output;

    public FaultInjectionTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    public static bool FullSweep => Environment.GetEnvironmentVariable("DEIRF_FAULT_SWEEP") == "full";

    public sealed record FaultRun(int ExitCode, IReadOnlyList<string[]> Acks, string? ErrorId, string Stderr)
    {
        public bool Killed => ExitCode == 128 + 9;
    }

    /// <summary>Runs the fault host under strace, failing the <paramref name="when"/>th call of <paramref name="syscall"/>.</summary>
    /// <remarks>Host arguments of the form "-P=&lt;path&gt;" go to strace instead: only calls on those paths are counted and faulted.</remarks>
    public static FaultRun RunFaulted(string syscall, string fault, int when, params string[] hostArgs)
        => RunFaultedMode("fault", syscall, fault, when, hostArgs);

    /// <summary>As <see cref="RunFaulted"/>, for another mode of the stress tool (e.g. "sync", whose git children strace -f follows).</summary>
    public static FaultRun RunFaultedMode(string mode, string syscall, string fault, int when, params string[] hostArgs)
    {
        var (only, rest) = SplitPaths(hostArgs);
        hostArgs = rest;
        var strace = RequireStrace();
        // --seccomp-bpf (stop only at the traced syscall: faster) delivers injected errors but not injected signals (strace 6.1).
        string[] speed = fault.StartsWith("signal=", StringComparison.Ordinal) ? [] : ["--seccomp-bpf"];
        string[] args = ["-f", "-qq", .. speed, .. only, "-o", "/dev/null", "-e", $"trace={syscall}", "-e", $"inject={syscall}:{fault}:when={when}",
            "dotnet", JournalFixture.StressToolDll, mode, .. hostArgs];
        var (code, stdout, stderr) = ExternalTool.Run(strace, args, environment: HostEnvironment, timeout: TimeSpan.FromMinutes(2));
        return Parse(code, stdout, stderr);
    }

    /// <summary>How many calls of <paramref name="syscall"/> the operation makes when nothing fails.</summary>
    public static int CountCalls(string syscall, params string[] hostArgs) => CountCallsMode("fault", syscall, hostArgs);

    /// <summary>As <see cref="CountCalls"/>, for another mode of the stress tool.</summary>
    public static int CountCallsMode(string mode, string syscall, params string[] hostArgs)
    {
        var (only, rest) = SplitPaths(hostArgs);
        hostArgs = rest;
        var strace = RequireStrace();
        var log = Path.GetTempFileName();
        try
        {
            var (code, stdout, stderr) = ExternalTool.Run(strace, ["-f", "-qq", "--seccomp-bpf", .. only, "-o", log, "-e", $"trace={syscall}", "dotnet", JournalFixture.StressToolDll, mode, .. hostArgs],
                environment: HostEnvironment, timeout: TimeSpan.FromMinutes(2));
            Assert.True(code == 0, $"unfaulted run failed: {stdout}{stderr}");
            return File.ReadLines(log).Count(l => l.Contains(syscall + "(", StringComparison.Ordinal) && !l.Contains("resumed>", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static readonly Lazy<string?> TraceProblem = new(() =>
    {
        var (code, _, stderr) = ExternalTool.Run(ExternalTool.Find("strace")!, ["-f", "-qq", "-o", "/dev/null", "true"]);
        return code == 0 ? null : stderr.Trim();
    });

    /// <summary>strace on PATH and allowed to trace (ptrace may be forbidden in a container): skip outside CI, fail under CI.</summary>
    internal static string RequireStrace()
    {
        var strace = ExternalTool.Require("strace");
        if (TraceProblem.Value is { } problem)
        {
            if (ExternalTool.UnderCi)
            {
                throw new InvalidOperationException($"strace cannot trace here under CI=true: {problem}");
            }
            Skip.If(true, $"strace cannot trace here (ptrace not permitted?): {problem}");
        }
        return strace;
    }

    private static (string[] StraceArgs, string[] HostArgs) SplitPaths(string[] args)
        => (args.Where(a => a.StartsWith("-P=", StringComparison.Ordinal)).SelectMany(a => new[] { "-P", a[3..] }).ToArray(),
            args.Where(a => !a.StartsWith("-P=", StringComparison.Ordinal)).ToArray());

    // No W^X double mapping: its memfd ftruncate calls would be counted (and faulted) with the engine's own.
    private static readonly Dictionary<string, string> HostEnvironment = new() { ["DOTNET_EnableWriteXorExecute"] = "0" };

    private static FaultRun Parse(int code, string stdout, string stderr)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var acks = lines.Where(l => l.StartsWith("ack ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1..]).ToList();
        var error = lines.FirstOrDefault(l => l.StartsWith("error ", StringComparison.Ordinal))?.Split(' ')[1];
        return new FaultRun(code, acks, error, stderr);
    }

    /// <summary>The Ns to fail: every call in a full sweep, else the first, a middle and the last.</summary>
    public static IEnumerable<int> Sweep(int calls) => FullSweep ? Enumerable.Range(1, calls) : new[] { 1, (calls + 1) / 2, calls }.Where(n => n >= 1).Distinct();

    /// <summary>Shared by every scenario: a fault either killed the host, or surfaced as the documented ErrorId, or did not matter.</summary>
    private static void AssertOutcome(FaultRun run, string what, params string[] documented)
    {
        if (run.Killed)
        {
            return;
        }
        if (run.ExitCode == 0)
        {
            Assert.Null(run.ErrorId);
            return;
        }
        Assert.True(run.ExitCode == 3 && run.ErrorId is not null && documented.Contains(run.ErrorId),
            $"{what}: exit {run.ExitCode}, error {run.ErrorId ?? "(none)"}; expected one of {string.Join(", ", documented)}. {run.Stderr}");
    }

    private string Fresh(string name)
    {
        var dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The journal after a fault: valid, or a torn tail (only after a kill) that Repair mends; every ack present; still appendable.</summary>
    private static void AssertJournalSurvived(JournalFile journal, FaultRun run, string what, long entriesBefore)
    {
        var verdict = journal.Verify();
        if (!verdict.IsValid)
        {
            Assert.True(verdict.Fault == JournalFault.TornTail, $"{what}: expected a valid journal or a torn tail, got {verdict}");
            Assert.True(run.Killed, $"{what}: a torn tail without a kill (a failed append must take back its partial write): {verdict}");
            journal.Repair();
            verdict = journal.Verify();
            Assert.True(verdict.IsValid, $"{what}: after repair: {verdict}");
        }
        var hashes = journal.ReadEntries().ToDictionary(e => e.Seq, e => e.Hash);
        Assert.True(hashes.Count >= entriesBefore, $"{what}: {entriesBefore - hashes.Count} entries from before the fault are gone");
        foreach (var ack in run.Acks.Where(a => long.TryParse(a[0], out _) && a.Length == 2))
        {
            long seq = long.Parse(ack[0]);
            Assert.True(hashes.TryGetValue(seq, out var h) && h == ack[1], $"{what}: acknowledged entry {seq} lost or changed");
        }
        // Still a working journal.
        journal.Append(new StatementDraft(Note.KindName, "parent", new JsonObject { ["text"] = "after the fault" }));
        Assert.True(journal.Verify().IsValid, what);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(3)]
    public void Append_IoErrorOrKillAtEachOpenWriteFsyncAndRename_LosesNoAckedEntry(int batchSize)
    {
        var baseDir = Fresh("base");
        var basePath = JournalFixture.NewJournal(baseDir, notes: 2).Path;
        // openat only on the journal and the head record's temporary file (the runtime opens hundreds of files).
        string[] Op(string path, string syscall) => syscall == "openat"
            ? ["-P=" + path, "-P=" + HeadRecord.PathFor(path) + ".tmp", "append", path, "3", batchSize.ToString()]
            : ["append", path, "3", batchSize.ToString()];
        int runs = 0;
        foreach (var syscall in new[] { "pwrite64", "fsync", "rename", "openat" })
        {
            int calls = CountCalls(syscall, Op(CopyJournal(basePath, Fresh($"count-{syscall}")), syscall));
            Assert.True(calls >= 3, $"{syscall}: only {calls} calls; the host no longer exercises it");
            foreach (var fault in Faults)
            {
                foreach (var n in Sweep(calls))
                {
                    var path = CopyJournal(basePath, Fresh($"{syscall}-{fault}-{n}".Replace('=', '_')));
                    var run = RunFaulted(syscall, fault, n, Op(path, syscall));
                    var what = $"append×{batchSize} {syscall} {fault} when={n}";
                    AssertOutcome(run, what, "JournalWriteFailed");
                    Assert.True(run.ExitCode != 0, $"{what}: the fault did not fire");
                    AssertJournalSurvived(new JournalFile(path), run, what, entriesBefore: 3);
                    runs++;
                }
            }
        }
        ReliabilityReport.Write(_output, $"faults: {(FullSweep ? "full" : "CI")} sweep: {runs} faulted appends (batch {batchSize}), every ack present");
    }

    private static string CopyJournal(string basePath, string dir)
    {
        var path = Path.Combine(dir, "journal.jsonl");
        File.Copy(basePath, path);
        File.Copy(HeadRecord.PathFor(basePath), HeadRecord.PathFor(path));
        return path;
    }

    [SkippableFact]
    public void Repair_IoErrorOrKillAtEachWriteFsyncAndTruncate_LeavesAMendableJournal()
    {
        var baseDir = Fresh("base");
        var basePath = JournalFixture.NewJournal(baseDir, notes: 4).Path;
        var whole = File.ReadAllBytes(basePath);
        File.AppendAllText(basePath, "{\"hash\":\"0123456789abcdef"); // a crash mid-line
        int runs = 0;
        foreach (var syscall in new[] { "pwrite64", "fsync", "ftruncate" })
        {
            int calls = CountCalls(syscall, "repair", CopyJournal(basePath, Fresh($"count-{syscall}")));
            Assert.True(calls >= 1, $"{syscall}: repair makes no such call");
            foreach (var fault in Faults)
            {
                foreach (var n in Sweep(calls))
                {
                    var path = CopyJournal(basePath, Fresh($"{syscall}-{fault}-{n}".Replace('=', '_')));
                    var run = RunFaulted(syscall, fault, n, "repair", path);
                    var what = $"repair {syscall} {fault} when={n}";
                    AssertOutcome(run, what, "JournalWriteFailed");
                    Assert.True(run.ExitCode != 0, $"{what}: the fault did not fire");
                    var journal = new JournalFile(path);
                    // Never a byte of a whole entry lost: the file still starts with every whole line.
                    Assert.Equal(whole, File.ReadAllBytes(path)[..whole.Length]);
                    var verdict = journal.Verify();
                    Assert.True(verdict.IsValid || verdict.Fault == JournalFault.TornTail, $"{what}: {verdict}");
                    var repaired = journal.Repair();
                    Assert.True(journal.Verify().IsValid, what);
                    Assert.Equal(5, repaired.EntryCount);
                    AssertJournalSurvived(journal, run, what, entriesBefore: 5);
                    runs++;
                }
            }
        }
        ReliabilityReport.Write(_output, $"faults: {(FullSweep ? "full" : "CI")} sweep: {runs} faulted repairs, every journal mended with its 5 entries");
    }

    [SkippableFact]
    public void EvidencePut_IoErrorOrKillAtEachWriteFsyncAndLink_NeverPublishesAHalfWrittenObject()
    {
        const int Bytes = (3 << 20) + 12345; // four chunks
        int runs = 0;
        foreach (var syscall in new[] { "pwrite64", "fsync", "link", "unlink" })
        {
            int calls = CountCalls(syscall, "evidence", Fresh($"count-{syscall}"), "2", Bytes.ToString());
            Assert.True(calls >= 1, $"{syscall}: the put makes no such call");
            foreach (var fault in Faults)
            {
                foreach (var n in Sweep(calls))
                {
                    var root = Fresh($"{syscall}-{fault}-{n}".Replace('=', '_'));
                    var run = RunFaulted(syscall, fault, n, "evidence", root, "2", Bytes.ToString());
                    var what = $"evidence {syscall} {fault} when={n}";
                    AssertOutcome(run, what, "EvidenceStoreWriteFailed");
                    var store = new LocalEvidenceStore(root);
                    foreach (var ack in run.Acks)
                    {
                        Assert.True(store.Verify(ack[0], long.Parse(ack[1])).IsValid, $"{what}: acknowledged object {ack[0]} is not intact");
                    }
                    AssertEveryObjectHashesToItsName(store, what);
                    var partials = Directory.Exists(store.IncomingDirectory) ? Directory.GetFiles(store.IncomingDirectory) : [];
                    if (!run.Killed)
                    {
                        Assert.True(partials.Length == 0, $"{what}: a failed put left {partials.Length} temporary file(s)");
                    }
                    store.SweepIncoming(TimeSpan.Zero);
                    Assert.Empty(Directory.Exists(store.IncomingDirectory) ? Directory.GetFiles(store.IncomingDirectory) : []);
                    // The store still works: both items go in (or are found) and verify.
                    for (int i = 0; i < 2; i++)
                    {
                        var put = store.Put(new MemoryStream(FaultContent.Of(i, Bytes)));
                        Assert.True(store.Verify(put.Sha256, Bytes).IsValid, what);
                    }
                    runs++;
                }
            }
        }
        ReliabilityReport.Write(_output, $"faults: {(FullSweep ? "full" : "CI")} sweep: {runs} faulted evidence puts; no object under a wrong name, no temporary file left after a sweep");
    }

    private static void AssertEveryObjectHashesToItsName(LocalEvidenceStore store, string what)
    {
        if (!Directory.Exists(store.ObjectsDirectory))
        {
            return;
        }
        foreach (var dir in Directory.GetDirectories(store.ObjectsDirectory).Where(d => Path.GetFileName(d) != ".incoming"))
        {
            foreach (var file in Directory.GetFiles(dir))
            {
                using var fs = File.OpenRead(file);
                var actual = Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
                Assert.True(actual == Path.GetFileName(file), $"{what}: {file} holds bytes hashing to {actual} (half-written object)");
            }
        }
    }

    [SkippableFact]
    public void Checkpoint_IoErrorOrKillAtEachTreeAndNoteWrite_KeepsAckedCheckpointsAndATreeThatMatchesTheJournal()
    {
        int runs = 0;
        foreach (var syscall in new[] { "pwrite64", "fsync", "rename", "ftruncate" })
        {
            var (countWs, countInc) = NewWorkspace($"count-{syscall}");
            int calls = CountCalls(syscall, "checkpoint", countWs.Root, countInc, "2");
            Assert.True(calls >= 1, $"{syscall}: checkpoints make no such call");
            foreach (var fault in Faults)
            {
                foreach (var n in Sweep(calls))
                {
                    var (ws, inc) = NewWorkspace($"{syscall}-{fault}-{n}".Replace('=', '_'));
                    var run = RunFaulted(syscall, fault, n, "checkpoint", ws.Root, inc, "2");
                    var what = $"checkpoint {syscall} {fault} when={n}";
                    AssertOutcome(run, what, "CheckpointWriteFailed", "JournalWriteFailed");
                    foreach (var ack in run.Acks)
                    {
                        var cp = Checkpoint.Load(ack[2]);
                        Assert.True(cp.Size == long.Parse(ack[0]) && cp.Root == ack[1], $"{what}: acknowledged checkpoint {ack[2]} changed");
                    }
                    var journal = ws.JournalOf(inc);
                    AssertJournalSurvived(journal, run, what, entriesBefore: 1);
                    // The kept tree catches up to the journal and agrees with one rebuilt from scratch.
                    var (now, _) = CheckpointLog.Create(ws, inc, null);
                    Directory.Delete(JournalTree.DirectoryFor(journal), recursive: true);
                    using (var rebuilt = JournalTree.Open(journal))
                    {
                        Assert.True(now.Size == rebuilt.Size && now.RootHash.AsSpan().SequenceEqual(rebuilt.Tree.Root()), $"{what}: the kept tree disagrees with the journal");
                    }
                    runs++;
                }
            }
        }
        ReliabilityReport.Write(_output, $"faults: {(FullSweep ? "full" : "CI")} sweep: {runs} faulted checkpoints; acked checkpoints intact, kept tree equal to a rebuilt one");
    }

    private (Workspace Ws, string Incident) NewWorkspace(string name)
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, name));
        var inc = ws.OpenIncident("fault test", "alice", options: new JournalAppendOptions { Durable = false }).Id;
        return (ws, inc);
    }
}
