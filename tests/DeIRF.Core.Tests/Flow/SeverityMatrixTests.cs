using System.Text;
using DeIRF.Severity;

using Xunit;

namespace DeIRF.Core.Tests.Flow;

public class SeverityMatrixTests
{
    [Theory]
    [InlineData("High", "High", "P1")]
    [InlineData("High", "Medium", "P2")]
    [InlineData("Medium", "High", "P2")]
    [InlineData("High", "Low", "P3")]
    [InlineData("Medium", "Medium", "P3")]
    [InlineData("Low", "High", "P3")]
    [InlineData("Medium", "Low", "P4")]
    [InlineData("Low", "Medium", "P4")]
    [InlineData("low", "LOW", "P4")]
    public void DefaultMatrix(string impact, string urgency, string severity)
        => Assert.Equal(severity, SeverityMatrix.Default.SeverityOf(impact, urgency));

    [Fact]
    public void DefaultHasNineCells() => Assert.Equal(9, SeverityMatrix.Default.Cells().Count());

    [Fact]
    public void WorkspaceFileOverridesTheDefault()
    {
        var dir = Directory.CreateTempSubdirectory("deirf-matrix-").FullName;
        File.WriteAllText(Path.Combine(dir, SeverityMatrix.FileName),
            """{"High":{"High":"P1","Medium":"P1","Low":"P2"},"Medium":{"High":"P2","Medium":"P3","Low":"P4"},"Low":{"High":"P3","Medium":"P4","Low":"P4"}}""");
        var m = SeverityMatrix.For(dir);
        Assert.Equal("P1", m.SeverityOf("High", "Medium"));
        Assert.EndsWith(SeverityMatrix.FileName, m.Origin);
        Assert.Same(SeverityMatrix.Default, SeverityMatrix.For(Directory.CreateTempSubdirectory("deirf-matrix-").FullName));
    }

    [Theory]
    [InlineData("""{"High":{"High":"P1","Medium":"P1","Low":"P2"},"Medium":{"High":"P2","Medium":"P3","Low":"P4"}}""", "Low")]
    [InlineData("""{"High":{"High":"P1","Medium":"P1"},"Medium":{"High":"P2","Medium":"P3","Low":"P4"},"Low":{"High":"P3","Medium":"P4","Low":"P4"}}""", "High.Low")]
    [InlineData("""{"High":{"High":"P0","Medium":"P1","Low":"P2"},"Medium":{"High":"P2","Medium":"P3","Low":"P4"},"Low":{"High":"P3","Medium":"P4","Low":"P4"}}""", "High.High")]
    [InlineData("""{"Huge":{}}""", "Huge")]
    [InlineData("""not json""", "(document)")]
    public void IncompleteOrWrongFilesNameTheCell(string json, string cell)
    {
        var ex = Assert.Throws<DeirfException>(() => SeverityMatrix.Parse(Encoding.UTF8.GetBytes(json), "test"));
        Assert.Equal("SeverityMatrixInvalid", ex.ErrorId);
        Assert.Equal(cell, ex.Target);
    }

    [Fact]
    public void UnknownLevelIsRefused()
        => Assert.Equal("SeverityLevelInvalid", Assert.Throws<DeirfException>(() => SeverityMatrix.Default.SeverityOf("Huge", "High")).ErrorId);
}
