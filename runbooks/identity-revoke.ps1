#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: a responder's key leaked — propose revoking it (action identity.revoke) for the quorum.
.DESCRIPTION
    No one revokes alone: this proposes; two persons sign; Invoke-DeirfContainment revokes in the roster (one write),
    and the responder re-keys with Add-DeirfIdentityProof. Target the one leaked proof (-Fingerprint) or, when you
    cannot tell which key leaked, every proof of the responder (no -Fingerprint). Revocation is never undone.

        $p = ./identity-revoke.ps1 -Incident $Incident -Responder dana -Fingerprint did:key:z6Mk... -Proposer bob -Reason 'seed in a public gist'
        $p | Add-DeirfQuorumSignature -Responder bob -Kind DidKey -KeyPath ./bob.seed
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig
        $p | Invoke-DeirfContainment                   # the plan first (-WhatIf): which proofs, eligibility after
        Add-DeirfIdentityProof -Responder dana -Kind DidKey -KeyPath ./dana-new.seed   # re-key
.EXAMPLE
    ./identity-revoke.ps1 -Incident INC-20261124-3DAB -Responder dana -Proposer bob -Reason 'laptop stolen'
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Incident,
    [Parameter(Mandatory)] [string] $Responder,
    # One proof's fingerprint (Get-DeirfResponder <handle> | ForEach-Object Proofs); omit to revoke all of them.
    [string] $Fingerprint,
    [Parameter(Mandatory)] [string] $Proposer,
    [Parameter(Mandatory)] [string] $Reason,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }
$target = if ($Fingerprint) { "$Responder/$Fingerprint" } else { $Responder }
if ($PSCmdlet.ShouldProcess($target, 'Propose identity.revoke')) {
    New-DeirfProposal -Incident $Incident -Action identity.revoke -Target $target -Parameter @{ reason = $Reason } -Proposer $Proposer @ws
}
