using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeIRF.Providers.Chain;

/// <summary>
/// The few JSON-RPC reads a contract-account signature check needs (eth_chainId, eth_getBlockByNumber, eth_getCode,
/// eth_call), against a node that is untrusted input: answers are capped at <see cref="MaxResponseBytes"/>, each
/// request at <see cref="RequestTimeout"/>, no redirects are followed, and a node that cannot be reached is retried
/// once after a short pause and then reported as <see cref="AccountRpcException"/> with a stable id, never as an answer.
/// </summary>
internal sealed class AccountRpc
{
    public const int MaxResponseBytes = 256 * 1024;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(300);

    // One client for the process: sockets are pooled; redirects are never followed (a node has no reason to send one).
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    { Timeout = RequestTimeout, MaxResponseContentBufferSize = MaxResponseBytes };

    /// <summary>How long a node that did not answer is not asked again (a quorum re-judges many rows against it).</summary>
    public static readonly TimeSpan DownFor = TimeSpan.FromSeconds(30);

    // Url -> Environment.TickCount64 until which the node counts as down.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> DownUntil = new(StringComparer.Ordinal);

    private long _id;

    public AccountRpc(string url)
    {
        Url = url;
        Node = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "the configured node";
    }

    public string Url { get; }

    /// <summary>The node as messages name it: scheme, host and port only (a provider's API key often sits in the path).</summary>
    public string Node { get; }

    public BigInteger ChainId() => Quantity(Call("eth_chainId", []), "eth_chainId");

    /// <summary>The block's number and timestamp; <paramref name="block"/> is "latest" or a 0x quantity.</summary>
    public (BigInteger Number, DateTimeOffset Time)? Block(string block)
    {
        var result = Call("eth_getBlockByNumber", [block, false]);
        if (result is null)
        {
            return null;
        }
        if (result is not JsonObject)
        {
            throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} answered eth_getBlockByNumber with something that is not a block", Node);
        }
        var number = Quantity(result["number"], "the block's number");
        var seconds = Quantity(result["timestamp"], "the block's timestamp");
        if (seconds > 253402300799)
        {
            throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} gave a block timestamp past the year 9999.", Node);
        }
        return (number, DateTimeOffset.FromUnixTimeSeconds((long)seconds));
    }

    public byte[] Code(string address, string block) => Data(Call("eth_getCode", [address, block]), "eth_getCode");

    /// <summary>eth_call at <paramref name="block"/>; a revert is <see cref="AccountCallRevertedException"/>.</summary>
    public byte[] EthCall(string to, byte[] data, string block)
        => Data(Call("eth_call", [new JsonObject { ["to"] = to, ["data"] = Hex(data) }, block]), "eth_call");

    public static string Hex(byte[] data) => "0x" + Convert.ToHexString(data).ToLowerInvariant();

    public static string Hex(BigInteger quantity)
    {
        var digits = quantity.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return "0x" + (digits.Length == 0 ? "0" : digits);
    }

    private JsonNode? Call(string method, JsonNode?[] parameters)
    {
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref _id),
            ["method"] = method,
            ["params"] = new JsonArray(parameters),
        }.ToJsonString();
        if (DownUntil.TryGetValue(Url, out var until) && Environment.TickCount64 < until)
        {
            // Fail fast: a blackholed node would otherwise cost two timeouts per signature, per proposal judged.
            throw new AccountRpcException("ContractAccountRpcUnavailable",
                $"The node at {Node} did not answer less than {DownFor.TotalSeconds:0} s ago; not asked again yet", Node, transient: true);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = Send(method, body);
                DownUntil.TryRemove(Url, out _);
                return result;
            }
            catch (AccountRpcException ex) when (ex.Transient && attempt < 2)
            {
                Thread.Sleep(RetryPause);
            }
            catch (AccountRpcException ex) when (ex.Transient)
            {
                DownUntil[Url] = Environment.TickCount64 + (long)DownFor.TotalMilliseconds;
                throw;
            }
        }
    }

    private JsonNode? Send(string method, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        // One deadline for headers and body: HttpClient.Timeout stops at the headers when the body is streamed.
        using var deadline = new CancellationTokenSource(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = Http.Send(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException or IOException)
        {
            throw new AccountRpcException("ContractAccountRpcUnavailable",
                $"The node at {Node} cannot be reached ({(ex is TaskCanceledException or OperationCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0} s" : Short(ex.Message))})", Node, transient: true);
        }
        using (response)
        using (deadline.Token.Register(response.Dispose))
        {
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
            {
                throw new AccountRpcException("ContractAccountRpcUnavailable", $"The node at {Node} answered {method} with HTTP {(int)response.StatusCode}", Node, transient: true);
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new AccountRpcException("ContractAccountRpcError", $"The node at {Node} answered {method} with HTTP {(int)response.StatusCode}", Node);
            }
            var bytes = ReadCapped(response, method);
            JsonNode? json;
            try
            {
                json = JsonNode.Parse(bytes);
            }
            catch (JsonException)
            {
                throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} answered {method} with something that is not JSON", Node);
            }
            if (json is not JsonObject answer)
            {
                throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} answered {method} with something that is not a JSON-RPC response", Node);
            }
            if (answer["error"] is JsonObject error)
            {
                var message = Short(error["message"]?.ToString() ?? "no message");
                var code = error["code"] is JsonValue c && c.TryGetValue<long>(out var n) ? n : 0;
                // Geth and anvil answer a reverted eth_call with code 3 ("execution reverted") and the revert data.
                if (method == "eth_call" && (code == 3 || message.Contains("revert", StringComparison.OrdinalIgnoreCase)))
                {
                    throw new AccountCallRevertedException(message, error["data"]?.ToString());
                }
                throw new AccountRpcException("ContractAccountRpcError", $"The node at {Node} answered {method} with error {code}: {message}", Node);
            }
            if (!answer.ContainsKey("result"))
            {
                throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} answered {method} without a result", Node);
            }
            return answer["result"];
        }
    }

    private byte[] ReadCapped(HttpResponseMessage response, string method)
    {
        if (response.Content.Headers.ContentLength is > MaxResponseBytes)
        {
            throw TooLarge(method);
        }
        try
        {
            using var stream = response.Content.ReadAsStream();
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw TooLarge(method);
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or OperationCanceledException or ObjectDisposedException)
        {
            throw new AccountRpcException("ContractAccountRpcUnavailable", $"The node at {Node} gave no complete answer to {method} ({Short(ex.Message)}; an answer has {RequestTimeout.TotalSeconds:0} s)", Node, transient: true);
        }
    }

    private AccountRpcException TooLarge(string method)
        => new("ContractAccountRpcAnswerInvalid", $"The node at {Node} answered {method} with more than {MaxResponseBytes / 1024} KiB; refused", Node);

    private BigInteger Quantity(JsonNode? node, string what)
    {
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (text is not { Length: > 2 and <= 66 } || !text.StartsWith("0x", StringComparison.Ordinal) || text.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} gave {what} as '{Short(node?.ToJsonString() ?? "null")}', not a 0x quantity", Node);
        }
        return BigInteger.Parse("0" + text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private byte[] Data(JsonNode? node, string what)
    {
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (text is null || !text.StartsWith("0x", StringComparison.Ordinal) || text.Length % 2 != 0 || text.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            throw new AccountRpcException("ContractAccountRpcAnswerInvalid", $"The node at {Node} answered {what} with '{Short(node?.ToJsonString() ?? "null")}', not 0x hex data", Node);
        }
        return Convert.FromHexString(text.AsSpan(2));
    }

    private static string Short(string text) => text.Length > 200 ? text[..200] + "…" : text;
}

/// <summary>The node could not give a trustworthy answer (down, erroring, oversized or malformed): never a verdict.</summary>
internal sealed class AccountRpcException : DeirfException
{
    public AccountRpcException(string errorId, string message, string target, bool transient = false)
        : base(errorId, transient ? DeirfErrorKind.ResourceUnavailable : DeirfErrorKind.InvalidOperation, message, target)
    {
        Transient = transient;
    }

    /// <summary>Worth one retry: no answer, a broken answer, or HTTP 429/502/503/504.</summary>
    public bool Transient { get; }
}

/// <summary>The account's code reverted the call (its answer to "is this signature valid?" is no).</summary>
internal sealed class AccountCallRevertedException(string message, string? data) : Exception(message)
{
    public string? RevertData { get; } = data;
}
