using System.Numerics;
using System.Text;
using DeIRF.Containment;
using DeIRF.Identity;
using DeIRF.Quorum;
using Xunit;

namespace DeIRF.Providers.Chain.Tests;

/// <summary>One anvil for the class (started on first use), contracts compiled once per run.</summary>
public sealed class AnvilFixture : IDisposable
{
    private AnvilNode? _node;

    public AnvilNode Node => _node ??= new AnvilNode();

    public void Dispose() => _node?.Dispose();
}

public sealed class ChainProviderTests : IClassFixture<AnvilFixture>
{
    private static readonly Dictionary<string, string> NoSecrets = new();
    private readonly AnvilFixture _fixture;

    public ChainProviderTests(AnvilFixture fixture) => _fixture = fixture;

    private AnvilNode Node
    {
        get
        {
            ChainTools.Require("anvil");
            ChainTools.Require("solcjs");
            return _fixture.Node;
        }
    }

    private static readonly ChainProvider Provider = new();

    private static ContainmentRequest Request(string action, string target, string rpc, string? key, params (string, string)[] extra)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["rpc"] = rpc };
        foreach (var (k, v) in extra)
        {
            parameters[k] = v;
        }
        var secrets = key is null ? NoSecrets : new Dictionary<string, string> { ["evmKey"] = key };
        return new ContainmentRequest(action, target, parameters, "INC-20260101-TEST", null, secrets);
    }

    private async Task<(string Key, string Token)> PausableTokenAsync()
    {
        var (key, address) = TestContracts.NewKey();
        TestContracts.Fund(Node, address);
        var token = await TestContracts.DeployAsync(Node, key, TestContracts.Token, address);
        return (key, token);
    }

    [SkippableFact]
    public async Task Pause_verifies_paused_and_undo_unpauses_and_the_plan_sends_nothing()
    {
        var (key, token) = await PausableTokenAsync();
        var target = $"eip155:{Node.ChainId}:{token}";
        var request = Request(ChainProvider.Pause, target, Node.Url, key);

        var block = Node.BlockNumber;
        var plan = await Provider.PlanAsync(request, default);
        Assert.Equal(block, Node.BlockNumber);
        Assert.False(plan.Before["paused"]!.GetValue<bool>());
        Assert.Equal(block.ToString(), plan.Before["block"]!.GetValue<string>());
        Assert.Contains(plan.Steps, s => s.StartsWith("send pause()", StringComparison.Ordinal));

        var applied = await Provider.ApplyAsync(request, default);
        Assert.True(applied.Verified, applied.Message);
        Assert.True(await TestContracts.CallAsync<bool>(Node, TestContracts.Token, token, "paused"));
        Assert.Equal(block + 1, Node.BlockNumber);
        Assert.StartsWith("0x", applied.After["transaction"]!.GetValue<string>());
        Assert.DoesNotContain(key[2..], applied.After.ToJsonString() + applied.UndoState.ToJsonString() + applied.Message);

        var verify = await Provider.VerifyAsync(request, applied.UndoState, default);
        Assert.True(verify.Verified);

        var undone = await Provider.UndoAsync(request, applied.UndoState, default);
        Assert.True(undone.Verified, undone.Message);
        Assert.False(await TestContracts.CallAsync<bool>(Node, TestContracts.Token, token, "paused"));

        // evm.contract.unpause is its own action; on a contract that is not paused it sends nothing.
        var again = await Provider.ApplyAsync(Request(ChainProvider.Unpause, target, Node.Url, key), default);
        Assert.True(again.Verified);
        Assert.False(again.UndoState["changed"]!.GetValue<bool>());
    }

    [SkippableFact]
    public async Task Wrong_checksum_wrong_chain_and_missing_key_are_refused_before_any_transaction()
    {
        var (key, token) = await PausableTokenAsync();
        var block = Node.BlockNumber;
        var lower = $"eip155:{Node.ChainId}:{token.ToLowerInvariant()}";
        var flipped = $"eip155:{Node.ChainId}:{FlipCase(token)}";
        Assert.Equal("EvmAddressChecksum", (await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(ChainProvider.Pause, lower, Node.Url, key), default))).ErrorId);
        Assert.Equal("EvmAddressChecksum", (await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(ChainProvider.Pause, flipped, Node.Url, key), default))).ErrorId);
        Assert.Equal("EvmTargetInvalid", (await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(ChainProvider.Pause, token, Node.Url, key), default))).ErrorId);
        Assert.Equal("EvmChainMismatch", (await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(ChainProvider.Pause, $"eip155:1:{token}", Node.Url, key), default))).ErrorId);
        Assert.Equal("EvmKeyMissing", (await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Request(ChainProvider.Pause, $"eip155:{Node.ChainId}:{token}", Node.Url, null), default))).ErrorId);
        Assert.Equal("ContainmentParameterUnknown", (await Assert.ThrowsAsync<ContainmentException>(
            () => Provider.ApplyAsync(Request(ChainProvider.Pause, $"eip155:{Node.ChainId}:{token}", Node.Url, key, ("gas", "1")), default))).ErrorId);
        Assert.Equal(block, Node.BlockNumber);
        Assert.False(await TestContracts.CallAsync<bool>(Node, TestContracts.Token, token, "paused"));
    }

    [SkippableFact]
    public async Task A_pause_by_a_key_that_is_not_the_pauser_is_reverted_and_says_so()
    {
        var (_, token) = await PausableTokenAsync();
        var (other, otherAddress) = TestContracts.NewKey();
        TestContracts.Fund(Node, otherAddress);
        var request = Request(ChainProvider.Pause, $"eip155:{Node.ChainId}:{token}", Node.Url, other);
        var plan = await Provider.PlanAsync(request, default);
        Assert.Contains(plan.Warnings, w => w.Contains("not the contract's owner()", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(request, default));
        Assert.Equal("EvmTransactionReverted", ex.ErrorId);
        Assert.DoesNotContain(other[2..], ex.ToString());
    }

    // ---- Safe ----

    private sealed record SafeSetup(string Safe, string Token, (string Key, string Address)[] Owners, string ExecutorKey);

    private async Task<SafeSetup> SafeAsync()
    {
        var owners = Enumerable.Range(0, 3).Select(_ => TestContracts.NewKey()).ToArray();
        var (executor, executorAddress) = TestContracts.NewKey();
        TestContracts.Fund(Node, executorAddress);
        var safe = await TestContracts.DeploySafeAsync(Node, executor, owners.Select(o => o.Address).ToArray(), 2);
        var token = await TestContracts.DeployAsync(Node, executor, TestContracts.Token, safe);
        return new SafeSetup(safe, token, owners, executor);
    }

    private static IReadOnlyDictionary<string, string> FreezeParameters(AnvilNode node, string token, BigInteger nonce, string call = "pause")
        => new Dictionary<string, string>(StringComparer.Ordinal) { ["rpc"] = node.Url, ["to"] = token, ["call"] = call, ["nonce"] = nonce.ToString() };

    private static QuorumSignatureStatus Counted(string responder, string key, byte[] hash)
    {
        using var material = new PrivateKeyMaterial(Encoding.UTF8.GetBytes(key));
        var signer = Signatures.SignerFor(ProofKind.Ethereum);
        return new QuorumSignatureStatus
        {
            Responder = responder, Kind = "Ethereum", Fingerprint = signer.PublicKeyOf(material), Signature = signer.Sign(hash, material), Reason = SignatureReason.Counted,
        };
    }

    private ContainmentRequest Freeze(SafeSetup s, IReadOnlyDictionary<string, string> parameters, params QuorumSignatureStatus[] signatures)
        => new ContainmentRequest(ChainProvider.SafeFreeze, $"eip155:{Node.ChainId}:{s.Safe}", parameters, "INC-20260101-TEST", null,
            new Dictionary<string, string> { ["evmKey"] = s.ExecutorKey }).WithQuorumSignatures(signatures);

    [SkippableFact]
    public async Task The_signing_payload_is_the_hash_the_Safe_computes()
    {
        var s = await SafeAsync();
        foreach (var (call, nonce) in new[] { ("pause", 0), ("unpause", 7), ("pause", 123456) })
        {
            var tx = SafeTransaction.From($"eip155:{Node.ChainId}:{s.Safe}", FreezeParameters(Node, s.Token, nonce, call));
            var onChain = await TestContracts.CallAsync<byte[]>(Node, TestContracts.Safe, s.Safe, "getTransactionHash",
                s.Token, BigInteger.Zero, tx.Data, (byte)0, BigInteger.Zero, BigInteger.Zero, BigInteger.Zero, EvmAddress.Zero, EvmAddress.Zero, new BigInteger(nonce));
            Assert.Equal(Convert.ToHexString(onChain), Convert.ToHexString(tx.Hash()));
        }
        // The proposal hook: a payload is the same hash, so what signers sign follows from the proposal's members.
        var payload = new SafeTransactionPayload();
        var completed = payload.Complete(ChainProvider.SafeFreeze, $"eip155:{Node.ChainId}:{s.Safe}",
            new Dictionary<string, string> { ["rpc"] = Node.Url, ["to"] = s.Token, ["call"] = "pause" }, default);
        Assert.Equal("0", completed["nonce"]);
    }

    [SkippableFact]
    public async Task Safe_freeze_with_two_of_three_owners_pauses_the_token_and_advances_the_nonce()
    {
        var s = await SafeAsync();
        var parameters = FreezeParameters(Node, s.Token, 0);
        var hash = SafeTransaction.From($"eip155:{Node.ChainId}:{s.Safe}", parameters).Hash();
        // Signed in descending address order: DeIRF must sort them as the Safe requires.
        var two = s.Owners.OrderByDescending(o => o.Address.ToLowerInvariant(), StringComparer.Ordinal).Take(2).ToArray();
        var request = Freeze(s, parameters, Counted("carol", two[0].Key, hash), Counted("dana", two[1].Key, hash));

        var block = Node.BlockNumber;
        var plan = await Provider.PlanAsync(request, default);
        Assert.Empty(plan.Warnings);
        Assert.Equal(block, Node.BlockNumber);

        var result = await Provider.ApplyAsync(request, default);
        Assert.True(result.Verified, result.Message);
        Assert.True(await TestContracts.CallAsync<bool>(Node, TestContracts.Token, s.Token, "paused"));
        Assert.Equal(BigInteger.One, await TestContracts.CallAsync<BigInteger>(Node, TestContracts.Safe, s.Safe, "nonce"));
        Assert.Equal("1", result.After["nonce"]!.GetValue<string>());

        // The same signatures once more: the nonce has moved.
        var again = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(request, default));
        Assert.Equal("SafeNonceMoved", again.ErrorId);
    }

    [SkippableFact]
    public async Task Safe_refusals_same_owner_twice_non_owner_other_transaction()
    {
        var s = await SafeAsync();
        var parameters = FreezeParameters(Node, s.Token, 0);
        var hash = SafeTransaction.From($"eip155:{Node.ChainId}:{s.Safe}", parameters).Hash();
        var block = Node.BlockNumber;

        // The same owner twice (two responders holding one address) counts once: below the threshold.
        var twice = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(
            Freeze(s, parameters, Counted("carol", s.Owners[0].Key, hash), Counted("carol2", s.Owners[0].Key, hash)), default));
        Assert.Equal("SafeThresholdNotMet", twice.ErrorId);

        var (stranger, _) = TestContracts.NewKey();
        var notOwner = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(
            Freeze(s, parameters, Counted("carol", s.Owners[0].Key, hash), Counted("mallory", stranger, hash)), default));
        Assert.Equal("SafeSignerNotOwner", notOwner.ErrorId);

        // Signatures over another Safe transaction (another `to`) are not signatures over this one.
        var otherHash = SafeTransaction.From($"eip155:{Node.ChainId}:{s.Safe}", FreezeParameters(Node, s.Safe, 0)).Hash();
        var other = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(
            Freeze(s, parameters, Counted("carol", s.Owners[0].Key, otherHash), Counted("dana", s.Owners[1].Key, otherHash)), default));
        Assert.Equal("SafeSignatureInvalid", other.ErrorId);

        // A proposal bound to a nonce the Safe has not reached (or has passed) is refused before sending.
        var moved = await Assert.ThrowsAsync<ContainmentException>(() => Provider.ApplyAsync(Freeze(s, FreezeParameters(Node, s.Token, 1)), default));
        Assert.Equal("SafeNonceMoved", moved.ErrorId);

        Assert.Equal(block, Node.BlockNumber);
        Assert.False(await TestContracts.CallAsync<bool>(Node, TestContracts.Token, s.Token, "paused"));
    }

    [SkippableFact]
    public async Task An_owner_signature_made_by_the_node_with_eth_sign_is_accepted_by_DeIRF_and_the_Safe()
    {
        // anvil's own dev account signs as a wallet does (eth_sign = personal_sign over the 32 hash bytes).
        var wallet = Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(Node.Rpc("eth_accounts")![0]!.GetValue<string>());
        var other = TestContracts.NewKey();
        var (executor, executorAddress) = TestContracts.NewKey();
        TestContracts.Fund(Node, executorAddress);
        var safe = await TestContracts.DeploySafeAsync(Node, executor, [wallet, other.Address, TestContracts.NewKey().Address], 2);
        var token = await TestContracts.DeployAsync(Node, executor, TestContracts.Token, safe);
        var s = new SafeSetup(safe, token, [other], executor);
        var parameters = FreezeParameters(Node, token, 0);
        var hash = SafeTransaction.From($"eip155:{Node.ChainId}:{safe}", parameters).Hash();
        var walletSignature = Node.Rpc("eth_sign", wallet, "0x" + Convert.ToHexString(hash))!.GetValue<string>();

        var check = Signatures.Verify(Signatures.ParsePublicKey(ProofKind.Ethereum, wallet), hash, walletSignature);
        Assert.True(check.IsValid, check.Reason);

        var result = await Provider.ApplyAsync(Freeze(s, parameters,
            new QuorumSignatureStatus { Responder = "erin", Kind = "Ethereum", Fingerprint = wallet, Signature = walletSignature, Reason = SignatureReason.Counted },
            Counted("dana", other.Key, hash)), default);
        Assert.True(result.Verified, result.Message);
    }

    private static string FlipCase(string address)
    {
        var chars = address.ToCharArray();
        for (int i = 2; i < chars.Length; i++)
        {
            if (char.IsLetter(chars[i]))
            {
                chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
                break;
            }
        }
        return new string(chars);
    }
}
