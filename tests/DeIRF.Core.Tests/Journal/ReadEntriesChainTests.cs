using System.Text;
using DeIRF.Journal;
using Xunit;

namespace DeIRF.Core.Tests.Journal;

/// <summary>
/// Every line of a journal can hash correctly on its own while the chain is broken: a line cut out, two lines
/// swapped, a line spliced in from another journal. The reader refuses all three itself (as Verify does), so no fold
/// (incident, quorum, roster) ever reads a chain with a hole in it.
/// </summary>
public sealed class ReadEntriesChainTests : IDisposable
{
    private readonly string _dir = JournalFixture.NewDirectory();

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private static List<string> Lines(JournalFile journal) => File.ReadAllText(journal.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static void Write(JournalFile journal, IEnumerable<string> lines)
    {
        File.WriteAllText(journal.Path, string.Join("\n", lines) + "\n", new UTF8Encoding(false));
        // The head record describes the file as DeIRF left it; without it the reader still checks every line.
        foreach (var side in Directory.GetFiles(Path.GetDirectoryName(journal.Path)!, "journal.jsonl.head*"))
        {
            File.Delete(side);
        }
    }

    [Fact]
    public void IntactJournal_ReadsEveryEntryInOrder()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 5);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, journal.ReadEntries().Select(e => e.Seq));
    }

    [Fact]
    public void LineCutOut_IsASequenceGap_AfterTheEntriesBeforeIt()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 5);
        var lines = Lines(journal);
        lines.RemoveAt(3);
        Write(journal, lines);
        var read = new List<long>();
        var ex = Assert.Throws<JournalCorruptException>(() =>
        {
            foreach (var e in journal.ReadEntries())
            {
                read.Add(e.Seq);
            }
        });
        Assert.Equal(JournalFault.SequenceGap, ex.Fault);
        Assert.Equal("JournalCorrupt", ex.ErrorId);
        Assert.Equal(new long[] { 0, 1, 2 }, read);
        Assert.Contains("entry 4 where entry 3 belongs", ex.Message);
        Assert.Equal(JournalFault.SequenceGap, journal.Verify().Fault);
    }

    [Fact]
    public void LinesSwapped_IsRefused()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 5);
        var lines = Lines(journal);
        (lines[2], lines[3]) = (lines[3], lines[2]);
        Write(journal, lines);
        var ex = Assert.Throws<JournalCorruptException>(() => journal.ReadEntries().ToList());
        Assert.Equal(JournalFault.SequenceGap, ex.Fault);
    }

    [Fact]
    public void LineFromAnotherJournal_SameSeq_IsABrokenLink()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 5);
        var otherDir = Path.Combine(_dir, "other");
        Directory.CreateDirectory(otherDir);
        var other = JournalFixture.NewJournal(otherDir, notes: 5, incident: "INC-20260101-OTHR");
        var lines = Lines(journal);
        lines[4] = Lines(other)[4];
        Assert.NotEqual(Lines(journal)[4], lines[4]);
        Write(journal, lines);
        var ex = Assert.Throws<JournalCorruptException>(() => journal.ReadEntries().ToList());
        Assert.Equal(JournalFault.BrokenLink, ex.Fault);
        Assert.Contains("does not link to the hash of entry 3", ex.Message);
        Assert.False(journal.Verify().IsValid);
    }
}
