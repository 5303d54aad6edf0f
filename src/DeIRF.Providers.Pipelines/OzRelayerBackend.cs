using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Canonical;
using DeIRF.Containment;

namespace DeIRF.Providers.Pipelines;

/// <summary>
/// "oz-relayer": sends the reviewed EVM transaction through an OpenZeppelin Relayer and follows it to mined, through
/// the Relayer's HTTP API (openapi.json of OpenZeppelin/openzeppelin-relayer, 1.5.0; bearer API key):
/// <list type="bullet">
/// <item>POST /api/v1/relayers/{relayer_id}/transactions (EvmTransactionRequest {to, value, data, gas_limit, speed}) →
///   ApiResponse {success, data: EvmTransactionResponse {id, status, hash, to, value, data, …}};</item>
/// <item>GET /api/v1/relayers/{relayer_id}/transactions/{transaction_id} until status mined or confirmed (verified) or
///   failed, canceled, expired (not verified).</item>
/// </list>
/// The replacement for OpenZeppelin Defender's Autotasks/Relayers (Defender shut down on 2026-07-01). The revision
/// is the transaction's digest, "sha256:" + hex SHA-256 of the RFC 8785 canonical JSON {"data","to","value"} (lowercase
/// hex, value a decimal string): the review signs that digest, and a transaction with any other to, value or data is
/// refused before anything is sent. Parameters (signed): server, relayer (the relayer id), to, value (wei, default 0),
/// data (default 0x), gasLimit, speed (fastest|fast|average|safeLow), timeoutSeconds (default 900), pollSeconds
/// (default 5). Token: -Secret ozRelayerToken or $env:DEIRF_OZ_RELAYER_TOKEN. A sent transaction cannot be undone.
/// </summary>
public sealed partial class OzRelayerBackend : IRollForwardBackend
{
    public const string BackendName = "oz-relayer";
    private static readonly BigInteger MaxU128 = (BigInteger.One << 128) - 1;
    private static readonly string[] Speeds = ["fastest", "fast", "average", "safeLow"];
    private static readonly string[] Succeeded = ["mined", "confirmed"];
    private static readonly string[] Ended = ["failed", "canceled", "expired"];

    public string Name => BackendName;

    public (string SecretName, string EnvironmentVariable) Token => ("ozRelayerToken", "DEIRF_OZ_RELAYER_TOKEN");

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex AddressForm();

    [GeneratedRegex("^0x(?:[0-9a-fA-F]{2})*$", RegexOptions.CultureInvariant)]
    private static partial Regex DataForm();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex RelayerIdForm();

    private sealed record Spec(Uri Server, string Relayer, string To, string Value, string Data, long? GasLimit, string? Speed, TimeSpan Timeout, TimeSpan Poll)
    {
        public string Path => $"/api/v1/relayers/{PipelineHttp.Segment(Relayer)}/transactions";
    }

    private static ContainmentException Invalid(string parameter, string message)
        => new("RollForwardParameterInvalid", DeirfErrorKind.InvalidArgument, message, parameter);

    private static Spec Read(ContainmentRequest request)
    {
        var relayer = request.RequireParameter("relayer");
        if (!RelayerIdForm().IsMatch(relayer))
        {
            throw Invalid("relayer", $"'relayer' is the Relayer's relayer id, not '{relayer}'.");
        }
        var to = request.RequireParameter("to");
        if (!AddressForm().IsMatch(to))
        {
            throw Invalid("to", $"'to' is a 0x-prefixed 20-byte address, not '{to}'.");
        }
        var value = request.Parameter("value") ?? "0";
        if (value.Length is 0 or > 39 || !value.All(char.IsAsciiDigit) || (value.Length > 1 && value[0] == '0') || BigInteger.Parse(value, System.Globalization.CultureInfo.InvariantCulture) > MaxU128)
        {
            throw Invalid("value", $"'value' is the amount in wei as a decimal integer (u128), not '{value}'.");
        }
        var data = request.Parameter("data") ?? "0x";
        if (!DataForm().IsMatch(data))
        {
            throw Invalid("data", "'data' is 0x-prefixed hex calldata of whole bytes.");
        }
        long? gas = null;
        if (request.Parameter("gasLimit") is { } g)
        {
            gas = long.TryParse(g, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw Invalid("gasLimit", $"'gasLimit' is a positive integer, not '{g}'.");
        }
        var speed = request.Parameter("speed");
        if (speed is not null && !Speeds.Contains(speed, StringComparer.Ordinal))
        {
            throw Invalid("speed", $"'speed' is one of {string.Join(", ", Speeds)}, not '{speed}'.");
        }
        return new Spec(PipelineHttp.ServiceUrl(request, "server"), relayer, to.ToLowerInvariant(), value, data.ToLowerInvariant(), gas, speed,
            PipelineHttp.Seconds(request, "timeoutSeconds", 900, 0.1, 86400), PipelineHttp.Seconds(request, "pollSeconds", 5, 0.01, 600));
    }

    /// <summary>"sha256:" + hex SHA-256 of the canonical {"data","to","value"} of a transaction (lowercase hex, value in decimal).</summary>
    public static string DigestOf(string to, string value, string data)
    {
        var tx = new JsonObject { ["data"] = data.ToLowerInvariant(), ["to"] = to.ToLowerInvariant(), ["value"] = value };
        return "sha256:" + Convert.ToHexString(SHA256.HashData(CanonicalJson.Serialize(tx))).ToLowerInvariant();
    }

    public string RevisionOf(ContainmentRequest request)
    {
        var spec = Read(request);
        return DigestOf(spec.To, spec.Value, spec.Data);
    }

    private static PipelineHttp Http(Spec spec, string? token) => new("OpenZeppelin Relayer", spec.Server, token, h => h.Accept.ParseAdd("application/json"));

    private static JsonObject Tx(Spec spec) => new() { ["relayer"] = spec.Relayer, ["to"] = spec.To, ["value"] = spec.Value, ["data"] = spec.Data };

    public Task<ContainmentPlan> PlanAsync(RollForwardStep step, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        return Task.FromResult(new ContainmentPlan
        {
            Action = step.Request.Action, Target = step.Request.Target,
            Steps =
            [
                $"send to {spec.To} value {spec.Value} wei with {(spec.Data.Length - 2) / 2} bytes of data (digest {step.Revision}) through relayer '{spec.Relayer}' ({spec.Server})",
                $"follow it to mined (at most {spec.Timeout.TotalSeconds:0.#} s)",
            ],
            Before = Tx(spec),
            Expected = new JsonObject { ["digest"] = step.Revision, ["status"] = "mined" },
            Warnings = ["a sent transaction cannot be undone: an undo is a new, reviewed transaction"],
        });
    }

    private static JsonObject State(JsonNode? tx) => new()
    {
        ["id"] = PipelineHttp.Text(tx, "id"), ["hash"] = PipelineHttp.Text(tx, "hash"), ["status"] = PipelineHttp.Text(tx, "status"),
        ["status_reason"] = PipelineHttp.Text(tx, "status_reason"), ["nonce"] = PipelineHttp.Number(tx, "nonce"), ["from"] = PipelineHttp.Text(tx, "from"),
    };

    /// <summary>The Relayer's ApiResponse: data when success is true, else RollForwardRequestFailed with its error.</summary>
    private static JsonNode Data(JsonNode? answer, string what)
        => answer is JsonObject o && o["success"] is JsonValue s && s.TryGetValue<bool>(out var ok) && ok && o["data"] is JsonObject data
            ? data
            : throw new ContainmentException("RollForwardRequestFailed", DeirfErrorKind.InvalidOperation,
                $"The Relayer did not {what}: {PipelineHttp.Text(answer, "error") ?? PipelineHttp.Text(answer, "message") ?? "no data"}", what);

    public async Task<ContainmentResult> ApplyAsync(RollForwardStep step, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        using var http = Http(spec, step.Token ?? throw PipelineHttp.TokenMissing(this));
        var body = new JsonObject { ["to"] = spec.To, ["value"] = JsonNode.Parse(spec.Value), ["data"] = spec.Data };
        if (spec.GasLimit is { } gas)
        {
            body["gas_limit"] = gas;
        }
        if (spec.Speed is not null)
        {
            body["speed"] = spec.Speed;
        }
        var clock = Stopwatch.StartNew();
        step.Report($"sending {step.Revision} through relayer '{spec.Relayer}'");
        var (_, answer) = await http.SendAsync(HttpMethod.Post, spec.Path, body, cancellationToken, 200).ConfigureAwait(false);
        var sent = Data(answer, "accept the transaction");
        var id = PipelineHttp.Text(sent, "id") ?? throw new ContainmentException("RollForwardRequestFailed", DeirfErrorKind.InvalidData, "The Relayer's answer has no transaction id.", spec.Relayer);
        // What the Relayer says it will send must be what was reviewed.
        var echoed = DigestOf(PipelineHttp.Text(sent, "to") ?? string.Empty, PipelineHttp.Text(sent, "value") ?? string.Empty, PipelineHttp.Text(sent, "data") ?? "0x");
        var tx = sent;
        string? last = null;
        while (echoed == step.Revision)
        {
            var status = PipelineHttp.Text(tx, "status") ?? "unknown";
            if (status != last)
            {
                step.Report($"transaction {id} {status}{(PipelineHttp.Text(tx, "hash") is { } h ? " " + h : string.Empty)}");
                last = status;
            }
            if (Succeeded.Contains(status) || Ended.Contains(status) || clock.Elapsed >= spec.Timeout)
            {
                break;
            }
            await Task.Delay(spec.Poll, cancellationToken).ConfigureAwait(false);
            var (_, read) = await http.SendAsync(HttpMethod.Get, $"{spec.Path}/{PipelineHttp.Segment(id)}", null, cancellationToken, 200).ConfigureAwait(false);
            tx = Data(read, "return the transaction");
        }
        return Result(step, spec, tx, echoed, id);
    }

    private static ContainmentResult Result(RollForwardStep step, Spec spec, JsonNode tx, string echoed, string id)
    {
        var after = State(tx);
        after["digest"] = echoed;
        var status = PipelineHttp.Text(tx, "status");
        var verified = echoed == step.Revision && Succeeded.Contains(status);
        var message = echoed != step.Revision
            ? $"the Relayer accepted transaction {id} as {echoed}, not the reviewed {step.Revision}: not verified"
            : verified
                ? $"transaction {id} {status} ({PipelineHttp.Text(tx, "hash")})"
                : Ended.Contains(status)
                    ? $"transaction {id} {status}: {PipelineHttp.Text(tx, "status_reason") ?? "no reason given"}; the roll-forward is not verified"
                    : $"transaction {id} is still {status} after {spec.Timeout.TotalSeconds:0.#} s (its id is journaled: follow it there)";
        return new ContainmentResult
        {
            Action = step.Request.Action, Target = step.Request.Target, Before = Tx(spec), After = after,
            UndoState = new JsonObject { ["relayer"] = spec.Relayer, ["transactionId"] = id, ["hash"] = PipelineHttp.Text(tx, "hash") },
            Verified = verified, Message = message,
        };
    }

    public async Task<ContainmentResult> VerifyAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Read(step.Request);
        var id = PipelineHttp.Text(undoState, "transactionId")
            ?? throw new ContainmentException("RollForwardRunNotFound", DeirfErrorKind.NotFound, "The roll-forward recorded no transaction id to read back.", step.Request.Target);
        using var http = Http(spec, step.Token ?? throw PipelineHttp.TokenMissing(this));
        var (_, read) = await http.SendAsync(HttpMethod.Get, $"{spec.Path}/{PipelineHttp.Segment(id)}", null, cancellationToken, 200).ConfigureAwait(false);
        var tx = Data(read, "return the transaction");
        var echoed = DigestOf(PipelineHttp.Text(tx, "to") ?? string.Empty, PipelineHttp.Text(tx, "value") ?? string.Empty, PipelineHttp.Text(tx, "data") ?? "0x");
        var result = Result(step, spec, tx, echoed, id);
        return new ContainmentResult
        {
            Action = result.Action, Target = result.Target, Before = result.After, After = result.After, UndoState = undoState, Verified = result.Verified, Message = result.Message,
        };
    }

    public Task<ContainmentResult> UndoAsync(RollForwardStep step, JsonObject undoState, CancellationToken cancellationToken)
        => throw new ContainmentException("ContainmentUndoNotPossible", DeirfErrorKind.InvalidOperation,
            $"A sent transaction ({PipelineHttp.Text(undoState, "hash") ?? PipelineHttp.Text(undoState, "transactionId")}) cannot be undone: review the transaction that reverses it and roll that forward.", step.Request.Target);
}
