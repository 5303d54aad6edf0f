# Matrix proofs (issue 21, a signed Matrix handle) as responders drive them, through the built module against the
# suite's fake homeserver (tests/tools/DeIRF.FakeServices, a child process on 127.0.0.1 and a free port, stopped by PID):
# no Matrix homeserver is installable here. Each responder posts with their own access token through the client-server
# API's send route, as on a real homeserver; DeIRF reads events, edits and room history with the workspace bot's token
# ($env:DEIRF_MATRIX_TOKEN) from $env:DEIRF_MATRIX_HOMESERVER. The fake records any request the real API would refuse.

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'

    function New-Token([string] $Kind) {
        $t = 'syt_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
        Register-DeirfTestSecret -Kind $Kind -Secret $t
        $t
    }
    $script:Token = New-Token 'fake homeserver bot token'
    $script:Users = @{}
    foreach ($u in 'alice', 'carol', 'erin') { $script:Users[$u] = New-Token 'fake homeserver user token' }

    $fakeDll = @('Release', 'Debug') | ForEach-Object { Join-Path $PSScriptRoot "../tools/DeIRF.FakeServices/bin/$_/net10.0/DeIRF.FakeServices.dll" } |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $fakeDll) { throw 'DeIRF.FakeServices.dll is not built: run ./build.ps1 build' }
    $dotnet = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { (Get-Command dotnet).Source }
    $psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
    $psi.ArgumentList.Add((Resolve-Path $fakeDll).Path)
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    # The token reaches the fake through its environment, never its command line.
    $psi.Environment['DEIRF_FAKE_TOKEN'] = $script:Token
    $script:Fake = [Diagnostics.Process]::Start($psi)
    $line = $script:Fake.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { throw 'The fake services did not start within 60 s' }
    $script:Base = $line.Result.Trim()
    if ($script:Base -notmatch '^http://127\.0\.0\.1:\d+$') { throw "Unexpected fake services address '$($script:Base)'" }
    foreach ($u in $script:Users.Keys) {
        Invoke-RestMethod -Method Post "$script:Base/_fake/matrix/users" -ContentType 'application/json' `
            -Body (@{ userId = "@${u}:fake.local"; token = $script:Users[$u] } | ConvertTo-Json) | Out-Null
    }
    $env:DEIRF_MATRIX_HOMESERVER = $script:Base
    $env:DEIRF_MATRIX_TOKEN = $script:Token

    function Get-FakeRequests([string] $Route) { @((Invoke-RestMethod "$script:Base/_fake/requests") | ForEach-Object { $_ } | Where-Object route -EQ $Route) }
    $script:ProblemsSeen = 0
    function Assert-NoFakeProblem {
        $problems = @(Invoke-RestMethod "$script:Base/_fake/problems" | ForEach-Object { $_ })
        $new = @($problems | Select-Object -Skip $script:ProblemsSeen)
        $script:ProblemsSeen = $problems.Count
        $new | Should -BeNullOrEmpty -Because 'the fake homeserver saw requests a real one would refuse'
    }
    # A message as $User posts it from their own client: PUT .../send/m.room.message/{txn}; returns the event id.
    function Send-AsUser([string] $User, [string] $Body, [hashtable] $Extra = @{}) {
        $content = @{ msgtype = 'm.text'; body = $Body } + $Extra
        $uri = "$script:Base/_matrix/client/v3/rooms/$([uri]::EscapeDataString($script:Room))/send/m.room.message/$([guid]::NewGuid().ToString('n'))"
        (Invoke-RestMethod -Method Put $uri -Headers @{ Authorization = "Bearer $($script:Users[$User])" } -ContentType 'application/json' `
            -Body ($content | ConvertTo-Json -Depth 5)).event_id
    }
    function Remove-AsUser([string] $User, [string] $EventId) {
        $uri = "$script:Base/_matrix/client/v3/rooms/$([uri]::EscapeDataString($script:Room))/redact/$([uri]::EscapeDataString($EventId))/$([guid]::NewGuid().ToString('n'))"
        Invoke-RestMethod -Method Put $uri -Headers @{ Authorization = "Bearer $($script:Users[$User])" } -ContentType 'application/json' -Body '{}' | Out-Null
    }
    function Write-EventRef([string] $EventId, [string] $Name) {
        $path = Join-Path $TestDrive $Name
        Set-Content -Path $path -Value "matrix:event/$($script:Room)/$EventId" -NoNewline
        $path
    }
    # The Matrix binding of $Handle: the payload, a did:key signature over it (or none), the "deirf bind" message, the claim.
    function New-MatrixBinding([string] $Handle, [string] $Seed, [string] $PostAs = $Handle) {
        $payload = Join-Path $TestDrive "$Handle-matrix-$([guid]::NewGuid().ToString('n').Substring(0, 6)).json"
        $p = Get-DeirfSigningPayload -Responder $Handle -Kind Matrix -PublicKey "matrix:u/@${Handle}:fake.local" -OutFile $payload -Workspace $script:Ws
        $jws = if ($Seed) { Get-Content -Raw (New-DeirfSignature -Path $payload -KeyPath $Seed -Kind DidKey -Confirm:$false) } else { '' }
        $ev = Send-AsUser $PostAs "deirf bind $($p.Digest)`n$jws"
        [pscustomobject]@{
            Payload = $payload; Event = $ev; Signature = (Write-EventRef $ev "$Handle-bind-$ev.ref".Replace('$', '').Replace(':', ''))
            PublicKey = "matrix:u/@${Handle}:fake.local?org.keyoxide.r=$($script:Room)&org.keyoxide.e=$ev"
        }
    }

    $script:Ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $script:Ws | Out-Null
    $keys = Join-Path $TestDrive 'keys'; New-Item -ItemType Directory $keys | Out-Null
    $script:AliceKeys = Add-DeirfTestResponder -Workspace $script:Ws -Handle alice -Role TriageLead -KeyFolder $keys
    $script:BobKeys = Add-DeirfTestResponder -Workspace $script:Ws -Handle bob -Role ContainmentLead -KeyFolder $keys -AddedBy alice
    Add-DeirfTestResponder -Workspace $script:Ws -Handle dana -Role CommsLead -KeyFolder $keys -AddedBy alice | Out-Null
    # carol: a did:key and her Matrix account (bound below) are her two kinds.
    New-DeirfResponder -Handle carol -Name Carol -Role TriageLead -Workspace $script:Ws -Actor alice -Confirm:$false | Out-Null
    $script:CarolSeed = New-DeirfTestKey -Kind DidKey -Path (Join-Path $keys 'carol.seed')
    Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath $script:CarolSeed -Workspace $script:Ws -Confirm:$false | Out-Null
    Set-DeirfSigningKey -Responder carol -Kind DidKey -KeyPath $script:CarolSeed -Workspace $script:Ws | Out-Null

    $script:Inc = (New-DeirfIncident -Title 'API keys leaked' -Reporter alice -Workspace $script:Ws).Id
    $script:Room = (New-DeirfIncidentChannel -Incident $script:Inc -Workspace $script:Ws -Homeserver $script:Base -Actor dana -Confirm:$false).Reference
}

AfterAll {
    if ($script:Fake -and -not $script:Fake.HasExited) {
        Stop-Process -Id $script:Fake.Id -Force
        $script:Fake.WaitForExit(10000) | Out-Null
    }
    Remove-Item Env:DEIRF_MATRIX_TOKEN, Env:DEIRF_MATRIX_HOMESERVER, Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Matrix proofs: binding a Matrix account (issue 21)' {
    AfterEach { Assert-NoFakeProblem }

    It 'a binding message without a signature by a bound key is refused (ProofPossessionNotShown)' {
        $b = New-MatrixBinding carol -Seed $null
        Add-DeirfIdentityProof -Responder carol -Kind Matrix -PublicKey $b.PublicKey -SignaturePath $b.Signature -PayloadPath $b.Payload `
            -Workspace $script:Ws -Actor carol -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProofPossessionNotShown,*'
        $err[0].Exception.Message | Should -BeLike '*carries no signature over the binding*'
    }

    It 'a binding posted by another account is refused, naming the sender' {
        $b = New-MatrixBinding carol -Seed $script:CarolSeed -PostAs erin
        Add-DeirfIdentityProof -Responder carol -Kind Matrix -PublicKey $b.PublicKey -SignaturePath $b.Signature -PayloadPath $b.Payload `
            -Workspace $script:Ws -Actor carol -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProofPossessionNotShown,*'
        $err[0].Exception.Message | Should -BeLike '*was sent by @erin:fake.local, not by @carol:fake.local*'
    }

    It 'Add-DeirfIdentityProof -Kind Matrix binds carol''s account, vouched for by her did:key, and she becomes eligible' {
        $b = New-MatrixBinding carol -Seed $script:CarolSeed
        $proof = Add-DeirfIdentityProof -Responder carol -Kind Matrix -PublicKey $b.PublicKey -SignaturePath $b.Signature -PayloadPath $b.Payload `
            -Workspace $script:Ws -Actor carol -Confirm:$false
        "$($proof.Kind)" | Should -Be 'Matrix'
        $proof.Fingerprint | Should -Be '@carol:fake.local'
        $carol = Get-DeirfResponder -Handle carol -Workspace $script:Ws
        $carol.ProofKinds | ForEach-Object { "$_" } | Should -Be @('DidKey', 'Matrix')
        $carol.Eligible | Should -BeTrue
        # The roster records the claim: MXID, room and event.
        $proof.Key.PublicKey | Should -Be $b.PublicKey
        # The roster re-checks the binding against the homeserver, as a newcomer auditing it would.
        $v = Test-DeirfJournal -Roster -AllowUnsigned -Workspace $script:Ws -WarningAction SilentlyContinue
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
        (Get-FakeRequests 'matrix.event')[-1].headers.Authorization | Should -Be 'Bearer <valid token>'
    }

    It 'alice binds hers too (did:key, Ethereum and Matrix)' {
        $b = New-MatrixBinding alice -Seed $script:AliceKeys.Seed
        Add-DeirfIdentityProof -Responder alice -Kind Matrix -PublicKey $b.PublicKey -SignaturePath $b.Signature -PayloadPath $b.Payload `
            -Workspace $script:Ws -Actor alice -Confirm:$false | Out-Null
        (Get-DeirfResponder -Handle alice -Workspace $script:Ws).ProofKinds | ForEach-Object { "$_" } | Should -Contain 'Matrix'
    }
}

Describe 'Matrix proofs: approving in chat and the room sweep (issue 21)' {
    AfterEach { Assert-NoFakeProblem }

    BeforeAll {
        $script:P = New-DeirfProposal -Incident $script:Inc -Action notify.partner -Target 'partner-api' -Proposer dana -Workspace $script:Ws
        $script:Other = New-DeirfProposal -Incident $script:Inc -Action notify.partner -Target 'other-api' -Proposer dana -Workspace $script:Ws
    }

    It 'the sweep records carol''s "deirf approve" message naming the digest as her Matrix signature, journaled with event, room and origin_server_ts' {
        Send-AsUser alice "deirf approve $($script:Other.Id)" | Out-Null
        $ev = Send-AsUser carol "deirf approve $($script:P.Id)"
        $out = $script:P | Add-DeirfQuorumSignature -FromMatrix -Actor dana -Workspace $script:Ws -Confirm:$false
        $out.Id | Should -Be $script:P.Id
        $v = $script:P | Test-DeirfQuorum -Workspace $script:Ws
        $row = @($v.Signatures | Where-Object Responder -EQ carol)
        $row.Count | Should -Be 1
        $row[0].Kind | Should -Be 'Matrix'
        $row[0].Status | Should -Be 'Counted'
        $row[0].Signature | Should -Be "matrix:event/$($script:Room)/$ev"
        $entry = Get-Content (Join-Path $script:Ws "incidents/$($script:Inc)/journal.jsonl") | ForEach-Object { ($_ | ConvertFrom-Json).stmt } |
            Where-Object { $_.kind -eq 'proposal.signed' -and $_.body.responder -eq 'carol' }
        $entry.actor | Should -Be 'dana'
        $entry.body.details.event | Should -Be $ev
        $entry.body.details.room | Should -Be $script:Room
        $entry.body.details.originServerTs | Should -Match '^\d{13}$'
        $entry.body.details.sender | Should -Be '@carol:fake.local'
        (Get-Content -Raw (Join-Path $script:Ws "incidents/$($script:Inc)/journal.jsonl")) | Should -Not -BeLike "*$($script:Token)*"
        @(Get-FakeRequests 'matrix.messages')[-1].rawTarget | Should -BeLike '*dir=b*'
        # Only carol so far: one person is no quorum of two.
        $v.IsMet | Should -BeFalse
    }

    It 'with bob''s did:key signature beside carol''s Matrix one the quorum is met' {
        $script:P | Add-DeirfQuorumSignature -Responder bob -KeyPath $script:BobKeys.Seed -Kind DidKey -Workspace $script:Ws -Confirm:$false | Out-Null
        $v = $script:P | Test-DeirfQuorum -Workspace $script:Ws
        $v.IsMet | Should -BeTrue
        $v.Persons | Sort-Object | Should -Be @('bob', 'carol')
    }

    It 'sweeping again records nothing new' {
        $before = @(($script:P | Test-DeirfQuorum -Workspace $script:Ws).Signatures).Count
        $script:P | Add-DeirfQuorumSignature -FromMatrix -Actor dana -Workspace $script:Ws -Confirm:$false | Out-Null
        @(($script:P | Test-DeirfQuorum -Workspace $script:Ws).Signatures).Count | Should -Be $before
    }

    It 'refuses, with their reasons, an approval from an unbound account and an edited one, and records neither' {
        $q = New-DeirfProposal -Incident $script:Inc -Action notify.partner -Target 'third-api' -Proposer dana -Workspace $script:Ws
        Send-AsUser erin "deirf approve $($q.Id)" | Out-Null
        $orig = Send-AsUser alice "deirf approve $($q.Id)"
        Send-AsUser alice "* deirf approve $($script:Other.Id)" @{
            'm.new_content' = @{ msgtype = 'm.text'; body = "deirf approve $($script:Other.Id)" }
            'm.relates_to' = @{ rel_type = 'm.replace'; event_id = $orig }
        } | Out-Null
        $q | Add-DeirfQuorumSignature -FromMatrix -Actor dana -Workspace $script:Ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 2
        $err | ForEach-Object { $_.FullyQualifiedErrorId } | Should -BeLike 'QuorumSignatureRefused,*'
        ($err | Where-Object { "$_" -like '*@erin:fake.local is bound to no responder*' }) | Should -Not -BeNullOrEmpty
        ($err | Where-Object { "$_" -like "*$orig*was edited (m.replace)*" }) | Should -Not -BeNullOrEmpty
        @(($q | Test-DeirfQuorum -Workspace $script:Ws).Signatures).Count | Should -Be 0
    }

    It 'a redacted approval given by hand is refused (QuorumSignatureRefused, redacted)' {
        $q = New-DeirfProposal -Incident $script:Inc -Action notify.partner -Target 'fourth-api' -Proposer dana -Workspace $script:Ws
        $ev = Send-AsUser alice "deirf approve $($q.Id)"
        Remove-AsUser alice $ev
        $ref = Write-EventRef $ev 'redacted.ref'
        { $q | Add-DeirfQuorumSignature -Responder alice -SignaturePath $ref -Workspace $script:Ws -Confirm:$false } |
            Should -Throw -ErrorId 'QuorumSignatureRefused,DeIRF.Commands.Cmdlets.AddDeirfQuorumSignatureCommand'
        { $q | Add-DeirfQuorumSignature -Responder alice -SignaturePath $ref -Workspace $script:Ws -Confirm:$false } | Should -Throw '*was redacted*'
    }

    It 'an approval naming another proposal''s digest is refused when given for this one' {
        $q = New-DeirfProposal -Incident $script:Inc -Action notify.partner -Target 'fifth-api' -Proposer dana -Workspace $script:Ws
        $ev = Send-AsUser alice "deirf approve $($script:Other.Id)"
        $ref = Write-EventRef $ev 'other.ref'
        { $q | Add-DeirfQuorumSignature -Responder alice -SignaturePath $ref -Workspace $script:Ws -Confirm:$false } |
            Should -Throw "*approves $($script:Other.Id.Substring(0, 12))*not this payload's digest $($q.Id)*"
    }

    It 'a revoked Matrix proof no longer approves (Revoked)' {
        $q = New-DeirfProposal -Incident $script:Inc -Action notify.partner -Target 'sixth-api' -Proposer dana -Workspace $script:Ws
        Revoke-DeirfIdentityProof -Responder alice -Fingerprint '@alice:fake.local' -Reason 'phone lost' -Actor alice -Workspace $script:Ws -Confirm:$false | Out-Null
        Send-AsUser alice "deirf approve $($q.Id)" | Out-Null
        $q | Add-DeirfQuorumSignature -FromMatrix -Actor dana -Workspace $script:Ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumSignatureRefused,*'
        "$($err[0])" | Should -BeLike '*Revoked*'
    }

    It 'a bot token the homeserver refuses is MatrixUnauthorized, and the token is in no message' {
        $saved = $env:DEIRF_MATRIX_TOKEN
        try {
            $env:DEIRF_MATRIX_TOKEN = New-Token 'wrong token'
            $script:P | Add-DeirfQuorumSignature -FromMatrix -Actor dana -Workspace $script:Ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err[0].FullyQualifiedErrorId | Should -BeLike 'MatrixUnauthorized,*'
            "$($err[0])" | Should -Not -BeLike "*$($env:DEIRF_MATRIX_TOKEN)*"
        }
        finally { $env:DEIRF_MATRIX_TOKEN = $saved }
    }
}
