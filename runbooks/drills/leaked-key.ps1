#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "leaked key": a responder's signing key was pushed to a public repository.
.DESCRIPTION
    Runs the whole incident flow as a drill in a sandbox workspace using only public DeIRF cmdlets, times each phase
    against its target and the incident's T-minus deadlines, and prints a scorecard. Exits 1 when a phase failed or
    missed its target or deadline. Needs no external service and no external tool (dana signs the manual approval with New-DeirfSignature).
    Copy this file (and _drill-kit.ps1) to write your own scenario.

      Roster   - alice, bob, carol, dana join; each binds two proofs of different kinds (keys made now)
      Detect   - the leak scanner's alert (generic JSON) opens the incident, tagged as a drill
      Triage   - P1 severity, Triage and Containment Leads, kickoff message          (deadline: triage)
      Evidence - the scanner's finding is captured in the write-once evidence store
      Contain  - quorum (bob + carol) revokes dana's leaked did:key; replay refused;
                 a note written with the leaked key on an attacker's copy is caught (deadline: containment)
      Re-key   - dana binds a new key and signs with it
      Recover  - recovery gate: patch review by two signers plus a manual approval
      Close    - reward recorded, incident closed, retrospective written       (deadline: retrospective)
      Verify   - the incident journal and the roster verify, signatures included

    Drill keys live in a folder beside the workspace and are deleted at the end; the workspace is kept.
.EXAMPLE
    ./leaked-key.ps1 -Workspace ./drill-ws
.EXAMPLE
    Start-DeirfDrill -Scenario leaked-key -InjectDelay @{ Triage = 5 } -TargetScale 0.01
#>
[CmdletBinding()]
param(
    # The module to drill with (defaults to the installed DeIRF).
    [string] $ModulePath = 'DeIRF',
    # Keep the drill workspace here (default: a new temporary folder, kept for inspection).
    [string] $Workspace,
    # Seconds added to phases: "Triage=5,Contain=1" (Start-DeirfDrill -InjectDelay @{ Triage = 5 }).
    [string] $InjectDelay,
    # Seconds added to the Triage phase (kept for older callers; same as -InjectDelay Triage=<n>).
    [double] $InjectDelaySeconds = 0,
    # Multiplies every phase target and deadline (tests use a small scale to miss a deadline quickly).
    [ValidateRange(0.0001, 1000)]
    [double] $TargetScale = 1,
    # Where Start-DeirfDrill reads the scorecard (JSON lines).
    [string] $ScorecardPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
. (Join-Path $PSScriptRoot '_drill-kit.ps1')

if ($InjectDelaySeconds -gt 0) { $InjectDelay = (@($InjectDelay, "Triage=$InjectDelaySeconds") | Where-Object { $_ }) -join ',' }
# Phase targets (seconds): generous for a scripted drill; a real team sets its own.
$targets = [ordered]@{ Roster = 60; Detect = 30; Triage = 60; Evidence = 30; Contain = 120; 'Re-key' = 60; Recover = 120; Close = 60; Verify = 60 }
$drill = Initialize-Drill -Scenario leaked-key -Workspace $Workspace -ScorecardPath $ScorecardPath -InjectDelay $InjectDelay -TargetScale $TargetScale -Targets $targets
$ws = $drill.Workspace
$keys = $drill.Keys

try {
    $null = Invoke-DrillPhase Roster { New-DrillTeam }
    $null = Invoke-DrillPhase Detect {
        $i = New-DrillIncidentFromAlert -Title 'Responder signing key leaked in public repo (drill)' -Source 'leak-scanner' -Tag leaked-key
        # The T-minus deadlines of this drill: triage within the Detect+Triage targets, containment by Contain.
        Set-DrillDeadline -Incident $i.Id -Deadlines @{ triage = 'Detect', 'Triage'; containment = 'Detect', 'Triage', 'Evidence', 'Contain' }
        "alert from leak-scanner opened $($i.Id) (drill: true)"
    }
    $id = $drill.Incident
    $null = Invoke-DrillPhase Triage -Deadline triage { Set-DrillTriage 'a responder signing key is public' }
    $null = Invoke-DrillPhase Evidence {
        $finding = Join-Path $keys 'scanner-finding.txt'
        "repo: acme/dotfiles`ncommit: 3f1c2d9`nfile: .deirf/dana.key`nfound: $([DateTimeOffset]::UtcNow.ToString('o'))" | Set-Content $finding
        $e = Add-DeirfEvidence -Incident $id -Path $finding -Target 'identity/dana' -Actor bob -Workspace $ws -PassThru
        "scanner finding captured: $($e.Hash.Substring(0, 19))..."
    }
    $null = Invoke-DrillPhase Contain -Deadline containment {
        $leaked = (Get-DeirfResponder dana -Workspace $ws).Proofs | Where-Object Kind -eq 'DidKey'
        # No one revokes alone: bob proposes, carol and dana sign (two persons), then the revocation runs once.
        $p = New-DeirfProposal -Incident $id -Action identity.revoke -Target "dana/$($leaked.Fingerprint)" -Parameter @{ reason = 'seed leaked in public repo (drill)' } -Proposer bob -Workspace $ws
        $p | Add-DeirfQuorumSignature -Responder bob -Kind DidKey -KeyPath (Get-DrillKeyPath bob DidKey) -Confirm:$false | Out-Null
        $p | Add-DeirfQuorumSignature -Responder carol -Kind Ethereum -KeyPath (Get-DrillKeyPath carol Ethereum) -Confirm:$false | Out-Null
        $verdict = $p | Test-DeirfQuorum
        if (-not $verdict.IsMet) { throw "quorum not met: $($verdict.Blockers -join '; ')" }
        $applied = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction Stop
        if (-not $applied.Verified) { throw "identity.revoke applied but not verified: $($applied.Message)" }
        $again = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable replay
        if ($again -or "$($replay[0].FullyQualifiedErrorId)" -notlike 'ProposalConsumed,*') { throw 'the same approvals ran the revocation twice' }
        # The attacker holds the leaked seed and writes as dana on a copy of the workspace: verification refuses it.
        $probe = Join-Path $keys 'attacker-copy'
        Copy-Item $ws $probe -Recurse
        Add-DeirfNote -Incident $id -Actor dana -Text 'approve the treasury transfer' -Workspace $probe -WarningAction SilentlyContinue
        $v = Test-DeirfJournal -Incident $id -Workspace $probe -RequireSignatures
        if ($v.IsValid -or $v.Fault -ne 'SignatureInvalid') { throw "a note written as dana after the revocation was not caught: $($v.Fault) $($v.Reason)" }
        "quorum ($($verdict.Persons -join ' + ')) revoked dana's did:key; replay refused; forged note caught at seq $($v.FirstBadSeq)"
    }
    $null = Invoke-DrillPhase 'Re-key' {
        # dana signs with her remaining proof (Ethereum) until the new key is bound.
        Set-DeirfSigningKey -Responder dana -Kind Ethereum -KeyPath (Get-DrillKeyPath dana Ethereum) -Workspace $ws | Out-Null
        $new = New-DrillKey 'dana-rekeyed' DidKey
        $proof = Add-DeirfIdentityProof -Responder dana -Kind DidKey -KeyPath $new -Workspace $ws
        Set-DeirfSigningKey -Responder dana -Kind DidKey -KeyPath $new -Workspace $ws | Out-Null
        Copy-Item $new (Get-DrillKeyPath dana DidKey) -Force
        Add-DeirfNote -Incident $id -Actor dana -Text 'Re-keyed; signing with the new did:key.' -Workspace $ws
        if (-not (Get-DeirfResponder dana -Workspace $ws).Eligible) { throw 'dana is not eligible after re-keying' }
        "dana re-keyed: $($proof.Fingerprint.Substring(0, 24))..."
    }
    $null = Invoke-DrillPhase Recover { Invoke-DrillRecoveryGate 'acme/signing-config@rekey-dana' }
    $null = Invoke-DrillPhase Close -Deadline retrospective { Close-DrillIncident 'Leaked key revoked by quorum, responder re-keyed (drill)' }
    $null = Invoke-DrillPhase Verify { Test-DrillJournal }
}
finally {
    Complete-Drill
}
