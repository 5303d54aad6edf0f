# Issue 19 section 1, last bullet: the Get-Help examples are tests too. Every ```powershell block under "## EXAMPLES"
# of docs/help/<Cmdlet>.md (what build/New-MamlHelp.ps1 compiles into Get-Help <Cmdlet> -Examples) runs here with the
# doc-test harness of DocBlocks.psm1, the same rules as README.md and docs/*.md (DocBlocks.Tests.ps1): per help file
# one fresh folder and runspace, the blocks in document order, no error record, every '# =>' claim held, a marker
# above a block that cannot run as written (setup=<name> or skip — <reason>), the skips listed at the end.
# One difference: the help file's folder is also the reader's home ($env:HOME, so ~/.ssh/id_ed25519 and ~/src/...
# are in it and nothing is written to the real home). Help.Tests.ps1 checks that Get-Help shows exactly these blocks.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $files = @(Get-ChildItem (Join-Path $root 'docs/help') -Filter *.md -File | Sort-Object Name | ForEach-Object FullName)
    $helpFiles = @(Get-DeirfDocTestCase -Path $files -Root $root)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $script:Ran = [Collections.Generic.List[string]]::new()
    $script:Skipped = [Collections.Generic.List[string]]::new()
    $script:Clock = [Diagnostics.Stopwatch]::StartNew()
    Import-Module (Get-DeirfTestModulePath) -Force
    Initialize-DeirfDocHarness -ModuleDir (Split-Path (Resolve-Path (Get-DeirfTestModulePath)).Path) -Root (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
}

AfterAll {
    Write-DeirfDocSummary -Label 'help-examples' -Ran $script:Ran -Skipped $script:Skipped
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
            if ($Skip) {
                $script:Skipped.Add("${Location}: $Skip")
                Set-ItResult -Skipped -Because $Skip
                return
            }
            $script:Ran.Add($Location)
            $failure = Invoke-DeirfDocTest -Runspace $rs -Block $Block -Prepared $script:Prepared
            $failure | Should -BeNullOrEmpty
        }
    }
}
