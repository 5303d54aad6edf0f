using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Shows which workspace the other cmdlets would use, and why.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfWorkspace")]
[OutputType("DeIRF.Workspaces.Workspace")]
public sealed class GetDeirfWorkspaceCommand : WorkspaceCmdlet
{
    protected override void ProcessRecord()
    {
        try
        {
            WriteObject(ResolveWorkspace());
        }
        catch (DeirfException ex)
        {
            WriteError(ToErrorRecord(ex, Workspace ?? CurrentDirectory));
        }
    }
}
