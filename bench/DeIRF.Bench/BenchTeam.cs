using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Workspaces;

/// <summary>What the quorum-path benches share: the two-person team, signing, medians and checks.</summary>
internal static class BenchTeam
{
    /// <summary>
    /// A workspace with bob (ContainmentLead) and carol (TriageLead), each with a did:key and an Ethereum proof, and an
    /// incident with their roles granted and evidence on <paramref name="target"/> (the default k8s/dns/evm rules want it).
    /// Returns their did:key seeds.
    /// </summary>
    public static (Workspace Ws, string Inc, (byte[] Bob, byte[] Carol) Seeds) Create(string root, string title, string target, JournalAppendOptions options)
    {
        var ws = Workspace.Initialize(root);
        var roster = Roster.Load(ws);
        var seeds = new Dictionary<string, byte[]>();
        foreach (var (handle, role) in new[] { ("bob", ResponderRole.ContainmentLead), ("carol", ResponderRole.TriageLead) })
        {
            seeds[handle] = AddResponder(ws, roster, handle, role, options).Seed;
        }
        var inc = ws.OpenIncident(title, "bob", options: options).Id;
        var journal = ws.JournalOf(inc);
        journal.Append(new StatementDraft(RoleGranted.KindName, "bob", new JsonObject { ["role"] = "ContainmentLead", ["responder"] = "bob" }), options);
        journal.Append(new StatementDraft(RoleGranted.KindName, "bob", new JsonObject { ["role"] = "TriageLead", ["responder"] = "carol" }), options);
        journal.Append(new StatementDraft(EvidenceAdded.KindName, "carol", new JsonObject
        {
            ["collector"] = "carol", ["hash"] = "sha256:" + new string('0', 64), ["name"] = "capture.log", ["path"] = "/x/capture.log", ["size"] = 1L, ["target"] = target,
        }), options);
        return (ws, inc, (seeds["bob"], seeds["carol"]));
    }

    /// <summary>Adds a responder with a did:key and an Ethereum proof (two kinds: eligible), keys made now; returns the did:key seed and proof.</summary>
    public static (byte[] Seed, ProofKey DidKey) AddResponder(Workspace ws, Roster roster, string handle, ResponderRole role, JournalAppendOptions options)
    {
        roster.AddResponder(handle, handle, [role], handle, options);
        (byte[] Seed, ProofKey DidKey) result = default;
        foreach (var kind in new[] { ProofKind.DidKey, ProofKind.Ethereum })
        {
            var secret = kind == ProofKind.DidKey
                ? Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)))
                : Encoding.ASCII.GetBytes("0x" + Convert.ToHexString(EthKey()));
            using var material = new PrivateKeyMaterial((byte[])secret.Clone());
            var s = Signatures.SignerFor(kind);
            var key = Signatures.ParsePublicKey(kind, s.PublicKeyOf(material));
            var binding = new ProofBinding(ws.WorkspaceId, handle, kind, key.Fingerprint, DateTimeOffset.UtcNow).ToBytes();
            roster.AddProof(handle, key, binding, s.Sign(binding, material), handle, options);
            if (kind == ProofKind.DidKey)
            {
                result = (secret, key);
            }
        }
        return result;
    }

    public static string SignWith(IProofSigner signer, byte[] seed, Proposal p)
    {
        using var material = new PrivateKeyMaterial((byte[])seed.Clone());
        return signer.Sign(p.SigningPayload(), material);
    }

    /// <summary>An Ethereum secp256k1 private key (first byte kept well below the curve order).</summary>
    public static byte[] EthKey()
    {
        byte[] k;
        do { k = RandomNumberGenerator.GetBytes(32); } while (k[0] == 0 || k[0] >= 0xF0);
        return k;
    }

    public static double MedianOf(List<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    public static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException(what);
        }
    }
}
