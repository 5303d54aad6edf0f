using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

// A child process for journal tests that need a real process boundary (SIGKILL, concurrent writers, peak memory).
//   create   <journal> <workspaceId> <incident>
//   append   <journal> <count> [--split-writes] [--no-durable] [--actor NAME] [--seconds S] [--pause-mid-line N]
//            prints "ack <seq> <hash>" after each append (with --seconds: stops when the time is up, adds the latency in µs);
//            --pause-mid-line N: the Nth append (from 1) writes the first half of its line, prints "paused mid-line" and
//            waits to be killed (a torn tail at a chosen point)
//   generate <journal> <count>                  batched appends of ~300-byte entries
//   verify   <journal>                          prints the verdict and the peak resident set as JSON
//   sync     <workspace> <actor> <fault point>  runs Sync-DeirfWorkspace's engine; at the named point (after-rename,
//                                               after-write, after-commit) prints "paused <point>" and waits to be killed
//   fault    append|repair|evidence|checkpoint  operations that ack each result, for strace fault injection (FaultHost)
var mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "create":
        {
            var journal = new JournalFile(args[1]);
            journal.CreateGenesis(args[2], args[3], new StatementDraft(IncidentOpened.KindName, "stress",
                new JsonObject { ["drill"] = true, ["reporter"] = "stress", ["tags"] = new JsonArray(), ["title"] = "journal stress" }));
            return 0;
        }
    case "append":
        {
            var journal = new JournalFile(args[1]);
            int count = int.Parse(args[2]);
            bool split = args.Contains("--split-writes");
            bool durable = !args.Contains("--no-durable");
            int actorIdx = Array.IndexOf(args, "--actor");
            string actor = actorIdx > 0 ? args[actorIdx + 1] : "stress";
            int pauseIdx = Array.IndexOf(args, "--pause-mid-line");
            int pauseAt = pauseIdx > 0 ? int.Parse(args[pauseIdx + 1]) : 0;
            int appends = 0;
            Func<Stream, Stream>? wrap = null;
            if (pauseAt > 0)
            {
                // WrapStream is asked once per append: the Nth one stops between the halves of its line.
                wrap = s => ++appends == pauseAt ? new SplitWriteStream(s, PauseForKill) : new SplitWriteStream(s);
            }
            else if (split)
            {
                wrap = s => new SplitWriteStream(s);
            }
            var options = new JournalAppendOptions { Durable = durable, WrapStream = wrap, LockTimeout = TimeSpan.FromMinutes(2) };
            int secondsIdx = Array.IndexOf(args, "--seconds");
            var stdout = Console.Out;
            if (secondsIdx > 0)
            {
                // Load mode: append until the time is up (at most count entries); each ack carries its latency in µs.
                var until = DateTime.UtcNow.AddSeconds(double.Parse(args[secondsIdx + 1], System.Globalization.CultureInfo.InvariantCulture));
                for (int i = 0; i < count && DateTime.UtcNow < until; i++)
                {
                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    var e = journal.Append(new StatementDraft(Note.KindName, actor, new JsonObject { ["text"] = $"{actor} note {i} " + new string('x', 120) }), options);
                    var micros = (long)System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                    stdout.WriteLine($"ack {e.Seq} {e.Hash} {micros}");
                }
                stdout.Flush();
                return 0;
            }
            for (int i = 0; i < count; i++)
            {
                var e = journal.Append(new StatementDraft(Note.KindName, actor, new JsonObject { ["text"] = $"{actor} note {i} " + new string('x', 120) }), options);
                stdout.WriteLine($"ack {e.Seq} {e.Hash}");
                stdout.Flush();
            }
            return 0;
        }
    case "generate":
        {
            var journal = new JournalFile(args[1]);
            int count = int.Parse(args[2]);
            JournalGenerator.Generate(journal, count);
            return 0;
        }
    case "verify":
        {
            var verdict = new JournalFile(args[1]).Verify();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                verdict.IsValid,
                verdict.EntryCount,
                Fault = verdict.Fault.ToString(),
                verdict.Reason,
                PeakRssBytes = PeakRss(),
                ElapsedMs = verdict.Elapsed.TotalMilliseconds,
            }));
            return verdict.IsValid ? 0 : 1;
        }
    case "sync":
        {
            var ws = DeIRF.Workspaces.Workspace.Open(args[1]);
            var point = args[3];
            DeIRF.Sync.SyncResult result;
            try
            {
            result = DeIRF.Sync.WorkspaceSync.Sync(ws, new DeIRF.Sync.SyncOptions
            {
                Actor = args[2],
                FaultPoint = at =>
                {
                    if (at == point)
                    {
                        Console.WriteLine($"paused {at}");
                        Console.Out.Flush();
                        Thread.Sleep(Timeout.Infinite);
                    }
                },
            });
            }
            catch (DeIRF.DeirfException ex)
            {
                // As the fault host: the documented refusal, for the strace fault tests.
                Console.WriteLine($"error {ex.ErrorId} {ex.Message.ReplaceLineEndings(" ")}");
                return 3;
            }
            Console.WriteLine($"done {result}");
            return 0;
        }
    case "fault":
        return FaultHost.Run(args[1..]);
    default:
        Console.Error.WriteLine("usage: DeIRF.JournalStress create|append|generate|verify|sync|fault ...");
        return 2;
}

static long PeakRss()
{
    // VmHWM: the peak resident set of this process (Linux).
    if (File.Exists("/proc/self/status"))
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
    }
    return Environment.WorkingSet;
}

static void PauseForKill()
{
    Console.Out.WriteLine("paused mid-line");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite);
}

/// <summary>
/// Fault injection: writes each buffer in two halves with a pause, so a SIGKILL can land mid-line; with
/// <paramref name="between"/>, that runs between the halves (the first one written and flushed) instead of the pause.
/// </summary>
sealed class SplitWriteStream(Stream inner, Action? between = null) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int half = buffer.Length / 2;
        inner.Write(buffer[..half]);
        inner.Flush();
        if (between is not null)
        {
            between();
        }
        else
        {
            Thread.Sleep(3);
        }
        inner.Write(buffer[half..]);
    }
}
