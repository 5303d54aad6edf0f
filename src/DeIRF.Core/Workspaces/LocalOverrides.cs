namespace DeIRF.Workspaces;

/// <summary>
/// This machine's own overrides of what DeIRF ships: drill scenarios and message templates. They live in the user's
/// configuration folder beside the signing-key pointers (%APPDATA%\DeIRF, or $XDG_CONFIG_HOME/deirf, ~/.config/deirf),
/// never in the workspace: the workspace travels through sync, so a drill script or template there would be code and
/// words anyone who can push puts in every replica's mouth.
/// </summary>
public static class LocalOverrides
{
    public static string Folder
    {
        get
        {
            var baseDir = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(baseDir))
            {
                baseDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }
            return Path.Combine(baseDir, OperatingSystem.IsWindows() ? "DeIRF" : "deirf");
        }
    }

    /// <summary>Drill scenarios (&lt;scenario&gt;.ps1, with the _drill-kit.ps1 they dot-source) this machine runs instead of the shipped ones.</summary>
    public static string Drills => Path.Combine(Folder, "drills");

    /// <summary>Templates (&lt;name&gt;.md) this machine renders instead of the shipped ones.</summary>
    public static string Templates => Path.Combine(Folder, "templates");

    /// <summary>The warning (or error text) for a workspace file that is no longer used.</summary>
    public static string Ignored(string workspaceFile, string overridesFolder)
        => $"'{workspaceFile}' is in the workspace and is not used: the workspace travels through sync, so anyone who can push would choose what runs or what DeIRF says. Overrides live on each machine, in {overridesFolder}.";
}
