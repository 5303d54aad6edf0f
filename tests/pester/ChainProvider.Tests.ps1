# evm.* as responders drive them (issue 7), against a REAL anvil on 127.0.0.1 (a free port, stopped by PID), with
# contracts compiled by solcjs from @openzeppelin/contracts and @safe-global/safe-contracts at test time. Keys are
# made at test time (dana's is anvil's random dev account, so her owner signatures come from the node's eth_sign:
# a wallet, not DeIRF, signs the Safe transaction hash).

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
    $Runbooks = (Resolve-Path (Join-Path $PSScriptRoot '../../runbooks')).Path
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'

    function New-EthKey([string] $Name, [string] $Hex) {
        $path = Join-Path $TestDrive $Name
        if (-not $Hex) { return New-DeirfTestKey -Kind Ethereum -Path $path }
        Write-DeirfTestKeyFile $path $Hex
        Register-DeirfTestKeyFile -Kind 'ethereum private key' -Path $path
        $path
    }
    function New-Seed([string] $Name) { New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive $Name) }
    function Get-EthAddress([string] $Ws, [string] $Handle) {
        ((Get-DeirfResponder -Handle $Handle -Workspace $Ws).Proofs | Where-Object { "$($_.Kind)" -eq 'Ethereum' -and -not $_.IsRevoked }).Fingerprint
    }
    # Sign a payload as a wallet would: the node's eth_sign (personal_sign over the bytes) with dana's account.
    function New-WalletSignature($Node, [string] $Hash, [string] $Path) {
        Set-Content -Path $Path -Value (Invoke-EvmRpc $Node eth_sign @($Node.Account, $Hash)) -NoNewline
        $Path
    }
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG, Env:DEIRF_EVM_KEY, Env:DEIRF_EVM_RPC -ErrorAction SilentlyContinue }

Describe 'evm.* against a real anvil (issue 7)' -Skip:(-not $hasChain) {
    BeforeAll {
        $node = Start-TestAnvil $TestDrive
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $keys = @{}
        foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' }, @{ H = 'dana'; R = 'TriageLead' }, @{ H = 'erin'; R = 'TriageLead' })) {
            New-DeirfResponder -Handle $r.H -Name $r.H.ToUpper() -Role $r.R -Workspace $ws | Out-Null
            $eth = if ($r.H -eq 'dana') { New-EthKey "$($r.H).eth" $node.AccountKey } else { New-EthKey "$($r.H).eth" }
            Add-DeirfIdentityProof -Responder $r.H -Kind DidKey -KeyPath (New-Seed "$($r.H).seed") -Workspace $ws -Confirm:$false | Out-Null
            Add-DeirfIdentityProof -Responder $r.H -Kind Ethereum -KeyPath $eth -Workspace $ws -Confirm:$false | Out-Null
            $keys[$r.H] = $eth
        }
        $inc = (New-DeirfIncident -Title 'Token drain under way' -Reporter bob -Workspace $ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $ws -Confirm:$false
        foreach ($h in 'carol', 'dana', 'erin') { Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder $h -Actor bob -Workspace $ws -Confirm:$false }
        $addr = @{}; foreach ($h in $keys.Keys) { $addr[$h] = Get-EthAddress $ws $h }
        $dana = ConvertTo-ChecksumAddress $node.Account
        $contracts = Get-TestContracts
        # bob's key sends the transactions (the pauser of the first token, the executor of the Safe's).
        Invoke-EvmRpc $node anvil_setBalance @($addr.bob, '0x56BC75E2D63100000') | Out-Null
        $env:DEIRF_EVM_KEY = (Get-Content -Raw $keys.bob).Trim()
        $token = New-TestContract $node 'DeirfTestToken' @($addr.bob)
        $log = Join-Path $TestDrive 'drain.log'; Set-Content $log 'Transfer events draining the pool'
        function Test-Paused([string] $Contract) { [Convert]::ToInt64((Invoke-TestCall $node $Contract (Get-CallData $contracts.DeirfTestToken 'paused()')), 16) -eq 1 }
    }
    AfterAll { Stop-TestAnvil $node }

    It 'the addresses are what the test meant: dana is anvil''s wallet' {
        $addr.dana | Should -Be $dana
    }

    It 'a target with a wrong EIP-55 checksum is refused at proposal time for a Safe freeze, and at run time for a pause' {
        $bad = "eip155:31337:$($token.ToLowerInvariant())"
        { New-DeirfProposal -Incident $inc -Action evm.safe.freeze -Target $bad -Parameters @{ rpc = $node.Url; call = 'pause'; to = $token } -Proposer bob -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'EvmAddressChecksum*'
    }

    It 'pause: -WhatIf sends nothing (block unchanged); with two persons it pauses and reads paused() == true' {
        $target = "eip155:31337:$token"
        $p = & (Join-Path $Runbooks 'evm-pause.ps1') -Incident $inc -Contract $target -Rpc $node.Url -Proposer bob -Workspace $ws
        $p.Action | Should -Be 'evm.contract.pause'
        Add-DeirfEvidence -Incident $inc -Path $log -Target $target -Actor bob -Workspace $ws | Out-Null

        $block = Get-BlockNumber $node
        $out = $p | Invoke-DeirfContainment -Actor bob -WhatIf -Verbose 4>&1 | Out-String
        $out | Should -Match 'send pause\(\)'
        Get-BlockNumber $node | Should -Be $block
        Test-Paused $token | Should -BeFalse

        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob -Kind Ethereum -Confirm:$false | Out-Null
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol -Kind Ethereum -Confirm:$false | Out-Null
        $r = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false
        $r.Outcome | Should -Be 'Applied'
        $r.Verified | Should -BeTrue
        Test-Paused $token | Should -BeTrue
        ($r.After | ConvertFrom-Json).transaction | Should -Match '^0x[0-9a-f]{64}$'
        Get-BlockNumber $node | Should -Be ($block + 1)
        (Get-DeirfJournal -Incident $inc -Workspace $ws | Out-String) | Should -Not -Match ($env:DEIRF_EVM_KEY.Substring(2))
    }

    It 'unpause is the undo, itself a quorum proposal (runbook evm-unpause.ps1)' {
        $target = "eip155:31337:$token"
        $u = & (Join-Path $Runbooks 'evm-unpause.ps1') -Incident $inc -Contract $target -Rpc $node.Url -Proposer bob -Workspace $ws
        $u.Action | Should -Be 'undo.evm.contract.pause'
        $u | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob -Kind Ethereum -Confirm:$false | Out-Null
        $u | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol -Kind Ethereum -Confirm:$false | Out-Null
        $r = $u | Undo-DeirfContainment -Actor bob -Confirm:$false
        $r.Outcome | Should -Be 'Undone'
        $r.Verified | Should -BeTrue
        Test-Paused $token | Should -BeFalse

        # Paused by nobody now: the runbook proposes evm.contract.unpause, its own action.
        $again = & (Join-Path $Runbooks 'evm-unpause.ps1') -Incident $inc -Contract $target -Rpc $node.Url -Proposer bob -Workspace $ws
        $again.Action | Should -Be 'evm.contract.unpause'
    }

    Context 'Safe 1.4.1, owners bob, carol and dana, threshold 2' {
        BeforeAll {
            $safe = New-TestSafe $node @($addr.bob, $addr.carol, $addr.dana) 2
            $vault = New-TestContract $node 'DeirfTestToken' @($safe)
            $safeTarget = "eip155:31337:$safe"
            Add-DeirfEvidence -Incident $inc -Path $log -Target $safeTarget -Actor bob -Workspace $ws | Out-Null
            $env:DEIRF_EVM_RPC = $node.Url
            function Get-SafeNonce { [Convert]::ToInt64((Invoke-TestCall $node $safe (Get-CallData $contracts.Safe 'nonce()')), 16) }
            function Get-SafeTxHash([string] $To, [string] $Data, [int] $Nonce) {
                # The Safe's own getTransactionHash(to, 0, data, CALL, 0, 0, 0, 0x0, 0x0, nonce), ABI-encoded by hand.
                $zero = '0x' + '0' * 40
                $bytes = $Data.Substring(2); $len = $bytes.Length / 2
                $padded = $bytes.PadRight([Math]::Ceiling($bytes.Length / 64) * 64, '0')
                $call = Get-CallData $contracts.Safe 'getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,uint256)' @($To, 0, 0x140, 0, 0, 0, 0, $zero, $zero, $Nonce, $len)
                Invoke-TestCall $node $safe ($call + $padded)
            }
        }

        It 'the signing payload is the Safe transaction hash, the nonce bound at proposal time' {
            $f = New-DeirfProposal -Incident $inc -Action evm.safe.freeze -Target $safeTarget -Parameters @{ call = 'pause'; to = $vault } -Proposer bob -Workspace $ws
            $f.Parameters['nonce'] | Should -Be '0'
            $f.Parameters['rpc'] | Should -Be $node.Url
            $payload = $f | Get-DeirfSigningPayload -OutFile (Join-Path $TestDrive 'freeze.bin')
            $payload.Digest | Should -Be (Get-SafeTxHash $vault (Get-CallData $contracts.DeirfTestToken 'pause()') 0)
            $payload.Text | Should -Match "safe-tx-hash: $($payload.Digest)"
            (Get-Item (Join-Path $TestDrive 'freeze.bin')).Length | Should -Be 32
        }

        It 'a non-owner among the signers is refused before the proposal is consumed (SafeSignerNotOwner)' {
            $script:stale = New-DeirfProposal -Incident $inc -Action evm.safe.freeze -Target $safeTarget -Parameters @{ call = 'pause'; to = $vault } -Proposer bob -Workspace $ws
            $stale | Add-DeirfQuorumSignature -Responder erin -KeyPath $keys.erin -Kind Ethereum -Confirm:$false | Out-Null
            $stale | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol -Kind Ethereum -Confirm:$false | Out-Null
            ($stale | Test-DeirfQuorum).IsMet | Should -BeTrue
            $block = Get-BlockNumber $node
            $err = $null
            $stale | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SafeSignerNotOwner,*'
            "$($err[0])" | Should -Match 'erin'
            Get-BlockNumber $node | Should -Be $block
            @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed' | Where-Object { $_.Body.proposal -eq $stale.Id }).Count | Should -Be 0
        }

        It 'freeze with 2 of 3 owners (one a wallet signature file): -WhatIf sends nothing, then execTransaction pauses the token' {
            $f = & (Join-Path $Runbooks 'evm-safe-freeze.ps1') -Incident $inc -Safe $safeTarget -To $vault -Rpc $node.Url -Proposer bob -Workspace $ws
            $script:nonce0 = $f
            $hash = ($f | Get-DeirfSigningPayload).Digest
            $f | Add-DeirfQuorumSignature -Responder dana -SignaturePath (New-WalletSignature $node $hash (Join-Path $TestDrive 'dana.sig')) -Confirm:$false | Out-Null
            # The same owner twice counts once.
            $f | Add-DeirfQuorumSignature -Responder dana -KeyPath $keys.dana -Kind Ethereum -Confirm:$false -ErrorVariable dup -ErrorAction SilentlyContinue | Out-Null
            $dup[0].FullyQualifiedErrorId | Should -BeLike 'QuorumSignatureRefused,*'
            "$($dup[0])" | Should -Match 'DuplicatePerson'
            $err = $null
            $f | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'

            $f | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol -Kind Ethereum -Confirm:$false | Out-Null
            $block = Get-BlockNumber $node
            $f | Invoke-DeirfContainment -Actor bob -WhatIf -Verbose 4>&1 | Out-String | Should -Match 'execTransaction'
            Get-BlockNumber $node | Should -Be $block

            $r = $f | Invoke-DeirfContainment -Actor bob -Confirm:$false
            $r.Verified | Should -BeTrue
            Test-Paused $vault | Should -BeTrue
            Get-SafeNonce | Should -Be 1
            ($r.After | ConvertFrom-Json).owners | Should -Be (@($addr.carol, $addr.dana) | Sort-Object { $_.ToLowerInvariant() })
        }

        It 'a proposal whose Safe nonce moved since signing is refused (SafeNonceMoved)' {
            $err = $null
            $stale | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SafeNonceMoved,*'
        }

        It 'a signature for the previous Safe nonce, or for another to or calldata, does not count' {
            $next = New-DeirfProposal -Incident $inc -Action evm.safe.freeze -Target $safeTarget -Parameters @{ call = 'unpause'; to = $vault } -Proposer bob -Workspace $ws
            $next.Parameters['nonce'] | Should -Be '1'
            # dana's wallet signature over the nonce-0 transaction.
            $err = $null
            $next | Add-DeirfQuorumSignature -Responder dana -SignaturePath (Join-Path $TestDrive 'dana.sig') -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumSignatureRefused,*'
            # Over the same nonce but another `to`, and another calldata.
            foreach ($other in @(@{ call = 'unpause'; to = $token }, @{ data = (Get-CallData $contracts.DeirfTestToken 'pause()'); to = $vault })) {
                $o = New-DeirfProposal -Incident $inc -Action evm.safe.freeze -Target $safeTarget -Parameters $other -Proposer bob -Workspace $ws
                $o.Parameters['nonce'] | Should -Be '1'
                $sig = New-WalletSignature $node ($o | Get-DeirfSigningPayload).Digest (Join-Path $TestDrive 'other.sig')
                $err = $null
                $next | Add-DeirfQuorumSignature -Responder dana -SignaturePath $sig -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumSignatureRefused,*'
            }
            # A row written behind the gate's back (the other proposal's signed hash as payload) is not counted by the verdict.
            @(($next | Test-DeirfQuorum).Signatures | Where-Object IsCounted).Count | Should -Be 0
            $next | Add-DeirfQuorumSignature -Responder dana -SignaturePath (New-WalletSignature $node ($next | Get-DeirfSigningPayload).Digest (Join-Path $TestDrive 'next.sig')) -Confirm:$false | Out-Null
            $next | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob -Kind Ethereum -Confirm:$false | Out-Null
            ($next | Invoke-DeirfContainment -Actor bob -Confirm:$false).Verified | Should -BeTrue
            Test-Paused $vault | Should -BeFalse
            Get-SafeNonce | Should -Be 2
        }
    }
}
