#Requires -Version 7.4
<#
.SYNOPSIS
    Runbook one-liner: cut a compromised Linux host off the network, except SSH from the management network, through a
    quorum (action host.quarantine: nftables over SSH, commit-confirmed).
.DESCRIPTION
    Keep this ready for each host you may have to isolate. The proposal pins everything the quorum signs: the SSH
    destination, the management network kept open (allow), the commit-confirmed window, the host key fingerprint and
    the probe address that must stop answering. No secret is involved: ssh authenticates as you (agent, key, or a
    short-lived certificate from New-DeirfSshCertificate).

    Evidence first: the default policy requires evidence on the target before the quorum counts; capture it with the
    second line below. Apply captures 'ss -tanp' and the process list again, over its own session, right before the
    rules load.

        $p = ./host-quarantine.ps1 -Incident $Incident -Target web-3.prod -Ssh ops@10.0.4.13 -Allow 10.0.9.0/24 -HostKey 'SHA256:...' -Probe 198.51.100.7:443 -Proposer bob
        ssh ops@10.0.4.13 'ss -tanp; ps -eo pid,ppid,user,lstart,args' > web-3.txt; Add-DeirfEvidence -Incident $Incident -Path web-3.txt -Target web-3.prod
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig      # each signer
        $p | Invoke-DeirfContainment -WhatIf         # the plan: the table, its priority, warnings (management cut, no nft, another quarantine)
        $p | Invoke-DeirfContainment                 # revert scheduled on the host, rules loaded, verified over a NEW connection, confirmed
        Undo-DeirfContainment -Incident $Incident -Action host.quarantine -Target web-3.prod    # deletes exactly that table, or refuses

    What the provider does, and its error ids, are in docs/providers.md ("host.quarantine").
.EXAMPLE
    ./host-quarantine.ps1 -Incident INC-20261208-7A1C -Target web-3.prod -Ssh ops@10.0.4.13 -Allow 10.0.9.0/24 -HostKey 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8' -Proposer bob
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Incident,
    # The host's name in the incident (evidence and containment are recorded under it).
    [Parameter(Mandatory)] [string] $Target,
    # user@host[:port] as ssh reaches the host.
    [Parameter(Mandatory)] [string] $Ssh,
    # The management network(s) that keep SSH to the host (comma-separated CIDRs).
    [Parameter(Mandatory)] [string] $Allow,
    [Parameter(Mandatory)] [string] $Proposer,
    # The host key's SHA-256 fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host).
    [string] $HostKey,
    # An address outside the allow list the host must no longer reach (host:port).
    [string] $Probe,
    # The commit-confirmed window: the host deletes the table alone unless DeIRF confirms within it.
    [string] $ConfirmWithin = '00:02:00',
    # The key ssh logs in with (its certificate beside it as <key>-cert.pub); default: your ssh config and agent.
    [string] $IdentityFile,
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'

$parameter = @{ ssh = $Ssh; allow = $Allow; confirmWithin = $ConfirmWithin }
if ($HostKey) { $parameter.hostKey = $HostKey }
if ($Probe) { $parameter.probe = $Probe }
if ($IdentityFile) { $parameter.identityFile = $IdentityFile }
$ws = if ($Workspace) { @{ Workspace = $Workspace } } else { @{} }
New-DeirfProposal -Incident $Incident -Action host.quarantine -Target $Target -Proposer $Proposer -Parameter $parameter @ws
