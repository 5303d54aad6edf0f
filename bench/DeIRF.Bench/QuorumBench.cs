using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using static BenchTeam;

/// <summary>
/// Quorum verdict time for 2, 5 and 20 signers (did:key), beside the bare verification of the same signatures through
/// the one entry point (Signatures.Verify) in the same run: the ratio is what reading the journal and roster, the
/// per-row checks and the group matching cost on top of the signature math.
/// </summary>
internal static class QuorumBench
{
    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var rows = new List<(string, string, string, string, string)>();
        foreach (var n in new[] { 2, 5, 20 })
        {
            var ws = Workspace.Initialize(Path.Combine(work, $"quorum-{n}"));
            var options = new JournalAppendOptions { Durable = false };
            var roster = Roster.Load(ws);
            var signer = Signatures.SignerFor(ProofKind.DidKey);
            var keys = new List<(string Handle, byte[] Seed, ProofKey Key)>();
            for (int i = 0; i < n; i++)
            {
                var handle = $"r{i:D2}";
                var (seed, didKey) = BenchTeam.AddResponder(ws, roster, handle, ResponderRole.ContainmentLead, options);
                keys.Add((handle, seed, didKey));
            }
            var inc = ws.OpenIncident("bench", "r00", options: options).Id;
            foreach (var k in keys)
            {
                ws.JournalOf(inc).Append(new StatementDraft(RoleGranted.KindName, "r00", new JsonObject { ["role"] = "ContainmentLead", ["responder"] = k.Handle }), options);
            }
            ws.JournalOf(inc).Append(new StatementDraft(EvidenceAdded.KindName, "r00", new JsonObject
            {
                ["collector"] = "r00", ["hash"] = "sha256:" + new string('0', 64), ["name"] = "x", ["path"] = "/x", ["size"] = 1L, ["target"] = "prod/api-7f9",
            }), options);
            var p = QuorumGate.Propose(ws, inc, "k8s.pod.quarantine", "prod/api-7f9", new Dictionary<string, string> { ["namespace"] = "prod" }, "r00", null, null, options);
            var payload = p.SigningPayload();
            var sigs = new List<(ProofKey Key, string Sig)>();
            foreach (var k in keys)
            {
                using var material = new PrivateKeyMaterial((byte[])k.Seed.Clone());
                var sig = signer.Sign(payload, material);
                QuorumGate.Sign(ws, inc, p.Id, k.Handle, sig, null, k.Handle, options);
                sigs.Add((k.Key, sig));
            }
            var verdict = QuorumGate.Judge(ws, inc, p.Id);
            if (!verdict.IsMet || verdict.Persons.Count != n)
            {
                throw new InvalidOperationException($"quorum benchmark verdict unexpected: {verdict}");
            }
            double judge = Median(9, () => QuorumGate.Judge(ws, inc, p.Id));
            double bare = Median(9, () =>
            {
                foreach (var (key, sig) in sigs)
                {
                    if (!Signatures.Verify(key, payload, sig).IsValid)
                    {
                        throw new InvalidOperationException("bare verify failed");
                    }
                }
            });
            rows.Add(($"Quorum verdict, {n} signers (Test-DeirfQuorum engine)", $"{judge * 1000:F1} ms",
                $"bare Signatures.Verify of the same {n}: {bare * 1000:F1} ms", $"{judge / bare:F2}×", n == 20 ? "< 250 ms" : "—"));
        }
        return rows;
    }

    private static double Median(int runs, Action op)
    {
        op();
        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            op();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[runs / 2];
    }
}
