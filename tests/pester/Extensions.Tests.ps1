# Issue 20: an extension outside the engine (tests/extensions/DeIRF.SampleExtension, laid into out/samples by
# build.ps1) plugs into the built module: -Kind validates and completes from the catalog, -WhatIf imports nothing.
# docs/extending.md's blocks (DocBlocks) run the whole flow: bind, sign with the minisign tool, freeze through a quorum.
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $script:sample = Join-Path (Split-Path (Split-Path (Get-DeirfTestModulePath))) 'samples/DeIRF.SampleExtension/DeIRF.SampleExtension.dll'
    function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
}

Describe 'Import-DeirfExtension with the sample extension' {
    It 'the sample is built next to the module, writable by its owner only' {
        $sample | Should -Exist
        if (-not $IsWindows) { ((Get-Item $sample).UnixFileMode -band [IO.UnixFileMode]'GroupWrite, OtherWrite') | Should -Be 0 }
    }

    It 'in a fresh session, -WhatIf imports nothing and -Kind Minisign is refused and not completed until the import' {
        # A child process: the catalog is per process, and other test files in this one import the sample.
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-DeirfTestModulePath)'
`$out = [ordered]@{}
`$out.WhatIf = @(Import-DeirfExtension '$sample' -WhatIf).Count
`$out.Listed = @(Get-DeirfExtension | Where-Object Key -EQ 'Minisign').Count
try { Get-DeirfSigningPayload -Responder alice -Kind Minisign -PublicKey x; `$out.Refused = 'no' } catch { `$out.Refused = `$_.FullyQualifiedErrorId }
`$out.Before = @((TabExpansion2 -inputScript 'Add-DeirfIdentityProof -Kind Mi' -cursorColumn 31).CompletionMatches).Count
`$null = Import-DeirfExtension '$sample'
`$out.After = (TabExpansion2 -inputScript 'Add-DeirfIdentityProof -Kind Mi' -cursorColumn 31).CompletionMatches.CompletionText -join ','
[pscustomobject]`$out | ConvertTo-Json -Compress
"@
        $json = & $pwsh @pre -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        # -WhatIf writes its line to the host (stdout of the child): the JSON is the last line.
        $r = @($json)[-1] | ConvertFrom-Json
        $r.WhatIf | Should -Be 0
        $r.Listed | Should -Be 0
        $r.Refused | Should -Be 'ParameterArgumentValidationError,DeIRF.Commands.Cmdlets.GetDeirfSigningPayloadCommand'
        $r.Before | Should -Be 0
        $r.After | Should -Be 'Minisign'
    }

    It 'after the import the four entries are listed, -Kind accepts and completes Minisign (the key-making set does not), -Channel completes Outbox' {
        $entries = Import-DeirfExtension -Path $sample
        $entries.Key | Should -Be @('Minisign', 'sample.file.freeze', 'uptime-kuma', 'Outbox')
        (Complete 'Send-DeirfUpdate -Channel Ou').CompletionText | Should -Be @('Outbox')
        (Get-DeirfExtension proof-kind).Key[-1] | Should -Be 'Minisign'
        (Complete 'Add-DeirfIdentityProof -Kind Mi').CompletionText | Should -Be @('Minisign')
        (Complete 'New-DeirfSignature -Kind Mi').CompletionText | Should -Be @('Minisign')
        (Complete 'New-DeirfSigningKey -Kind Mi').CompletionText | Should -BeNullOrEmpty
        { New-DeirfSigningKey -Kind Minisign -Path (Join-Path $TestDrive 'k') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,DeIRF.Commands.Cmdlets.NewDeirfSigningKeyCommand'
    }

    It 'a copy that others may change is refused with ExtensionFileTooOpen, naming the file' -Skip:$IsWindows {
        $open = Join-Path $TestDrive 'open/DeIRF.SampleExtension.dll'
        New-Item -ItemType Directory (Split-Path $open) -Force | Out-Null
        Copy-Item $sample $open
        (Get-Item $open).UnixFileMode = [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, GroupWrite, OtherRead'
        Import-DeirfExtension $open -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ExtensionFileTooOpen,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].TargetObject | Should -Be $open
    }
}
