# New-DeirfSignature: the device-side signer for did:key and Ethereum keys (no standard CLI exists for them). Its
# signatures must be the ones Add-DeirfQuorumSignature and Approve-DeirfProposal accept from -SignaturePath.

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $script:ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $script:keys = @{}
    foreach ($h in 'bob', 'carol', 'dana') {
        New-DeirfResponder -Handle $h -Name $h -Role ContainmentLead -Workspace $ws | Out-Null
        $seed = New-DeirfTestKey DidKey (Join-Path $TestDrive "$h.seed")
        $eth = New-DeirfTestKey Ethereum (Join-Path $TestDrive "$h.eth")
        Add-DeirfIdentityProof -Responder $h -Kind DidKey -KeyPath $seed -Workspace $ws -Confirm:$false | Out-Null
        Add-DeirfIdentityProof -Responder $h -Kind Ethereum -KeyPath $eth -Workspace $ws -Confirm:$false | Out-Null
        $script:keys[$h] = @{ DidKey = $seed; Ethereum = $eth }
    }
    $script:inc = (New-DeirfIncident -Title 'Signer check' -Reporter bob -Workspace $ws).Id
    foreach ($h in 'bob', 'carol') { Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder $h -Actor bob -Workspace $ws -Confirm:$false }
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue }

Describe 'New-DeirfSignature' {
    It 'signs proposal payloads with did:key and Ethereum keys that Add-DeirfQuorumSignature -SignaturePath counts' {
        $p = New-DeirfProposal -Incident $inc -Action recovery.patch-review -Target 'acme/app@fix-1' -Parameter @{ patch = 'acme/app@fix-1' } -Proposer bob -Workspace $ws
        $payload = Join-Path $TestDrive 'proposal.txt'
        $p | Get-DeirfSigningPayload -OutFile $payload | Out-Null
        $didSig = New-DeirfSignature -Path $payload -KeyPath $keys.carol.DidKey -Kind DidKey -Confirm:$false
        $didSig.FullName | Should -Be "$payload.sig"
        $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath $didSig.FullName -Confirm:$false | Out-Null
        $ethSig = New-DeirfSignature -Path $payload -KeyPath $keys.dana.Ethereum -Kind Ethereum -OutFile (Join-Path $TestDrive 'dana.sig') -Confirm:$false
        (Get-Content $ethSig.FullName -Raw) | Should -Match '^0x[0-9a-f]{130}$'
        $p | Add-DeirfQuorumSignature -Responder dana -SignaturePath $ethSig.FullName -PayloadPath $payload -Confirm:$false | Out-Null
        $v = $p | Test-DeirfQuorum
        @($v.Persons | Sort-Object) | Should -Be @('carol', 'dana')
    }

    It 'writes the signature through a fresh temp file: a link planted at <out>.tmp leaves its victim untouched' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'planting a symbolic link needs no privilege only on Unix'; return }
        # Issue 18 finding 8: the old fixed <out>.tmp name followed a planted symlink and overwrote the file it named.
        $payload = Join-Path $TestDrive 'planted.txt'
        Set-Content -Path $payload -Value 'payload' -NoNewline
        $victim = Join-Path $TestDrive 'victim.txt'
        Set-Content -Path $victim -Value 'do not touch' -NoNewline
        $out = Join-Path $TestDrive 'planted.sig'
        New-Item -ItemType SymbolicLink -Path "$out.tmp" -Target $victim | Out-Null
        $sig = New-DeirfSignature -Path $payload -KeyPath $keys.carol.DidKey -Kind DidKey -OutFile $out -Confirm:$false
        Get-Content $victim -Raw | Should -Be 'do not touch'
        (Get-Item $sig.FullName).LinkType | Should -BeNullOrEmpty
        (Get-Content $sig.FullName -Raw).Length | Should -BeGreaterThan 20
    }

    It 'makes the manual approval a person signs on their own device' {
        $p = New-DeirfProposal -Incident $inc -Action recovery.patch-review -Target 'acme/app@fix-2' -Parameter @{ patch = 'acme/app@fix-2' } -Proposer bob -Workspace $ws
        $payload = Join-Path $TestDrive 'proposal2.txt'
        $p | Get-DeirfSigningPayload -OutFile $payload | Out-Null
        foreach ($h in 'carol', 'dana') {
            $p | Add-DeirfQuorumSignature -Responder $h -SignaturePath (New-DeirfSignature -Path $payload -KeyPath $keys[$h].DidKey -Kind DidKey -OutFile (Join-Path $TestDrive "$h-2.sig") -Confirm:$false).FullName -PayloadPath $payload -Confirm:$false | Out-Null
        }
        $approval = Join-Path $TestDrive 'approve.txt'
        $p | Get-DeirfSigningPayload -Approval -OutFile $approval | Out-Null
        $sig = New-DeirfSignature $approval -KeyPath $keys.dana.Ethereum -Kind Ethereum -Confirm:$false
        $p | Approve-DeirfProposal -Responder dana -SignaturePath $sig.FullName -Confirm:$false | Out-Null
        $entries = Get-DeirfJournal -Incident $inc -Workspace $ws | Where-Object Kind -eq 'proposal.approved'
        @($entries).Count | Should -Be 1
    }

    It 'a quorum signature over the proposal payload does not pass as an approval' {
        $p = New-DeirfProposal -Incident $inc -Action recovery.patch-review -Target 'acme/app@fix-3' -Parameter @{ patch = 'acme/app@fix-3' } -Proposer bob -Workspace $ws
        $payload = Join-Path $TestDrive 'proposal3.txt'
        $p | Get-DeirfSigningPayload -OutFile $payload | Out-Null
        $sig = New-DeirfSignature $payload -KeyPath $keys.dana.DidKey -Kind DidKey -Confirm:$false
        { $p | Approve-DeirfProposal -Responder dana -SignaturePath $sig.FullName -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'QuorumSignatureRefused*'
    }

    It 'does not overwrite a signature file without -Force, and -WhatIf writes nothing' {
        $payload = Join-Path $TestDrive 'any.txt'
        Set-Content $payload 'DeIRF-proposal-v1'
        New-DeirfSignature $payload -KeyPath $keys.bob.DidKey -Kind DidKey -Confirm:$false | Out-Null
        $before = Get-Content "$payload.sig" -Raw
        $err = $null
        New-DeirfSignature $payload -KeyPath $keys.bob.DidKey -Kind DidKey -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SignatureFileExists*'
        $err[0].TargetObject | Should -Be "$payload.sig"
        New-DeirfSignature $payload -KeyPath $keys.bob.DidKey -Kind DidKey -OutFile (Join-Path $TestDrive 'whatif.sig') -WhatIf | Should -BeNullOrEmpty
        Test-Path (Join-Path $TestDrive 'whatif.sig') | Should -BeFalse
        (Get-Content "$payload.sig" -Raw) | Should -Be $before
    }

    It 'refuses a missing payload with PayloadNotFound and names it' {
        $err = $null
        New-DeirfSignature (Join-Path $TestDrive 'nope.txt') -KeyPath $keys.bob.DidKey -Kind DidKey -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PayloadNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
