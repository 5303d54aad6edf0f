using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Core.Tests;
using Xunit;

namespace DeIRF.Providers.Chain.Tests;

/// <summary>
/// anvil and solcjs as build.ps1 bootstrap installs them (tools/chain/node_modules/.bin), else from PATH. Missing:
/// the test skips outside CI and fails under CI=true (ExternalTool's rule).
/// </summary>
public static class ChainTools
{
    public static string RepoRoot => ExternalTool.RepoRoot;

    public static string NodeModules => Path.Combine(RepoRoot, "tools", "chain", "node_modules");

    public static string Require(string name)
    {
        var local = Path.Combine(NodeModules, ".bin", name);
        return File.Exists(local) ? local : ExternalTool.Require(name);
    }
}

/// <summary>A real anvil on 127.0.0.1 on a free port, automining; stopped by its PID.</summary>
public sealed class AnvilNode : IDisposable
{
    private readonly Process _process;

    public AnvilNode(long chainId = 31337)
    {
        var anvil = ChainTools.Require("anvil");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        ChainId = chainId;
        var psi = new ProcessStartInfo(anvil)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--host", "127.0.0.1", "--port", Port.ToString(), "--chain-id", chainId.ToString(), "--accounts", "1", "--mnemonic-random" })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                Rpc("eth_chainId");
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(100);
            }
        }
    }

    public int Port { get; }
    public long ChainId { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public int ProcessId => _process.Id;

    private static readonly HttpClient Http = new();

    public JsonNode? Rpc(string method, params object[] args)
    {
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(args) };
        using var response = Http.PostAsync(Url, new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
        var json = JsonNode.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult())!;
        if (json["error"] is { } error)
        {
            throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        }
        return json["result"];
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
