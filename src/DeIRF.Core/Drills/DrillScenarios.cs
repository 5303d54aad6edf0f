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
            ? Path.Combine(WorkspaceLayout.PathIn(team, WorkspaceLayout.DrillsFolder), name)
            : Path.Combine(Path.GetTempPath(), "deirf-drill-" + name);
    }

    /// <summary>
    /// The scenario script: this machine's override (<see cref="LocalOverrides.Drills"/>, or
    /// <paramref name="overridesDirectory"/>), else the shipped runbooks/drills. A drills/&lt;scenario&gt;.ps1 in the sandbox
    /// or the team workspace is never run (it travels through sync: a pushed script would run at the next scheduled
    /// drill): <paramref name="warn"/> hears about it, and when it is the only one, DrillScenarioInWorkspace.
    /// Otherwise throws DrillScenarioNotFound naming the places looked at and the shipped scenarios.
    /// </summary>
    public static string Find(string scenario, string? sandbox, string currentDirectory, string shippedDirectory, Action<string>? warn = null,
        string? overridesDirectory = null)
    {
        var file = scenario + ".ps1";
        var overrides = overridesDirectory ?? LocalOverrides.Drills;
        var candidates = new[] { Path.Combine(overrides, file), Path.Combine(shippedDirectory, file) };
        var found = candidates.FirstOrDefault(File.Exists);
        var workspaces = new List<string>();
        if (sandbox is not null)
        {
            workspaces.Add(sandbox);
        }
        if (Environment.GetEnvironmentVariable(Workspace.EnvironmentVariable) is { Length: > 0 } env)
        {
            workspaces.Add(env);
        }
        if (Workspace.FindRoot(currentDirectory) is { } root)
        {
            workspaces.Add(root);
        }
        foreach (var own in workspaces.Select(w => Path.Combine(WorkspaceLayout.PathIn(w, WorkspaceLayout.DrillsFolder), file)).Distinct().Where(File.Exists))
        {
            var why = LocalOverrides.Ignored(own, overrides);
            if (found is null)
            {
                throw new DrillException("DrillScenarioInWorkspace", DeirfErrorKind.SecurityError, why, scenario);
            }
            warn?.Invoke(why);
        }
        return found
            ?? throw new DrillException("DrillScenarioNotFound", DeirfErrorKind.NotFound,
                $"No drill scenario '{scenario}' ({string.Join(", ", candidates)}). Shipped: {string.Join(", ", Shipped(shippedDirectory))}.", scenario);
    }

    /// <summary>The scenario names in a runbooks/drills folder (files starting with _ are shared kits, not scenarios).</summary>
    public static IEnumerable<string> Shipped(string shippedDirectory) => Directory.Exists(shippedDirectory)
        ? Directory.EnumerateFiles(shippedDirectory, "*.ps1").Select(f => Path.GetFileNameWithoutExtension(f)).Where(n => !n.StartsWith('_')).Order(StringComparer.Ordinal)
        : [];
}
