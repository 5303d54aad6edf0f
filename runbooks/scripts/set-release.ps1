<#
.SYNOPSIS
    Recovery by script (recovery.staging-replay, recovery.roll-forward): point an environment at a release.

.DESCRIPTION
    Follows the script contract (docs/providers.md, "script"): the plan is the DEIRF-PLAN section below (never run to
    plan); after the quorum -Operation Apply|Verify|Undo, -Target (the environment), -ParametersJson, -UndoStateJson;
    last output line one JSON object. Parameters:
      releaseFile  the file the environment's deploy tooling reads (one line: the release it runs)
      version      the release to roll forward to (the reviewed patch's build)
    Apply replaces the file atomically; undo puts the previous release back only if ours is still in place.

.EXAMPLE
    $sha = (Get-FileHash ./runbooks/scripts/set-release.ps1 -Algorithm SHA256).Hash.ToLower()
    New-DeirfProposal -Incident INC-... -Action recovery.roll-forward -Target prod -Proposer bob -Parameter @{
        patch = 'acme/api@3f1c2d9'; path = 'runbooks/scripts/set-release.ps1'; sha256 = $sha
        releaseFile = '/srv/deploy/prod/current'; version = 'api-2026.11.24-3f1c2d9' }
#>

<# DEIRF-PLAN
{
  "steps": ["point {{target}} at {{version}} (the release named in {{releaseFile}})"],
  "expected": { "environment": "{{target}}", "release": "{{version}}" }
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
foreach ($name in 'releaseFile', 'version') { if (-not $p[$name]) { [Console]::Error.WriteLine("parameter $name is required"); exit 2 } }

function Current { if (Test-Path -LiteralPath $p.releaseFile) { (Get-Content -LiteralPath $p.releaseFile -TotalCount 1) } else { $null } }
function Set-Release([string] $v) {
    $tmp = "$($p.releaseFile).deirf-tmp"
    Set-Content -LiteralPath $tmp -Value $v
    Move-Item -LiteralPath $tmp -Destination $p.releaseFile -Force
}
function Emit($o) { $o | ConvertTo-Json -Compress -Depth 5 }

$now = Current
$before = @{ environment = $Target; release = $now }
switch ($Operation) {
    'Apply' {
        Set-Release $p.version
        $after = Current
        Emit @{ before = $before; after = @{ environment = $Target; release = $after }; undoState = @{ previous = $now; applied = $p.version }; verified = ($after -eq $p.version); message = "$Target runs $after" }
    }
    'Verify' {
        Emit @{ before = $before; after = $before; undoState = $undo; verified = ($now -eq $undo.applied); message = "$Target runs $now" }
    }
    'Undo' {
        if ($now -ne $undo.applied) { [Console]::Error.WriteLine("$Target runs $now, not $($undo.applied): someone moved it since; not touching it"); exit 3 }
        if ($undo.previous) { Set-Release $undo.previous } else { Remove-Item -LiteralPath $p.releaseFile }
        $after = Current
        Emit @{ before = $before; after = @{ environment = $Target; release = $after }; undoState = $undo; verified = ($after -eq $undo.previous); message = "$Target back on $after" }
    }
}
