using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

/// <summary>Builds large journals of ~300-byte entries for memory tests and benchmarks (linked into the bench too).</summary>
public static class JournalGenerator
{
    public static void Generate(JournalFile journal, int count, int batch = 10_000)
    {
        var options = new JournalAppendOptions { Durable = false };
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (int done = 0; done < count;)
        {
            int n = Math.Min(batch, count - done);
            var drafts = new List<StatementDraft>(n);
            for (int i = 0; i < n; i++)
            {
                drafts.Add(new StatementDraft(Note.KindName, "gen", new JsonObject { ["text"] = $"generated entry {done + i}" })
                {
                    Timestamp = start.AddMilliseconds(done + i),
                });
            }
            journal.AppendBatch(drafts, options);
            done += n;
        }
    }
}
