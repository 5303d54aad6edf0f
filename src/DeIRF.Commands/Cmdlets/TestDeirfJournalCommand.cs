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

    /// <summary>Unsigned entries by responders who have proofs make the journal invalid: the default (kept so scripts can say it).</summary>
    [Parameter]
    public SwitchParameter RequireSignatures { get; set; }

    /// <summary>Report unsigned entries by responders who had a proof, and entries nobody can vouch for, as warnings instead of failures (an old journal from before signing keys were configured).</summary>
    [Parameter]
    public SwitchParameter AllowUnsigned { get; set; }

    /// <summary>
    /// An earlier checkpoint file: the journal must extend it (its first Size entries have that root), and the Merkle
    /// tree kept beside the journal must agree with the chain leaf by leaf.
    /// </summary>
    [Parameter(ParameterSetName = ByIncident)]
    [Parameter(ParameterSetName = ByPath)]
    [ValidateNotNullOrEmpty]
    public string? Checkpoint { get; set; }

    /// <summary>Return only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private readonly HashSet<string> _verified = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        bool answered = false;
        Try(JournalTarget, () =>
        {
            var journal = ResolveJournal();
            if (!_verified.Add(journal.Path))
            {
                // Piped entries of one journal (Get-DeirfJournal | Test-DeirfJournal): one verdict per journal.
                answered = true;
                return;
            }
            // Inside a workspace, signatures are checked against its roster as it was at each entry.
            IEntrySignatureChecker? checker = null;
            Identity.Roster? roster = null;
            string? workspaceId = null;
            if (JournalSet != ByPath || Workspace is not null)
            {
                // A journal checked for a workspace holds only statements of that workspace (as sync requires).
                workspaceId = ResolveWorkspace().WorkspaceId;
                roster = Identity.Roster.Load(ResolveWorkspace());
                checker = new Identity.RosterSignatureChecker(roster, requireSignatures: RequireSignatures || !AllowUnsigned, rosterJournal: IsRoster);
            }
            var progress = new ProgressRecord(ActivityId, "Verifying journal", journal.Path);
            try
            {
                var options = new JournalVerifyOptions
                {
                    ExpectedIncident = IsRoster ? Identity.Roster.JournalId : JournalSet == ByIncident ? Incident : null,
                    ExpectedWorkspace = workspaceId,
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
                };
                JournalVerdict verdict;
                if (Checkpoint is null)
                {
                    verdict = journal.Verify(options);
                }
                else
                {
                    var checkpoint = Checkpoints.Checkpoint.Load(ResolvePath(Checkpoint));
                    // The journal's own origin: from the workspace and incident named here, never from the checkpoint.
                    var ws = JournalSet == ByIncident || Workspace is not null ? ResolveWorkspace() : null;
                    var origin = ws is not null && JournalSet == ByIncident
                        ? Checkpoints.Checkpoint.OriginFor(ws.WorkspaceId, Incident)
                        : OriginOfGenesis(journal);
                    verdict = Checkpoints.CheckpointConsistency.Verify(journal, options, checkpoint, origin,
                        roster is null ? null : Checkpoints.NoteVerifierKey.FromRoster(roster),
                        ws is null ? null : Checkpoints.CheckpointPolicy.Load(ws));
                    if (verdict.Checkpoint is { Signatures: { } sigs })
                    {
                        WriteVerbose($"Checkpoint signatures: {sigs}");
                    }
                }
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

    /// <summary>For -Path: the origin the journal's genesis entry names (workspace and incident).</summary>
    private static string OriginOfGenesis(JournalFile journal)
    {
        foreach (var e in journal.ReadEntries())
        {
            return Checkpoints.Checkpoint.OriginFor(e.WorkspaceId, e.Incident);
        }
        throw new DeirfException("JournalEmpty", DeirfErrorKind.InvalidData, $"Journal '{journal.Path}' is empty.", journal.Path);
    }
}
