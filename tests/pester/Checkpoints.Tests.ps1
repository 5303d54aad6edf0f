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
        Set-Content (Join-Path $ws 'checkpoint-policy.json') '{"version":1,"every":10,"onClose":true,"require":{"count":1}}'
        $auto = (New-DeirfIncident -Title 'Auto' -Reporter rec).Id
        1..10 | ForEach-Object { Add-DeirfNote -Incident $auto -Text "n$_" -Actor rec }
        Close-DeirfIncident -Incident $auto -Resolution 'done' -Actor rec -Confirm:$false
        $files = Get-ChildItem (Join-Path $ws "incidents/$auto/checkpoints") -Filter *.checkpoint | Sort-Object Name
        ($files | ForEach-Object { (Get-Content $_)[1] }) | Should -Be @('10', '12')
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
