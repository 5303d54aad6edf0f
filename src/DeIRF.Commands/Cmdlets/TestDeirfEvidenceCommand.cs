using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Re-hashes every stored evidence item of an incident against its custody entry: one verdict per item.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfEvidence")]
[OutputType("DeIRF.Evidence.EvidenceVerdict")]
public sealed class TestDeirfEvidenceCommand : WorkspaceCmdlet
{
    private const int ActivityId = 0xDE1D;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var capture = new Evidence.EvidenceCapture(ResolveWorkspace(), Incident);
            int done = 0;
            try
            {
                foreach (var verdict in capture.Test(CancellationToken))
                {
                    done++;
                    WriteProgress(new ProgressRecord(ActivityId, "Verifying evidence", $"{Incident}: {done} item(s) checked") { CurrentOperation = verdict.Path });
                    if (!verdict.IsValid)
                    {
                        WriteVerbose(verdict.ToString());
                    }
                    WriteObject(verdict);
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(ActivityId, "Verifying evidence", "Done") { RecordType = ProgressRecordType.Completed });
            }
        });
    }
}
