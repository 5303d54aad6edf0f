using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Creates a workspace: settings file, incidents folder, .gitignore for replica-local files.</summary>
[Cmdlet(VerbsData.Initialize, "DeirfWorkspace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Workspaces.Workspace")]
public sealed class InitializeDeirfWorkspaceCommand : DeirfCmdlet
{
    /// <summary>The folder to make a workspace (created if missing).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>A display name; defaults to the folder name.</summary>
    [Parameter]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        var full = ResolvePath(Path);
        if (!ShouldProcess(full, "Initialize DeIRF workspace"))
        {
            return;
        }
        Try(Path, () => WriteObject(Workspaces.Workspace.Initialize(full, Name)));
    }
}
