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
$summary = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
}
$summary | ConvertTo-Json | Set-Content -Path (Join-Path (Split-Path $ResultPath) 'pester-summary.json')
