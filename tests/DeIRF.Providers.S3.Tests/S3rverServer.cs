using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DeIRF.Providers.S3.Tests;

/// <summary>
/// A real s3rver 3.7.1 (tools/s3, installed by build.ps1 bootstrap) on 127.0.0.1 on a free port, with its data in a
/// temporary directory and one bucket; stopped by its PID. <see cref="Kill"/> and <see cref="Start"/> restart it on the
/// same port and data. Its only account is S3RVER / S3RVER (s3rver's fixed local test key, not a secret).
/// </summary>
public sealed class S3rverServer : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly string _node;
    private Process? _process;

    public S3rverServer(string node, string script, string bucket = "evidence")
    {
        _node = node;
        Script = script;
        Bucket = bucket;
        Directory = System.IO.Directory.CreateTempSubdirectory("deirf-s3rver-").FullName;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Start();
    }

    /// <summary>tools/s3/node_modules/s3rver/bin/s3rver.js above <paramref name="from"/>, or null.</summary>
    public static string? FindScript(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tools", "s3", "node_modules", "s3rver", "bin", "s3rver.js");
            if (File.Exists(candidate))
            {
                return candidate;
            }
            if (File.Exists(Path.Combine(dir.FullName, "DeIRF.sln")))
            {
                return null;
            }
        }
        return null;
    }

    public string Script { get; }
    public string Bucket { get; }
    public string Directory { get; }
    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>Where s3rver keeps the parts of uploads not completed yet (s3rver has no ListMultipartUploads).</summary>
    public string UploadsDirectory => Path.Combine(Directory, Bucket, "._S3rver_uploads");

    public IReadOnlyList<string> OpenUploads()
        => System.IO.Directory.Exists(UploadsDirectory) ? System.IO.Directory.GetDirectories(UploadsDirectory) : [];

    public void Start()
    {
        var psi = new ProcessStartInfo(_node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Script, "--directory", Directory, "--address", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--silent", "--no-vhost-buckets", "--configure-bucket", Bucket })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"s3rver did not start on port {Port} (exited: {_process.HasExited}).");
            }
        }
    }

    /// <summary>Kills the server by its PID, at once (no graceful close of open connections).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
        _process?.Dispose();
        try
        {
            DeIRF.Testing.TestArtifacts.Delete(Directory);
        }
        catch (IOException)
        {
        }
    }
}
