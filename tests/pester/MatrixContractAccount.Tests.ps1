# Issue 21, "a responder with Matrix + ContractAccount (no other kind) is eligible", through the built module: erin holds
# no key DeIRF could sign with, only a contract account (ERC-1271, on a REAL anvil on 127.0.0.1, a free port, stopped
# by PID) and a Matrix account (on the suite's fake homeserver, tests/tools/DeIRF.FakeServices, a child process on
# 127.0.0.1, stopped by PID: no Matrix homeserver is installable here). Her account's owner (anvil's random dev account,
# a wallet: eth_sign) signs the Matrix binding, so the contract account is the "already-bound key" that vouches for the
# Matrix handle. bob, who has a did:key, records her roster entries (his key signs them).

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

    function New-Token([string] $Kind) {
        $t = 'syt_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
        Register-DeirfTestSecret -Kind $Kind -Secret $t
        $t
    }
    $script:Token = New-Token 'fake homeserver bot token'
    $script:ErinToken = New-Token 'fake homeserver user token'
    $script:Fake = Start-DeirfTestFakeServices -Token $script:Token
    $script:Base = $script:Fake.Base
    Invoke-RestMethod -Method Post "$script:Base/_fake/matrix/users" -ContentType 'application/json' `
        -Body (@{ userId = '@erin:fake.local'; token = $script:ErinToken } | ConvertTo-Json) | Out-Null
    $env:DEIRF_MATRIX_HOMESERVER = $script:Base
    $env:DEIRF_MATRIX_TOKEN = $script:Token

    function Assert-NoFakeProblem {
        @(Invoke-RestMethod "$script:Base/_fake/problems" | ForEach-Object { $_ }) | Should -BeNullOrEmpty -Because 'the fake homeserver saw requests a real one would refuse'
    }
    # erin posts from her own Matrix client: PUT .../send/m.room.message/{txn}; returns the event id.
    function Send-AsErin([string] $Room, [string] $Body) {
        $uri = "$script:Base/_matrix/client/v3/rooms/$([uri]::EscapeDataString($Room))/send/m.room.message/$([guid]::NewGuid().ToString('n'))"
        (Invoke-RestMethod -Method Put $uri -Headers @{ Authorization = "Bearer $script:ErinToken" } -ContentType 'application/json' `
            -Body (@{ msgtype = 'm.text'; body = $Body } | ConvertTo-Json)).event_id
    }
    # personal_sign over the file's bytes by the account's owner (the node's unlocked dev account), in the erc1271: form.
    function Get-AccountSignature($Node, [string] $PayloadPath) {
        'erc1271:' + (Invoke-EvmRpc $Node eth_sign @($Node.Account, ('0x' + [Convert]::ToHexString([IO.File]::ReadAllBytes($PayloadPath)))))
    }
}

AfterAll {
    if ($script:Fake -and -not $script:Fake.Process.HasExited) {
        Stop-Process -Id $script:Fake.Process.Id -Force
        $script:Fake.Process.WaitForExit(10000) | Out-Null
    }
    Remove-Item Env:DEIRF_MATRIX_TOKEN, Env:DEIRF_MATRIX_HOMESERVER, Env:DEIRF_SIGNING_CONFIG, Env:DEIRF_EVM_RPC_31337 -ErrorAction SilentlyContinue
}

Describe 'Matrix + ContractAccount, no other kind: the responder is eligible and counts (issue 21)' -Skip:(-not $hasChain) {
    BeforeAll {
        $node = Start-TestAnvil $TestDrive
        $env:DEIRF_EVM_RPC_31337 = $node.Url
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $keys = New-Item -ItemType Directory (Join-Path $TestDrive 'keys')
        $bobKeys = Add-DeirfTestResponder -Workspace $ws -Handle bob -Role TriageLead -KeyFolder $keys
        $danaKeys = Add-DeirfTestResponder -Workspace $ws -Handle dana -Role ContainmentLead -KeyFolder $keys -AddedBy bob
        New-DeirfResponder -Handle erin -Name Erin -Role ContainmentLead -Actor bob -Workspace $ws -Confirm:$false | Out-Null
        $account = New-TestContract $node 'DeirfTestAccount' @($node.Account)
        $accountKey = "eip155:31337:$account#lens:erin"
        $inc = (New-DeirfIncident -Title 'Partner API keys leaked' -Reporter bob -Workspace $ws).Id
        $room = (New-DeirfIncidentChannel -Incident $inc -Workspace $ws -Homeserver $script:Base -Invite '@erin:fake.local' -Actor bob -Confirm:$false).Reference
    }
    AfterAll { Stop-TestAnvil $node }
    AfterEach { Assert-NoFakeProblem }

    It 'erin binds her contract account (its owner signs the binding): one kind, not eligible yet' {
        $binding = Join-Path $TestDrive 'erin-account.json'
        Get-DeirfSigningPayload -Responder erin -Kind ContractAccount -PublicKey $accountKey -OutFile $binding -Workspace $ws | Out-Null
        Set-Content -Path "$binding.sig" -Value (Get-AccountSignature $node $binding) -NoNewline
        $proof = Add-DeirfIdentityProof -Responder erin -Kind ContractAccount -PublicKey $accountKey -SignaturePath "$binding.sig" -PayloadPath $binding `
            -Actor bob -Workspace $ws -Confirm:$false
        $proof.Fingerprint | Should -Be "eip155:31337:$account"
        $erin = Get-DeirfResponder -Handle erin -Workspace $ws
        $erin.ProofKinds | ForEach-Object { "$_" } | Should -Be @('ContractAccount')
        $erin.Eligible | Should -BeFalse
    }

    It 'a Matrix binding whose account signature is over other bytes is refused: the account''s own answer decides' {
        $payload = Join-Path $TestDrive 'erin-matrix-bad.json'
        $p = Get-DeirfSigningPayload -Responder erin -Kind Matrix -PublicKey 'matrix:u/@erin:fake.local' -OutFile $payload -Workspace $ws
        # The owner signed the contract-account binding, not this one.
        $ev = Send-AsErin $room "deirf bind $($p.Digest)`n$(Get-AccountSignature $node (Join-Path $TestDrive 'erin-account.json'))"
        $ref = Join-Path $TestDrive 'erin-matrix-bad.ref'
        Set-Content -Path $ref -Value "matrix:event/$room/$ev" -NoNewline
        Add-DeirfIdentityProof -Responder erin -Kind Matrix -PublicKey "matrix:u/@erin:fake.local?org.keyoxide.r=$room&org.keyoxide.e=$ev" `
            -SignaturePath $ref -PayloadPath $payload -Actor bob -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProofPossessionNotShown,*'
        $err[0].Exception.Message | Should -BeLike "*verifies with none of the responder's bound proofs (ContractAccount eip155:31337:$account*"
        $err[0].Exception.Message | Should -Match 'not the ERC-1271 magic value 0x1626ba7e'
        (Get-DeirfResponder -Handle erin -Workspace $ws).Eligible | Should -BeFalse
    }

    It 'her Matrix binding is vouched for by the contract account (an ERC-1271 signature in the "deirf bind" message): two kinds, eligible' {
        $payload = Join-Path $TestDrive 'erin-matrix.json'
        $p = Get-DeirfSigningPayload -Responder erin -Kind Matrix -PublicKey 'matrix:u/@erin:fake.local' -OutFile $payload -Workspace $ws
        $ev = Send-AsErin $room "deirf bind $($p.Digest)`n$(Get-AccountSignature $node $payload)"
        $ref = Join-Path $TestDrive 'erin-matrix.ref'
        Set-Content -Path $ref -Value "matrix:event/$room/$ev" -NoNewline
        $proof = Add-DeirfIdentityProof -Responder erin -Kind Matrix -PublicKey "matrix:u/@erin:fake.local?org.keyoxide.r=$room&org.keyoxide.e=$ev" `
            -SignaturePath $ref -PayloadPath $payload -Actor bob -Workspace $ws -Confirm:$false
        "$($proof.Kind)" | Should -Be 'Matrix'
        $proof.Fingerprint | Should -Be '@erin:fake.local'
        $erin = Get-DeirfResponder -Handle erin -Workspace $ws
        $erin.ProofKinds | ForEach-Object { "$_" } | Sort-Object | Should -Be @('ContractAccount', 'Matrix')
        $erin.Eligible | Should -BeTrue
        # The roster records the claim (MXID, room, event) and the message as the signature.
        $entry = Get-Content (Join-Path $ws 'roster.jsonl') | ForEach-Object { ($_ | ConvertFrom-Json).stmt } |
            Where-Object { $_.kind -eq 'proof.added' -and $_.body.fingerprint -eq '@erin:fake.local' }
        $entry.body.signature | Should -Be "matrix:event/$room/$ev"
        $entry.actor | Should -Be 'bob'
        # A newcomer auditing the roster re-checks both bindings: the account on the node, the message on the homeserver.
        $v = Test-DeirfJournal -Roster -AllowUnsigned -Workspace $ws -WarningAction SilentlyContinue
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
        # Eligible means she may hold a role.
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder erin -Actor bob -Workspace $ws -Confirm:$false
        (Get-DeirfIncident $inc -Workspace $ws).Roles['ContainmentLead'] | Should -Contain 'erin'
    }

    It 'her "deirf approve" in the incident room counts as her Matrix signature in Test-DeirfQuorum, beside dana''s did:key' {
        $q = New-DeirfProposal -Incident $inc -Action notify.partner -Target 'partner-api' -Proposer bob -Workspace $ws
        $ev = Send-AsErin $room "deirf approve $($q.Id)"
        $q | Add-DeirfQuorumSignature -FromMatrix -Actor bob -Workspace $ws -Confirm:$false | Out-Null
        $q | Add-DeirfQuorumSignature -Responder dana -KeyPath $danaKeys.Seed -Kind DidKey -Workspace $ws -Confirm:$false | Out-Null
        $v = $q | Test-DeirfQuorum -Workspace $ws
        $v.IsMet | Should -BeTrue -Because ($v.Blockers -join '; ')
        $v.Persons | Sort-Object | Should -Be @('dana', 'erin')
        $row = @($v.Signatures | Where-Object Responder -EQ erin)
        $row.Count | Should -Be 1
        "$($row[0].Kind)" | Should -Be 'Matrix'
        "$($row[0].Status)" | Should -Be 'Counted'
        $row[0].Signature | Should -Be "matrix:event/$room/$ev"
    }

    It 'her contract-account signature counts too; her Matrix approval of the same proposal adds no second person' {
        $q = New-DeirfProposal -Incident $inc -Action notify.partner -Target 'other-api' -Proposer bob -Workspace $ws
        $payload = Join-Path $TestDrive 'prop.txt'
        $q | Get-DeirfSigningPayload -OutFile $payload -Workspace $ws | Out-Null
        Set-Content -Path "$payload.sig" -Value (Get-AccountSignature $node $payload) -NoNewline
        $q | Add-DeirfQuorumSignature -Responder erin -SignaturePath "$payload.sig" -Workspace $ws -Confirm:$false | Out-Null
        Send-AsErin $room "deirf approve $($q.Id)" | Out-Null
        $q | Add-DeirfQuorumSignature -FromMatrix -Actor bob -Workspace $ws -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue -ErrorVariable dup | Out-Null
        $v = $q | Test-DeirfQuorum -Workspace $ws
        $v.IsMet | Should -BeFalse -Because 'erin is one person, whatever kinds she signs with'
        $v.Persons | Should -Be @('erin')
        $counted = @($v.Signatures | Where-Object { $_.Responder -eq 'erin' -and "$($_.Status)" -eq 'Counted' })
        $counted.Count | Should -Be 1
        "$($counted[0].Kind)" | Should -Be 'ContractAccount'
        $q | Add-DeirfQuorumSignature -Responder bob -KeyPath $bobKeys.Seed -Kind DidKey -Workspace $ws -Confirm:$false | Out-Null
        ($q | Test-DeirfQuorum -Workspace $ws).IsMet | Should -BeTrue
    }
}
