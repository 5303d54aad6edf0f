using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Lists an incident's evidence from its chain-of-custody entries, in journal order.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfEvidence")]
[OutputType("DeIRF.Evidence.EvidenceItem")]
public sealed class GetDeirfEvidenceCommand : WorkspaceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            foreach (var item in new Evidence.EvidenceCapture(ws, Incident).List(CancellationToken))
            {
                WriteFromWorkspace(item, ws);
            }
        });
    }
}
