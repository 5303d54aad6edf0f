using System.Diagnostics;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Core.Tests.Journal;

/// <summary>Temporary journals and the stress tool child process, shared by the journal tests.</summary>
internal static class JournalFixture
{
    public static string NewDirectory() => Directory.CreateTempSubdirectory("deirf-test-").FullName;

    public static JournalFile NewJournal(string dir, int notes, string incident = "INC-20260101-TEST")
    {
        var journal = new JournalFile(Path.Combine(dir, "journal.jsonl"));
        journal.CreateGenesis("ws-test", incident, new StatementDraft(IncidentOpened.KindName, "alice",
            new JsonObject { ["drill"] = false, ["reporter"] = "alice", ["tags"] = new JsonArray(), ["title"] = "test incident" }));
        for (int i = 0; i < notes; i++)
        {
            journal.Append(new StatementDraft(Note.KindName, i % 2 == 0 ? "bob" : "carol", new JsonObject { ["text"] = $"note {i}: containment step" }),
                new JournalAppendOptions { Durable = false });
        }
        return journal;
    }

    /// <summary>The stress tool built beside this test assembly's configuration.</summary>
    public static string StressToolDll
    {
        get
        {
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory); // tests/DeIRF.Core.Tests/bin/<cfg>/net10.0/
            var tfm = baseDir.Name;
            var cfg = baseDir.Parent!.Name;
            var repo = baseDir.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(repo, "tests", "tools", "DeIRF.JournalStress", "bin", cfg, tfm, "DeIRF.JournalStress.dll");
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException("Build the solution first: stress tool not found", dll);
            }
            return dll;
        }
    }

    public static Process StartStress(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(StressToolDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi)!;
    }

    public static (int ExitCode, string Stdout, string Stderr) RunStress(TimeSpan timeout, params string[] args)
    {
        using var p = StartStress(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"stress tool {string.Join(' ', args)} did not finish in {timeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
