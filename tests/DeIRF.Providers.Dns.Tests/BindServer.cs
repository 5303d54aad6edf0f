using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace DeIRF.Providers.Dns.Tests;

/// <summary>
/// A real BIND 9 <c>named</c> on 127.0.0.1 on a free port: generated named.conf in a temporary folder, one primary
/// zone that accepts dynamic updates signed with a TSIG key generated now, foreground (-g), no chroot, no rndc.
/// Stopped by its PID on dispose. Shared by the xUnit tests and the benchmark (no xUnit dependency here).
/// </summary>
public sealed class BindServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private BindServer(Process process, StringBuilder log, string directory, int port, string zone, string keyName, string secret)
    {
        _process = process;
        _log = log;
        Directory = directory;
        Port = port;
        Zone = zone;
        KeyName = keyName;
        SecretBase64 = secret;
    }

    public string Directory { get; }
    public int Port { get; }
    public string Zone { get; }
    public string KeyName { get; }
    public string Algorithm => "hmac-sha256";

    /// <summary>Generated at start, lives only in this process and the temporary folder.</summary>
    public string SecretBase64 { get; }

    public int ProcessId => _process.Id;
    public string Server => $"127.0.0.1:{Port}";

    /// <summary>A key file for <c>nsupdate -k</c> (mode 600, in the temporary folder).</summary>
    public string KeyFile => Path.Combine(Directory, "tsig.key");

    public string Log { get { lock (_log) { return _log.ToString(); } } }

    /// <summary>Full path of named (PATH, then /usr/sbin where Debian puts it), or null.</summary>
    public static string? FindNamed() => FindTool("named");

    public static string? FindTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                     .Concat(new[] { "/usr/sbin", "/usr/bin", "/sbin" }))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <param name="records">Zone file lines after SOA and NS, relative to the zone ("api 300 IN A 192.0.2.10").</param>
    /// <param name="readOnlyZone">Optional second zone that refuses every update (to see REFUSED).</param>
    public static BindServer Start(string namedPath, string zone, IEnumerable<string> records, string keyName = "deirf-tsig", string? readOnlyZone = null)
    {
        zone = zone.TrimEnd('.');
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("tsig secret", Convert.FromBase64String(secret));
        var recordLines = records.ToList();
        Exception? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var dir = System.IO.Directory.CreateTempSubdirectory("deirf-named-").FullName;
            int port = FreePort();
            try
            {
                return StartOnce(namedPath, dir, port, zone, recordLines, keyName, secret, readOnlyZone?.TrimEnd('.'));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                last = ex; // most likely the port was taken between probe and bind: try another
                TryDelete(dir);
            }
        }
        throw new InvalidOperationException("named did not start after 3 attempts", last);
    }

    private static BindServer StartOnce(string namedPath, string dir, int port, string zone, List<string> records, string keyName, string secret,
        string? readOnlyZone)
    {
        var zoneFile = Path.Combine(dir, zone + ".db");
        var readOnlyBlock = string.Empty;
        if (readOnlyZone is not null)
        {
            var readOnlyFile = Path.Combine(dir, readOnlyZone + ".db");
            File.WriteAllText(readOnlyFile, $"$ORIGIN {readOnlyZone}.\n$TTL 300\n@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 60\n"
                + $"@ IN NS ns1.{zone}.\nwww IN A 192.0.2.200\n");
            readOnlyBlock = $"zone \"{readOnlyZone}\" {{ type primary; file \"{readOnlyFile}\"; allow-update {{ none; }}; }};\n";
        }
        var zoneText = new StringBuilder()
            .Append("$ORIGIN ").Append(zone).AppendLine(".")
            .AppendLine("$TTL 300")
            .AppendLine($"@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 60")
            .AppendLine($"@ IN NS ns1.{zone}.")
            .AppendLine("ns1 IN A 127.0.0.1");
        foreach (var line in records)
        {
            zoneText.AppendLine(line);
        }
        File.WriteAllText(zoneFile, zoneText.ToString());

        var keyBlock = $"key \"{keyName}\" {{\n  algorithm hmac-sha256;\n  secret \"{secret}\";\n}};\n";
        var keyFile = Path.Combine(dir, "tsig.key");
        File.WriteAllText(keyFile, keyBlock);
        DeIRF.Testing.TestArtifacts.RegisterKeyFile("tsig secret", keyFile);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var conf = Path.Combine(dir, "named.conf");
        File.WriteAllText(conf, $$"""
            options {
              directory "{{dir}}";
              pid-file "{{dir}}/named.pid";
              session-keyfile "{{dir}}/session.key";
              managed-keys-directory "{{dir}}";
              listen-on port {{port}} { 127.0.0.1; };
              listen-on-v6 { none; };
              recursion no;
              dnssec-validation no;
              notify no;
              allow-transfer { none; };
            };
            controls { };
            include "{{keyFile}}";
            zone "{{zone}}" {
              type primary;
              file "{{zoneFile}}";
              allow-update { key "{{keyName}}"; };
            };
            {{readOnlyBlock}}
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(conf, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var psi = new ProcessStartInfo(namedPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var a in new[] { "-g", "-4", "-n", "1", "-c", conf })
        {
            psi.ArgumentList.Add(a);
        }
        var log = new StringBuilder();
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new BindServer(process, log, dir, port, zone + ".", keyName, secret);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                var text = server.Log;
                server.Dispose();
                throw new InvalidOperationException($"named exited with code {process.ExitCode}:\n{text}");
            }
            if (AnswersSoa(port, zone))
            {
                return server;
            }
            Thread.Sleep(50);
        }
        var tail = server.Log;
        server.Dispose();
        throw new TimeoutException($"named did not answer on 127.0.0.1:{port} within 30 s:\n{tail}");
    }

    /// <summary>A plain SOA query over UDP: true once named answers authoritatively with NOERROR.</summary>
    private static bool AnswersSoa(int port, string zone)
    {
        var query = new List<byte> { 0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        foreach (var label in zone.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }
        query.AddRange(new byte[] { 0x00, 0x00, 0x06, 0x00, 0x01 });
        try
        {
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            udp.Client.ReceiveTimeout = 300;
            udp.Connect(IPAddress.Loopback, port);
            udp.Send(query.ToArray());
            IPEndPoint? from = null;
            var reply = udp.Receive(ref from);
            return reply.Length >= 12 && reply[0] == 0x12 && reply[1] == 0x34 && (reply[2] & 0x04) != 0 && (reply[3] & 0x0F) == 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port free for both TCP and UDP on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        for (int i = 0; i < 50; i++)
        {
            var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // UDP side taken: try another
            }
            finally
            {
                tcp.Stop();
            }
        }
        throw new InvalidOperationException("no free port on 127.0.0.1");
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM first so named shuts down cleanly; SIGKILL if it does not within 5 s.
                if (!OperatingSystem.IsWindows())
                {
                    SysKill(_process.Id, 15);
                }
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        TryDelete(Directory);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
