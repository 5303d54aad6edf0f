#Requires -Version 7.4
<#
.SYNOPSIS
    Cloud resource freeze: put a ReadOnly (or CanNotDelete) Azure management lock on a resource, through a quorum.
.DESCRIPTION
    The one-liner kept ready for action azure.resource.lock (docs/providers.md). It proposes the lock and returns the
    proposal. The bearer token is not part of it: Invoke-DeirfContainment reads it from $env:DEIRF_AZURE_TOKEN
    (e.g. az account get-access-token --query accessToken -o tsv) at run time and never journals it.

        $p = ./azure-resource-lock.ps1 -Incident $Incident -ResourceId /subscriptions/<sub>/resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachines/api-7f9 -Proposer bob
        $p | Get-DeirfSigningPayload -OutFile prop.txt      # each signer compares the digest out of band, then signs
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig
        $p | Test-DeirfQuorum
        $p | Invoke-DeirfContainment -WhatIf               # plan: the locks there now, the lock to be set
        $p | Invoke-DeirfContainment                       # sets the lock, reads it back, journals before/after
        Get-DeirfContainment -Incident $Incident           # Verified
        Undo-DeirfContainment -Incident $Incident -Action azure.resource.lock -Target /subscriptions/<sub>/... -Proposer bob   # proposes the undo
        Undo-DeirfContainment -Incident $Incident -Action azure.resource.lock -Target /subscriptions/<sub>/...                 # once signed: removes only that lock

    The default policy wants evidence on the target first (Add-DeirfEvidence -Target <resource id>).
    A private ARM endpoint (Azure Stack Hub, a test fake) is named with -Endpoint; -EndpointCertSha256 pins its
    certificate when it is not issued by a CA the machine trusts. Both are signed with the proposal.
    tests/pester/ProviderRunbooks.Tests.ps1 runs exactly these steps against an ARM fake.
.EXAMPLE
    $p = ./azure-resource-lock.ps1 -Incident INC-20260314-0007 -Proposer bob -ResourceId /subscriptions/5d0c.../resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachines/api-7f9
.EXAMPLE
    ./azure-resource-lock.ps1 -Incident INC-20260314-0007 -Proposer bob -ResourceId /subscriptions/.../resourceGroups/prod-rg -Level CanNotDelete -Endpoint https://management.local.azurestack.external -EndpointCertSha256 3f1c...e9
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # A full ARM resource id, a resource group (/subscriptions/<id>/resourceGroups/<name>) or a subscription.
    [Parameter(Mandatory)] [string] $ResourceId,
    [Parameter(Mandatory)] [string] $Proposer,
    [ValidateSet('ReadOnly', 'CanNotDelete')] [string] $Level = 'ReadOnly',
    # The ARM endpoint, when not the public cloud's https://management.azure.com.
    [string] $Endpoint,
    # SHA-256 of that endpoint's certificate, to pin it (only with -Endpoint).
    [string] $EndpointCertSha256,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }

$parameters = @{ level = $Level }
if ($Endpoint) { $parameters.endpoint = $Endpoint }
if ($EndpointCertSha256) { $parameters.endpointCertSha256 = $EndpointCertSha256 }

# Propose and hand the proposal back; the signers approve it out of band, then Invoke-DeirfContainment runs it.
New-DeirfProposal -Incident $Incident -Action azure.resource.lock -Target $ResourceId -Proposer $Proposer -Parameter $parameters @ws
