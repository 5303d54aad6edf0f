#Requires -Version 7.4
<#
.SYNOPSIS
    Cloud resource freeze: put a ReadOnly (or CanNotDelete) Azure management lock on a resource, through a quorum.
.DESCRIPTION
    The one-liner kept ready for action azure.resource.lock (docs/providers.md). The proposal is signed by the
    quorum; the bearer token is not part of it: Invoke-DeirfContainment reads it from $env:DEIRF_AZURE_TOKEN
    (e.g. az account get-access-token --query accessToken -o tsv) at run time and never journals it.

        $p = New-DeirfProposal -Incident INC-... -Action azure.resource.lock -Target /subscriptions/<sub>/resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachines/api-7f9 -Parameter @{ level = 'ReadOnly' } -Proposer bob
        $p | Get-DeirfSigningPayload -OutFile prop.txt      # each signer compares the digest out of band, then signs
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig
        $p | Test-DeirfQuorum
        $p | Invoke-DeirfContainment -WhatIf               # plan: the locks there now, the lock to be set
        $p | Invoke-DeirfContainment                       # sets the lock, reads it back, journals before/after
        Undo-DeirfContainment -Incident INC-... -Action azure.resource.lock -Target /subscriptions/<sub>/...   # removes only that lock

    This script runs the propose step (and, with -Apply, the containment once the quorum is met).
.EXAMPLE
    ./azure-resource-lock.ps1 -Incident INC-20260314-0007 -Proposer bob -ResourceId /subscriptions/5d0c.../resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachines/api-7f9
.EXAMPLE
    $env:DEIRF_AZURE_TOKEN = az account get-access-token --query accessToken -o tsv
    ./azure-resource-lock.ps1 -Incident INC-20260314-0007 -Proposer bob -ResourceId /subscriptions/... -Apply -Confirm:$false
#>
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # A full ARM resource id, a resource group (/subscriptions/<id>/resourceGroups/<name>) or a subscription.
    [Parameter(Mandatory)] [string] $ResourceId,
    [Parameter(Mandatory)] [string] $Proposer,
    [ValidateSet('ReadOnly', 'CanNotDelete')] [string] $Level = 'ReadOnly',
    [string] $Workspace,
    # Run the containment too (it refuses until the quorum is met).
    [switch] $Apply
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }

$p = New-DeirfProposal -Incident $Incident -Action azure.resource.lock -Target $ResourceId -Parameter @{ level = $Level } -Proposer $Proposer @ws
# -WhatIf and -Confirm given to this script reach Invoke-DeirfContainment through $WhatIfPreference / $ConfirmPreference.
if ($Apply) { $p | Invoke-DeirfContainment @ws } else { $p }
