BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:drill = Join-Path $PSScriptRoot '../../runbooks/drills/leaked-key.ps1'
    function Invoke-Drill([string[]] $Arguments) {
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $out = & $pwsh @pre -NoProfile -NonInteractive -File $drill -ModulePath (Get-DeirfTestModulePath) @Arguments 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out }
    }
}

Describe 'The gameday drill (the main job), as a scheduler runs it' {
    It 'passes on embedded defaults: every phase meets its target, exit code 0' {
        $ws = Join-Path $TestDrive 'drill-ok'
        $r = Invoke-Drill @('-Workspace', $ws)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'Drill passed: 7 phases'
        $r.Output | Should -Not -Match 'MISSED|FAILED'
        # The drill's keys never outlive it; its workspace stays for inspection.
        Test-Path "$ws.keys" | Should -BeFalse
        Test-Path (Join-Path $ws 'roster.jsonl') | Should -BeTrue
    }

    It 'a missed deadline fails the drill with exit code 1 and names the phase' {
        $r = Invoke-Drill @('-Workspace', (Join-Path $TestDrive 'drill-late'), '-TargetScale', '0.001', '-InjectDelaySeconds', '0.5')
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'Triage\s+[\d.]+\s+[\d.]+\s+MISSED'
        $r.Output | Should -Match 'Drill FAILED: .*Triage'
    }
}
