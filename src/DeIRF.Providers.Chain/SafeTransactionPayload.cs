using System.Globalization;
using DeIRF.Containment;
using DeIRF.Quorum;

namespace DeIRF.Providers.Chain;

/// <summary>
/// evm.safe.freeze: quorum signers sign the Safe transaction hash (32 bytes, EIP-191 personal_sign / eth_sign), which
/// the EthereumVerifier checks unchanged and the Safe accepts as an eth_sign owner signature (v + 4). At proposal time
/// the Safe nonce (and the RPC URL, when only $env:DEIRF_EVM_RPC names it) is bound into the parameters.
/// </summary>
public sealed class SafeTransactionPayload : IProposalPayload
{
    public IReadOnlyDictionary<string, string> Complete(string action, string target, IReadOnlyDictionary<string, string> parameters,
        CancellationToken cancellationToken)
    {
        var filled = parameters.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (!filled.ContainsKey("rpc") && Environment.GetEnvironmentVariable(EvmClient.RpcEnvironmentVariable) is { Length: > 0 } envRpc)
        {
            filled["rpc"] = envRpc;
        }
        var tx = SafeTransaction.From(target, filled, requireNonce: false);
        var rpc = EvmClient.ValidateRpc(filled.GetValueOrDefault("rpc"));
        if (!filled.ContainsKey("nonce"))
        {
            // The nonce binds each approval to one execution: read it now and sign it.
            var client = EvmClient.ConnectAsync(rpc, tx.Safe.ChainId, new Dictionary<string, string>(), requireKey: false, cancellationToken).GetAwaiter().GetResult();
            var nonce = client.QueryAsync<SafeNonceFunction, System.Numerics.BigInteger>(tx.Safe.Address, new SafeNonceFunction(), cancellationToken).GetAwaiter().GetResult();
            filled["nonce"] = nonce.ToString(CultureInfo.InvariantCulture);
        }
        SafeTransaction.From(target, filled);
        return filled;
    }

    public byte[] SigningPayload(Proposal proposal) => SafeTransaction.From(proposal.Target, proposal.Parameters).Hash();

    public string Digest(Proposal proposal) => SafeTransaction.From(proposal.Target, proposal.Parameters).HashHex;

    public string Describe(Proposal proposal) => SafeTransaction.From(proposal.Target, proposal.Parameters).Describe(proposal.Id);
}
