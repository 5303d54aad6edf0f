using System.Text.Json;

namespace DeIRF.Severity;

/// <summary>One cell of the matrix: an impact and an urgency, and the severity they give.</summary>
public sealed class SeverityMatrixCell
{
    public SeverityMatrixCell(string impact, string urgency, string severity, string origin)
    {
        Impact = impact;
        Urgency = urgency;
        Severity = severity;
        Origin = origin;
    }

    public string Impact { get; }
    public string Urgency { get; }
    public string Severity { get; }

    /// <summary>"default", or the path of the workspace's severity-matrix.json.</summary>
    public string Origin { get; }

    public override string ToString() => $"{Impact} impact × {Urgency} urgency → {Severity}";
}

/// <summary>
/// Impact × urgency → P1..P4. The default works with zero configuration (SPEC "minimum viable process"); a workspace
/// may replace it with severity-matrix.json at its root: {"High":{"High":"P1","Medium":"P2","Low":"P3"},"Medium":{…},"Low":{…}}.
/// </summary>
public sealed class SeverityMatrix
{
    public const string FileName = Workspaces.WorkspaceLayout.SeverityMatrixFile;
    public static readonly IReadOnlyList<string> Levels = ["High", "Medium", "Low"];
    public static readonly IReadOnlyList<string> Severities = ["P1", "P2", "P3", "P4"];

    private readonly Dictionary<(string, string), string> _cells;

    private SeverityMatrix(Dictionary<(string, string), string> cells, string origin)
    {
        _cells = cells;
        Origin = origin;
    }

    public string Origin { get; }

    public static SeverityMatrix Default { get; } = new(new()
    {
        [("High", "High")] = "P1",
        [("High", "Medium")] = "P2",
        [("Medium", "High")] = "P2",
        [("High", "Low")] = "P3",
        [("Medium", "Medium")] = "P3",
        [("Low", "High")] = "P3",
        [("Medium", "Low")] = "P4",
        [("Low", "Medium")] = "P4",
        [("Low", "Low")] = "P4",
    }, "default");

    /// <summary>The workspace's matrix: its severity-matrix.json when present (checked in full), else the default.</summary>
    public static SeverityMatrix For(string workspaceRoot)
    {
        var file = Workspaces.WorkspaceLayout.PathIn(workspaceRoot, FileName);
        return File.Exists(file) ? Parse(File.ReadAllBytes(file), file) : Default;
    }

    public static SeverityMatrix Parse(byte[] json, string origin)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw Invalid(origin, "(document)", $"not JSON: {ex.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(origin, "(document)", "expected an object keyed by impact (High, Medium, Low).");
            }
            var cells = new Dictionary<(string, string), string>();
            foreach (var p in root.EnumerateObject())
            {
                if (!Levels.Contains(p.Name))
                {
                    throw Invalid(origin, p.Name, $"'{p.Name}' is not an impact (High, Medium, Low).");
                }
            }
            foreach (var impact in Levels)
            {
                if (!root.TryGetProperty(impact, out var row) || row.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(origin, impact, $"impact '{impact}' is missing or not an object keyed by urgency.");
                }
                foreach (var p in row.EnumerateObject())
                {
                    if (!Levels.Contains(p.Name))
                    {
                        throw Invalid(origin, $"{impact}.{p.Name}", $"'{impact}.{p.Name}': '{p.Name}' is not an urgency (High, Medium, Low).");
                    }
                }
                foreach (var urgency in Levels)
                {
                    var v = row.TryGetProperty(urgency, out var cell) && cell.ValueKind == JsonValueKind.String ? cell.GetString() : null;
                    if (v is null || !Severities.Contains(v))
                    {
                        throw Invalid(origin, $"{impact}.{urgency}", $"'{impact}.{urgency}' must be one of P1, P2, P3, P4.");
                    }
                    cells[(impact, urgency)] = v;
                }
            }
            return new SeverityMatrix(cells, origin);
        }
    }

    public string SeverityOf(string impact, string urgency)
    {
        var i = Normalize(impact, "impact");
        var u = Normalize(urgency, "urgency");
        return _cells[(i, u)];
    }

    public IEnumerable<SeverityMatrixCell> Cells()
        => from i in Levels from u in Levels select new SeverityMatrixCell(i, u, _cells[(i, u)], Origin);

    /// <summary>"high" → "High"; anything but High, Medium, Low is refused.</summary>
    public static string Normalize(string level, string what)
    {
        foreach (var l in Levels)
        {
            if (string.Equals(l, level?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return l;
            }
        }
        throw new DeirfException("SeverityLevelInvalid", DeirfErrorKind.InvalidArgument, $"'{level}' is not an {what} level (High, Medium, Low).", level);
    }

    private static DeirfException Invalid(string origin, string cell, string message)
        => new("SeverityMatrixInvalid", DeirfErrorKind.InvalidData, $"Severity matrix '{origin}': {message}", cell);
}
