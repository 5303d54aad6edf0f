using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Sync;
using DeIRF.Workspaces;

namespace DeIRF.Core.Tests.Sync;

/// <summary>
/// A bare git repository shared by replicas: over a file path, or over `git daemon` on 127.0.0.1 on a free port
/// (receive-pack enabled), stopped by PID.
/// </summary>
internal sealed class SyncRemote : IDisposable
{
    private Process? _daemon;

    private SyncRemote(string url, Process? daemon)
    {
        Url = url;
        _daemon = daemon;
    }

    public string Url { get; }

    /// <param name="head">The branch the bare repository's HEAD names (a plain `git init --bare` says master).</param>
    public static SyncRemote Create(string dir, string transport, string head = "main")
    {
        var git = ExternalTool.Require("git");
        var bare = Path.Combine(dir, "remote.git");
        var init = ExternalTool.Run(git, ["init", "--quiet", "--bare", "--initial-branch=" + head, bare]);
        if (init.ExitCode != 0)
        {
            throw new InvalidOperationException(init.Stderr);
        }
        if (transport == "file")
        {
            return new SyncRemote(bare, null);
        }
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var psi = new ProcessStartInfo(git) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "daemon", "--reuseaddr", "--base-path=" + dir, "--export-all", "--enable=receive-pack", "--listen=127.0.0.1", "--port=" + port, dir })
            {
                psi.ArgumentList.Add(a);
            }
            var daemon = Process.Start(psi)!;
            if (WaitForPort(port, daemon, TimeSpan.FromSeconds(10)))
            {
                return new SyncRemote($"git://127.0.0.1:{port}/remote.git", daemon);
            }
            Stop(daemon);
            if (attempt == 3)
            {
                throw new InvalidOperationException("git daemon did not start listening");
            }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool WaitForPort(int port, Process daemon, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until && !daemon.HasExited)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    private static void Stop(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true); // by this PID only
                p.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        p.Dispose();
    }

    public void Dispose()
    {
        if (_daemon is not null)
        {
            Stop(_daemon);
            _daemon = null;
        }
    }
}

/// <summary>
/// A team of responders whose did:key and Ethereum keys are made at test time (kept outside the workspaces), a first
/// replica that holds the roster and an incident, shared through a <see cref="SyncRemote"/>, and clones of it.
/// </summary>
internal sealed class SyncTeam : IDisposable
{
    public SyncTeam(string transport, params string[] handles)
    {
        Dir = Directory.CreateTempSubdirectory("deirf-sync-").FullName;
        Remote = SyncRemote.Create(Dir, transport);
        Directory.CreateDirectory(Path.Combine(Dir, "keys"));
        var first = Workspace.Initialize(Path.Combine(Dir, "replica-0"), "team");
        var roster = Roster.Load(first);
        var plain = new JournalAppendOptions { Durable = false };
        // The documented bootstrap: the first responder adds herself, everyone after is added by her (signed); each
        // binds a first key unsigned (the binding proves possession) and signs the second binding with the first.
        foreach (var h in handles)
        {
            var adder = h == handles[0] ? plain : SignedBy(handles[0]);
            roster.AddResponder(h, h.ToUpperInvariant(), [ResponderRole.ContainmentLead, ResponderRole.TriageLead], h == handles[0] ? h : handles[0], adder);
            var seed = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(Dir, "keys", h + ".seed"));
            var proof = TestKeys.BindFile(roster, h, ProofKind.DidKey, seed, plain);
            _signers[h] = new KeyFileStatementSigner(h, ProofKind.DidKey, seed, proof.Fingerprint);
            TestKeys.BindFile(roster, h, ProofKind.Ethereum, TestKeys.WriteNew(ProofKind.Ethereum, Path.Combine(Dir, "keys", h + ".eth")), SignedBy(h));
            roster = Roster.Load(first);
        }
        Incident = first.OpenIncident("shared incident", handles[0], options: SignedBy(handles[0])).Id;
        var (ws, _) = WorkspaceSync.Initialize(first.Root, Remote.Url, null, new SyncOptions { Actor = handles[0] });
        Replicas.Add(ws);
    }

    private readonly Dictionary<string, IStatementSigner> _signers = new(StringComparer.Ordinal);

    public string Dir { get; }
    public SyncRemote Remote { get; }
    public string Incident { get; }
    public List<Workspace> Replicas { get; } = [];

    public JournalAppendOptions SignedBy(string handle) => new() { Durable = false, Signers = [_signers[handle]] };

    /// <summary>Every founder seals the roster on the first replica (each with their own key), and the seal is pushed.</summary>
    public void SealAndPush()
    {
        foreach (var h in _signers.Keys.Order(StringComparer.Ordinal).ToList())
        {
            Roster.Load(Replicas[0]).Seal(h, SignedBy(h));
        }
        Sync(Replicas[0], _signers.Keys.Order(StringComparer.Ordinal).First());
    }

    public IStatementSigner SignerOf(string handle) => _signers[handle];

    public Workspace Clone(string actor)
    {
        var (ws, _) = WorkspaceSync.Initialize(Path.Combine(Dir, "replica-" + Replicas.Count), Remote.Url, null, new SyncOptions { Actor = actor });
        Replicas.Add(ws);
        return ws;
    }

    public JournalEntry Note(Workspace ws, string handle, string text)
        => ws.JournalOf(Incident).Append(new StatementDraft(DeIRF.Journal.Kinds.Note.KindName, handle, new JsonObject { ["text"] = text }), SignedBy(handle));

    public SyncResult Sync(Workspace ws, string actor) => WorkspaceSync.Sync(ws, new SyncOptions { Actor = actor });

    public byte[] JournalBytes(Workspace ws) => File.ReadAllBytes(ws.JournalPathFor(Incident));

    /// <summary>Verifies like Test-DeirfJournal in a workspace: chain, head record, signatures against the roster.</summary>
    public JournalVerdict Verify(Workspace ws, string? incident = null)
        => ws.JournalOf(incident ?? Incident).Verify(new JournalVerifyOptions { ExpectedIncident = incident ?? Incident, Signatures = new RosterSignatureChecker(Roster.Load(ws)) });

    /// <summary>A plain git working copy of the remote (what an attacker with push access uses).</summary>
    public string PlainClone(string name)
    {
        var path = Path.Combine(Dir, name);
        Git(Dir, "clone", "--quiet", Remote.Url, path);
        return path;
    }

    public static string Git(string cwd, params string[] args)
    {
        var r = ExternalTool.Run(ExternalTool.Require("git"), ["-c", "user.name=mallory", "-c", "user.email=mallory@example.invalid", .. args], cwd);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)}: {r.Stderr}");
        }
        return r.Stdout;
    }

    /// <summary>Commits everything in a plain working copy and pushes it (no force).</summary>
    public static void Push(string cwd, string message)
    {
        Git(cwd, "add", "-A");
        Git(cwd, "commit", "--quiet", "-m", message);
        Git(cwd, "push", "--quiet", "origin", "main");
    }

    /// <summary>Rewrites a journal's lines from <paramref name="from"/> on with <paramref name="change"/> applied to entry <paramref name="at"/>'s statement, chain recomputed.</summary>
    public static byte[] Rewrite(byte[] journal, int at, Func<JsonObject, JsonObject> change, Func<byte[], JsonArray>? resign)
    {
        var copy = JournalCopy.TryParse(journal, out var problem, out _) ?? throw new InvalidOperationException(problem);
        using var ms = new MemoryStream();
        string prev = JournalLine.GenesisPrev;
        for (int i = 0; i < copy.Count; i++)
        {
            if (i < at)
            {
                ms.Write(copy.Line(i));
                ms.WriteByte((byte)'\n');
                prev = copy.Hash(i);
                continue;
            }
            var stmt = copy.Statement(i).ToArray();
            var sigs = copy.SignatureArray(i).ToArray();
            if (i == at)
            {
                stmt = CanonicalJson.Serialize(change((JsonObject)JsonNode.Parse(stmt)!));
                if (resign is not null)
                {
                    sigs = CanonicalJson.Serialize(resign(stmt));
                }
            }
            ms.Write(JournalMerge.Relink(stmt, sigs, i, prev, out prev));
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    public void Dispose()
    {
        Remote.Dispose();
        try
        {
            foreach (var f in Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(f, FileAttributes.Normal);
            }
            DeIRF.Testing.TestArtifacts.Delete(Dir);
        }
        catch (IOException)
        {
        }
    }
}
