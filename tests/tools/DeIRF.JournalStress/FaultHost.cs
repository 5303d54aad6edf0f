using System.Text.Json.Nodes;
using DeIRF;
using DeIRF.Checkpoints;
using DeIRF.Evidence;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

/// <summary>
/// The child process of the fault-injection tests (run under `strace -e inject=...`). Each operation prints one
/// "ack ..." line only after it returned, so the parent knows exactly what was acknowledged before a fault:
///   fault append     &lt;journal&gt; &lt;batches&gt; &lt;batchSize&gt;     ack &lt;seq&gt; &lt;hash&gt; per entry (Append, or AppendBatch when batchSize &gt; 1)
///   fault repair     &lt;journal&gt;                           ack repaired &lt;entries&gt; &lt;changed&gt;
///   fault evidence   &lt;storeRoot&gt; &lt;count&gt; &lt;bytes&gt;        ack &lt;sha256&gt; &lt;size&gt; per put (content seeded by its index)
///   fault checkpoint &lt;workspace&gt; &lt;incident&gt; &lt;count&gt;     ack &lt;size&gt; &lt;root&gt; &lt;path&gt; per checkpoint (3 notes, then one)
/// A refused or failed operation prints "error &lt;ErrorId&gt; &lt;exception type&gt;" (ErrorId "-" for a non-DeIRF exception)
/// and exits 3.
/// </summary>
public static class FaultHost
{
    public static int Run(string[] args)
    {
        var stdout = Console.Out;
        void Ack(string text)
        {
            stdout.WriteLine("ack " + text);
            stdout.Flush();
        }
        try
        {
            switch (args[0])
            {
                case "append":
                    {
                        var journal = new JournalFile(args[1]);
                        int batches = int.Parse(args[2]);
                        int size = int.Parse(args[3]);
                        for (int b = 0; b < batches; b++)
                        {
                            var drafts = Enumerable.Range(0, size)
                                .Select(i => new StatementDraft(Note.KindName, "fault", new JsonObject { ["text"] = $"fault note {b}.{i}" }))
                                .ToList();
                            var written = size == 1 ? [journal.Append(drafts[0])] : journal.AppendBatch(drafts);
                            foreach (var e in written)
                            {
                                Ack($"{e.Seq} {e.Hash}");
                            }
                        }
                        return 0;
                    }
                case "repair":
                    {
                        var result = new JournalFile(args[1]).Repair();
                        Ack($"repaired {result.EntryCount} {result.Changed}");
                        return 0;
                    }
                case "evidence":
                    {
                        var store = new LocalEvidenceStore(args[1]);
                        int count = int.Parse(args[2]);
                        int bytes = int.Parse(args[3]);
                        for (int i = 0; i < count; i++)
                        {
                            var put = store.Put(new MemoryStream(FaultContent.Of(i, bytes)), new EvidencePutOptions { SourceName = $"item{i}", ExpectedSize = bytes });
                            Ack($"{put.Sha256} {put.Size}");
                        }
                        return 0;
                    }
                case "checkpoint":
                    {
                        var ws = Workspace.Open(args[1]);
                        var incident = args[2];
                        int count = int.Parse(args[3]);
                        var journal = ws.JournalOf(incident);
                        for (int i = 0; i < count; i++)
                        {
                            journal.AppendBatch(Enumerable.Range(0, 3)
                                .Select(n => new StatementDraft(Note.KindName, "fault", new JsonObject { ["text"] = $"before checkpoint {i}: {n}" })).ToList());
                            var (cp, path) = CheckpointLog.Create(ws, incident, null);
                            Ack($"{cp.Size} {cp.Root} {path}");
                        }
                        return 0;
                    }
                default:
                    Console.Error.WriteLine("usage: DeIRF.JournalStress fault append|repair|evidence|checkpoint ...");
                    return 2;
            }
        }
        catch (DeirfException ex)
        {
            stdout.WriteLine($"error {ex.ErrorId} {ex.GetType().Name}");
            stdout.Flush();
            Console.Error.WriteLine(ex.Message);
            return 3;
        }
        catch (Exception ex)
        {
            stdout.WriteLine($"error - {ex.GetType().Name}");
            stdout.Flush();
            Console.Error.WriteLine(ex);
            return 3;
        }
    }
}
