using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Incidents;

/// <summary>
/// The T-minus deadlines a severity brings (seed section 4, step 5): when an incident is raised to a severity listed
/// here, each named deadline is set that long after the change, unless one already falls earlier. A workspace may
/// replace the default with deadline-policy.json at its root: {"P1":{"triage":"15m","first-comms":"30m","containment":"1h"}}.
/// </summary>
public sealed partial class DeadlinePolicy
{
    public const string FileName = Workspaces.WorkspaceLayout.DeadlinePolicyFile;

    private readonly Dictionary<string, IReadOnlyList<(string Name, TimeSpan Span)>> _bySeverity;

    private DeadlinePolicy(Dictionary<string, IReadOnlyList<(string, TimeSpan)>> bySeverity, string origin)
    {
        _bySeverity = bySeverity;
        Origin = origin;
    }

    /// <summary>"default", or the path of the workspace's deadline-policy.json.</summary>
    public string Origin { get; }

    public static DeadlinePolicy Default { get; } = new(new(StringComparer.Ordinal)
    {
        ["P1"] = [("triage", TimeSpan.FromMinutes(15)), ("first-comms", TimeSpan.FromMinutes(30)), ("containment", TimeSpan.FromHours(1))],
        ["P2"] = [("triage", TimeSpan.FromMinutes(30)), ("first-comms", TimeSpan.FromHours(2)), ("containment", TimeSpan.FromHours(4))],
    }, "default");

    public IReadOnlyList<(string Name, TimeSpan Span)> For(string severity)
        => _bySeverity.TryGetValue(severity, out var list) ? list : [];

    public static DeadlinePolicy For(Workspaces.Workspace ws)
    {
        var file = Workspaces.WorkspaceLayout.PathIn(ws.Root, FileName);
        return File.Exists(file) ? Parse(File.ReadAllBytes(file), file) : Default;
    }

    public static DeadlinePolicy Parse(byte[] json, string origin)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(origin, "(document)", "must be an object of severities");
            }
            var result = new Dictionary<string, IReadOnlyList<(string, TimeSpan)>>(StringComparer.Ordinal);
            foreach (var sev in doc.RootElement.EnumerateObject())
            {
                if (!Severity.SeverityMatrix.Severities.Contains(sev.Name))
                {
                    throw Invalid(origin, sev.Name, "keys must be P1, P2, P3 or P4");
                }
                if (sev.Value.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(origin, sev.Name, "must be an object of deadline name → duration (\"15m\")");
                }
                var list = new List<(string, TimeSpan)>();
                foreach (var d in sev.Value.EnumerateObject())
                {
                    if (!DeadlineSet.IsValidName(d.Name))
                    {
                        throw Invalid(origin, $"{sev.Name}.{d.Name}", "deadline names are lower-case tokens (triage, containment, first-comms)");
                    }
                    if (d.Value.ValueKind != JsonValueKind.String || !TryParseSpan(d.Value.GetString()!, out var span))
                    {
                        throw Invalid(origin, $"{sev.Name}.{d.Name}", "durations are strings like \"15m\", \"1h\", \"1h30m\" or \"2d\"");
                    }
                    list.Add((d.Name, span));
                }
                result[sev.Name] = list;
            }
            return new DeadlinePolicy(result, origin);
        }
        catch (JsonException ex)
        {
            throw Invalid(origin, "(document)", $"not JSON: {ex.Message}");
        }
    }

    [GeneratedRegex(@"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")]
    private static partial Regex SpanPattern();

    public static bool TryParseSpan(string text, out TimeSpan span)
    {
        var m = SpanPattern().Match(text);
        span = TimeSpan.Zero;
        if (!m.Success || text.Length == 0)
        {
            return false;
        }
        int Part(int g) => m.Groups[g].Success ? int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
        span = new TimeSpan(Part(1), Part(2), Part(3), 0);
        return span > TimeSpan.Zero;
    }

    /// <summary>
    /// The deadline.set statements a change to <paramref name="newSeverity"/> brings: only when the severity changes,
    /// and for each policy deadline only when none is set or the one set falls later (an escalation tightens, never loosens).
    /// </summary>
    public IReadOnlyList<StatementDraft> DraftsFor(Incident current, string newSeverity, string actor, DateTimeOffset now)
    {
        if (string.Equals(current.Severity, newSeverity, StringComparison.Ordinal))
        {
            return [];
        }
        var drafts = new List<StatementDraft>();
        foreach (var (name, span) in For(newSeverity))
        {
            var due = Deadline.Normalize(now + span);
            if (current.Deadlines.TryGetValue(name, out var existing) && existing <= due)
            {
                continue;
            }
            drafts.Add(StatementDraft.Of(actor, new DeadlineSet.Body(name, due, $"default for {newSeverity} ({Origin})")));
        }
        return drafts;
    }

    private static DeirfException Invalid(string origin, string member, string why)
        => new("DeadlinePolicyInvalid", DeirfErrorKind.InvalidData, $"Deadline policy {origin}: '{member}' {why}.", origin);
}
