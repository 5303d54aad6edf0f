using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests.Journal;

/// <summary>
/// Issue 19 finding 4: a journal edited behind DeIRF's back is refused by the readers (JournalCorrupt), so a write
/// must not chain onto it either: same error id, nothing written. The full check runs only when the file is not as
/// DeIRF last left it (the head record's stamp), so a normal append stays constant-cost.
/// </summary>
public sealed class WriteOverTamperedJournalTests : IDisposable
{
    private readonly string _dir = JournalFixture.NewDirectory();

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private static StatementDraft Note(string text) => new(DeIRF.Journal.Kinds.Note.KindName, "bob", new JsonObject { ["text"] = text });

    /// <summary>Changes one character of line <paramref name="line"/> (1-based) in place: same size, mtime put back.</summary>
    private static void EditLine(JournalFile journal, int line, bool keepMtime)
    {
        var mtime = File.GetLastWriteTimeUtc(journal.Path);
        var bytes = File.ReadAllBytes(journal.Path);
        int start = 0;
        for (int i = 1; i < line; i++)
        {
            start = Array.IndexOf(bytes, (byte)'\n', start) + 1;
        }
        var text = Encoding.UTF8.GetString(bytes);
        int at = text.IndexOf("containment", start, StringComparison.Ordinal);
        Assert.InRange(at, start, Array.IndexOf(bytes, (byte)'\n', start));
        bytes[at] = (byte)'C';
        using (var fs = new FileStream(journal.Path, FileMode.Open, FileAccess.Write))
        {
            fs.Write(bytes);
        }
        if (keepMtime)
        {
            File.SetLastWriteTimeUtc(journal.Path, mtime);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Line3Edited_ReadersAndWritersRefuseAlike_NothingWritten(bool keepMtime)
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 5);
        EditLine(journal, 3, keepMtime);
        var before = File.ReadAllBytes(journal.Path);
        var read = Assert.Throws<JournalCorruptException>(() => journal.ReadEntries().ToList());

        var write = Assert.Throws<JournalCorruptException>(() => journal.Append(Note("chained onto a forgery")));
        Assert.Equal(read.ErrorId, write.ErrorId);
        Assert.Equal("JournalCorrupt", write.ErrorId);
        Assert.Contains("Nothing was written", write.Message);
        Assert.Equal(before, File.ReadAllBytes(journal.Path));
        Assert.Throws<JournalCorruptException>(() => journal.AppendChecked(() => [Note("checked")]));
        Assert.Equal(before, File.ReadAllBytes(journal.Path));
    }

    [Fact]
    public void EntriesCutFromTheEnd_AppendRefused()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 5);
        var bytes = File.ReadAllBytes(journal.Path);
        int cut = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        File.WriteAllBytes(journal.Path, bytes[..cut]);
        var ex = Assert.Throws<JournalCorruptException>(() => journal.Append(Note("after the cut")));
        Assert.Equal("JournalCorrupt", ex.ErrorId);
        Assert.Equal(cut, new FileInfo(journal.Path).Length);
    }

    [Fact]
    public void UntouchedJournal_AppendsStampTheHead_AndAnOldHeadWithoutStampIsCheckedOnceThenAppends()
    {
        var journal = JournalFixture.NewJournal(_dir, notes: 3);
        Assert.Contains("\"mtime\"", File.ReadAllText(journal.HeadPath));
        Assert.Contains("\"size\"", File.ReadAllText(journal.HeadPath));
        // A head record written before stamps were kept: the append verifies in full, finds it valid, and goes on.
        var head = HeadRecord.TryRead(journal.Path)!;
        File.WriteAllText(journal.HeadPath, $"{{\"hash\":\"{head.Hash}\",\"seq\":{head.Seq}}}");
        var e = journal.Append(Note("after an upgrade"));
        Assert.Equal(head.Seq + 1, e.Seq);
        Assert.True(journal.Verify().IsValid);
        Assert.Contains("\"mtime\"", File.ReadAllText(journal.HeadPath));
    }

    [Fact]
    public void ValidEntriesAppendedByAnotherTool_AreVerified_ThenAppendedTo()
    {
        // A journal copied over with a longer valid one (a restore, a replica's file): it verifies, so writes go on.
        var journal = JournalFixture.NewJournal(_dir, notes: 2);
        var other = new JournalFile(Path.Combine(_dir, "copy", "journal.jsonl"));
        Directory.CreateDirectory(Path.GetDirectoryName(other.Path)!);
        File.Copy(journal.Path, other.Path);
        File.Copy(journal.HeadPath, other.HeadPath);
        other.Append(Note("on the copy"));
        File.Copy(other.Path, journal.Path, overwrite: true);
        var e = journal.Append(Note("after the restore"));
        Assert.Equal(4, e.Seq);
        Assert.True(journal.Verify().IsValid);
    }
}
