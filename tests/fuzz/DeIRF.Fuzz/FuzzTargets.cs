using System.Security.Cryptography;
using System.Text;
using DeIRF.Alerts;
using DeIRF.Checkpoints;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Fuzz;

/// <summary>One parser of outside input, driven with arbitrary bytes.</summary>
public sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run);

/// <summary>
/// Every fuzz target, shared by the AFL++ host (Program) and the in-process regression replay (FuzzRegressionTests).
/// A target parses its input the way DeIRF reads that kind of file or text; a <see cref="DeirfException"/> (the
/// documented refusal) is the expected outcome of bad input, anything else escaping is a finding. Multi-part inputs
/// (a public key and a signature, say) are split at NUL bytes: part 0, NUL, part 1, ...
/// </summary>
public static class FuzzTargets
{
    /// <summary>The payload every corpus signature is made over (the generator signs exactly these bytes).</summary>
    public static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"incident\":\"INC-7\",\"kind\":\"proposal.sign\",\"nonce\":\"5f1c\"}\n");

    /// <summary>"Now" for every time check (token expiry, certificate validity): the generator makes samples valid then.</summary>
    public static readonly DateTimeOffset Now = new(2031, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public const string SshPrincipal = "alice";

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("journal-line", "journal lines: JournalLine.TryParse, as stored and with hash/prev re-chained, then the entry model and the whole-file verifier", JournalLines),
        new("roster", "the roster journal (roster.jsonl, re-chained): Roster.Load and AuditBindings", RosterJournal),
        new("quorum-policy", "quorum policy file: QuorumPolicy.Parse", b => QuorumPolicy.Parse(Text(b))),
        new("checkpoint-policy", "checkpoint policy file: CheckpointPolicy.Parse", b => CheckpointPolicy.Parse(Text(b))),
        new("alerts", "alerts (Falco JSON lines, Alertmanager webhook, generic): AlertReader.Read", b => AlertReader.Read(b, "fuzz.json")),
        new("outside-text", "outside text (alert titles, service messages): OutsideText.Line, Block, Markdown, ForSlack and their promises", OutsideTexts),
        new("openpgp", "armored OpenPGP public key NUL armored signature", b => Proof(ProofKind.OpenPgp, b)),
        new("sshsig", "OpenSSH public key line NUL SSHSIG armor", b => Proof(ProofKind.Ssh, b)),
        new("ssh-cert", "CA public key line NUL SSH certificate line NUL SSHSIG armor", SshCertificate),
        new("oidc", "OIDC proof (issuer, audience, JWKS) NUL id_token (JWS)", b => Proof(ProofKind.Oidc, b)),
        new("fido2", "FIDO2 credential (COSE key) NUL WebAuthn assertion JSON", b => Proof(ProofKind.Fido2, b)),
        new("didkey", "did:key NUL detached JWS", b => Proof(ProofKind.DidKey, b)),
        new("ethereum", "Ethereum address NUL personal_sign signature", b => Proof(ProofKind.Ethereum, b)),
        new("proof-binding", "proof binding bytes: ProofBinding.Parse", b => ProofBinding.Parse(b)),
        new("checkpoint", "verifier keys (one vkey a line) NUL checkpoint / signed note with cosignatures: Checkpoint.Parse, NoteVerifierKey.Parse, CheckpointVerdict.Judge", CheckpointNote),
        new("tlog-proof", "verifier keys NUL tlog-proof file: InclusionProof.Parse and Verify", TlogProof),
        new("sync-tree", "a fetched tree as git ls-tree -r -l -z prints it: GitCli.ParseEntries, SyncTreePolicy.Check and CheckPath", SyncTree),
        new("received-entries", "a received roster journal NUL a received incident journal (re-chained): WorkspaceSync.VerifyReceived, strict", ReceivedEntries),
    ];

    public static FuzzTarget Get(string name)
        => All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"No fuzz target '{name}'. Targets: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>The documented refusal: a DeirfException (and only that).</summary>
    public static bool IsExpected(Exception ex) => ex is DeirfException;

    /// <summary>Runs one input; returns the unexpected exception (a finding) or null.</summary>
    public static Exception? Replay(FuzzTarget target, byte[] input)
    {
        try
        {
            target.Run(input);
            return null;
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    public static string[] Parts(byte[] b, int count)
    {
        var parts = Text(b).Split('\0', count);
        return parts.Length == count ? parts : [.. parts, .. Enumerable.Repeat(string.Empty, count - parts.Length)];
    }

    private static VerificationContext Context(IReadOnlyList<string>? cas = null) => new()
    {
        Clock = new FixedClock(Now),
        SshNamespace = "deirf",
        ExpectedSshPrincipal = SshPrincipal,
        TrustedSshCertificateAuthorities = cas ?? [],
        LastFido2SignCount = 0,
        IsOidcNonceUnused = _ => true,
    };

    /// <summary>
    /// ParsePublicKey documents InvalidProofException; Signatures.Verify (the one entry point) documents that it
    /// never throws for a bad signature: any exception out of it is a finding.
    /// </summary>
    private static void Proof(ProofKind kind, byte[] input)
    {
        var parts = Parts(input, 2);
        var key = Signatures.ParsePublicKey(kind, parts[0]);
        Signatures.Verify(key, Payload, parts[1], Context());
        Signatures.DetectKind(parts[1]);
    }

    /// <summary>For the signature targets: does this input's signature verify? (Seeds must: they are real samples.)</summary>
    public static SignatureCheck? CheckSignature(string target, byte[] input)
    {
        ProofKind? kind = target switch
        {
            "openpgp" => ProofKind.OpenPgp, "sshsig" => ProofKind.Ssh, "oidc" => ProofKind.Oidc, "fido2" => ProofKind.Fido2,
            "didkey" => ProofKind.DidKey, "ethereum" => ProofKind.Ethereum, "ssh-cert" => ProofKind.Ssh, _ => null,
        };
        if (kind is null)
        {
            return null;
        }
        if (target == "ssh-cert")
        {
            var p3 = Parts(input, 3);
            return Signatures.Verify(Signatures.ParsePublicKey(ProofKind.Ssh, p3[1]), Payload, p3[2], Context([p3[0]]));
        }
        var parts = Parts(input, 2);
        return Signatures.Verify(Signatures.ParsePublicKey(kind.Value, parts[0]), Payload, parts[1], Context());
    }

    private static void SshCertificate(byte[] input)
    {
        var parts = Parts(input, 3);
        var key = Signatures.ParsePublicKey(ProofKind.Ssh, parts[1]);
        Signatures.Verify(key, Payload, parts[2], Context([parts[0]]));
    }

    /// <summary>
    /// The sanitizer never throws, and a broken promise is a finding (thrown as InvalidOperationException, which is not
    /// the documented refusal): Line is one bounded printable line and a fixed point; Markdown leaves no control
    /// character but LF, no unescaped metacharacter and no live mention; ForSlack leaves no &lt; or &gt;.
    /// </summary>
    private static void OutsideTexts(byte[] input)
    {
        var text = Text(input);
        var max = input.Length == 0 ? 200 : 1 + (input[0] % 250);
        var line = Canonical.OutsideText.Line(text, max);
        if (line.Length > max || !Canonical.OutsideText.IsPrintableLine(line) || line != line.Trim() || Canonical.OutsideText.Line(line, max) != line)
        {
            throw new InvalidOperationException($"Line broke its promise: {System.Text.Json.JsonSerializer.Serialize(line)}");
        }
        if (Canonical.OutsideText.Block(text).Any(c => char.IsControl(c) && c != '\n'))
        {
            throw new InvalidOperationException("Block left a control character");
        }
        var md = Canonical.OutsideText.Markdown(text);
        for (int i = 0; i < md.Length; i++)
        {
            var c = md[i];
            int slashes = 0;
            for (int j = i - 1; j >= 0 && md[j] == '\\'; j--)
            {
                slashes++;
            }
            if ((char.IsControl(c) && c != '\n')
                || (c is '`' or '*' or '[' or ']' or '<' or '>' or '#' or '|' or '~' or '&' or '!' or '$' && slashes % 2 == 0)
                || (c == '@' && i + 1 < md.Length && char.IsLetterOrDigit(md[i + 1])))
            {
                throw new InvalidOperationException($"Markdown broke its promise at {i}: {System.Text.Json.JsonSerializer.Serialize(md)}");
            }
        }
        if (Canonical.OutsideText.ForSlack(md).Any(c => c is '<' or '>'))
        {
            throw new InvalidOperationException("ForSlack left a < or >");
        }
    }

    private static IReadOnlyList<NoteVerifierKey> Keys(string text)
    {
        var keys = new List<NoteVerifierKey>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                keys.Add(NoteVerifierKey.Parse(line));
            }
            catch (DeirfException)
            {
                // A bad key line is refused on its own; the note is still judged against the good ones.
            }
        }
        return keys;
    }

    private static void CheckpointNote(byte[] input)
    {
        var parts = Parts(input, 2);
        var keys = Keys(parts[0]);
        var checkpoint = Checkpoint.Parse(parts[1]);
        _ = checkpoint.Text;
        CheckpointVerdict.Judge(checkpoint, keys, CheckpointPolicy.Default, _ => new HashSet<string> { "Recorder", "TriageLead" });
    }

    private static void TlogProof(byte[] input)
    {
        var parts = Parts(input, 2);
        var keys = Keys(parts[0]);
        var proof = InclusionProof.Parse(parts[1]);
        _ = proof.Text;
        proof.Verify(null, keys, CheckpointPolicy.Default);
        proof.Verify(proof.Checkpoint, keys, CheckpointPolicy.Default);
    }

    // ---- journals ----

    private static readonly int HashAt = "{\"hash\":\"".Length;
    private static readonly int PrevAt = HashAt + 64 + "\",\"prev\":\"".Length;

    /// <summary>
    /// Rewrites hash and prev of every line that has the v1 prefix shape so the chain links (prev = last hash,
    /// hash = SHA-256 of '{' + everything after the hash member): the fuzzer then reaches what lies behind the
    /// hash check instead of stopping at it. Lines of another shape are kept as they are.
    /// </summary>
    public static byte[][] Rechain(byte[][] lines)
    {
        var prev = Encoding.ASCII.GetBytes(JournalLine.GenesisPrev);
        var result = new byte[lines.Length][];
        for (int i = 0; i < lines.Length; i++)
        {
            var line = (byte[])lines[i].Clone();
            if (line.Length > PrevAt + 65 && line.AsSpan().StartsWith("{\"hash\":\""u8) && line.AsSpan(HashAt + 64).StartsWith("\",\"prev\":\""u8))
            {
                prev.CopyTo(line, PrevAt);
                byte[] input = [(byte)'{', .. line.AsSpan(HashAt + 64 + 2)];
                var hash = Encoding.ASCII.GetBytes(Convert.ToHexString(SHA256.HashData(input)).ToLowerInvariant());
                hash.CopyTo(line, HashAt);
                prev = hash;
            }
            result[i] = line;
        }
        return result;
    }

    public static byte[][] Lines(byte[] input)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i <= input.Length; i++)
        {
            if (i == input.Length || input[i] == (byte)'\n')
            {
                if (i > start || i < input.Length)
                {
                    lines.Add(input[start..i]);
                }
                start = i + 1;
            }
        }
        return [.. lines];
    }

    private static byte[] Join(byte[][] lines, bool trailingNewline)
    {
        var ms = new MemoryStream();
        for (int i = 0; i < lines.Length; i++)
        {
            ms.Write(lines[i]);
            if (i < lines.Length - 1 || trailingNewline)
            {
                ms.WriteByte((byte)'\n');
            }
        }
        return ms.ToArray();
    }

    private static void JournalLines(byte[] input)
    {
        var raw = Lines(input);
        var chained = Rechain(raw);
        long n = 0;
        foreach (var line in raw.Concat(chained))
        {
            n++;
            if (JournalLine.TryParse(line, out var fields, out _) == JournalFault.None)
            {
                var entry = JournalEntry.FromVerifiedLine(line, fields, n, "fuzz.jsonl");
                _ = entry.Body.Count;
            }
        }
        var path = Scratch.File("journal.jsonl");
        File.WriteAllBytes(path, Join(chained, input.Length > 0 && input[^1] == (byte)'\n'));
        new JournalFile(path).Verify(new JournalVerifyOptions { UseHeadRecord = false });
        foreach (var entry in new JournalFile(path).ReadEntries())
        {
            _ = entry.Kind;
        }
    }

    private static void RosterJournal(byte[] input)
    {
        var ws = Scratch.Workspace;
        var path = Roster.PathIn(ws);
        foreach (var stale in Directory.GetFiles(ws.Root).Where(f => !f.EndsWith(Workspace.FileName, StringComparison.Ordinal)))
        {
            File.Delete(stale);
        }
        File.WriteAllBytes(path, Join(Rechain(Lines(input)), input.Length > 0 && input[^1] == (byte)'\n'));
        var roster = Roster.Load(ws);
        roster.AuditBindings();
        foreach (var r in roster.Responders)
        {
            _ = r.ToString();
        }
    }

    private static void SyncTree(byte[] input)
    {
        var entries = DeIRF.Sync.GitCli.ParseEntries(input);
        var refusals = DeIRF.Sync.SyncTreePolicy.Check(entries);
        foreach (var e in entries)
        {
            // The promise behind the check: nothing it lets through escapes the workspace or names .git.
            if (DeIRF.Sync.SyncTreePolicy.CheckPath(e.Path) is null && refusals.All(r => r.Journal != e.Path)
                && (e.Path.Split('/').Any(p => p is ".." or "." || DeIRF.Sync.SyncTreePolicy.IsGitName(p)) || e.Mode == "120000" || Path.IsPathRooted(e.Path)))
            {
                throw new InvalidOperationException($"the tree policy let '{e.Path}' ({e.Mode}) through");
            }
        }
    }

    private static void ReceivedEntries(byte[] input)
    {
        var ws = Scratch.Workspace;
        var split = Array.IndexOf(input, (byte)0);
        var rosterPart = split < 0 ? input : input[..split];
        var incidentPart = split < 0 ? [] : input[(split + 1)..];
        var rosterFile = Roster.PathIn(ws);
        var rosterBytes = Join(Rechain(Lines(rosterPart)), true);
        File.WriteAllBytes(rosterFile, rosterBytes);
        DeIRF.Sync.WorkspaceSync.VerifyReceived(ws, Roster.JournalId, rosterBytes, rosterFile);
        if (incidentPart.Length > 0)
        {
            DeIRF.Sync.WorkspaceSync.VerifyReceived(ws, "INC-FUZZ", Join(Rechain(Lines(incidentPart)), true), rosterFile);
        }
    }

    /// <summary>One scratch folder per process for the targets that read files (journal, roster).</summary>
    private static class Scratch
    {
        private static readonly string Root = Directory.CreateTempSubdirectory("deirf-fuzz-").FullName;
        private static Workspace? _workspace;

        public static Workspace Workspace => _workspace ??= Workspaces.Workspace.Initialize(Path.Combine(Root, "ws"), "fuzz");

        public static string File(string name) => Path.Combine(Root, name);
    }
}
