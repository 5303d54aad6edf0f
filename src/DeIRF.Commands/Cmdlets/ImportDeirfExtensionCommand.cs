using System.Management.Automation;
using DeIRF.Extensions;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Adds the extensions an assembly declares (proof kinds, containment providers, alert shapes, ...) to this session's
/// catalog. Only a path on this machine, given by the person at the keyboard or their profile: nothing in a workspace
/// can import code.
/// </summary>
[Cmdlet(VerbsData.Import, "DeirfExtension", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Extensions.ExtensionEntry")]
public sealed class ImportDeirfExtensionCommand : DeirfCmdlet
{
    /// <summary>The extension assembly (.dll).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        Try(Path, () =>
        {
            var full = ResolvePath(Path);
            if (!ShouldProcess(full, "Import the DeIRF extensions this assembly declares (its code runs in this session)"))
            {
                return;
            }
            foreach (var entry in ExtensionCatalog.Import(full))
            {
                WriteVerbose($"Imported {entry}.");
                WriteObject(entry);
            }
        });
    }
}

/// <summary>Lists the extension catalog: what this session's DeIRF can use, where each comes from, whether it is loaded.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfExtension")]
[OutputType("DeIRF.Extensions.ExtensionEntry")]
public sealed class GetDeirfExtensionCommand : DeirfCmdlet
{
    /// <summary>Only this extension point (containment, proposal-payload, evidence-store, disclosure-anchor, proof-kind, alert-shape, entry-kind, ticket-tracker, chat-channel, rollforward-backend).</summary>
    [Parameter(Position = 0)]
    [ValidateSet("containment", "proposal-payload", "evidence-store", "disclosure-anchor", "proof-kind", "alert-shape", "entry-kind", "ticket-tracker", "chat-channel", "rollforward-backend")]
    public string? Point { get; set; }

    protected override void ProcessRecord()
    {
        Try(Point, () =>
        {
            // By point, then in the catalog's own order (the engine's declarations as written, then imports).
            foreach (var entry in ExtensionCatalog.Entries.Where(e => Point is null || e.Point == Point)
                .OrderBy(e => ExtensionPoints.All.ToList().IndexOf(e.Point)))
            {
                WriteObject(entry);
            }
        });
    }
}
