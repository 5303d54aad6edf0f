BeforeDiscovery {
    # -Skip is decided at discovery: a missing tool skips here, and fails the run under CI=true.
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $hasSsh = Test-DeirfTool ssh-keygen
    $hasGpg = Test-DeirfTool gpg
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    # Keep this run's signing-key settings away from the user's own configuration.
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'

    function New-SshKey([string] $Name) { New-DeirfTestKey Ssh (Join-Path $TestDrive $Name) }
    function New-Seed([string] $Name) { New-DeirfTestKey DidKey (Join-Path $TestDrive $Name) }
    function New-EthKey([string] $Name) { New-DeirfTestKey Ethereum (Join-Path $TestDrive $Name) }
}

AfterAll {
    Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Identity plurality (issue 4), as a responder binds keys with the tools they already use' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $env:DEIRF_WORKSPACE = $ws
        New-DeirfResponder -Handle bob -Name 'Bob Okafor' -Role ContainmentLead, TriageLead | Out-Null
        New-DeirfResponder -Handle carol -Name 'Carol Diaz' -Role TriageLead | Out-Null
    }
    AfterAll { Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue }

    It 'binds an SSH key signed with ssh-keygen -Y sign' -Skip:(-not $hasSsh) {
        $script:bobSsh = New-SshKey 'bob_ed25519'
        Push-Location $TestDrive
        try {
            $p = Get-DeirfSigningPayload -Responder bob -Kind Ssh -PublicKeyPath "$bobSsh.pub" -OutFile bind.txt
            $p.Digest | Should -Match '^[0-9a-f]{64}$'
            (Get-FileHash bind.txt -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $p.Digest
            & ssh-keygen -q -Y sign -n deirf -f $bobSsh bind.txt 2>$null
            $proof = Add-DeirfIdentityProof -Responder bob -Kind Ssh -PublicKeyPath "$bobSsh.pub" -SignaturePath bind.txt.sig
        }
        finally { Pop-Location }
        $expected = ((& ssh-keygen -lf "$bobSsh.pub") -split ' ')[1]
        $proof.Fingerprint | Should -Be $expected
        $proof.Kind | Should -Be 'Ssh'
    }

    It 'binds an OpenPGP key signed with gpg --detach-sign --armor' -Skip:(-not $hasGpg) {
        $env:GNUPGHOME = Join-Path $TestDrive 'gnupg'
        New-Item -ItemType Directory $env:GNUPGHOME -Force | Out-Null
        try {
            & gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'Bob Okafor <bob@example.org>' ed25519 sign never 2>$null
            Push-Location $TestDrive
            try {
                & gpg --batch --armor --export bob@example.org | Set-Content bob.asc
                Get-DeirfSigningPayload -Responder bob -Kind OpenPgp -PublicKeyPath bob.asc -OutFile bind2.txt | Out-Null
                & gpg --batch --quiet --yes --armor --detach-sign bind2.txt 2>$null
                $proof = Add-DeirfIdentityProof -Responder bob -Kind OpenPgp -PublicKeyPath bob.asc -SignaturePath bind2.txt.asc
            }
            finally { Pop-Location }
            $fpr = (& gpg --batch --with-colons --fingerprint bob@example.org | Where-Object { $_ -like 'fpr:*' } | Select-Object -First 1).Split(':')[9]
            $proof.Fingerprint | Should -Be $fpr
        }
        finally { Remove-Item Env:GNUPGHOME }
    }

    It 'shows bob with two proofs of different kinds: eligible' -Skip:(-not ($hasSsh -and $hasGpg)) {
        $bob = Get-DeirfResponder bob
        $bob.ProofKinds | Should -Be @('OpenPgp', 'Ssh')
        $bob.Eligible | Should -BeTrue
        (Get-DeirfResponder carol).Eligible | Should -BeFalse
        $table = Get-DeirfResponder | Format-Table | Out-String -Width 200
        $table | Should -Match 'Handle\s+Name\s+Roles\s+Proofs\s+Eligible'
    }

    It 'verifies a note signed with the bound SSH key' -Skip:(-not $hasSsh) {
        Set-Content -Path (Join-Path $TestDrive 'note.txt') -Value 'pod api-7f9 quarantined at 10:42' -NoNewline
        & ssh-keygen -q -Y sign -n deirf -f $bobSsh (Join-Path $TestDrive 'note.txt') 2>$null
        $r = Test-DeirfSignature -Responder bob -PayloadPath (Join-Path $TestDrive 'note.txt') -SignaturePath (Join-Path $TestDrive 'note.txt.sig')
        $r.IsValid | Should -BeTrue
        $r.Kind | Should -Be 'Ssh'
    }

    It 'refuses an SSH signature made for another namespace (git), with the reason' -Skip:(-not $hasSsh) {
        $payload = Join-Path $TestDrive 'ns.txt'
        Set-Content -Path $payload -Value 'namespace test' -NoNewline
        & ssh-keygen -q -Y sign -n git -f $bobSsh $payload 2>$null
        $r = Test-DeirfSignature -Responder bob -PayloadPath $payload -SignaturePath "$payload.sig"
        $r.IsValid | Should -BeFalse
        $r.Reason | Should -Match 'namespace'
    }

    It 'refuses a binding signed by someone who does not hold the key: ProofPossessionNotShown' -Skip:(-not $hasSsh) {
        $carolKey = New-SshKey 'carol_ed25519'
        $malloryKey = New-SshKey 'mallory_ed25519'
        $bind = Join-Path $TestDrive 'carol-bind.txt'
        Get-DeirfSigningPayload -Responder carol -Kind Ssh -PublicKeyPath "$carolKey.pub" -OutFile $bind | Out-Null
        & ssh-keygen -q -Y sign -n deirf -f $malloryKey $bind 2>$null
        { Add-DeirfIdentityProof -Responder carol -Kind Ssh -PublicKeyPath "$carolKey.pub" -SignaturePath "$bind.sig" -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProofPossessionNotShown,DeIRF.Commands.Cmdlets.AddDeirfIdentityProofCommand'
        (Get-DeirfResponder carol).Proofs.Count | Should -Be 0
    }

    It 'refuses a binding made for another responder: ProofBindingInvalid' -Skip:(-not $hasSsh) {
        $bind = Join-Path $TestDrive 'bob-for-carol.txt'
        Get-DeirfSigningPayload -Responder bob -Kind Ssh -PublicKeyPath "$bobSsh.pub" -OutFile $bind | Out-Null
        & ssh-keygen -q -Y sign -n deirf -f $bobSsh $bind 2>$null
        { Add-DeirfIdentityProof -Responder carol -Kind Ssh -PublicKeyPath "$bobSsh.pub" -SignaturePath "$bind.sig" -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProofBindingInvalid,DeIRF.Commands.Cmdlets.AddDeirfIdentityProofCommand'
    }

    It 'binds did:key and Ethereum keys from key files without any external tool (drills, automation)' {
        $carolSeed = New-Seed 'carol.seed'
        $carolEth = New-EthKey 'carol.eth'
        $did = Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath $carolSeed
        $eth = Add-DeirfIdentityProof -Responder carol -Kind Ethereum -KeyPath $carolEth
        $did.Fingerprint | Should -Match '^did:key:z6Mk'
        $eth.Fingerprint | Should -Match '^0x[0-9a-fA-F]{40}$'
        (Get-DeirfResponder carol).Eligible | Should -BeTrue
        # The key files are read, never copied: no private key material in the workspace.
        $secret = (Get-Content -Raw $carolSeed).Trim()
        Get-ChildItem -Recurse -File $ws | ForEach-Object { Get-Content -Raw $_.FullName } | Should -Not -Match $secret
    }

    It 'signs entries with the configured key, and Test-DeirfJournal checks them against the roster' {
        $seed = Join-Path $TestDrive 'carol.seed'
        Set-DeirfSigningKey -Responder carol -Kind DidKey -KeyPath $seed | Out-Null
        $i = New-DeirfIncident -Title 'signed entries' -Reporter carol
        Add-DeirfNote -Incident $i.Id -Text 'triage started' -Actor carol
        $entries = Get-DeirfJournal -Incident $i.Id
        $entries | ForEach-Object { $_.Signatures.Count | Should -Be 1 }
        $entries[1].Signatures[0].by | Should -Be 'carol'
        $v = Test-DeirfJournal -Incident $i.Id
        $v.IsValid | Should -BeTrue
        $v.SignedEntries | Should -Be 2
        $script:signedIncident = $i
    }

    It 'a revoked proof is no longer used to sign, and entries written without it are caught when signatures are required' {
        $didFp = ((Get-DeirfResponder carol).Proofs | Where-Object Kind -eq 'DidKey').Fingerprint
        Revoke-DeirfIdentityProof -Responder carol -Fingerprint $didFp -Reason 'laptop stolen' -Confirm:$false | Out-Null
        (Get-DeirfResponder carol).Eligible | Should -BeFalse
        (Test-DeirfIdentityProof -Responder carol | Where-Object IsRevoked).Status | Should -Match 'laptop stolen'
        # This machine forgets the revoked key as a signing key; an entry written as carol afterwards is unsigned.
        Get-Content -Raw $env:DEIRF_SIGNING_CONFIG | Should -Not -Match ([regex]::Escape($didFp))
        Add-DeirfNote -Incident $signedIncident.Id -Text 'written after the revocation' -Actor carol
        (Get-DeirfJournal -Incident $signedIncident.Id)[2].Signatures.Count | Should -Be 0
        $lenient = Test-DeirfJournal -Incident $signedIncident.Id -AllowUnsigned -WarningAction SilentlyContinue
        $lenient.IsValid | Should -BeTrue
        $lenient.Warnings | Should -Match 'carries no signature'
        $v = Test-DeirfJournal -Incident $signedIncident.Id -RequireSignatures -WarningAction SilentlyContinue
        $v.IsValid | Should -BeFalse
        $v.Fault | Should -Be 'SignatureInvalid'
        $v.FirstBadSeq | Should -Be 2
    }

    It 'a revoked key is never bound again: ProofRevokedBefore' {
        { Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath (Join-Path $TestDrive 'carol.seed') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProofRevokedBefore,DeIRF.Commands.Cmdlets.AddDeirfIdentityProofCommand'
    }

    It 'the roster journal verifies, bindings included' {
        # This file binds keys step by step with each tool before bob configures a signing key (older order): lenient.
        $v = Test-DeirfJournal -Roster -AllowUnsigned -WarningAction SilentlyContinue
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
        (Get-DeirfJournal -Roster -Kind 'proof.*').Count | Should -BeGreaterThan 2
    }

    It 'a forged binding in the roster (valid chain, bogus signature) is caught by Test-DeirfJournal -Roster' {
        $copy = Join-Path $TestDrive 'ws-forged'
        Copy-Item $ws $copy -Recurse
        $rosterPath = Join-Path $copy 'roster.jsonl'
        $lines = [IO.File]::ReadAllLines($rosterPath)
        $idx = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -like '*"kind":"proof.added"*' })
        $idx | Should -BeGreaterThan 0
        # Rebuild the chain from the forged line on, as a tamperer with write access would (hashes recomputed).
        $forged = $lines[$idx] -replace '"signature":"[^"]*"', '"signature":"0x00"'
        $sha = [Security.Cryptography.SHA256]::Create()
        $prev = ($lines[$idx - 1] | ConvertFrom-Json -AsHashtable).hash
        for ($k = $idx; $k -lt $lines.Count; $k++) {
            $line = if ($k -eq $idx) { $forged } else { $lines[$k] }
            $rest = $line.Substring($line.IndexOf('"prev":'))
            $rest = $rest -replace '^"prev":"[0-9a-f]{64}"', ('"prev":"' + $prev + '"')
            $h = [Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes('{' + $rest))).ToLowerInvariant()
            $lines[$k] = '{"hash":"' + $h + '",' + $rest
            $prev = $h
        }
        [IO.File]::WriteAllText($rosterPath, ($lines -join "`n") + "`n")
        Remove-Item "$rosterPath.head"
        $v = Test-DeirfJournal -Roster -Workspace $copy
        $v.IsValid | Should -BeFalse
        $v.Fault | Should -Be 'SignatureInvalid'
        $v.FirstBadSeq | Should -Be $idx
        $v.Reason | Should -Match 'binding'
    }

    It 'exports the public roster deterministically, without keys or signatures' {
        $a = Export-DeirfRoster -Public
        $b = Export-DeirfRoster -Public
        $a | Should -BeExactly $b
        $a | Should -Match '"handle": "bob"'
        $a | Should -Not -Match 'publicKey|signature|BEGIN'
        Export-DeirfRoster -Public -Path (Join-Path $TestDrive 'roster-public.json')
        Get-Content -Raw (Join-Path $TestDrive 'roster-public.json') | Should -BeExactly $a
    }

    It 'reviews proofs: all fresh now, and stale ones are flagged with a short review period' {
        @(Test-DeirfIdentityProof -NeedsReviewOnly).Count | Should -Be 0
        $stale = Test-DeirfIdentityProof -ReviewPeriod ([TimeSpan]::Zero) -NeedsReviewOnly
        $stale.Count | Should -BeGreaterThan 0
        $stale | ForEach-Object { $_.Status | Should -Match 're-bind' }
    }

    It 'binding an active key again confirms it (the six-month review renewal)' {
        $eth = Join-Path $TestDrive 'carol.eth'
        $before = ((Get-DeirfResponder carol).Proofs | Where-Object Kind -eq 'Ethereum').LastConfirmedAt
        Start-Sleep -Milliseconds 20
        Add-DeirfIdentityProof -Responder carol -Kind Ethereum -KeyPath $eth | Out-Null
        $after = (Get-DeirfResponder carol).Proofs | Where-Object Kind -eq 'Ethereum'
        @($after).Count | Should -Be 1
        $after.LastConfirmedAt | Should -BeGreaterThan $before
        (Get-DeirfJournal -Roster -Kind 'proof.confirmed').Count | Should -Be 1
        (Test-DeirfJournal -Roster -AllowUnsigned -WarningAction SilentlyContinue).IsValid | Should -BeTrue
    }

    It 'refuses an encrypted or missing key as unattended signing key' {
        { Set-DeirfSigningKey -Responder carol -Kind DidKey -KeyPath (Join-Path $TestDrive 'no-such.key') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PrivateKeyNotFound,DeIRF.Commands.Cmdlets.SetDeirfSigningKeyCommand'
    }

    It 'completes responder handles on Tab' {
        $line = "Get-DeirfResponder -Workspace '$ws' -Handle ca"
        $c = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $c.CompletionMatches.CompletionText | Should -Contain 'carol'
    }

    It 'an unknown responder is an error record: ResponderNotFound' {
        Get-DeirfResponder nobody -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ResponderNotFound,DeIRF.Commands.Cmdlets.GetDeirfResponderCommand'
        $err[0].TargetObject | Should -Be 'nobody'
    }
}

Describe 'A three-person team founded with the documented cmdlets, then sealed (issue "No one acts alone")' {
    BeforeAll {
        $script:ws = Join-Path $TestDrive 'ws-founded'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $script:keys = @{}
        foreach ($h in 'alice', 'bob', 'carol') {
            $script:keys[$h] = Add-DeirfTestResponder -Workspace $ws -Handle $h -Role ContainmentLead, TriageLead -KeyFolder $TestDrive -AddedBy alice
        }
    }

    It 'passes Test-DeirfJournal -Roster -RequireSignatures before and after every founder seals' {
        $v = Test-DeirfJournal -Roster -Workspace $ws -RequireSignatures
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
        @($v.Warnings).Count | Should -Be 0
        $g = Complete-DeirfRosterGenesis -Responder alice -Workspace $ws -Confirm:$false
        $g.IsSealed | Should -BeFalse
        $g.FoundersToSeal | Should -Be @('bob', 'carol')
        Complete-DeirfRosterGenesis -Responder bob -Workspace $ws -Confirm:$false | Out-Null
        (Complete-DeirfRosterGenesis -Responder carol -Workspace $ws -Confirm:$false).IsSealed | Should -BeTrue
        $v = Test-DeirfJournal -Roster -Workspace $ws
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
    }

    It 'after the seal one responder alone cannot add anyone: RosterChangeNeedsQuorum, nothing written' {
        $before = @(Get-DeirfJournal -Roster -Workspace $ws).Count
        New-DeirfResponder -Handle m1 -Name M1 -Role ContainmentLead -Actor alice -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RosterChangeNeedsQuorum,*'
        @(Get-DeirfJournal -Roster -Workspace $ws).Count | Should -Be $before
        Get-DeirfResponder -Workspace $ws | ForEach-Object Handle | Should -Not -Contain 'm1'
    }

    It 'a quorum of two others admits a responder through a ROSTER proposal; the roster still verifies strictly' {
        $p = New-DeirfProposal -Incident ROSTER -Action roster.responder.add -Target erin -Parameter @{ name = 'Erin'; roles = 'TriageLead' } -Proposer alice -Workspace $ws
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Eth -Kind Ethereum -Confirm:$false | Out-Null
        (New-DeirfResponder -Handle erin -Name Erin -Role TriageLead -Actor alice -Proposal $p.Id -Workspace $ws -Confirm:$false).Handle | Should -Be 'erin'
        (Test-DeirfJournal -Roster -Workspace $ws).IsValid | Should -BeTrue
        # The same approvals never admit twice.
        New-DeirfResponder -Handle erin2 -Name Erin -Role TriageLead -Actor alice -Proposal $p.Id -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProposalMismatch,*'
    }

    It 'a quorum-policy.json edited by hand is refused, PolicyUnjournaled' {
        '{"rules":[{"action":"*","require":{"count":1}}],"version":1}' | Set-Content (Join-Path $ws 'quorum-policy.json')
        Get-DeirfQuorumPolicy -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyUnjournaled,*'
        Remove-Item (Join-Path $ws 'quorum-policy.json')
        (Get-DeirfQuorumPolicy -Workspace $ws).Source | Should -Be 'default'
    }

    It 'a responder revokes every proof of their own (-All) in the sealed roster: the signing key''s last, every entry signed' {
        # carol signs with her did:key (bound first): revoking it first would leave the Ethereum revocation unsigned.
        $r = @(Revoke-DeirfIdentityProof -Responder carol -All -Reason 'machine suspect' -Workspace $ws -Confirm:$false -ErrorAction Stop)
        $r.Count | Should -Be 2
        $r[-1].Kind | Should -Be 'DidKey'
        @((Get-DeirfResponder carol -Workspace $ws).ActiveProofs).Count | Should -Be 0
        $v = Test-DeirfJournal -Roster -Workspace $ws -RequireSignatures
        $v.IsValid | Should -BeTrue -Because "$($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)"
    }
}

Describe 'New-DeirfSigningKey makes keys a responder binds (issue 19, finding 10)' {
    BeforeAll {
        $script:kws = Join-Path $TestDrive 'ws-keys'
        Initialize-DeirfWorkspace -Path $kws | Out-Null
        $script:keyDir = Join-Path $TestDrive 'my-keys'
    }

    It 'writes a <Kind> key 0600 outside the workspace, returns its public part, and the key binds' -ForEach @(@{ Kind = 'DidKey' }, @{ Kind = 'Ethereum' }, @{ Kind = 'Ssh' }) {
        if ($Kind -eq 'Ssh' -and -not (Test-DeirfTool ssh-keygen)) { Set-ItResult -Skipped -Because 'ssh-keygen is not installed'; return }
        $path = Join-Path $keyDir "erin.$Kind"
        $k = New-DeirfSigningKey -Kind $Kind -Path $path -Responder erin -Workspace $kws -InformationVariable info
        Register-DeirfTestKeyFile "New-DeirfSigningKey $Kind" $path
        $k.Path | Should -Be $path
        if (-not $IsWindows) { (Get-Item $path).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        "$info" | Should -Match 'Add-DeirfIdentityProof -Responder erin'
        ($k | Out-String) | Should -Not -Match ([regex]::Escape((Get-Content -Raw $path).Trim().Substring(0, 16)))
        if (-not (Get-DeirfResponder -Workspace $kws -ErrorAction SilentlyContinue | Where-Object Handle -eq erin)) {
            New-DeirfResponder -Handle erin -Name Erin -Role TriageLead -Workspace $kws -Confirm:$false | Out-Null
        }
        $bound = Add-DeirfIdentityProof -Responder erin -Kind $Kind -KeyPath $path -Workspace $kws -Actor erin -Confirm:$false
        $bound.Fingerprint | Should -Be $k.Fingerprint
        if ($Kind -eq 'DidKey') { Set-DeirfSigningKey -Responder erin -Kind DidKey -KeyPath $path -Workspace $kws | Out-Null }
    }

    It 'refuses a path inside the workspace and an existing file, writing nothing' {
        $inside = Join-Path $kws 'keys/erin.seed'
        New-DeirfSigningKey -Kind DidKey -Path $inside -Workspace $kws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SigningKeyInWorkspace,*'
        Test-Path $inside | Should -BeFalse
        $existing = Join-Path $keyDir 'erin.DidKey'
        $before = Get-Content -Raw $existing
        New-DeirfSigningKey -Kind DidKey -Path $existing -Workspace $kws -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'SigningKeyFileExists,*'
        Get-Content -Raw $existing | Should -Be $before
    }
}

Describe 'A private key file others can read is refused wherever a key is read (issue 19, finding 10)' -Skip:$IsWindows {
    BeforeAll {
        $script:mws = Join-Path $TestDrive 'ws-modes'
        Initialize-DeirfWorkspace -Path $mws | Out-Null
        $script:mkeys = New-Item -ItemType Directory (Join-Path $TestDrive 'mode-keys')
        $script:mk = Add-DeirfTestResponder -Workspace $mws -Handle mia -Role TriageLead -KeyFolder $mkeys.FullName
        $script:mi = (New-DeirfIncident -Title 'modes' -Reporter mia -Workspace $mws).Id
        $script:payload = Join-Path $TestDrive 'payload.txt'
        Set-Content $payload 'sign me'
    }

    It 'refuses a <Mode> key for <Cmdlet> with PrivateKeyFileTooOpen, the path as target, nothing written' -ForEach @(
        @{ Mode = 'GroupRead, GroupWrite'; Cmdlet = 'New-DeirfSignature' }
        @{ Mode = 'OtherRead'; Cmdlet = 'New-DeirfCheckpoint' }
        @{ Mode = 'GroupRead'; Cmdlet = 'Set-DeirfSigningKey' }
    ) {
        $path = Join-Path $mkeys "open-$Cmdlet.seed"
        Copy-Item $mk.Seed $path
        Register-DeirfTestKeyFile 'did:key seed copy' $path
        [IO.File]::SetUnixFileMode($path, [IO.UnixFileMode]"UserRead, UserWrite, $Mode")
        $journal = Get-Content -Raw (Join-Path $mws "incidents/$mi/journal.jsonl")
        $out = Join-Path $TestDrive "$Cmdlet.out"
        $err = $null
        switch ($Cmdlet) {
            'New-DeirfSignature' { New-DeirfSignature $payload -KeyPath $path -Kind DidKey -OutFile $out -ErrorVariable err -ErrorAction SilentlyContinue }
            'New-DeirfCheckpoint' { New-DeirfCheckpoint -Incident $mi -Signer mia -KeyPath $path -OutFile $out -Workspace $mws -ErrorVariable err -ErrorAction SilentlyContinue }
            'Set-DeirfSigningKey' { Set-DeirfSigningKey -Responder mia -Kind DidKey -KeyPath $path -Workspace $mws -ErrorVariable err -ErrorAction SilentlyContinue }
        }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PrivateKeyFileTooOpen,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        "$($err[0].TargetObject)" | Should -Be $path
        "$($err[0])" | Should -Match "chmod 600"
        "$($err[0])" | Should -Not -Match ([regex]::Escape((Get-Content -Raw $mk.Seed).Trim()))
        Test-Path $out | Should -BeFalse
        Get-Content -Raw (Join-Path $mws "incidents/$mi/journal.jsonl") | Should -Be $journal
    }

    It 'reads the same key once it is the owner''s alone (0600 and 0400)' {
        $path = Join-Path $mkeys 'fixed.seed'
        Copy-Item $mk.Seed $path
        Register-DeirfTestKeyFile 'did:key seed copy' $path
        [IO.File]::SetUnixFileMode($path, [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')
        { New-DeirfSignature $payload -KeyPath $path -Kind DidKey -ErrorAction Stop } |
            Should -Throw -ErrorId 'PrivateKeyFileTooOpen,DeIRF.Commands.Cmdlets.NewDeirfSignatureCommand' -ExpectedMessage '*chmod 600*'
        chmod 600 $path
        (New-DeirfSignature $payload -KeyPath $path -Kind DidKey -OutFile (Join-Path $TestDrive 'sig600')).Length | Should -BeGreaterThan 0
        chmod 400 $path
        (New-DeirfSignature $payload -KeyPath $path -Kind DidKey -OutFile (Join-Path $TestDrive 'sig400')).Length | Should -BeGreaterThan 0
    }
}

Describe 'Default actor: the responder this machine signs as (issue 19 finding 2)' {
    BeforeAll {
        $script:ws = Join-Path $TestDrive 'ws-default-actor'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        Add-DeirfTestResponder -Workspace $ws -Handle dana -Role TriageLead -KeyFolder $TestDrive | Out-Null
        $script:savedActor = $env:DEIRF_ACTOR
        Remove-Item Env:DEIRF_ACTOR -ErrorAction SilentlyContinue
    }
    AfterAll { $env:DEIRF_ACTOR = $savedActor }

    It 'the README blocks without -Actor act (and sign) as the one configured responder, and -Verbose says so' {
        $id = (New-DeirfIncident -Title 'who acts' -Reporter dana -Workspace $ws).Id
        $verbose = Add-DeirfNote -Incident $id -Text 'no -Actor' -Workspace $ws -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "Acting as 'dana': the responder this machine signs as"
        $note = Get-DeirfJournal -Incident $id -Kind note -Workspace $ws
        $note.Actor | Should -Be 'dana'
        Close-DeirfIncident -Incident $id -Resolution 'done' -Workspace $ws -Confirm:$false
        Add-DeirfReward -Incident $id -Reporter dana -Amount 5 -Currency USD -Workspace $ws -Confirm:$false
        New-DeirfRetrospective -Incident $id -Workspace $ws -Confirm:$false | Out-Null
        $j = Get-DeirfJournal -Incident $id -Workspace $ws
        ($j | Where-Object Kind -in 'incident.closed', 'reward.recorded', 'retro.written').Actor | Sort-Object -Unique | Should -Be @('dana')
        (Test-DeirfJournal -Incident $id -Workspace $ws -RequireSignatures).IsValid | Should -BeTrue
    }

    It 'with two configured responders: $env:DEIRF_ACTOR, and with neither ActorMissing, nothing written' {
        Add-DeirfTestResponder -Workspace $ws -Handle eve -Role TriageLead -KeyFolder $TestDrive -AddedBy dana | Out-Null
        $id = (New-DeirfIncident -Title 'two here' -Reporter dana -Workspace $ws).Id
        $env:DEIRF_ACTOR = 'eve'
        try { Add-DeirfNote -Incident $id -Text 'from env' -Workspace $ws }
        finally { Remove-Item Env:DEIRF_ACTOR }
        (Get-DeirfJournal -Incident $id -Kind note -Workspace $ws).Actor | Should -Be 'eve'
        $n = @(Get-DeirfJournal -Incident $id -Workspace $ws).Count
        Add-DeirfNote -Incident $id -Text 'nobody' -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ActorMissing,DeIRF.Commands.Cmdlets.AddDeirfNoteCommand'
        $err[0].Exception.Message | Should -Match 'Set-DeirfSigningKey'
        @(Get-DeirfJournal -Incident $id -Workspace $ws).Count | Should -Be $n
    }
}
