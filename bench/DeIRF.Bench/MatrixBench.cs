using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.FakeServices;
using DeIRF.Identity;
using DeIRF.Integrations;
using DeIRF.Providers.Matrix;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using static BenchTeam;

/// <summary>
/// Issue 21: collecting 100 Matrix approvals from a room of the suite's fake homeserver (Kestrel on 127.0.0.1; no
/// homeserver is installable here): the sweep (the room's history, one page of 100) and the check of every approval
/// found (GET event + GET relations each, the kind's cache emptied first), beside 100 bare HTTP GETs of the same events
/// with the same HttpClient settings. The fake answers in microseconds, so the figure is DeIRF's own cost per approval.
/// </summary>
internal static class MatrixBench
{
    private const int Approvals = 100;
    private const int Iterations = 7;

    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var token = "syt_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        var fake = FakeServiceHost.StartAsync(token).GetAwaiter().GetResult();
        try
        {
            var http = new OutboundHttp();
            var room = ChatChannels.CreateMatrixRoom(http, new Uri(fake.BaseUrl), token, "INC-1", "bench", "bench", []).Reference!;
            var ws = Workspace.Initialize(Path.Combine(work, "matrix-ws"));
            var payload = Encoding.UTF8.GetBytes($"{Proposal.SignatureDomainLine}\nproposal: {new string('a', 64)}\n");
            using var client = new HttpClient();
            var events = new List<string>();
            for (int i = 0; i < Approvals; i++)
            {
                var user = $"@u{i}:fake.local";
                var userToken = $"syt_u{i}_{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}";
                fake.AddMatrixUser(user, userToken);
                using var put = new HttpRequestMessage(HttpMethod.Put, $"{fake.BaseUrl}/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t{i}")
                {
                    Content = new StringContent($"{{\"msgtype\":\"m.text\",\"body\":\"deirf approve {new string('a', 64)}\"}}", Encoding.UTF8, "application/json"),
                };
                put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
                using var answer = client.Send(put);
                answer.EnsureSuccessStatusCode();
                events.Add(JsonNode.Parse(answer.Content.ReadAsStringAsync().GetAwaiter().GetResult())!["event_id"]!.GetValue<string>());
            }
            var kind = new MatrixKind(() => new Uri(fake.BaseUrl), () => token, new OutboundOptions());
            var roster = Roster.Load(ws);
            var deirf = new List<double>();
            var bare = new List<double>();
            for (int i = 0; i < 1 + Iterations; i++)
            {
                var cached = Homeserver.CacheFor;
                Homeserver.CacheFor = TimeSpan.Zero;
                var sw = Stopwatch.StartNew();
                var found = kind.Collect(new ProofCollectionRequest { Roster = roster, Payload = payload, Source = room }, CancellationToken.None);
                var valid = found.Count(c => kind.Verify(kind.ParsePublicKey("matrix:u/" + c.Origin.Split(" by ")[1].Split(' ')[0]), payload, c.Signature, VerificationContext.Default).IsValid);
                double swept = sw.Elapsed.TotalSeconds;
                Homeserver.CacheFor = cached;
                Check(found.Count == Approvals && valid == Approvals, $"the sweep found {found.Count} and verified {valid} of {Approvals} approvals");
                sw.Restart();
                foreach (var ev in events)
                {
                    using var get = new HttpRequestMessage(HttpMethod.Get, $"{fake.BaseUrl}/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/event/{Uri.EscapeDataString(ev)}");
                    get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var r = client.Send(get);
                    r.EnsureSuccessStatusCode();
                    _ = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                }
                double plain = sw.Elapsed.TotalSeconds;
                if (i >= 1)
                {
                    deirf.Add(swept);
                    bare.Add(plain);
                }
            }
            Check(fake.Problems.IsEmpty, "the fake homeserver saw requests a real one would refuse: " + string.Join("; ", fake.Problems));
            double deirfMs = MedianOf(deirf) * 1000, bareMs = MedianOf(bare) * 1000;
            Console.Error.WriteLine($"matrix: collect + verify {Approvals} approvals {deirfMs:F1} ms, {Approvals} bare GETs {bareMs:F1} ms (medians of {Iterations})");
            return
            [
                ($"Matrix: collect {Approvals} `deirf approve` messages (room history) and verify each (GET event + GET relations), fake homeserver on loopback; median of {Iterations}",
                    $"{deirfMs:F1} ms ({deirfMs / Approvals:F2} ms per approval)",
                    $"{Approvals} bare HTTP GETs of the events: {bareMs:F1} ms",
                    $"{deirfMs / bareMs:F2}× (+{deirfMs - bareMs:F1} ms)", "—"),
            ];
        }
        finally
        {
            fake.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
