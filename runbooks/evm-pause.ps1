#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: pause a Pausable contract through a quorum (action evm.contract.pause).
.DESCRIPTION
    The proposal pins what the quorum signs: the contract as a CAIP-10 id (eip155:<chain id>:<EIP-55 checksummed
    address>; a wrong checksum is refused) and the node's JSON-RPC URL. The sender's private key is never part of
    the proposal, the journal or any message: Invoke-DeirfContainment takes it from $env:DEIRF_EVM_KEY or from
    -Secret @{ evmKey = (Read-Host -AsSecureString) }; its address must be allowed to call pause() (OpenZeppelin
    Ownable owner, or the PAUSER role).

        $p = New-DeirfProposal -Incident $Incident -Action evm.contract.pause -Target 'eip155:1:0x…' -Proposer bob -Parameter @{ rpc = 'http://127.0.0.1:8545' }
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig     # each responder, as for any proposal
        $p | Invoke-DeirfContainment -WhatIf    # reads paused(), the block number, owner(); sends nothing
        $p | Invoke-DeirfContainment            # sends pause(), waits for the receipt, reads paused() == true
        Undo-DeirfContainment -Incident $Incident -Action evm.contract.pause -Target 'eip155:1:0x…' -Proposer bob   # unpause: its own proposal

    What the provider does, and its error ids, are in docs/providers.md ("evm.contract.pause").
.EXAMPLE
    ./evm-pause.ps1 -Incident INC-20261124-3DAB -Contract eip155:1:0x5FbDB2315678afecb367f032d93F642f64180aa3 -Rpc https://rpc.example.test -Proposer bob
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # CAIP-10: eip155:<chain id>:<checksummed address>.
    [Parameter(Mandatory)] [string] $Contract,
    [Parameter(Mandatory)] [string] $Rpc,
    [Parameter(Mandatory)] [string] $Proposer,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }

New-DeirfProposal -Incident $Incident -Action evm.contract.pause -Target $Contract -Proposer $Proposer -Parameter @{ rpc = $Rpc } @ws
