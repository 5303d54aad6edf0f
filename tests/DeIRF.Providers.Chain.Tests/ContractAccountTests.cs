using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using DeIRF.Identity;
using Nethereum.Hex.HexTypes;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Xunit;

namespace DeIRF.Providers.Chain.Tests;

/// <summary>
/// The ContractAccount proof kind (ERC-1271) against a real anvil: a Lens-style account (owner plus managers) and a
/// Safe 1.4.1 (2 of 3, CompatibilityFallbackHandler), compiled with solcjs at test time.
/// </summary>
public sealed class ContractAccountTests : IClassFixture<AnvilFixture>
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"domain\":\"deirf/proof-binding/v1\",\"fingerprint\":\"eip155:31337:0x0\",\"handle\":\"alice\",\"note\":\"ünïcode counts in bytes\"}");
    private readonly AnvilFixture _fixture;

    public ContractAccountTests(AnvilFixture fixture) => _fixture = fixture;

    private AnvilNode Node
    {
        get
        {
            ChainTools.Require("anvil");
            ChainTools.Require("solcjs");
            return _fixture.Node;
        }
    }

    private ContractAccountKind KindOnAnvil => new(_ => Node.Url);

    private static ProofKey Key(ContractAccountKind kind, BigInteger chainId, string address, string label = "lens:alice")
        => kind.ParsePublicKey($"eip155:{chainId}:{address}#{label}");

    private static byte[] PersonalHash(byte[] payload) => new EthereumMessageSigner().HashPrefixedMessage(payload);

    /// <summary>A raw ECDSA signature r‖s‖v (v 27/28) over a 32-byte hash, as an account's owner key makes it.</summary>
    private static byte[] SignHash(string key, byte[] hash)
    {
        var sig = new EthECKey(key).SignAndCalculateV(hash);
        return sig.R.Length == 32 && sig.S.Length == 32
            ? [.. sig.R, .. sig.S, sig.V[^1]]
            : [.. new byte[32 - sig.R.Length], .. sig.R, .. new byte[32 - sig.S.Length], .. sig.S, sig.V[^1]];
    }

    private static SignatureCheck Check(ContractAccountKind kind, ProofKey key, string signature, VerificationContext? context = null)
        => kind.Verify(key, Payload, signature, context ?? VerificationContext.Default);

    private async Task SendAsync(string key, TestContracts.Compiled contract, string address, string function, params object[] args)
    {
        var web3 = new Web3(new Account(key, Node.ChainId), Node.Url);
        var receipt = await web3.Eth.GetContract(contract.Abi, address).GetFunction(function)
            .SendTransactionAndWaitForReceiptAsync(web3.TransactionManager.Account.Address, new HexBigInteger(500_000), null, null, args);
        Assert.Equal(1, (int)receipt.Status.Value);
    }

    private sealed record LensAccount(string Address, (string Key, string Address) Owner, (string Key, string Address) Manager);

    private async Task<LensAccount> LensAccountAsync()
    {
        var owner = TestContracts.NewKey();
        var manager = TestContracts.NewKey();
        TestContracts.Fund(Node, owner.Address);
        var account = await TestContracts.DeployAsync(Node, owner.Key, TestContracts.Account, owner.Address);
        await SendAsync(owner.Key, TestContracts.Account, account, "addManager", manager.Address);
        return new LensAccount(account, owner, manager);
    }

    [Fact]
    public void The_fingerprint_is_the_CAIP10_account_without_its_label_so_a_chain_and_address_bind_once()
    {
        var kind = new ContractAccountKind(_ => null);
        var address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        var treasury = kind.ParsePublicKey($" eip155:8453:{address}#safe:treasury ");
        var renamed = kind.ParsePublicKey($"eip155:8453:{address}#safe:ops");
        Assert.Equal($"eip155:8453:{address}", treasury.Fingerprint);
        Assert.Equal(treasury.Fingerprint, renamed.Fingerprint);
        Assert.Equal($"eip155:8453:{address}#safe:treasury", treasury.PublicKey);
        Assert.Equal("safe:treasury", treasury.Attributes["label"]);
        Assert.Equal("8453", treasury.Attributes["chainId"]);
        // The same address on another chain is another account (its owners there may be other people).
        Assert.NotEqual(treasury.Fingerprint, kind.ParsePublicKey($"eip155:1:{address}#safe:treasury").Fingerprint);

        Assert.Contains("label is missing", Assert.Throws<InvalidProofException>(() => kind.ParsePublicKey($"eip155:1:{address}")).Reason);
        Assert.Contains("EIP-55", Assert.Throws<InvalidProofException>(() => kind.ParsePublicKey($"eip155:1:{address.ToLowerInvariant()}#safe:x")).Reason);
        Assert.Contains("CAIP-10", Assert.Throws<InvalidProofException>(() => kind.ParsePublicKey($"eip155:01:{address}#safe:x")).Reason);
        Assert.Contains("label", Assert.Throws<InvalidProofException>(() => kind.ParsePublicKey($"eip155:1:{address}#bad label")).Reason);
        Assert.Contains("zero address", Assert.Throws<InvalidProofException>(() => kind.ParsePublicKey("eip155:1:0x0000000000000000000000000000000000000000#x")).Reason);

        // Only the erc1271: form is recognised: a bare 65-byte hex signature is the Ethereum kind's.
        Assert.True(kind.Recognizes("erc1271:0x00"));
        Assert.False(kind.Recognizes("0x" + new string('1', 130)));
        Assert.Equal(ContractAccountKind.ContractAccount, Signatures.DetectKind("erc1271:0xab"));
        Assert.Equal(ProofKind.Ethereum, Signatures.DetectKind("0x" + new string('1', 130)));
    }

    [Fact]
    public void The_calldata_is_the_ABI_encoding_of_isValidSignature()
    {
        var hash = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var data = ContractAccountKind.EncodeIsValidSignature(hash, [0xaa, 0xbb, 0xcc]);
        var function = new Nethereum.ABI.FunctionEncoding.FunctionCallEncoder();
        var expected = function.EncodeRequest("0x1626ba7e",
            [new Nethereum.ABI.Model.Parameter("bytes32", 1), new Nethereum.ABI.Model.Parameter("bytes", 2)], hash, new byte[] { 0xaa, 0xbb, 0xcc });
        Assert.Equal(expected, AccountRpcHex(data));
    }

    private static string AccountRpcHex(byte[] data) => "0x" + Convert.ToHexString(data).ToLowerInvariant();

    [SkippableFact]
    public async Task A_Lens_style_account_accepts_its_owner_and_managers_and_refuses_a_removed_manager()
    {
        var lens = await LensAccountAsync();
        var kind = KindOnAnvil;
        var key = Key(kind, Node.ChainId, lens.Address);
        var hash = PersonalHash(Payload);

        var byOwner = Check(kind, key, ContractAccountKind.FormatSignature(SignHash(lens.Owner.Key, hash)));
        Assert.True(byOwner.IsValid, byOwner.Reason);
        Assert.Equal(key.Fingerprint, byOwner.Fingerprint);
        Assert.Equal(Node.BlockNumber.ToString(), byOwner.Details!["block"]);
        Assert.Equal("0x" + Convert.ToHexString(hash).ToLowerInvariant(), byOwner.Details["messageHash"]);

        // The owner's wallet personal_sign of the payload is such a signature (the account checks the EIP-191 hash).
        var local = new EthereumMessageSigner().EncodeUTF8AndSign(Encoding.UTF8.GetString(Payload), new EthECKey(lens.Owner.Key));
        Assert.True(Check(kind, key, "erc1271:" + local).IsValid);

        var byManager = Check(kind, key, ContractAccountKind.FormatSignature(SignHash(lens.Manager.Key, hash)));
        Assert.True(byManager.IsValid, byManager.Reason);

        var stranger = TestContracts.NewKey();
        var byStranger = Check(kind, key, ContractAccountKind.FormatSignature(SignHash(stranger.Key, hash)));
        Assert.False(byStranger.IsValid);
        Assert.Contains("not the ERC-1271 magic value", byStranger.Reason);

        // Over other bytes: not valid for this payload.
        var otherPayload = Check(kind, key, ContractAccountKind.FormatSignature(SignHash(lens.Owner.Key, PersonalHash("other"u8.ToArray()))));
        Assert.False(otherPayload.IsValid);

        await SendAsync(lens.Owner.Key, TestContracts.Account, lens.Address, "removeManager", lens.Manager.Address);
        var afterRemoval = Check(kind, key, ContractAccountKind.FormatSignature(SignHash(lens.Manager.Key, hash)));
        Assert.False(afterRemoval.IsValid);
        Assert.Contains("not the ERC-1271 magic value", afterRemoval.Reason);
    }

    [SkippableFact]
    public async Task A_wrong_magic_value_and_a_revert_are_refused_with_their_reason()
    {
        var lens = await LensAccountAsync();
        var kind = KindOnAnvil;
        var key = Key(kind, Node.ChainId, lens.Address);
        var signature = ContractAccountKind.FormatSignature(SignHash(lens.Owner.Key, PersonalHash(Payload)));
        Assert.True(Check(kind, key, signature).IsValid);

        await SendAsync(lens.Owner.Key, TestContracts.Account, lens.Address, "setMode", (byte)1);
        var wrong = Check(kind, key, signature);
        Assert.False(wrong.IsValid);
        Assert.Contains("with 0xffffffff", wrong.Reason);
        Assert.Contains("not the ERC-1271 magic value 0x1626ba7e", wrong.Reason);

        await SendAsync(lens.Owner.Key, TestContracts.Account, lens.Address, "setMode", (byte)2);
        var reverted = Check(kind, key, signature);
        Assert.False(reverted.IsValid);
        Assert.Contains("reverted isValidSignature", reverted.Reason);
        Assert.Contains("signatures disabled", reverted.Reason);

        // An externally owned account is no contract account; a signature without the erc1271: form is refused as malformed.
        var eoa = Check(kind, Key(kind, Node.ChainId, lens.Owner.Address), signature);
        Assert.False(eoa.IsValid);
        Assert.Contains("no contract at", eoa.Reason);
        Assert.Contains("erc1271:0x<hex>", Check(kind, key, signature["erc1271:".Length..]).Reason);
    }

    private sealed record SafeAccount(string Address, string Handler, (string Key, string Address)[] Owners, string DeployerKey);

    private async Task<SafeAccount> SafeAsync()
    {
        var (deployer, deployerAddress) = TestContracts.NewKey();
        TestContracts.Fund(Node, deployerAddress);
        var owners = new[] { TestContracts.NewKey(), TestContracts.NewKey(), TestContracts.NewKey() };
        var handler = await TestContracts.DeployAsync(Node, deployer, TestContracts.FallbackHandler);
        var safe = await TestContracts.DeploySafeAsync(Node, deployer, owners.Select(o => o.Address).ToArray(), 2, handler);
        return new SafeAccount(safe, handler, owners, deployer);
    }

    /// <summary>
    /// The owners' signatures as a Safe expects them for a message: each owner signs the Safe's EIP-712 SafeMessage hash
    /// of the hash DeIRF passes (what Safe{Wallet} "Sign message" does), and the signatures are concatenated in
    /// ascending owner address order.
    /// </summary>
    private async Task<byte[]> SafeSignatureAsync(SafeAccount safe, byte[] hash, params (string Key, string Address)[] signers)
    {
        var safeMessageHash = await TestContracts.CallAsync<byte[]>(Node, TestContracts.FallbackHandler, safe.Handler, "getMessageHashForSafe", safe.Address, hash);
        return signers.OrderBy(s => BigInteger.Parse("0" + s.Address[2..], System.Globalization.NumberStyles.HexNumber))
            .SelectMany(s => SignHash(s.Key, safeMessageHash)).ToArray();
    }

    [SkippableFact]
    public async Task A_two_of_three_Safe_counts_with_two_owners_and_refuses_one_owner_a_removed_owner_and_a_stranger()
    {
        var safe = await SafeAsync();
        var kind = KindOnAnvil;
        var key = Key(kind, Node.ChainId, safe.Address, "safe:treasury");
        var hash = PersonalHash(Payload);
        var (a, b, c) = (safe.Owners[0], safe.Owners[1], safe.Owners[2]);

        var twoOwners = Check(kind, key, ContractAccountKind.FormatSignature(await SafeSignatureAsync(safe, hash, c, a)));
        Assert.True(twoOwners.IsValid, twoOwners.Reason);
        Assert.Equal(safe.Address, twoOwners.Details!["account"]);

        var oneOwner = Check(kind, key, ContractAccountKind.FormatSignature(await SafeSignatureAsync(safe, hash, b)));
        Assert.False(oneOwner.IsValid);
        Assert.Contains("reverted isValidSignature", oneOwner.Reason);
        Assert.Contains("Safe GS020, fewer owner signatures than the Safe's threshold", oneOwner.Reason);

        var stranger = TestContracts.NewKey();
        var withStranger = Check(kind, key, ContractAccountKind.FormatSignature(await SafeSignatureAsync(safe, hash, a, stranger)));
        Assert.False(withStranger.IsValid);
        Assert.Contains("Safe GS026, a signer is not an owner", withStranger.Reason);

        // The owners remove c (as a Safe transaction from the Safe itself; anvil impersonates it to send it).
        Node.Rpc("anvil_impersonateAccount", safe.Address);
        TestContracts.Fund(Node, safe.Address);
        var removeOwner = new Web3(Node.Url).Eth.GetContract(TestContracts.Safe.Abi, safe.Address).GetFunction("removeOwner").GetData(b.Address, c.Address, new BigInteger(2));
        var owners = await TestContracts.CallAsync<List<string>>(Node, TestContracts.Safe, safe.Address, "getOwners");
        Assert.Equal([a.Address, b.Address, c.Address], owners.Select(o => Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(o)).ToArray());
        var tx = Node.Rpc("eth_sendTransaction", new Dictionary<string, string> { ["from"] = safe.Address, ["to"] = safe.Address, ["data"] = removeOwner, ["gas"] = "0x100000" })!.GetValue<string>();
        Assert.Equal("0x1", Node.Rpc("eth_getTransactionReceipt", tx)!["status"]!.GetValue<string>());
        Node.Rpc("anvil_stopImpersonatingAccount", safe.Address);

        var removed = Check(kind, key, ContractAccountKind.FormatSignature(await SafeSignatureAsync(safe, hash, c, a)));
        Assert.False(removed.IsValid);
        Assert.Contains("GS026", removed.Reason);
        Assert.True(Check(kind, key, ContractAccountKind.FormatSignature(await SafeSignatureAsync(safe, hash, a, b))).IsValid);
    }

    [SkippableFact]
    public async Task A_pinned_block_is_checked_at_that_block_and_refused_when_older_than_the_signature()
    {
        var lens = await LensAccountAsync();
        var kind = KindOnAnvil;
        var key = Key(kind, Node.ChainId, lens.Address);
        var bytes = SignHash(lens.Manager.Key, PersonalHash(Payload));
        var signedAt = DateTimeOffset.UtcNow;
        var pinned = ContractAccountKind.FormatSignature(bytes, Node.BlockNumber);

        await SendAsync(lens.Owner.Key, TestContracts.Account, lens.Address, "removeManager", lens.Manager.Address);
        Assert.False(Check(kind, key, ContractAccountKind.FormatSignature(bytes)).IsValid);

        // Judged as of its own time (a quorum row's journal time), the pinned signature still holds: a stable verdict.
        var atSigning = new VerificationContext { Clock = new FixedClockForTest(signedAt) };
        var stable = Check(kind, key, pinned, atSigning);
        Assert.True(stable.IsValid, stable.Reason);

        // A removed manager who signs today cannot pin a block from before the removal.
        var later = new VerificationContext { Clock = new FixedClockForTest(signedAt + TimeSpan.FromHours(1)) };
        var old = Check(kind, key, pinned, later);
        Assert.False(old.IsValid);
        Assert.Contains("an old block would let an owner removed since sign today", old.Reason);

        var future = Check(kind, key, ContractAccountKind.FormatSignature(bytes, Node.BlockNumber + 1000));
        Assert.False(future.IsValid);
        Assert.Contains("does not exist", future.Reason);
        Assert.Contains("is not a block number", Check(kind, key, ContractAccountKind.FormatSignature(bytes) + "@01").Reason);
    }

    [SkippableFact]
    public async Task Another_chain_id_a_missing_node_and_a_node_that_is_down_are_refusals_with_stable_ids()
    {
        var lens = await LensAccountAsync();
        var signature = ContractAccountKind.FormatSignature(SignHash(lens.Owner.Key, PersonalHash(Payload)));

        // The roster says chain 1; the node configured for it answers 31337.
        var mainnet = KindOnAnvil;
        var onMainnet = Check(mainnet, Key(mainnet, 1, lens.Address), signature);
        Assert.False(onMainnet.IsValid);
        Assert.StartsWith("ContractAccountChainMismatch:", onMainnet.Reason);
        Assert.Equal("ContractAccountChainMismatch", onMainnet.Details!["error"]);

        var none = new ContractAccountKind(_ => null);
        var missing = Check(none, Key(none, Node.ChainId, lens.Address), signature);
        Assert.StartsWith("ContractAccountRpcMissing:", missing.Reason);
        Assert.Contains($"DEIRF_EVM_RPC_{Node.ChainId}", missing.Reason);

        var withCredentials = new ContractAccountKind(_ => $"http://user:secret@127.0.0.1:{Node.Port}");
        Assert.StartsWith("ContractAccountRpcInvalid:", Check(withCredentials, Key(withCredentials, Node.ChainId, lens.Address), signature).Reason);

        var closedPort = FreePort();
        // A provider's API key in the path (…/v3/<key>) is never repeated in a reason.
        var down = new ContractAccountKind(_ => $"http://127.0.0.1:{closedPort}/v3/0123456789abcdef-api-key");
        var started = DateTime.UtcNow;
        var unreachable = Check(down, Key(down, Node.ChainId, lens.Address), signature);
        Assert.False(unreachable.IsValid);
        Assert.StartsWith("ContractAccountRpcUnavailable:", unreachable.Reason);
        Assert.Contains($"http://127.0.0.1:{closedPort} ", unreachable.Reason);
        Assert.DoesNotContain("api-key", unreachable.Reason);
        Assert.True(DateTime.UtcNow - started >= AccountRpc.RetryPause, "one retry after a pause");

        // Asked again at once (the next row of a quorum): refused without waiting for the node again.
        started = DateTime.UtcNow;
        var again = Check(down, Key(down, Node.ChainId, lens.Address), signature);
        Assert.StartsWith("ContractAccountRpcUnavailable:", again.Reason);
        Assert.Contains("not asked again yet", again.Reason);
        Assert.True(DateTime.UtcNow - started < AccountRpc.RetryPause, "no second wait");
    }

    [Fact]
    public async Task A_node_that_answers_too_much_or_not_JSON_RPC_is_refused()
    {
        using var huge = new OneAnswerNode(new string('1', AccountRpc.MaxResponseBytes + 10));
        var kind = new ContractAccountKind(_ => huge.Url);
        var key = Key(kind, 31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
        var tooMuch = Check(kind, key, "erc1271:0x00");
        Assert.StartsWith("ContractAccountRpcAnswerInvalid:", tooMuch.Reason);
        Assert.Contains("more than 256 KiB", tooMuch.Reason);

        using var junk = new OneAnswerNode("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0xzz\"}");
        var kindJunk = new ContractAccountKind(_ => junk.Url);
        Assert.StartsWith("ContractAccountRpcAnswerInvalid:", Check(kindJunk, key, "erc1271:0x00").Reason);
        await Task.CompletedTask;
    }

    [Fact]
    public void The_node_comes_from_DEIRF_EVM_RPC_of_the_chain_id_then_DEIRF_EVM_RPC()
    {
        // A chain id no other test uses: environment variables are process-wide.
        var chain = new BigInteger(9_876_543_210);
        var name = ContractAccountKind.RpcVariablePrefix + "9876543210";
        try
        {
            Environment.SetEnvironmentVariable(name, "http://127.0.0.1:1/per-chain");
            Assert.Equal("http://127.0.0.1:1/per-chain", ContractAccountKind.RpcFromEnvironment(chain));
            Environment.SetEnvironmentVariable(name, null);
            Assert.Equal(Environment.GetEnvironmentVariable("DEIRF_EVM_RPC"), ContractAccountKind.RpcFromEnvironment(chain));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class FixedClockForTest(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A misbehaving node on 127.0.0.1: answers every request with the same body.</summary>
    private sealed class OneAnswerNode : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public OneAnswerNode(string body)
        {
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            var bytes = Encoding.UTF8.GetBytes(body);
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception) when (!_listener.IsListening)
                    {
                        return;
                    }
                    catch (HttpListenerException)
                    {
                        return;
                    }
                    try
                    {
                        context.Response.ContentType = "application/json";
                        await context.Response.OutputStream.WriteAsync(bytes);
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
                    {
                        // The client stopped reading at its cap.
                    }
                }
            });
        }

        public string Url { get; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
