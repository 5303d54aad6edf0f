using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Moves a torn tail (a crash mid-write) into a side file and truncates the journal to its last whole entry.</summary>
[Cmdlet(VerbsDiagnostic.Repair, "DeirfJournal", DefaultParameterSetName = ByIncident, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Journal.JournalRepairResult")]
public sealed class RepairDeirfJournalCommand : JournalCmdlet
{
    protected override void ProcessRecord()
    {
        Try(JournalTarget, () =>
        {
            var journal = ResolveJournal();
            var verdict = journal.Verify();
            if (verdict.IsValid)
            {
                WriteVerbose($"{journal.Path} is valid; nothing to repair.");
                WriteObject(new Journal.JournalRepairResult { Path = journal.Path, EntryCount = verdict.EntryCount, Changed = false });
                return;
            }
            if (verdict.Fault != Journal.JournalFault.TornTail)
            {
                throw new Journal.JournalRepairRefusedException(journal.Path, verdict);
            }
            if (!ShouldProcess(journal.Path, $"Move {verdict.TornBytes} torn byte(s) at offset {verdict.TornOffset} into a side file and truncate"))
            {
                return;
            }
            WriteObject(journal.Repair(AppendOptions()));
        });
    }
}
