using DeIRF.Checkpoints;
using DeIRF.Identity;
using DeIRF.Sync;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Files;

/// <summary>The one owner of workspace paths and of the incident-id grammar.</summary>
public sealed class WorkspaceLayoutTests
{
    [Theory]
    [InlineData("INC-20260101-1A2B")]
    [InlineData("INC-x")]
    [InlineData("INC-a_b-C")]
    public void IncidentIds_OfTheGrammar(string id)
    {
        Assert.True(WorkspaceLayout.IsIncidentId(id));
        Assert.Equal(id, WorkspaceLayout.ValidateIncidentId(id));
        Assert.Equal(id, WorkspaceLayout.JournalIdOf(WorkspaceLayout.JournalPath(id)));
        Assert.True(WorkspaceLayout.IsSharedPath(WorkspaceLayout.JournalPath(id)));
        Assert.True(WorkspaceLayout.IsCheckpointPath(WorkspaceLayout.CheckpointPath(id, 17)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("INC-")]
    [InlineData("inc-20260101-1A2B")]
    [InlineData("INC-../../etc")]
    [InlineData("INC-a/b")]
    [InlineData("INC-a.b")]
    [InlineData("INC-1\n")]
    [InlineData(" INC-1")]
    [InlineData("ROSTER")]
    public void NotIncidentIds_AreRefused_AndNoPathIsMadeOfThem(string id)
    {
        Assert.False(WorkspaceLayout.IsIncidentId(id));
        var ex = Assert.Throws<DeirfException>(() => WorkspaceLayout.ValidateIncidentId(id));
        Assert.Equal("IncidentIdInvalid", ex.ErrorId);
        Assert.Throws<DeirfException>(() => WorkspaceLayout.IncidentFolder(id));
        Assert.Throws<DeirfException>(() => WorkspaceLayout.CheckpointPath(id, 1));
        Assert.Throws<DeirfException>(() => Workspace.ValidateIncidentId(id));
    }

    [Fact]
    public void IncidentIds_AtMost64Characters()
    {
        Assert.True(WorkspaceLayout.IsIncidentId("INC-" + new string('a', 60)));
        Assert.False(WorkspaceLayout.IsIncidentId("INC-" + new string('a', 61)));
        Assert.Equal(WorkspaceLayout.MaxIncidentIdLength, ("INC-" + new string('a', 60)).Length);
    }

    [Fact]
    public void IncidentIdFor_IsTheDayAndTheHexSuffix()
        => Assert.Equal("INC-20260315-0AFF", WorkspaceLayout.IncidentIdFor(new DateTimeOffset(2026, 3, 14, 23, 30, 0, TimeSpan.FromHours(-2)), [0x0a, 0xff]));

    [Fact]
    public void Paths_RelativeAndSlashSeparated()
    {
        Assert.Equal("roster.jsonl", WorkspaceLayout.JournalPath(Roster.JournalId));
        Assert.Equal(Roster.JournalId, WorkspaceLayout.JournalIdOf("roster.jsonl"));
        Assert.Equal("incidents/INC-1/journal.jsonl", WorkspaceLayout.JournalPath("INC-1"));
        Assert.Equal("incidents/INC-1/checkpoints/0000000042.checkpoint", WorkspaceLayout.CheckpointPath("INC-1", 42));
        Assert.Equal("incidents/INC-1/tree", WorkspaceLayout.TreeFolder("INC-1"));
        Assert.Equal(".deirf-sync/pending/ROSTER.json", WorkspaceLayout.PendingWrite(Roster.JournalId));
        Assert.Equal(".deirf-sync/conflicts/templates/x.md.20260101T000000000Z", WorkspaceLayout.ConflictCopy("templates/x.md", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Null(WorkspaceLayout.JournalIdOf("incidents/INC-1/checkpoints/0000000042.checkpoint"));
        Assert.Null(WorkspaceLayout.JournalIdOf("incidents/INC-/journal.jsonl"));
    }

    [Fact]
    public void ReplicaLocalPaths_AreNotShared()
    {
        Assert.Same(WorkspaceLayout.ReplicaLocal, SyncTreePolicy.ReplicaLocal);
        foreach (var p in new[] { WorkspaceLayout.TrustedHeadsFile, WorkspaceLayout.TreeFolder("INC-1") + "/state.json", "evidence/sha256/ab/abcd", "incidents/INC-1/journal.jsonl.head" })
        {
            Assert.True(WorkspaceLayout.IsReplicaLocal(p), p);
            Assert.NotNull(SyncTreePolicy.CheckPath(p));
        }
        foreach (var f in WorkspaceLayout.SharedFiles)
        {
            Assert.True(WorkspaceLayout.IsSharedPath(f), f);
            Assert.Null(SyncTreePolicy.CheckPath(f));
        }
    }

    [Fact]
    public void Workspace_AsksTheLayout()
    {
        var dir = Directory.CreateTempSubdirectory("deirf-layout-").FullName;
        try
        {
            var ws = Workspace.Initialize(Path.Combine(dir, "ws"));
            Assert.Equal(Path.Combine(ws.Root, "incidents", "INC-1", "journal.jsonl"), ws.JournalPathFor("INC-1"));
            Assert.Equal(Path.Combine(ws.Root, "roster.jsonl"), ws.JournalPathFor(Roster.JournalId));
            Assert.Equal(Path.Combine(ws.Root, "incidents"), ws.IncidentsDirectory);
            Assert.Equal(Path.Combine(ws.Root, "deirf-workspace.json"), ws.SettingsPath);
            Assert.Equal(Path.Combine(ws.Root, "incidents", "INC-1", "checkpoints", "0000000003.checkpoint"), CheckpointLog.PathFor(ws, "INC-1", 3));
            Assert.Equal(string.Join("\n", WorkspaceLayout.ReplicaLocal) + "\n", File.ReadAllText(Path.Combine(ws.Root, ".gitignore")));
            Assert.Equal(WorkspaceLayout.AlertEvidenceName("ab"), Workspace.AlertFileName("ab"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
