using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Writes one self-contained HTML report of an incident: timeline chart (inline SVG), metrics, deadlines, the journal
/// and evidence verification verdict, and the journal itself. Nothing in it is fetched from the network.
/// </summary>
[Cmdlet(VerbsData.Export, "DeirfReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportDeirfReportCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The HTML file to write. With several piped incidents, a folder: each report is named after its incident.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>List every journal entry. Without it, a journal of more than 500 entries is listed as an excerpt (the first and last 100 and the key entries).</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <summary>Replace an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var id = Workspaces.Workspace.ValidateIncidentId(Incident);
            var target = ResolvePath(Path);
            if (Directory.Exists(target))
            {
                target = System.IO.Path.Combine(target, id + ".html");
            }
            var data = Reports.IncidentReport.Collect(ws, id, cancellationToken: CancellationToken);
            if (!data.Journal.IsValid)
            {
                WriteWarning($"{id}: the journal does not verify ({data.Journal.Fault} at entry #{data.Journal.FirstBadSeq}); the report says so at the top.");
            }
            var html = Reports.IncidentReport.Render(data, new Reports.IncidentReportOptions { Full = Full });
            if (!ShouldProcess(target, $"Write the HTML report of {id}"))
            {
                return;
            }
            WriteObject(Reports.IncidentReport.Write(target, html, Force));
        });
    }
}
