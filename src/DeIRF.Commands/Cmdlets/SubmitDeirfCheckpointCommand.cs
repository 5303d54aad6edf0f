using System.Management.Automation;
using DeIRF.Checkpoints;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Asks a public witness (C2SP tlog-witness: POST &lt;url&gt;/add-checkpoint) to cosign the incident's latest
/// checkpoint, with the consistency proof from the size it last cosigned, cut from this replica's own tree. A
/// cosignature that verifies against -WitnessKey is added to the workspace's checkpoint (and travels with sync); the
/// answer, cosigned or refused, is journaled as checkpoint.witnessed.
/// </summary>
[Cmdlet(VerbsLifecycle.Submit, "DeirfCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Checkpoints.WitnessSubmission")]
public sealed class SubmitDeirfCheckpointCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The witness's URL prefix (https; plain http only to loopback).</summary>
    [Parameter(Mandatory = true)]
    public Uri Witness { get; set; } = null!;

    /// <summary>The witness's cosignature verifier key (a C2SP vkey, name+keyid+base64) or a file holding it.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string WitnessKey { get; set; } = string.Empty;

    /// <summary>The size the witness last cosigned, if known (default 0: the witness's 409 answer names it).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long OldSize { get; set; }

    /// <summary>The responder asking (the journal entry is theirs).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            if (!Witness.IsAbsoluteUri || (Witness.Scheme != Uri.UriSchemeHttps && !(Witness.Scheme == Uri.UriSchemeHttp && Witness.IsLoopback)) || !string.IsNullOrEmpty(Witness.UserInfo))
            {
                throw new CheckpointException("WitnessUrlInvalid", DeirfErrorKind.InvalidArgument,
                    $"'{Witness}' is not a witness URL: https:// (plain http only to a loopback address), without user info.", Witness);
            }
            var keys = TestDeirfInclusionProofCommand.ReadVerifierKeys(this, [WitnessKey]);
            if (keys.Count != 1)
            {
                throw new CheckpointException("CheckpointKeyInvalid", DeirfErrorKind.InvalidArgument, "-WitnessKey names one key.", WitnessKey);
            }
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            RequireOnRoster(ws, actor);
            var incident = ws.GetIncident(Incident);
            var result = WorkspaceWitnessing.Submit(ws, incident.Id, Http, Witness, keys[0], OldSize,
                cp => ShouldProcess($"{Witness.GetLeftPart(UriPartial.Authority)}: {cp.Origin} size {cp.Size}", "Submit checkpoint to witness"), CancellationToken);
            if (result is null)
            {
                return;
            }
            ws.Record(incident.Id, actor, Journal.Kinds.CheckpointWitnessed.Body.Of(result), AppendOptions(ws, actor, requireOnRoster: false));
            if (result.Exception is { } ex)
            {
                WriteError(ToErrorRecord(ex, Witness));
            }
            WriteObject(result);
        });
    }
}
