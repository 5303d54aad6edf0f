#Requires -Version 7.4
<#
.SYNOPSIS
    Quarantine one pod under a quorum: label it, deny all its ingress and egress with a NetworkPolicy, optionally cordon its node.
.DESCRIPTION
    The one-liner kept ready for action k8s.pod.quarantine (docs/providers.md). It proposes the quarantine and returns
    the proposal; kubeconfig and context (as kubectl takes them) are signed with it, so pass them explicitly. A bearer
    token, when the kubeconfig user has no credentials of its own, is not part of the proposal: Invoke-DeirfContainment
    reads it from $env:DEIRF_K8S_TOKEN at run time and never journals it.

        $p = ./k8s-pod-quarantine.ps1 -Incident $Incident -Target prod/api-7f9 -Proposer bob -Kubeconfig ~/.kube/config -Context prod
        $p | Get-DeirfSigningPayload -OutFile prop.txt      # each signer compares the digest out of band, then signs
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig
        $p | Test-DeirfQuorum
        $p | Invoke-DeirfContainment -WhatIf               # the plan: the pod (and, with -IncludeReplicas, every pod of its
                                                           # Deployment) that gets the label deirf.io/quarantine=<incident>,
                                                           # the NetworkPolicy deirf-quarantine-<pod> (Ingress and Egress, no
                                                           # rules), the node to cordon, warnings (other replicas NOT isolated
                                                           # unless -IncludeReplicas; CNI caveats)
        $p | Invoke-DeirfContainment                       # applies, reads back, journals before/after
        Get-DeirfContainment -Incident $Incident           # Verified
        Undo-DeirfContainment -Incident $Incident -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob   # proposes the undo
        Undo-DeirfContainment -Incident $Incident -Action k8s.pod.quarantine -Target prod/api-7f9                 # once signed: removes exactly what was added

    Only the pod is isolated unless -IncludeReplicas says otherwise. The default policy wants evidence on the target
    first (Add-DeirfEvidence -Target prod/api-7f9). tests/pester/ProviderRunbooks.Tests.ps1 runs exactly these steps.
.EXAMPLE
    $p = ./k8s-pod-quarantine.ps1 -Incident INC-20250101-ABCD -Target prod/api-7f9 -Proposer bob -Kubeconfig ~/.kube/config -Context prod
.EXAMPLE
    $env:DEIRF_K8S_TOKEN = kubectl create token deirf-responder -n ops    # only when the kubeconfig user has no credentials
    ./k8s-pod-quarantine.ps1 -Incident INC-20250101-ABCD -Target prod/api-7f9 -Proposer bob -Context prod -CordonNode | Invoke-DeirfContainment -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # namespace/pod
    [Parameter(Mandatory)] [string] $Target,
    [Parameter(Mandatory)] [string] $Proposer,
    [string] $Kubeconfig = $(if ($env:KUBECONFIG) { $env:KUBECONFIG } else { '~/.kube/config' }),
    [string] $Context,
    [switch] $CordonNode,
    [switch] $IncludeReplicas,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }

$parameters = @{ kubeconfig = $Kubeconfig; cordonNode = "$([bool]$CordonNode)".ToLowerInvariant(); includeReplicas = "$([bool]$IncludeReplicas)".ToLowerInvariant() }
if ($Context) { $parameters.context = $Context }

# Propose and hand the proposal back; the signers approve it out of band, then Invoke-DeirfContainment runs it.
New-DeirfProposal -Incident $Incident -Action k8s.pod.quarantine -Target $Target -Proposer $Proposer -Parameter $parameters @ws
