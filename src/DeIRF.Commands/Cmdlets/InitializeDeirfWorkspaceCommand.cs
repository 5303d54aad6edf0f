using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Creates a workspace: settings file, incidents folder, .gitignore for replica-local files. With -Remote, shares it
/// through a git remote: an empty remote gets this workspace (git init, commit, push); a remote that already holds
/// one is cloned and every journal verified.
/// </summary>
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

    /// <summary>A git remote URL (any bare repository: a path, git://, ssh, https) to share the workspace through.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Remote { get; set; }

    /// <summary>With -Remote: the branch the workspace is shared on. Default: main on an empty remote, else the branch holding the workspace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Branch { get; set; }

    /// <summary>With -Remote: who commits (author of the first commit). Default: $env:DEIRF_ACTOR, else "deirf".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        var full = ResolvePath(Path);
        if (!ShouldProcess(full, "Initialize DeIRF workspace"))
        {
            return;
        }
        if (Remote is null)
        {
            Try(Path, () => WriteObject(Workspaces.Workspace.Initialize(full, Name)));
            return;
        }
        Try(Path, () =>
        {
            // No workspace yet on this machine, so no signing key to name the actor.
            var actor = ResolveActor(null, Actor, fallback: "deirf");
            try
            {
                // git runs in the process directory, not the PowerShell location: a remote given as a relative local
                // path (./remote.git) is made absolute here, as the user meant it. URLs and scp-style remotes pass as they are.
                var remote = !Remote.Contains("://", StringComparison.Ordinal) && !System.Text.RegularExpressions.Regex.IsMatch(Remote, @"^[^/\\]+@[^:]+:|^[A-Za-z0-9.-]+:[^\\/]")
                    && !System.IO.Path.IsPathRooted(Remote) ? ResolvePath(Remote) : Remote;
                var (ws, result) = Sync.WorkspaceSync.Initialize(full, remote, Name, new Sync.SyncOptions { Actor = actor, Branch = Branch, CancellationToken = CancellationToken });
                SyncDeirfWorkspaceCommand.Report(this, result);
                WriteVerbose(result.ToString());
                WriteObject(ws);
            }
            catch (Sync.SyncRefusedException ex)
            {
                SyncDeirfWorkspaceCommand.WriteRefusals(this, ex);
            }
        });
    }
}
