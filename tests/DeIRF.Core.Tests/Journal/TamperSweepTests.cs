using DeIRF.Journal;
using Xunit;

namespace DeIRF.Core.Tests.Journal;

/// <summary>
/// Every single-byte change, deleted line, swapped pair and duplicated line of a generated journal is reported
/// invalid at the right sequence number. The head record beside the journal catches entries cut from the end.
/// </summary>
public sealed class TamperSweepTests : IDisposable
{
    private readonly string _dir = JournalFixture.NewDirectory();
    private readonly JournalFile _journal;
    private readonly byte[] _original;
    private readonly List<(int Start, int End)> _lines = new(); // [Start, End) including the LF

    public TamperSweepTests()
    {
        _journal = JournalFixture.NewJournal(_dir, notes: 7);
        _original = File.ReadAllBytes(_journal.Path);
        int start = 0;
        for (int i = 0; i < _original.Length; i++)
        {
            if (_original[i] == (byte)'\n')
            {
                _lines.Add((start, i + 1));
                start = i + 1;
            }
        }
        Assert.Equal(8, _lines.Count);
        Assert.True(_journal.Verify().IsValid);
    }

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private JournalVerdict VerifyBytes(byte[] content)
    {
        File.WriteAllBytes(_journal.Path, content);
        return _journal.Verify();
    }

    private int LineOf(int offset) => _lines.FindIndex(l => offset >= l.Start && offset < l.End);

    [Theory]
    [InlineData(0x01)]
    [InlineData(0x20)]
    [InlineData(0x80)]
    public void EverySingleByteChange_IsDetectedAtItsEntry(int xor)
    {
        int detected = 0;
        for (int offset = 0; offset < _original.Length; offset++)
        {
            var mutated = (byte[])_original.Clone();
            mutated[offset] ^= (byte)xor;
            var verdict = VerifyBytes(mutated);
            int seq = LineOf(offset);
            Assert.False(verdict.IsValid, $"byte {offset} ^ 0x{xor:x2} (line {seq + 1}) went unnoticed");
            Assert.True(verdict.FirstBadSeq == seq, $"byte {offset} ^ 0x{xor:x2}: reported seq {verdict.FirstBadSeq} ({verdict.Fault}: {verdict.Reason}), expected {seq}");
            detected++;
        }
        Assert.Equal(_original.Length, detected);
        Assert.True(detected > 2000, $"only {detected} mutations");
    }

    [Fact]
    public void EveryDeletedLine_IsDetectedAtItsSequence()
    {
        for (int k = 0; k < _lines.Count; k++)
        {
            var mutated = _original.Take(_lines[k].Start).Concat(_original.Skip(_lines[k].End)).ToArray();
            var verdict = VerifyBytes(mutated);
            Assert.False(verdict.IsValid, $"deleting line {k + 1} went unnoticed");
            Assert.Equal(k, verdict.FirstBadSeq);
            // The last entry's deletion is only visible against the head record.
            Assert.Equal(k == _lines.Count - 1 ? JournalFault.Truncated : JournalFault.SequenceGap, verdict.Fault);
        }
    }

    [Fact]
    public void EverySwappedPair_IsDetectedAtTheFirstOfThePair()
    {
        for (int k = 0; k + 1 < _lines.Count; k++)
        {
            var a = _original[_lines[k].Start.._lines[k].End];
            var b = _original[_lines[k + 1].Start.._lines[k + 1].End];
            var mutated = _original[.._lines[k].Start].Concat(b).Concat(a).Concat(_original[_lines[k + 1].End..]).ToArray();
            var verdict = VerifyBytes(mutated);
            Assert.False(verdict.IsValid);
            Assert.Equal(k, verdict.FirstBadSeq);
            Assert.Equal(JournalFault.SequenceGap, verdict.Fault);
        }
    }

    [Fact]
    public void EveryDuplicatedLine_IsDetectedAtTheCopy()
    {
        for (int k = 0; k < _lines.Count; k++)
        {
            var line = _original[_lines[k].Start.._lines[k].End];
            var mutated = _original[.._lines[k].End].Concat(line).Concat(_original[_lines[k].End..]).ToArray();
            var verdict = VerifyBytes(mutated);
            Assert.False(verdict.IsValid);
            Assert.Equal(k + 1, verdict.FirstBadSeq);
            Assert.Equal(JournalFault.SequenceGap, verdict.Fault);
        }
    }

    [Fact]
    public void WholeEntriesCutFromTheEnd_AreCaughtByTheHeadRecord()
    {
        var mutated = _original[.._lines[5].Start];
        var verdict = VerifyBytes(mutated);
        Assert.False(verdict.IsValid);
        Assert.Equal(JournalFault.Truncated, verdict.Fault);
        Assert.Equal(5, verdict.FirstBadSeq);
        // Without the head record (a copy someone handed over) the chain alone cannot see it: that is what
        // checkpoints are for.
        Assert.True(_journal.Verify(new JournalVerifyOptions { UseHeadRecord = false }).IsValid);
    }

    [Fact]
    public void OneByteTruncation_DropsExactlyTheLastEntry()
    {
        var mutated = _original[..^1];
        var verdict = VerifyBytes(mutated);
        Assert.False(verdict.IsValid);
        Assert.True(verdict.IsTornTail);
        Assert.Equal(7, verdict.EntryCount);
        Assert.Equal(7, verdict.FirstBadSeq);
        // The head record knows entry 7 was acknowledged, so this is a cut, not a crash mid-write.
        Assert.Equal(JournalFault.Truncated, verdict.Fault);
        var noHead = _journal.Verify(new JournalVerifyOptions { UseHeadRecord = false });
        Assert.Equal(JournalFault.TornTail, noHead.Fault);
        Assert.Equal(7, noHead.EntryCount);
    }

    [Fact]
    public void HistoryRewrittenBehindTheHead_IsReported()
    {
        // Re-create the journal from scratch with different content and the same length: the head record's hash differs.
        var other = JournalFixture.NewJournal(JournalFixture.NewDirectory(), notes: 7);
        File.Copy(other.Path, _journal.Path, overwrite: true);
        var verdict = _journal.Verify();
        Assert.False(verdict.IsValid);
        Assert.Equal(JournalFault.HashMismatch, verdict.Fault);
        Assert.Contains("history was rewritten", verdict.Reason);
    }

    [Fact]
    public void AJournalOfAnotherIncident_IsRefusedWhenTheIncidentIsExpected()
    {
        var verdict = _journal.Verify(new JournalVerifyOptions { ExpectedIncident = "INC-20260101-OTHR" });
        Assert.Equal(JournalFault.WrongIncident, verdict.Fault);
        Assert.Equal(0, verdict.FirstBadSeq);
    }
}
