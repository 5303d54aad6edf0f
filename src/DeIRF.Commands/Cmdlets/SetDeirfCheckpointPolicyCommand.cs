using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Sets the workspace's checkpoint policy (checkpoint-policy.json): automatic checkpoints (every N entries, on close),
/// how many cosigners make a checkpoint trusted, and which public witnesses must have cosigned before a disclosure.
/// A governed setting: journaled in the roster as settings.set, by a met ROSTER proposal once the roster is sealed; a
/// file edited by hand or changed by a remote commit is refused (CheckpointPolicyUnjournaled, SyncSettingsUnjournaled).
/// Parameters not given keep the policy in force.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfCheckpointPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Checkpoints.CheckpointPolicy")]
public sealed class SetDeirfCheckpointPolicyCommand : GovernedSettingCmdlet
{
    /// <summary>Write a checkpoint every N entries (0: never).</summary>
    [Parameter]
    [ValidateRange(0, 1_000_000)]
    public int? Every { get; set; }

    /// <summary>Write a checkpoint when the incident is closed.</summary>
    [Parameter]
    public bool? OnClose { get; set; }

    /// <summary>The cosigners a checkpoint needs to be trusted: a count ("2") or a group in the quorum policy's grammar as JSON.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Require { get; set; }

    /// <summary>Public witnesses' cosignature/v1 verifier keys (vkeys, or files of them); an empty array clears them.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? DisclosureWitness { get; set; }

    /// <summary>How many of -DisclosureWitness must have cosigned the journal before Publish-DeirfDisclosure (0: no requirement).</summary>
    [Parameter]
    [ValidateRange(0, 64)]
    public int? MinDisclosureWitnesses { get; set; }

    /// <summary>Emit the policy these parameters make (its Sha256 is what the settings.set proposal names), journal nothing.</summary>
    [Parameter]
    public SwitchParameter Preview { get; set; }

    protected override void ProcessRecord()
    {
        Try(Checkpoints.CheckpointPolicy.FileName, () =>
        {
            var ws = ResolveWorkspace();
            Checkpoints.CheckpointPolicy current;
            try
            {
                current = Checkpoints.CheckpointPolicy.Load(ws);
            }
            catch (Checkpoints.CheckpointException ex) when (ex.ErrorId == "CheckpointPolicyUnjournaled")
            {
                // A file nobody journaled (written by hand before the policy was governed) is no decision: start from the defaults.
                WriteWarning($"{ex.Message} The new policy starts from the defaults and replaces it.");
                current = Checkpoints.CheckpointPolicy.Default;
            }
            var witnesses = DisclosureWitness is null ? current.DisclosureWitnesses : TestDeirfInclusionProofCommand.ReadVerifierKeys(this, DisclosureWitness);
            var requireJson = Require is null ? current.ToJson()["require"]!.ToJsonString()
                : int.TryParse(Require, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? $"{{\"count\":{n}}}" : Require;
            var draft = new System.Text.Json.Nodes.JsonObject
            {
                ["version"] = 1,
                ["every"] = Every ?? current.Every,
                ["onClose"] = OnClose ?? current.OnClose,
                ["require"] = ParseRequire(requireJson),
            };
            int min = MinDisclosureWitnesses ?? (DisclosureWitness is not null && current.MinDisclosureWitnesses == 0 && witnesses.Count > 0 ? 1 : current.MinDisclosureWitnesses);
            if (witnesses.Count > 0 || min > 0)
            {
                draft["disclosure"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["witnesses"] = new System.Text.Json.Nodes.JsonArray(witnesses.Select(k => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(k.ToString())!).ToArray()),
                    ["min"] = min,
                };
            }
            // Parsed as the file will be read: a policy that cannot be met or read is refused before anything is journaled.
            var policy = Checkpoints.CheckpointPolicy.Parse(draft.ToJsonString());
            if (Preview)
            {
                WriteObject(policy);
                return;
            }
            var actor = ResolveActor(ws, Actor);
            var disclosure = policy.MinDisclosureWitnesses > 0 ? $", {policy.MinDisclosureWitnesses} of {policy.DisclosureWitnesses.Count} public witness(es) before disclosure" : "";
            if (!ShouldProcess(Identity.Roster.PathIn(ws), $"Set the checkpoint policy: every {policy.Every}, on close {policy.OnClose}, require {policy.RequireText}{disclosure} (settings.set of {Checkpoints.CheckpointPolicy.FileName}, sha256 {policy.Sha256})"))
            {
                return;
            }
            var saved = policy.Save(ws, actor, AppendOptions(ws, actor, requireOnRoster: false), Proposal);
            WriteVerbose($"Checkpoint policy set ({saved.Source}).");
            if (PassThru)
            {
                WriteObject(saved);
            }
        });
    }

    private static System.Text.Json.Nodes.JsonNode ParseRequire(string json)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(json) ?? throw new System.Text.Json.JsonException("null");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new Checkpoints.CheckpointException("CheckpointPolicyInvalid", DeirfErrorKind.InvalidArgument,
                $"Checkpoint policy refused: -Require is a count or a quorum group as JSON ({ex.Message}).", json);
        }
    }
}
