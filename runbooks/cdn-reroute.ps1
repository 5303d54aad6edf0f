#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: reroute a name on Cloudflare through a quorum (action cdn.reroute): point a proxied DNS record at
    a safe origin, or disable a load-balancer pool.
.DESCRIPTION
    Keep this ready for each proxied name or pool you may have to take off a compromised origin. The proposal pins the
    zone and record ids and the safe origin (or the account and pool ids), and the target is the record's or pool's
    name, checked against Cloudflare before anything changes. The API token is never part of the proposal, the journal
    or a message: Invoke-DeirfContainment takes it from -Secret @{ cloudflareToken = <SecureString> } or from
    $env:DEIRF_CLOUDFLARE_TOKEN (a token scoped to DNS:Edit on the zone, or Load Balancers:Edit on the account).

        $p = ./cdn-reroute.ps1 -Incident $Incident -Name shop.example.com -ZoneId <zone id> -RecordId <record id> -Origin 198.51.100.99 -Proposer bob
        $p = ./cdn-reroute.ps1 -Incident $Incident -Name eu-origins -AccountId <account id> -PoolId <pool id> -Proposer bob
        Add-DeirfEvidence -Incident $Incident -Path ./origin-logs.tar -Target shop.example.com      # evidence first
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig                    # each signer
        $p | Invoke-DeirfContainment -WhatIf ; $p | Invoke-DeirfContainment                          # plan; PATCH and read back
        Undo-DeirfContainment -Incident $Incident -Action cdn.reroute -Target shop.example.com        # previous origin back, or refused if changed

    What the provider does, and its error ids, are in docs/providers.md ("cdn.reroute").
.EXAMPLE
    ./cdn-reroute.ps1 -Incident INC-20261208-7A1C -Name shop.example.com -ZoneId 023e105f4ecef8ad9ca31a8372d0c353 -RecordId 372e67954025e0ba6aaa6d586b9e0b59 -Origin 198.51.100.99 -Proposer bob
#>
[CmdletBinding(DefaultParameterSetName = 'Record')]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # The DNS record's name, or the pool's name: the proposal's target.
    [Parameter(Mandatory)] [string] $Name,
    [Parameter(Mandatory, ParameterSetName = 'Record')] [string] $ZoneId,
    [Parameter(Mandatory, ParameterSetName = 'Record')] [string] $RecordId,
    # The safe origin (an IP address or a host name) the record will send traffic to.
    [Parameter(Mandatory, ParameterSetName = 'Record')] [string] $Origin,
    [Parameter(Mandatory, ParameterSetName = 'Pool')] [string] $AccountId,
    [Parameter(Mandatory, ParameterSetName = 'Pool')] [string] $PoolId,
    [Parameter(Mandatory)] [string] $Proposer,
    # The API base (default https://api.cloudflare.com/client/v4).
    [string] $Api,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'

$parameter = if ($PSCmdlet.ParameterSetName -eq 'Pool') { @{ accountId = $AccountId; poolId = $PoolId } } else { @{ zoneId = $ZoneId; recordId = $RecordId; origin = $Origin } }
if ($Api) { $parameter.api = $Api }
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }
New-DeirfProposal -Incident $Incident -Action cdn.reroute -Target $Name -Proposer $Proposer -Parameter $parameter @ws
