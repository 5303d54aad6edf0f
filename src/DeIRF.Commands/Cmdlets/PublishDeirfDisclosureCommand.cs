using System.Collections;
using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Records that a disclosure text was published: its SHA-256 and the incident journal's verified head go into a
/// disclosure.published entry. With -OnChain the same digest and head are first sent as the calldata of a transaction
/// ("deirf-disclosure-v1" ‖ digest ‖ head hash ‖ head seq) to -Target, mined, read back and checked, and the entry also
/// holds the transaction hash and block. A direct action of the Comms Lead (not quorum-gated): ConfirmImpact High.
/// </summary>
[Cmdlet(VerbsData.Publish, "DeirfDisclosure", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DeIRF.Journal.JournalEntry")]
public sealed class PublishDeirfDisclosureCommand : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The disclosure text file as published (its bytes are hashed; the text itself is not journaled).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Render the text to -Path from templates/disclosure.md (the workspace's own templates/ first) before publishing it.</summary>
    [Parameter]
    public SwitchParameter FromTemplate { get; set; }

    /// <summary>With -FromTemplate: what the team says publicly (the template prompts for it when left out).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Message { get; set; }

    /// <summary>Entries (seq) chosen for disclosure: an RFC 6962 inclusion proof of each against the newest checkpoint is written beside -Path (&lt;name&gt;.entry-&lt;seq&gt;.tlog-proof).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long[] Entry { get; set; } = [];

    /// <summary>With -FromTemplate: replace an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also send the digest and journal head in a transaction to -Target and journal its hash.</summary>
    [Parameter]
    public SwitchParameter OnChain { get; set; }

    /// <summary>With -OnChain: where the transaction goes, CAIP-10 eip155:&lt;chain id&gt;:&lt;checksummed address&gt;.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>With -OnChain: the node's JSON-RPC URL; default $env:DEIRF_EVM_RPC.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Rpc { get; set; }

    /// <summary>With -OnChain: @{ evmKey = (Read-Host -AsSecureString) }; default $env:DEIRF_EVM_KEY. Never journaled.</summary>
    [Parameter]
    public Hashtable? Secret { get; set; }

    /// <summary>With -OnChain: how long to wait for the receipt (default 120).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>The responder publishing (normally the Comms Lead); the journal entry is theirs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            if (Target is not null && !OnChain)
            {
                throw new DeirfException("DisclosureTargetWithoutOnChain", DeirfErrorKind.InvalidArgument, "-Target is for -OnChain: add -OnChain, or leave -Target out.", Target);
            }
            if (OnChain && Target is null)
            {
                throw new DeirfException("DisclosureTargetMissing", DeirfErrorKind.InvalidArgument,
                    "-OnChain needs -Target 'eip155:<chain id>:<checksummed address>'.", nameof(Target));
            }
            var ws = ResolveWorkspace();
            if (!PrepareText(ws))
            {
                return;
            }
            var draft = Disclosure.Disclosures.Prepare(ws, Incident, ResolvePath(Path), CancellationToken);
            var incident = ws.GetIncident(draft.Incident);
            var what = Disclosure.Disclosures.Describe(draft);
            if (!OnChain)
            {
                // Journaled only (the text is the team's to publish elsewhere): Medium; on chain it is public for good: High.
                if (ShouldProcess($"{incident.Id}: {what}", "Record disclosure", ConfirmImpact.Medium))
                {
                    var by = Publisher(ws, incident);
                    WriteObject(Disclosure.Disclosures.Record(ws, draft, null, by, AppendOptions(ws, by)));
                }
                return;
            }
            var rpc = Rpc ?? Environment.GetEnvironmentVariable("DEIRF_EVM_RPC");
            if (string.IsNullOrWhiteSpace(rpc))
            {
                throw new DeirfException("DisclosureRpcMissing", DeirfErrorKind.InvalidArgument, "-OnChain needs -Rpc (or $env:DEIRF_EVM_RPC): the node's JSON-RPC URL.", nameof(Rpc));
            }
            var request = new Disclosure.DisclosureAnchorRequest(Target!, rpc, draft.Message, ContainmentCmdletSupport.Secrets(Secret), TimeSpan.FromSeconds(TimeoutSeconds));
            var anchor = Disclosure.Disclosures.AnchorFor(Target!);
            // Read-only: connects, refuses a node on another chain, reports who would send (also under -WhatIf).
            var plan = anchor.PlanAsync(request, CancellationToken).GetAwaiter().GetResult();
            foreach (var warning in plan.Warnings)
            {
                WriteWarning(warning);
            }
            var message = Convert.ToHexString(draft.Message).ToLowerInvariant();
            if (!ShouldProcess($"{incident.Id}: {what}{Environment.NewLine}  send to {plan.Target} (chain {plan.ChainId}, now block {plan.Block}) from {plan.Sender ?? "(no key)"} via {rpc}"
                + $"{Environment.NewLine}  calldata 0x{message}", "Publish disclosure on chain"))
            {
                return;
            }
            var actor = Publisher(ws, incident);
            var receipt = anchor.SendAsync(request, CancellationToken).GetAwaiter().GetResult();
            WriteVerbose($"Disclosure message mined in block {receipt.Block} ({receipt.Transaction}).");
            try
            {
                WriteObject(Disclosure.Disclosures.Record(ws, draft, receipt, actor, AppendOptions(ws, actor)));
            }
            catch (DeirfException ex)
            {
                throw new DeirfException("DisclosureNotJournaled", DeirfErrorKind.InvalidOperation,
                    $"The disclosure was published on chain in {receipt.Transaction} (block {receipt.Block}) but could not be journaled: {ex.Message}", receipt.Transaction, ex);
            }
        });
    }

    /// <summary>
    /// -FromTemplate renders the text (it names the proof files), -Entry writes the inclusion proofs beside it; both only
    /// when ShouldProcess agrees. False: declined (-WhatIf), nothing written.
    /// </summary>
    private bool PrepareText(Workspaces.Workspace ws)
    {
        if (Message is not null && !FromTemplate)
        {
            throw new DeirfException("DisclosureMessageWithoutTemplate", DeirfErrorKind.InvalidArgument, "-Message is for -FromTemplate: add -FromTemplate, or write the text into -Path yourself.", nameof(Message));
        }
        var path = ResolvePath(Path);
        var disclosed = Disclosure.DisclosureText.Prove(ws, Incident, path, Entry, CancellationToken);
        if (FromTemplate)
        {
            if (File.Exists(path) && !Force)
            {
                throw new DeirfException("DisclosureFileExists", DeirfErrorKind.AlreadyExists, $"'{path}' exists: add -Force to render over it.", path);
            }
            var template = Templates.TemplateRenderer.Resolve(Disclosure.DisclosureText.TemplateName, ws.Root, ShippedTemplates, WriteWarning);
            if (!ShouldProcess(path, $"Render the disclosure text from {template}", ConfirmImpact.Low))
            {
                return false;
            }
            File.WriteAllText(path, Disclosure.DisclosureText.Render(ws, Incident, template, Message, disclosed));
        }
        if (disclosed.Count > 0)
        {
            if (!ShouldProcess(string.Join(", ", disclosed.Select(d => d.ProofPath)), $"Write inclusion proofs against checkpoint size {disclosed[0].Proof.TreeSize}", ConfirmImpact.Low))
            {
                return false;
            }
            Disclosure.DisclosureText.SaveProofs(disclosed);
            foreach (var d in disclosed)
            {
                WriteVerbose($"Inclusion proof of {Incident}#{d.Seq} against size {d.Proof.TreeSize}: {d.ProofPath}");
            }
        }
        return true;
    }

    /// <summary>The actor, resolved only once something is written (-WhatIf names nobody); warns unless they are the Comms Lead.</summary>
    private string Publisher(Workspaces.Workspace ws, Incidents.Incident incident)
    {
        var actor = ResolveActor(ws, Actor);
        if (!incident.HoldsRole("CommsLead", actor))
        {
            WriteWarning($"{actor} does not hold the CommsLead role in {incident.Id} ({(incident.RolesText is { Length: > 0 } r ? r : "no roles granted")}).");
        }
        return actor;
    }
}
