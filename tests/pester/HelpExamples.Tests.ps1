# Issue 19 section 1, last bullet: the Get-Help examples are tests too. Every ```powershell block under "## EXAMPLES"
# of docs/help/<Cmdlet>.md (what build/New-MamlHelp.ps1 compiles into Get-Help <Cmdlet> -Examples) runs here with the
# doc-test harness of DocBlocks.psm1, the same rules as README.md and docs/*.md (DocBlocks.Tests.ps1): per help file
# one fresh folder and runspace, the blocks in document order, no error record, every '# =>' claim held, a marker
# above a block that cannot run as written (setup=<name> or skip — <reason>; a skip-marked block is no test, listed
# with its reason at the end and in the suite's summary).
# One difference: the help file's folder is also the reader's home ($env:HOME, so ~/.ssh/id_ed25519 and ~/src/...
# are in it and nothing is written to the real home). Help.Tests.ps1 checks that Get-Help shows exactly these blocks.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $helpFiles = @(Get-DeirfDocTestCase -Path (Get-DeirfDocFile -Root $root -Set Help) -Root $root)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $script:Ran = [Collections.Generic.List[string]]::new()
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Clock = [Diagnostics.Stopwatch]::StartNew()
    Import-Module (Get-DeirfTestModulePath) -Force
    Initialize-DeirfDocHarness -ModuleDir (Split-Path (Resolve-Path (Get-DeirfTestModulePath)).Path) -Root (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
}

AfterAll {
    Write-DeirfDocSummary -Label 'help-examples' -Ran $script:Ran -NotRunnable @(Get-DeirfDocNotRunnable -Path (Get-DeirfDocFile -Root $script:Root -Set Help) -Root $script:Root)
    Write-Host "help-examples: $([Math]::Round($script:Clock.Elapsed.TotalSeconds)) s"
    Restore-DeirfDocEnvironment
}

# One Describe per help file, named when discovered, so -Filter 'HelpExamples: docs/help/<Cmdlet>' runs one cmdlet's examples.
foreach ($helpFile in $helpFiles) {
    Describe "HelpExamples: $($helpFile.File)" -ForEach @($helpFile) {
        BeforeAll {
            $dir = Join-Path $TestDrive ($File -replace '[/\\.]', '-')
            $rs = New-DeirfDocRunspace -Directory $dir -OwnWorkspace:$OwnWorkspace -AsHome
            $script:Prepared = [Collections.Generic.HashSet[string]]::new()
        }

        AfterAll { Close-DeirfDocRunspace $rs }

        It '<Location>' -ForEach $Blocks {
            $script:Ran.Add($Location)
            $failure = Invoke-DeirfDocTest -Runspace $rs -Block $Block -Prepared $script:Prepared
            $failure | Should -BeNullOrEmpty
        }
    }
}
