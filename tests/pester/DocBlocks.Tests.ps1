# Issue 19 section 1: the documents are tests. Every ```powershell block of README.md and docs/*.md runs here, in
# document order within a file, in one fresh temporary folder per file (a workspace ./ws in it, $env:DEIRF_WORKSPACE
# set to it, the location set there, ./out/DeIRF and ./runbooks linking to the built module, as in a clone) and in
# a runspace of its own, so the variables one block sets are there for the next, as in a reader's session.
# A block passes when it runs with no error record ($ErrorActionPreference Stop, $Error empty after it) and every
# '# => <Property> <Value>' claim holds (DocBlocks.psm1). A block that cannot run as written carries a marker on the
# line above its fence: setup=<name> (the setups of DocBlocks.psm1) or skip — <reason>; a skip-marked block is no test
# (not discovered, so not counted as skipped) and is listed with its reason at the end of the run and in the suite's
# summary. $ConfirmPreference is None there: the reader answers yes to each prompt.
# The harness (runspaces, setups, claims) is DocBlocks.psm1; HelpExamples.Tests.ps1 runs the Get-Help examples of
# docs/help/*.md with it, one file per cmdlet.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $docs = @(Get-DeirfDocTestCase -Path (Get-DeirfDocFile -Root $root -Set Documents) -Root $root)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Ran = [Collections.Generic.List[string]]::new()
    # Loaded here first, from the build output, as every Pester file does: the runspaces import the same module
    # through ./out/DeIRF, and the engine's files (runbooks, templates) stay where the build put them.
    Import-Module (Get-DeirfTestModulePath) -Force
    Initialize-DeirfDocHarness -ModuleDir (Split-Path (Resolve-Path (Get-DeirfTestModulePath)).Path) -Root $script:Root
}

AfterAll {
    Write-DeirfDocSummary -Label 'doc-test' -Ran $script:Ran -NotRunnable @(Get-DeirfDocNotRunnable -Path (Get-DeirfDocFile -Root $script:Root -Set Documents) -Root $script:Root)
    Restore-DeirfDocEnvironment
}

Describe 'DocBlocks: <File>' -ForEach $docs {
    BeforeAll {
        $dir = Join-Path $TestDrive ($File -replace '[/\\.]', '-')
        $rs = New-DeirfDocRunspace -Directory $dir -OwnWorkspace:$OwnWorkspace
        $script:Prepared = [Collections.Generic.HashSet[string]]::new()
    }

    AfterAll { Close-DeirfDocRunspace $rs }

    It '<Location>' -ForEach $Blocks {
        $script:Ran.Add($Location)
        $failure = Invoke-DeirfDocTest -Runspace $rs -Block $Block -Prepared $script:Prepared
        $failure | Should -BeNullOrEmpty
    }
}

# The harness itself, on a markdown file made here: a false claim, an unexpected error and an unknown marker fail.
Describe 'DocBlocks harness' {
    BeforeAll {
        $md = Join-Path $TestDrive 'sample.md'
        Set-Content -Path $md -Value @(
            '# sample', '```powershell', '$i = New-DeirfIncident -Title t -Reporter alice   # => State Open', 'Test-DeirfJournal -Incident $i.Id   # => IsValid False', '```',
            '<!-- doc-test: skip — needs a moon base -->', '```powershell', 'Get-Moon', '```',
            '```powershell', 'Get-DeirfIncident -Id INC-20000101-0000   # !> IncidentNotFound', 'Get-DeirfIncident -Id INC-20000101-0000', '```',
            '<!-- doc-test: setup=incident -->', '```powershell', 'Get-DeirfIncident INC-20261124-3DAB   # => Title t', '```',
            '```powershell', 'Get-DeirfIncident -Id INC-20000101-0000 -ErrorAction SilentlyContinue -ErrorVariable gone   # !> IncidentNotFound', 'if ($gone.Count -ne 1) { throw ''the -ErrorVariable is lost'' }', '```',
            '```powershell', '& { Get-DeirfIncident -Id INC-20000101-0000 -ErrorAction Continue; Get-Item /no/such/doc-test/path -ErrorAction Continue }   # !> IncidentNotFound', '```')
        $blocks = @(Get-DeirfDocBlock -Path $md -Root $TestDrive)
        $rs = New-DeirfDocRunspace -Directory (Join-Path $TestDrive 'harness')
    }
    AfterAll { if ($rs) { $rs.Dispose() } }

    It 'reads each block with its fence line and marker' {
        $blocks.Count | Should -Be 6
        $blocks[0].Location | Should -Be 'sample.md:2'
        $blocks[1].Skip | Should -Be 'needs a moon base'
        $blocks[3].Setup | Should -Be 'incident'
    }

    It 'fails a block whose claim does not hold, naming the claim''s line' {
        $failure = Invoke-DeirfDocBlock $rs (ConvertTo-DeirfDocScript -Block $blocks[0]) $blocks[0]
        $failure | Should -Match "^sample\.md:4: claims IsValid False, got 'True'"
    }

    It 'passes an expected error and fails an unexpected one with its error id and line' {
        $failure = Invoke-DeirfDocBlock $rs (ConvertTo-DeirfDocScript -Block $blocks[2]) $blocks[2]
        $failure | Should -Match '^sample\.md:12: \[IncidentNotFound,'
    }

    It 'takes a non-terminating error as the expected failure, and keeps what the statement assigned (-ErrorVariable)' {
        Invoke-DeirfDocBlock $rs (ConvertTo-DeirfDocScript -Block $blocks[4]) $blocks[4] | Should -BeNullOrEmpty
    }

    It 'fails an expected failure that also wrote another error' {
        $failure = Invoke-DeirfDocBlock $rs (ConvertTo-DeirfDocScript -Block $blocks[5]) $blocks[5]
        $failure | Should -Match '^sample\.md:\d+: claims it fails with IncidentNotFound, and it did, but also with \[PathNotFound'
    }

    It 'applies a setup''s substitution' {
        $code = ConvertTo-DeirfDocScript -Block $blocks[3] -Substitute (Get-DeirfDocSetup incident).Substitute
        $code | Should -Match 'Get-DeirfIncident \$\(Get-DocIncidentId\)'
        Invoke-DeirfDocBlock $rs (Get-DeirfDocSetup incident).Prepare $blocks[3] | Should -BeNullOrEmpty
        Invoke-DeirfDocBlock $rs $code $blocks[3] | Should -BeNullOrEmpty
    }

    It 'makes no test case of a block marked skip: it is listed, with its reason, as not runnable here' {
        $case = @(Get-DeirfDocTestCase -Path $md -Root $TestDrive)
        $case.Count | Should -Be 1
        @($case[0].Blocks).Count | Should -Be 5
        $case[0].Blocks.Location | Should -Not -Contain 'sample.md:7'
        Get-DeirfDocNotRunnable -Path $md -Root $TestDrive | Should -Be 'sample.md:7: needs a moon base'
    }

    It 'refuses a marker it does not understand' {
        Set-Content -Path $md -Value '<!-- doc-test: maybe -->', '```powershell', 'x', '```'
        { Get-DeirfDocBlock -Path $md -Root $TestDrive } | Should -Throw -ExceptionType ([Management.Automation.RuntimeException]) -ExpectedMessage '*neither setup=<name> nor*'
    }
}
