#Requires -Version 7.4
<#
.SYNOPSIS
    Quarantine one pod under a quorum: label it, deny all its ingress and egress with a NetworkPolicy, optionally cordon its node.
.DESCRIPTION
    The one-liner, as a responder types it (kubeconfig and context as kubectl takes them; they are signed with the proposal):

        New-DeirfProposal -Incident $Incident -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob -Parameter @{ kubeconfig = '~/.kube/config'; context = 'prod'; cordonNode = 'false'; includeReplicas = 'false' } | Invoke-DeirfContainment -WhatIf

    -WhatIf shows the plan: the pod (and, with includeReplicas=true, every pod of its Deployment) that gets the label
    deirf.io/quarantine=<incident id>, the NetworkPolicy deirf-quarantine-<pod> (policyTypes Ingress and Egress, no
    rules), the node to cordon, and warnings (other replicas NOT isolated unless includeReplicas; CNI caveats).
    Only the pod is isolated unless includeReplicas=true says otherwise. Undo removes exactly what was added:

        Undo-DeirfContainment -Incident $Incident -Action k8s.pod.quarantine -Target prod/api-7f9
.EXAMPLE
    ./k8s-pod-quarantine.ps1 -Incident INC-20250101-ABCD -Target prod/api-7f9 -Proposer bob -Context prod
#>
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # namespace/pod
    [Parameter(Mandatory)] [string] $Target,
    [Parameter(Mandatory)] [string] $Proposer,
    [string] $Kubeconfig = $(if ($env:KUBECONFIG) { $env:KUBECONFIG } else { '~/.kube/config' }),
    [string] $Context,
    [switch] $CordonNode,
    [switch] $IncludeReplicas
)
$ErrorActionPreference = 'Stop'

$parameters = @{ kubeconfig = $Kubeconfig; cordonNode = "$([bool]$CordonNode)".ToLowerInvariant(); includeReplicas = "$([bool]$IncludeReplicas)".ToLowerInvariant() }
if ($Context) { $parameters.context = $Context }

# Propose; signers then approve out of band (Get-DeirfSigningPayload / Add-DeirfQuorumSignature), and Test-DeirfQuorum says when it is met.
$p = New-DeirfProposal -Incident $Incident -Action k8s.pod.quarantine -Target $Target -Proposer $Proposer -Parameter $parameters
$p | Invoke-DeirfContainment -WhatIf
if ($PSCmdlet.ShouldProcess($Target, 'k8s.pod.quarantine')) {
    $p | Test-DeirfQuorum
    $p | Invoke-DeirfContainment -Confirm:$false
}
