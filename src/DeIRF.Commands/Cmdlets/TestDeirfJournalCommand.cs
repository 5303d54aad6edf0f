using System.Management.Automation;
using DeIRF.Journal;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Verifies a journal: canonical form, hashes, links, sequence, incident, head record, torn tail.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfJournal", DefaultParameterSetName = ByIncident)]
[OutputType("DeIRF.Journal.JournalVerdict", "System.Boolean")]
public sealed class TestDeirfJournalCommand : JournalCmdlet
{
    private const int ActivityId = 0xDE1F;

    /// <summary>Ignore the replica's head record (for a copy received from someone else).</summary>
    [Parameter]
    public SwitchParameter NoHeadRecord { get; set; }

    /// <summary>Unsigned entries by responders who have proofs make the journal invalid (default: a warning).</summary>
    [Parameter]
    public SwitchParameter RequireSignatures { get; set; }

    /// <summary>Return only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        bool answered = false;
        Try(JournalTarget, () =>
        {
            var journal = ResolveJournal();
            // Inside a workspace, signatures are checked against its roster as it was at each entry.
            IEntrySignatureChecker? checker = null;
            Identity.Roster? roster = null;
            if (ParameterSetName != ByPath || Workspace is not null)
            {
                roster = Identity.Roster.Load(ResolveWorkspace());
                checker = new Identity.RosterSignatureChecker(roster, RequireSignatures, rosterJournal: ParameterSetName == ByRoster);
            }
            var progress = new ProgressRecord(ActivityId, "Verifying journal", journal.Path);
            try
            {
                var verdict = journal.Verify(new JournalVerifyOptions
                {
                    ExpectedIncident = ParameterSetName switch { ByIncident => Incident, ByRoster => Identity.Roster.JournalId, _ => null },
                    Signatures = checker,
                    UseHeadRecord = !NoHeadRecord,
                    CancellationToken = CancellationToken,
                    Progress = (done, total) =>
                    {
                        // Called on this pipeline thread (Verify is synchronous), as WriteProgress requires.
                        progress.PercentComplete = total > 0 ? (int)Math.Min(100, done * 100 / total) : 0;
                        progress.StatusDescription = $"{done >> 20} of {total >> 20} MiB";
                        WriteProgress(progress);
                    },
                });
                foreach (var warning in verdict.Warnings)
                {
                    WriteWarning(warning);
                }
                if (!verdict.IsValid)
                {
                    WriteVerbose(verdict.ToString());
                }
                WriteObject(Quiet ? verdict.IsValid : verdict);
                answered = true;
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        });
        if (Quiet && !answered)
        {
            // A journal that cannot be checked is not a valid journal: scripts testing the bool must see $false.
            WriteObject(false);
        }
    }
}
