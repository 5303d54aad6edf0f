#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite against the built module; writes NUnit XML and a small JSON summary for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Filter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
if ($env:DEIRF_TEST_KEEP -eq '1') {
    # Keep what the tests wrote for the suite's secrets scan (build.ps1 test): a TestDrive is left on disk instead of
    # deleted, and what Pester clears between blocks is copied aside first (<drive>.kept-<id>). Pester's own functions
    # are replaced inside its module scope for this process only.
    & (Get-Module Pester) {
        $script:DeirfClearTestDrive = ${function:Clear-TestDrive}
        Set-Item function:script:Remove-TestDrive {
            param($TestDrivePath)
            $drive = Get-PSDrive -Name TestDrive -ErrorAction Ignore
            if ($drive) { $drive | Remove-PSDrive -Force }
            if (Get-Variable -Name TestDrive -Scope Global -ErrorAction Ignore) { Remove-Variable -Scope Global -Name TestDrive -Force }
        }
        Set-Item function:script:Clear-TestDrive {
            param([String[]] $Exclude, [string] $TestDrivePath)
            if ([IO.Directory]::Exists($TestDrivePath)) {
                # Only what the block added (what Pester is about to delete) is copied aside, less the registered key
                # files (they hold a key on purpose: a copy would be a leak to the scan, and adds nothing).
                $keyFiles = [Collections.Generic.HashSet[string]]::new()
                if ($env:DEIRF_TEST_SECRETS_REGISTRY -and (Test-Path $env:DEIRF_TEST_SECRETS_REGISTRY)) {
                    foreach ($line in [IO.File]::ReadLines($env:DEIRF_TEST_SECRETS_REGISTRY)) {
                        if ($line.StartsWith("keyfile`t")) { [void]$keyFiles.Add($line.Split("`t", 3)[2]) }
                    }
                }
                $kept = "$TestDrivePath.kept-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
                # Regular files only: copying a FIFO (Evidence.Tests makes one) opens it and waits for a writer forever,
                # and .NET cannot tell a FIFO from a file; find can.
                $files = if ($IsWindows) { [IO.Directory]::GetFiles($TestDrivePath, '*', [IO.SearchOption]::AllDirectories) }
                         else { @(& find $TestDrivePath -type f) }
                foreach ($file in $files) {
                    if ($Exclude -contains $file -or $keyFiles.Contains($file)) { continue }
                    $to = Join-Path $kept ([IO.Path]::GetRelativePath($TestDrivePath, $file))
                    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($to))
                    try { [IO.File]::Copy($file, $to, $true) } catch [IO.IOException] { }
                }
            }
            & $script:DeirfClearTestDrive -Exclude $Exclude -TestDrivePath $TestDrivePath
        }
    }
}
$env:DEIRF_TEST_MODULE = $ModulePath
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultPath
if ($Filter) { $config.Filter.FullName = "*$Filter*" }
$result = Invoke-Pester -Configuration $config

# What the counts are of, for build.ps1's summary: Help checks (Help.Tests.ps1: Get-Help of every cmdlet), documented
# examples run (DocBlocks.Tests.ps1, HelpExamples.Tests.ps1), and behaviour tests (every other file). A failed block or
# container counts as a failure of its file's kind, as the total always did.
function Get-TestKind([string] $File) {
    switch ([IO.Path]::GetFileName($File)) {
        'Help.Tests.ps1' { 'Help' }
        { $_ -in 'DocBlocks.Tests.ps1', 'HelpExamples.Tests.ps1' } { 'Examples' }
        default { 'Behaviour' }
    }
}
$kinds = [ordered]@{}
foreach ($k in 'Behaviour', 'Help', 'Examples') { $kinds[$k] = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 } }
$skippedTests = [Collections.Generic.List[string]]::new()
foreach ($t in $result.Tests) {
    $kind = $kinds[(Get-TestKind $t.ScriptBlock.File)]
    switch ($t.Result) {
        'Passed' { $kind.Passed++ }
        'Failed' { $kind.Failed++ }
        'Skipped' {
            $kind.Skipped++
            $why = @($t.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join '; '
            $skippedTests.Add("$($t.ExpandedPath)$(if ($why) { " ($why)" })")
        }
    }
}
foreach ($b in $result.FailedBlocks) { $kinds[(Get-TestKind $b.ScriptBlock.File)].Failed++ }
foreach ($c in $result.FailedContainers) { $kinds[(Get-TestKind "$($c.Item)")].Failed++ }

# Documented blocks marked 'skip — <reason>' are no tests (not discovered): listed with their reasons, never counted.
Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$notRunnable = @(foreach ($set in 'Documents', 'Help') { Get-DeirfDocNotRunnable -Path (Get-DeirfDocFile -Root $root -Set $set) -Root $root })

$summary = [ordered]@{
    Passed       = $result.PassedCount
    Failed       = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped      = $result.SkippedCount
    Kinds        = $kinds
    SkippedTests = @($skippedTests)
    NotRunnable  = $notRunnable
}
$summary | ConvertTo-Json -Depth 4 | Set-Content -Path (Join-Path (Split-Path $ResultPath) 'pester-summary.json')
