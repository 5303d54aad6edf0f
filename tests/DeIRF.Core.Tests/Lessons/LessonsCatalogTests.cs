using System.Reflection;
using System.Text;
using Xunit;

namespace DeIRF.Core.Tests.Lessons;

/// <summary>Keeps <see cref="LessonsCatalog"/> honest: every mapped test exists, every case has one, the docs table matches.</summary>
public sealed class LessonsCatalogTests
{
    private static string RepoRoot => ExternalTool.RepoRoot;

    private static readonly HashSet<string> XunitTests = typeof(LessonsCatalogTests).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.GetCustomAttributes().Any(a => a is FactAttribute)) // Theory and the Skippable kinds derive from Fact
            .Select(m => $"{t.Name}.{m.Name}"))
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void EveryMappedTest_Exists()
    {
        var missing = new List<string>();
        foreach (var c in LessonsCatalog.Cases)
        {
            foreach (var test in c.Tests)
            {
                if (test.StartsWith("pester:", StringComparison.Ordinal))
                {
                    var parts = test.Split(':', 3);
                    var file = Path.Combine(RepoRoot, "tests", "pester", parts[1]);
                    var text = File.Exists(file) ? File.ReadAllText(file) : string.Empty;
                    if (!text.Contains("It '" + parts[2].Replace("'", "''") + "'", StringComparison.Ordinal))
                    {
                        missing.Add($"{c.Lesson} / {c.Case}: {test}");
                    }
                }
                else if (!XunitTests.Contains(test) && !IsTheoryRow(test))
                {
                    missing.Add($"{c.Lesson} / {c.Case}: {test}");
                }
            }
        }
        Assert.True(missing.Count == 0, "Mapped tests that no longer exist (renamed or deleted? update LessonsCatalog):\n" + string.Join("\n", missing));
    }

    /// <summary>"Class.Method(row)": a theory of this assembly with a data row whose first argument is <c>row</c>.</summary>
    private static bool IsTheoryRow(string test)
    {
        var open = test.IndexOf('(', StringComparison.Ordinal);
        if (open < 0 || !test.EndsWith(')') || !XunitTests.Contains(test[..open]))
        {
            return false;
        }
        var dot = test.IndexOf('.', StringComparison.Ordinal);
        var (typeName, methodName, row) = (test[..dot], test[(dot + 1)..open], test[(open + 1)..^1]);
        var method = typeof(LessonsCatalogTests).Assembly.GetTypes().Where(t => t.Name == typeName)
            .Select(t => t.GetMethod(methodName, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)).Single(m => m is not null)!;
        return method.GetCustomAttributes<Xunit.Sdk.DataAttribute>().SelectMany(d => d.GetData(method))
            .Any(args => args.Length > 0 && args[0]?.ToString() == row);
    }

    [Fact]
    public void EveryCase_HasATestOrAnOwner_AndAReason()
    {
        Assert.All(LessonsCatalog.Cases, c =>
        {
            Assert.True(c.Tests.Length > 0 || c.Owner is not null, $"{c.Lesson} / {c.Case} has no test");
            Assert.False(string.IsNullOrWhiteSpace(c.Reason), $"{c.Lesson} / {c.Case} has no reason");
        });
        Assert.Equal(LessonsCatalog.Cases.Count, LessonsCatalog.Cases.Select(c => (c.Lesson, c.Case)).Distinct().Count());
    }

    [Fact]
    public void EveryLessonOfTheSpec_IsInTheCatalog()
    {
        // The SPEC's lesson bullets, by the word each starts with; the catalog groups them under these names.
        var lessons = LessonsCatalog.Cases.Select(c => c.Lesson).ToList();
        foreach (var needle in new[] { "Merkle", "immudb CVE-2022-36111", "immudb CVE-2022-39199", "JCS", "Approvals", "OpenPGP", "SSHSIG", "EIP-191", "did:key",
                     "WebAuthn", "OIDC", "Crash safety", "DFIR-IRIS #287", "DFIR-IRIS #122", "Falco Talon", "Dispatch", "Metrics", "Retrospective" })
        {
            Assert.True(lessons.Any(l => l.Contains(needle, StringComparison.Ordinal)), $"no case for the lesson '{needle}'");
        }
    }

    /// <summary>The "## Attack suite" table of docs/reliability.md.</summary>
    public static string MarkdownTable()
    {
        var sb = new StringBuilder();
        sb.Append("| Lesson | Case | Test(s) | Refused because |\n|---|---|---|---|\n");
        foreach (var c in LessonsCatalog.Cases)
        {
            var tests = c.Tests.Length == 0 ? $"(owned by {c.Owner})" : string.Join("<br>", c.Tests.Select(t => "`" + t.Replace("|", "\\|") + "`"));
            sb.Append($"| {c.Lesson} | {c.Case.Replace("|", "\\|")} | {tests} | {c.Reason.Replace("|", "\\|")} |\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void AttackSuiteTable_InDocs_IsTheCatalog()
    {
        var doc = Path.Combine(RepoRoot, "docs", "reliability.md");
        var table = MarkdownTable();
        if (Environment.GetEnvironmentVariable("DEIRF_WRITE_ATTACK_TABLE") == "1")
        {
            var text = File.ReadAllText(doc);
            const string Begin = "<!-- attack-table:begin -->\n", End = "<!-- attack-table:end -->";
            int b = text.IndexOf(Begin, StringComparison.Ordinal), e = text.IndexOf(End, StringComparison.Ordinal);
            Assert.True(b >= 0 && e > b, "markers missing in docs/reliability.md");
            File.WriteAllText(doc, text[..(b + Begin.Length)] + table + text[e..]);
        }
        Assert.True(File.ReadAllText(doc).Replace("\r\n", "\n").Contains(table, StringComparison.Ordinal),
            "docs/reliability.md '## Attack suite' is not the catalog's table; regenerate it: DEIRF_WRITE_ATTACK_TABLE=1 dotnet test --filter AttackSuiteTable");
    }
}
