using System.Diagnostics;
using Xunit;

namespace DeIRF.Core.Tests;

/// <summary>
/// Real command-line peers (gpg, ssh-keygen, git...) for interop tests. Use in a [SkippableFact]:
/// outside CI a missing tool skips the test with a clear reason; under CI=true it fails.
/// </summary>
public static class ExternalTool
{
    /// <summary>The repository checkout these tests were built in (the folder holding DeIRF.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeIRF.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("DeIRF.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Returns the tool's path; skips (outside CI) or fails (CI=true) when it is missing.</summary>
    public static string Require(string name)
    {
        var path = Find(name);
        if (path is null)
        {
            if (UnderCi)
            {
                throw new InvalidOperationException($"{name} is required under CI=true but is not on PATH (build.ps1 bootstrap installs it as root).");
            }
            Skip.If(true, $"{name} is not installed; this interop test needs the real tool.");
        }
        return path!;
    }

    /// <summary>
    /// The pinned PowerShell (the dotnet tool's pwsh.dll in the NuGet cache, restored by `dotnet tool restore`), started
    /// as `dotnet pwsh.dll`: `dotnet pwsh` only works inside the tool manifest's folder tree, and tests run elsewhere.
    /// </summary>
    public static (string FileName, string[] PrefixArguments) RequirePwsh()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var dll = Path.Combine(root, "powershell", "7.6.9", "tools", "net10.0", "any", OperatingSystem.IsWindows() ? "win" : "unix", "pwsh.dll");
        if (!File.Exists(dll))
        {
            if (UnderCi)
            {
                throw new InvalidOperationException($"pwsh 7.6.9 is required under CI=true but {dll} is missing (dotnet tool restore).");
            }
            Skip.If(true, $"pwsh 7.6.9 is not restored at {dll} (dotnet tool restore).");
        }
        return (Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet", [dll]);
    }

    /// <summary>Runs a tool to completion; returns exit code and output. Standard input is closed unless given.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        string? stdin = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var kv in environment)
            {
                psi.Environment[kv.Key] = kv.Value;
            }
        }
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} timed out");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
