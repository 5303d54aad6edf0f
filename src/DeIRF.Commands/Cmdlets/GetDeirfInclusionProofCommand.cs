using System.Management.Automation;
using DeIRF.Checkpoints;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Makes a self-contained inclusion proof (C2SP tlog-proof) for one journal entry: the entry, its Merkle path and the
/// cosigned checkpoint. Nothing else of the journal is revealed.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeirfInclusionProof")]
[OutputType("DeIRF.Checkpoints.InclusionProof")]
public sealed class GetDeirfInclusionProofCommand : WorkspaceCmdlet
{
    /// <summary>The incident whose entry is proved.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The entry's sequence number (its leaf index).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, long.MaxValue)]
    public long Seq { get; set; }

    /// <summary>The checkpoint to prove against. Default: the best checkpoint of the incident that covers the entry (trusted first, then most signers).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Checkpoint { get; set; }

    /// <summary>Write the proof to this file (the .tlog-proof text).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            var checkpoint = Checkpoint is null ? null : Checkpoints.Checkpoint.Load(ResolvePath(Checkpoint));
            var proof = CheckpointLog.Prove(ws, Incident, Seq, checkpoint, CancellationToken);
            if (OutFile is not null)
            {
                proof.Save(ResolvePath(OutFile));
                WriteVerbose($"Proof of {Incident}#{Seq} against size {proof.TreeSize} written to {ResolvePath(OutFile)}.");
            }
            WriteObject(proof);
        });
    }
}
