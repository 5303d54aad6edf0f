# Pipeline binding (issue 19 finding 5): every noun one cmdlet emits binds, by property name, to the cmdlets that take
# it, on a real workspace, from a location OUTSIDE the workspace: the objects themselves must carry Workspace.
# Keys are did:key seeds and Ethereum keys made at test time.

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $Runbook = Join-Path $PSScriptRoot '../../runbooks/scripts/block-ip.ps1' | Resolve-Path | ForEach-Object Path

    $script:ws = Join-Path $TestDrive 'ws-pipe'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $script:keys = @{}
    foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' })) {
        $keys[$r.H] = Add-DeirfTestResponder -Workspace $ws -Handle $r.H -Role $r.R -KeyFolder $TestDrive -AddedBy bob
    }
    $script:inc = (New-DeirfIncident -Title 'Scanner on the edge' -Reporter bob -Workspace $ws).Id
    Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $ws -Confirm:$false
    Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder carol -Actor bob -Workspace $ws -Confirm:$false
    $log = Join-Path $TestDrive 'edge.log'
    Set-Content $log '203.0.113.9 GET /wp-login.php 404'
    Add-DeirfEvidence -Incident $inc -Path $log -Target 203.0.113.9 -Actor bob -Workspace $ws | Out-Null
    Set-DeirfDeadline -Incident $inc -Name containment -In ([TimeSpan]::FromHours(1)) -Actor bob -Workspace $ws -Confirm:$false | Out-Null
    $script:deny = Join-Path $TestDrive 'deny.conf'
    Set-Content $deny 'deny 198.51.100.1;'
    $sha = (Get-FileHash -Algorithm SHA256 $Runbook).Hash.ToLowerInvariant()
    $script:p = New-DeirfProposal -Incident $inc -Action script -Target 203.0.113.9 -Parameter @{ path = $Runbook; sha256 = $sha; denyList = $deny } -Proposer bob -Workspace $ws
    function script:Approve($proposal) {
        $proposal | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
    }
    # Everything below runs from outside the workspace, with no $env:DEIRF_WORKSPACE to fall back on.
    $script:savedWorkspace = $env:DEIRF_WORKSPACE
    Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue
    Push-Location $TestDrive
}

AfterAll {
    Pop-Location
    $env:DEIRF_WORKSPACE = $savedWorkspace
    Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Pipeline matrix: what one cmdlet emits, the next one takes' {
    It 'a piped incident id string binds Get-DeirfIncident (the help says it binds strings)' {
        $i = $inc | Get-DeirfIncident -Workspace $ws -ErrorAction Stop
        $i.Id | Should -Be $inc
    }

    It 'Get-DeirfWorkspace | Get-DeirfIncident' {
        (Get-DeirfWorkspace -Workspace $ws | Get-DeirfIncident -ErrorAction Stop).Id | Should -Contain $inc
    }

    It 'Get-DeirfIncident | <Consumer>' -ForEach @(
        @{ Consumer = 'Get-DeirfProposal'; Check = { param($out) $out.Id | Should -Contain $p.Id } }
        @{ Consumer = 'Get-DeirfJournal'; Check = { param($out) @($out).Count | Should -Be @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count } }
        @{ Consumer = 'Test-DeirfJournal'; Check = { param($out) $out.IsValid | Should -Be @($true) } }
        @{ Consumer = 'Get-DeirfEvidence'; Check = { param($out) $out.Target | Should -Contain '203.0.113.9' } }
        @{ Consumer = 'Test-DeirfEvidence'; Check = { param($out) @($out).Count | Should -BeGreaterThan 0 } }
        @{ Consumer = 'Get-DeirfDeadline'; Check = { param($out) $out.Name | Should -Contain 'containment' } }
        @{ Consumer = 'Get-DeirfTimeline'; Check = { param($out) @($out).Count | Should -Be @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count } }
    ) {
        $out = Get-DeirfIncident -Workspace $ws | & $Consumer -ErrorAction Stop
        & $Check $out
    }

    It 'Get-DeirfIncident | Add-DeirfNote writes one note into that incident' {
        $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
        $e = Get-DeirfIncident -Workspace $ws | Add-DeirfNote -Text 'piped' -Actor bob -PassThru -Confirm:$false -ErrorAction Stop
        $e.Incident | Should -Be $inc
        @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be ($before + 1)
    }

    It 'Get-DeirfJournal | Test-DeirfJournal gives one verdict per journal, incident and roster' {
        $v = @(Get-DeirfJournal -Incident $inc -Workspace $ws | Test-DeirfJournal -ErrorAction Stop)
        $v | Should -HaveCount 1
        $v[0].IsValid | Should -BeTrue -Because "$($v[0].Fault): $($v[0].Reason)"
        $r = @(Get-DeirfJournal -Roster -Workspace $ws | Test-DeirfJournal -ErrorAction Stop)
        $r | Should -HaveCount 1
        $r[0].IsValid | Should -BeTrue -Because "$($r[0].Fault): $($r[0].Reason)"
    }

    It 'Get-ChildItem journal.jsonl | Test-DeirfJournal / Repair-DeirfJournal bind each file as -Path (its FullName), not as an incident id' {
        # PowerShell's binder stays in the default set (-Incident, by value): the file must still be read as a journal file.
        $files = @(Get-ChildItem (Get-DeirfWorkspace -Workspace $ws).IncidentsDirectory -Filter journal.jsonl -Recurse)
        $v = @($files | Test-DeirfJournal -ErrorAction Stop)
        $v.Count | Should -Be $files.Count
        $v.IsValid | Should -Not -Contain $false
        $v[0].Path | Should -Be $files[0].FullName
        ($files[0] | Repair-DeirfJournal -Confirm:$false -ErrorAction Stop).Changed | Should -BeFalse
        # An incident id, piped as a string, still binds -Incident.
        ($inc | Test-DeirfJournal -Workspace $ws -ErrorAction Stop).IsValid | Should -BeTrue
    }

    It 'Get-ChildItem *.checkpoint | Add-DeirfCheckpointCosignature binds each file by its FullName' {
        New-DeirfCheckpoint -Incident $inc -Signer bob -KeyPath $keys.bob.Seed -Workspace $ws -ErrorAction Stop | Out-Null
        $cp = @(Get-ChildItem (Join-Path (Get-DeirfWorkspace -Workspace $ws).IncidentsDirectory "$inc/checkpoints") -Filter *.checkpoint)
        $cp.Count | Should -Be 1
        $before = @(Get-Content $cp[0].FullName).Count
        $w = $cp | Add-DeirfCheckpointCosignature -Responder carol -KeyPath $keys.carol.Seed -Workspace $ws -Confirm:$false -ErrorAction Stop
        @($w).Count | Should -Be 1
        @(Get-Content $cp[0].FullName).Count | Should -Be ($before + 1) -Because 'the file gains carol''s cosignature line'
    }

    It 'Get-DeirfResponder | Test-DeirfIdentityProof reviews every responder''s proofs' {
        $reviews = Get-DeirfResponder -Workspace $ws | Test-DeirfIdentityProof -ErrorAction Stop
        ($reviews.Responder | Sort-Object -Unique) | Should -Be @('bob', 'carol')
    }

    It 'Get-DeirfProposal | Test-DeirfQuorum, then the approved proposal | Invoke-DeirfContainment' {
        (Get-DeirfProposal -Incident $inc -Workspace $ws | Test-DeirfQuorum -ErrorAction Stop).IsMet | Should -Be @($false)
        Approve $p
        $r = Get-DeirfProposal -Incident $inc -Id $p.Id -Workspace $ws | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction Stop
        $r.Verified | Should -BeTrue
        Get-Content $deny | Should -Contain 'deny 203.0.113.9;'
        (Get-DeirfIncident -Workspace $ws | Get-DeirfContainment -ErrorAction Stop).Seq | Should -Contain $r.Seq
    }

    It 'Get-DeirfContainment | Undo-DeirfContainment proposes the undo, and runs it once approved' {
        $u = Get-DeirfContainment -Incident $inc -Workspace $ws -Active | Undo-DeirfContainment -Proposer carol -Confirm:$false -ErrorAction Stop
        $u.Action | Should -Be 'undo.script'
        Approve $u
        $done = Get-DeirfContainment -Incident $inc -Workspace $ws -Active | Undo-DeirfContainment -Actor carol -Confirm:$false -ErrorAction Stop
        $done.Outcome | Should -Be 'Undone'
        Get-Content $deny | Should -Not -Contain 'deny 203.0.113.9;'
        @(Get-DeirfContainment -Incident $inc -Workspace $ws -Active) | Should -HaveCount 0
    }
}
