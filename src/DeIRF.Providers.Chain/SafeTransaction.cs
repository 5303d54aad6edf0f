using System.Globalization;
using System.Numerics;
using System.Text;
using DeIRF.Containment;
using Nethereum.Util;

namespace DeIRF.Providers.Chain;

/// <summary>
/// The Safe transaction an evm.safe.freeze proposal describes, from the proposal's target and parameters alone:
/// a CALL (never DELEGATECALL) of <c>data</c> on <c>to</c>, value 0, no gas refund, at the Safe nonce bound at proposal
/// time. <see cref="Hash"/> is the EIP-712 SafeTx hash Safe 1.3/1.4.1 computes in getTransactionHash: the bytes the
/// owners sign.
/// </summary>
internal sealed class SafeTransaction
{
    public const string ActionName = "evm.safe.freeze";

    /// <summary>Parameter names an evm.safe.freeze proposal may carry.</summary>
    public static readonly string[] KnownParameters = ["rpc", "to", "call", "data", "nonce", "timeoutSeconds"];

    /// <summary>Calls named by <c>call</c>: no arguments, so the calldata is the selector alone.</summary>
    public static readonly IReadOnlyDictionary<string, string> Calls = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["pause"] = "pause()",
        ["unpause"] = "unpause()",
    };

    private static readonly byte[] DomainTypeHash = Keccak("EIP712Domain(uint256 chainId,address verifyingContract)");
    private static readonly byte[] SafeTxTypeHash = Keccak(
        "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)");

    public required Caip10 Safe { get; init; }
    public required string To { get; init; }
    public required byte[] Data { get; init; }
    public required BigInteger Nonce { get; init; }

    /// <summary>"pause()" when named by <c>call</c>; null for raw <c>data</c>.</summary>
    public string? Call { get; init; }

    public string DataHex => "0x" + Convert.ToHexString(Data).ToLowerInvariant();

    /// <summary>Parses target and parameters; <paramref name="requireNonce"/> false at proposal time, before the nonce is read.</summary>
    public static SafeTransaction From(string target, IReadOnlyDictionary<string, string> parameters, bool requireNonce = true)
    {
        foreach (var name in parameters.Keys.Where(k => !KnownParameters.Contains(k, StringComparer.Ordinal)))
        {
            throw new ContainmentException("ContainmentParameterUnknown", DeirfErrorKind.InvalidArgument,
                $"{ActionName} has no parameter '{name}' (known: {string.Join(", ", KnownParameters)}).", name);
        }
        var safe = Caip10.Parse(target);
        var to = EvmAddress.Parse(parameters.GetValueOrDefault("to") ?? throw Missing("to"), "Parameter 'to'");
        var call = parameters.GetValueOrDefault("call");
        var data = parameters.GetValueOrDefault("data");
        byte[] bytes;
        if (call is not null == data is not null)
        {
            throw new ContainmentException("SafeCallInvalid", DeirfErrorKind.InvalidArgument,
                $"{ActionName} takes exactly one of 'call' ({string.Join(", ", Calls.Keys)}) or 'data' (0x calldata).", call ?? data);
        }
        if (call is not null)
        {
            var signature = Calls.GetValueOrDefault(call) ?? throw new ContainmentException("SafeCallInvalid", DeirfErrorKind.InvalidArgument,
                $"'call' must be one of {string.Join(", ", Calls.Keys)}; for anything else give 'data' (0x calldata), which the plan shows raw.", call);
            bytes = Keccak(signature)[..4];
        }
        else
        {
            var hex = data!.StartsWith("0x", StringComparison.Ordinal) ? data[2..] : "!";
            try
            {
                bytes = Convert.FromHexString(hex);
            }
            catch (FormatException)
            {
                throw new ContainmentException("SafeCallInvalid", DeirfErrorKind.InvalidArgument, "'data' must be 0x and an even number of hex digits.", data);
            }
            if (bytes.Length < 4)
            {
                throw new ContainmentException("SafeCallInvalid", DeirfErrorKind.InvalidArgument, "'data' must hold at least a 4-byte function selector.", data);
            }
        }
        BigInteger nonce = -1;
        if (parameters.GetValueOrDefault("nonce") is { } nonceText)
        {
            if (nonceText.Length is 0 or > 78 || !nonceText.All(char.IsAsciiDigit) || (nonceText.Length > 1 && nonceText[0] == '0'))
            {
                throw new ContainmentException("ContainmentParameterInvalid", DeirfErrorKind.InvalidArgument, "'nonce' is the Safe nonce, a decimal number.", nonceText);
            }
            nonce = BigInteger.Parse(nonceText, CultureInfo.InvariantCulture);
        }
        else if (requireNonce)
        {
            throw Missing("nonce");
        }
        return new SafeTransaction { Safe = safe, To = to, Data = bytes, Nonce = nonce, Call = call is null ? null : Calls[call] };
    }

    /// <summary>keccak256(0x19 0x01 ‖ domainSeparator ‖ keccak256(SafeTx struct)), as Safe 1.4.1's getTransactionHash.</summary>
    public byte[] Hash()
    {
        var domain = Keccak(Concat(DomainTypeHash, Word(Safe.ChainId), Word(Safe.Address)));
        var zero = Word(BigInteger.Zero);
        var structHash = Keccak(Concat(SafeTxTypeHash, Word(To), zero, Keccak(Data), zero /* operation CALL */, zero, zero, zero,
            Word(EvmAddress.Zero), Word(EvmAddress.Zero), Word(Nonce)));
        return Keccak(Concat([0x19, 0x01], domain, structHash));
    }

    public string HashHex => "0x" + Convert.ToHexString(Hash()).ToLowerInvariant();

    public string Describe(string proposalId) => string.Join('\n',
    [
        "Safe transaction (EIP-712 SafeTx, Safe 1.3/1.4.1) — owners sign this hash (eth_sign / personal_sign over the 32 bytes):",
        $"  safe-tx-hash: {HashHex}",
        $"  safe: {Safe}",
        $"  to: {To}",
        $"  call: {Call ?? "(raw data)"}",
        $"  data: {DataHex}",
        "  value: 0   operation: 0 (CALL)   safeTxGas: 0   baseGas: 0   gasPrice: 0   gasToken: 0x0   refundReceiver: 0x0",
        $"  nonce: {Nonce.ToString(CultureInfo.InvariantCulture)}",
        $"  deirf-proposal: {proposalId}",
        string.Empty,
    ]);

    internal static byte[] Keccak(string text) => Sha3Keccack.Current.CalculateHash(Encoding.ASCII.GetBytes(text));

    internal static byte[] Keccak(byte[] bytes) => Sha3Keccack.Current.CalculateHash(bytes);

    private static byte[] Word(BigInteger value)
    {
        var w = new byte[32];
        value.TryWriteBytes(w.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return w;
    }

    private static byte[] Word(string address)
    {
        var w = new byte[32];
        Convert.FromHexString(address[2..]).CopyTo(w, 12);
        return w;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static ContainmentException Missing(string name)
        => new("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument, $"{ActionName} needs the parameter '{name}'.", name);
}
