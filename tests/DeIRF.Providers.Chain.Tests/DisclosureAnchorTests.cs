using System.Security.Cryptography;
using System.Text;
using DeIRF.Containment;
using DeIRF.Disclosure;
using Xunit;

namespace DeIRF.Providers.Chain.Tests;

public sealed class DisclosureAnchorTests : IClassFixture<AnvilFixture>
{
    private readonly AnvilFixture _fixture;

    public DisclosureAnchorTests(AnvilFixture fixture) => _fixture = fixture;

    private AnvilNode Node
    {
        get
        {
            ChainTools.Require("anvil");
            return _fixture.Node;
        }
    }

    private static readonly DisclosureAnchor Anchor = new();

    private static byte[] Message(string text, out byte[] digest, out string head)
    {
        digest = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        head = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        return DisclosureMessage.Encode(digest, head, 7);
    }

    private static DisclosureAnchorRequest Request(string target, string rpc, byte[] message, string? key)
        => new(target, rpc, message, key is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["evmKey"] = key }, TimeSpan.FromSeconds(30));

    [Fact]
    public void Message_v1_is_91_bytes_and_decodes_back()
    {
        var message = Message("We were breached.", out var digest, out var head);
        Assert.Equal(91, message.Length);
        Assert.Equal("deirf-disclosure-v1", Encoding.ASCII.GetString(message, 0, 19));
        var decoded = DisclosureMessage.Decode(message);
        Assert.NotNull(decoded);
        Assert.Equal(Convert.ToHexString(digest).ToLowerInvariant(), decoded.Value.Digest);
        Assert.Equal(head, decoded.Value.HeadHash);
        Assert.Equal(7, decoded.Value.HeadSeq);
        Assert.Equal(7, message[90]);
        message[0] ^= 1;
        Assert.Null(DisclosureMessage.Decode(message));
        Assert.Null(DisclosureMessage.Decode(message.AsSpan(0, 90)));
    }

    [SkippableFact]
    public async Task Sends_the_message_and_the_mined_transaction_carries_it()
    {
        var (key, sender) = TestContracts.NewKey();
        TestContracts.Fund(Node, sender);
        var (_, board) = TestContracts.NewKey();
        var target = $"eip155:{Node.ChainId}:{board}";
        var message = Message("Disclosure text " + Guid.NewGuid(), out var digest, out var head);

        var block = Node.BlockNumber;
        var plan = await Anchor.PlanAsync(Request(target, Node.Url, message, key), default);
        Assert.Equal(block, Node.BlockNumber);
        Assert.Equal(block, plan.Block);
        Assert.Equal(sender, plan.Sender);
        Assert.Empty(plan.Warnings);

        var receipt = await Anchor.SendAsync(Request(target, Node.Url, message, key), default);
        Assert.Equal(block + 1, Node.BlockNumber);
        Assert.Equal(block + 1, receipt.Block);
        Assert.Equal(sender, receipt.From);
        Assert.Equal(target, receipt.Target);
        // Read independently of Nethereum: the node's own view of the transaction.
        var tx = Node.Rpc("eth_getTransactionByHash", receipt.Transaction)!;
        Assert.Equal(board.ToLowerInvariant(), tx["to"]!.GetValue<string>());
        var input = Convert.FromHexString(tx["input"]!.GetValue<string>()[2..]);
        Assert.Equal(message, input);
        Assert.Equal(digest, input[19..51]);
        Assert.Equal(head, Convert.ToHexString(input[51..83]).ToLowerInvariant());
        Assert.DoesNotContain(key[2..], receipt.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task A_node_on_another_chain_is_refused_before_anything_is_sent()
    {
        var (key, sender) = TestContracts.NewKey();
        TestContracts.Fund(Node, sender);
        var (_, board) = TestContracts.NewKey();
        var message = Message("x", out _, out _);
        var block = Node.BlockNumber;
        var ex = await Assert.ThrowsAsync<ContainmentException>(() => Anchor.SendAsync(Request($"eip155:1:{board}", Node.Url, message, key), default));
        Assert.Equal("EvmChainMismatch", ex.ErrorId);
        Assert.Equal("EvmChainMismatch", (await Assert.ThrowsAsync<ContainmentException>(() => Anchor.PlanAsync(Request($"eip155:1:{board}", Node.Url, message, key), default))).ErrorId);
        Assert.Equal(block, Node.BlockNumber);
    }

    [SkippableFact]
    public async Task No_key_is_refused_and_not_a_v1_message_is_refused()
    {
        var (_, board) = TestContracts.NewKey();
        var target = $"eip155:{Node.ChainId}:{board}";
        var block = Node.BlockNumber;
        Assert.Equal("EvmKeyMissing", (await Assert.ThrowsAsync<ContainmentException>(() => Anchor.SendAsync(Request(target, Node.Url, Message("x", out _, out _), null), default))).ErrorId);
        var (key, sender) = TestContracts.NewKey();
        TestContracts.Fund(Node, sender);
        Assert.Equal("DisclosureMessageInvalid", (await Assert.ThrowsAsync<DisclosureException>(() => Anchor.SendAsync(Request(target, Node.Url, new byte[91], key), default))).ErrorId);
        Assert.Equal("EvmAddressChecksum", (await Assert.ThrowsAsync<ContainmentException>(() => Anchor.SendAsync(Request(target.ToLowerInvariant(), Node.Url, Message("x", out _, out _), key), default))).ErrorId);
        Assert.Equal(block, Node.BlockNumber);
    }
}
