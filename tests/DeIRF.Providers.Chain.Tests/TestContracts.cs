using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Nethereum.Hex.HexTypes;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace DeIRF.Providers.Chain.Tests;

/// <summary>
/// Contracts compiled at test time by solcjs from the npm packages' sources (never bytecode from elsewhere): a tiny
/// OpenZeppelin 5 Pausable ERC-20 written here, and Safe 1.4.1 + SafeProxy from @safe-global/safe-contracts.
/// </summary>
public static class TestContracts
{
    public const string TokenSource = """
        // SPDX-License-Identifier: MIT
        pragma solidity ^0.8.20;
        import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
        import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
        import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

        contract DeirfTestToken is ERC20Pausable, Ownable {
            constructor(address owner_) ERC20("DeIRF Test", "DTT") Ownable(owner_) { _mint(owner_, 1e24); }
            function pause() external onlyOwner { _pause(); }
            function unpause() external onlyOwner { _unpause(); }
        }
        """;

    /// <summary>The Lens-style ERC-1271 account of tests/shared/contracts/DeirfTestAccount.sol.</summary>
    public static string AccountSource => File.ReadAllText(Path.Combine(ChainTools.RepoRoot, "tests", "shared", "contracts", "DeirfTestAccount.sol"));

    public sealed record Compiled(string Abi, string Bytecode);

    private static readonly Lazy<Dictionary<string, Compiled>> All = new(Compile);

    public static Compiled Token => All.Value["DeirfTestToken"];
    public static Compiled Safe => All.Value["Safe"];
    public static Compiled SafeProxy => All.Value["SafeProxy"];
    public static Compiled FallbackHandler => All.Value["CompatibilityFallbackHandler"];
    public static Compiled Account => All.Value["DeirfTestAccount"];

    private static Dictionary<string, Compiled> Compile()
    {
        var solcjs = ChainTools.Require("solcjs");
        var dir = Directory.CreateTempSubdirectory("deirf-solc-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "DeirfTestToken.sol"), TokenSource);
            File.WriteAllText(Path.Combine(dir.FullName, "DeirfTestAccount.sol"), AccountSource);
            var input = new JsonObject
            {
                ["language"] = "Solidity",
                ["sources"] = new JsonObject
                {
                    ["DeirfTestToken.sol"] = new JsonObject { ["urls"] = new JsonArray("DeirfTestToken.sol") },
                    ["@safe-global/safe-contracts/contracts/Safe.sol"] = new JsonObject { ["urls"] = new JsonArray("@safe-global/safe-contracts/contracts/Safe.sol") },
                    ["@safe-global/safe-contracts/contracts/proxies/SafeProxy.sol"] = new JsonObject { ["urls"] = new JsonArray("@safe-global/safe-contracts/contracts/proxies/SafeProxy.sol") },
                    ["@safe-global/safe-contracts/contracts/handler/CompatibilityFallbackHandler.sol"] = new JsonObject { ["urls"] = new JsonArray("@safe-global/safe-contracts/contracts/handler/CompatibilityFallbackHandler.sol") },
                    ["DeirfTestAccount.sol"] = new JsonObject { ["urls"] = new JsonArray("DeirfTestAccount.sol") },
                },
                ["settings"] = new JsonObject
                {
                    ["optimizer"] = new JsonObject { ["enabled"] = true, ["runs"] = 200 },
                    ["outputSelection"] = new JsonObject { ["*"] = new JsonObject { ["*"] = new JsonArray("abi", "evm.bytecode.object") } },
                },
            };
            // Output to a file through sh, not a pipe: node cuts piped output at 64 KiB when solcjs exits.
            File.WriteAllText(Path.Combine(dir.FullName, "in.json"), input.ToJsonString());
            var psi = new ProcessStartInfo("/bin/sh")
            {
                RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.FullName,
            };
            foreach (var a in new[] { "-c", "exec \"$0\" --standard-json --base-path \"$1\" --include-path \"$2\" < in.json > out.json", solcjs, dir.FullName, ChainTools.NodeModules })
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            var stdout = File.ReadAllText(Path.Combine(dir.FullName, "out.json"));
            // solcjs may print a note line before the JSON.
            var json = JsonNode.Parse(stdout[stdout.IndexOf('{')..])!;
            var errors = json["errors"]?.AsArray().Where(e => e!["severity"]!.GetValue<string>() == "error").Select(e => e!["formattedMessage"]!.GetValue<string>()).ToList() ?? [];
            if (errors.Count > 0 || p.ExitCode != 0)
            {
                throw new InvalidOperationException($"solcjs failed ({p.ExitCode}): {string.Join("\n", errors)} {stderr.Result}");
            }
            var result = new Dictionary<string, Compiled>(StringComparer.Ordinal);
            foreach (var (_, file) in json["contracts"]!.AsObject())
            {
                foreach (var (name, c) in file!.AsObject())
                {
                    result[name] = new Compiled(c!["abi"]!.ToJsonString(), c["evm"]!["bytecode"]!["object"]!.GetValue<string>());
                }
            }
            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A fresh secp256k1 key (hex, 0x-prefixed) made at test time, and its checksummed address.</summary>
    public static (string Key, string Address) NewKey()
    {
        var key = EthECKey.GenerateKey();
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("ethereum private key", key.GetPrivateKeyAsBytes());
        return ("0x" + Convert.ToHexString(key.GetPrivateKeyAsBytes()).ToLowerInvariant(), Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(key.GetPublicAddress()));
    }

    public static void Fund(AnvilNode node, string address)
        => node.Rpc("anvil_setBalance", address, "0x56BC75E2D63100000"); // 100 ETH

    public static async Task<string> DeployAsync(AnvilNode node, string key, Compiled contract, params object[] args)
    {
        var web3 = new Web3(new Account(key, node.ChainId), node.Url);
        var receipt = await web3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(contract.Abi, contract.Bytecode, web3.TransactionManager.Account.Address,
            new HexBigInteger(8_000_000), null, args);
        if (receipt.Status.Value != 1)
        {
            throw new InvalidOperationException("deployment reverted");
        }
        return Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(receipt.ContractAddress);
    }

    /// <summary>Safe 1.4.1 behind a SafeProxy, set up with <paramref name="owners"/> and <paramref name="threshold"/> (and a fallback handler, when given).</summary>
    public static async Task<string> DeploySafeAsync(AnvilNode node, string key, string[] owners, int threshold, string? fallbackHandler = null)
    {
        var singleton = await DeployAsync(node, key, Safe);
        var proxy = await DeployAsync(node, key, SafeProxy, singleton);
        var web3 = new Web3(new Account(key, node.ChainId), node.Url);
        var safe = web3.Eth.GetContract(Safe.Abi, proxy);
        var receipt = await safe.GetFunction("setup").SendTransactionAndWaitForReceiptAsync(web3.TransactionManager.Account.Address, new HexBigInteger(1_000_000), null, null,
            owners, new BigInteger(threshold), "0x0000000000000000000000000000000000000000", Array.Empty<byte>(),
            fallbackHandler ?? "0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", BigInteger.Zero, "0x0000000000000000000000000000000000000000");
        if (receipt.Status.Value != 1)
        {
            throw new InvalidOperationException("Safe setup reverted");
        }
        return proxy;
    }

    public static async Task<T> CallAsync<T>(AnvilNode node, Compiled contract, string address, string function, params object[] args)
        => await new Web3(node.Url).Eth.GetContract(contract.Abi, address).GetFunction(function).CallAsync<T>(args);
}
