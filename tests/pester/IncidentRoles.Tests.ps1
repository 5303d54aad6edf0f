# Issue 5, roles and T-minus deadlines: Grant/Revoke-DeirfIncidentRole (with and without a roster),
# Set/Get-DeirfDeadline (UTC storage, any offset in, overdue from the journal plus the clock).

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    function New-Seed([string] $Name) { New-DeirfTestKey DidKey (Join-Path $TestDrive $Name) }
    function New-EthKey([string] $Name) { New-DeirfTestKey Ethereum (Join-Path $TestDrive $Name) }
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue }

Describe 'Roles: without a roster, responders are plain handles' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'plain'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'Key leak' -Reporter alice -Workspace $ws
    }

    It 'grants through the pipeline (the issue 5 one-liner) and shows the roles' {
        $after = $i | Set-DeirfSeverity -Impact High -Urgency High -Actor alice -PassThru |
            Grant-DeirfIncidentRole -Role TriageLead -Responder bob -PassThru
        $after.Roles['TriageLead'] | Should -Be @('bob')
        $e = Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind 'role.granted'
        $e.Body.role | Should -Be 'TriageLead'
        $e.Body.responder | Should -Be 'bob'
        $e.Actor | Should -Be 'bob'
    }

    It 'lets several people share a role, and shows them as one readable line' {
        $after = Grant-DeirfIncidentRole -Incident $i.Id -Workspace $ws -Role TriageLead -Responder carol -Actor alice -PassThru
        $after = Grant-DeirfIncidentRole -Incident $i.Id -Workspace $ws -Role CommsLead -Responder dana -Actor alice -PassThru
        $after.Roles['TriageLead'] | Should -Be @('bob', 'carol')
        $after.RolesText | Should -Be 'TriageLead: bob, carol; CommsLead: dana'
        # The table keeps the title at 80 columns; who holds which role is in the list view.
        ($after | Format-List | Out-String -Width 200) | Should -Match 'TriageLead: bob, carol'
    }

    It 'the grantor is whoever acts, as for Revoke: $env:DEIRF_ACTOR before the grantee (issue 20)' {
        Grant-DeirfIncidentRole -Incident $i.Id -Role ContainmentLead -Responder bob -Actor bob -Workspace $ws
        $env:DEIRF_ACTOR = 'bob'
        try { Grant-DeirfIncidentRole -Incident $i.Id -Role ContainmentLead -Responder erin -Workspace $ws }
        finally { Remove-Item Env:DEIRF_ACTOR }
        $e = Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind 'role.granted' | Select-Object -Last 1
        $e.Body.responder | Should -Be 'erin'
        $e.Actor | Should -Be 'bob'
        Revoke-DeirfIncidentRole -Incident $i.Id -Role ContainmentLead -Responder erin -Actor bob -Workspace $ws
        Revoke-DeirfIncidentRole -Incident $i.Id -Role ContainmentLead -Responder bob -Actor bob -Workspace $ws
    }

    It 'granting a role already held writes nothing and warns' {
        $before = (Get-DeirfIncident -Id $i.Id -Workspace $ws).EntryCount
        Grant-DeirfIncidentRole -Incident $i.Id -Workspace $ws -Role TriageLead -Responder bob -Actor alice -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -Not -BeNullOrEmpty
        (Get-DeirfIncident -Id $i.Id -Workspace $ws).EntryCount | Should -Be $before
    }

    It 'revokes a role, and revoking one not held fails with RoleNotHeld' {
        $after = Revoke-DeirfIncidentRole -Incident $i.Id -Workspace $ws -Role TriageLead -Responder carol -Actor alice -PassThru
        $after.Roles['TriageLead'] | Should -Be @('bob')
        { Revoke-DeirfIncidentRole -Incident $i.Id -Workspace $ws -Role TriageLead -Responder carol -Actor alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'RoleNotHeld,DeIRF.Commands.Cmdlets.RevokeDeirfIncidentRoleCommand'
    }

    It '-WhatIf writes nothing' {
        $before = (Get-DeirfIncident -Id $i.Id -Workspace $ws).EntryCount
        Grant-DeirfIncidentRole -Incident $i.Id -Workspace $ws -Role Recorder -Responder erin -Actor alice -WhatIf
        (Get-DeirfIncident -Id $i.Id -Workspace $ws).EntryCount | Should -Be $before
    }

    It 'offers the five roles on Tab' {
        $line = 'Grant-DeirfIncidentRole -Role Co'
        $c = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $c.CompletionMatches.CompletionText | Should -Be @('CommsLead', 'ContainmentLead')
    }
}

Describe 'Roles: with a roster, only eligible responders may hold a role' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'rostered'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $env:DEIRF_WORKSPACE = $ws
        New-DeirfResponder -Handle carol -Name 'Carol Diaz' -Role TriageLead | Out-Null
        New-DeirfResponder -Handle dana -Name 'Dana Ito' -Role CommsLead | Out-Null
        Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath (New-Seed 'carol.seed') | Out-Null
        Add-DeirfIdentityProof -Responder carol -Kind Ethereum -KeyPath (New-EthKey 'carol.eth') | Out-Null
        Add-DeirfIdentityProof -Responder dana -Kind DidKey -KeyPath (New-Seed 'dana.seed') | Out-Null
        $i = New-DeirfIncident -Title 'Bridge drained' -Reporter carol
        $count = { (Get-DeirfIncident -Id $i.Id).EntryCount }
    }
    AfterAll { Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue }

    It 'grants a role to an eligible responder who lists it' {
        (Grant-DeirfIncidentRole -Incident $i.Id -Role TriageLead -Responder carol -PassThru).Roles['TriageLead'] | Should -Be @('carol')
    }

    It 'refuses a responder not on the roster (RoleResponderUnknown), writing nothing' {
        $before = & $count
        { Grant-DeirfIncidentRole -Incident $i.Id -Role TriageLead -Responder mallory -Actor carol -ErrorAction Stop } |
            Should -Throw -ErrorId 'RoleResponderUnknown,DeIRF.Commands.Cmdlets.GrantDeirfIncidentRoleCommand'
        & $count | Should -Be $before
    }

    It 'refuses an ineligible responder (one proof) with RoleResponderIneligible naming the proof kinds' {
        $before = & $count
        $err = { Grant-DeirfIncidentRole -Incident $i.Id -Role CommsLead -Responder dana -Actor carol -ErrorAction Stop } |
            Should -Throw -ErrorId 'RoleResponderIneligible,DeIRF.Commands.Cmdlets.GrantDeirfIncidentRoleCommand' -PassThru
        $err.Exception.Message | Should -Match 'DidKey'
        $err.Exception.Message | Should -Match 'OpenPgp'
        & $count | Should -Be $before
    }

    It 'refuses a role the responder is not eligible for (RoleNotEligible)' {
        { Grant-DeirfIncidentRole -Incident $i.Id -Role ContainmentLead -Responder carol -ErrorAction Stop } |
            Should -Throw -ErrorId 'RoleNotEligible,DeIRF.Commands.Cmdlets.GrantDeirfIncidentRoleCommand'
    }

    It 'completes responder handles from the roster' {
        $line = "Grant-DeirfIncidentRole -Workspace '$ws' -Responder ca"
        $c = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $c.CompletionMatches.CompletionText | Should -Contain 'carol'
    }
}

Describe 'Deadlines: set in UTC, listed with remaining time and overdue' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'deadlines'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'Key leak' -Reporter alice -Workspace $ws
    }

    It 'stores -Due at any offset as UTC' {
        $d = Set-DeirfDeadline -Incident $i.Id -Workspace $ws -Name containment -Due ([datetimeoffset]::Parse('2026-03-08T01:30:00-05:00')) -Actor alice -PassThru
        $d.Due | Should -Be ([datetimeoffset]::Parse('2026-03-08T06:30:00Z'))
        $d.Due.Offset | Should -Be ([timespan]::Zero)
        (Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind 'deadline.set').Body.due | Should -Be '2026-03-08T06:30:00.000Z'
    }

    It '-In counts real time from now' {
        $start = [datetimeoffset]::UtcNow
        $d = Set-DeirfDeadline -Incident $i.Id -Workspace $ws -Name first-comms -In (New-TimeSpan -Hours 8) -Actor alice -PassThru
        ($d.Due - $start).TotalHours | Should -BeGreaterOrEqual 7.99
        ($d.Due - $start).TotalHours | Should -BeLessOrEqual 8.01
        $d.IsOverdue | Should -BeFalse
        $d.Remaining.TotalHours | Should -BeGreaterThan 7.9
    }

    It 'a past deadline is overdue with negative remaining time, and red in the table' {
        $all = Get-DeirfDeadline -Incident $i.Id -Workspace $ws
        $c = $all | Where-Object Name -EQ 'containment'
        $c.IsOverdue | Should -BeTrue
        $c.Remaining | Should -BeLessThan ([timespan]::Zero)
        $c.Met | Should -BeNullOrEmpty
        ($all | Where-Object Name -EQ 'first-comms').IsOverdue | Should -BeFalse
        @(Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Overdue).Name | Should -Be @('containment')
        $PSStyle.OutputRendering = 'Ansi'
        try { $table = $all | Format-Table | Out-String -Width 200 }
        finally { $PSStyle.OutputRendering = 'Host' }
        $table | Should -Match ([regex]::Escape($PSStyle.Foreground.Red) + 'OVERDUE')
    }

    It '-AsOf computes as of another time (the same on every replica)' {
        $c = Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Name containment -AsOf ([datetimeoffset]::Parse('2026-03-08T01:29:00-05:00'))
        $c.IsOverdue | Should -BeFalse
        $c.Remaining | Should -Be (New-TimeSpan -Minutes 1)   # 01:29 EST is 06:29Z; due 06:30Z
    }

    It 'triage is met by a severity set before it falls due' {
        Set-DeirfDeadline -Incident $i.Id -Workspace $ws -Name triage -In 00:30:00 -Actor alice
        Set-DeirfSeverity -Incident $i.Id -Workspace $ws -Impact High -Urgency High -Actor alice
        $t = Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Name triage -AsOf ([datetimeoffset]::UtcNow.AddHours(2))
        $t.Met | Should -BeTrue
        $t.IsOverdue | Should -BeFalse
    }

    It 'setting a name again moves the deadline' {
        Set-DeirfDeadline -Incident $i.Id -Workspace $ws -Name containment -Due '2030-01-01T00:00:00+01:00' -Actor alice
        (Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Name containment).Due | Should -Be ([datetimeoffset]::Parse('2029-12-31T23:00:00Z'))
    }

    It 'rejects a bad name and the reserved retrospective' {
        { Set-DeirfDeadline -Incident $i.Id -Workspace $ws -Name 'Not OK' -In 01:00:00 -Actor alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'DeadlineNameInvalid,DeIRF.Commands.Cmdlets.SetDeirfDeadlineCommand'
        { Set-DeirfDeadline -Incident $i.Id -Workspace $ws -Name retrospective -In 01:00:00 -Actor alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'DeadlineNameInvalid,DeIRF.Commands.Cmdlets.SetDeirfDeadlineCommand'
    }

    It 'lists the retrospective 72 h after closing' {
        $closed = Close-DeirfIncident -Incident $i.Id -Workspace $ws -Resolution 'Keys rotated' -Actor alice -PassThru
        $r = Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Name retrospective
        $r.Due | Should -Be $closed.RetroDue
        ($r.Due - $closed.Closed) | Should -Be (New-TimeSpan -Hours 72)
    }
}
