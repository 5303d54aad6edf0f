using DeIRF.Incidents;
using DeIRF.Integrations;
using DeIRF.Journal;
using DeIRF.Templates;
using DeIRF.Workspaces;
using Xunit;

namespace DeIRF.Core.Tests.Templates;

/// <summary>
/// The audience templates of Send-DeirfUpdate (templates/update-internal.md, update-community.md, update-regulator.md)
/// against fixed models, compared with golden files in Vectors/templates (regenerate with DEIRF_UPDATE_GOLDEN=1 after
/// reviewing a template change), and the model built from a real journal.
/// </summary>
public class UpdateTemplateTests
{
    private static string Shipped => Path.Combine(AppContext.BaseDirectory, "templates");

    private static Dictionary<string, object?> D(params (string Key, object? Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, object?> Model(string audience, bool closed, string? text, long number, bool drill = false) => D(
        ("incident", D(("id", "INC-20250314-7F3A"), ("title", "Deploy key for payments-api found in a public gist"),
            ("severity", "P1"), ("impact", "High"), ("urgency", "High"), ("reporter", "alice"), ("opened_utc", "2025-03-14 09:12Z"),
            ("tags", new object?[] { "keys" }), ("is_drill", drill),
            ("tracker_url", "https://github.com/acme/payments/security/advisories/GHSA-abcd-1234-wxyz"),
            ("state", closed ? "Closed" : "Open"), ("closed_utc", closed ? "2025-03-14 11:40Z" : null),
            ("resolution", closed ? "Key revoked and rotated; no use of the key found in the access logs." : null),
            ("first_comms_utc", number > 1 ? "2025-03-14 09:31Z" : null), ("evidence_count", 3L))),
        ("update", D(("audience", audience), ("text", text), ("number", number), ("comms_lead", "carol"), ("generated_utc", "2025-03-14 10:05Z"))),
        ("roles", new object?[]
        {
            D(("role", "Triage Lead"), ("handle", "bob"), ("display_name", "Bob Ndlovu")),
            D(("role", "Comms Lead"), ("handle", "carol"), ("display_name", "")),
            D(("role", "Containment Lead"), ("handle", ""), ("display_name", "")),
            D(("role", "Recorder"), ("handle", "erin"), ("display_name", "")),
        }),
        ("deadlines", new object?[]
        {
            D(("label", "First update to affected users / community"), ("due_utc", "2025-03-14 09:42Z"), ("t_minus", "met"), ("owner", "Comms Lead")),
            D(("label", "Containment executed (quorum-signed)"), ("due_utc", "2025-03-14 10:12Z"), ("t_minus", "T-7m"), ("owner", "Containment Lead")),
        }),
        ("journal", D(("workspace", "git@github.com:acme/ir-workspace.git"), ("path", "incidents/INC-20250314-7F3A/journal.jsonl"),
            ("head_seq", 11L), ("head_hash", "9f2c4e1b7a3d5c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"))),
        ("generated_utc", "2025-03-14 10:05Z"));

    public static TheoryData<string, string> Cases => new()
    {
        { "update-internal.md", "update-internal-open.md" },
        { "update-community.md", "update-community-first.md" },
        { "update-community.md", "update-community-resolved.md" },
        { "update-regulator.md", "update-regulator-initial.md" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ShippedUpdateTemplateMatchesGoldenFile(string template, string golden)
    {
        var model = golden switch
        {
            "update-internal-open.md" => Model("Internal", false, "Key revoked at 10:02Z. Checking the gateway logs for use of the key since Friday.", 2),
            "update-community-first.md" => Model("Community", false, null, 1),
            "update-community-resolved.md" => Model("Community", true, null, 3),
            _ => Model("Regulator", false, null, 1, drill: true),
        };
        var actual = TemplateRenderer.RenderFile(Path.Combine(Shipped, template), model);
        Assert.DoesNotContain("{{", actual);
        TemplateRenderingTests.CompareWithGolden(golden, actual);
    }

    [Fact]
    public void CommunityUpdateNamesNoResponderPathOrTracker()
    {
        foreach (var closed in new[] { false, true })
        {
            var text = TemplateRenderer.RenderFile(Path.Combine(Shipped, "update-community.md"), Model("Community", closed, "Rotate your API keys.", 2));
            Assert.DoesNotContain("@", text);
            Assert.DoesNotContain("journal.jsonl", text);
            Assert.DoesNotContain("GHSA", text);
            Assert.DoesNotContain("git@github.com", text);
        }
    }

    [Fact]
    public void UpdateModelComesFromTheJournalAndNumbersDeliveredPostsOnce()
    {
        var ws = Workspace.Initialize(Path.Combine(Directory.CreateTempSubdirectory("deirf-upd-").FullName, "ws"));
        var inc = ws.OpenIncident("Leaked deploy key", "alice", [], options: new JournalAppendOptions { Durable = false });
        var journal = ws.JournalOf(inc.Id);
        var post = new IntegrationResult
        {
            Integration = "matrix", Operation = "message.send", Attempts = 1, Status = 200, Reference = "$1evt:hs", TransactionId = "deirf-aa", Target = "!r:hs",
        };
        post.Record(journal, "carol");
        post.Record(journal, "carol"); // a re-run: the homeserver handed back the same event
        var model = UpdateMessage.Model(ws, ws.GetIncident(inc.Id), "Internal", "  hello  ");
        var update = (IReadOnlyDictionary<string, object?>)model["update"]!;
        Assert.Equal(2, update["number"]);
        Assert.Equal("hello", update["text"]);
        var i = (IReadOnlyDictionary<string, object?>)model["incident"]!;
        Assert.Equal("Open", i["state"]);
        Assert.NotNull(i["first_comms_utc"]);
        var text = UpdateMessage.Render(ws, ws.GetIncident(inc.Id), "Internal", Path.Combine(Shipped, "update-internal.md"), null);
        Assert.StartsWith($"# Update 2: unrated {inc.Id} (Open)", text);
        Assert.Contains("_No new findings since the last update._", text);
    }
}
