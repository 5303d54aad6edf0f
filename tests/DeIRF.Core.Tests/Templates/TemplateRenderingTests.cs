using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Templates;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Templates;

/// <summary>
/// The shipped templates (templates/*.md) rendered against fixed models and compared byte for byte with golden files
/// in Vectors/templates. A template edit that changes the output shows up here as a diff; after reviewing it,
/// regenerate with DEIRF_UPDATE_GOLDEN=1 dotnet test --filter TemplateRenderingTests.
/// </summary>
public class TemplateRenderingTests
{
    private static string Shipped => Path.Combine(AppContext.BaseDirectory, "templates");

    private static Dictionary<string, object?> D(params (string Key, object? Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, object?> KickoffModel(bool drill, bool assigned) => D(
        ("incident", D(("id", "INC-20250314-7F3A"), ("title", "Deploy key for payments-api found in a public gist"),
            ("severity", "P1"), ("impact", "High"), ("urgency", "High"), ("reporter", "alice"),
            ("opened_utc", "2025-03-14 09:12Z"), ("tags", drill ? new object?[] { "drill", "keys" } : new object?[0]),
            ("is_drill", drill), ("tracker_url", assigned ? "https://github.com/acme/payments/security/advisories/GHSA-abcd-1234-wxyz" : null))),
        ("channel", D(("name", "#inc-20250314-7f3a"))),
        ("roles", new object?[]
        {
            D(("role", "Triage Lead"), ("handle", "bob"), ("display_name", "Bob Ndlovu")),
            D(("role", "Comms Lead"), ("handle", assigned ? "carol" : ""), ("display_name", "")),
            D(("role", "Containment Lead"), ("handle", assigned ? "dana" : null), ("display_name", null)),
            D(("role", "Recorder"), ("handle", ""), ("display_name", "")),
        }),
        ("deadlines", assigned
            ? new object?[]
            {
                D(("label", "Triage: severity confirmed, leads assigned"), ("due_utc", "2025-03-14 09:27Z"), ("t_minus", "met"), ("owner", "Triage Lead")),
                D(("label", "First update to affected users / community"), ("due_utc", "2025-03-14 09:42Z"), ("t_minus", "T-25m"), ("owner", "Comms Lead")),
                D(("label", "Containment executed (quorum-signed)"), ("due_utc", "2025-03-14 10:12Z"), ("t_minus", "T-55m"), ("owner", "Containment Lead")),
            }
            : new object?[0]),
        ("journal", D(("workspace", "git@github.com:acme/ir-workspace.git"), ("path", "incidents/INC-20250314-7F3A/journal.jsonl"),
            ("head_seq", 6L), ("head_hash", "9f2c4e1b7a3d5c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"))),
        ("generated_utc", "2025-03-14 09:17Z"));

    private static IReadOnlyDictionary<string, object?> RetroModel() => D(
        ("incident", D(("id", "INC-20250314-7F3A"), ("title", "Deploy key for payments-api found in a public gist"), ("severity", "P1"),
            ("reporter", "alice"), ("opened_utc", "2025-03-14 09:12Z"), ("resolved_utc", "2025-03-14 11:40Z"), ("is_drill", false),
            ("tags", new object?[] { "keys" }))),
        ("retro", D(("due_utc", "2025-03-17 11:40Z"), ("facilitator", "erin"), ("held_utc", null))),
        ("attendees", new object?[] { "alice", "bob", "carol", "dana" }),
        ("roles", new object?[] { D(("role", "Triage Lead"), ("handle", "bob")), D(("role", "Containment Lead"), ("handle", "dana")) }),
        ("timeline", new object?[]
        {
            D(("seq", 0L), ("time_utc", "2025-03-14 09:12Z"), ("actor", "alice"), ("kind", "incident.opened"), ("summary", "Opened by alice"), ("hash", "1111111111111111111111111111111111111111111111111111111111111111")),
            D(("seq", 1L), ("time_utc", "2025-03-14 09:15Z"), ("actor", "bob"), ("kind", "severity.set"), ("summary", "Severity P1 (impact High, urgency High)"), ("hash", "2222222222222222222222222222222222222222222222222222222222222222")),
        }),
        ("metrics", new object?[]
        {
            D(("name", "Time to detect"), ("abbr", "MTTD"), ("start", "key pushed"), ("end", "alert"), ("target", "15m"), ("actual", "9m"), ("met", true)),
            D(("name", "Time to contain"), ("abbr", "MTTC"), ("start", "alert"), ("end", "key revoked"), ("target", "1h"), ("actual", "1h 25m"), ("met", false)),
            D(("name", "Time to recover"), ("abbr", "MTTR"), ("start", "alert"), ("end", "resolved"), ("target", null), ("actual", "2h 28m"), ("met", null)),
        }),
        ("actions", new object?[] { D(("kind", "detection"), ("description", "Alert on deploy keys in public gists"), ("owner", "bob"), ("due_utc", "2025-03-21 00:00Z"), ("link", null)) }),
        ("reward", D(("eligible", true), ("program", "bug bounty"), ("amount", "500 USD"), ("decided_by", "carol"), ("notes", null))),
        ("disclosure", D(("decision", "public"), ("date_utc", "2025-03-20 00:00Z"), ("url", null), ("onchain_tx", null))),
        ("journal", D(("path", "incidents/INC-20250314-7F3A/journal.jsonl"), ("entry_count", 14L), ("head_seq", 13L), ("head_hash", "3333333333333333333333333333333333333333333333333333333333333333"))),
        ("checkpoint", null),
        ("generated_utc", "2025-03-14 12:00Z"));

    public static TheoryData<string, string> Cases => new()
    {
        { "incident-kickoff.md", "kickoff-p1-assigned.md" },
        { "incident-kickoff.md", "kickoff-drill-unassigned.md" },
        { "retro-form.md", "retro-form.md" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ShippedTemplateMatchesGoldenFile(string template, string golden)
    {
        var model = golden switch
        {
            "kickoff-p1-assigned.md" => KickoffModel(drill: false, assigned: true),
            "kickoff-drill-unassigned.md" => KickoffModel(drill: true, assigned: false),
            _ => RetroModel(),
        };
        var actual = TemplateRenderer.RenderFile(Path.Combine(Shipped, template), model);
        CompareWithGolden(golden, actual);
    }

    [Fact]
    public void KickoffCallsOutUnassignedLeadsAndDrill()
    {
        var text = TemplateRenderer.RenderFile(Path.Combine(Shipped, "incident-kickoff.md"), KickoffModel(drill: true, assigned: false));
        Assert.StartsWith("> **DRILL. DRILL. DRILL.**", text);
        Assert.Equal(3, text.Split("**UNASSIGNED: volunteer in this channel**").Length - 1);
        Assert.Contains("No deadlines set yet.", text);
        Assert.DoesNotContain("{{", text);
    }

    [Fact]
    public void ParseErrorNamesFileLineAndColumn()
    {
        var ex = Assert.Throws<TemplateException>(() => TemplateRenderer.Render("line one\nline two\n{{ for x in }}\n", D(), "team/kickoff.md"));
        Assert.Equal("TemplateParseError", ex.ErrorId);
        Assert.StartsWith("team/kickoff.md:3:", ex.Location);
        Assert.Contains("team/kickoff.md:3:", ex.Message);
        Assert.Equal(ex.Location, ex.Target);
    }

    [Fact]
    public void RuntimeErrorNamesLine()
    {
        var ex = Assert.Throws<TemplateException>(() => TemplateRenderer.Render("ok\n{{ for i in 1..100000 }}{{ end }}\n", D(), "retro.md"));
        Assert.Equal("TemplateRenderError", ex.ErrorId);
        Assert.StartsWith("retro.md:2:", ex.Location);
    }

    [Fact]
    public void TemplatesSeeOnlyTheModelNotDotNet()
    {
        // A team-edited template must not reach .NET: the model object is exposed as plain data only.
        var model = D(("incident", D(("id", "INC-1"))));
        var text = TemplateRenderer.Render("{{ incident.id }}|{{ incident.GetType }}|{{ date.now.year > 2000 }}", model);
        Assert.StartsWith("INC-1||", text);
    }

    [Fact]
    public void WorkspaceTemplateIsNeverUsed_ThisMachinesOverrideIs()
    {
        // Issue 18: templates/ in the workspace travel through sync; what DeIRF says is the shipped text or this machine's.
        var root = Directory.CreateTempSubdirectory("deirf-tpl-").FullName;
        var ws = Workspace.Initialize(Path.Combine(root, "ws"));
        var local = Path.Combine(root, "config", "templates");
        var warnings = new List<string>();
        Assert.Equal(Path.Combine(Shipped, "incident-kickoff.md"), TemplateRenderer.Resolve("incident-kickoff.md", ws.Root, Shipped, warnings.Add, local));
        Assert.Empty(warnings);

        Directory.CreateDirectory(Path.Combine(ws.Root, "templates"));
        var pushed = Path.Combine(ws.Root, "templates", "incident-kickoff.md");
        File.WriteAllText(pushed, "<!channel> all clear {{ incident.id }}");
        Assert.Equal(Path.Combine(Shipped, "incident-kickoff.md"), TemplateRenderer.Resolve("incident-kickoff", ws.Root, Shipped, warnings.Add, local));
        Assert.Contains(pushed, Assert.Single(warnings));
        Assert.Contains(local, warnings[0]);

        Directory.CreateDirectory(local);
        File.WriteAllText(Path.Combine(local, "incident-kickoff.md"), "ours: {{ incident.id }}");
        Assert.Equal(Path.Combine(local, "incident-kickoff.md"), TemplateRenderer.Resolve("incident-kickoff", ws.Root, Shipped, overridesDirectory: local));

        File.WriteAllText(Path.Combine(ws.Root, "templates", "only-ours.md"), "x");
        var refused = Assert.Throws<DeirfException>(() => TemplateRenderer.Resolve("only-ours", ws.Root, Shipped, overridesDirectory: local));
        Assert.Equal("TemplateInWorkspace", refused.ErrorId);
        Assert.Contains(local, refused.Message);
        var missing = Assert.Throws<DeirfException>(() => TemplateRenderer.Resolve("nope.md", ws.Root, Shipped, overridesDirectory: local));
        Assert.Equal("TemplateNotFound", missing.ErrorId);
        DeIRF.Testing.TestArtifacts.Delete(root);
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void KickoffModelComesFromTheJournal()
    {
        var t0 = new DateTimeOffset(2026, 3, 8, 6, 50, 0, TimeSpan.Zero);
        var clock = new Clock(t0);
        var options = new JournalAppendOptions { Clock = clock, Durable = false };
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-kick-").FullName, "ws"));
        var inc = ws.OpenIncident("Leaked deploy key", "alice", ["keys"], options: options);
        var journal = ws.JournalOf(inc.Id);
        clock.Now += TimeSpan.FromMinutes(2);
        var current = ws.GetIncident(inc.Id);
        var drafts = new List<StatementDraft>
        {
            new(SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = "P1", ["urgency"] = "High" }),
        };
        drafts.AddRange(DeadlinePolicy.Default.DraftsFor(current, "P1", "bob", clock.Now));
        journal.AppendBatch(drafts, options);
        journal.Append(new StatementDraft(RoleGranted.KindName, "bob", new JsonObject { ["responder"] = "bob", ["role"] = "TriageLead" }), options);

        clock.Now += TimeSpan.FromMinutes(40); // 07:32Z: first-comms (07:22Z) is overdue, containment (07:52Z) 20 min away
        var incident = ws.GetIncident(inc.Id);
        var model = KickoffMessage.Model(ws, incident, clock: clock);
        var i = (IReadOnlyDictionary<string, object?>)model["incident"]!;
        Assert.Equal("P1", i["severity"]);
        Assert.Equal("2026-03-08 06:50Z", i["opened_utc"]);
        var deadlines = ((IEnumerable<object?>)model["deadlines"]!).Cast<IReadOnlyDictionary<string, object?>>().ToList();
        Assert.Equal(["met", "T+10m OVERDUE", "T-20m"], deadlines.Select(d => (string)d["t_minus"]!));
        Assert.Equal(["2026-03-08 07:07Z", "2026-03-08 07:22Z", "2026-03-08 07:52Z"], deadlines.Select(d => (string)d["due_utc"]!));
        var roles = ((IEnumerable<object?>)model["roles"]!).Cast<IReadOnlyDictionary<string, object?>>().ToList();
        Assert.Equal("bob", roles[0]["handle"]);
        Assert.Equal("", roles[1]["handle"]);
        var j = (IReadOnlyDictionary<string, object?>)model["journal"]!;
        Assert.Equal(incident.HeadSeq, j["head_seq"]);
        Assert.Equal(journal.ReadEntries().Last().Hash, j["head_hash"]);

        var text = KickoffMessage.Render(ws, incident, Path.Combine(Shipped, "incident-kickoff.md"), clock: clock);
        Assert.Contains("| 2026-03-08 07:22Z | T+10m OVERDUE | First update to affected users / community | Comms Lead |", text);
        Assert.Contains($"entry **#{incident.HeadSeq}**, hash `{incident.HeadHash}`", text);
    }

    internal static void CompareWithGolden(string golden, string actual, [CallerFilePath] string here = "")
    {
        var sourcePath = Path.Combine(Path.GetDirectoryName(here)!, "..", "Vectors", "templates", golden);
        if (Environment.GetEnvironmentVariable("DEIRF_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(sourcePath, actual);
        }
        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "templates", golden)).Replace("\r\n", "\n");
        if (expected == actual)
        {
            return;
        }
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var line = Enumerable.Range(0, Math.Max(e.Length, a.Length)).First(n => n >= e.Length || n >= a.Length || e[n] != a[n]);
        Assert.Fail($"{golden} differs at line {line + 1}:\n  golden: {(line < e.Length ? e[line] : "<end>")}\n  actual: {(line < a.Length ? a[line] : "<end>")}\n"
            + "Review the template change, then regenerate with DEIRF_UPDATE_GOLDEN=1.");
    }
}
