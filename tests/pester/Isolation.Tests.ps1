BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'Dependency isolation: another module''s version of a shared dependency does not break DeIRF' {
    It 'BouncyCastle 2.4.0 loaded first in the session; DeIRF still signs and verifies with its own 2.7.0' {
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $old = Get-ChildItem (Join-Path $packages 'bouncycastle.cryptography/2.4.0/lib') -Recurse -Filter BouncyCastle.Cryptography.dll | Select-Object -First 1
        $old | Should -Not -BeNullOrEmpty -Because 'build.ps1 bootstrap downloads BouncyCastle.Cryptography 2.4.0 for this test'
        $ws = Join-Path $TestDrive 'ws'
        $seed = Join-Path $TestDrive 'drill.seed'
        # A fresh Ed25519 seed, made now (never a committed key).
        New-DeirfTestKey -Kind DidKey -Path $seed | Out-Null
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$($old.FullName)'
Import-Module '$(Get-DeirfTestModulePath)'
Initialize-DeirfWorkspace -Path '$ws' | Out-Null
New-DeirfResponder -Handle drill -Name 'Drill Bot' -Role Recorder -Workspace '$ws' | Out-Null
`$p = Add-DeirfIdentityProof -Responder drill -Kind DidKey -KeyPath '$seed' -Workspace '$ws'
`$bc = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'BouncyCastle.Cryptography' } |
    ForEach-Object { '{0}@{1}' -f [Diagnostics.FileVersionInfo]::GetVersionInfo(`$_.Location).ProductVersion.Split('+')[0], [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
[pscustomobject]@{ Fingerprint = `$p.Fingerprint; BouncyCastle = (`$bc | Sort-Object) -join ';'; RosterValid = (Test-DeirfJournal -Roster -Workspace '$ws').IsValid } | ConvertTo-Json -Compress
"@
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $out = & $pwsh @pre -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        $r = ($out | Select-Object -Last 1) | ConvertFrom-Json
        $r.Fingerprint | Should -Match '^did:key:z6Mk'
        $r.RosterValid | Should -BeTrue
        # Both versions live side by side (their assembly versions are both 2.0.0.0, so one context could hold
        # only one): the session's in the default context, DeIRF's in its own.
        $r.BouncyCastle | Should -Match '2\.4\.0[^;]*@Default'
        $r.BouncyCastle | Should -Match '2\.7\.0[^;]*@DeIRF'
    }
}

Describe 'The private load context defers to the platform''s copy when it serves (issue 20, PsesLoadContext)' {
    BeforeAll {
        Import-Module (Get-DeirfTestModulePath) -Force
        $script:Ctx = [DeIRF.Commands.Loading.DeirfLoadContext]
        $script:Deps = [DeIRF.Commands.Loading.DeirfLoadContext]::DependencyDirectory
    }

    It 'serves a request from the platform only for the same major version, not older' {
        $Ctx::DefersToPlatform([version]'10.0.0.0', [version]'10.0.0.0') | Should -BeTrue
        $Ctx::DefersToPlatform([version]'10.0.0.0', [version]'10.0.1.0') | Should -BeTrue
        $Ctx::DefersToPlatform([version]'10.0.1.0', [version]'10.0.0.0') | Should -BeFalse
        $Ctx::DefersToPlatform([version]'12.0.0.0', [version]'13.0.0.0') | Should -BeFalse   # Newtonsoft.Json 12 (ours) vs PowerShell's 13
        $Ctx::DefersToPlatform([version]'1.0.0.0', $null) | Should -BeFalse
    }

    It 'System.Formats.Asn1, shipped and also in the runtime at the same version, comes from the runtime' {
        Test-Path (Join-Path $Deps 'System.Formats.Asn1.dll') | Should -BeTrue
        $platform = $Ctx::PlatformVersion('System.Formats.Asn1')
        $platform | Should -Not -BeNullOrEmpty
        $a = $Ctx::Instance.LoadFromAssemblyName([Reflection.AssemblyName]::new("System.Formats.Asn1, Version=$platform"))
        $a.Location | Should -Not -BeLike "$Deps*"
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name | Should -Be 'Default'
    }

    It 'a shipped assembly of another major than the platform''s (Newtonsoft.Json) still loads privately' {
        $ours = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $Deps 'Newtonsoft.Json.dll'))
        $platform = $Ctx::PlatformVersion('Newtonsoft.Json')
        if ($platform -and $platform.Major -eq $ours.Version.Major) { Set-ItResult -Skipped -Because "the platform's Newtonsoft.Json has our major version ($platform)"; return }
        $a = $Ctx::Instance.LoadFromAssemblyName($ours)
        $a.Location | Should -BeLike "$Deps*"
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name | Should -Be 'DeIRF'
    }
}
