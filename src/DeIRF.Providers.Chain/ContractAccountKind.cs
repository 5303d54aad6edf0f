using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using DeIRF.Containment;
using DeIRF.Identity;
using Nethereum.Signer;

namespace DeIRF.Providers.Chain;

/// <summary>
/// ContractAccount proofs (ERC-1271): a Lens v3 account, a Safe or any contract wallet that answers
/// <c>isValidSignature(bytes32 hash, bytes signature)</c> with the magic value 0x1626ba7e. The hash is the EIP-191
/// (personal_sign) hash of the payload; the check is an eth_call on the node configured for the account's chain
/// (<see cref="RpcVariablePrefix"/>&lt;chain id&gt;, else <see cref="EvmClient.RpcEnvironmentVariable"/>), after the
/// node's eth_chainId matched. Public key: <c>eip155:&lt;chain id&gt;:&lt;EIP-55 address&gt;#&lt;label&gt;</c>;
/// fingerprint: the CAIP-10 account id without the label, so a (chain, address) is bound to one responder only.
/// Signature: <c>erc1271:0x&lt;bytes the account expects&gt;</c>, optionally <c>@&lt;block&gt;</c> to check at that block
/// instead of the latest one (the block must be from the signature's own time: see <see cref="PinnedBlockMaxAge"/>).
/// </summary>
public sealed partial class ContractAccountKind : IProofKindDescriptor
{
    public static readonly ProofKind ContractAccount = ProofKind.Of("ContractAccount");

    /// <summary>The per-chain RPC URL: DEIRF_EVM_RPC_1 for mainnet, DEIRF_EVM_RPC_8453 for Base...</summary>
    public const string RpcVariablePrefix = "DEIRF_EVM_RPC_";

    public const string SignaturePrefix = "erc1271:";

    /// <summary>bytes4(keccak256("isValidSignature(bytes32,bytes)")): the selector and the answer meaning "valid".</summary>
    public static readonly byte[] MagicValue = [0x16, 0x26, 0xba, 0x7e];

    /// <summary>Largest signature passed to the account (a Safe's is 65 bytes per owner): 8 KiB, about 120 owners.</summary>
    public const int MaxSignatureBytes = 8 * 1024;

    /// <summary>
    /// A pinned block must be no older than this before the time the signature is judged at (its journal time): else
    /// an owner removed since could sign now and pin a block from before the removal.
    /// </summary>
    public static readonly TimeSpan PinnedBlockMaxAge = TimeSpan.FromMinutes(15);

    private readonly Func<BigInteger, string?> _rpcFor;

    public ContractAccountKind()
        : this(RpcFromEnvironment)
    {
    }

    /// <summary>Tests pass the node directly (environment variables are process-wide).</summary>
    internal ContractAccountKind(Func<BigInteger, string?> rpcFor) => _rpcFor = rpcFor;

    public ProofKind Kind => ContractAccount;

    public int Order => 110;

    public bool Recognizes(string signature) => signature.StartsWith(SignaturePrefix, StringComparison.Ordinal);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var text = (publicKeyText ?? string.Empty).Trim();
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            throw Refuse("a contract account is eip155:<chain id>:<checksummed address>#<label> (e.g. eip155:8453:0x…#safe:treasury); the label is missing", publicKeyText);
        }
        var label = text[(hash + 1)..];
        if (!LabelPattern().IsMatch(label))
        {
            throw Refuse($"the label '{label}' is not 1 to 64 letters, digits and . _ : @ / - (starting with a letter or digit), e.g. lens:alice or safe:treasury", publicKeyText);
        }
        Caip10 account;
        try
        {
            account = Caip10.Parse(text[..hash]);
        }
        catch (ContainmentException ex)
        {
            throw Refuse(ex.Message, publicKeyText);
        }
        var fingerprint = account.ToString();
        return new ProofKey(ContractAccount, fingerprint, $"{fingerprint}#{label}", "erc1271",
            new Dictionary<string, string>
            {
                ["chainId"] = account.ChainId.ToString(CultureInfo.InvariantCulture),
                ["address"] = account.Address,
                ["label"] = label,
            });
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != ContractAccount)
        {
            return SignatureCheck.Invalid(ContractAccount, key.Fingerprint, $"a {key.Kind} key cannot check a contract-account signature");
        }
        ProofKey parsed;
        try
        {
            parsed = ParsePublicKey(key.PublicKey);
        }
        catch (InvalidProofException ex)
        {
            return SignatureCheck.Invalid(ContractAccount, key.Fingerprint, ex.Reason);
        }
        var fingerprint = parsed.Fingerprint;
        var chainId = BigInteger.Parse(parsed.Attributes["chainId"], CultureInfo.InvariantCulture);
        var address = parsed.Attributes["address"];
        var (bytes, pinned, problem) = ParseSignature(signature);
        if (problem is not null)
        {
            return SignatureCheck.Invalid(ContractAccount, fingerprint, problem);
        }
        var hash = new EthereumMessageSigner().HashPrefixedMessage(payload.ToArray());

        var url = _rpcFor(chainId);
        if (string.IsNullOrWhiteSpace(url))
        {
            return Refused(fingerprint, "ContractAccountRpcMissing",
                $"no node is configured for chain {chainId}: set ${{env:{RpcVariablePrefix}{chainId}}} (or $env:{EvmClient.RpcEnvironmentVariable}) to its JSON-RPC URL");
        }
        try
        {
            EvmClient.ValidateRpc(url);
        }
        catch (ContainmentException ex)
        {
            return Refused(fingerprint, "ContractAccountRpcInvalid", ex.Message);
        }
        var rpc = new AccountRpc(url);
        try
        {
            var actual = rpc.ChainId();
            if (actual != chainId)
            {
                return Refused(fingerprint, "ContractAccountChainMismatch", $"the node at {rpc.Node} is on chain {actual}, the account is on chain {chainId}");
            }
            var block = rpc.Block(pinned is { } p ? AccountRpc.Hex(p) : "latest");
            if (block is not { } at)
            {
                return SignatureCheck.Invalid(ContractAccount, fingerprint, $"block {pinned} does not exist on chain {chainId} (yet)");
            }
            if (pinned is not null)
            {
                var judgedAt = context.Clock.GetUtcNow();
                if (at.Time < judgedAt - PinnedBlockMaxAge || at.Time > judgedAt + context.ClockSkew)
                {
                    return SignatureCheck.Invalid(ContractAccount, fingerprint,
                        $"the signature pins block {at.Number} ({at.Time:u}), not within {PinnedBlockMaxAge.TotalMinutes:0} min before {judgedAt:u}: "
                        + "an old block would let an owner removed since sign today; pin the block you signed at, or none (latest)");
                }
            }
            var blockTag = AccountRpc.Hex(at.Number);
            var details = new Dictionary<string, string>
            {
                ["chainId"] = chainId.ToString(CultureInfo.InvariantCulture),
                ["account"] = address,
                ["block"] = at.Number.ToString(CultureInfo.InvariantCulture),
                ["messageHash"] = AccountRpc.Hex(hash),
            };
            if (rpc.Code(address, blockTag).Length == 0)
            {
                return new SignatureCheck(false, ContractAccount, fingerprint,
                    $"there is no contract at {address} on chain {chainId} at block {at.Number} (an externally owned account is the Ethereum kind)", null, details);
            }
            byte[] answer;
            try
            {
                answer = rpc.EthCall(address, EncodeIsValidSignature(hash, bytes), blockTag);
            }
            catch (AccountCallRevertedException ex)
            {
                return new SignatureCheck(false, ContractAccount, fingerprint,
                    $"the account reverted isValidSignature at block {at.Number} ({ex.Message}{(ex.RevertData is { Length: > 2 } d ? $", data {Shorten(d)}" : string.Empty)}){SafeMeaning(ex.Message)}", null, details);
            }
            if (answer.Length < 32 || !answer.AsSpan(0, 4).SequenceEqual(MagicValue) || answer.AsSpan(4, 28).IndexOfAnyExcept((byte)0) >= 0)
            {
                return new SignatureCheck(false, ContractAccount, fingerprint,
                    $"the account answered isValidSignature at block {at.Number} with {Shorten(AccountRpc.Hex(answer))}, not the ERC-1271 magic value 0x1626ba7e", null, details);
            }
            return SignatureCheck.Valid(ContractAccount, fingerprint, null, details);
        }
        catch (AccountRpcException ex)
        {
            return Refused(fingerprint, ex.ErrorId, ex.Message);
        }
        catch (AccountCallRevertedException ex)
        {
            return Refused(fingerprint, "ContractAccountRpcError", ex.Message);
        }
    }

    /// <summary>DEIRF_EVM_RPC_&lt;chain id&gt;, else DEIRF_EVM_RPC (the evm.* default): the node's chain id is checked either way.</summary>
    public static string? RpcFromEnvironment(BigInteger chainId)
        => Environment.GetEnvironmentVariable(RpcVariablePrefix + chainId.ToString(CultureInfo.InvariantCulture)) is { Length: > 0 } perChain
            ? perChain
            : Environment.GetEnvironmentVariable(EvmClient.RpcEnvironmentVariable);

    /// <summary>The signature text as DeIRF writes it for a set of bytes the account expects (a Safe's concatenated owner signatures...).</summary>
    public static string FormatSignature(byte[] signature, BigInteger? block = null)
        => SignaturePrefix + AccountRpc.Hex(signature) + (block is { } b ? "@" + b.ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>The calldata of isValidSignature(bytes32 hash, bytes signature).</summary>
    internal static byte[] EncodeIsValidSignature(byte[] hash, byte[] signature)
    {
        var padded = (signature.Length + 31) / 32 * 32;
        var data = new byte[4 + 32 + 32 + 32 + padded];
        MagicValue.CopyTo(data, 0);
        hash.CopyTo(data, 4);
        data[4 + 63] = 0x40;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(data.AsSpan(4 + 64 + 24, 8), (ulong)signature.Length);
        signature.CopyTo(data, 4 + 96);
        return data;
    }

    private static (byte[] Bytes, BigInteger? Block, string? Problem) ParseSignature(string signature)
    {
        var text = (signature ?? string.Empty).Trim();
        if (!text.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return ([], null, $"a contract-account signature is {SignaturePrefix}0x<hex>[@<block>] (the bytes the account's isValidSignature takes, e.g. a Safe's concatenated owner signatures)");
        }
        text = text[SignaturePrefix.Length..];
        BigInteger? block = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var number = text[(at + 1)..];
            if (number.Length is 0 or > 20 || !number.All(char.IsAsciiDigit) || (number.Length > 1 && number[0] == '0'))
            {
                return ([], null, $"'@{number}' is not a block number (decimal)");
            }
            block = BigInteger.Parse(number, CultureInfo.InvariantCulture);
            text = text[..at];
        }
        if (!text.StartsWith("0x", StringComparison.Ordinal) || text.Length % 2 != 0 || text.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            return ([], null, "malformed signature: not 0x and an even number of hex digits");
        }
        if ((text.Length - 2) / 2 > MaxSignatureBytes)
        {
            return ([], null, $"the signature is {(text.Length - 2) / 2} bytes; at most {MaxSignatureBytes} are passed to an account");
        }
        return (Convert.FromHexString(text.AsSpan(2)), block, null);
    }

    /// <summary>A refusal that is no verdict on the signature (no node, a node on another chain, down or misbehaving): its stable id leads the reason.</summary>
    private static SignatureCheck Refused(string fingerprint, string errorId, string message)
        => new(false, ContractAccount, fingerprint, $"{errorId}: {message}", null, new Dictionary<string, string> { ["error"] = errorId });

    /// <summary>Safe's revert codes in a responder's words (Safe.sol checkSignatures), when the message carries one.</summary>
    private static string SafeMeaning(string message)
    {
        string[][] codes =
        [
            ["GS020", "fewer owner signatures than the Safe's threshold"],
            ["GS021", "a contract signature points inside the signatures themselves"],
            ["GS022", "a contract signature points past the end of the signatures"],
            ["GS023", "a contract signature is longer than the data"],
            ["GS024", "an owner contract did not accept its signature"],
            ["GS025", "an approved-hash signature whose owner did not approve this hash"],
            ["GS026", "a signer is not an owner (or was removed), or the signatures are not in ascending owner order"],
        ];
        var hit = codes.FirstOrDefault(c => message.Contains(c[0], StringComparison.Ordinal));
        return hit is null ? string.Empty : $": Safe {hit[0]}, {hit[1]}";
    }

    private static string Shorten(string hex) => hex.Length > 74 ? hex[..74] + "…" : hex;

    private static InvalidProofException Refuse(string reason, string? target) => new(ContractAccount, reason, target);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$")]
    private static partial Regex LabelPattern();
}
