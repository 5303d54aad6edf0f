using DeIRF.Sync;
using DeIRF.Workspaces;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Sync;

/// <summary>
/// Issue "No one acts alone", attack 1 and 6: whoever can push to the shared remote crafts trees with real git
/// (symbolic links, .git paths, '..', submodules, replica-local paths, huge blobs, a hostile .gitignore). Every one is
/// refused with its own error id before a file of it is written, and nothing runs.
/// </summary>
public sealed class SyncTreeAttackTests
{
    private static readonly string[] Team = ["alice", "bob"];
    private readonly ITestOutputHelper _output;

    public SyncTreeAttackTests(ITestOutputHelper output) => _output = output;

    private static string Git(string cwd, string? stdin, params string[] args)
    {
        var r = ExternalTool.Run(ExternalTool.Require("git"), ["-c", "user.name=mallory", "-c", "user.email=mallory@example.invalid", .. args], cwd, stdin);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)}: {r.Stderr}");
        }
        return r.Stdout.Trim();
    }

    /// <summary>Pushes a commit whose root tree is the remote's plus <paramref name="extra"/> entries (mode, type, id, name), built with git mktree.</summary>
    private static void PushCraftedTree(string mallory, params string[] extra)
    {
        var listing = Git(mallory, null, "ls-tree", "HEAD");
        var tree = Git(mallory, listing + "\n" + string.Join("\n", extra) + "\n", "mktree");
        var commit = Git(mallory, null, "commit-tree", tree, "-p", "HEAD", "-m", "crafted");
        Git(mallory, null, "push", "--quiet", "origin", commit + ":refs/heads/main");
    }

    private static string Blob(string mallory, string text) => Git(mallory, text, "hash-object", "-w", "--stdin");

    private static string Tree(string mallory, params string[] entries) => Git(mallory, string.Join("\n", entries) + "\n", "mktree");

    private SyncRefusedException Refused(SyncTeam team, Workspace ws, string actor)
    {
        var before = team.JournalBytes(ws);
        var ex = Assert.Throws<SyncRefusedException>(() => team.Sync(ws, actor));
        foreach (var r in ex.Refusals)
        {
            _output.WriteLine(r.ToString());
        }
        Assert.Equal(before, team.JournalBytes(ws));
        return ex;
    }

    [SkippableFact]
    public void LinkToDotGit_ThenAConfigThroughIt_IsRefused_AndTheFsmonitorCommandNeverRuns()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links in git need developer mode on Windows");
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var marker = Path.Combine(team.Dir, "pwned");
        var configBefore = File.ReadAllText(Path.Combine(bob.Root, ".git", "config"));
        var mallory = team.PlainClone("mallory");

        // Step 1: a link to .git under a layout folder; ordinary objects, git fsck --strict is happy with them.
        File.CreateSymbolicLink(Path.Combine(mallory, "templates"), ".git");
        SyncTeam.Push(mallory, "link");
        Git(mallory, null, "fsck", "--strict");
        var ex = Refused(team, bob, "bob");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeSymlinkRefused" && r.Journal == "templates");
        Assert.False(File.Exists(Path.Combine(bob.Root, "templates")) || Directory.Exists(Path.Combine(bob.Root, "templates")));

        // A newcomer joining now gets nothing written at all: the clone is checked before checkout, then removed.
        var joinPath = Path.Combine(team.Dir, "newcomer");
        var join = Assert.Throws<SyncRefusedException>(() => WorkspaceSync.Initialize(joinPath, team.Remote.Url, null, new SyncOptions { Actor = "carol" }));
        Assert.Equal("SyncTreeSymlinkRefused", join.ErrorId);
        Assert.False(Directory.Exists(joinPath));

        // Step 2: the link becomes a folder holding "config" with an fsmonitor command.
        File.Delete(Path.Combine(mallory, "templates"));
        Directory.CreateDirectory(Path.Combine(mallory, "templates"));
        File.WriteAllText(Path.Combine(mallory, "templates", "config"), $"[core]\n\tfsmonitor = \"touch {marker}\"\n");
        SyncTeam.Push(mallory, "config through the link");

        // A replica that an older DeIRF had let check the link out: the write does not follow it.
        File.CreateSymbolicLink(Path.Combine(bob.Root, "templates"), ".git");
        var linked = Assert.Throws<SyncException>(() => team.Sync(bob, "bob"));
        Assert.Equal("SyncTreeLinkInPath", linked.ErrorId);
        Assert.Equal(configBefore, File.ReadAllText(Path.Combine(bob.Root, ".git", "config")));
        Assert.False(File.Exists(marker), "git ran the remote's fsmonitor command");
    }

    [SkippableFact]
    public void CraftedTree_WithDotGitConfig_AndDotDotPaths_IsRefused_NothingWrittenOutside()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        var config = Blob(mallory, "[core]\n\tfsmonitor = \"touch /tmp/deirf-never\"\n");
        var gitTree = Tree(mallory, $"100644 blob {config}\tconfig");
        var x = Blob(mallory, "ssh-ed25519 AAAA mallory\n");
        var outside = Tree(mallory, $"100644 blob {x}\tx");
        var up1 = Tree(mallory, $"040000 tree {outside}\toutside");
        var up2 = Tree(mallory, $"040000 tree {up1}\t..");
        var upperGit = Tree(mallory, $"040000 tree {gitTree}\tcfg");
        PushCraftedTree(mallory, $"040000 tree {gitTree}\t.git", $"040000 tree {up2}\t..", $"040000 tree {upperGit}\t.GIT", $"040000 tree {gitTree}\tgit~1");

        var ex = Refused(team, bob, "bob");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeGitPathRefused" && r.Journal == ".git/config");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeGitPathRefused" && r.Journal == ".GIT/cfg/config");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeGitPathRefused" && r.Journal == "git~1/config");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreePathTraversal" && r.Journal == "../../outside/x");
        Assert.False(Directory.Exists(Path.Combine(team.Dir, "outside")));
        Assert.False(Directory.Exists(Path.GetFullPath(Path.Combine(bob.Root, "..", "..", "outside"))));
        Assert.DoesNotContain("fsmonitor", File.ReadAllText(Path.Combine(bob.Root, ".git", "config")));

        var joinPath = Path.Combine(team.Dir, "newcomer");
        var join = Assert.Throws<SyncRefusedException>(() => WorkspaceSync.Initialize(joinPath, team.Remote.Url, null, new SyncOptions { Actor = "carol" }));
        Assert.Contains(join.Refusals, r => r.ErrorId == "SyncTreePathTraversal");
        Assert.False(Directory.Exists(joinPath));
        Assert.False(Directory.Exists(Path.Combine(team.Dir, "outside")));
    }

    [SkippableFact]
    public void Submodule_ReplicaLocalPath_OutOfLayoutPath_AndHugeBlob_AreEachRefusedWithTheirOwnId()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        var head = Git(mallory, null, "rev-parse", "HEAD");
        var trusted = Blob(mallory, "{}");
        var syncDir = Tree(mallory, $"100644 blob {trusted}\ttrusted-heads.json");
        var big = Git(mallory, new string('x', 5 * 1024 * 1024), "hash-object", "-w", "--stdin");
        var attrs = Blob(mallory, "* filter=evil\n");
        PushCraftedTree(mallory, $"160000 commit {head}\tdrills", $"040000 tree {syncDir}\t.deirf-sync", $"100644 blob {trusted}\tcfg.json",
            $"100644 blob {big}\tquorum-policy.json", $"100644 blob {attrs}\t.gitattributes");

        var ex = Refused(team, bob, "bob");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeGitlinkRefused" && r.Journal == "drills");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeReplicaLocalRefused" && r.Journal == ".deirf-sync/trusted-heads.json");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreePathRefused" && r.Journal == "cfg.json");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeBlobTooLarge" && r.Journal == "quorum-policy.json");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncTreeGitPathRefused" && r.Journal == ".gitattributes");
        Assert.False(File.Exists(Path.Combine(bob.Root, "cfg.json")));
    }

    [SkippableFact]
    public void SyncedGitignoreThatUnignoresEvidence_DoesNotMakeAReplicaPushEvidenceBytes_NorLinks()
    {
        using var team = new SyncTeam("file", Team);
        var bob = team.Clone("bob");
        var mallory = team.PlainClone("mallory");
        File.AppendAllText(Path.Combine(mallory, ".gitignore"), "!evidence/sha256/\n!evidence/sha256/**\n!.deirf-sync/\n");
        SyncTeam.Push(mallory, "unignore evidence");
        team.Sync(bob, "bob");
        Assert.Contains("!evidence/sha256/", File.ReadAllText(Path.Combine(bob.Root, ".gitignore")));

        var obj = Path.Combine(bob.Root, "evidence", "sha256", "ab", "ab" + new string('0', 62));
        Directory.CreateDirectory(Path.GetDirectoryName(obj)!);
        File.WriteAllText(obj, "the dump of a compromised host");
        File.WriteAllText(Path.Combine(bob.Root, "notes.txt"), "not part of the layout");
        if (!OperatingSystem.IsWindows())
        {
            // A link to a folder outside the workspace (inside the test's folder: never a real system folder).
            Directory.CreateDirectory(Path.Combine(team.Dir, "elsewhere"));
            File.CreateSymbolicLink(Path.Combine(bob.Root, "runbooks"), Path.Combine(team.Dir, "elsewhere"));
        }
        team.Note(bob, "bob", "evidence added");
        var result = team.Sync(bob, "bob");
        Assert.True(result.Pushed);
        Assert.Contains("notes.txt", result.NotShared);

        var check = team.PlainClone("check");
        var remotePaths = Git(check, null, "ls-tree", "-r", "--name-only", "HEAD").Split('\n');
        Assert.DoesNotContain(remotePaths, p => p.StartsWith("evidence/", StringComparison.Ordinal) || p.StartsWith(".deirf-sync", StringComparison.Ordinal));
        Assert.DoesNotContain("notes.txt", remotePaths);
        Assert.DoesNotContain("runbooks", remotePaths);
        // And the others keep syncing: bob pushed nothing they refuse.
        team.Sync(team.Replicas[0], "alice");
    }

    [Theory]
    [InlineData(".git/config", "SyncTreeGitPathRefused")]
    [InlineData("templates/.Git/config", "SyncTreeGitPathRefused")]
    [InlineData("templates/.git./config", "SyncTreeGitPathRefused")]
    [InlineData("templates/.git /x", "SyncTreeGitPathRefused")]
    [InlineData("templates/.g\u200cit/config", "SyncTreeGitPathRefused")]
    [InlineData("templates/\uff0e\uff47\uff49\uff54/config", "SyncTreeGitPathRefused")]
    [InlineData("templates/GIT~1/config", "SyncTreeGitPathRefused")]
    [InlineData("templates/.gitmodules", "SyncTreeGitPathRefused")]
    [InlineData("../x", "SyncTreePathTraversal")]
    [InlineData("templates/../../x", "SyncTreePathTraversal")]
    [InlineData("templates//x", "SyncTreePathTraversal")]
    [InlineData("/etc/passwd", "SyncTreePathRefused")]
    [InlineData("templates\\..\\x", "SyncTreePathRefused")]
    [InlineData("templates/a:b", "SyncTreePathRefused")]
    [InlineData("templates/a\u001b[2Jb", "SyncTreePathRefused")]
    [InlineData("incidents/INC-1/journal.jsonl.head", "SyncTreeReplicaLocalRefused")]
    [InlineData("incidents/INC-1/tree/0.tile", "SyncTreeReplicaLocalRefused")]
    [InlineData("drills/gameday.keys/alice.seed", "SyncTreeReplicaLocalRefused")]
    [InlineData("evidence/sha256/ab/abcd", "SyncTreeReplicaLocalRefused")]
    [InlineData("incidents/INC-1/notes.md", "SyncTreePathRefused")]
    [InlineData("bin/evil", "SyncTreePathRefused")]
    public void CheckPath_RefusesEverySpellingOfAnEscape(string path, string errorId)
    {
        var bad = SyncTreePolicy.CheckPath(path);
        Assert.NotNull(bad);
        Assert.Equal(errorId, bad!.Value.ErrorId);
    }

    [Theory]
    [InlineData("roster.jsonl")]
    [InlineData("quorum-policy.json")]
    [InlineData("trust/ssh-ca.pub")]
    [InlineData("incidents/INC-20261207-a1/journal.jsonl")]
    [InlineData("incidents/INC-1/checkpoints/0000000012.checkpoint")]
    [InlineData("detection/sigma/lateral-movement.yml")]
    [InlineData("templates/github-issue.md")]
    [InlineData(".gitignore")]
    public void CheckPath_TakesTheLayout(string path) => Assert.Null(SyncTreePolicy.CheckPath(path));

    [Fact]
    public void Check_RefusesTwoNamesOneFileOnACaseInsensitiveFilesystem_AndTooManyBytes()
    {
        var entries = new[]
        {
            new SyncTreeEntry("100644", "blob", "a", 10, "templates/x.md"),
            new SyncTreeEntry("100644", "blob", "b", 10, "templates/X.md"),
        };
        Assert.Contains(SyncTreePolicy.Check(entries), r => r.ErrorId == "SyncTreePathCollision");
        var limits = new SyncTreeLimits { MaxTreeBytes = 15 };
        Assert.Contains(SyncTreePolicy.Check([entries[0], entries[0] with { Path = "templates/y.md" }], limits), r => r.ErrorId == "SyncTreeTooLarge");
        Assert.Empty(SyncTreePolicy.Check([entries[0]]));
    }
}
