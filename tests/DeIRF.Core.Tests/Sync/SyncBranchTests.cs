using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Sync;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Sync;

/// <summary>
/// Issue 19 finding 3: remotes made with plain `git init --bare` name HEAD master (or anything), while DeIRF shares
/// on main. The second machine must join the branch that holds the workspace, not the remote's HEAD.
/// </summary>
public sealed class SyncBranchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-sync-branch-").FullName;

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private static readonly JournalAppendOptions Plain = new() { Durable = false };

    private (Workspace First, string Incident) Share(SyncRemote remote, string? branch)
    {
        var first = Workspace.Initialize(Path.Combine(_dir, "replica-a"), "team");
        var incident = first.OpenIncident("shared", "alice", options: Plain).Id;
        var (ws, result) = WorkspaceSync.Initialize(first.Root, remote.Url, null, new SyncOptions { Actor = "alice", Branch = branch });
        Assert.True(result.Pushed);
        return (ws, incident);
    }

    private string RemoteHeads(SyncRemote remote) => SyncTeam.Git(_dir, "ls-remote", "--heads", remote.Url);

    [SkippableTheory]
    [InlineData("master")]
    [InlineData("main")]
    [InlineData("trunk")]
    public void SecondMachineJoins_WhateverTheRemoteHeadSays_AndBothSyncOnMain(string remoteHead)
    {
        using var remote = SyncRemote.Create(_dir, "file", remoteHead);
        var (a, incident) = Share(remote, branch: null);
        Assert.Contains("refs/heads/main", RemoteHeads(remote));

        var (b, joined) = WorkspaceSync.Initialize(Path.Combine(_dir, "replica-b"), remote.Url, null, new SyncOptions { Actor = "bob" });
        Assert.Equal(a.WorkspaceId, b.WorkspaceId);
        Assert.Equal("main", joined.Branch);
        Assert.True(File.Exists(b.JournalPathFor(incident)));

        b.JournalOf(incident).Append(new StatementDraft(Note.KindName, "bob", new JsonObject { ["text"] = "from b" }), Plain);
        var pushed = WorkspaceSync.Sync(b, new SyncOptions { Actor = "bob" });
        Assert.Equal("main", pushed.Branch);
        Assert.True(pushed.Pushed);
        WorkspaceSync.Sync(a, new SyncOptions { Actor = "alice" });
        Assert.Contains(a.JournalOf(incident).ReadEntries(), e => e.Kind == Note.KindName && e.Actor == "bob");
        // Only the workspace's branch exists on the remote: no stray branch named after its HEAD was pushed.
        Assert.Equal(["main"], RemoteHeads(remote).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[1]["refs/heads/".Length..]));
    }

    [SkippableFact]
    public void RemoteHeadBranchHoldsSomethingElse_TheBranchWithTheWorkspaceIsJoined()
    {
        using var remote = SyncRemote.Create(_dir, "file", "master");
        var (a, _) = Share(remote, branch: null);
        // Someone pushed an unrelated README to master, the remote's HEAD.
        var plain = Path.Combine(_dir, "plain");
        SyncTeam.Git(_dir, "init", "--quiet", "--initial-branch=master", plain);
        File.WriteAllText(Path.Combine(plain, "README.md"), "not a workspace\n");
        SyncTeam.Git(plain, "add", "-A");
        SyncTeam.Git(plain, "commit", "--quiet", "-m", "readme");
        SyncTeam.Git(plain, "push", "--quiet", remote.Url, "master");

        var (b, joined) = WorkspaceSync.Initialize(Path.Combine(_dir, "replica-b"), remote.Url, null, new SyncOptions { Actor = "bob" });
        Assert.Equal("main", joined.Branch);
        Assert.Equal(a.WorkspaceId, b.WorkspaceId);
        Assert.False(File.Exists(Path.Combine(b.Root, "README.md")));
    }

    [SkippableFact]
    public void SharedOnAThirdBranch_IsFoundWithoutBranch_AndAMissingBranchWritesNothing()
    {
        using var remote = SyncRemote.Create(_dir, "file", "master");
        var (_, incident) = Share(remote, branch: "ops");
        Assert.Contains("refs/heads/ops", RemoteHeads(remote));
        Assert.DoesNotContain("refs/heads/main", RemoteHeads(remote));

        var (b, joined) = WorkspaceSync.Initialize(Path.Combine(_dir, "replica-b"), remote.Url, null, new SyncOptions { Actor = "bob" });
        Assert.Equal("ops", joined.Branch);
        Assert.True(File.Exists(b.JournalPathFor(incident)));
        Assert.Equal("ops", WorkspaceSync.Sync(b, new SyncOptions { Actor = "bob" }).Branch);

        var missing = Path.Combine(_dir, "replica-c");
        var ex = Assert.Throws<SyncException>(() => WorkspaceSync.Initialize(missing, remote.Url, null, new SyncOptions { Actor = "carol", Branch = "main" }));
        Assert.Equal("SyncBranchNotFound", ex.ErrorId);
        Assert.False(Directory.Exists(missing));

        var bad = Assert.Throws<SyncException>(() => WorkspaceSync.Initialize(missing, remote.Url, null, new SyncOptions { Actor = "carol", Branch = "--upload-pack=x" }));
        Assert.Equal("SyncBranchInvalid", bad.ErrorId);
        Assert.False(Directory.Exists(missing));
    }

    [SkippableFact]
    public void EmptyRemote_GetsTheWorkspaceOnMain_OrOnTheBranchAsked()
    {
        using var remote = SyncRemote.Create(_dir, "file", "master");
        var (_, incident) = Share(remote, branch: null);
        Assert.Equal("main", RemoteHeads(remote).Split('\t')[1].Trim()["refs/heads/".Length..]);
        var (b, _) = WorkspaceSync.Initialize(Path.Combine(_dir, "replica-b"), remote.Url, null, new SyncOptions { Actor = "bob" });
        Assert.True(File.Exists(b.JournalPathFor(incident)));
    }

    [SkippableFact]
    public void TwoBranchesHoldWorkspaces_NeitherPreferred_AskForBranch()
    {
        using var remote = SyncRemote.Create(_dir, "file", "master");
        Share(remote, branch: "blue");
        // A second workspace committed on its own branch of the same remote.
        var green = Workspace.Initialize(Path.Combine(_dir, "replica-green"), "green");
        SyncTeam.Git(green.Root, "init", "--quiet", "--initial-branch=green");
        SyncTeam.Git(green.Root, "add", "-A");
        SyncTeam.Git(green.Root, "commit", "--quiet", "-m", "green");
        SyncTeam.Git(green.Root, "push", "--quiet", remote.Url, "green");

        var join = Path.Combine(_dir, "replica-b");
        var ex = Assert.Throws<SyncException>(() => WorkspaceSync.Initialize(join, remote.Url, null, new SyncOptions { Actor = "bob" }));
        Assert.Equal("SyncBranchAmbiguous", ex.ErrorId);
        Assert.False(Directory.Exists(join));
        var (b, joined) = WorkspaceSync.Initialize(join, remote.Url, null, new SyncOptions { Actor = "bob", Branch = "green" });
        Assert.Equal("green", joined.Branch);
        Assert.Equal(green.WorkspaceId, b.WorkspaceId);
    }
}
