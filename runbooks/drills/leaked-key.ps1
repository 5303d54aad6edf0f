#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "leaked key": a responder's signing key was pushed to a public repository.
.DESCRIPTION
    Runs the incident flow as a drill in a sandbox workspace using only public DeIRF cmdlets, times each phase
    against its T-minus target and prints a scorecard. Exits 1 when a phase failed or missed its target.
    Copy this file to write your own scenario.

    The scripted responders get fresh keys at drill time (did:key Ed25519 seeds and Ethereum keys, so no external
    tool is needed); every journal entry they write is signed. The drill:
      Roster  - alice, bob, carol, dana join; each binds two proofs of different kinds (eligible)
      Detect  - the leak scanner fires (scripted)
      Open    - alice (First Reporter) opens the incident, tagged as a drill
      Triage  - bob (Triage Lead) records scope; evidence of the leak is noted
      Contain - dana's leaked did:key proof is revoked; a note signed with the leaked key afterwards is caught
      Re-key  - dana binds a new key and signs with it
      Verify  - the incident journal and the roster verify, signatures included

    Drill keys live in a folder beside the workspace and are deleted at the end; the workspace is kept for
    inspection. The signing-key settings of the drill go to that folder too ($env:DEIRF_SIGNING_CONFIG), so the
    machine's own settings are untouched.
.EXAMPLE
    ./leaked-key.ps1 -Workspace ./drill-ws
.EXAMPLE
    dotnet pwsh ./build.ps1 drill
#>
[CmdletBinding()]
param(
    # The module to drill with (defaults to the installed DeIRF).
    [string] $ModulePath = 'DeIRF',
    # Keep the drill workspace here (default: a new temporary folder, kept for inspection).
    [string] $Workspace,
    # Seconds added to the Triage phase: proves a missed deadline fails the drill.
    [double] $InjectDelaySeconds = 0,
    # Multiplies every phase target (tests use a small scale to miss a deadline quickly).
    [ValidateRange(0.0001, 1000)]
    [double] $TargetScale = 1
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

if (-not $Workspace) { $Workspace = Join-Path ([IO.Path]::GetTempPath()) ("deirf-drill-" + [guid]::NewGuid().ToString('n').Substring(0, 8)) }
if (-not (Test-Path (Join-Path $Workspace 'deirf-workspace.json'))) { Initialize-DeirfWorkspace -Path $Workspace -Name 'drill leaked-key' | Out-Null }
$keys = New-Item -ItemType Directory -Force -Path "$Workspace.keys"
$savedSigningConfig = $env:DEIRF_SIGNING_CONFIG
$env:DEIRF_SIGNING_CONFIG = Join-Path $keys 'signing-keys.json'

# Phase targets (T-minus, seconds): generous for a scripted drill; a real team sets its own.
$targets = [ordered]@{ Roster = 60; Detect = 60; Open = 60; Triage = 120; Contain = 120; 'Re-key' = 60; Verify = 60 }
foreach ($k in @($targets.Keys)) { $targets[$k] = $targets[$k] * $TargetScale }
$score = [System.Collections.Generic.List[object]]::new()
function Invoke-Phase([string] $Name, [scriptblock] $Body) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $ok = $true; $detail = ''
    try { $detail = & $Body } catch { $ok = $false; $detail = $_.Exception.Message }
    $sw.Stop()
    $score.Add([pscustomobject]@{
            Phase   = $Name
            Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3)
            Target  = $targets[$Name]
            Result  = if (-not $ok) { 'FAILED' } elseif ($sw.Elapsed.TotalSeconds -le $targets[$Name]) { 'met' } else { 'MISSED' }
            Detail  = "$detail"
        })
    $ok
}

function New-DrillKey([string] $Name, [ValidateSet('DidKey', 'Ethereum')] [string] $Kind) {
    # Fresh key material for a scripted responder; written only to the drill's key folder.
    $path = Join-Path $keys "$Name.$Kind.key"
    if ($Kind -eq 'DidKey') {
        $text = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)).ToLowerInvariant()
    }
    else {
        do { $bytes = [Security.Cryptography.RandomNumberGenerator]::GetBytes(32) } while ($bytes[0] -eq 0 -or $bytes[0] -ge 0xF0)
        $text = '0x' + [Convert]::ToHexString($bytes).ToLowerInvariant()
    }
    [IO.File]::WriteAllText($path, $text)
    $path
}

$incident = $null
try {
    $null = Invoke-Phase Roster {
        $people = @(
            @{ Handle = 'alice'; Name = 'Alice Reporter'; Role = 'FirstReporter', 'Recorder' }
            @{ Handle = 'bob'; Name = 'Bob Okafor'; Role = 'TriageLead', 'ContainmentLead' }
            @{ Handle = 'carol'; Name = 'Carol Diaz'; Role = 'ContainmentLead', 'CommsLead' }
            @{ Handle = 'dana'; Name = 'Dana Lee'; Role = 'ContainmentLead' }
        )
        foreach ($p in $people) {
            # alice bootstraps the roster; after that an existing responder (alice, who signs) adds the others.
            New-DeirfResponder -Handle $p.Handle -Name $p.Name -Role $p.Role -Actor alice -Workspace $Workspace | Out-Null
            $did = New-DrillKey $p.Handle DidKey
            $eth = New-DrillKey $p.Handle Ethereum
            Add-DeirfIdentityProof -Responder $p.Handle -Kind DidKey -KeyPath $did -Workspace $Workspace | Out-Null
            # From here on every entry this responder writes carries their signature.
            Set-DeirfSigningKey -Responder $p.Handle -Kind DidKey -KeyPath $did -Workspace $Workspace | Out-Null
            Add-DeirfIdentityProof -Responder $p.Handle -Kind Ethereum -KeyPath $eth -Workspace $Workspace | Out-Null
        }
        $eligible = @(Get-DeirfResponder -Workspace $Workspace | Where-Object Eligible).Count
        if ($eligible -ne 4) { throw "only $eligible of 4 responders are eligible" }
        '4 responders, 2 proofs each (did:key + Ethereum), all eligible'
    }
    $null = Invoke-Phase Detect { 'leak scanner: a did:key seed of dana''s found in public repo acme/dotfiles (drill)' }
    $null = Invoke-Phase Open {
        $script:incident = New-DeirfIncident -Title 'Responder signing key leaked in public repo (drill)' -Reporter alice -Tag leaked-key, drill -Drill -Workspace $Workspace
        $script:incident.Id
    }
    $null = Invoke-Phase Triage {
        Add-DeirfNote -Incident $incident.Id -Actor bob -Text 'Triage: dana''s did:key seed is public; anything it signs from now on is suspect.' -Workspace $Workspace
        Add-DeirfNote -Incident $incident.Id -Actor bob -Text 'Evidence: commit 3f1c... in acme/dotfiles, pushed 09:12 UTC.' -Workspace $Workspace
        Add-DeirfNote -Incident $incident.Id -Actor bob -Text 'Containment plan: revoke the leaked proof by quorum, re-key, verify the journal.' -Workspace $Workspace
        # P1 sets the default T-minus deadlines (triage, first-comms, containment) and renders the kickoff message.
        Set-DeirfSeverity -Incident $incident.Id -Impact High -Urgency High -Actor bob -Reason 'a responder signing key is public' -Workspace $Workspace -InformationAction SilentlyContinue
        Grant-DeirfIncidentRole -Incident $incident.Id -Role TriageLead -Responder bob -Actor bob -Workspace $Workspace
        Grant-DeirfIncidentRole -Incident $incident.Id -Role ContainmentLead -Responder carol -Actor bob -Workspace $Workspace
        $kickoff = New-DeirfKickoffMessage -Incident $incident.Id -Workspace $Workspace
        if ($kickoff -notmatch "# P1 $($incident.Id)") { throw 'the kickoff message does not name the P1 incident' }
        if ($InjectDelaySeconds -gt 0) { Start-Sleep -Seconds $InjectDelaySeconds }
        '3 signed notes, P1 with T-minus deadlines, leads assigned, kickoff rendered'
    }
    $null = Invoke-Phase Contain {
        $leaked = (Get-DeirfResponder dana -Workspace $Workspace).Proofs | Where-Object Kind -eq 'DidKey'
        # No one revokes alone: bob proposes, bob and carol sign (two persons), then the revocation runs once.
        $p = New-DeirfProposal -Incident $incident.Id -Action identity.revoke -Target "dana/$($leaked.Fingerprint)" -Parameter @{ reason = 'seed leaked in public repo (drill)' } -Proposer bob -Workspace $Workspace
        $p | Add-DeirfQuorumSignature -Responder bob -Kind DidKey -KeyPath (Join-Path $keys 'bob.DidKey.key') -Confirm:$false | Out-Null
        if (($p | Test-DeirfQuorum).IsMet) { throw 'one signature met the quorum' }
        $p | Add-DeirfQuorumSignature -Responder carol -Kind Ethereum -KeyPath (Join-Path $keys 'carol.Ethereum.key') -Confirm:$false | Out-Null
        $verdict = $p | Test-DeirfQuorum
        if (-not $verdict.IsMet) { throw "quorum not met: $($verdict.Blockers -join '; ')" }
        $applied = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction Stop
        if (-not $applied.Verified) { throw "identity.revoke applied but not verified: $($applied.Message)" }
        $again = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable replay
        if ($again -or "$($replay[0].FullyQualifiedErrorId)" -notlike 'ProposalConsumed,*') { throw 'the same approvals ran the revocation twice' }
        if (-not (Get-DeirfDeadline -Incident $incident.Id -Name containment -Workspace $Workspace).Met) { throw 'the containment deadline is not met' }
        # The attacker holds the leaked seed and writes as dana on a copy of the workspace. DeIRF no longer signs
        # with the revoked key, and verification that requires signatures refuses the entry.
        $probe = Join-Path $keys 'attacker-copy'
        Copy-Item $Workspace $probe -Recurse
        Add-DeirfNote -Incident $incident.Id -Actor dana -Text 'approve the treasury transfer' -Workspace $probe -WarningAction SilentlyContinue
        $v = Test-DeirfJournal -Incident $incident.Id -Workspace $probe -RequireSignatures
        if ($v.IsValid -or $v.Fault -ne 'SignatureInvalid') { throw "a note written as dana after the revocation was not caught: $($v.Fault) $($v.Reason)" }
        "quorum ($($verdict.Persons -join ' + ')) revoked dana's did:key; replay refused; a note written as dana on an attacker's copy is refused at seq $($v.FirstBadSeq)"
    }
    $null = Invoke-Phase 'Re-key' {
        # dana signs with her remaining proof (Ethereum) until the new key is bound.
        Set-DeirfSigningKey -Responder dana -Kind Ethereum -KeyPath (Join-Path $keys 'dana.Ethereum.key') -Workspace $Workspace | Out-Null
        $new = New-DrillKey 'dana-rekeyed' DidKey
        $proof = Add-DeirfIdentityProof -Responder dana -Kind DidKey -KeyPath $new -Workspace $Workspace
        Set-DeirfSigningKey -Responder dana -Kind DidKey -KeyPath $new -Workspace $Workspace | Out-Null
        Add-DeirfNote -Incident $incident.Id -Actor dana -Text 'Re-keyed; signing with the new did:key.' -Workspace $Workspace
        if (-not (Get-DeirfResponder dana -Workspace $Workspace).Eligible) { throw 'dana is not eligible after re-keying' }
        "dana re-keyed: $($proof.Fingerprint.Substring(0, 24))..."
    }
    $null = Invoke-Phase Verify {
        $v = Test-DeirfJournal -Incident $incident.Id -Workspace $Workspace -RequireSignatures
        if (-not $v.IsValid) { throw "incident journal invalid: $($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)" }
        $r = Test-DeirfJournal -Roster -Workspace $Workspace -RequireSignatures
        if (-not $r.IsValid) { throw "roster invalid: $($r.Fault) at seq $($r.FirstBadSeq): $($r.Reason)" }
        "incident: $($v.EntryCount) entries, $($v.SignedEntries) signed, head $($v.HeadHash.Substring(0, 12)); roster: $($r.EntryCount) entries"
    }
}
finally {
    $env:DEIRF_SIGNING_CONFIG = $savedSigningConfig
    # Drill keys never outlive the drill.
    Remove-Item $keys -Recurse -Force -ErrorAction SilentlyContinue
}

Write-Host ''
Write-Host "DeIRF drill: leaked-key   workspace: $Workspace"
if ($incident) { Get-DeirfJournal -Incident $incident.Id -Workspace $Workspace | Format-Table | Out-String -Width 160 | Write-Host }
$score | Format-Table Phase, Seconds, Target, Result, Detail -AutoSize -Wrap | Out-String -Width 160 | Write-Host
$bad = @($score | Where-Object Result -ne 'met')
if ($bad.Count -gt 0) { Write-Host "Drill FAILED: $($bad.Phase -join ', ')" -ForegroundColor Red; exit 1 }
Write-Host "Drill passed: $($score.Count) phases met their targets." -ForegroundColor Green
exit 0
