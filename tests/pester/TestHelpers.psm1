# Shared by the Pester tests: where the built module is, and tool checks that fail under CI instead of skipping.

function Get-DeirfTestModulePath {
    if ($env:DEIRF_TEST_MODULE) { return $env:DEIRF_TEST_MODULE }
    Join-Path $PSScriptRoot '../../out/DeIRF/DeIRF.psd1'
}

function Test-DeirfTool {
    <# True when the command exists. Under CI=true a missing tool throws: a missing tool is a failure there. #>
    param([Parameter(Mandatory)] [string] $Name)
    $found = [bool](Get-Command $Name -ErrorAction SilentlyContinue)
    if (-not $found -and $env:CI -eq 'true') { throw "$Name is required under CI=true but is not installed" }
    $found
}

Export-ModuleMember -Function Get-DeirfTestModulePath, Test-DeirfTool
