using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Providers.Chain;
using DeIRF.Quorum;
using DeIRF.Workspaces;
using Nethereum.Hex.HexTypes;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using static BenchTeam;

/// <summary>
/// Issue 7's benchmark: the time from the last quorum signature to the mined, read-back pause() on a real anvil
/// (automine), beside a bare Nethereum call of pause() on the same contract in the same run.
///
/// Each iteration makes a fresh evm.contract.pause proposal (default policy: 2 of ContainmentLead/TriageLead,
/// evidence first); bob signs; carol's did:key signature is made off the clock. Timed: QuorumGate.Sign of carol's
/// signature (one durable entry) and ContainmentRunner.ExecuteAsync: consumption under the journal lock, the
/// provider's connect (eth_chainId check), paused() before, pause() sent from the evm key and its receipt,
/// paused() read back, and the durable containment.applied entry. The baseline is Nethereum's contract handler sending
/// pause() and waiting for the receipt, nothing else. unpause() (untimed) after each timed run on both sides.
/// </summary>
internal static class ChainBench
{
    private const int Warmup = 2;
    private const int Iterations = 15;

    private const string TokenSource = """
        // SPDX-License-Identifier: MIT
        pragma solidity ^0.8.20;
        import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
        import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

        contract DeirfBenchPausable is Pausable, Ownable {
            constructor(address owner_) Ownable(owner_) {}
            function pause() external onlyOwner { _pause(); }
            function unpause() external onlyOwner { _unpause(); }
        }
        """;

    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var root = RepoRoot();
        var bin = root is null ? null : Path.Combine(root, "tools", "chain", "node_modules", ".bin");
        var anvil = bin is null ? null : Path.Combine(bin, "anvil");
        var solcjs = bin is null ? null : Path.Combine(bin, "solcjs");
        if (anvil is null || !File.Exists(anvil) || !File.Exists(solcjs))
        {
            Console.Error.WriteLine("evm: anvil or solcjs missing (build.ps1 bootstrap installs them into tools/chain): rows skipped");
            return new[] { ("Last signature → mined pause()", "skipped: anvil/solcjs not installed", "—", "—", "—") };
        }
        var (abi, bytecode) = Compile(solcjs!, Path.Combine(root!, "tools", "chain", "node_modules"));
        using var node = Anvil.Start(anvil);

        var pauserKey = EthECKey.GenerateKey();
        var keyHex = "0x" + Convert.ToHexString(pauserKey.GetPrivateKeyAsBytes()).ToLowerInvariant();
        var pauser = Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(pauserKey.GetPublicAddress());
        node.Rpc("anvil_setBalance", pauser, "0x56BC75E2D63100000");
        var web3 = new Web3(new Account(keyHex, 31337), node.Url);
        string Deploy()
        {
            var r = web3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(abi, bytecode, pauser, new HexBigInteger(3_000_000), null, pauser).GetAwaiter().GetResult();
            Check(r.Status.Value == 1, "deployment reverted");
            return Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(r.ContractAddress);
        }
        var deirfToken = Deploy();
        var bareToken = Deploy();
        var target = $"eip155:31337:{deirfToken}";

        var options = new JournalAppendOptions(); // durable, as the cmdlets append
        var (ws, inc, seeds) = Create(Path.Combine(work, "chain"), "evm benchmark", target, options);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["rpc"] = node.Url };
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal) { ["evmKey"] = keyHex };
        var provider = ContainmentProviders.Find(ChainProvider.Pause);
        var signer = Signatures.SignerFor(ProofKind.DidKey);
        var pauseHandler = web3.Eth.GetContractTransactionHandler<PauseFunction>();
        var unpauseHandler = web3.Eth.GetContractTransactionHandler<UnpauseFunction>();

        var deirf = new List<double>();
        var signOnly = new List<double>();
        var bare = new List<double>();
        for (int i = 0; i < Warmup + Iterations; i++)
        {
            var p = QuorumGate.Propose(ws, inc, ChainProvider.Pause, target, parameters, "bob", null, null, options);
            QuorumGate.Sign(ws, inc, p.Id, "bob", SignWith(signer, seeds.Bob, p), null, "bob", options);
            var carol = SignWith(signer, seeds.Carol, p);
            var request = ContainmentRunner.RequestFor(ws, p, "bob", secrets, options);
            var block = node.BlockNumber;
            var sw = Stopwatch.StartNew();
            QuorumGate.Sign(ws, inc, p.Id, "carol", carol, null, "carol", options);
            double signed = sw.Elapsed.TotalSeconds;
            var record = ContainmentRunner.ExecuteAsync(ws, p, request, "bob", options, null, CancellationToken.None).GetAwaiter().GetResult();
            double total = sw.Elapsed.TotalSeconds;
            Check(record.Verified && record.Outcome == "Applied", "pause did not verify: " + record.Message);
            Check(node.BlockNumber == block + 1, "expected exactly one mined transaction");
            var undo = provider.UndoAsync(request, (JsonObject)JsonNode.Parse(record.UndoState)!, CancellationToken.None).GetAwaiter().GetResult();
            Check(undo.Verified, "unpause did not verify: " + undo.Message);

            sw.Restart();
            var receipt = pauseHandler.SendRequestAndWaitForReceiptAsync(bareToken, new PauseFunction()).GetAwaiter().GetResult();
            double plain = sw.Elapsed.TotalSeconds;
            Check(receipt.Status.Value == 1, "bare pause reverted");
            Check(unpauseHandler.SendRequestAndWaitForReceiptAsync(bareToken, new UnpauseFunction()).GetAwaiter().GetResult().Status.Value == 1, "bare unpause reverted");

            if (i >= Warmup)
            {
                deirf.Add(total);
                signOnly.Add(signed);
                bare.Add(plain);
            }
        }
        Check(ws.JournalOf(inc).Verify().IsValid, "benchmark incident journal did not verify");

        double deirfMs = MedianOf(deirf) * 1000, signMs = MedianOf(signOnly) * 1000, bareMs = MedianOf(bare) * 1000;
        Console.Error.WriteLine($"evm: last signature → mined, read-back pause() {deirfMs:F1} ms (signature {signMs:F1} ms), bare Nethereum pause() {bareMs:F1} ms (medians of {Iterations})");
        return new[]
        {
            ($"Last quorum signature → mined, read-back pause() (Sign + ContainmentRunner.ExecuteAsync, anvil automine; median of {Iterations}, fresh proposal each)",
                $"{deirfMs:F1} ms (signature row {signMs:F1} ms)",
                $"bare Nethereum `pause()` + receipt: {bareMs:F1} ms",
                $"{deirfMs / bareMs:F2}× (+{deirfMs - bareMs:F1} ms)", "—"),
            ContractAccountRow(node, solcjs!, root!, web3, pauserKey, pauser),
        };
    }

    private const int VerifyIterations = 51;


    /// <summary>
    /// Issue 21: one ContractAccount signature check (eth_chainId, the latest block, eth_getCode and the eth_call of
    /// isValidSignature, each a bounded request) beside one bare eth_call of isValidSignature on the same account.
    /// </summary>
    private static (string, string, string, string, string) ContractAccountRow(Anvil node, string solcjs, string root, Web3 web3, EthECKey owner, string ownerAddress)
    {
        // The Lens-style account the ContractAccount tests deploy (owner plus managers).
        var source = File.ReadAllText(Path.Combine(root, "tests", "shared", "contracts", "DeirfTestAccount.sol"));
        var (abi, bytecode) = Compile(solcjs, Path.Combine(root, "tools", "chain", "node_modules"), "DeirfTestAccount", source);
        var deployed = web3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(abi, bytecode, ownerAddress, new HexBigInteger(3_000_000), null, ownerAddress).GetAwaiter().GetResult();
        Check(deployed.Status.Value == 1, "account deployment reverted");
        var account = Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(deployed.ContractAddress);
        var kind = new ContractAccountKind(_ => node.Url);
        var key = kind.ParsePublicKey($"eip155:31337:{account}#lens:bench");
        var payload = Encoding.UTF8.GetBytes("{\"domain\":\"deirf/proof-binding/v1\",\"handle\":\"bench\"}");
        var hash = new EthereumMessageSigner().HashPrefixedMessage(payload);
        var ecdsa = owner.SignAndCalculateV(hash);
        var signature = new byte[65];
        ecdsa.R.CopyTo(signature, 32 - ecdsa.R.Length);
        ecdsa.S.CopyTo(signature, 64 - ecdsa.S.Length);
        signature[64] = ecdsa.V[^1];
        var text = ContractAccountKind.FormatSignature(signature);
        var callData = "0x" + Convert.ToHexString(ContractAccountKind.EncodeIsValidSignature(hash, signature)).ToLowerInvariant();

        var deirf = new List<double>();
        var bare = new List<double>();
        for (int i = 0; i < Warmup + VerifyIterations; i++)
        {
            var sw = Stopwatch.StartNew();
            var check = kind.Verify(key, payload, text, VerificationContext.Default);
            double verified = sw.Elapsed.TotalSeconds;
            Check(check.IsValid, "the account signature did not verify: " + check.Reason);
            sw.Restart();
            var answer = node.Rpc("eth_call", new Dictionary<string, string> { ["to"] = account, ["data"] = callData }, "latest")!.GetValue<string>();
            double plain = sw.Elapsed.TotalSeconds;
            Check(answer.StartsWith("0x1626ba7e", StringComparison.Ordinal), "bare eth_call did not answer the magic value");
            if (i >= Warmup)
            {
                deirf.Add(verified);
                bare.Add(plain);
            }
        }
        double deirfMs = MedianOf(deirf) * 1000, bareMs = MedianOf(bare) * 1000;
        Console.Error.WriteLine($"evm: ContractAccount verify {deirfMs:F2} ms, bare eth_call {bareMs:F2} ms (medians of {VerifyIterations})");
        return ($"ContractAccount (ERC-1271) signature check against anvil (eth_chainId, latest block, eth_getCode, eth_call of isValidSignature; median of {VerifyIterations})",
            $"{deirfMs:F2} ms",
            $"one bare `eth_call` of isValidSignature: {bareMs:F2} ms",
            $"{deirfMs / bareMs:F2}× (+{deirfMs - bareMs:F2} ms)", "—");
    }

    private static (string Abi, string Bytecode) Compile(string solcjs, string nodeModules, string contract = "DeirfBenchPausable", string source = TokenSource)
    {
        var dir = Directory.CreateTempSubdirectory("deirf-bench-solc-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, contract + ".sol"), source);
            var input = new JsonObject
            {
                ["language"] = "Solidity",
                ["sources"] = new JsonObject { [contract + ".sol"] = new JsonObject { ["urls"] = new JsonArray(contract + ".sol") } },
                ["settings"] = new JsonObject
                {
                    ["optimizer"] = new JsonObject { ["enabled"] = true, ["runs"] = 200 },
                    ["outputSelection"] = new JsonObject { ["*"] = new JsonObject { ["*"] = new JsonArray("abi", "evm.bytecode.object") } },
                },
            };
            File.WriteAllText(Path.Combine(dir.FullName, "in.json"), input.ToJsonString());
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.FullName };
            foreach (var a in new[] { "-c", "exec \"$0\" --standard-json --base-path \"$1\" --include-path \"$2\" < in.json > out.json", solcjs, dir.FullName, nodeModules })
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            var stdout = File.ReadAllText(Path.Combine(dir.FullName, "out.json"));
            var json = JsonNode.Parse(stdout[stdout.IndexOf('{')..])!;
            var c = json["contracts"]?[contract + ".sol"]?[contract]
                ?? throw new InvalidOperationException($"solcjs failed ({p.ExitCode}): {json["errors"]?.ToJsonString()} {stderr.Result}");
            return (c["abi"]!.ToJsonString(), c["evm"]!["bytecode"]!["object"]!.GetValue<string>());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string? RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeIRF.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName;
    }

    /// <summary>anvil on 127.0.0.1 on a free port (automine), stopped by its PID.</summary>
    private sealed class Anvil : IDisposable
    {
        private static readonly HttpClient Http = new();
        private readonly Process _process;

        private Anvil(Process process, int port)
        {
            _process = process;
            Url = $"http://127.0.0.1:{port}";
        }

        public string Url { get; }

        public static Anvil Start(string anvil)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var psi = new ProcessStartInfo(anvil) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--host", "127.0.0.1", "--port", port.ToString(), "--chain-id", "31337", "--accounts", "1", "--mnemonic-random" })
            {
                psi.ArgumentList.Add(a);
            }
            var process = Process.Start(psi)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var node = new Anvil(process, port);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                try
                {
                    node.Rpc("eth_chainId");
                    return node;
                }
                catch (Exception) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    Thread.Sleep(100);
                }
            }
        }

        public JsonNode? Rpc(string method, params object[] args)
        {
            var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = System.Text.Json.JsonSerializer.SerializeToNode(args) };
            using var response = Http.PostAsync(Url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
            var json = JsonNode.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult())!;
            return json["error"] is { } error ? throw new InvalidOperationException($"{method}: {error.ToJsonString()}") : json["result"];
        }

        public long BlockNumber => Convert.ToInt64(Rpc("eth_blockNumber")!.GetValue<string>(), 16);

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }
}
