using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// A founder signs off the founding roster (roster.sealed, signed by the founder's configured key). When every
/// founder has, the roster is sealed: from then on nobody changes it alone.
/// </summary>
[Cmdlet(VerbsLifecycle.Complete, "DeirfRosterGenesis", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Identity.RosterGenesis")]
public sealed class CompleteDeirfRosterGenesisCommand : WorkspaceCmdlet
{
    /// <summary>The founder who signs (every responder in the roster now is a founder); their configured signing key (Set-DeirfSigningKey) signs the seal.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        Try(Responder, () =>
        {
            var ws = ResolveWorkspace();
            var roster = Roster.Load(ws);
            roster.Get(Responder);
            var options = AppendOptions(ws, Responder, requireOnRoster: false);
            if (options.Signers.Count == 0)
            {
                throw new DeirfException("RosterSealUnsigned", DeirfErrorKind.InvalidOperation,
                    $"'{Responder}' has no signing key configured on this machine: a seal is signed by its founder (Set-DeirfSigningKey -Responder {Responder} …). Nothing was written.", Responder);
            }
            var founders = roster.Founders.Count > 0 ? roster.Founders : roster.Responders.Select(r => r.Handle).Order(StringComparer.Ordinal).ToArray();
            if (!ShouldProcess($"{ws.Root}: founders {string.Join(", ", founders)}", $"Seal the founding roster as '{Responder}'"))
            {
                return;
            }
            roster.Seal(Responder, options);
            WriteObject(RosterGenesis.Of(Roster.Load(ws)));
        });
    }
}
