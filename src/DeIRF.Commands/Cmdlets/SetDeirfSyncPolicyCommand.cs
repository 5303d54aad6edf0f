using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Sets the workspace's sync policy (sync-policy.json): what Sync-DeirfWorkspace does with a received commit that is
/// unsigned or signed by a key the roster does not vouch for — require (refuse the sync), warn (let it through with a
/// warning; the default while never set), off. A governed setting: journaled in the roster as settings.set, by a met
/// ROSTER proposal once the roster is sealed; a file a remote commit changes is refused (SyncSettingsUnjournaled).
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfSyncPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Sync.SyncPolicy")]
public sealed class SetDeirfSyncPolicyCommand : GovernedSettingCmdlet
{
    /// <summary>require, warn or off.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("require", "warn", "off")]
    public string CommitSignatures { get; set; } = "require";

    protected override void ProcessRecord()
    {
        Try(CommitSignatures, () =>
        {
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            var policy = new Sync.SyncPolicy { CommitSignatures = Sync.SyncPolicy.ParseName(CommitSignatures) };
            if (!ShouldProcess(Identity.Roster.PathIn(ws), $"Set commit signatures to {CommitSignatures} (settings.set of {Sync.SyncPolicy.FileName}, sha256 {policy.Sha256})"))
            {
                return;
            }
            var saved = policy.Save(ws, actor, AppendOptions(ws, actor, requireOnRoster: false), Proposal);
            WriteVerbose($"Sync policy: commit signatures {CommitSignatures} ({saved.Source}).");
            if (PassThru)
            {
                WriteObject(saved);
            }
        });
    }
}
