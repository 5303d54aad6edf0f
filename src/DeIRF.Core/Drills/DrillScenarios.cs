using DeIRF.Readiness;
using DeIRF.Workspaces;

namespace DeIRF.Drills;

/// <summary>Where a drill scenario script is found and where its sandbox workspace goes (Start-DeirfDrill).</summary>
public static class DrillScenarios
{
    /// <summary>The team workspace a drill belongs to: $env:DEIRF_WORKSPACE when it is a workspace, else the one at or above <paramref name="currentDirectory"/>.</summary>
    public static string? TeamWorkspace(string currentDirectory)
        => Environment.GetEnvironmentVariable(Workspace.EnvironmentVariable) is { Length: > 0 } env && Workspace.IsWorkspace(env)
            ? env
            : Workspace.FindRoot(currentDirectory);

    /// <summary>
    /// The sandbox when none is given: drills/&lt;scenario&gt;-&lt;UTC time&gt;-&lt;4 hex&gt; inside the team workspace, so the drill stays on
    /// record for Test-DeirfReadiness ("last drill within the quarter"); outside any workspace, a new temporary folder.
    /// </summary>
    public static string DefaultSandbox(string scenario, string currentDirectory, DateTimeOffset now)
    {
        var name = $"{scenario}-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("n")[..4]}";
        return TeamWorkspace(currentDirectory) is { } team
            ? Path.Combine(team, ReadinessChecklist.DrillsFolder, name)
            : Path.Combine(Path.GetTempPath(), "deirf-drill-" + name);
    }

    /// <summary>
    /// The scenario script: &lt;sandbox&gt;/drills, the team workspace's drills/, then the shipped runbooks/drills.
    /// Throws DrillScenarioNotFound naming every place looked at and the shipped scenarios.
    /// </summary>
    public static string Find(string scenario, string? sandbox, string currentDirectory, string shippedDirectory)
    {
        var file = scenario + ".ps1";
        var candidates = new List<string>();
        if (sandbox is not null)
        {
            candidates.Add(Path.Combine(sandbox, ReadinessChecklist.DrillsFolder, file));
        }
        if (Environment.GetEnvironmentVariable(Workspace.EnvironmentVariable) is { Length: > 0 } env)
        {
            candidates.Add(Path.Combine(env, ReadinessChecklist.DrillsFolder, file));
        }
        if (Workspace.FindRoot(currentDirectory) is { } found)
        {
            candidates.Add(Path.Combine(found, ReadinessChecklist.DrillsFolder, file));
        }
        candidates.Add(Path.Combine(shippedDirectory, file));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new DrillException("DrillScenarioNotFound", DeirfErrorKind.NotFound,
                $"No drill scenario '{scenario}' ({string.Join(", ", candidates)}). Shipped: {string.Join(", ", Shipped(shippedDirectory))}.", scenario);
    }

    /// <summary>The scenario names in a runbooks/drills folder (files starting with _ are shared kits, not scenarios).</summary>
    public static IEnumerable<string> Shipped(string shippedDirectory) => Directory.Exists(shippedDirectory)
        ? Directory.EnumerateFiles(shippedDirectory, "*.ps1").Select(f => Path.GetFileNameWithoutExtension(f)).Where(n => !n.StartsWith('_')).Order(StringComparer.Ordinal)
        : [];
}
