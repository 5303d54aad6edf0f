using System.Management.Automation;
using DeIRF.Checkpoints;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Writes an incident journal's Merkle tree as C2SP tlog-tiles (the checkpoint, hash tiles and entry bundles) into a
/// folder any static web server or bucket can serve, so mirrors, monitors and witnesses can fetch and check it.
/// </summary>
[Cmdlet(VerbsData.Export, "DeirfTiles", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Checkpoints.TileExport")]
public sealed class ExportDeirfTilesCommand : WorkspaceCmdlet
{
    /// <summary>The incident whose tree is served.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The folder to write into (created when missing).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The checkpoint whose tree size is served. Default: the newest checkpoint of the incident in the workspace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Checkpoint { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var checkpoint = Checkpoint is not null ? Checkpoints.Checkpoint.Load(ResolvePath(Checkpoint))
                : CheckpointLog.List(ws, Incident).LastOrDefault() is { } newest ? Checkpoints.Checkpoint.Load(newest)
                : throw new CheckpointException("CheckpointNotFound", DeirfErrorKind.NotFound, $"{Incident} has no checkpoint yet: make one with New-DeirfCheckpoint.", Incident);
            var folder = ResolvePath(Path);
            if (!ShouldProcess(folder, $"Write the tiles of {Incident} at size {checkpoint.Size}"))
            {
                return;
            }
            Directory.CreateDirectory(folder);
            var written = TlogTiles.Export(ws, Incident, checkpoint, folder, CancellationToken);
            WriteObject(new TileExport(Incident, checkpoint.Origin, checkpoint.Size, folder, written));
        });
    }
}
