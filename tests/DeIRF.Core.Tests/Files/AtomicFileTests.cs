using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Journal;
using DeIRF.Testing;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Files;

/// <summary>
/// Issue 18 finding 8: files rewritten through a fixed "&lt;path&gt;.tmp" followed a symbolic link planted at that name
/// and overwrote the file it pointed at. Every such write now goes through <see cref="AtomicFile"/>: a random name
/// created exclusively, then a rename over the target.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private const string VictimText = "the victim's own bytes";
    private readonly string _dir = TestArtifacts.NewDirectory("deirf-atomic-");

    public void Dispose() => TestArtifacts.Delete(_dir);

    /// <summary>A victim file and a link to it at <paramref name="plantedAt"/> (the old fixed temporary name).</summary>
    private string Plant(string plantedAt)
    {
        var victim = Path.Combine(_dir, "victim-" + Guid.NewGuid().ToString("N")[..8] + ".txt");
        File.WriteAllText(victim, VictimText);
        Directory.CreateDirectory(Path.GetDirectoryName(plantedAt)!);
        File.CreateSymbolicLink(plantedAt, victim);
        return victim;
    }

    private static void AssertUntouched(string victim, string target)
    {
        Assert.Equal(VictimText, File.ReadAllText(victim));
        Assert.Null(new FileInfo(target).LinkTarget);
        Assert.True(File.Exists(target));
    }

    [SkippableFact]
    public void Write_WithALinkPlantedAtTheOldTempName_LeavesTheVictimUntouched()
    {
        Skip.If(OperatingSystem.IsWindows(), "planting a symbolic link needs no privilege only on Unix");
        var target = Path.Combine(_dir, "state.json");
        var victim = Plant(target + ".tmp");
        AtomicFile.WriteText(target, "{\"new\":true}\n");
        AssertUntouched(victim, target);
        Assert.Equal("{\"new\":true}\n", File.ReadAllText(target));
        // No temp is left behind (the planted link is not ours and stays).
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => Path.GetFileName(f).StartsWith(".state.json.", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Write_OverALinkAtTheTargetName_ReplacesTheLinkNotTheFileItNames()
    {
        Skip.If(OperatingSystem.IsWindows(), "planting a symbolic link needs no privilege only on Unix");
        var target = Path.Combine(_dir, "policy.json");
        var victim = Plant(target);
        AtomicFile.WriteText(target, "replaced");
        AssertUntouched(victim, target);
        Assert.Equal("replaced", File.ReadAllText(target));
    }

    [Fact]
    public void Write_WithoutOverwrite_RefusesAnExistingTarget_AndLeavesNoTemp()
    {
        var target = Path.Combine(_dir, "once.json");
        File.WriteAllText(target, "first");
        Assert.Throws<IOException>(() => AtomicFile.WriteText(target, "second", overwrite: false));
        Assert.Equal("first", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [SkippableFact]
    public void CheckpointPolicySave_HeadRecordWrite_AndWorkspaceInit_DoNotFollowALinkAtTheOldTempName()
    {
        Skip.If(OperatingSystem.IsWindows(), "planting a symbolic link needs no privilege only on Unix");
        var root = Path.Combine(_dir, "ws");
        var settingsVictim = Plant(Path.Combine(root, Workspace.FileName + ".tmp"));
        var ws = Workspace.Initialize(root);
        AssertUntouched(settingsVictim, Path.Combine(root, Workspace.FileName));

        // Governed settings are written by Roster.WriteSettingsFile (exclusive random temp, rename): a planted link at
        // the old fixed temp name is never followed.
        var policyVictim = Plant(CheckpointPolicy.PathIn(ws) + ".tmp");
        DeIRF.Identity.Roster.WriteSettingsFile(ws, CheckpointPolicy.FileName, System.Text.Encoding.UTF8.GetBytes(new CheckpointPolicy { Every = 7 }.ToJson().ToJsonString()));
        AssertUntouched(policyVictim, CheckpointPolicy.PathIn(ws));
        Assert.Contains("\"every\":7", File.ReadAllText(CheckpointPolicy.PathIn(ws)));

        var inc = ws.OpenIncident("planted head link", "alice", options: new JournalAppendOptions { Durable = false });
        var headVictim = Plant(HeadRecord.PathFor(inc.JournalPath) + ".tmp");
        ws.JournalOf(inc.Id).Append(new StatementDraft(DeIRF.Journal.Kinds.Note.KindName, "alice", new JsonObject { ["text"] = "after the plant" }),
            new JournalAppendOptions { Durable = false });
        AssertUntouched(headVictim, HeadRecord.PathFor(inc.JournalPath));
        Assert.Equal(1, HeadRecord.TryRead(inc.JournalPath)!.Seq);
    }
}
