# The suite's secrets scan (build/Invoke-SecretsScan.ps1, run by build.ps1 test after every runner): it must catch a
# planted secret in any registered form, name the file and the KIND, skip registered key files, and never print the
# secret. Each case has its own registry in TestDrive (never the suite's: the planted secrets are not the suite's).
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scan = Join-Path $PSScriptRoot '../../build/Invoke-SecretsScan.ps1'
    $script:Pwsh = [Environment]::ProcessPath
    $script:PwshArgs = @(if ([IO.Path]::GetFileNameWithoutExtension($script:Pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })

    function Invoke-Scan([string] $Registry, [string[]] $Root) {
        $result = Join-Path $TestDrive "result-$([guid]::NewGuid().ToString('n')).json"
        $output = & $script:Pwsh @script:PwshArgs -NoProfile -NonInteractive -File $script:Scan -Registry $Registry -Root ($Root -join ',') -ResultPath $result 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output; Result = (Get-Content -Raw $result | ConvertFrom-Json) }
    }

    function New-Registry([string] $Name) {
        # Registered through the suite's own helper, with the registry variable pointed at this case's file.
        $path = Join-Path $TestDrive $Name
        $saved = $env:DEIRF_TEST_SECRETS_REGISTRY
        $env:DEIRF_TEST_SECRETS_REGISTRY = $path
        try { & $args[0] } finally { $env:DEIRF_TEST_SECRETS_REGISTRY = $saved }
        $path
    }
}

Describe 'secrets scan' {
    It 'catches a planted seed in its base64 form, names the file and the kind, and never prints the secret' {
        $root = New-Item -ItemType Directory (Join-Path $TestDrive 'run1')
        $seedBytes = [Security.Cryptography.RandomNumberGenerator]::GetBytes(32)
        $seed = [Convert]::ToHexString($seedBytes).ToLowerInvariant()
        $registry = New-Registry 'reg1.tsv' { Register-DeirfTestSecret -Kind 'did:key seed' -Secret $seed }
        Set-Content (Join-Path $root 'clean.log') 'nothing to see'
        Set-Content (Join-Path $root 'journal.jsonl') ('{"note":"' + [Convert]::ToBase64String($seedBytes).TrimEnd('=') + '"}')

        $r = Invoke-Scan $registry $root
        $r.ExitCode | Should -Be 1
        $r.Result.Hits.Count | Should -Be 1
        $r.Result.Hits[0].Kind | Should -Be 'did:key seed'
        $r.Result.Hits[0].File | Should -BeLike '*journal.jsonl'
        $r.Output | Should -Match 'LEAK: .*journal\.jsonl contains a registered did:key seed'
        foreach ($form in $seed, $seed.ToUpperInvariant(), [Convert]::ToBase64String($seedBytes).TrimEnd('=')) {
            $r.Output | Should -Not -Match ([regex]::Escape($form))
            (Get-Content -Raw (Get-ChildItem $TestDrive -Filter 'result-*.json' | Select-Object -Last 1)) | Should -Not -Match ([regex]::Escape($form))
        }
    }

    It 'passes a clean tree and skips a registered key file that holds the key on purpose' {
        $root = New-Item -ItemType Directory (Join-Path $TestDrive 'run2')
        $keyPath = Join-Path $root 'alice.seed'
        $registry = New-Registry 'reg2.tsv' { New-DeirfTestKey -Kind DidKey -Path $keyPath | Out-Null }
        Set-Content (Join-Path $root 'report.md') '# Retro: the key was rotated.'

        $r = Invoke-Scan $registry $root
        $r.ExitCode | Should -Be 0
        $r.Result.KeyFilesSkipped | Should -Be 1
        $r.Result.Forms | Should -BeGreaterThan 3
        $r.Output | Should -Match '0 hit\(s\)'

        # The same seed copied anywhere else is a leak.
        Copy-Item $keyPath (Join-Path $root 'error-record.txt')
        (Invoke-Scan $registry $root).ExitCode | Should -Be 1
    }

    It 'finds a token that straddles two read chunks of a large file, and a passphrase in a result XML' {
        $root = New-Item -ItemType Directory (Join-Path $TestDrive 'run3')
        $token = 'tok_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
        # A passphrase made now (a fixed one could collide with a passphrase the suite really used and registered).
        $passphrase = 'pass ' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(12)).ToLowerInvariant()
        $registry = New-Registry 'reg3.tsv' {
            Register-DeirfTestSecret -Kind 'fake service token' -Secret $token
            Register-DeirfTestSecret -Kind 'gpg passphrase' -Secret $passphrase
        }
        $big = [byte[]]::new(4MB - 10)
        [IO.File]::WriteAllBytes((Join-Path $root 'big.log'), $big + [Text.Encoding]::ASCII.GetBytes($token))
        Set-Content (Join-Path $root 'pester.xml') "<test-case name=`"x`"><failure><message>gpg: bad passphrase $passphrase</message></failure></test-case>"

        $r = Invoke-Scan $registry $root
        $r.ExitCode | Should -Be 1
        @($r.Result.Hits | Sort-Object Kind | ForEach-Object Kind) | Should -Be @('fake service token', 'gpg passphrase')
        $r.Output | Should -Not -Match ([regex]::Escape($token))
        $r.Output | Should -Not -Match ([regex]::Escape($passphrase))
    }
}
