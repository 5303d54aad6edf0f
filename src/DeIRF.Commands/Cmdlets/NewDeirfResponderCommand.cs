using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Adds a responder (handle, display name, eligible roles) to the workspace roster.</summary>
[Cmdlet(VerbsCommon.New, "DeirfResponder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Identity.Responder")]
public sealed class NewDeirfResponderCommand : WorkspaceCmdlet
{
    /// <summary>The handle used everywhere (journal actor, signatures): 1–64 characters, no spaces.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Handle { get; set; } = string.Empty;

    /// <summary>The person's display name, for the public handle → name mapping.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Roles this responder may hold in incidents.</summary>
    // Enum values cross as strings: DeIRF.dll must not expose engine types that PowerShell reflects at import,
    // before the engine load context is wired (see Loading/DeirfLoadContext.cs).
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder", IgnoreCase = true)]
    public string[] Role { get; set; } = [];

    /// <summary>Who makes the change (its configured key signs the roster entry). Default: the one responder this machine signs as in this workspace, else $env:DEIRF_ACTOR, else the new handle itself (the first responder).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>
    /// Once the roster is sealed: the met ROSTER proposal roster.responder.add (target the handle, parameters name and
    /// roles — comma-separated, sorted — and optionally proofs) that admits this responder.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Proposal { get; set; }

    /// <summary>Key fingerprints the newcomer may then bind themselves (the admission proposal's "proofs" parameter).</summary>
    [Parameter]
    public string[] PinnedProof { get; set; } = [];

    protected override void ProcessRecord()
    {
        Try(Handle, () =>
        {
            var ws = ResolveWorkspace(createDefault: true);
            if (!ShouldProcess($"{ws.Root}: {Handle} ({Name}), roles {string.Join(", ", Role)}", "Add responder to the roster"))
            {
                return;
            }
            // Who adds them: -Actor, the responder signing here, $env:DEIRF_ACTOR, else (the very first responder) themselves.
            var actor = ResolveActor(ws, Actor, fallback: Handle);
            WriteObject(Roster.Load(ws).AddResponder(Handle, Name, Role.Select(r => Enum.Parse<ResponderRole>(r, ignoreCase: true)), actor, AppendOptions(ws, actor, requireOnRoster: false),
                Proposal, PinnedProof));
        });
    }
}
