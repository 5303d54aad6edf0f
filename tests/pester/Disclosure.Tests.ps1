# Publish-DeirfDisclosure (issue 7's on-chain disclosure message) through the built module, against a REAL anvil on
# 127.0.0.1 (free port, stopped by PID). The sender is anvil's random dev account; the target is a fresh address.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'ChainHelpers.psm1') -Force
    $hasChain = Test-ChainTools
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ChainHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
}

AfterAll { Remove-Item Env:DEIRF_EVM_KEY, Env:DEIRF_EVM_RPC -ErrorAction SilentlyContinue }

Describe 'Publish-DeirfDisclosure' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $script:danaKeys = Add-DeirfTestResponder -Workspace $ws -Handle dana -Role CommsLead -KeyFolder $TestDrive
        # dana's own (checksummed) address is the disclosure board the transaction goes to.
        $board = ((Get-DeirfResponder -Handle dana -Workspace $ws).Proofs | Where-Object { "$($_.Kind)" -eq 'Ethereum' }).Fingerprint
        $inc = (New-DeirfIncident -Title 'Bridge exploit' -Reporter dana -Workspace $ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role CommsLead -Responder dana -Actor dana -Workspace $ws -Confirm:$false
        $text = Join-Path $TestDrive 'advisory.md'
        Set-Content -Path $text -Value "# Advisory`nOn 2026-01-01 an attacker drained the bridge. Funds are frozen." -NoNewline
        $digest = (Get-FileHash $text -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'journals the digest and the verified journal head (no chain)' {
        $head = Get-DeirfJournal -Incident $inc -Workspace $ws | Select-Object -Last 1
        # Journaling the disclosure is Medium (the text is published elsewhere): no prompt at the default
        # $ConfirmPreference, even in this non-interactive runner; only -OnChain (a public transaction) asks.
        $ConfirmPreference | Should -Be 'High'
        $e = Publish-DeirfDisclosure -Incident $inc -Path $text -Actor dana -Workspace $ws
        $e.Kind | Should -Be 'disclosure.published'
        $e.Body.digest | Should -Be "sha256:$digest"
        $e.Body.file | Should -Be 'advisory.md'
        $e.Body.head_seq | Should -Be $head.Seq
        $e.Body.head_hash | Should -Be $head.Hash
        $e.Body.Keys | Should -Not -Contain 'chain'
        (Test-DeirfJournal -Incident $inc -Workspace $ws -WarningAction SilentlyContinue).IsValid | Should -BeTrue
    }

    It 'anchors the newest checkpoint''s root once there is one' {
        $cp = New-DeirfCheckpoint -Incident $inc -Signer dana -KeyPath $danaKeys.Seed -Workspace $ws
        $e = Publish-DeirfDisclosure -Incident $inc -Path $text -Actor dana -Workspace $ws -Confirm:$false
        $e.Body.checkpoint_root | Should -Be ([Convert]::ToHexString([Convert]::FromBase64String($cp.Root)).ToLowerInvariant())
    }

    It 'refuses -Target without -OnChain and a missing file, journaling nothing' {
        $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
        Publish-DeirfDisclosure -Incident $inc -Path $text -Target 'eip155:1:0x5FbDB2315678afecb367f032d93F642f64180aa3' -Actor dana -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DisclosureTargetWithoutOnChain,*'
        Publish-DeirfDisclosure -Incident $inc -Path (Join-Path $TestDrive 'nope.md') -Actor dana -Workspace $ws -Confirm:$false -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'DisclosureFileNotFound,*'
        @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be $before
    }

    Context 'on chain, against a real anvil' -Skip:(-not $hasChain) {
        BeforeAll {
            $node = Start-TestAnvil $TestDrive
            $env:DEIRF_EVM_KEY = $node.AccountKey
        }
        AfterAll { Stop-TestAnvil $node; Remove-Item Env:DEIRF_EVM_KEY -ErrorAction SilentlyContinue }

        It '-WhatIf sends nothing (block number unchanged) and journals nothing' {
            # An all-lowercase address carries no checksum: refused.
            Publish-DeirfDisclosure -Incident $inc -Path $text -OnChain -Target "eip155:31337:$($board.ToLowerInvariant())" -Rpc $node.Url -Workspace $ws -WhatIf -ErrorVariable e0 -ErrorAction SilentlyContinue
            $e0[0].FullyQualifiedErrorId | Should -BeLike 'EvmAddressChecksum,*'
            $block = Get-BlockNumber $node
            $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
            Publish-DeirfDisclosure -Incident $inc -Path $text -OnChain -Target "eip155:31337:$board" -Rpc $node.Url -Workspace $ws -WhatIf | Should -BeNullOrEmpty
            Get-BlockNumber $node | Should -Be $block
            @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be $before
        }

        It 'sends a transaction carrying the digest and the journal head, and journals its hash' {
            $head = Get-DeirfJournal -Incident $inc -Workspace $ws | Select-Object -Last 1
            $block = Get-BlockNumber $node
            $e = Publish-DeirfDisclosure -Incident $inc -Path $text -OnChain -Target "eip155:31337:$board" -Rpc $node.Url -Actor dana -Workspace $ws -Confirm:$false
            Get-BlockNumber $node | Should -Be ($block + 1)
            $e.Body.chain.transaction | Should -Match '^0x[0-9a-f]{64}$'
            $e.Body.chain.block | Should -Be ($block + 1)
            $e.Body.chain.target | Should -Be "eip155:31337:$board"
            $e.Body.chain.encoding | Should -Be 'deirf-disclosure-v1'
            $e.Body.head_hash | Should -Be $head.Hash
            # The node's own view of the transaction: to the board, from the dev account, calldata = the v1 message.
            $tx = Invoke-EvmRpc $node eth_getTransactionByHash @($e.Body.chain.transaction)
            $tx.to | Should -Be $board.ToLowerInvariant()
            $tx.from | Should -Be $node.Account.ToLowerInvariant()
            $prefix = [Convert]::ToHexString([Text.Encoding]::ASCII.GetBytes('deirf-disclosure-v1')).ToLowerInvariant()
            $tx.input | Should -Be ('0x' + $prefix + $digest + $head.Hash + $head.Seq.ToString('x16'))
            # Journaled, and found again by kind.
            $found = Get-DeirfJournal -Incident $inc -Workspace $ws | Where-Object Kind -eq 'disclosure.published' | Select-Object -Last 1
            $found.Body.chain.transaction | Should -Be $e.Body.chain.transaction
            (Test-DeirfJournal -Incident $inc -Workspace $ws -WarningAction SilentlyContinue).IsValid | Should -BeTrue
            # The key is in no workspace file.
            $secret = $node.AccountKey.Substring(2)
            Get-ChildItem $ws -Recurse -File | Where-Object { (Get-Content -Raw $_.FullName) -match $secret } | Should -BeNullOrEmpty
        }

        It 'refuses a target on another chain id before sending, journaling nothing' {
            $block = Get-BlockNumber $node
            $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
            Publish-DeirfDisclosure -Incident $inc -Path $text -OnChain -Target "eip155:1:$board" -Rpc $node.Url -Actor dana -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'EvmChainMismatch,*'
            Get-BlockNumber $node | Should -Be $block
            @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be $before
        }
    }
}

Describe 'The public disclosure names no responder and no internal system (issue 18, finding 6)' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-public'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $savedConfig = $env:DEIRF_SIGNING_CONFIG
        $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'public-signing.json'
        New-DeirfResponder -Handle carol -Name 'Carol Lindqvist' -Role Recorder, CommsLead -Workspace $ws | Out-Null
        New-DeirfResponder -Handle dave -Name 'Dave Okafor' -Role Recorder -Workspace $ws | Out-Null
        $carolKey = New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive 'carol.seed')
        $daveKey = New-DeirfTestKey -Kind Ethereum -Path (Join-Path $TestDrive 'dave.eth')
        # Two proofs of different kinds each (role holders need them); carol signs with did:key, dave through the envelope.
        Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath $carolKey -Workspace $ws -Confirm:$false | Out-Null
        Add-DeirfIdentityProof -Responder carol -Kind Ethereum -KeyPath (New-DeirfTestKey -Kind Ethereum -Path (Join-Path $TestDrive 'carol.eth')) -Workspace $ws -Confirm:$false | Out-Null
        Add-DeirfIdentityProof -Responder dave -Kind Ethereum -KeyPath $daveKey -Workspace $ws -Confirm:$false | Out-Null
        Add-DeirfIdentityProof -Responder dave -Kind DidKey -KeyPath (New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive 'dave.seed')) -Workspace $ws -Confirm:$false | Out-Null
        $inc = (New-DeirfIncident -Title 'Credential exposure' -Reporter carol -Workspace $ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role CommsLead -Responder carol -Actor carol -Workspace $ws -Confirm:$false
        $internal = '/srv/internal/vault-prod-7/db.yaml'
        Add-DeirfNote -Incident $inc -Text "rotated $internal on db-prod-7.corp.internal" -Actor dave -Workspace $ws | Out-Null
        $cp = New-DeirfCheckpoint -Incident $inc -Signer carol -KeyPath $carolKey -Workspace $ws
        Add-DeirfCheckpointCosignature -Checkpoint $cp.Path -Responder dave -KeyPath $daveKey -Workspace $ws -Confirm:$false | Out-Null
    }
    AfterAll { $env:DEIRF_SIGNING_CONFIG = $savedConfig }

    It 'renders a text and proofs without carol, dave or the internal path, and the proofs verify with the documented command' {
        $path = Join-Path $TestDrive 'public.md'
        Publish-DeirfDisclosure -Incident $inc -Path $path -FromTemplate -Message 'A credential was exposed and rotated.' -Entry 0, 1, 2 -Actor carol -Workspace $ws -Confirm:$false | Out-Null
        $proofs = 0..2 | ForEach-Object { Join-Path $TestDrive "public.entry-$_.tlog-proof" }
        $leaks = 'carol', 'dave', 'Lindqvist', 'Okafor', $internal, 'db-prod-7', 'corp.internal', 'did:key', 'journal.jsonl'
        foreach ($f in @($path) + $proofs) {
            # The files, and every base64 field in them decoded (the extra line, the signature lines).
            $raw = Get-Content -Raw $f
            $decoded = [regex]::Matches($raw, '[A-Za-z0-9+/]{16,}={0,2}') | ForEach-Object {
                try { [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($_.Value)) } catch { $null = $_ }
            }
            foreach ($leak in $leaks) {
                $raw | Should -Not -Match ([regex]::Escape($leak)) -Because "$f is public"
                ($decoded -join "`n") | Should -Not -Match ([regex]::Escape($leak)) -Because "$f is public"
            }
        }
        foreach ($p in $proofs) {
            $extra = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((Get-Content $p)[1].Substring('extra '.Length)))
            $extra | Should -Match '^\{"form":"deirf-redacted-entry/v1","hash":"[0-9a-f]{64}","seq":[0-2]\}$'
        }
        $text = Get-Content -Raw $path
        $text | Should -Match "(?m)^`u{2014} signer-1 "
        $text | Should -Match "(?m)^`u{2014} signer-2 "
        $text | Should -Match '\| 1 \| [^|]+ \| role.granted \| Role granted \|'

        # What the text tells a reader to do: save the verifier keys it lists, check a proof offline with them and the origin.
        $keys = @([regex]::Matches($text, '(?m)^signer-\d+\+[0-9a-f]{8}\+\S+$') | ForEach-Object Value)
        $keys.Count | Should -Be 2
        $keysFile = Join-Path $TestDrive 'published-keys.txt'
        Set-Content -Path $keysFile -Value $keys
        $origin = [regex]::Match($text, 'origin `([^`]+)`').Groups[1].Value
        $origin | Should -Be (Get-Content $cp.Path)[0]
        $journal = @(Get-DeirfJournal -Incident $inc -Workspace $ws)
        foreach ($seq in 0..2) {
            $v = Test-DeirfInclusionProof -Path $proofs[$seq] -TrustedKey $keysFile -Origin $origin
            $v.IsTrusted | Should -BeTrue
            $v.IsRedacted | Should -BeTrue
            $v.Entry | Should -Match $journal[$seq].Hash
            @($v.Checkpoint.LogSigners) | Should -Be @('signer-1')
            @($v.Checkpoint.Cosigners) | Should -Be @('signer-2')
            $text | Should -Match "``$($journal[$seq].Hash)``"
        }
        # The team, inside the workspace, still compares the public proof with its journal.
        (Test-DeirfInclusionProof -Path $proofs[2] -Workspace $ws -TrustedKey $keysFile).MatchesLocalJournal | Should -BeTrue
    }
}
