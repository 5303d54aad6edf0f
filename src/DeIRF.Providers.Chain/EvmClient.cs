using System.Globalization;
using System.Numerics;
using DeIRF.Containment;
using Nethereum.Contracts;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace DeIRF.Providers.Chain;

/// <summary>
/// One JSON-RPC endpoint for one chain: checks the node's eth_chainId against the target's before anything else, reads
/// contract state, and sends transactions from the configured key (never shown, journaled or put in an error).
/// </summary>
internal sealed class EvmClient
{
    public const string KeySecret = "evmKey";
    public const string RpcEnvironmentVariable = "DEIRF_EVM_RPC";

    private readonly Web3 _web3;

    private EvmClient(Web3 web3, string rpc, BigInteger chainId, string? sender)
    {
        _web3 = web3;
        Rpc = rpc;
        ChainId = chainId;
        Sender = sender;
    }

    public string Rpc { get; }
    public BigInteger ChainId { get; }

    /// <summary>The address of the configured key, or null when none was given (plans work without one).</summary>
    public string? Sender { get; }

    public static string ValidateRpc(string? rpc)
    {
        if (string.IsNullOrWhiteSpace(rpc))
        {
            throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument,
                $"evm actions need the parameter 'rpc' (the node's JSON-RPC URL, e.g. http://127.0.0.1:8545), signed with the proposal.", "rpc");
        }
        if (!Uri.TryCreate(rpc, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ContainmentException("EvmRpcInvalid", DeirfErrorKind.InvalidArgument,
                "'rpc' must be an http(s) URL without credentials in it (a provider key in the URL would be signed and journaled).", rpc);
        }
        return rpc;
    }

    /// <summary>Connects and checks the chain id; with <paramref name="requireKey"/>, a missing key is EvmKeyMissing.</summary>
    public static async Task<EvmClient> ConnectAsync(string rpc, BigInteger expectedChainId, IReadOnlyDictionary<string, string> secrets, bool requireKey,
        CancellationToken cancellationToken)
    {
        ValidateRpc(rpc);
        Account? account = null;
        if (secrets.TryGetValue(KeySecret, out var key) && !string.IsNullOrWhiteSpace(key))
        {
            var hex = key.Trim();
            hex = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
            {
                throw new ContainmentException("EvmKeyInvalid", DeirfErrorKind.InvalidArgument,
                    $"The secret '{KeySecret}' (or DEIRF_EVM_KEY) must be a private key of 64 hex digits (with or without 0x).", KeySecret);
            }
            account = new Account(hex, expectedChainId);
        }
        else if (requireKey)
        {
            throw new ContainmentException("EvmKeyMissing", DeirfErrorKind.InvalidArgument,
                $"Sending the transaction needs a key: -Secret @{{ {KeySecret} = (Read-Host -AsSecureString) }} or $env:DEIRF_EVM_KEY.", KeySecret);
        }
        var web3 = account is null ? new Web3(rpc) : new Web3(account, rpc);
        var client = new EvmClient(web3, rpc, expectedChainId, account?.Address);
        var actual = await client.Guard(() => web3.Eth.ChainId.SendRequestAsync(), cancellationToken).ConfigureAwait(false);
        if (actual.Value != expectedChainId)
        {
            throw new ContainmentException("EvmChainMismatch", DeirfErrorKind.SecurityError,
                $"The node at {rpc} is on chain {actual.Value.ToString(CultureInfo.InvariantCulture)}, the target is on chain {expectedChainId.ToString(CultureInfo.InvariantCulture)}: refused.", rpc);
        }
        return client;
    }

    public Task<BigInteger> BlockNumberAsync(CancellationToken ct)
        => Guard(async () => (await _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value, ct);

    public Task<string> CodeAsync(string address, CancellationToken ct)
        => Guard(() => _web3.Eth.GetCode.SendRequestAsync(address), ct);

    public Task<TOut> QueryAsync<TFunction, TOut>(string contract, TFunction function, CancellationToken ct) where TFunction : FunctionMessage, new()
        => Guard(() => _web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<TOut>(contract, function), ct, $"reading {typeof(TFunction).Name.Replace("Function", string.Empty)} on {contract}");

    /// <summary>Sends a transaction and waits for it to be mined; a reverted one is EvmTransactionReverted.</summary>
    public async Task<TransactionReceipt> SendAsync<TFunction>(string contract, TFunction function, TimeSpan timeout, CancellationToken ct)
        where TFunction : FunctionMessage, new()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var what = $"{typeof(TFunction).Name.Replace("Function", string.Empty)} on {contract}";
        TransactionReceipt receipt;
        try
        {
            receipt = await Guard(() => _web3.Eth.GetContractTransactionHandler<TFunction>().SendRequestAndWaitForReceiptAsync(contract, function, cts.Token), cts.Token, what)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ContainmentException("EvmTimeout", DeirfErrorKind.ResourceUnavailable,
                $"No receipt for {what} within {timeout.TotalSeconds:0} s: the transaction may still be mined; read the contract before acting again.", contract);
        }
        if (receipt.Status?.Value != 1)
        {
            throw new ContainmentException("EvmTransactionReverted", DeirfErrorKind.InvalidOperation,
                $"{what} was mined but reverted (transaction {receipt.TransactionHash}, block {receipt.BlockNumber?.Value}).", receipt.TransactionHash);
        }
        return receipt;
    }

    private async Task<T> Guard<T>(Func<Task<T>> call, CancellationToken ct, string? what = null)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return await call().WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SmartContractCustomErrorRevertException
            || (ex is RpcResponseException r && (r.RpcError?.Message?.Contains("revert", StringComparison.OrdinalIgnoreCase) ?? false)))
        {
            throw new ContainmentException("EvmTransactionReverted", DeirfErrorKind.InvalidOperation,
                $"The node refused {what ?? "the call"}: {Describe(ex)}", what, ex);
        }
        catch (RpcResponseException ex)
        {
            throw new ContainmentException("EvmRpcError", DeirfErrorKind.InvalidOperation, $"The node at {Rpc} answered {what ?? "the call"} with an error: {Describe(ex)}", Rpc, ex);
        }
        catch (Exception ex) when (ex is RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException)
        {
            throw new ContainmentException("EvmUnreachable", DeirfErrorKind.ResourceUnavailable, $"The node at {Rpc} cannot be reached: {Describe(ex)}", Rpc, ex);
        }
    }

    private static string Describe(Exception ex)
    {
        var message = ex switch
        {
            SmartContractCustomErrorRevertException c => $"custom error {c.ExceptionEncodedData}",
            RpcResponseException r => r.RpcError?.Message ?? r.Message,
            _ => ex.InnerException?.Message ?? ex.Message,
        };
        return message.Length > 400 ? message[..400] : message;
    }
}
