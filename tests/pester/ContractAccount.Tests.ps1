# ContractAccount proofs (issue 21, ERC-1271) as responders drive them, against a REAL anvil on 127.0.0.1 (a free
# port, stopped by PID). carol's Lens-style account (compiled by solcjs at test time) is owned by anvil's random dev
# account, so her signatures come from the node's eth_sign: a wallet, not DeIRF, signs. The node for chain 31337 is
# found through $env:DEIRF_EVM_RPC_31337, as an operator configures it.

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
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'

    # personal_sign over the file's bytes by the account's owner (the node's unlocked dev account), in the erc1271: form.
    function New-AccountSignature($Node, [string] $PayloadPath, [string] $Path) {
        $hex = '0x' + [Convert]::ToHexString([IO.File]::ReadAllBytes($PayloadPath))
        Set-Content -Path $Path -Value ('erc1271:' + (Invoke-EvmRpc $Node eth_sign @($Node.Account, $hex))) -NoNewline
        $Path
    }
    # The binding payload for -PublicKey, signed by the account's owner: the payload and signature paths.
    function New-AccountBinding($Node, [string] $Ws, [string] $Handle, [string] $PublicKey, [string] $Name) {
        $binding = Join-Path $TestDrive "$Name.json"
        Get-DeirfSigningPayload -Responder $Handle -Kind ContractAccount -PublicKey $PublicKey -OutFile $binding -Workspace $Ws | Out-Null
        [pscustomobject]@{ Payload = $binding; Signature = (New-AccountSignature $Node $binding "$binding.sig") }
    }
    function Get-FreePort { $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $p = $l.LocalEndpoint.Port; $l.Stop(); $p }
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG, Env:DEIRF_EVM_RPC_31337 -ErrorAction SilentlyContinue }

Describe 'ContractAccount (ERC-1271) proofs against a real anvil (issue 21)' -Skip:(-not $hasChain) {
    BeforeAll {
        $node = Start-TestAnvil $TestDrive
        $env:DEIRF_EVM_RPC_31337 = $node.Url
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        New-DeirfResponder -Handle bob -Name Bob -Role ContainmentLead -Workspace $ws | Out-Null
        $bobSeed = New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive 'bob.seed')
        Add-DeirfIdentityProof -Responder bob -Kind DidKey -KeyPath $bobSeed -Workspace $ws -Confirm:$false | Out-Null
        Add-DeirfIdentityProof -Responder bob -Kind Ethereum -KeyPath (New-DeirfTestKey -Kind Ethereum -Path (Join-Path $TestDrive 'bob.eth')) -Workspace $ws -Confirm:$false | Out-Null
        # carol: a did:key and her contract account (bound below) are her two kinds.
        New-DeirfResponder -Handle carol -Name Carol -Role ContainmentLead -Workspace $ws | Out-Null
        $carolSeed = New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive 'carol.seed')
        Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath $carolSeed -Workspace $ws -Confirm:$false | Out-Null
        $account = New-TestContract $node 'DeirfTestAccount' @($node.Account)
        $public = "eip155:31337:$account#lens:carol"
        $inc = (New-DeirfIncident -Title 'Pod compromise' -Reporter bob -Workspace $ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $ws -Confirm:$false
        $log = Join-Path $TestDrive 'api.log'; Set-Content $log 'GET /admin 200'
        Add-DeirfEvidence -Incident $inc -Path $log -Target prod/api-7f9 -Actor bob -Workspace $ws | Out-Null
    }
    AfterAll { Stop-TestAnvil $node }

    It 'Add-DeirfIdentityProof -Kind ContractAccount binds carol''s account with a signature the account''s owner made' {
        $b = New-AccountBinding $node $ws carol $public 'carol-binding'
        $proof = Add-DeirfIdentityProof -Responder carol -Kind ContractAccount -PublicKey $public -SignaturePath $b.Signature -PayloadPath $b.Payload -Workspace $ws -Confirm:$false
        "$($proof.Kind)" | Should -Be 'ContractAccount'
        $proof.Fingerprint | Should -Be "eip155:31337:$account"
        (Get-DeirfResponder -Handle carol -Workspace $ws).ProofKinds | Should -Be @('DidKey', 'ContractAccount')
    }

    It 'the same chain and address is bound once: bob cannot bind it under another label (ProofAlreadyBound)' {
        $other = "eip155:31337:$account#safe:shared"
        $b = New-AccountBinding $node $ws bob $other 'bob-binding'
        Add-DeirfIdentityProof -Responder bob -Kind ContractAccount -PublicKey $other -SignaturePath $b.Signature -PayloadPath $b.Payload -Workspace $ws -Confirm:$false `
            -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProofAlreadyBound,*'
        (Get-DeirfResponder -Handle bob -Workspace $ws).ProofKinds | Should -Not -Contain 'ContractAccount'
    }

    It 'a binding signed by someone the account does not accept is refused (ProofPossessionNotShown), naming the magic value' {
        New-DeirfResponder -Handle dana -Name Dana -Role TriageLead -Workspace $ws | Out-Null
        $stranger = New-TestContract $node 'DeirfTestAccount' @('0x' + '1' * 40)
        $key = "eip155:31337:$stranger#lens:dana"
        $b = New-AccountBinding $node $ws dana $key 'dana-binding'
        Add-DeirfIdentityProof -Responder dana -Kind ContractAccount -PublicKey $key -SignaturePath $b.Signature -PayloadPath $b.Payload -Workspace $ws -Confirm:$false `
            -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProofPossessionNotShown,*'
        $err[0].Exception.Message | Should -Match 'not the ERC-1271 magic value 0x1626ba7e'
        (Get-DeirfResponder -Handle dana -Workspace $ws).ProofKinds | Should -BeNullOrEmpty
    }

    It 'carol''s account signature counts in Test-DeirfQuorum beside bob''s did:key, carol counts once; with the node down it is refused and nothing counts it' {
        # Two kinds (did:key and the contract account) make carol eligible for the role.
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder carol -Actor bob -Workspace $ws -Confirm:$false
        $p = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob -Workspace $ws
        $payload = Join-Path $TestDrive 'prop.txt'
        $p | Get-DeirfSigningPayload -OutFile $payload -Workspace $ws | Out-Null
        $sig = New-AccountSignature $node $payload "$payload.sig"
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath $sig -Workspace $ws -Confirm:$false | Out-Null
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $bobSeed -Kind DidKey -Workspace $ws -Confirm:$false | Out-Null

        $v = $p | Test-DeirfQuorum -Workspace $ws
        $v.IsMet | Should -BeTrue
        $carol = $v.Signatures | Where-Object Responder -EQ carol
        $carol.Kind | Should -Be 'ContractAccount'
        $carol.Status | Should -Be 'Counted'
        $carol.Fingerprint | Should -Be "eip155:31337:$account"

        # One person counts once across kinds: carol's did:key adds nothing.
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $carolSeed -Kind DidKey -Workspace $ws -Confirm:$false -ErrorVariable dup -ErrorAction SilentlyContinue | Out-Null
        "$($dup[0].Exception.Reason)" | Should -Be 'DuplicatePerson'

        # The node goes away: the account's answer is unknown, so the signature does not count (never "valid").
        $env:DEIRF_EVM_RPC_31337 = "http://127.0.0.1:$(Get-FreePort)"
        try {
            $down = $p | Test-DeirfQuorum -Workspace $ws
            $down.IsMet | Should -BeFalse
            $row = $down.Signatures | Where-Object Responder -EQ carol
            $row.Status | Should -Be 'BadSignature'
            $row.Detail | Should -Match '^ContractAccountRpcUnavailable: '

            $q = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob -Workspace $ws
            $payload2 = Join-Path $TestDrive 'prop2.txt'
            $q | Get-DeirfSigningPayload -OutFile $payload2 -Workspace $ws | Out-Null
            $sig2 = New-AccountSignature $node $payload2 "$payload2.sig"
            $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
            $q | Add-DeirfQuorumSignature -Responder carol -SignaturePath $sig2 -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumSignatureRefused,*'
            $err[0].Exception.Message | Should -Match 'ContractAccountRpcUnavailable'
            @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be $before
        }
        finally { $env:DEIRF_EVM_RPC_31337 = $node.Url }
        ($p | Test-DeirfQuorum -Workspace $ws).IsMet | Should -BeTrue
    }

    It 'Test-DeirfJournal -Roster re-checks the account binding on the node: valid while it answers, a finding naming the refusal when it is down' {
        $v = Test-DeirfJournal -Roster -AllowUnsigned -Workspace $ws -WarningAction SilentlyContinue
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
        $env:DEIRF_EVM_RPC_31337 = "http://127.0.0.1:$(Get-FreePort)"
        try {
            $down = Test-DeirfJournal -Roster -AllowUnsigned -Workspace $ws -WarningAction SilentlyContinue
            $down.IsValid | Should -BeFalse
            $down.Reason | Should -Match 'ContractAccountRpcUnavailable'
        }
        finally { $env:DEIRF_EVM_RPC_31337 = $node.Url }
    }

    Context 'a Safe 1.4.1, 2 of 3 owners, CompatibilityFallbackHandler' {
        BeforeAll {
            # Its own node with three wallets: the owners sign with eth_sign, as a wallet does.
            $safeNode = Start-TestAnvil $TestDrive -Accounts 3
            $env:DEIRF_EVM_RPC_31337 = $safeNode.Url
            $contracts = Get-TestContracts
            $handler = New-TestContract $safeNode 'CompatibilityFallbackHandler'
            $owners = @($safeNode.Accounts | ForEach-Object { ConvertTo-ChecksumAddress $_ })
            $safe = New-TestSafe $safeNode $owners 2 -FallbackHandler $handler
            $treasury = "eip155:31337:$safe#safe:treasury"
            New-DeirfResponder -Handle erin -Name Erin -Role TriageLead -Workspace $ws | Out-Null
            # What Safe{Wallet} "Sign message" does: each owner signs the Safe's SafeMessage hash of the EIP-191 hash of
            # the text (eth_sign: v + 4 tells the Safe so), in ascending owner address order.
            function New-SafeSignature([string] $PayloadPath, [string[]] $Signers, [string] $Path) {
                $signer = (Get-EngineType 'Nethereum.Signer' 'Nethereum.Signer.EthereumMessageSigner')::new()
                $hash = [Convert]::ToHexString($signer.HashPrefixedMessage([IO.File]::ReadAllBytes($PayloadPath))).ToLowerInvariant()
                $data = '0x' + $contracts.CompatibilityFallbackHandler.Methods['getMessageHashForSafe(address,bytes)'] + (ConvertTo-Word $safe) + (ConvertTo-Word 0x40) + (ConvertTo-Word 32) + $hash
                $messageHash = Invoke-TestCall $safeNode $handler $data
                $sorted = $Signers | Sort-Object { [Numerics.BigInteger]::Parse('0' + $_.Substring(2), 'HexNumber') }
                $joined = ($sorted | ForEach-Object {
                        $sig = (Invoke-EvmRpc $safeNode eth_sign @($_, $messageHash)).Substring(2)
                        $sig.Substring(0, 128) + ('{0:x2}' -f ([Convert]::ToInt32($sig.Substring(128, 2), 16) + 4))
                    }) -join ''
                Set-Content -Path $Path -Value "erc1271:0x$joined" -NoNewline
                $Path
            }
        }
        AfterAll {
            Stop-TestAnvil $safeNode
            $env:DEIRF_EVM_RPC_31337 = $node.Url
        }

        It 'binds the Safe to erin when two owners sign the binding; one owner alone is refused (GS020) and binds nothing' {
            $binding = Join-Path $TestDrive 'erin-binding.json'
            Get-DeirfSigningPayload -Responder erin -Kind ContractAccount -PublicKey $treasury -OutFile $binding -Workspace $ws | Out-Null

            $one = New-SafeSignature $binding @($owners[1]) "$binding.one.sig"
            Add-DeirfIdentityProof -Responder erin -Kind ContractAccount -PublicKey $treasury -SignaturePath $one -PayloadPath $binding -Workspace $ws -Confirm:$false `
                -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProofPossessionNotShown,*'
            $err[0].Exception.Message | Should -Match 'reverted isValidSignature.*GS020'
            (Get-DeirfResponder -Handle erin -Workspace $ws).ProofKinds | Should -BeNullOrEmpty

            $two = New-SafeSignature $binding @($owners[2], $owners[0]) "$binding.sig"
            $proof = Add-DeirfIdentityProof -Responder erin -Kind ContractAccount -PublicKey $treasury -SignaturePath $two -PayloadPath $binding -Workspace $ws -Confirm:$false
            $proof.Fingerprint | Should -Be "eip155:31337:$safe"
            $proof.Key.PublicKey | Should -Be $treasury
            $proof.Key.Attributes["label"] | Should -Be "safe:treasury"
        }
    }
}
