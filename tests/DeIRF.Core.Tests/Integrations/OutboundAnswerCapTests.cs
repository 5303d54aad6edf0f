using System.Net;
using System.Net.Sockets;
using System.Text;
using DeIRF.Integrations;
using Xunit;

namespace DeIRF.Core.Tests.Integrations;

/// <summary>The tests that measure the process's allocations: xUnit runs this collection alone, after the parallel ones.</summary>
[CollectionDefinition("AllocationMeasured", DisableParallelization = true)]
public sealed class AllocationMeasuredCollection
{
}

/// <summary>
/// Issue 18 finding 5: OutboundHttp read every answer whole (ResponseContentRead + ReadAsStringAsync), up to four times
/// with retries, so a webhook or homeserver answering 300 MiB cost the session about 1.3 GB. Now the body streams under
/// a cap (1 MiB by default): Content-Length is checked first, then bytes are counted as they arrive. A real TCP server
/// on 127.0.0.1 answers 200 MiB here, with and without Content-Length.
/// </summary>
[Collection("AllocationMeasured")]
public sealed class OutboundAnswerCapTests
{
    private const long HugeBody = 200L << 20;

    /// <summary>
    /// An HTTP/1.1 server on a free loopback port that answers every request with 200 and <paramref name="bodyBytes"/>
    /// bytes of JSON-ish filler, from one reused buffer, until the client hangs up.
    /// </summary>
    private sealed class HugeAnswerServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _requests;

        public HugeAnswerServer(long bodyBytes, bool sendLength)
        {
            _listener.Start();
            _loop = Task.Run(() => ServeAsync(bodyBytes, sendLength));
        }

        public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook");

        public int Requests => Volatile.Read(ref _requests);

        private async Task ServeAsync(long bodyBytes, bool sendLength)
        {
            var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"id\":\"x\"}", 6554))[..65536]);
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                using (client)
                {
                    Interlocked.Increment(ref _requests);
                    try
                    {
                        var stream = client.GetStream();
                        await ReadRequestAsync(stream);
                        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                            + (sendLength ? $"Content-Length: {bodyBytes}\r\n" : string.Empty) + "\r\n";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                        for (long sent = 0; sent < bodyBytes; sent += chunk.Length)
                        {
                            await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bodyBytes - sent)), _stop.Token);
                        }
                    }
                    catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
                    {
                        // The client hung up after its cap: that is the point.
                    }
                }
            }
        }

        /// <summary>Reads the request head and its Content-Length body.</summary>
        private static async Task ReadRequestAsync(NetworkStream stream)
        {
            var seen = new List<byte>();
            var one = new byte[1];
            while (!(seen.Count >= 4 && seen[^4] == '\r' && seen[^3] == '\n' && seen[^2] == '\r' && seen[^1] == '\n'))
            {
                if (await stream.ReadAsync(one) == 0)
                {
                    return;
                }
                seen.Add(one[0]);
            }
            var head = Encoding.ASCII.GetString(seen.ToArray());
            var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } l
                ? int.Parse(l["Content-Length:".Length..].Trim()) : 0;
            var body = new byte[length];
            await stream.ReadExactlyAsync(body);
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static OutboundRequest Webhook(Uri url) => new("webhook", "message.send", HttpMethod.Post, url)
    {
        JsonBody = "{\"text\":\"hello\"}"u8.ToArray(),
        Safety = RetrySafety.Idempotent,
        Target = "webhook",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A200MiBAnswer_IsRefusedAsTooLarge_WithoutBeingBuffered(bool sendLength)
    {
        await using var server = new HugeAnswerServer(HugeBody, sendLength);
        var http = new OutboundHttp(new OutboundOptions { BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(60) });
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = await Assert.ThrowsAsync<IntegrationException>(() => http.SendAsync(Webhook(server.Url)));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal("IntegrationAnswerTooLarge", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.InvalidData, ex.Kind);
        Assert.Equal(200, ex.Status);
        Assert.Contains(sendLength ? $"Content-Length {HugeBody}" : "more than 1048576 bytes arrived", ex.Message, StringComparison.Ordinal);
        // Not resent: the service acted and would answer the same again.
        Assert.Equal(1, ex.Attempts);
        Assert.Equal(1, server.Requests);
        // The whole process (server included) allocated a small fraction of the body: the answer was never buffered.
        Assert.True(allocated < 16L << 20, $"allocated {allocated / (1 << 20)} MiB while refusing a {HugeBody >> 20} MiB answer");
    }

    [Fact]
    public async Task AnAnswerUnderTheCap_IsReadWhole_AndTheCapIsConfigurable()
    {
        await using var server = new HugeAnswerServer(300 * 1024, sendLength: false);
        var response = await new OutboundHttp(new OutboundOptions { MaxAnswerBytes = 512 * 1024 }).SendAsync(Webhook(server.Url));
        Assert.Equal(300 * 1024, response.Body.Length);

        var ex = await Assert.ThrowsAsync<IntegrationException>(() => new OutboundHttp(new OutboundOptions { MaxAnswerBytes = 100 * 1024 }).SendAsync(Webhook(server.Url)));
        Assert.Equal("IntegrationAnswerTooLarge", ex.ErrorId);

        var bad = await Assert.ThrowsAsync<IntegrationException>(() => new OutboundHttp(new OutboundOptions { MaxAnswerBytes = 0 }).SendAsync(Webhook(server.Url)));
        Assert.Equal("IntegrationSettingInvalid", bad.ErrorId);
    }
}
