using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Shows the impact × urgency → P1..P4 matrix in force: the workspace's severity-matrix.json, or the default.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfSeverityMatrix")]
[OutputType("DeIRF.Severity.SeverityMatrixCell")]
public sealed class GetDeirfSeverityMatrixCommand : WorkspaceCmdlet
{
    /// <summary>Show the built-in default even when the workspace overrides it.</summary>
    [Parameter]
    public SwitchParameter Default { get; set; }

    protected override void ProcessRecord()
    {
        Try(Workspace, () =>
        {
            var matrix = Severity.SeverityMatrix.Default;
            if (!Default)
            {
                try
                {
                    matrix = Severity.SeverityMatrix.For(ResolveWorkspace().Root);
                }
                catch (DeirfException ex) when (ex.ErrorId == "WorkspaceNotFound" && Workspace is null)
                {
                    WriteVerbose("No workspace: showing the default matrix.");
                }
            }
            foreach (var cell in matrix.Cells())
            {
                WriteObject(cell);
            }
        });
    }
}
