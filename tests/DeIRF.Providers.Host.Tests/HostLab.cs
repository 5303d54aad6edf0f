using System.Diagnostics;
using System.Security.Cryptography;
using DeIRF.Core.Tests;
using DeIRF.Testing;
using Xunit;

namespace DeIRF.Providers.Host.Tests;

/// <summary>
/// Three network namespaces made for this run and removed after it: "h" (the host: a real sshd and real nft),
/// "m" (management, 10.77.1.2, where DeIRF's ssh runs through a DEIRF_SSH wrapper) and "p" (an outside prober,
/// 10.77.2.2, with a listener the host can reach until it is quarantined). veth pairs link h-m and h-p; nothing
/// else is reachable. Every process started here is stopped by its PID.
/// </summary>
public sealed class HostLab : IDisposable
{
    public const string HostOnManagement = "10.77.1.1";
    public const string Management = "10.77.1.2";
    public const string HostOnProbe = "10.77.2.1";
    public const string Prober = "10.77.2.2";
    public const string ManagementNet = "10.77.1.0/24";

    private readonly object _gate = new();
    private bool _started;
    private readonly List<Process> _processes = new();
    private readonly List<string> _namespaces = new();

    public string Id { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
    public string Dir { get; private set; } = string.Empty;
    public string HostNs => $"deirf-host-{Id}-h";
    public string ManagementNs => $"deirf-host-{Id}-m";
    public string ProberNs => $"deirf-host-{Id}-p";
    public int SshPort { get; private set; }
    public int ProbePort { get; private set; }
    public string ClientKey => Path.Combine(Dir, "client_ed25519");

    /// <summary>A key sshd does not know: it gets in only with a certificate from <see cref="CaKey"/>.</summary>
    public string CertKey => Path.Combine(Dir, "cert_ed25519");

    /// <summary>The helper installed on the host, as a certificate's force-command runs it.</summary>
    public string InstalledHelper => Path.Combine(Dir, "deirf-quarantine");
    public string CaKey => Path.Combine(Dir, "ca_ed25519");
    public string HostKeyFingerprint { get; private set; } = string.Empty;
    public string HostKnownHosts => Path.Combine(Dir, "known_hosts");
    public string SshWrapper => Path.Combine(Dir, "ssh-in-management");

    /// <summary>Starts the lab on first use: skips (or fails under CI=true) without root, ip, sshd, nft.</summary>
    public HostLab Require()
    {
        lock (_gate)
        {
            if (_started)
            {
                return this;
            }
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            {
                if (ExternalTool.UnderCi)
                {
                    throw new InvalidOperationException("The host.quarantine lab needs Linux and root (ip netns) under CI=true.");
                }
                Skip.If(true, "The host.quarantine lab needs Linux and root (ip netns add).");
            }
            Ip = ExternalTool.Require("ip");
            Sshd = ExternalTool.Find("sshd") ?? (File.Exists("/usr/sbin/sshd") ? "/usr/sbin/sshd" : ExternalTool.Require("sshd"));
            Nft = ExternalTool.Find("nft") ?? (File.Exists("/usr/sbin/nft") ? "/usr/sbin/nft" : ExternalTool.Require("nft"));
            SshKeygen = ExternalTool.Require("ssh-keygen");
            SshClient = ExternalTool.Require("ssh");
            Start();
            _started = true;
            return this;
        }
    }

    public string Ip { get; private set; } = "ip";
    public string Sshd { get; private set; } = "sshd";
    public string Nft { get; private set; } = "nft";
    public string SshKeygen { get; private set; } = "ssh-keygen";
    public string SshClient { get; private set; } = "ssh";

    private void Start()
    {
        Dir = TestArtifacts.NewDirectory("deirf-hostlab-");
        foreach (var ns in new[] { HostNs, ManagementNs, ProberNs })
        {
            Must(Ip, "netns", "add", ns);
            _namespaces.Add(ns);
            Must(Ip, "-n", ns, "link", "set", "lo", "up");
        }
        Link($"dq{Id}hm", HostNs, HostOnManagement, $"dq{Id}mh", ManagementNs, Management);
        Link($"dq{Id}hp", HostNs, HostOnProbe, $"dq{Id}ph", ProberNs, Prober);

        Must(SshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "lab-host", "-f", Path.Combine(Dir, "host_ed25519"));
        Must(SshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "lab-client", "-f", ClientKey);
        Must(SshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "lab-ca", "-f", CaKey);
        TestArtifacts.RegisterKeyFile("ssh", Path.Combine(Dir, "host_ed25519"));
        TestArtifacts.RegisterKeyFile("ssh", ClientKey);
        TestArtifacts.RegisterKeyFile("ssh", CaKey);
        Must(SshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "lab-cert", "-f", CertKey);
        TestArtifacts.RegisterKeyFile("ssh", CertKey);
        File.WriteAllText(InstalledHelper, HostQuarantineProvider.HelperScript);
        File.SetUnixFileMode(InstalledHelper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.Copy(ClientKey + ".pub", Path.Combine(Dir, "authorized_keys"));
        HostKeyFingerprint = Fingerprint(Path.Combine(Dir, "host_ed25519.pub"));

        SshPort = Random.Shared.Next(20000, 40000);
        ProbePort = SshPort + 1;
        File.WriteAllText(HostKnownHosts, $"[{HostOnManagement}]:{SshPort} {File.ReadAllText(Path.Combine(Dir, "host_ed25519.pub")).Trim()}\n");
        Directory.CreateDirectory("/run/sshd");
        StartSshd(HostNs, SshPort, "host");
        // The prober's listener: any TCP server answers a connect; a second sshd is the one this machine has.
        StartSshd(ProberNs, ProbePort, "prober");

        File.WriteAllText(SshWrapper, $"#!/bin/sh\nexec {Ip} netns exec {ManagementNs} {SshClient} \"$@\"\n");
        File.SetUnixFileMode(SshWrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("DEIRF_SSH", SshWrapper);

        WaitForPort(ManagementNs, HostOnManagement, SshPort);
        WaitForPort(HostNs, Prober, ProbePort);
    }

    private void Link(string a, string nsA, string addrA, string b, string nsB, string addrB)
    {
        Must(Ip, "link", "add", a, "type", "veth", "peer", "name", b);
        Must(Ip, "link", "set", a, "netns", nsA);
        Must(Ip, "link", "set", b, "netns", nsB);
        Must(Ip, "-n", nsA, "addr", "add", addrA + "/24", "dev", a);
        Must(Ip, "-n", nsB, "addr", "add", addrB + "/24", "dev", b);
        Must(Ip, "-n", nsA, "link", "set", a, "up");
        Must(Ip, "-n", nsB, "link", "set", b, "up");
    }

    private void StartSshd(string ns, int port, string name)
    {
        var config = Path.Combine(Dir, $"sshd_{name}.conf");
        File.WriteAllText(config, string.Join('\n',
            $"Port {port}",
            "ListenAddress 0.0.0.0",
            $"HostKey {Path.Combine(Dir, "host_ed25519")}",
            $"PidFile {Path.Combine(Dir, $"sshd_{name}.pid")}",
            $"AuthorizedKeysFile {Path.Combine(Dir, "authorized_keys")}",
            $"TrustedUserCAKeys {CaKey}.pub",
            $"AuthorizedPrincipalsFile {Path.Combine(Dir, "principals")}",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "LogLevel VERBOSE",
            string.Empty));
        File.WriteAllText(Path.Combine(Dir, "principals"), "deirf-quarantine\n");
        var psi = new ProcessStartInfo(Ip) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "netns", "exec", ns, Sshd, "-D", "-e", "-f", config })
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        var log = Path.Combine(Dir, $"sshd_{name}.log");
        _ = Task.Run(async () =>
        {
            while (await p.StandardError.ReadLineAsync() is { } line)
            {
                lock (_gate)
                {
                    File.AppendAllText(log, line + "\n");
                }
            }
        });
        _processes.Add(p);
    }

    /// <summary>Signs <see cref="CertKey"/> as the team CA would (ssh-keygen -s), for the given force-command and validity.</summary>
    public void IssueCertificate(string keyId, string forceCommand, string validity = "-30s:+5m", string principal = "deirf-quarantine")
    {
        File.Delete(CertKey + "-cert.pub");
        Must(SshKeygen, "-q", "-s", CaKey, "-I", keyId, "-n", principal, "-z", "7", "-V", validity, "-O", "clear", "-O", "force-command=" + forceCommand, CertKey + ".pub");
    }

    public string SshdLog => File.Exists(Path.Combine(Dir, "sshd_host.log")) ? File.ReadAllText(Path.Combine(Dir, "sshd_host.log")) : string.Empty;

    public string Fingerprint(string publicKeyFile)
    {
        var (code, output, error) = ExternalTool.Run(SshKeygen, ["-lf", publicKeyFile, "-E", "sha256"]);
        Assert.True(code == 0, error);
        return output.Split(' ')[1];
    }

    private void WaitForPort(string ns, string host, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!CanConnect(ns, host, port))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{host}:{port} did not come up in {ns}: {SshdLog}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>A TCP connect from inside <paramref name="ns"/> (bash /dev/tcp, 2 s).</summary>
    public bool CanConnect(string ns, string host, int port)
        => ExternalTool.Run(Ip, ["netns", "exec", ns, "timeout", "2", "bash", "-c", $"exec 3<>/dev/tcp/{host}/{port}"], timeout: TimeSpan.FromSeconds(10)).ExitCode == 0;

    /// <summary>The quarantine table as the host's nft lists it (JSON), or null when it is not loaded.</summary>
    public string? TableOnHost()
    {
        var (code, output, _) = ExternalTool.Run(Ip, ["netns", "exec", HostNs, Nft, "-j", "list", "table", "inet", "deirf_quarantine"]);
        return code == 0 ? output : null;
    }

    public void HostNft(params string[] args)
        => Must(Ip, ["netns", "exec", HostNs, Nft, .. args]);

    /// <summary>Leaves the host as it was before a test: no quarantine table.</summary>
    public void Reset()
    {
        if (TableOnHost() is not null)
        {
            HostNft("delete", "table", "inet", "deirf_quarantine");
        }
    }

    /// <summary>Waits until the host has no quarantine table; returns how long it took, or null on timeout.</summary>
    public TimeSpan? WaitForNoTable(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (TableOnHost() is null)
            {
                return sw.Elapsed;
            }
            Thread.Sleep(200);
        }
        return null;
    }

    public static (int Code, string Out, string Err) Run(string file, params string[] args) => ExternalTool.Run(file, args, timeout: TimeSpan.FromSeconds(30));

    private static void Must(string file, params string[] args)
    {
        var (code, output, error) = ExternalTool.Run(file, args, timeout: TimeSpan.FromSeconds(30));
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {error}{output}");
        }
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        foreach (var ns in _namespaces)
        {
            ExternalTool.Run(Ip, ["netns", "del", ns]);
        }
        if (Dir.Length > 0)
        {
            TestArtifacts.Delete(Dir);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HostLabCollection : ICollectionFixture<HostLab>
{
    public const string Name = "host-lab";
}
