using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Shows where the workspace keeps evidence bytes and, for S3, asks the bucket whether object lock is enabled
/// (ObjectLockEnabled, Readiness Pass / Warn / Fail and the reason).
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeirfEvidenceStore")]
[OutputType("DeIRF.Evidence.EvidenceStoreInfo")]
public sealed class GetDeirfEvidenceStoreCommand : WorkspaceCmdlet
{
    /// <summary>Show the settings only; do not contact the bucket.</summary>
    [Parameter]
    public SwitchParameter NoCheck { get; set; }

    protected override void ProcessRecord()
    {
        Try(Workspace ?? CurrentDirectory, () =>
        {
            var ws = ResolveWorkspace();
            WriteObject(Evidence.EvidenceStoreInfo.Describe(ws, query: !NoCheck, CancellationToken));
        });
    }
}
