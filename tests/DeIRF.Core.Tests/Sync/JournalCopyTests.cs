using System.Text;
using DeIRF.Core.Tests.Journal;
using DeIRF.Journal;
using DeIRF.Sync;
using Xunit;

namespace DeIRF.Core.Tests.Sync;

/// <summary>A received copy is split by the journal's own line reader: same lines, same refusals as the sync reported before.</summary>
public sealed class JournalCopyTests : IDisposable
{
    private readonly string _dir = JournalFixture.NewDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private byte[] Journal(int notes) => File.ReadAllBytes(JournalFixture.NewJournal(_dir, notes).Path);

    [Fact]
    public void TryParse_LinesAreSlicesOfTheBytes_InOrder()
    {
        var bytes = Journal(3);
        var copy = JournalCopy.TryParse(bytes, out var problem, out _);
        Assert.NotNull(copy);
        Assert.Null(problem);
        Assert.Equal(4, copy.Count);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < copy.Count; i++)
        {
            Assert.Equal(lines[i], Encoding.UTF8.GetString(copy.Line(i)));
            Assert.Equal(64, copy.Hash(i).Length);
        }
        Assert.Equal(new HeadRecord(3, copy.Hash(3)), copy.Head);
        Assert.Same(bytes, copy.Bytes);
    }

    [Fact]
    public void TryParse_PartialLastLine_NamesItsLengthAndPosition()
    {
        var bytes = Journal(2);
        var torn = bytes.Concat("{\"hash\":"u8.ToArray()).ToArray();
        Assert.Null(JournalCopy.TryParse(torn, out var problem, out var badLine));
        Assert.Equal("the copy ends in a partial line of 8 byte(s)", problem);
        Assert.Equal(3, badLine);
    }

    [Fact]
    public void TryParse_DamagedLine_NamesTheFaultAndItsSeq()
    {
        var bytes = Journal(2);
        var text = Encoding.UTF8.GetString(bytes).Split('\n');
        text[1] = text[1].Replace("note 0", "note X", StringComparison.Ordinal);
        Assert.Null(JournalCopy.TryParse(Encoding.UTF8.GetBytes(string.Join('\n', text)), out var problem, out var badLine));
        Assert.StartsWith(nameof(JournalFault.HashMismatch) + ": ", problem);
        Assert.Equal(1, badLine);
    }

    [Fact]
    public void TryParse_EmptyLineAndEmptyCopy()
    {
        Assert.Equal(0, JournalCopy.TryParse([], out var none, out _)!.Count);
        Assert.Null(none);
        Assert.Null(JournalCopy.TryParse("\n"u8.ToArray(), out var problem, out var badLine));
        Assert.NotNull(problem);
        Assert.Equal(0, badLine);
    }
}
