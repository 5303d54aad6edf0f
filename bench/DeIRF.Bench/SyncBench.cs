using System.Diagnostics;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Sync;
using DeIRF.Workspaces;

/// <summary>
/// Issue 9: three replicas that each appended 1,000 signed entries while apart converge through a bare repository
/// (Sync-DeirfWorkspace's engine), beside plain git doing the same rounds on the same files: commit, `git pull
/// --rebase` (a union merge driver for *.jsonl so that git can join the lines at all) and `git push`.
/// </summary>
internal static class SyncBench
{
    private const int PerReplica = 1000;

    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var root = Path.Combine(work, "sync");
        Directory.CreateDirectory(root);
        var git = GitCli.Find() ?? throw new InvalidOperationException("git is required for the sync bench");
        void Git(string cwd, params string[] args)
        {
            var psi = new ProcessStartInfo(git) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-c", "user.name=bench", "-c", "user.email=bench@deirf.invalid" }.Concat(args))
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            BenchTeam.Check(p.ExitCode == 0, $"git {string.Join(' ', args)}: {err.Result}");
        }

        var plain = new JournalAppendOptions { Durable = false };
        var (first, inc, seeds) = BenchTeam.Create(Path.Combine(root, "r0"), "sync bench", "prod/api", plain);
        var roster = Roster.Load(first);
        var signers = new Dictionary<string, IStatementSigner>
        {
            ["bob"] = new SeedSigner("bob", roster.Get("bob").Proofs.First(p => p.Kind == ProofKind.DidKey).Fingerprint, seeds.Bob),
            ["carol"] = new SeedSigner("carol", roster.Get("carol").Proofs.First(p => p.Kind == ProofKind.DidKey).Fingerprint, seeds.Carol),
        };
        Git(root, "init", "--quiet", "--bare", "--initial-branch=main", "remote.git");
        var url = Path.Combine(root, "remote.git");
        WorkspaceSync.Initialize(first.Root, url, null, new SyncOptions { Actor = "bob" });
        var replicas = new List<Workspace> { first };
        for (int i = 1; i < 3; i++)
        {
            replicas.Add(WorkspaceSync.Initialize(Path.Combine(root, "r" + i), url, null, new SyncOptions { Actor = "carol" }).Workspace);
        }
        // The plain-git side starts from the same files.
        Git(root, "init", "--quiet", "--bare", "--initial-branch=main", "plain.git");
        var plainUrl = Path.Combine(root, "plain.git");
        var plainClones = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var dir = Path.Combine(root, "p" + i);
            if (i == 0)
            {
                Git(root, "clone", "--quiet", url, dir);
                Git(dir, "remote", "set-url", "origin", plainUrl);
                File.WriteAllText(Path.Combine(dir, ".gitattributes"), "*.jsonl merge=union\n");
                Git(dir, "add", "-A");
                Git(dir, "commit", "--quiet", "-m", "union merge for journals");
                Git(dir, "push", "--quiet", "origin", "main");
            }
            else
            {
                Git(root, "clone", "--quiet", plainUrl, dir);
            }
            plainClones.Add(dir);
        }

        // Apart: each replica appends 1,000 signed entries; the plain clones get the very same journal bytes.
        string[] actors = ["bob", "carol", "bob"];
        for (int r = 0; r < 3; r++)
        {
            var drafts = Enumerable.Range(0, PerReplica)
                .Select(i => new StatementDraft(Note.KindName, actors[r], new JsonObject { ["text"] = $"replica {r} entry {i}: host triage notes" }))
                .ToList();
            replicas[r].JournalOf(inc).AppendBatch(drafts, new JournalAppendOptions { Durable = false, Signers = [signers[actors[r]]] });
            File.Copy(replicas[r].JournalPathFor(inc), Path.Combine(plainClones[r], "incidents", inc, "journal.jsonl"), overwrite: true);
        }

        // The same rounds on both sides: r0, r1, r2 send; r0, r1 receive the rest.
        int[] order = [0, 1, 2, 0, 1];
        var sw = Stopwatch.StartNew();
        long relinked = 0;
        foreach (var r in order)
        {
            var one = WorkspaceSync.Sync(replicas[r], new SyncOptions { Actor = actors[r] });
            relinked += one.EntriesRelinked;
            Console.Error.WriteLine($"  sync r{r}: {one.Elapsed.TotalSeconds:F2} s, {one.EntriesReceived} received, {one.EntriesRelinked} re-linked");
        }
        double deirf = sw.Elapsed.TotalSeconds;
        var bytes = File.ReadAllBytes(replicas[0].JournalPathFor(inc));
        foreach (var ws in replicas)
        {
            BenchTeam.Check(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(ws.JournalPathFor(inc))), "replicas did not converge");
            var v = ws.JournalOf(inc).Verify(new JournalVerifyOptions { Signatures = new RosterSignatureChecker(Roster.Load(ws)) });
            BenchTeam.Check(v.IsValid && v.EntryCount >= 3 * PerReplica, "converged journal did not verify: " + v);
        }

        sw.Restart();
        var committed = new HashSet<int>();
        foreach (var r in order)
        {
            var dir = plainClones[r];
            if (committed.Add(r))
            {
                Git(dir, "commit", "--quiet", "-am", "entries"); // a second visit only pulls (and pushes nothing new)
            }
            Git(dir, "pull", "--quiet", "--rebase");
            Git(dir, "push", "--quiet");
        }
        double plainGit = sw.Elapsed.TotalSeconds;
        // What plain git gives: the lines joined, the chain broken (seq and prev collide), nothing verified.
        var joined = new JournalFile(Path.Combine(plainClones[1], "incidents", inc, "journal.jsonl"))
            .Verify(new JournalVerifyOptions { UseHeadRecord = false });
        Console.Error.WriteLine($"sync bench: DeIRF {deirf:F2} s ({relinked} re-linked), plain git {plainGit:F2} s; plain git's journal: {joined.Fault} at seq {joined.FirstBadSeq}");
        yield return ($"Sync 3 replicas × {PerReplica:N0} signed entries to convergence (5 syncs over a bare repo: fetch, verify chain + signatures, re-link, commit, push)",
            $"{deirf:F2} s ({relinked:N0} entries re-linked)",
            $"plain `git commit && git pull --rebase && git push` ×5 of the same files (union merge): {plainGit:F2} s, journal left {(joined.IsValid ? "valid" : joined.Fault.ToString())}",
            $"{deirf / plainGit:F2}×", "—");
    }

    private sealed class SeedSigner(string handle, string fingerprint, byte[] seed) : IStatementSigner
    {
        public JsonObject? Sign(ReadOnlySpan<byte> statement)
        {
            using var material = new PrivateKeyMaterial((byte[])seed.Clone());
            return EntrySignature.ToJson(handle, ProofKind.DidKey, fingerprint, Signatures.SignerFor(ProofKind.DidKey).Sign(statement, material));
        }
    }
}
