#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: freeze through a Safe multisig — the Safe calls pause() on a contract (action evm.safe.freeze).
.DESCRIPTION
    The quorum's signers are the Safe's owners: each signs the Safe transaction hash (EIP-712 SafeTx) that
    Get-DeirfSigningPayload shows, with eth_sign / personal_sign over its 32 bytes (a wallet, `cast wallet sign 0x<hash>`,
    or Add-DeirfQuorumSignature -KeyPath). The proposal binds the Safe's current nonce (read from the node now), so
    each approval executes once; DeIRF orders the owner signatures as the Safe expects and calls execTransaction
    from the executor key ($env:DEIRF_EVM_KEY or -Secret @{ evmKey = … }), which only pays gas.

        $f = ./evm-safe-freeze.ps1 -Incident $Incident -Safe 'eip155:1:0xSafe…' -To '0xToken…' -Rpc https://rpc.example.test -Proposer bob
        $f | Get-DeirfSigningPayload           # Digest = the Safe tx hash: compare it with what the wallet shows
        $f | Add-DeirfQuorumSignature -Responder dana -SignaturePath dana.sig
        $f | Invoke-DeirfContainment           # execTransaction with the collected owner signatures; reads paused() and the nonce
.EXAMPLE
    ./evm-safe-freeze.ps1 -Incident INC-20261124-3DAB -Safe eip155:1:0x… -To 0x… -Rpc https://rpc.example.test -Proposer bob
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # The Safe, CAIP-10: eip155:<chain id>:<checksummed address>.
    [Parameter(Mandatory)] [string] $Safe,
    # The contract the Safe calls (checksummed).
    [Parameter(Mandatory)] [string] $To,
    [Parameter(Mandatory)] [string] $Rpc,
    [Parameter(Mandatory)] [string] $Proposer,
    [ValidateSet('pause', 'unpause')] [string] $Call = 'pause',
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }

New-DeirfProposal -Incident $Incident -Action evm.safe.freeze -Target $Safe -Proposer $Proposer -Parameter @{ rpc = $Rpc; to = $To; call = $Call } @ws
