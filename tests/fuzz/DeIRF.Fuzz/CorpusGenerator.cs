using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Checkpoints;
using DeIRF.Core.Tests.Identity;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DeIRF.Fuzz;

/// <summary>
/// Writes the seed corpus (tests/fuzz/corpus/&lt;target&gt;/) from real samples: keys are made now in a temporary
/// folder (ssh-keygen, gpg, .NET, the engine's own signers), their PUBLIC parts and signatures over
/// <see cref="FuzzTargets.Payload"/> are written, and the folder with every private key is deleted. Nothing
/// secret is ever written into the corpus. Run once: `dotnet DeIRF.Fuzz.dll corpus tests/fuzz/corpus`.
/// </summary>
internal static class CorpusGenerator
{
    private static string _out = string.Empty;

    public static int Run(string outDir)
    {
        _out = outDir;
        var tmp = Directory.CreateTempSubdirectory("deirf-corpus-").FullName;
        try
        {
            Journals(tmp);
            Policies();
            Alerts();
            OutsideTexts();
            OpenPgp(tmp);
            Ssh(tmp);
            Oidc();
            Fido2();
            SimpleKinds(tmp);
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
        foreach (var t in FuzzTargets.All)
        {
            var dir = Path.Combine(_out, t.Name);
            int n = Directory.Exists(dir) ? Directory.GetFiles(dir).Length : 0;
            Console.WriteLine($"{t.Name,-18} {n} seed(s)");
            foreach (var f in Directory.Exists(dir) ? Directory.GetFiles(dir) : [])
            {
                if (FuzzTargets.Replay(t, File.ReadAllBytes(f)) is { } ex)
                {
                    Console.WriteLine($"  finding on seed {Path.GetFileName(f)}: {ex.GetType().Name}: {ex.Message}");
                }
                else if (FuzzTargets.CheckSignature(t.Name, File.ReadAllBytes(f)) is { IsValid: false } check)
                {
                    Console.WriteLine($"  seed {Path.GetFileName(f)} does not verify: {check.Reason}");
                }
            }
        }
        return 0;
    }

    private static void Write(string target, string name, byte[] bytes)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_out, target)).FullName;
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }

    private static void Write(string target, string name, params string[] parts) => Write(target, name, Encoding.UTF8.GetBytes(string.Join('\0', parts)));

    private static void Journals(string tmp)
    {
        var ws = Workspace.Initialize(Path.Combine(tmp, "ws"), "corpus");
        var options = JournalAppendOptions.Default with { Durable = false };
        var roster = Roster.Load(ws);
        roster.AddResponder("alice", "Alice Example", [ResponderRole.TriageLead, ResponderRole.Recorder], "alice", options);
        roster.AddResponder("bob", "Bob Example", [ResponderRole.ContainmentLead], "alice", options);
        var seedPath = Path.Combine(tmp, "alice.seed");
        PrivateKeyFiles.Write(seedPath, Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant()));
        var ethPath = Path.Combine(tmp, "bob.eth");
        PrivateKeyFiles.Write(ethPath, Encoding.ASCII.GetBytes("0x" + Convert.ToHexString([0x11, .. RandomNumberGenerator.GetBytes(31)]).ToLowerInvariant()));
        Bind(roster, "alice", ProofKind.DidKey, seedPath, options);
        Bind(roster, "bob", ProofKind.Ethereum, ethPath, options);
        roster = Roster.Load(ws);
        Write("roster", "roster.jsonl", File.ReadAllBytes(Roster.PathIn(ws)));

        var incident = ws.OpenIncident("Leaked deploy key", "alice", ["secrets"], options: options);
        var journal = ws.JournalOf(incident.Id);
        for (int i = 0; i < 4; i++)
        {
            journal.Append(new StatementDraft("note", "alice", new JsonObject { ["text"] = $"rotated key {i} \u00e9\u2603" }), options);
        }
        var bytes = File.ReadAllBytes(journal.Path);
        Write("journal-line", "journal.jsonl", bytes);
        var lines = FuzzTargets.Lines(bytes);
        Write("journal-line", "genesis.jsonl", [.. lines[0], (byte)'\n']);
        Write("journal-line", "note.jsonl", lines[^1]);

        var signer = CheckpointSigner.FromKeyFile("alice", seedPath, ProofKind.DidKey, roster);
        var (checkpoint, _) = CheckpointLog.Create(ws, incident.Id, signer);
        var vkey = signer.VerifierKey(CheckpointRole.Log).ToString();
        Write("checkpoint", "signed.txt", vkey, checkpoint.Text);
        var witness = signer.Sign(checkpoint, CheckpointRole.Witness, FuzzTargets.Now);
        var cosigned = checkpoint.WithSignature(witness);
        Write("checkpoint", "cosigned.txt", vkey + "\n" + signer.VerifierKey(CheckpointRole.Witness), cosigned.Text);
        Write("checkpoint", "unsigned.txt", "", new Checkpoint(checkpoint.Origin, checkpoint.Size, checkpoint.RootHash).Text);
        foreach (var seq in new long[] { 0, 2, checkpoint.Size - 1 })
        {
            var proof = CheckpointLog.Prove(ws, incident.Id, seq, checkpoint);
            Write("tlog-proof", $"entry{seq}.proof", vkey, proof.Text);
        }

        var binding = new ProofBinding(ws.WorkspaceId, "alice", ProofKind.DidKey, Signatures.ParsePublicKey(ProofKind.DidKey, PublicOf(ProofKind.DidKey, seedPath)).Fingerprint, FuzzTargets.Now);
        Write("proof-binding", "binding.json", binding.ToBytes());
    }

    private static string PublicOf(ProofKind kind, string keyPath)
    {
        using var material = PrivateKeyMaterial.FromFile(keyPath);
        return Signatures.SignerFor(kind).PublicKeyOf(material);
    }

    private static string Sign(ProofKind kind, string keyPath, byte[] payload)
    {
        using var material = PrivateKeyMaterial.FromFile(keyPath);
        return Signatures.SignerFor(kind).Sign(payload, material);
    }

    private static void Bind(Roster roster, string handle, ProofKind kind, string keyPath, JournalAppendOptions options)
    {
        var key = Signatures.ParsePublicKey(kind, PublicOf(kind, keyPath));
        var binding = new ProofBinding(roster.Workspace.WorkspaceId, handle, kind, key.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
        roster.AddProof(handle, key, binding, Sign(kind, keyPath, binding), handle, options);
    }

    private static void Policies()
    {
        Write("quorum-policy", "defaults.json", QuorumPolicy.Defaults.CanonicalBytes());
        Write("quorum-policy", "nested.json", """
            {
              "version": 1,
              "rules": [
                { "action": "k8s.*",
                  "require": { "all": [ { "count": 2, "roles": ["ContainmentLead"] }, { "count": 1, "roles": ["TriageLead"] } ] },
                  "ttlMinutes": 60, "evidenceRequired": true, "selfApproval": true, "manualApproval": false },
                { "action": "dns.?eroute", "require": { "any": [ { "count": 1, "roles": ["Commander"] }, { "count": 3 } ] }, "ttlMinutes": 15 }
              ],
              "journaled": { "incident": "INC-20310304-0001", "entry": "4d2c0e2b1c5f0a6b1e6b0b2f6a9d0c1e3f4a5b6c7d8e9f00112233445566778" }
            }
            """);
        Write("checkpoint-policy", "defaults.json", """{ "version": 1, "every": 100, "onClose": true, "require": { "count": 1 } }""");
        Write("checkpoint-policy", "roles.json", """{ "version": 1, "every": 10, "onClose": false, "require": { "all": [ { "count": 1, "roles": ["Recorder"] }, { "any": [ { "count": 2 } ] } ] } }""");
    }

    private static void Alerts()
    {
        var vectors = Path.Combine(AppContext.BaseDirectory, "alert-vectors");
        foreach (var f in Directory.GetFiles(vectors).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)))
        {
            Write("alerts", Path.GetFileName(f), File.ReadAllBytes(f));
        }
        Write("alerts", "generic.json", """{"source":"grafana","title":"Deploy key used from unknown ASN","severity":"SEV2","time":"2031-03-04T05:06:07Z","labels":{"team":"infra"},"description":"key 5f1c"}""");
    }

    private static void OutsideTexts()
    {
        Write("outside-text", "escapes.txt", "Disk 91% on db-1\n\u001b]0;ALL CLEAR\u0007\u001b[2J\u001b[H\u001b[32mRESOLVED\u001b[0m\r\n\u009b1m\u001bP+q\u001b\\");
        Write("outside-text", "markdown-mentions.txt", "**<!channel> @room** [details](https://evil.example/x) `code` # h\n- item\n1. one\n> quote | a_b _em_ ~~s~~ &amp; $x$ <@U024BE7LH>");
        Write("outside-text", "unicode.txt", "rtl \u202Etxt.exe\u202C \u2066iso\u2069 zw\u200B\u200D\uFEFF nbsp\u00A0 ideo\u3000 😀 é \u2028sep\u2029");
    }

    private static string Tool(string file, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["GNUPGHOME"] = Path.Combine(workDir, "gnupg");
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        }
        return stdout;
    }

    private static void OpenPgp(string tmp)
    {
        var home = Directory.CreateDirectory(Path.Combine(tmp, "gnupg")).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var payload = Path.Combine(tmp, "payload");
        File.WriteAllBytes(payload, FuzzTargets.Payload);
        foreach (var (name, algo) in new[] { ("ed25519", "ed25519"), ("rsa3072", "rsa3072"), ("p256", "nistp256") })
        {
            var uid = $"Alice {name} <alice-{name}@deirf.example>";
            Tool("gpg", tmp, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid, algo, "sign", "2035-01-01");
            var pub = Tool("gpg", tmp, "--batch", "--armor", "--export", uid);
            var sigPath = Path.Combine(tmp, $"sig-{name}.asc");
            Tool("gpg", tmp, "--batch", "--yes", "--armor", "--local-user", uid, "--output", sigPath, "--detach-sign", payload);
            Write("openpgp", $"{name}.txt", pub, File.ReadAllText(sigPath));
        }
    }

    private static void Ssh(string tmp)
    {
        var payload = Path.Combine(tmp, "payload");
        File.WriteAllBytes(payload, FuzzTargets.Payload);
        foreach (var (name, args) in new[] { ("ed25519", new[] { "-t", "ed25519" }), ("ecdsa", new[] { "-t", "ecdsa", "-b", "256" }), ("rsa", new[] { "-t", "rsa", "-b", "2048" }) })
        {
            var key = Path.Combine(tmp, "id_" + name);
            Tool("ssh-keygen", tmp, [.. args, "-q", "-N", "", "-C", "alice@deirf.example", "-f", key]);
            Tool("ssh-keygen", tmp, "-Y", "sign", "-q", "-n", "deirf", "-f", key, payload);
            Write("sshsig", $"{name}.txt", File.ReadAllText(key + ".pub").Trim(), File.ReadAllText(payload + ".sig"));
            File.Delete(payload + ".sig");
        }
        var ca = Path.Combine(tmp, "ca");
        Tool("ssh-keygen", tmp, "-t", "ed25519", "-q", "-N", "", "-C", "deirf-ca", "-f", ca);
        var user = Path.Combine(tmp, "id_ed25519");
        Tool("ssh-keygen", tmp, "-q", "-s", ca, "-I", "alice@deirf", "-n", FuzzTargets.SshPrincipal, "-V", "20310101:20320101", user + ".pub");
        Tool("ssh-keygen", tmp, "-Y", "sign", "-q", "-n", "deirf", "-f", user, payload);
        Write("ssh-cert", "user-cert.txt", File.ReadAllText(ca + ".pub").Trim(), File.ReadAllText(user + "-cert.pub").Trim(), File.ReadAllText(payload + ".sig"));
        File.Delete(payload + ".sig");
    }

    private static void Oidc()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = rsa.ExportParameters(false);
        var q = ec.ExportParameters(false).Q;
        var jwks = new JsonArray(
            new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = "rsa-1", ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) },
            new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = "ec-1", ["x"] = Base64UrlEncoder.Encode(q.X), ["y"] = Base64UrlEncoder.Encode(q.Y) });
        var proof = new JsonObject { ["issuer"] = "https://idp.deirf.test", ["subject"] = "248289761001", ["audience"] = "deirf-cli", ["jwks"] = new JsonObject { ["keys"] = jwks } }.ToJsonString();
        string Mint(SigningCredentials credentials) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idp.deirf.test",
            Audience = "deirf-cli",
            IssuedAt = FuzzTargets.Now.AddMinutes(-1).UtcDateTime,
            NotBefore = FuzzTargets.Now.AddMinutes(-1).UtcDateTime,
            Expires = FuzzTargets.Now.AddMinutes(10).UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = "248289761001", ["nonce"] = Base64UrlEncoder.Encode(SHA256.HashData(FuzzTargets.Payload)) },
            SigningCredentials = credentials,
        });
        Write("oidc", "rs256.txt", proof, Mint(new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "rsa-1" }, SecurityAlgorithms.RsaSha256)));
        Write("oidc", "es256.txt", proof, Mint(new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = "ec-1" }, SecurityAlgorithms.EcdsaSha256)));
    }

    private static void Fido2()
    {
        using var authenticator = new SoftwareAuthenticator();
        Write("fido2", "cose.txt", authenticator.PublicKeyJson(), authenticator.Sign(FuzzTargets.Payload));
        Write("fido2", "jwk-tojson.txt", authenticator.PublicKeyJwkJson(), authenticator.Sign(FuzzTargets.Payload, new AssertionOptions { ToJsonShape = true }));
    }

    private static void SimpleKinds(string tmp)
    {
        var seed = Path.Combine(tmp, "did.seed");
        PrivateKeyFiles.Write(seed, Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant()));
        Write("didkey", "ed25519.txt", PublicOf(ProofKind.DidKey, seed), Sign(ProofKind.DidKey, seed, FuzzTargets.Payload));
        var eth = Path.Combine(tmp, "eth.key");
        PrivateKeyFiles.Write(eth, Encoding.ASCII.GetBytes("0x" + Convert.ToHexString([0x22, .. RandomNumberGenerator.GetBytes(31)]).ToLowerInvariant()));
        Write("ethereum", "personal-sign.txt", PublicOf(ProofKind.Ethereum, eth), Sign(ProofKind.Ethereum, eth, FuzzTargets.Payload));
    }
}
