# Issue 19 finding 11: the manifest says where the project, licence, release notes and updatable help are; the module
# ships about_DeIRF; every state-changing cmdlet's ConfirmImpact is the one docs/about_DeIRF.md states.
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ManifestPath = (Resolve-Path (Get-DeirfTestModulePath)).Path
    $script:ModuleDir = Split-Path $ManifestPath
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module $ManifestPath -Force
    $script:Manifest = Import-PowerShellDataFile $ManifestPath
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest and names the project, licence and help locations' {
        $m = Test-ModuleManifest $ManifestPath
        $m.ProjectUri | Should -Not -BeNullOrEmpty
        $m.LicenseUri.AbsoluteUri | Should -Be "$($m.ProjectUri.AbsoluteUri.TrimEnd('/'))/blob/main/LICENSE"
        $m.HelpInfoUri | Should -Match '^https://.+/$'
        # The licence the URI names is the one in the repository, and the manifest's copyright says the same.
        (Get-Content (Join-Path $Root 'LICENSE') -TotalCount 1) | Should -Be 'MIT License'
        $Manifest.Copyright | Should -Match 'MIT'
    }

    It 'carries the CHANGELOG.md section of its version as ReleaseNotes' {
        $version = $Manifest.ModuleVersion
        $version | Should -Not -Be '0.0.0'
        $text = Get-Content -Raw (Join-Path $Root 'CHANGELOG.md')
        $m = [regex]::Match($text, "(?ms)^## $([regex]::Escape($version))\b.*?(?=^## |\z)")
        $m.Success | Should -BeTrue -Because "CHANGELOG.md needs a section for $version"
        $notes = (Get-Module DeIRF).ReleaseNotes
        $notes | Should -Be ($m.Value.Trim() -replace "`r`n", "`n")
        $notes | Should -Match '^## \d'
    }
}

Describe 'about_DeIRF' {
    It 'Get-Help about_DeIRF shows the topic: workspace, journal, quorum and sync on one page' {
        $text = Get-Help about_DeIRF | Out-String
        $text | Should -Match '^\s*TOPIC\s+about_DeIRF'
        foreach ($section in 'SHORT DESCRIPTION', 'LONG DESCRIPTION', 'THE WORKSPACE', 'THE JOURNAL', 'THE QUORUM', 'SYNC', 'CONFIRMATION') {
            $text | Should -Match "(?m)^\s*$section\s*$"
        }
    }

    It 'is plain text that fits 80 columns (no markdown markup, no doc-test markers)' {
        $file = Join-Path $ModuleDir 'en-US/about_DeIRF.help.txt'
        $lines = Get-Content $file
        # Code lines are kept as written (indented 8); everything else is wrapped.
        @($lines | Where-Object { $_.Length -gt 80 -and $_ -notmatch '^ {8}' }) | Should -BeNullOrEmpty
        ($lines -join "`n") | Should -Not -Match '```|<!--|\*\*|\]\('
    }

    It 'Update-Help installs the help package the build writes (out/help), as a user fetching it from HelpInfoURI would' {
        $package = Join-Path $Root 'out/help'
        $guid = $Manifest.GUID
        Test-Path (Join-Path $package "DeIRF_${guid}_HelpInfo.xml") | Should -BeTrue
        Test-Path (Join-Path $package "DeIRF_${guid}_en-US_HelpContent.zip") | Should -BeTrue
        $info = [xml](Get-Content -Raw (Join-Path $package "DeIRF_${guid}_HelpInfo.xml"))
        $info.HelpInfo.HelpContentURI | Should -Be $Manifest.HelpInfoURI
        $info.HelpInfo.SupportedUICultures.UICulture.UICultureVersion | Should -Be "$([version]$Manifest.ModuleVersion).0"

        # In a child pwsh with its own HOME: Update-Help writes under the user's help folder, which then takes
        # precedence over the module's own help, so the machine's real folder is never touched.
        $home_ = New-Item -ItemType Directory (Join-Path $TestDrive 'home')
        $modules = New-Item -ItemType Directory (Join-Path $TestDrive 'modules')
        New-Item -ItemType SymbolicLink -Path (Join-Path $modules 'DeIRF') -Target $ModuleDir | Out-Null
        $script = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
Update-Help -Module DeIRF -SourcePath '$package' -UICulture en-US -Force
Import-Module DeIRF
(Get-Help about_DeIRF | Out-String) -match 'THE QUORUM'
"@
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $env:HOME_SAVED = $env:HOME
        try {
            $env:HOME = $home_.FullName
            $out = & $pwsh @pre -NoProfile -NonInteractive -Command $script 2>&1
        }
        finally { $env:HOME = $env:HOME_SAVED; Remove-Item Env:HOME_SAVED }
        $LASTEXITCODE | Should -Be 0 -Because ($out | Out-String)
        ($out | Select-Object -Last 1) | Should -Be 'True'
        $installed = Join-Path $home_ '.local/share/powershell/Help/DeIRF/en-US'
        Test-Path (Join-Path $installed 'DeIRF.dll-Help.xml') | Should -BeTrue
        Test-Path (Join-Path $installed 'about_DeIRF.help.txt') | Should -BeTrue
    }
}

Describe 'Confirmation levels' {
    BeforeAll {
        # The table in docs/about_DeIRF.md (CONFIRMATION): | High | Cmdlet, Cmdlet |
        $script:Documented = @{}
        foreach ($line in Get-Content (Join-Path $Root 'docs/about_DeIRF.md')) {
            if ($line -match '^\|\s*(High|Medium|Low)\s*\|(.+)\|\s*$') {
                foreach ($c in $Matches[2] -split ',') { $Documented[$c.Trim()] = $Matches[1] }
            }
        }
        $script:Actual = @{}
        foreach ($c in Get-Command -Module DeIRF -CommandType Cmdlet) {
            $attr = $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
            if ($attr.SupportsShouldProcess) { $Actual[$c.Name] = "$($attr.ConfirmImpact)" }
        }
    }

    It 'lists every cmdlet that supports -WhatIf with the impact it declares, and no other' {
        $Actual.Count | Should -BeGreaterThan 30
        foreach ($name in $Actual.Keys) {
            $Documented[$name] | Should -Be $Actual[$name] -Because "$name declares ConfirmImpact $($Actual[$name])"
        }
        @($Documented.Keys | Where-Object { -not $Actual.ContainsKey($_) }) | Should -BeNullOrEmpty
    }

    It 'containment, on-chain disclosure and the changes to who may act are High' {
        foreach ($name in 'Invoke-DeirfContainment', 'Undo-DeirfContainment', 'Publish-DeirfDisclosure', 'Set-DeirfQuorumPolicy', 'Revoke-DeirfIdentityProof', 'Complete-DeirfRosterGenesis') {
            $Actual[$name] | Should -Be 'High'
        }
    }
}
