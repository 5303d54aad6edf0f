using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Core.Tests.Quorum;

/// <summary>
/// A workspace with a roster of responders whose keys are generated at test time (did:key seeds and Ethereum keys in
/// process; SSH and OpenPGP keys by the real tools when a test asks), one movable clock, and helpers to propose, sign
/// the honest way (<see cref="QuorumGate.Sign"/>) or write rows straight into the journal the way an attacker with
/// write access would.
/// </summary>
internal sealed class QuorumWorld : IDisposable
{
    public sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Dictionary<(string Handle, ProofKind Kind, int Index), byte[]> _keys = new();
    private readonly bool _ownsDir;

    public QuorumWorld(string? dir = null, Clock? clock = null)
    {
        _ownsDir = dir is null;
        Dir = dir ?? Directory.CreateTempSubdirectory("deirf-quorum-").FullName;
        Ws = Workspace.Initialize(Path.Combine(Dir, "ws-" + Guid.NewGuid().ToString("N")[..6]));
        TheClock = clock ?? new Clock(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        // Every entry is signed by its actor's first did:key (or Ethereum) key that the roster holds now, as
        // Set-DeirfSigningKey does for a person: the documented, strict bootstrap.
        Options = new JournalAppendOptions { Durable = false, Clock = TheClock, Signers = [new ActorSigner(this)] };
    }

    private sealed class ActorSigner(QuorumWorld world) : IStatementSigner
    {
        public JsonObject? Sign(ReadOnlySpan<byte> statement)
        {
            var actor = JsonNode.Parse(statement.ToArray())!["actor"]!.GetValue<string>();
            var who = Roster.Load(world.Ws).Find(actor);
            foreach (var ((handle, kind, index), _) in world._keys.Where(k => k.Key.Handle == actor && (k.Key.Kind == ProofKind.DidKey || k.Key.Kind == ProofKind.Ethereum)))
            {
                var fp = world.Fingerprint(handle, kind, index);
                if (who?.FindProof(fp) is { IsRevoked: false })
                {
                    return EntrySignature.ToJson(actor, kind, fp, world.SignBytes(handle, kind, statement.ToArray(), index));
                }
            }
            return null;
        }
    }

    public string Dir { get; }
    public Workspace Ws { get; }
    public Clock TheClock { get; }
    public JournalAppendOptions Options { get; }
    public Roster Roster => Roster.Load(Ws);

    public void Tick(TimeSpan by) => TheClock.Now += by;

    public void Dispose()
    {
        if (_ownsDir)
        {
            try
            {
                DeIRF.Testing.TestArtifacts.Delete(Dir);
            }
            catch (IOException)
            {
                // A gpg agent socket vanishing mid-delete; the temp folder is the only trace.
            }
        }
    }

    // ---- roster ----

    public static byte[] NewSeed() => TestKeys.NewSeed();

    public static byte[] NewEthKey() => TestKeys.NewEthKey();

    /// <summary>A responder with the given roster roles and one fresh key per listed kind (did:key and Ethereum by default: eligible).</summary>
    public void Responder(string handle, ResponderRole[] roles, params ProofKind[] kinds)
    {
        var roster = Roster;
        if (roster.Find(handle) is null)
        {
            // The first responder adds herself; the others are added by her (signed), as the README bootstraps.
            var adder = roster.Responders.FirstOrDefault(r => r.ActiveProofs.Any())?.Handle ?? handle;
            roster.AddResponder(handle, handle.ToUpperInvariant(), roles, adder, Options);
        }
        foreach (var kind in kinds.Length == 0 ? [ProofKind.DidKey, ProofKind.Ethereum] : kinds)
        {
            BindKey(handle, kind, kind == ProofKind.Ethereum ? NewEthKey() : NewSeed());
        }
    }

    /// <summary>Every founder (each responder now) signs the seal with their own key: the roster is sealed.</summary>
    public void Seal()
    {
        foreach (var h in Roster.Responders.Select(r => r.Handle).Order(StringComparer.Ordinal).ToList())
        {
            Roster.Seal(h, Options);
        }
    }

    /// <summary>Binds a private key the in-process signer can use (did:key seed, Ethereum, OpenSSH, armored OpenPGP secret key).</summary>
    public RosterProof BindKey(string handle, ProofKind kind, byte[] privateKey)
    {
        var index = _keys.Keys.Count(k => k.Handle == handle && k.Kind == kind);
        _keys[(handle, kind, index)] = privateKey;
        return TestKeys.Bind(Roster, handle, kind, privateKey, Options, TheClock.Now);
    }

    /// <summary>Binds a public key whose holder signs elsewhere (an OIDC identity): <paramref name="sign"/> signs the binding bytes.</summary>
    public RosterProof BindPublic(string handle, ProofKind kind, string publicText, Func<byte[], string> sign)
    {
        var key = Signatures.ParsePublicKey(kind, publicText);
        var binding = new ProofBinding(Ws.WorkspaceId, handle, kind, key.Fingerprint, TheClock.Now).ToBytes();
        return Roster.AddProof(handle, key, binding, sign(binding), handle, Options);
    }

    public string Fingerprint(string handle, ProofKind kind, int index = 0)
    {
        using var material = new PrivateKeyMaterial((byte[])_keys[(handle, kind, index)].Clone());
        return Signatures.ParsePublicKey(kind, Signatures.SignerFor(kind).PublicKeyOf(material)).Fingerprint;
    }

    public string SignBytes(string handle, ProofKind kind, byte[] payload, int index = 0)
    {
        using var material = new PrivateKeyMaterial((byte[])_keys[(handle, kind, index)].Clone());
        return Signatures.SignerFor(kind).Sign(payload, material);
    }

    public void RevokeKey(string handle, ProofKind kind, int index = 0)
        => Roster.RevokeProof(handle, Fingerprint(handle, kind, index), "key compromise (test)", handle, Options);

    // ---- incidents ----

    public string Incident(params (string Handle, ResponderRole Role)[] roles)
    {
        var id = Ws.OpenIncident("Quorum test", "alice", options: Options).Id;
        foreach (var (handle, role) in roles)
        {
            Grant(id, handle, role);
        }
        return id;
    }

    public void Grant(string incident, string handle, ResponderRole role)
        => Append(incident, new StatementDraft(RoleGranted.KindName, "alice", new JsonObject { ["role"] = role.ToString(), ["responder"] = handle }));

    public void RevokeRole(string incident, string handle, ResponderRole role)
        => Append(incident, new StatementDraft(RoleRevoked.KindName, "alice", new JsonObject { ["role"] = role.ToString(), ["responder"] = handle }));

    public void Evidence(string incident, string target)
        => Append(incident, new StatementDraft(EvidenceAdded.KindName, "alice", new JsonObject
        {
            ["collector"] = "alice", ["hash"] = "sha256:" + new string('a', 64), ["name"] = "pod.log", ["path"] = "/tmp/pod.log", ["size"] = 10L, ["target"] = target,
        }));

    public JournalEntry Append(string incident, StatementDraft draft) => Ws.JournalOf(incident).Append(draft, Options);

    // ---- proposals ----

    public Proposal Propose(string incident, string action = "k8s.pod.quarantine", string target = "prod/api-7f9",
        IReadOnlyDictionary<string, string>? parameters = null, string proposer = "alice", TimeSpan? ttl = null, DateTimeOffset? notBefore = null)
        => QuorumGate.Propose(Ws, incident, action, target, parameters ?? new Dictionary<string, string> { ["namespace"] = "prod" }, proposer, ttl, notBefore, Options);

    /// <summary>Signs the proposal's payload with the responder's key and records it through the gate (refused if it would not count).</summary>
    public QuorumSignatureStatus Sign(Proposal p, string handle, ProofKind? kind = null, int index = 0)
        => QuorumGate.Sign(Ws, p.Incident, p.Id, handle, SignBytes(handle, kind ?? ProofKind.DidKey, p.SigningPayload(), index), null, handle, Options);

    public QuorumSignatureStatus Approve(Proposal p, string handle, ProofKind? kind = null)
        => QuorumGate.Approve(Ws, p.Incident, p.Id, handle, SignBytes(handle, kind ?? ProofKind.DidKey, p.ApprovalPayload()), null, handle, Options);

    /// <summary>Writes a signature row straight into a journal, past every check: what someone with write access could do.</summary>
    public JournalEntry RawRow(string incident, string proposalId, string handle, ProofKind kind, string fingerprint, string signature, byte[] payload,
        bool approval = false, DateTimeOffset? at = null, Workspace? ws = null)
        => (ws ?? Ws).JournalOf(incident).Append(new StatementDraft(approval ? ProposalApproved.KindName : ProposalSigned.KindName, handle, new JsonObject
        {
            ["fingerprint"] = fingerprint,
            ["kind"] = kind.ToString(),
            ["payload"] = Encoding.UTF8.GetString(payload),
            ["proposal"] = proposalId,
            ["responder"] = handle,
            ["signature"] = signature,
        }) { Timestamp = at }, Options);

    /// <summary>The honest row for a responder's key, written raw (so the verdict, not the gate, must judge it).</summary>
    public JournalEntry RawSign(Proposal p, string handle, ProofKind? kind = null, int index = 0, DateTimeOffset? at = null)
    {
        var k = kind ?? ProofKind.DidKey;
        return RawRow(p.Incident, p.Id, handle, k, Fingerprint(handle, k, index), SignBytes(handle, k, p.SigningPayload(), index), p.SigningPayload(), at: at);
    }

    public QuorumVerdict Judge(Proposal p) => QuorumGate.Judge(Ws, p.Incident, p.Id, TheClock);

    /// <summary>Installs a policy the honest way: a ROSTER policy.set proposal, two signers, a manual approval, SetPolicy.</summary>
    public QuorumPolicy InstallPolicy(string incident, QuorumPolicy policy, string proposer = "alice", string[]? signers = null, string approver = "dana")
    {
        _ = incident; // policy changes are decided in the roster journal, whatever incident a test is about
        var p = Propose(Roster.JournalId, QuorumPolicy.PolicySetAction, "workspace", new Dictionary<string, string> { ["sha256"] = policy.Sha256 }, proposer);
        foreach (var s in signers ?? ["bob", "carol"])
        {
            Sign(p, s);
        }
        Approve(p, approver);
        return QuorumGate.SetPolicy(Ws, p.Id, policy, proposer, Options);
    }

    /// <summary>The usual cast: alice and carol lead containment and triage, bob contains, dana triages; all eligible.</summary>
    public static QuorumWorld Standard(out string incident)
    {
        var w = new QuorumWorld();
        w.Responder("alice", [ResponderRole.ContainmentLead, ResponderRole.TriageLead]);
        w.Responder("bob", [ResponderRole.ContainmentLead]);
        w.Responder("carol", [ResponderRole.ContainmentLead, ResponderRole.TriageLead]);
        w.Responder("dana", [ResponderRole.TriageLead]);
        w.Tick(TimeSpan.FromMinutes(1));
        incident = w.Incident(("alice", ResponderRole.ContainmentLead), ("bob", ResponderRole.ContainmentLead),
            ("carol", ResponderRole.ContainmentLead), ("dana", ResponderRole.TriageLead));
        w.Evidence(incident, "prod/api-7f9");
        return w;
    }
}

internal static class LocalIssuerTokens
{
    /// <summary>An id_token over <paramref name="payload"/> issued just before <paramref name="now"/>, valid ten minutes.</summary>
    public static string Token(this DeIRF.Core.Tests.Identity.LocalIssuer idp, byte[] payload, DateTimeOffset now)
    {
        var d = idp.Descriptor(payload);
        d.IssuedAt = now.AddSeconds(-5).UtcDateTime;
        d.NotBefore = now.AddSeconds(-5).UtcDateTime;
        d.Expires = now.AddMinutes(10).UtcDateTime;
        return DeIRF.Core.Tests.Identity.LocalIssuer.Mint(d);
    }
}
