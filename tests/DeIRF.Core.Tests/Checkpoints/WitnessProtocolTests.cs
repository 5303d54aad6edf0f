using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DeIRF.Checkpoints;
using DeIRF.Identity;
using Xunit;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>
/// C2SP tlog-witness: the witness side (WitnessService) against request bodies written as the spec's text says, and
/// the client (WitnessClient) against the DeIRF.Witness process over real HTTP on loopback, including a 409 answered
/// by resending from the witness's size, a fork, and witnesses that answer garbage or another key's line.
/// </summary>
public sealed class WitnessProtocolTests : IDisposable
{
    private const string Origin = "example.com/behind-the-sofa";
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-witness-").FullName;
    private readonly TestNoteKey _log = new(Origin);
    private readonly MerkleTree _tree = new();

    public WitnessProtocolTests()
    {
        for (int i = 0; i < 20; i++)
        {
            _tree.AppendEntryHash(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
        }
    }

    public void Dispose() => DeIRF.Testing.TestArtifacts.Delete(_dir);

    private Checkpoint Signed(long size, MerkleTree? tree = null, string origin = Origin)
    {
        var cp = new Checkpoint(origin, size, (tree ?? _tree).Root(size));
        return cp.WithSignature(_log.Sign(cp));
    }

    private (WitnessService Service, NoteVerifierKey Key) NewWitness(string name = "witness.example/w1")
    {
        var seed = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, Guid.NewGuid().ToString("n") + ".seed"));
        var signer = CheckpointSigner.FromKeyFile(name, seed, ProofKind.DidKey);
        var logs = new Dictionary<string, IReadOnlyList<NoteVerifierKey>> { [Origin] = [_log.Key(NoteKeys.Ed25519Type)] };
        return (new WitnessService(new WitnessBook(Path.Combine(_dir, "state-" + Guid.NewGuid().ToString("n")), name), signer, logs),
            signer.VerifierKey(CheckpointRole.Witness));
    }

    private static byte[] Body(string oldLine, IEnumerable<byte[]> proof, Checkpoint cp)
        => Encoding.UTF8.GetBytes(oldLine + "\n" + string.Concat(proof.Select(p => Convert.ToBase64String(p) + "\n")) + "\n" + cp.Text);

    [Fact]
    public void Witness_AnswersEachCaseAsTheSpecSays()
    {
        var (w, key) = NewWitness();
        var cp5 = Signed(5);

        var first = w.Handle(Body("old 0", [], cp5));
        Assert.Equal(200, first.Status);
        var cosigned = Checkpoint.Parse(cp5.Text + first.Body);
        var line = cosigned.Signatures.Single(s => s.Name == "witness.example/w1");
        Assert.Null(key.Check(cosigned, line, out var role, out _));
        Assert.Equal(CheckpointRole.Witness, role);

        var stale = w.Handle(Body("old 0", [], Signed(8)));
        Assert.Equal((409, "text/x.tlog.size", "5\n"), (stale.Status, stale.ContentType, stale.Body));

        Assert.Equal(200, w.Handle(Body("old 5", _tree.ConsistencyProof(5, 8), Signed(8))).Status);
        Assert.Equal(422, w.Handle(Body("old 8", _tree.ConsistencyProof(5, 12), Signed(12))).Status);   // a proof for another old size
        Assert.Equal(400, w.Handle(Body("old 13", [], Signed(12))).Status);                            // old above the checkpoint
        Assert.Equal(400, w.Handle(Body("old 08", [], Signed(12))).Status);                            // a leading zero
        Assert.Equal(400, w.Handle(Encoding.UTF8.GetBytes("old 8\n" + Signed(12).Text)).Status);       // no empty line
        Assert.Equal(404, w.Handle(Body("old 0", [], Signed(3, origin: "example.com/another-log"))).Status);
        var unsigned = new Checkpoint(Origin, 9, _tree.Root(9)).WithSignature(new TestNoteKey(Origin).Sign(new Checkpoint(Origin, 9, _tree.Root(9))));
        Assert.Equal(403, w.Handle(Body("old 8", _tree.ConsistencyProof(8, 9), unsigned)).Status);

        // The same size with another root: a fork, 409.
        var other = new MerkleTree();
        for (int i = 0; i < 8; i++)
        {
            other.AppendEntryHash(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(100 + i)));
        }
        Assert.Equal(409, w.Handle(Body("old 8", [], Signed(8, other))).Status);
        // A proof from size 0 must be empty.
        var (fresh, _) = NewWitness("witness.example/w2");
        Assert.Equal(400, fresh.Handle(Body("old 0", _tree.ConsistencyProof(5, 8), Signed(8))).Status);
    }

    [Fact]
    public async Task Client_AgainstTheWitnessProcess_ResendsFromItsSize_RefusesAForkAndGarbage()
    {
        var seed = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, "w.seed"));
        var port = FreePort();
        var dll = ToolDll();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--listen", $"http://127.0.0.1:{port}/", "--name", "witness.example/w1", "--key", seed, "--state", Path.Combine(_dir, "state"),
                     "--log", $"{Origin}={_log.Key(NoteKeys.Ed25519Type)}" })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        try
        {
            var witnessKey = NoteVerifierKey.Parse((await process.StandardOutput.ReadLineAsync())!);
            Assert.StartsWith("listening", await process.StandardOutput.ReadLineAsync());
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            var url = new Uri($"http://127.0.0.1:{port}/");
            var first = await WitnessClient.SubmitAsync(http, url, witnessKey, Signed(5), _tree.ConsistencyProof);
            Assert.True(first.Cosigned, first.Error + " " + (process.HasExited ? await process.StandardError.ReadToEndAsync() : string.Empty));
            Assert.InRange(first.Attempts, 1, 2);   // a second only after a transport failure

            // The client does not know the witness's size: 409 names it, the request goes again from there.
            var second = await WitnessClient.SubmitAsync(http, url, witnessKey, Signed(12), _tree.ConsistencyProof);
            Assert.True(second.Cosigned, second.Error);
            Assert.Equal(5L, second.OldSize);
            Assert.InRange(second.Attempts, 2, 3);
            Assert.Equal(NoteSignatureStatus.Verified, new CheckpointCheck { LogKeys = [_log.Key(NoteKeys.Ed25519Type)], WitnessKeys = [witnessKey], MinWitnesses = 1 }
                .Judge(second.Cosignatures.Aggregate(Signed(12), (c, s) => c.WithSignature(s))).Signatures.Single(s => s.Role == "witness").Status);

            var other = new MerkleTree();
            for (int i = 0; i < 12; i++)
            {
                other.AppendEntryHash(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(200 + i)));
            }
            var fork = await WitnessClient.SubmitAsync(http, url, witnessKey, Signed(12, other), other.ConsistencyProof, oldSize: 12);
            Assert.Equal("WitnessConflict", fork.ErrorId);
            var behind = await WitnessClient.SubmitAsync(http, url, witnessKey, Signed(8), _tree.ConsistencyProof);
            Assert.Equal("WitnessAhead", behind.ErrorId);
            var unknown = await WitnessClient.SubmitAsync(http, url, witnessKey, Signed(3, origin: "example.com/not-witnessed"), _tree.ConsistencyProof);
            Assert.Equal(("WitnessUnknownLog", 404), (unknown.ErrorId, unknown.Status));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // Witnesses that answer 200 with garbage, or with a line only another key made.
        var stranger = new TestNoteKey("witness.example/w1");
        foreach (var answer in new[] { "hello\n", stranger.Cosign(Signed(5), 1_700_000_000).ToLine() })
        {
            var (garbageUrl, stop) = AnswerOnce(answer);
            try
            {
                using var http = new HttpClient();
                var r = await WitnessClient.SubmitAsync(http, garbageUrl, NoteVerifierKey.Parse(new TestNoteKey("witness.example/w1").Key(NoteKeys.CosignatureV1Type).ToString()),
                    Signed(5), _tree.ConsistencyProof);
                Assert.False(r.Cosigned);
                Assert.Equal("WitnessResponseInvalid", r.ErrorId);
            }
            finally
            {
                stop();
            }
        }
    }

    private static (Uri Url, Action Stop) AnswerOnce(string body)
    {
        var port = FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            try
            {
                var ctx = await listener.GetContextAsync();
                Assert.Equal("/add-checkpoint", ctx.Request.Url!.AbsolutePath);
                var bytes = Encoding.UTF8.GetBytes(body);
                ctx.Response.StatusCode = 200;
                ctx.Response.OutputStream.Write(bytes);
                ctx.Response.Close();
            }
            catch (HttpListenerException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
        return (new Uri($"http://127.0.0.1:{port}/"), () => listener.Close());
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static string ToolDll()
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory); // tests/DeIRF.Core.Tests/bin/<cfg>/net10.0/
        var repo = baseDir.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(repo, "tools", "DeIRF.Witness", "bin", baseDir.Parent!.Name, baseDir.Name, "DeIRF.Witness.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first: DeIRF.Witness not found", dll);
    }
}
