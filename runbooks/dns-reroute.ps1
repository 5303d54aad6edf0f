#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: point a compromised name at a safe target through a quorum (action dns.reroute).
.DESCRIPTION
    Keep this ready for each name you may have to reroute (seed: "keep a one-liner command ready for each action and
    store it in the runbook"). The proposal pins everything the quorum signs: the name, the server, the zone, the safe
    target, the TTL and the TSIG key NAME. The TSIG SECRET is never part of the proposal, the journal or any message:
    Invoke-DeirfContainment takes it from $env:DEIRF_TSIG_SECRET (base64, as tsig-keygen writes it) or from
    -Secret (a SecureString), and hands it to the provider only for the update itself.

    The one-liner (proposer), then the approvals (each responder, on their own machine), then the execution:

        $p = New-DeirfProposal -Incident $Incident -Action dns.reroute -Target api.example.test. -Proposer bob -Parameter @{ server = 'ns1.example.test:53'; zone = 'example.test.'; safeTarget = '198.51.100.10'; ttl = '60'; tsigKeyName = 'deirf-tsig' }
        $p | Get-DeirfSigningPayload -OutFile prop.txt ; ssh-keygen -Y sign -n deirf -f ~/.ssh/id_ed25519 prop.txt    # carol
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig
        $p | Test-DeirfQuorum                          # IsMet True?
        $p | Invoke-DeirfContainment -WhatIf           # the plan: the records now (before), delete/add steps, warnings
        $p | Invoke-DeirfContainment                   # one signed UPDATE, refused if the records changed since the plan; read back
        Undo-DeirfContainment -Incident $Incident -Action dns.reroute -Target api.example.test.   # restores the previous records exactly

    What the provider does, and its error ids, are in docs/providers.md ("dns.reroute").
.EXAMPLE
    $env:DEIRF_TSIG_SECRET = (Get-Secret deirf-tsig -AsPlainText)    # from your vault, only for this session
    ./dns-reroute.ps1 -Incident INC-20261124-3DAB -Name api.example.test. -SafeTarget 198.51.100.10 -Proposer bob
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # The name to reroute, fully qualified.
    [Parameter(Mandatory)] [string] $Name,
    # An IPv4 address (A), an IPv6 address (AAAA) or a name (CNAME): a sinkhole, a maintenance page, a standby.
    [Parameter(Mandatory)] [string] $SafeTarget,
    [Parameter(Mandatory)] [string] $Proposer,
    # The zone's primary server (host or host:port); it must accept updates signed with the key below.
    [string] $Server = 'ns1.example.test:53',
    [string] $Zone = 'example.test.',
    [string] $TsigKeyName = 'deirf-tsig',
    [int] $Ttl = 60
)
$ErrorActionPreference = 'Stop'

New-DeirfProposal -Incident $Incident -Action dns.reroute -Target $Name -Proposer $Proposer -Parameter @{ server = $Server; zone = $Zone; safeTarget = $SafeTarget; ttl = "$Ttl"; tsigKeyName = $TsigKeyName }
