<#
.SYNOPSIS
    Containment by script (action "script"): add an address to a deny list file that the edge proxy reloads.

.DESCRIPTION
    The contract every DeIRF script provider follows (docs/providers.md, "script"):
      The plan is the DEIRF-PLAN section below, read without running the script (a reviewer's -WhatIf runs nothing).
      After the quorum: -Operation Apply|Verify|Undo, -Target, -ParametersJson (signed parameters), -UndoStateJson
      (from Apply); the last line of output is one JSON object {before, after, undoState, verified, message}.
      Exit non-zero on failure. Only the secrets the proposal declares (parameter secrets) arrive, as
      $env:DEIRF_SECRET_<NAME>, never as arguments; nothing else of the caller's environment does.
    Parameters: denyList (path of the deny list file: one address per line; nginx "deny <ip>;" style lines are kept as they are).

.EXAMPLE
    # The one-liner (quorum flow): propose, sign, run.
    $sha = (Get-FileHash ./runbooks/scripts/block-ip.ps1 -Algorithm SHA256).Hash.ToLower()
    New-DeirfProposal -Incident INC-... -Action script -Target 203.0.113.7 -Parameter @{ path = 'runbooks/scripts/block-ip.ps1'; sha256 = $sha; denyList = '/etc/nginx/deny.conf' } -Proposer bob |
        Invoke-DeirfContainment
#>

<# DEIRF-PLAN
{
  "steps": ["append 'deny {{target}};' to {{denyList}} (nothing if it is there already)"],
  "expected": { "denyList": "{{denyList}}", "blocked": true }
}
#>
param(
    [Parameter(Mandatory)] [ValidateSet('Apply', 'Verify', 'Undo')] [string] $Operation,
    [Parameter(Mandatory)] [string] $Target,
    [string] $ParametersJson = '{}',
    [string] $UndoStateJson = '{}'
)
$ErrorActionPreference = 'Stop'
$p = $ParametersJson | ConvertFrom-Json -AsHashtable
$undo = $UndoStateJson | ConvertFrom-Json -AsHashtable
if (-not $p.denyList) { [Console]::Error.WriteLine('parameter denyList is required'); exit 2 }
$ip = [System.Net.IPAddress]::None
if (-not [System.Net.IPAddress]::TryParse($Target, [ref] $ip)) { [Console]::Error.WriteLine("target '$Target' is not an IP address"); exit 2 }
$line = "deny $Target;"

function Read-List { if (Test-Path -LiteralPath $p.denyList) { @(Get-Content -LiteralPath $p.denyList) } else { @() } }
function Write-List([string[]] $lines) {
    $tmp = "$($p.denyList).deirf-tmp"
    Set-Content -LiteralPath $tmp -Value $lines
    Move-Item -LiteralPath $tmp -Destination $p.denyList -Force   # atomic replace: the proxy never reads half a file
}
function State { $l = Read-List; @{ denyList = $p.denyList; blocked = ($l -contains $line); entries = $l.Count } }
function Emit($o) { $o | ConvertTo-Json -Compress -Depth 5 }

$before = State
switch ($Operation) {
    'Apply' {
        $added = $false
        if (-not $before.blocked) { Write-List (@(Read-List) + $line); $added = $true }
        $after = State
        Emit @{ before = $before; after = $after; undoState = @{ added = $added; line = $line }; verified = $after.blocked; message = "$Target denied in $($p.denyList)" }
    }
    'Verify' {
        Emit @{ before = $before; after = $before; undoState = $undo; verified = $before.blocked; message = if ($before.blocked) { 'still denied' } else { 'no longer denied' } }
    }
    'Undo' {
        # Remove exactly what Apply added; a line that was there before stays.
        if ($undo.added) { Write-List @(Read-List | Where-Object { $_ -ne $undo.line }) }
        $after = State
        Emit @{ before = $before; after = $after; undoState = $undo; verified = (-not $undo.added) -or (-not $after.blocked); message = 'undone' }
    }
}
