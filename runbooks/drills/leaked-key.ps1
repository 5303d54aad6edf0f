#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "leaked key": API keys leaked in a public repository.
.DESCRIPTION
    Runs the incident flow as a drill in a sandbox workspace using only public DeIRF cmdlets, times each phase
    against its T-minus target and prints a scorecard. Exits 1 when a phase missed its target or the journal
    does not verify. Copy this file to write your own scenario.

    Phases grow as the module grows: today detect -> open -> triage notes -> verify the journal.
.EXAMPLE
    ./leaked-key.ps1 -Workspace ./drill-ws
#>
[CmdletBinding()]
param(
    # The module to drill with (defaults to the installed DeIRF).
    [string] $ModulePath = 'DeIRF',
    # Keep the drill workspace here (default: a new temporary folder, kept for inspection).
    [string] $Workspace
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

if (-not $Workspace) { $Workspace = Join-Path ([IO.Path]::GetTempPath()) ("deirf-drill-" + [guid]::NewGuid().ToString('n').Substring(0, 8)) }
if (-not (Test-Path (Join-Path $Workspace 'deirf-workspace.json'))) { Initialize-DeirfWorkspace -Path $Workspace -Name 'drill leaked-key' | Out-Null }

# Phase targets (T-minus, seconds): generous for a scripted drill; a real team sets its own.
$targets = [ordered]@{ Detect = 60; Open = 60; Triage = 120; Verify = 60 }
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
}

$incident = $null
Invoke-Phase Detect { 'scanner: AWS key AKIA... found in public repo acme/web (drill)' }
Invoke-Phase Open {
    $script:incident = New-DeirfIncident -Title 'API keys leaked in public repo (drill)' -Reporter alice -Tag leaked-key, drill -Drill -Workspace $Workspace
    $script:incident.Id
}
Invoke-Phase Triage {
    Add-DeirfNote -Incident $incident.Id -Actor bob -Text 'Triage: key is live; scope is the CI deploy role.' -Workspace $Workspace
    Add-DeirfNote -Incident $incident.Id -Actor bob -Text 'Containment plan: revoke the key, rotate the role, audit CloudTrail.' -Workspace $Workspace
    Add-DeirfNote -Incident $incident.Id -Actor carol -Text 'Key revoked at the provider; rotation done.' -Workspace $Workspace
    '3 notes'
}
Invoke-Phase Verify {
    $v = Test-DeirfJournal -Incident $incident.Id -Workspace $Workspace
    if (-not $v.IsValid) { throw "journal invalid: $($v.Reason)" }
    "journal valid, $($v.EntryCount) entries, head $($v.HeadHash.Substring(0, 12))"
}

Write-Host ''
Write-Host "DeIRF drill: leaked-key   workspace: $Workspace"
if ($incident) { Get-DeirfJournal -Incident $incident.Id -Workspace $Workspace | Format-Table | Out-String -Width 160 | Write-Host }
$score | Format-Table Phase, Seconds, Target, Result, Detail -AutoSize | Out-String -Width 160 | Write-Host
$bad = @($score | Where-Object Result -ne 'met')
if ($bad.Count -gt 0) { Write-Host "Drill FAILED: $($bad.Phase -join ', ')" -ForegroundColor Red; exit 1 }
Write-Host "Drill passed: $($score.Count) phases met their targets." -ForegroundColor Green
exit 0
