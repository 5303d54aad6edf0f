BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $hasSsh = Test-DeirfTool ssh-keygen
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'config/signing-keys.json'

    function New-Seed([string] $Name) { New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive $Name) }
    function New-EthKey([string] $Name) {
        New-DeirfTestKey -Kind Ethereum -Path (Join-Path $TestDrive $Name)
    }
}

AfterAll {
    Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Checkpoints and proofs (issue 8), the way the issue''s user lines drive them' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $env:DEIRF_WORKSPACE = $ws
        $script:keys = @{}
        foreach ($h in 'rec', 'bob', 'carol') {
            $script:keys[$h] = Add-DeirfTestResponder -Workspace $ws -Handle $h -Role Recorder -KeyFolder $TestDrive -AddedBy rec
        }
        $script:inc = (New-DeirfIncident -Title 'Leaked keys' -Reporter rec).Id
        1..24 | ForEach-Object { Add-DeirfNote -Incident $inc -Text "note $_" -Actor rec }
        Push-Location $TestDrive
    }
    AfterAll {
        Pop-Location
        Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue
    }

    It 'New-DeirfCheckpoint writes C2SP checkpoint text signed by the Recorder' {
        $cp = New-DeirfCheckpoint -Incident $inc -Signer rec -KeyPath $keys.rec.Seed -OutFile ./cp
        $cp.Size | Should -Be 25
        $cp.LogSigners | Should -Be @('rec')
        $cp.IsValid | Should -BeTrue
        $cp.IsTrusted | Should -BeFalse
        $lines = (Get-Content ./cp -Raw) -split "`n"
        $lines[0] | Should -Match "^deirf\.local/ws-[0-9a-f]{32}/$inc$"
        $lines[1] | Should -Be '25'
        [Convert]::FromBase64String($lines[2]).Length | Should -Be 32
        $lines[3] | Should -Be ''
        $lines[4] | Should -Match "^\u2014 rec [A-Za-z0-9+/=]+$"
        $cp.VerifierKey | Should -Match '^rec\+[0-9a-f]{8}\+'
        Set-Content ./keys.txt $cp.VerifierKey
    }

    It 'Add-DeirfCheckpointCosignature adds a witness cosignature and the checkpoint becomes trusted' {
        $v = Add-DeirfCheckpointCosignature -Checkpoint ./cp -Responder bob -KeyPath $keys.bob.Seed -Confirm:$false
        $v.Cosigners | Should -Be @('bob')
        $v.IsTrusted | Should -BeTrue
        (Get-Content ./cp | Where-Object { $_ -like "`u{2014} bob *" }).Count | Should -Be 1
        Add-Content ./keys.txt $v.VerifierKey
        # An Ethereum key cosigns through the DeIRF envelope.
        $e = Add-DeirfCheckpointCosignature -Checkpoint ./cp -Responder carol -KeyPath $keys.carol.Eth -Confirm:$false
        $e.Cosigners | Sort-Object | Should -Be @('bob', 'carol')
    }

    It 'a cosignature added to a copy reaches the workspace''s own checkpoint: a later proof embeds it and is trusted without -Checkpoint' {
        $store = Join-Path $env:DEIRF_WORKSPACE "incidents/$inc/checkpoints"
        $own = Get-ChildItem $store -Filter *.checkpoint | Sort-Object Name | Select-Object -Last 1
        $own.Name | Should -Be '0000000025.checkpoint'
        (Get-Content $own.FullName | Where-Object { $_ -like "`u{2014} bob *" }).Count | Should -Be 1
        (Get-Content $own.FullName | Where-Object { $_ -like "`u{2014} carol *" }).Count | Should -Be 1
        Get-DeirfInclusionProof -Incident $inc -Seq 3 -OutFile entry3.proof | Out-Null
        $saved = $env:DEIRF_WORKSPACE
        Remove-Item Env:DEIRF_WORKSPACE
        try {
            $v = Test-DeirfInclusionProof -Path entry3.proof -TrustedKey ./keys.txt -ErrorAction Stop
            $v.IsIncluded | Should -BeTrue
            $v.IsTrusted | Should -BeTrue
        }
        finally { $env:DEIRF_WORKSPACE = $saved }
    }

    It 'Test-DeirfCheckpoint judges the checkpoint alone: the log key, the witness keys, -MinWitnesses, a line per signature' {
        $rec, $bob = Get-Content ./keys.txt
        $c = Test-DeirfCheckpoint -Path ./cp -TrustedKey $rec -Witness $bob -ErrorAction Stop
        $c.IsValid | Should -BeTrue
        $c.IsTrusted | Should -BeTrue
        $c.LogSigners | Should -Be @('rec')
        $c.Witnesses | Should -Be @('bob')
        ($c.Signatures | Where-Object Name -EQ 'carol').Status | Should -Be 'Unknown'   # carol's envelope: no key given for it
        Test-DeirfCheckpoint -Path ./cp -TrustedKey $rec -Witness $bob -MinWitnesses 1 -Quiet | Should -BeTrue
        # A vkey whose key id is not its name's and key's is refused as input, before anything is judged.
        Test-DeirfCheckpoint -Path ./cp -TrustedKey $rec.Replace('rec+', 'nobody+') -ErrorAction SilentlyContinue -ErrorVariable bad | Should -BeNullOrEmpty
        $bad[0].FullyQualifiedErrorId | Should -Be 'CheckpointKeyInvalid,DeIRF.Commands.Cmdlets.TestDeirfCheckpointCommand'
        # A witness required but none of the given witnesses cosigned: valid, not trusted.
        $unwitnessed = Test-DeirfCheckpoint -Path ./cp -TrustedKey $rec -Witness $rec -ErrorAction Stop
        $unwitnessed.IsValid | Should -BeTrue
        $unwitnessed.IsTrusted | Should -BeFalse
        Get-ChildItem ./cp | Test-DeirfCheckpoint -TrustedKey $rec | ForEach-Object IsTrusted | Should -BeTrue
        # A changed size: the log's line no longer verifies, and the verdict says whose line failed.
        (Get-Content ./cp -Raw).Replace("`n25`n", "`n26`n") | Set-Content -NoNewline ./cp-changed
        $changed = Test-DeirfCheckpoint -Path ./cp-changed -TrustedKey $rec -ErrorAction Stop
        $changed.IsValid | Should -BeFalse
        $changed.Reason | Should -BeLike "the log signature of 'rec'*does not verify*"
        $table = $c | Out-String -Width 80
        ($table -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }).Count | Should -Be 0
    }

    It 'Get-DeirfInclusionProof writes a tlog-proof for one entry and Test-DeirfInclusionProof verifies it offline' {
        $p = Get-DeirfInclusionProof -Incident $inc -Seq 17 -OutFile entry17.proof
        $p.Index | Should -Be 17
        (Get-Content entry17.proof)[0] | Should -Be 'c2sp.org/tlog-proof@v1'
        # Shown as a person reads it: hashes in hex, no byte arrays (issue 19 finding 7).
        $list = $p | Format-List | Out-String -Width 80
        $list | Should -Match 'PathHex\s*:\s*\{?[0-9a-f]{64}'
        $list | Should -Not -Match 'EntryLine|\{\d+, \d+, \d+'
        # Offline: no workspace at all, only the proof, the checkpoint and the keys the reader trusts.
        $saved = $env:DEIRF_WORKSPACE
        Remove-Item Env:DEIRF_WORKSPACE
        try {
            $v = Test-DeirfInclusionProof -Path entry17.proof -Checkpoint ./cp -TrustedKey ./keys.txt
            $v.IsIncluded | Should -BeTrue
            $v.IsTrusted | Should -BeTrue
            $v.Entry | Should -Match "#17 note by rec"
            Test-DeirfInclusionProof -Path entry17.proof -Checkpoint ./cp -TrustedKey ./keys.txt -Quiet | Should -BeTrue
            (Get-Content entry17.proof -Raw).Replace("`nindex 17`n", "`nindex 16`n") | Set-Content -NoNewline bad.proof
            Test-DeirfInclusionProof -Path bad.proof -Checkpoint ./cp -TrustedKey ./keys.txt -Quiet | Should -BeFalse
            $w = Test-DeirfInclusionProof -Path entry17.proof -WarningVariable warn -WarningAction SilentlyContinue
            $w.IsIncluded | Should -BeTrue
            $w.IsTrusted | Should -BeFalse
            $warn | Should -Not -BeNullOrEmpty
        }
        finally { $env:DEIRF_WORKSPACE = $saved }
    }

    It 'Test-DeirfJournal -Checkpoint: today''s journal extends the old checkpoint; a rewritten journal does not' {
        Add-DeirfNote -Incident $inc -Text 'after the checkpoint' -Actor rec
        $v = Test-DeirfJournal -Incident $inc -Checkpoint ./cp -WarningAction SilentlyContinue
        $v.IsValid | Should -BeTrue
        $v.Checkpoint.IsConsistent | Should -BeTrue
        $v.Checkpoint.JournalSize | Should -Be 26

        $other = (New-DeirfIncident -Title 'Other' -Reporter rec).Id
        $o = Test-DeirfJournal -Incident $other -Checkpoint ./cp -WarningAction SilentlyContinue
        $o.IsValid | Should -BeFalse
        $o.Fault | Should -Be 'CheckpointMismatch'
    }

    It 'a witness refuses a checkpoint whose root is not its replica''s (a fork)' {
        $origin = (Get-Content ./cp)[0]
        $forged = "$origin`n25`n$([Convert]::ToBase64String([byte[]]::new(32)))`n`n"
        Set-Content -Path ./forged-cp -Value $forged -NoNewline
        Add-DeirfCheckpointCosignature -Checkpoint ./forged-cp -Responder bob -KeyPath $keys.bob.Seed -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CheckpointFork*'
        $err[0].Exception.Message | Should -Match 'Fork'
    }

    It 'checkpoints are written automatically every N entries and on close' {
        # The policy is governed: a file edited by hand is refused, Set-DeirfCheckpointPolicy journals it in the roster.
        Set-Content (Join-Path $ws 'checkpoint-policy.json') '{"version":1,"every":10,"onClose":true,"require":{"count":0}}'
        $before = @(Get-ChildItem (Join-Path $ws "incidents/$inc/checkpoints")).Count
        { New-DeirfCheckpoint -Incident $inc -Signer rec -KeyPath $keys.rec.Seed } | Should -Throw -ErrorId 'CheckpointPolicyUnjournaled*'
        @(Get-ChildItem (Join-Path $ws "incidents/$inc/checkpoints")).Count | Should -Be $before -Because 'nothing is written when the policy is refused'
        $policy = Set-DeirfCheckpointPolicy -Every 10 -OnClose $true -Require 1 -Actor rec -Confirm:$false -PassThru -WarningVariable replaced -WarningAction SilentlyContinue
        $replaced | Should -Match 'starts from the defaults'
        $policy.Source | Should -Match '^ROSTER#\d+$'
        (Get-DeirfJournal -Incident ROSTER | Select-Object -Last 1).Kind | Should -Be 'settings.set'
        $auto = (New-DeirfIncident -Title 'Auto' -Reporter rec).Id
        1..10 | ForEach-Object { Add-DeirfNote -Incident $auto -Text "n$_" -Actor rec }
        Close-DeirfIncident -Incident $auto -Resolution 'done' -Actor rec -Confirm:$false
        $files = Get-ChildItem (Join-Path $ws "incidents/$auto/checkpoints") -Filter *.checkpoint | Sort-Object Name
        ($files | ForEach-Object { (Get-Content $_)[1] }) | Should -Be @('10', '12')
    }

    It 'Submit-DeirfCheckpoint gets a public witness''s cosignature (C2SP tlog-witness, the DeIRF.Witness process on loopback), keeps it in the workspace and journals the answer' {
        $dll = Join-Path $PSScriptRoot '../../tools/DeIRF.Witness/bin/Release/net10.0/DeIRF.Witness.dll'
        Test-Path $dll | Should -BeTrue -Because 'dotnet build DeIRF.sln builds the witness'
        $rec = (Get-Content ./keys.txt)[0]
        $origin = (Get-Content ./cp)[0]
        $seed = Join-Path $TestDrive 'public-witness.seed'
        New-DeirfSigningKey -Kind DidKey -Path $seed | Out-Null
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $out = Join-Path $TestDrive 'witness.out'
        $p = Start-Process dotnet -ArgumentList @($dll, '--listen', "http://127.0.0.1:$port/", '--name', 'witness.example/w1', '--key', $seed,
            '--state', (Join-Path $TestDrive 'witness-state'), '--log', "$origin=$rec") -RedirectStandardOutput $out -PassThru
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not ((Test-Path $out) -and (Get-Content $out | Select-String '^listening'))) {
                if ([DateTime]::UtcNow -gt $deadline -or $p.HasExited) { throw "the witness did not start: $(Get-Content $out -ErrorAction Ignore)" }
                Start-Sleep -Milliseconds 100
            }
            $wkey = (Get-Content $out)[0]
            $r = Submit-DeirfCheckpoint -Incident $inc -Witness "http://127.0.0.1:$port/" -WitnessKey $wkey -Actor rec -Confirm:$false -ErrorAction Stop
            $r.Cosigned | Should -BeTrue
            $r.Size | Should -Be 25
            $own = Get-ChildItem (Join-Path $env:DEIRF_WORKSPACE "incidents/$inc/checkpoints") -Filter *.checkpoint | Sort-Object Name | Select-Object -Last 1
            $check = Test-DeirfCheckpoint -Path $own.FullName -TrustedKey $rec -Witness $wkey -ErrorAction Stop
            $check.IsTrusted | Should -BeTrue
            $check.Witnesses | Should -Be @('witness.example/w1')
            $entry = Get-DeirfJournal -Incident $inc | Select-Object -Last 1
            $entry.Kind | Should -Be 'checkpoint.witnessed'
            # The same checkpoint again: the witness's state is at 25 now, it cosigns the same tree head again.
            (Submit-DeirfCheckpoint -Incident $inc -Witness "http://127.0.0.1:$port/" -WitnessKey $wkey -OldSize 25 -Actor rec -Confirm:$false -ErrorAction Stop).Cosigned | Should -BeTrue
            # A witness that does not know the key: refused, journaled, an error record.
            Submit-DeirfCheckpoint -Incident $inc -Witness "http://127.0.0.1:$port/" -WitnessKey $rec -Actor rec -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable bad | Out-Null
            $bad[0].FullyQualifiedErrorId | Should -Be 'WitnessResponseInvalid,DeIRF.Commands.Cmdlets.SubmitDeirfCheckpointCommand'
            (Get-DeirfJournal -Incident $inc | Select-Object -Last 1).Kind | Should -Be 'checkpoint.witnessed'
            # Plain http to anything but loopback is refused before anything is sent.
            Submit-DeirfCheckpoint -Incident $inc -Witness 'http://witness.example/' -WitnessKey $wkey -Actor rec -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable url | Out-Null
            $url[0].FullyQualifiedErrorId | Should -Be 'WitnessUrlInvalid,DeIRF.Commands.Cmdlets.SubmitDeirfCheckpointCommand'

            # The checkpoint policy can require the public witness before a disclosure: a disclosure needs a checkpoint of
            # the whole journal (but for the checkpoint.witnessed answers after it) that the witness cosigned.
            Set-DeirfCheckpointPolicy -DisclosureWitness $wkey -MinDisclosureWitnesses 1 -Actor rec -Confirm:$false
            Set-Content ./disclosure.md 'We rotated the leaked keys.'
            { Publish-DeirfDisclosure -Incident $inc -Path ./disclosure.md -Actor rec -Confirm:$false } | Should -Throw -ErrorId 'DisclosureNotWitnessed*'
            $old = 25
            foreach ($round in 1, 2) {
                $cpN = New-DeirfCheckpoint -Incident $inc -Signer rec -KeyPath $keys.rec.Seed
                (Submit-DeirfCheckpoint -Incident $inc -Witness "http://127.0.0.1:$port/" -WitnessKey $wkey -OldSize $old -Actor rec -Confirm:$false).Cosigned | Should -BeTrue
                $d = Publish-DeirfDisclosure -Incident $inc -Path ./disclosure.md -Actor rec -Confirm:$false
                $d.Body.witnessed.witnesses | Should -Be @('witness.example/w1')
                $d.Body.witnessed.size | Should -Be $cpN.Size
                # What came after (the disclosure entry itself, a note) is not witnessed yet: refused, nothing journaled.
                Add-DeirfNote -Incident $inc -Text "after the witness, round $round" -Actor rec
                { Publish-DeirfDisclosure -Incident $inc -Path ./disclosure.md -Actor rec -Confirm:$false } | Should -Throw -ErrorId 'DisclosureNotWitnessed*'
                (Get-DeirfJournal -Incident $inc | Select-Object -Last 1).Kind | Should -Be 'note'
                $old = $cpN.Size
            }
        }
        finally {
            Stop-Process -Id $p.Id -Force -ErrorAction Ignore
        }
    }
}

Describe 'A proof is trusted only for the workspace it is checked against (issue 18, finding 4)' {
    BeforeAll {
        $a = Join-Path $TestDrive 'i18-a'
        $b = Join-Path $TestDrive 'i18-b'
        $script:recKey = New-Seed 'i18-rec'
        $script:bobKey = New-Seed 'i18-bob'
        # Two workspaces, the same people with the same keys.
        foreach ($w in $a, $b) {
            Initialize-DeirfWorkspace -Path $w | Out-Null
            foreach ($p in @(@('rec', $recKey), @('bob', $bobKey))) {
                New-DeirfResponder -Handle $p[0] -Name $p[0] -Role Recorder -Workspace $w | Out-Null
                Add-DeirfIdentityProof -Responder $p[0] -Kind DidKey -KeyPath $p[1] -Workspace $w -Confirm:$false | Out-Null
            }
        }
        $script:inc = (New-DeirfIncident -Title 'Leaked keys' -Reporter rec -Workspace $a).Id
        1..6 | ForEach-Object { Add-DeirfNote -Incident $inc -Text "A note $_" -Actor rec -Workspace $a }
        # B's incident gets the same id (ids are random, so the engine writes its genesis with that id).
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DeIRF.Core' } | Select-Object -First 1
        $wsB = $core.GetType('DeIRF.Workspaces.Workspace')::Open($b)
        $body = [System.Text.Json.Nodes.JsonNode]::Parse('{"drill":false,"reporter":"rec","tags":[],"title":"Leaked keys"}')
        $draft = $core.GetType('DeIRF.Journal.StatementDraft')::new('incident.opened', 'rec', $body)
        $core.GetType('DeIRF.Journal.JournalFile')::new($wsB.JournalPathFor($inc)).CreateGenesis($wsB.WorkspaceId, $inc, $draft, $null) | Out-Null
        1..6 | ForEach-Object { Add-DeirfNote -Incident $inc -Text "B note $_" -Actor rec -Workspace $b }

        # Returns the cosigned verdict, with the log's and the witness's verifier keys.
        function Add-CosignedCheckpoint([string] $Workspace) {
            $cp = New-DeirfCheckpoint -Incident $inc -Signer rec -KeyPath $recKey -Workspace $Workspace
            $v = Add-DeirfCheckpointCosignature -Checkpoint $cp.Path -Responder bob -KeyPath $bobKey -Workspace $Workspace -Confirm:$false
            [pscustomobject]@{ IsTrusted = $v.IsTrusted; Keys = @($cp.VerifierKey, $v.VerifierKey) }
        }
        Push-Location $TestDrive
    }
    AfterAll { Pop-Location }

    It 'refuses B''s proof checked against A (OriginMismatch), trusts A''s own, and binds offline with -Origin' {
        $cosignedA = Add-CosignedCheckpoint $a
        $cosignedA.IsTrusted | Should -BeTrue
        (Add-CosignedCheckpoint $b).IsTrusted | Should -BeTrue
        Get-DeirfInclusionProof -Incident $inc -Seq 4 -OutFile i18-b.proof -Workspace $b | Out-Null
        $v = Test-DeirfInclusionProof -Path i18-b.proof -Workspace $a
        $v.IsTrusted | Should -BeFalse
        $v.Fault | Should -Be 'OriginMismatch'
        $v.Reason | Should -Match 'another workspace'
        Test-DeirfInclusionProof -Path i18-b.proof -Workspace $a -Quiet | Should -BeFalse

        Get-DeirfInclusionProof -Incident $inc -Seq 4 -OutFile i18-a.proof -Workspace $a | Out-Null
        $own = Test-DeirfInclusionProof -Path i18-a.proof -Workspace $a
        $own.IsTrusted | Should -BeTrue
        $own.Fault | Should -Be 'None'
        $own.MatchesLocalJournal | Should -BeTrue

        # Offline: the reader names the origin they expect (as published); B's proof, signed by the same keys, is refused.
        $originA = (Get-Content i18-a.proof | Where-Object { $_ -like 'deirf.local/*' } | Select-Object -First 1)
        Set-Content i18-keys.txt $cosignedA.Keys
        (Test-DeirfInclusionProof -Path i18-b.proof -TrustedKey ./i18-keys.txt).IsTrusted | Should -BeTrue -Because 'without a binding the same people''s signatures are all there is'
        $off = Test-DeirfInclusionProof -Path i18-b.proof -TrustedKey ./i18-keys.txt -Origin $originA
        $off.IsTrusted | Should -BeFalse
        $off.Fault | Should -Be 'OriginMismatch'
        (Test-DeirfInclusionProof -Path i18-a.proof -TrustedKey ./i18-keys.txt -Origin $originA).IsTrusted | Should -BeTrue
    }

    It 'refuses a proof of an entry A''s journal holds differently (EntryMismatch)' {
        # A replica of A (same id, same origin), as a clone would be, that goes on with another history.
        $r = Join-Path $TestDrive 'i18-replica'
        Copy-Item -Recurse $a $r
        Get-ChildItem $r -Recurse -Filter *.lock | Remove-Item
        Add-DeirfNote -Incident $inc -Text 'A goes on' -Actor rec -Workspace $a
        1..2 | ForEach-Object { Add-DeirfNote -Incident $inc -Text "replica says $_" -Actor rec -Workspace $r }
        (Add-CosignedCheckpoint $r).IsTrusted | Should -BeTrue
        $seq = (Get-DeirfJournal -Incident $inc -Workspace $a | Select-Object -Last 1).Seq
        Get-DeirfInclusionProof -Incident $inc -Seq $seq -OutFile i18-fork.proof -Workspace $r | Out-Null
        $v = Test-DeirfInclusionProof -Path i18-fork.proof -Workspace $a
        $v.IsTrusted | Should -BeFalse
        $v.Fault | Should -Be 'EntryMismatch'
        $v.Reason | Should -Match ((Get-DeirfJournal -Incident $inc -Workspace $a | Select-Object -Last 1).Hash)
        # The replica itself holds that entry: there it is trusted.
        (Test-DeirfInclusionProof -Path i18-fork.proof -Workspace $r).IsTrusted | Should -BeTrue
    }
}
