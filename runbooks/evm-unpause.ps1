#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: unpause a contract through a quorum — the undo of evm.contract.pause, or evm.contract.unpause.
.DESCRIPTION
    When DeIRF paused it (an applied, not yet undone evm.contract.pause on that target), the unpause is the undo of
    that containment: Undo-DeirfContainment -Proposer proposes undo.evm.contract.pause, itself a quorum proposal,
    and Undo-DeirfContainment (without -Proposer) runs it once met. Otherwise (paused by someone else) this proposes
    evm.contract.unpause. Either way the proposal is returned for the signers.

        $u = ./evm-unpause.ps1 -Incident $Incident -Contract 'eip155:1:0x…' -Rpc https://rpc.example.test -Proposer bob
        $u | Add-DeirfQuorumSignature -Responder carol -SignaturePath u.txt.sig
        $u | Undo-DeirfContainment        # for undo.evm.contract.pause
        $u | Invoke-DeirfContainment      # for evm.contract.unpause
.EXAMPLE
    ./evm-unpause.ps1 -Incident INC-20261124-3DAB -Contract eip155:1:0x5FbDB2315678afecb367f032d93F642f64180aa3 -Rpc https://rpc.example.test -Proposer bob
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Incident,
    [Parameter(Mandatory)] [string] $Contract,
    [Parameter(Mandatory)] [string] $Rpc,
    [Parameter(Mandatory)] [string] $Proposer,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }

$active = Get-DeirfContainment -Incident $Incident -Active @ws | Where-Object { $_.Action -eq 'evm.contract.pause' -and $_.Target -eq $Contract }
if ($active) {
    Undo-DeirfContainment -Incident $Incident -Action evm.contract.pause -Target $Contract -Proposer $Proposer -Confirm:$false @ws
}
else {
    New-DeirfProposal -Incident $Incident -Action evm.contract.unpause -Target $Contract -Proposer $Proposer -Parameter @{ rpc = $Rpc } @ws
}
