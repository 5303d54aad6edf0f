using System.Management.Automation;
using DeIRF.Checkpoints;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Verifies an inclusion proof file offline, with the module alone: the entry, its path to the checkpoint's root,
/// the checkpoint you trust (-Checkpoint), and the signatures against the keys you trust (-TrustedKey, or a
/// workspace's roster with -Workspace) under the trust policy.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfInclusionProof")]
[OutputType("DeIRF.Checkpoints.InclusionProofVerdict", "System.Boolean")]
public sealed class TestDeirfInclusionProofCommand : DeirfCmdlet
{
    /// <summary>The proof file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>A checkpoint you already trust (from the Recorder or a witness): the proof must be against the same tree head.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Checkpoint { get; set; }

    /// <summary>Verifier keys you trust, in C2SP vkey form (name+keyid+base64), or files holding one per line.</summary>
    [Parameter]
    public string[] TrustedKey { get; set; } = [];

    /// <summary>Take trusted keys (the roster), policy and roles from this workspace instead.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>The origin the proof must have (as published beside it, deirf.local/&lt;workspace id&gt;/&lt;incident&gt;); -Workspace binds it to that workspace's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Origin { get; set; }

    /// <summary>Cosigners required, in the quorum policy's group grammar as JSON (default: the workspace's policy, else 1 of anyone).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Require { get; set; }

    /// <summary>Return only $true (included and trusted) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        bool answered = false;
        Try(Path, () =>
        {
            var keys = ReadVerifierKeys(TrustedKey).ToList();
            var proof = InclusionProof.Load(ResolvePath(Path));
            var trusted = Checkpoint is null ? null : Checkpoints.Checkpoint.Load(ResolvePath(Checkpoint));
            var policy = CheckpointPolicy.Default;
            Func<string, IReadOnlySet<string>>? roles = null;
            InclusionProofBinding? binding = Origin is null ? null : new InclusionProofBinding(Origin);
            if (Workspace is not null)
            {
                var ws = Workspaces.Workspace.Open(ResolvePath(Workspace));
                keys.AddRange(NoteVerifierKey.FromRoster(Identity.Roster.Load(ws)));
                policy = CheckpointPolicy.Load(ws);
                // The workspace's keys vouch only for its own journal: the proof is bound to its origin and entry.
                var bound = InclusionProofBinding.For(ws, proof, CancellationToken);
                if (binding is not null && binding.Origin != bound.Origin)
                {
                    throw new CheckpointException("ProofOriginConflict", DeirfErrorKind.InvalidArgument,
                        $"-Origin '{binding.Origin}' is not the origin of -Workspace's journal of {proof.Incident} ('{bound.Origin}'): give one or the other.", binding.Origin);
                }
                binding = bound;
                if (bound.HoldsJournal)
                {
                    roles = NewDeirfCheckpointCommand.RolesIn(ws, proof.Incident);
                }
            }
            if (Require is not null)
            {
                policy = CheckpointPolicy.Parse($"{{\"version\":1,\"require\":{Require}}}");
            }
            if (keys.Count == 0)
            {
                WriteWarning("No trusted keys (-TrustedKey or -Workspace): the path is checked, but no signature can be, so the proof cannot be trusted.");
            }
            var verdict = proof.Verify(trusted, keys, policy, roles, binding);
            if (!verdict.IsTrusted)
            {
                WriteVerbose(verdict.ToString());
            }
            WriteObject(Quiet ? verdict.IsTrusted : verdict);
            answered = true;
        });
        if (Quiet && !answered)
        {
            WriteObject(false);
        }
    }

    /// <summary>
    /// Verifier keys from -TrustedKey style arguments: a C2SP vkey (name+keyid+base64) as given, anything else the path
    /// of a file of them, one a line (blank and # lines skipped). TrustedKeyFileNotFound names a missing file.
    /// </summary>
    internal static IReadOnlyList<NoteVerifierKey> ReadVerifierKeys(DeirfCmdlet cmdlet, IEnumerable<string> values)
    {
        var keys = new List<NoteVerifierKey>();
        foreach (var k in values)
        {
            var asPath = cmdlet.ResolvePath(k);
            bool isFile = File.Exists(asPath);
            if (!isFile && !k.Contains('+'))
            {
                throw new DeirfException("TrustedKeyFileNotFound", DeirfErrorKind.NotFound,
                    $"No trusted-key file '{asPath}'. It holds one C2SP verifier key (name+keyid+base64) a line: the VerifierKey that New-DeirfCheckpoint and Add-DeirfCheckpointCosignature return for each signer, or the keys a published disclosure lists (docs/checkpoints.md).", k);
            }
            var lines = isFile ? File.ReadAllLines(asPath) : [k];
            keys.AddRange(lines.Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).Select(NoteVerifierKey.Parse));
        }
        return keys;
    }

    private IReadOnlyList<NoteVerifierKey> ReadVerifierKeys(IEnumerable<string> values) => ReadVerifierKeys(this, values);
}
