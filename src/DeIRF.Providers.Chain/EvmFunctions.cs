using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace DeIRF.Providers.Chain;

// The few contract functions DeIRF calls: OpenZeppelin Pausable and Safe 1.4.1.

[Function("pause")]
internal sealed class PauseFunction : FunctionMessage
{
}

[Function("unpause")]
internal sealed class UnpauseFunction : FunctionMessage
{
}

[Function("paused", "bool")]
internal sealed class PausedFunction : FunctionMessage
{
}

[Function("owner", "address")]
internal sealed class OwnerFunction : FunctionMessage
{
}

[Function("getOwners", "address[]")]
internal sealed class GetOwnersFunction : FunctionMessage
{
}

[Function("getThreshold", "uint256")]
internal sealed class GetThresholdFunction : FunctionMessage
{
}

[Function("nonce", "uint256")]
internal sealed class SafeNonceFunction : FunctionMessage
{
}

[Function("VERSION", "string")]
internal sealed class SafeVersionFunction : FunctionMessage
{
}

internal abstract class SafeTxFunction : FunctionMessage
{
    [Parameter("address", "to", 1)] public string To { get; set; } = EvmAddress.Zero;
    [Parameter("uint256", "value", 2)] public BigInteger Value { get; set; }
    [Parameter("bytes", "data", 3)] public byte[] Data { get; set; } = [];
    [Parameter("uint8", "operation", 4)] public byte Operation { get; set; }
    [Parameter("uint256", "safeTxGas", 5)] public BigInteger SafeTxGas { get; set; }
    [Parameter("uint256", "baseGas", 6)] public BigInteger BaseGas { get; set; }
    [Parameter("uint256", "gasPrice", 7)] public BigInteger GasPrice { get; set; }
    [Parameter("address", "gasToken", 8)] public string GasToken { get; set; } = EvmAddress.Zero;
    [Parameter("address", "refundReceiver", 9)] public string RefundReceiver { get; set; } = EvmAddress.Zero;
}

[Function("execTransaction", "bool")]
internal sealed class ExecTransactionFunction : SafeTxFunction
{
    [Parameter("bytes", "signatures", 10)] public byte[] Signatures { get; set; } = [];
}

[Function("getTransactionHash", "bytes32")]
internal sealed class GetTransactionHashFunction : SafeTxFunction
{
    [Parameter("uint256", "_nonce", 10)] public BigInteger Nonce { get; set; }
}
