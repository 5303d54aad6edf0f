using System.Management.Automation;
using DeIRF.Templates;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Writes the retrospective (seed section 7) from templates/retro-form.md (the workspace's own templates/ first) filled
/// from the journal, and journals retro.written with the file's SHA-256: that meets the "retrospective" deadline
/// (72 h after close) when it is written in time.
/// </summary>
[Cmdlet(VerbsCommon.New, "DeirfRetrospective", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Templates.RetroDocument")]
public sealed class NewDeirfRetrospectiveCommand : WorkspaceCmdlet
{
    /// <summary>The closed incident. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>Where to write the document (Markdown). Default: retro.md beside the incident's journal.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Who runs the retrospective (ideally not the Containment Lead).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Facilitator { get; set; }

    /// <summary>The responder writing it (the retro.written entry is theirs).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Replace an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var incident = ws.GetIncident(Incident);
            var path = Path is null ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(incident.JournalPath)!, "retro.md") : ResolvePath(Path);
            if (File.Exists(path) && !Force)
            {
                throw new DeirfException("RetroFileExists", DeirfErrorKind.AlreadyExists, $"'{path}' exists: add -Force to replace it (edits in it would be lost).", path);
            }
            var template = TemplateRenderer.Resolve(RetroForm.TemplateName, ws.Root, ShippedTemplates, WriteWarning);
            if (!ShouldProcess(incident.Id, $"Write the retrospective to {path} from {template} and journal retro.written"))
            {
                return;
            }
            var actor = ResolveActor(ws, Actor);
            var doc = RetroForm.Write(ws, incident.Id, path, template, actor, Facilitator, AppendOptions(ws, actor));
            if (!doc.OnTime)
            {
                WriteWarning($"The retrospective of {incident.Id} was due {doc.Due:yyyy-MM-dd HH:mm}Z: written late.");
            }
            WriteObject(doc);
        });
    }
}
