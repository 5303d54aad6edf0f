using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using DeIRF.Containment;

namespace DeIRF.Providers.Host;

/// <summary>
/// The system's OpenSSH client (ssh), so the user's config, agent, known_hosts and certificates work as they do in a
/// terminal. Always BatchMode (no prompt) and StrictHostKeyChecking=yes; with pinned fingerprints only those keys are
/// accepted (a KnownHostsCommand that answers for the pinned fingerprint only, checked on the very connection), with a
/// known_hosts file only that file. The program is "ssh" on PATH, or DEIRF_SSH (the operator's own choice of binary).
/// </summary>
internal sealed class OpenSsh : IDisposable
{
    public const string ProgramVariable = "DEIRF_SSH";

    private readonly QuarantineSpec _spec;
    private readonly string _dir;

    public OpenSsh(QuarantineSpec spec)
    {
        _spec = spec;
        _dir = Directory.CreateTempSubdirectory("deirf-ssh-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (spec.HostKeys.Count > 0)
        {
            // Answers with the key ssh was shown only when its fingerprint is a pinned one: nothing else is accepted.
            var script = new StringBuilder("#!/bin/sh\ncase \"$1\" in\n");
            script.Append("  ").Append(string.Join('|', spec.HostKeys.Select(k => "'" + k + "'"))).Append(") printf '%s %s %s\\n' \"$2\" \"$3\" \"$4\" ;;\nesac\nexit 0\n");
            PinScript = Path.Combine(_dir, "pinned-host-key");
            File.WriteAllText(PinScript, script.ToString());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(PinScript, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }
        }
    }

    public static string Program => Environment.GetEnvironmentVariable(ProgramVariable) is { Length: > 0 } p ? p : "ssh";

    private string? PinScript { get; }

    public IReadOnlyList<string> Arguments(string remoteCommand)
    {
        var args = new List<string>
        {
            "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=no",
            "-o", "FingerprintHash=sha256", "-o", $"ConnectTimeout={_spec.ConnectTimeoutSeconds}",
            "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=3",
            // Each run is its own connection: verification must prove that a NEW connection still gets in.
            "-o", "ControlMaster=no", "-o", "ControlPath=none",
            "-p", _spec.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-l", _spec.User,
        };
        if (PinScript is not null)
        {
            args.AddRange(["-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null", "-o", $"KnownHostsCommand={PinScript} %f %H %t %K"]);
        }
        else if (_spec.KnownHosts is not null)
        {
            args.AddRange(["-o", $"UserKnownHostsFile={_spec.KnownHosts}", "-o", "GlobalKnownHostsFile=/dev/null"]);
        }
        if (_spec.IdentityFile is not null)
        {
            args.AddRange(["-i", _spec.IdentityFile, "-o", "IdentitiesOnly=yes"]);
            if (File.Exists(_spec.IdentityFile + "-cert.pub"))
            {
                args.AddRange(["-o", $"CertificateFile={_spec.IdentityFile}-cert.pub"]);
            }
        }
        args.Add("--");
        args.Add(_spec.Host);
        args.Add(remoteCommand);
        return args;
    }

    /// <summary>Starts one SSH connection running <paramref name="remoteCommand"/>, with its input open for the conversation.</summary>
    public SshSession Start(string remoteCommand)
    {
        var psi = new ProcessStartInfo(Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var a in Arguments(remoteCommand))
        {
            psi.ArgumentList.Add(a);
        }
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ContainmentException("HostSshMissing", DeirfErrorKind.ResourceUnavailable,
                $"The OpenSSH client '{Program}' could not be started ({ex.Message}); install openssh-client or set {ProgramVariable}.", _spec.Destination, ex);
        }
        return new SshSession(process, _spec);
    }

    /// <summary>Runs one command to its end (input closed) and returns the helper's reply.</summary>
    public async Task<HelperReply> RunAsync(string remoteCommand, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var session = Start(remoteCommand);
        session.CloseInput();
        var lines = new List<string>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (await session.ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
            {
                lines.Add(line);
            }
            await session.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ContainmentException("HostUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"{_spec.Destination} did not answer within {timeout.TotalSeconds:0} s.", _spec.Destination);
        }
        session.ThrowIfSshFailed();
        return new HelperReply(lines, session.ExitCode, _spec.Destination);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>One running ssh: lines from the remote helper, a way to answer it, and ssh's own verdict from its exit code.</summary>
internal sealed class SshSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly QuarantineSpec _spec;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pumpOut;
    private readonly Task _pumpErr;

    public SshSession(Process process, QuarantineSpec spec)
    {
        _process = process;
        _spec = spec;
        _pumpOut = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _lines.Writer.TryWrite(line);
            }
            _lines.Writer.TryComplete();
        });
        _pumpErr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_stderr)
                {
                    if (_stderr.Length < 16384)
                    {
                        _stderr.AppendLine(line);
                    }
                }
            }
        });
    }

    public int ProcessId => _process.Id;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The next line, or null at the end of output.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _lines.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async Task WriteLineAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteAsync(line + "\n").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ssh is gone: the host decides alone (it reverts).
        }
    }

    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
    }

    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_pumpOut, _pumpErr).ConfigureAwait(false);
    }

    /// <summary>Kills the ssh client (what a dead DeIRF leaves behind: the connection drops and the host decides alone).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>ssh exits 255 for its own failures (host key, authentication, network); anything else is the remote's exit code.</summary>
    public void ThrowIfSshFailed()
    {
        if (_process.HasExited && _process.ExitCode == 255 && SshFailure(Stderr, _spec) is { } ex)
        {
            throw ex;
        }
    }

    internal static ContainmentException? SshFailure(string stderr, QuarantineSpec spec)
    {
        var first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal)).ToList();
        var said = string.Join(" ", first.Take(3));
        if (stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
            || (stderr.Contains("Host key verification failed", StringComparison.Ordinal) && spec.HostKeys.Count > 0))
        {
            return new ContainmentException("HostKeyChanged", DeirfErrorKind.SecurityError,
                $"{spec.Destination} showed a host key that is not the pinned one ({(spec.HostKeys.Count > 0 ? string.Join(", ", spec.HostKeys) : "known_hosts")}); nothing was sent. "
                + "If the host was really re-keyed, pin its new fingerprint in a new proposal.", spec.Destination);
        }
        if (stderr.Contains("Host key verification failed", StringComparison.Ordinal))
        {
            return new ContainmentException("HostKeyUnknown", DeirfErrorKind.SecurityError,
                $"{spec.Destination}'s host key is not known ({(spec.KnownHosts ?? "your known_hosts")}); nothing was sent. Pin it with the hostKey parameter "
                + "(ssh-keygen -lf on the host's key) or a knownHosts file.", spec.Destination);
        }
        if (stderr.Contains("Permission denied", StringComparison.Ordinal))
        {
            return new ContainmentException("HostAuthenticationFailed", DeirfErrorKind.SecurityError,
                $"{spec.Destination} refused the login ({said}). An expired or not yet valid certificate, a principal the host does not accept, "
                + "or a key it does not know are refused the same way.", spec.Destination);
        }
        return new ContainmentException("HostUnreachable", DeirfErrorKind.ResourceUnavailable,
            $"ssh to {spec.Destination} failed: {(said.Length > 0 ? said : "exit 255")}", spec.Destination);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
    }
}
