using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Fetches the workspace's git remote, verifies every journal received, re-links this replica's unpushed entries
/// after the remote's, and pushes. A remote that rewrote, forked or tampered with history is refused (one error
/// record per journal) and nothing is merged or pushed.
/// </summary>
[Cmdlet(VerbsData.Sync, "DeirfWorkspace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Sync.SyncResult")]
public sealed class SyncDeirfWorkspaceCommand : WorkspaceCmdlet
{
    /// <summary>The git remote to sync with.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Remote { get; set; } = "origin";

    /// <summary>Who syncs: author and committer of the sync commit. Default: the one responder this machine signs as in this workspace (Set-DeirfSigningKey), else $env:DEIRF_ACTOR.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>The remote branch to sync with. Default: the branch this replica is on.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Branch { get; set; }

    /// <summary>Fetch-merge-push rounds when pushes keep losing races to other replicas.</summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    protected override void ProcessRecord()
    {
        Try(Workspace ?? Remote, () =>
        {
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            if (!ShouldProcess($"{ws.Root} <-> {Remote}", "Fetch, verify, merge and push the workspace"))
            {
                return;
            }
            try
            {
                var result = Sync.WorkspaceSync.Sync(ws, new Sync.SyncOptions
                {
                    Remote = Remote, Branch = Branch, Actor = actor, MaxAttempts = MaxAttempts, CancellationToken = CancellationToken,
                });
                Report(this, result);
                WriteObject(result);
            }
            catch (Sync.SyncRefusedException ex)
            {
                WriteRefusals(this, ex);
            }
        });
    }

    /// <summary>One error record per refused journal (which journal, which seq, both hashes) or commit (its id is the target).</summary>
    internal static void WriteRefusals(DeirfCmdlet cmdlet, Sync.SyncRefusedException ex)
    {
        foreach (var refusal in ex.Refusals)
        {
            var one = new Sync.SyncRefusedException([refusal]);
            cmdlet.WriteError(new ErrorRecord(one, refusal.ErrorId, ErrorCategory.SecurityError, refusal.Target));
        }
    }

    internal static void Report(DeirfCmdlet cmdlet, Sync.SyncResult result)
    {
        foreach (var c in result.Conflicts)
        {
            cmdlet.WriteWarning($"Sync conflict: {c}");
        }
        foreach (var f in result.NotShared)
        {
            cmdlet.WriteWarning($"'{f}' was not shared: it is a link or outside the workspace layout, and every other replica would refuse it (docs/sync.md).");
        }
        foreach (var f in result.FileConflicts)
        {
            cmdlet.WriteWarning($"'{f}' changed on both sides: the remote's copy is kept, this replica's is under .deirf-sync/conflicts.");
        }
        // Signed history under a warn policy: let through, said once per commit (the sync that received it).
        foreach (var u in result.UnverifiedCommits.Take(10))
        {
            cmdlet.WriteWarning($"Commit {u.Commit} ({u.ErrorId}): {u.Reason}. Let through: the workspace's commit signature policy is warn (docs/sync.md, \"Signed history\").");
        }
        if (result.UnverifiedCommits.Count > 10)
        {
            cmdlet.WriteWarning($"… and {result.UnverifiedCommits.Count - 10} more commits unsigned or signed by keys the roster does not vouch for (SyncResult.UnverifiedCommits).");
        }
        if (result.Pushed && !result.CommitSigned)
        {
            cmdlet.WriteVerbose($"The sync commit {result.Commit} is unsigned: no SSH or OpenPGP signing key of this actor is configured (Set-DeirfSigningKey); policy {result.CommitSignatures}.");
        }
        foreach (var cp in result.CheckpointsSuperseded)
        {
            cmdlet.WriteVerbose($"Checkpoint '{cp}' covered re-linked entries: set aside under .deirf-sync/superseded.");
        }
    }
}
