BeforeAll {
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
