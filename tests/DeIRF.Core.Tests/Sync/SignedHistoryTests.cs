using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Sync;
using DeIRF.Workspaces;
using Xunit;
using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Sync;

/// <summary>
/// Signed git history (issue 21, "Signed git history"), with the real git and ssh-keygen: sync commits are signed
/// with the syncing responder's SSH key, and every received commit is checked against the roster as of its parent.
/// Every key is made by ssh-keygen at test time in the team's temp folder; nothing is committed.
/// </summary>
public sealed class SignedHistoryTests
{
    private readonly ITestOutputHelper _output;

    public SignedHistoryTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// alice and bob, each with a did:key (signs entries) and an SSH key (signs commits) bound on the roster; the
    /// commit signature policy set during founding; alice's replica shared through a bare remote on a file path.
    /// </summary>
    private sealed class Team : IDisposable
    {
        private readonly Dictionary<string, IStatementSigner> _signers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SigningKeySetting> _sshKeys = new(StringComparer.Ordinal);

        public Team(CommitSignaturePolicy? policy, params string[] handles)
        {
            ExternalTool.Require("git");
            ExternalTool.Require("ssh-keygen");
            Dir = Directory.CreateTempSubdirectory("deirf-signed-").FullName;
            Remote = SyncRemote.Create(Dir, "file");
            Directory.CreateDirectory(Path.Combine(Dir, "keys"));
            var ws = Workspace.Initialize(Path.Combine(Dir, "alice"), "team");
            var plain = new JournalAppendOptions { Durable = false };
            foreach (var h in handles)
            {
                var roster = Roster.Load(ws);
                roster.AddResponder(h, h.ToUpperInvariant(), [ResponderRole.ContainmentLead, ResponderRole.TriageLead], h == handles[0] ? h : handles[0],
                    h == handles[0] ? plain : SignedBy(handles[0]));
                var seed = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(Dir, "keys", h + ".seed"));
                var did = TestKeys.BindFile(roster, h, ProofKind.DidKey, seed, plain);
                _signers[h] = new KeyFileStatementSigner(h, ProofKind.DidKey, seed, did.Fingerprint);
                var ssh = SshKey(h);
                var proof = TestKeys.BindFile(Roster.Load(ws), h, ProofKind.Ssh, ssh, SignedBy(h));
                _sshKeys[h] = new SigningKeySetting(ws.WorkspaceId, h, ProofKind.Ssh, ssh, proof.Fingerprint);
            }
            if (policy is { } p)
            {
                new SyncPolicy { CommitSignatures = p }.Save(ws, handles[0], SignedBy(handles[0]));
            }
            Alice = WorkspaceSync.Initialize(ws.Root, Remote.Url, null, Options(handles[0])).Workspace;
        }

        public string Dir { get; }
        public SyncRemote Remote { get; }
        public Workspace Alice { get; }

        public JournalAppendOptions SignedBy(string handle) => new() { Durable = false, Signers = [_signers[handle]] };

        public SyncOptions Options(string actor) => new() { Actor = actor, SigningKey = _sshKeys.GetValueOrDefault(actor) };

        public string KeyFileOf(string handle) => _sshKeys[handle].KeyPath;

        /// <summary>An unencrypted ed25519 key made by ssh-keygen (0600), registered for the secrets scan; returns its path.</summary>
        public string SshKey(string name)
        {
            var path = Path.Combine(Dir, "keys", name + ".ssh");
            var r = ExternalTool.Run(ExternalTool.Require("ssh-keygen"), ["-q", "-t", "ed25519", "-N", string.Empty, "-C", name + "@deirf.test", "-f", path]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            DeIRF.Testing.TestArtifacts.RegisterKeyFile("openssh private key", path);
            return path;
        }

        public Workspace Clone(string actor) => WorkspaceSync.Initialize(Path.Combine(Dir, actor), Remote.Url, null, Options(actor)).Workspace;

        public SyncResult Sync(Workspace ws, string actor) => WorkspaceSync.Sync(ws, Options(actor));

        public string PlainClone(string name)
        {
            var path = Path.Combine(Dir, name);
            SyncTeam.Git(Dir, "clone", "--quiet", Remote.Url, path);
            return path;
        }

        public void Dispose()
        {
            Remote.Dispose();
            DeIRF.Testing.TestArtifacts.Delete(Dir);
        }
    }

    private static string Head(string cwd) => SyncTeam.Git(cwd, "rev-parse", "HEAD").Trim();

    /// <summary>Commits everything in a plain working copy, signed with <paramref name="sshKey"/> when given, and pushes it.</summary>
    private static string CommitAndPush(string cwd, string message, string? sshKey = null)
    {
        SyncTeam.Git(cwd, "add", "-A");
        if (sshKey is null)
        {
            SyncTeam.Git(cwd, "commit", "--quiet", "--no-gpg-sign", "-m", message);
        }
        else
        {
            SyncTeam.Git(cwd, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + sshKey, "commit", "--quiet", "-S", "-m", message);
        }
        SyncTeam.Git(cwd, "push", "--quiet", "origin", "main");
        return Head(cwd);
    }

    private static void AddRunbook(string cwd, string name)
    {
        Directory.CreateDirectory(Path.Combine(cwd, "runbooks"));
        File.WriteAllText(Path.Combine(cwd, "runbooks", name), "# " + name + "\n");
    }

    private SyncRefusedException Refused(Team team, Workspace ws, string actor)
    {
        var headBefore = Head(ws.Root);
        var rosterBefore = File.ReadAllBytes(Roster.PathIn(ws));
        var ex = Assert.Throws<SyncRefusedException>(() => team.Sync(ws, actor));
        foreach (var r in ex.Refusals)
        {
            _output.WriteLine(r.ToString());
        }
        // Nothing merged, nothing moved.
        Assert.Equal(headBefore, Head(ws.Root));
        Assert.Equal(rosterBefore, File.ReadAllBytes(Roster.PathIn(ws)));
        Assert.False(Directory.Exists(Path.Combine(ws.Root, "runbooks")));
        return ex;
    }

    /// <summary>The real git's verdict on a commit with the allowed-signers file of a roster.</summary>
    private static string GitVerdict(string repo, Roster roster, string commit)
    {
        var file = Path.Combine(Path.GetTempPath(), $"deirf-allowed-{Guid.NewGuid():N}");
        File.WriteAllText(file, string.Join('\n', SignedHistory.AllowedSigners(roster)) + "\n");
        try
        {
            return SyncTeam.Git(repo, "-c", "gpg.ssh.allowedSignersFile=" + file, "log", "-1", "--format=%G? %GS", commit).Trim();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [SkippableFact]
    public void SignedSync_RoundTripsBetweenTwoReplicas_EachCommitSignedByItsResponder()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var bob = team.Clone("bob");
        var first = Head(bob.Root);
        Assert.Equal("G alice", GitVerdict(bob.Root, Roster.Load(bob), first));

        var incident = bob.OpenIncident("signed history", "bob", options: team.SignedBy("bob")).Id;
        var pushed = team.Sync(bob, "bob");
        Assert.True(pushed.Pushed);
        Assert.True(pushed.CommitSigned);
        Assert.Equal("require", pushed.CommitSignatures);
        Assert.Equal("G bob", GitVerdict(bob.Root, Roster.Load(bob), pushed.Commit!));

        var received = team.Sync(team.Alice, "alice");
        Assert.Empty(received.UnverifiedCommits);
        Assert.True(File.Exists(team.Alice.JournalPathFor(incident)));
        Assert.Equal(pushed.Commit, Head(team.Alice.Root));

        // The commit carries a signature, never the key: no line of either private key file is in any commit object.
        foreach (var c in SyncTeam.Git(team.Alice.Root, "rev-list", "HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var obj = SyncTeam.Git(team.Alice.Root, "cat-file", "commit", c);
            foreach (var h in new[] { "alice", "bob" })
            {
                foreach (var line in File.ReadAllLines(team.KeyFileOf(h)).Where(l => l.Length > 40))
                {
                    Assert.DoesNotContain(line, obj, StringComparison.Ordinal);
                }
            }
        }
        // The allowed-signers files lived in .deirf-sync/tmp and are gone.
        Assert.Empty(Directory.EnumerateFiles(WorkspaceLayout.PathIn(team.Alice.Root, WorkspaceLayout.SyncTempFolder), "allowed-signers-*"));
    }

    [SkippableFact]
    public void UnsignedCommitPushedByHand_IsRefused_SyncCommitUnsigned()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        AddRunbook(mallory, "exfiltrate.md");
        var commit = CommitAndPush(mallory, "an unsigned commit");

        var ex = Refused(team, team.Alice, "alice");
        var refusal = Assert.Single(ex.Refusals);
        Assert.Equal("SyncCommitUnsigned", refusal.ErrorId);
        Assert.Equal(commit, refusal.Commit);
        Assert.Equal(commit, ex.Target);
    }

    [SkippableFact]
    public void CommitSignedByAKeyNotOnTheRoster_IsRefused_SyncCommitSignerUnknown()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        AddRunbook(mallory, "exfiltrate.md");
        var commit = CommitAndPush(mallory, "signed by mallory", team.SshKey("mallory"));

        var refusal = Assert.Single(Refused(team, team.Alice, "alice").Refusals);
        Assert.Equal("SyncCommitSignerUnknown", refusal.ErrorId);
        Assert.Equal(commit, refusal.Commit);
    }

    [SkippableFact]
    public void CommitOnAForgedRosterAtItsParent_IsRefused_EvenWhenTheLastCommitPutsTheRealRosterBack()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        var rosterPath = Path.Combine(mallory, Roster.FileName);
        var real = File.ReadAllBytes(rosterPath);
        // A forged roster: one entry rewritten, the chain recomputed (what a pusher with no team key can do).
        File.WriteAllBytes(rosterPath, SyncTeam.Rewrite(real, 1, s => { s["ts"] = "2020-01-01T00:00:00.000Z"; return s; }, resign: null));
        var forged = CommitAndPush(mallory, "forged roster");
        File.WriteAllBytes(rosterPath, real);
        AddRunbook(mallory, "exfiltrate.md");
        var onTop = CommitAndPush(mallory, "real roster back", team.SshKey("mallory"));

        var ex = Refused(team, team.Alice, "alice");
        Assert.Contains(ex.Refusals, r => r.ErrorId == "SyncCommitUnsigned" && r.Commit == forged);
        var onForged = Assert.Single(ex.Refusals, r => r.Commit == onTop);
        Assert.Equal("SyncCommitSignerUnknown", onForged.ErrorId);
        Assert.Contains("not a prefix of the roster this sync accepted", onForged.Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void MergeCommit_IsRefused_SyncCommitMergeRefused()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        var bobKey = team.KeyFileOf("bob");
        SyncTeam.Git(mallory, "checkout", "--quiet", "-b", "side");
        AddRunbook(mallory, "side.md");
        SyncTeam.Git(mallory, "add", "-A");
        SyncTeam.Git(mallory, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + bobKey, "commit", "--quiet", "-S", "-m", "side");
        SyncTeam.Git(mallory, "checkout", "--quiet", "main");
        AddRunbook(mallory, "main.md");
        SyncTeam.Git(mallory, "add", "-A");
        SyncTeam.Git(mallory, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + bobKey, "commit", "--quiet", "-S", "-m", "main");
        // Even signed by a responder on the roster: a sync never merges branches.
        SyncTeam.Git(mallory, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + bobKey, "merge", "--quiet", "--no-ff", "-S", "-m", "merge", "side");
        SyncTeam.Git(mallory, "push", "--quiet", "origin", "main");
        var merge = Head(mallory);

        var refusal = Assert.Single(Refused(team, team.Alice, "alice").Refusals);
        Assert.Equal("SyncCommitMergeRefused", refusal.ErrorId);
        Assert.Equal(merge, refusal.Commit);
    }

    [SkippableFact]
    public void KeyRevokedOnTheRoster_SignsNothingReceivedAfter_NotEvenOnAnOlderParent()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var oldParent = Head(team.Alice.Root);
        var bobSsh = Roster.Load(team.Alice).Get("bob").ActiveProofs.Single(p => p.Kind == ProofKind.Ssh);
        // During founding alice revokes bob's SSH key (his laptop was stolen), and the revocation is shared.
        Roster.Load(team.Alice).RevokeProofs("bob", [bobSsh.Fingerprint], "laptop stolen", "alice", team.SignedBy("alice"));
        Assert.True(team.Sync(team.Alice, "alice").CommitSigned);

        // The thief signs with the stolen key on top of the remote: not on the roster as of the parent.
        var thief = team.PlainClone("thief");
        AddRunbook(thief, "stolen.md");
        var onTop = CommitAndPush(thief, "on top", team.KeyFileOf("bob"));
        Assert.Equal("SyncCommitSignerUnknown", Assert.Single(Refused(team, team.Alice, "alice").Refusals, r => r.Commit == onTop).ErrorId);

        // And on the parent before the revocation (the tree keeps every journal as it is now, so only the parent is old).
        SyncTeam.Git(thief, "reset", "--quiet", "--soft", oldParent);
        AddRunbook(thief, "forked.md");
        SyncTeam.Git(thief, "add", "-A");
        SyncTeam.Git(thief, "-c", "gpg.format=ssh", "-c", "user.signingkey=" + team.KeyFileOf("bob"), "commit", "--quiet", "-S", "-m", "old parent");
        SyncTeam.Git(thief, "push", "--quiet", "--force", "origin", "main");
        var forked = Head(thief);
        var onFork = Assert.Single(Refused(team, team.Alice, "alice").Refusals, r => r.Commit == forked);
        Assert.Equal("SyncCommitSignerUnknown", onFork.ErrorId);
        Assert.Contains("revoked on this replica's roster", onFork.Reason, StringComparison.Ordinal);
    }

    /// <summary>A throwaway GNUPGHOME in the team's folder; its agent is stopped on dispose.</summary>
    private sealed class GpgHome : IDisposable
    {
        public GpgHome(string dir)
        {
            Program = ExternalTool.Require("gpg");
            Dir = dir;
            Directory.CreateDirectory(dir);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Env = new Dictionary<string, string> { ["GNUPGHOME"] = dir, ["LC_ALL"] = "C" };
        }

        public string Program { get; }
        public string Dir { get; }
        public Dictionary<string, string> Env { get; }

        public string Run(params string[] args)
        {
            var r = ExternalTool.Run(Program, ["--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", string.Empty, .. args], Dir, null, Env);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return r.Stdout;
        }

        public string NewKey(string uid)
        {
            Run("--quick-gen-key", uid, "ed25519", "sign", "1y");
            return Run("--with-colons", "--fingerprint", uid).Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
        }

        /// <summary>The key's secret part as a 0600 key file DeIRF reads (registered for the secrets scan).</summary>
        public string ExportSecret(string fingerprint, string path)
        {
            PrivateKeyFiles.Write(path, System.Text.Encoding.ASCII.GetBytes(Run("--armor", "--export-secret-keys", fingerprint)));
            DeIRF.Testing.TestArtifacts.RegisterKeyFile("openpgp secret key", path, Run("--armor", "--export", fingerprint));
            return path;
        }

        public void Dispose()
        {
            if (ExternalTool.Find("gpgconf") is { } gpgconf)
            {
                ExternalTool.Run(gpgconf, ["--kill", "gpg-agent"], Dir, null, Env);
            }
        }
    }

    [SkippableFact]
    public void CommitSignedWithAnOpenPgpProofsKey_Passes_AndOneByAnUnboundOpenPgpKey_IsRefused()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        using var gpg = new GpgHome(Path.Combine(team.Dir, "gnupg"));
        // bob binds an OpenPGP key on alice's replica (during founding), and alice shares it.
        var bobPgp = gpg.NewKey("Bob <bob@example.org>");
        TestKeys.BindFile(Roster.Load(team.Alice), "bob", ProofKind.OpenPgp, gpg.ExportSecret(bobPgp, Path.Combine(team.Dir, "keys", "bob.asc")), team.SignedBy("bob"));
        Assert.True(team.Sync(team.Alice, "alice").Pushed);
        var malloryPgp = gpg.NewKey("Mallory <mallory@example.org>");

        var clone = team.PlainClone("bob-by-hand");
        string CommitSignedBy(string fpr, string file)
        {
            AddRunbook(clone, file);
            SyncTeam.Git(clone, "add", "-A");
            var r = ExternalTool.Run(ExternalTool.Require("git"), ["-c", "user.name=bob", "-c", "user.email=bob@example.org", "-c", "gpg.format=openpgp",
                "-c", "gpg.program=" + gpg.Program, "-c", "user.signingkey=" + fpr, "commit", "--quiet", "-S", "-m", "signed with OpenPGP"], clone, null, gpg.Env);
            Assert.True(r.ExitCode == 0, r.Stderr);
            SyncTeam.Git(clone, "push", "--quiet", "origin", "main");
            return Head(clone);
        }
        CommitSignedBy(bobPgp, "by-bob.md");
        var ok = team.Sync(team.Alice, "alice");
        Assert.Empty(ok.UnverifiedCommits);
        Assert.True(File.Exists(Path.Combine(team.Alice.Root, "runbooks", "by-bob.md")));

        var foreign = CommitSignedBy(malloryPgp, "by-mallory.md");
        var headBefore = Head(team.Alice.Root);
        var ex = Assert.Throws<SyncRefusedException>(() => team.Sync(team.Alice, "alice"));
        var refusal = Assert.Single(ex.Refusals);
        _output.WriteLine(refusal.ToString());
        Assert.Equal("SyncCommitSignerUnknown", refusal.ErrorId);
        Assert.Equal(foreign, refusal.Commit);
        Assert.Equal(headBefore, Head(team.Alice.Root));
        Assert.False(File.Exists(Path.Combine(team.Alice.Root, "runbooks", "by-mallory.md")));
    }

    [SkippableFact]
    public void SyncCommitSignedWithAnOpenPgpSigningKey_VerifiesWithGitAndGpg_AndSyncsUnderRequire()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        using var gpg = new GpgHome(Path.Combine(team.Dir, "gnupg"));
        var bobPgp = gpg.NewKey("Bob <bob@example.org>");
        var secretFile = gpg.ExportSecret(bobPgp, Path.Combine(team.Dir, "keys", "bob.asc"));
        var proof = TestKeys.BindFile(Roster.Load(team.Alice), "bob", ProofKind.OpenPgp, secretFile, team.SignedBy("bob"));
        team.Sync(team.Alice, "alice");
        var pgp = new SyncOptions { Actor = "bob", SigningKey = new SigningKeySetting(team.Alice.WorkspaceId, "bob", ProofKind.OpenPgp, secretFile, proof.Fingerprint) };
        var bob = WorkspaceSync.Initialize(Path.Combine(team.Dir, "bob"), team.Remote.Url, null, pgp).Workspace;

        bob.OpenIncident("signed with OpenPGP", "bob", options: team.SignedBy("bob"));
        var pushed = WorkspaceSync.Sync(bob, pgp);
        Assert.True(pushed.CommitSigned);
        var obj = SyncTeam.Git(bob.Root, "cat-file", "commit", pushed.Commit!);
        Assert.Contains("gpgsig -----BEGIN PGP SIGNATURE-----", obj, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", obj, StringComparison.Ordinal);
        // The real git and gpg accept DeIRF's signature as any gpg-signed commit.
        var verify = ExternalTool.Run(ExternalTool.Require("git"), ["-c", "gpg.program=" + gpg.Program, "verify-commit", "--raw", pushed.Commit!], bob.Root, null, gpg.Env);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("GOODSIG", verify.Stderr, StringComparison.Ordinal);

        var received = team.Sync(team.Alice, "alice");
        Assert.Empty(received.UnverifiedCommits);
        Assert.Equal(pushed.Commit, Head(team.Alice.Root));
    }

    [SkippableFact]
    public void ARevocationNotYetShared_DoesNotRefuseACommitThatKeyPushedMeanwhile()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var bob = team.Clone("bob");
        var bobSsh = Roster.Load(team.Alice).Get("bob").ActiveProofs.Single(p => p.Kind == ProofKind.Ssh);
        // alice revokes bob's SSH key on her replica while bob, not knowing yet, pushes a commit signed with it.
        Roster.Load(team.Alice).RevokeProofs("bob", [bobSsh.Fingerprint], "rotated", "alice", team.SignedBy("alice"));
        bob.OpenIncident("pushed before the revocation reached bob", "bob", options: team.SignedBy("bob"));
        Assert.True(team.Sync(bob, "bob").CommitSigned);

        var merged = team.Sync(team.Alice, "alice");
        Assert.Empty(merged.UnverifiedCommits);
        Assert.True(merged.Pushed);
        Assert.True(Roster.Load(team.Alice).Get("bob").FindProof(bobSsh.Fingerprint)!.IsRevoked);
    }

    [SkippableFact]
    public void PolicyWarn_LetsAnUnsignedCommitThrough_WithItsWarning()
    {
        using var team = new Team(CommitSignaturePolicy.Warn, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        AddRunbook(mallory, "note.md");
        var commit = CommitAndPush(mallory, "an unsigned commit");

        var result = team.Sync(team.Alice, "alice");
        Assert.Equal("warn", result.CommitSignatures);
        var warned = Assert.Single(result.UnverifiedCommits);
        Assert.Equal("SyncCommitUnsigned", warned.ErrorId);
        Assert.Equal(commit, warned.Commit);
        Assert.True(File.Exists(Path.Combine(team.Alice.Root, "runbooks", "note.md")));
    }

    [SkippableFact]
    public void PolicyWarn_LetsAMergeCommitThrough_WithItsWarning_AndOffSkipsIt()
    {
        foreach (var policy in new[] { CommitSignaturePolicy.Warn, CommitSignaturePolicy.Off })
        {
            using var team = new Team(policy, "alice", "bob");
            var mallory = team.PlainClone("mallory");
            SyncTeam.Git(mallory, "checkout", "--quiet", "-b", "side");
            AddRunbook(mallory, "side.md");
            SyncTeam.Git(mallory, "add", "-A");
            SyncTeam.Git(mallory, "commit", "--quiet", "--no-gpg-sign", "-m", "side");
            SyncTeam.Git(mallory, "checkout", "--quiet", "main");
            SyncTeam.Git(mallory, "merge", "--quiet", "--no-ff", "--no-gpg-sign", "-m", "merge", "side");
            SyncTeam.Git(mallory, "push", "--quiet", "origin", "main");
            var merge = Head(mallory);

            var result = team.Sync(team.Alice, "alice");
            Assert.True(File.Exists(Path.Combine(team.Alice.Root, "runbooks", "side.md")));
            if (policy == CommitSignaturePolicy.Off)
            {
                Assert.Empty(result.UnverifiedCommits);
                continue;
            }
            Assert.Equal("SyncCommitMergeRefused", Assert.Single(result.UnverifiedCommits, u => u.Commit == merge).ErrorId);
            Assert.Contains(result.UnverifiedCommits, u => u.ErrorId == "SyncCommitUnsigned");
        }
    }

    [SkippableFact]
    public void NoPolicySet_IsWarn_SoAnUpgradedWorkspaceKeepsSyncing()
    {
        using var team = new Team(policy: null, "alice", "bob");
        Assert.Equal(CommitSignaturePolicy.Warn, SyncPolicy.Load(team.Alice).CommitSignatures);
        Assert.Equal("default", SyncPolicy.Load(team.Alice).Source);
        var mallory = team.PlainClone("mallory");
        AddRunbook(mallory, "note.md");
        CommitAndPush(mallory, "an unsigned commit", team.SshKey("mallory"));

        var result = team.Sync(team.Alice, "alice");
        Assert.Equal("SyncCommitSignerUnknown", Assert.Single(result.UnverifiedCommits).ErrorId);
    }

    [SkippableFact]
    public void PolicyOff_SkipsTheCheck()
    {
        using var team = new Team(CommitSignaturePolicy.Off, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        AddRunbook(mallory, "note.md");
        CommitAndPush(mallory, "an unsigned commit");

        var result = team.Sync(team.Alice, "alice");
        Assert.Equal("off", result.CommitSignatures);
        Assert.Empty(result.UnverifiedCommits);
        Assert.True(File.Exists(Path.Combine(team.Alice.Root, "runbooks", "note.md")));
    }

    [SkippableFact]
    public void PolicyCannotBeTurnedOff_ByARemoteCommitThatEditsTheSettingsFile_EvenOneSignedByAResponder()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var mallory = team.PlainClone("mallory");
        var off = new SyncPolicy { CommitSignatures = CommitSignaturePolicy.Off };
        File.WriteAllBytes(Path.Combine(mallory, SyncPolicy.FileName), CanonicalJson.Serialize(off.ToJson()));
        AddRunbook(mallory, "exfiltrate.md");
        // Signed with bob's key: bob alone, by a commit, still cannot change a governed setting.
        CommitAndPush(mallory, "verification off", team.KeyFileOf("bob"));

        var refusal = Assert.Single(Refused(team, team.Alice, "alice").Refusals);
        Assert.Equal("SyncSettingsUnjournaled", refusal.ErrorId);
        Assert.Equal(SyncPolicy.FileName, refusal.Journal);
        Assert.Equal(CommitSignaturePolicy.Require, SyncPolicy.Load(team.Alice).CommitSignatures);
        // And the file the remote holds is not what governs: an unsigned commit after it is still refused.
        SyncTeam.Git(mallory, "rm", "--quiet", SyncPolicy.FileName);
        CommitAndPush(mallory, "file gone");
        Assert.Contains(Refused(team, team.Alice, "alice").Refusals, r => r.ErrorId == "SyncCommitUnsigned");
    }

    [SkippableFact]
    public void PolicyRequire_AndNoSshKeyToSignWith_IsRefusedBeforeAnythingChanges()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var ex = Assert.Throws<SyncException>(() => WorkspaceSync.Sync(team.Alice, new SyncOptions { Actor = "alice" }));
        Assert.Equal("SyncCommitSigningKeyMissing", ex.ErrorId);
        Assert.Equal("alice", ex.Target);
    }

    [SkippableFact]
    public void SigningThatFails_IsSyncCommitSigningFailed_NothingPushed_AndTheErrorHoldsNothingOfTheKey()
    {
        Skip.If(OperatingSystem.IsWindows(), "file modes");
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var remoteBefore = SyncTeam.Git(team.Dir, "--git-dir", team.Remote.Url, "rev-parse", "main").Trim();
        team.Alice.OpenIncident("to be pushed", "alice", options: team.SignedBy("alice"));
        // ssh-keygen refuses a private key others can read ("UNPROTECTED PRIVATE KEY FILE").
        var key = team.KeyFileOf("alice");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var ex = Assert.Throws<SyncException>(() => team.Sync(team.Alice, "alice"));
        _output.WriteLine(ex.Message);
        Assert.Equal("SyncCommitSigningFailed", ex.ErrorId);
        Assert.Equal("alice", ex.Target);
        foreach (var line in File.ReadAllLines(key).Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal(remoteBefore, SyncTeam.Git(team.Dir, "--git-dir", team.Remote.Url, "rev-parse", "main").Trim());
    }

    [SkippableFact]
    public void AllowedSigners_AreTheActiveSshProofs_InTheGitNamespace()
    {
        using var team = new Team(CommitSignaturePolicy.Require, "alice", "bob");
        var lines = SignedHistory.AllowedSigners(Roster.Load(team.Alice));
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("alice namespaces=\"git\" ssh-ed25519 ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("bob namespaces=\"git\" ssh-ed25519 ", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("@deirf.test", StringComparison.Ordinal));
    }
}
