#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: propose the production roll-forward of a reviewed patch through a backend (action
    recovery.roll-forward with the signed parameter backend: github-actions, argocd, oz-relayer).
.DESCRIPTION
    The gates are DeIRF's and apply to every backend: the patch has a verified recovery.patch-review whose proposal
    signed its revision (-Parameter @{ patch = ...; revision = <full sha or sha256:digest> }), and a verified
    recovery.staging-replay; the roll-forward itself needs two signers who are not the proposer and a manual approval
    (Approve-DeirfProposal). What the backend's parameters run must be the reviewed revision
    (RecoveryRevisionMismatch before anything is sent). The backend's token never enters the proposal or the journal:
    Invoke-DeirfContainment takes it from -Secret @{ githubToken | argocdToken | ozRelayerToken = <SecureString> } or
    $env:DEIRF_GITHUB_TOKEN / DEIRF_ARGOCD_TOKEN / DEIRF_OZ_RELAYER_TOKEN.

        $p = ./recovery-roll-forward.ps1 -Incident $Incident -Patch 'acme/api@fix-2417' -Backend github-actions -Revision $sha `
                 -Parameter @{ repository = 'acme/api'; workflow = 'deploy.yml'; ref = 'main' } -Proposer bob
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig     # two responders, not bob
        $p | Approve-DeirfProposal -Responder dana -SignaturePath approve.txt.sig     # the manual gate
        $p | Invoke-DeirfContainment -Secret @{ githubToken = Read-Host -AsSecureString 'GitHub token' }

    Each backend's parameters, what it journals and its error ids are in docs/recovery-backends.md.
.EXAMPLE
    ./recovery-roll-forward.ps1 -Incident INC-20261207-5A1C -Patch 'acme/api@fix-2417' -Backend argocd -Revision 3f1c2d9e5b7a4c1d8e9f0a1b2c3d4e5f60718293 -Parameter @{ server = 'https://argocd.example.test'; application = 'api' } -Proposer bob
.EXAMPLE
    ./recovery-roll-forward.ps1 -Incident INC-20261207-5A1C -Patch 'vault/unpause' -Backend oz-relayer -Parameter @{ server = 'https://relayer.example.test'; relayer = 'mainnet-ops'; to = '0x5FbDB2315678afecb367f032d93F642f64180aa3'; data = '0x3f4ba83a' } -Proposer bob
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # The reviewed patch, as its recovery.patch-review named it.
    [Parameter(Mandatory)] [string] $Patch,
    [Parameter(Mandatory)] [string] $Backend,
    # The reviewed commit (full sha); an oz-relayer transaction's digest is computed from its to/value/data.
    [string] $Revision,
    # The backend's own parameters (signed with the proposal).
    [hashtable] $Parameter = @{},
    [Parameter(Mandatory)] [string] $Proposer,
    # Default: the patch name.
    [string] $Target,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }
$signed = @{} + $Parameter
$signed.patch = $Patch
$signed.backend = $Backend
if ($Revision) { $signed.revision = $Revision }

New-DeirfProposal -Incident $Incident -Action recovery.roll-forward -Target ($Target ? $Target : $Patch) -Proposer $Proposer -Parameter $signed @ws
