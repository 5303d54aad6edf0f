using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Lists responders of the roster with their roles, proofs and eligibility.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfResponder")]
[OutputType("DeIRF.Identity.Responder")]
public sealed class GetDeirfResponderCommand : WorkspaceCmdlet
{
    /// <summary>Handles; wildcards allowed. Default: everyone.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Responder")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string[]? Handle { get; set; }

    /// <summary>Only responders reachable at this time: on call, within their declared working hours, or with no hours declared.</summary>
    [Parameter]
    public DateTimeOffset? AvailableAt { get; set; }

    protected override void ProcessRecord()
    {
        Roster roster;
        Workspaces.Workspace ws;
        try
        {
            ws = ResolveWorkspace();
            roster = Roster.Load(ws);
        }
        catch (DeirfException ex)
        {
            ThrowTerminating(ex, Workspace ?? CurrentDirectory);
            return;
        }
        foreach (var requested in Handle ?? ["*"])
        {
            if (WildcardPattern.ContainsWildcardCharacters(requested))
            {
                var pattern = new WildcardPattern(requested, WildcardOptions.IgnoreCase);
                foreach (var r in roster.Responders.Where(r => pattern.IsMatch(r.Handle) && Reachable(r)).OrderBy(r => r.Handle, StringComparer.Ordinal))
                {
                    WriteFromWorkspace(r, ws);
                }
            }
            else
            {
                Try(requested, () =>
                {
                    var r = roster.Get(requested);
                    if (Reachable(r))
                    {
                        WriteFromWorkspace(r, ws);
                    }
                });
            }
        }
    }

    private bool Reachable(Responder r) => AvailableAt is not { } at || r.IsAvailableAt(at.ToUniversalTime());
}
