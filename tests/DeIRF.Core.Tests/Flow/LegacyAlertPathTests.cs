using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>
/// Old journals kept an incident's alert beside the journal and named it in "alert.file". A journal can arrive by
/// sync, so that name is untrusted: only the name DeIRF itself gave the file is followed, never a path out.
/// </summary>
public sealed class LegacyAlertPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-alertpath-").FullName;

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private Incidents.Incident Open(string file)
    {
        var ws = Workspace.Initialize(Path.Combine(_dir, Guid.NewGuid().ToString("n")));
        var sha = new string('a', 64);
        var id = "INC-20261207-AB12";
        var body = new IncidentOpened.Body("legacy", "alice", [], false, new IncidentOpened.AlertRef("falco", "node-a", "2026-12-07T09:00:00.000Z", sha, file)).ToBody();
        new JournalFile(ws.JournalPathFor(id)).CreateGenesis(ws.WorkspaceId, id, new StatementDraft(IncidentOpened.KindName, "alice", body));
        return ws.GetIncident(id);
    }

    [Fact]
    public void TheNameDeirfGaveIt_IsFollowed_BesideTheJournal()
    {
        var incident = Open(Workspace.AlertFileName(new string('a', 64)));
        Assert.Equal(Path.Combine(Path.GetDirectoryName(incident.JournalPath)!, Workspace.AlertFileName(new string('a', 64))), incident.AlertPath);
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("/root/.ssh/id_ed25519")]
    [InlineData("alert-other.json")]
    public void AnyOtherName_IsIgnored_NeverAPathOut(string file)
    {
        var incident = Open(file);
        // Falls back to where the evidence store keeps the alert's bytes (null for the local store's default layout).
        Assert.DoesNotContain(file, incident.AlertPath ?? string.Empty);
    }
}
