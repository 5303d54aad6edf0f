using System.Globalization;
using DeIRF.Containment;
using DeIRF.Disclosure;

namespace DeIRF.Providers.Chain;

/// <summary>
/// Publish-DeirfDisclosure -OnChain: sends the v1 disclosure message (<see cref="DisclosureMessage"/>) as the calldata of
/// a value-0 transaction from the configured key (secret evmKey / $env:DEIRF_EVM_KEY) to the target address (CAIP-10,
/// checksummed; an account, or a contract that accepts plain calls), waits for the receipt, then reads the transaction
/// back and refuses unless its to, from and calldata are exactly what was meant. The node's chain id must match the
/// target's before anything is sent.
/// </summary>
public sealed class DisclosureAnchor : IDisclosureAnchor
{
    public async Task<DisclosureAnchorPlan> PlanAsync(DisclosureAnchorRequest request, CancellationToken cancellationToken)
    {
        var (target, client) = await ConnectAsync(request, requireKey: false, cancellationToken).ConfigureAwait(false);
        var warnings = new List<string>();
        if (client.Sender is null)
        {
            warnings.Add($"no key given (-Secret @{{ {EvmClient.KeySecret} = … }} or $env:DEIRF_EVM_KEY): publishing will refuse");
        }
        if ((await client.CodeAsync(target.Address, cancellationToken).ConfigureAwait(false)) is { Length: > 2 })
        {
            warnings.Add($"{target.Address} is a contract: the transaction reverts unless it accepts plain calls (a receive/fallback function)");
        }
        var block = await client.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        return new DisclosureAnchorPlan(target.ToString(), target.ChainId.ToString(CultureInfo.InvariantCulture), client.Sender, (long)block, warnings);
    }

    public async Task<DisclosureAnchorReceipt> SendAsync(DisclosureAnchorRequest request, CancellationToken cancellationToken)
    {
        if (DisclosureMessage.Decode(request.Message) is null)
        {
            throw new DisclosureException("DisclosureMessageInvalid", DeirfErrorKind.InvalidArgument, $"The calldata is not a {DisclosureMessage.Version} message.", request.Target);
        }
        var (target, client) = await ConnectAsync(request, requireKey: true, cancellationToken).ConfigureAwait(false);
        var receipt = await client.SendDataAsync(target.Address, request.Message, request.Timeout, cancellationToken).ConfigureAwait(false);
        // Read back what the chain holds, not what was meant to be sent.
        var tx = await client.TransactionAsync(receipt.TransactionHash, CancellationToken.None).ConfigureAwait(false);
        var input = (tx?.Input ?? string.Empty).StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? tx!.Input[2..] : tx?.Input ?? string.Empty;
        if (tx is null
            || !string.Equals(tx.To, target.Address, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(tx.From, client.Sender, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(input, Convert.ToHexString(request.Message), StringComparison.OrdinalIgnoreCase))
        {
            throw new DisclosureException("DisclosureReadBackMismatch", DeirfErrorKind.SecurityError,
                $"Transaction {receipt.TransactionHash} as the node returns it does not carry this disclosure message to {target.Address} from {client.Sender}.", receipt.TransactionHash);
        }
        return new DisclosureAnchorReceipt(target.ToString(), receipt.TransactionHash, (long)receipt.BlockNumber.Value,
            Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(tx.From));
    }

    private static async Task<(Caip10 Target, EvmClient Client)> ConnectAsync(DisclosureAnchorRequest request, bool requireKey, CancellationToken ct)
    {
        var target = Caip10.Parse(request.Target);
        var client = await EvmClient.ConnectAsync(request.Rpc, target.ChainId, request.Secrets, requireKey, ct).ConfigureAwait(false);
        return (target, client);
    }
}
