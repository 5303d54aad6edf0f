using System.Diagnostics;
using System.Text;

namespace DeIRF.Sync;

/// <summary>
/// The real <c>git</c> command line, run in one repository with a fixed, identity-independent configuration: no
/// pager, no prompts (a sync from cron must fail rather than wait for a password), LF line ends kept as stored.
/// </summary>
public sealed class GitCli
{
    private readonly string _git;

    public GitCli(string workingDirectory, string? gitPath = null)
    {
        WorkingDirectory = workingDirectory;
        _git = gitPath ?? Find() ?? throw new SyncException("GitNotFound", DeirfErrorKind.ResourceUnavailable,
            "git is not installed or not on PATH; Sync-DeirfWorkspace uses the git command line.", "git");
    }

    public string WorkingDirectory { get; }

    /// <summary>How long one git command may run (network fetch and push included).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The <c>-c</c> settings every git call runs with (docs/sync.md, "What a sync refuses").</summary>
    public static readonly IReadOnlyList<string> HardenedConfig =
    [
        "core.autocrlf=false", "core.safecrlf=false", "core.quotepath=false", "gc.auto=0",
        "core.hooksPath=" + (OperatingSystem.IsWindows() ? "NUL" : "/dev/null"), "core.fsmonitor=false", "core.symlinks=false",
        "core.protectNTFS=true", "core.protectHFS=true",
        "protocol.allow=never", "protocol.file.allow=always", "protocol.git.allow=always", "protocol.ssh.allow=always", "protocol.https.allow=always",
        "submodule.recurse=false", "fetch.recurseSubmodules=false",
    ];

    public static string? Find() => FindOnPath("git");

    /// <summary>A tool on PATH (with .exe / .cmd on Windows), or null.</summary>
    public static string? FindOnPath(string tool)
    {
        var names = OperatingSystem.IsWindows() ? new[] { tool + ".exe", tool + ".cmd" } : new[] { tool };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string Text => Encoding.UTF8.GetString(Stdout).TrimEnd('\n', '\r');
    }

    /// <summary>Runs git; a non-zero exit is returned, not thrown.</summary>
    public Result TryRun(IEnumerable<string> args, byte[]? stdin = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(_git)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory,
        };
        // Fixed behaviour whatever the user's git config: no pager, no prompt, no autocrlf rewriting journal bytes;
        // and nothing the remote could plant runs: no hooks, no fsmonitor command, no symbolic links checked out,
        // transports limited to the ones a workspace remote uses (no ext::, no fd::).
        foreach (var a in HardenedConfig)
        {
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(a);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        // The system-wide config is not ours to trust; hooks and fsmonitor are off above whatever any config says.
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        psi.Environment.Remove("GIT_DIR");
        psi.Environment.Remove("GIT_WORK_TREE");
        psi.Environment.Remove("GIT_CONFIG_PARAMETERS");
        psi.Environment.Remove("GIT_CONFIG_COUNT");
        psi.Environment.Remove("GIT_EXTERNAL_DIFF");
        psi.Environment["GIT_PAGER"] = "cat";
        psi.Environment["LC_ALL"] = "C";
        using var p = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var outTask = p.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
        var errTask = p.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
        }
        p.StandardInput.Close();
        using (cancellationToken.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            if (!p.WaitForExit(Timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new SyncException("GitTimeout", DeirfErrorKind.ResourceUnavailable, $"git {Describe(args)} did not finish within {Timeout.TotalSeconds:0} s.", WorkingDirectory);
            }
            p.WaitForExit();
        }
        cancellationToken.ThrowIfCancellationRequested();
        outTask.GetAwaiter().GetResult();
        return new Result(p.ExitCode, stdout.ToArray(), errTask.GetAwaiter().GetResult());
    }

    /// <summary>Runs git and throws <see cref="SyncException"/> (GitFailed) on a non-zero exit.</summary>
    public Result Run(IEnumerable<string> args, byte[]? stdin = null, CancellationToken cancellationToken = default)
    {
        var r = TryRun(args, stdin, cancellationToken);
        if (r.ExitCode != 0)
        {
            throw new SyncException("GitFailed", DeirfErrorKind.InvalidOperation,
                $"git {Describe(args)} failed (exit {r.ExitCode}): {r.Stderr.Trim()}", WorkingDirectory);
        }
        return r;
    }

    public string Text(params string[] args) => Run(args).Text;

    /// <summary>The commit a revision names, or null when it does not exist.</summary>
    public string? RevParse(string rev)
    {
        var r = TryRun(["rev-parse", "--verify", "--quiet", rev + "^{commit}"]);
        return r.ExitCode == 0 ? r.Text : null;
    }

    /// <summary>path → blob id of every file in a commit's tree.</summary>
    public Dictionary<string, string> Tree(string commit)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rec in Split0(Run(["ls-tree", "-r", "-z", "--full-tree", commit]).Stdout))
        {
            // "<mode> blob <id>\t<path>"
            int tab = rec.IndexOf('\t');
            var meta = rec[..tab].Split(' ');
            if (meta[1] == "blob")
            {
                files[rec[(tab + 1)..]] = meta[2];
            }
        }
        return files;
    }

    /// <summary>Every file entry of a commit's tree with its mode, type and size (checked before any blob is read).</summary>
    public IReadOnlyList<SyncTreeEntry> Entries(string commit) => ParseEntries(Run(["ls-tree", "-r", "-l", "-z", "--full-tree", commit]).Stdout);

    /// <summary>
    /// Parses <c>git ls-tree -r -l -z</c> output: "&lt;mode&gt; &lt;type&gt; &lt;id&gt; &lt;size&gt;\t&lt;path&gt;" records, size
    /// right-aligned, "-" for a submodule. Anything else is GitOutputInvalid (the fuzz target "sync-tree" drives this).
    /// </summary>
    public static IReadOnlyList<SyncTreeEntry> ParseEntries(byte[] output)
    {
        var entries = new List<SyncTreeEntry>();
        foreach (var rec in Split0(output))
        {
            int tab = rec.IndexOf('\t');
            var meta = tab < 0 ? [] : rec[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (meta.Length != 4 || tab == rec.Length - 1)
            {
                throw new SyncException("GitOutputInvalid", DeirfErrorKind.InvalidData, "git ls-tree printed a record that is not '<mode> <type> <id> <size>\\t<path>'.", rec.Length > 200 ? rec[..200] : rec);
            }
            long size = meta[3] == "-" ? 0
                : long.TryParse(meta[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
                : throw new SyncException("GitOutputInvalid", DeirfErrorKind.InvalidData, $"git ls-tree printed the size '{meta[3]}'.", meta[3]);
            entries.Add(new SyncTreeEntry(meta[0], meta[1], meta[2], size, rec[(tab + 1)..]));
        }
        return entries;
    }

    /// <summary>A blob's bytes; callers read only blobs whose size <see cref="SyncTreePolicy"/> has bounded.</summary>
    public byte[] Blob(string id) => Run(["cat-file", "blob", id]).Stdout;

    /// <summary>Blob ids of working-tree files, in one git process.</summary>
    public IReadOnlyList<string> HashObjects(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            return [];
        }
        var input = Encoding.UTF8.GetBytes(string.Join('\n', paths) + "\n");
        var ids = Run(["hash-object", "--no-filters", "--stdin-paths"], input).Text.Split('\n');
        return ids;
    }

    internal static IEnumerable<string> Split0(byte[] bytes)
        => Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static string Describe(IEnumerable<string> args) => string.Join(' ', args.Take(4));
}
