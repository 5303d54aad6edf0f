using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// A cmdlet that sets one of the roster-governed settings files (sync-policy.json, evidence-store.json,
/// checkpoint-policy.json): during founding any responder sets it; once the roster is sealed only with a met ROSTER
/// settings.set proposal naming the file and the document's sha256 (-Proposal).
/// </summary>
public abstract class GovernedSettingCmdlet : WorkspaceCmdlet
{
    /// <summary>The met ROSTER proposal (settings.set, target the settings file, sha256 of the document) once the roster is sealed.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string? Proposal { get; set; }

    /// <summary>Who changes it (default: the configured actor).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Emit the setting in force after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }
}
