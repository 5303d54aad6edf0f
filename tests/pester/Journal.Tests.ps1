BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
}

Describe 'The Foundation walk-through (issue 3), as a user types it' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'API keys leaked in public repo' -Reporter alice -Workspace $ws
        1..3 | ForEach-Object { Add-DeirfNote -Incident $i.Id -Text "step $_" -Actor alice -Workspace $ws }
    }

    It 'opens an incident with a readable id and its journal' {
        $i.Id | Should -Match '^INC-\d{8}-[0-9A-F]{4}$'
        $i.Title | Should -Be 'API keys leaked in public repo'
        $i.State | Should -Be 'Open'
        $i.JournalPath | Should -Exist
    }

    It 'lists the four entries in order, genesis first' {
        $entries = Get-DeirfJournal -Incident $i.Id -Workspace $ws
        $entries.Count | Should -Be 4
        $entries[0].Kind | Should -Be 'incident.opened'
        $entries[0].Prev | Should -Be ('0' * 64)
        $entries.Seq | Should -Be @(0, 1, 2, 3)
        $entries[3].Summary | Should -Be 'step 3'
        $entries[1].Prev | Should -Be $entries[0].Hash
    }

    It 'prints the journal as a table with the readable columns' {
        $text = Get-DeirfJournal -Incident $i.Id -Workspace $ws | Format-Table | Out-String -Width 200
        $text | Should -Match 'Seq\s+Timestamp\s+Kind\s+Actor\s+Hash\s+Summary'
        $text | Should -Match 'incident.opened'
    }

    It 'verifies: IsValid True, EntryCount 4' {
        $v = Test-DeirfJournal -Incident $i.Id -Workspace $ws
        $v.IsValid | Should -BeTrue
        $v.EntryCount | Should -Be 4
        $v.HeadSeq | Should -Be 3
    }

    It 'composes by property name: Get-DeirfIncident | Test-DeirfJournal' {
        $v = Get-DeirfIncident -Workspace $ws | Test-DeirfJournal
        $v.IsValid | Should -BeTrue
    }

    It 'finds the workspace from the current folder (nearest parent)' {
        Push-Location (Join-Path $ws 'incidents')
        try {
            (Get-DeirfWorkspace).Root | Should -Be (Resolve-Path $ws).Path
            (Get-DeirfWorkspace).Source | Should -Be 'ParentFolder'
            (Get-DeirfIncident).Id | Should -Contain $i.Id
        }
        finally { Pop-Location }
    }

    It 'finds the workspace from $env:DEIRF_WORKSPACE' {
        $old = $env:DEIRF_WORKSPACE
        try {
            $env:DEIRF_WORKSPACE = $ws
            Push-Location $TestDrive
            (Get-DeirfWorkspace).Source | Should -Be 'Environment'
        }
        finally { $env:DEIRF_WORKSPACE = $old; Pop-Location }
    }

    It 'reads a journal file without a workspace (-Path)' {
        (Test-DeirfJournal -Path $i.JournalPath).IsValid | Should -BeTrue
        (Get-DeirfJournal -Path $i.JournalPath -Kind 'note').Count | Should -Be 3
    }

    It '-WhatIf changes nothing' {
        Add-DeirfNote -Incident $i.Id -Text 'not written' -Actor alice -Workspace $ws -WhatIf
        (Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count | Should -Be 4
    }
}

Describe 'Errors are records a script can act on' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-err'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
    }

    It 'unknown incident: IncidentNotFound with the id as target' {
        Add-DeirfNote -Incident 'INC-20990101-FFFF' -Text x -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,DeIRF.Commands.Cmdlets.AddDeirfNoteCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'INC-20990101-FFFF'
    }

    It 'malformed incident id: IncidentIdInvalid' {
        { Test-DeirfJournal -Incident '../../etc' -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'IncidentIdInvalid,DeIRF.Commands.Cmdlets.TestDeirfJournalCommand'
    }

    It 'a second Initialize on the same folder: WorkspaceAlreadyExists' {
        { Initialize-DeirfWorkspace -Path $ws -ErrorAction Stop } | Should -Throw -ErrorId 'WorkspaceAlreadyExists,DeIRF.Commands.Cmdlets.InitializeDeirfWorkspaceCommand'
    }

    It 'a handle with spaces: InvalidStatement, and no journal is created' {
        { New-DeirfIncident -Title 't' -Reporter 'alice smith' -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidStatement,DeIRF.Commands.Cmdlets.NewDeirfIncidentCommand'
        @(Get-DeirfIncident -Workspace $ws).Count | Should -Be 0
    }

    It 'a folder that is not a workspace: WorkspaceNotFound' {
        { Get-DeirfIncident -Workspace $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'WorkspaceNotFound,DeIRF.Commands.Cmdlets.GetDeirfIncidentCommand'
    }
}

Describe 'Torn tail and repair, as a responder meets them after a crash' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-torn'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'crash' -Reporter rec -Workspace $ws
        Add-DeirfNote -Incident $i.Id -Text 'whole' -Actor rec -Workspace $ws
        # A crash mid-write leaves a prefix of a line with no LF.
        [IO.File]::AppendAllText($i.JournalPath, '{"hash":"abc')
    }

    It 'Test-DeirfJournal reports a torn tail, not tampering' {
        $v = Test-DeirfJournal -Incident $i.Id -Workspace $ws
        $v.IsValid | Should -BeFalse
        $v.IsTornTail | Should -BeTrue
        $v.Fault | Should -Be 'TornTail'
        $v.EntryCount | Should -Be 2
        $v.FirstBadSeq | Should -Be 2
    }

    It 'appending is refused with JournalTornTail' {
        { Add-DeirfNote -Incident $i.Id -Text 'x' -Actor rec -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'JournalTornTail,DeIRF.Commands.Cmdlets.AddDeirfNoteCommand'
    }

    It 'Repair -WhatIf changes nothing' {
        Repair-DeirfJournal -Incident $i.Id -Workspace $ws -WhatIf
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws).IsTornTail | Should -BeTrue
    }

    It 'Repair moves the torn bytes aside and the journal verifies again' {
        $r = Repair-DeirfJournal -Incident $i.Id -Workspace $ws -Confirm:$false
        $r.Changed | Should -BeTrue
        $r.TornBytes | Should -Be 12
        Get-Content -Raw $r.SideFile | Should -Be '{"hash":"abc'
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws).IsValid | Should -BeTrue
        Add-DeirfNote -Incident $i.Id -Text 'after repair' -Actor rec -Workspace $ws
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws).EntryCount | Should -Be 3
    }

    It 'Repair refuses tampering: JournalRepairRefused, nothing changed' {
        $lines = [IO.File]::ReadAllLines($i.JournalPath)
        $lines[1] = $lines[1].Replace('whole', 'WHOLE')
        [IO.File]::WriteAllText($i.JournalPath, ($lines -join "`n") + "`n")
        $before = Get-FileHash $i.JournalPath
        { Repair-DeirfJournal -Incident $i.Id -Workspace $ws -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'JournalRepairRefused,DeIRF.Commands.Cmdlets.RepairDeirfJournalCommand'
        (Get-FileHash $i.JournalPath).Hash | Should -Be $before.Hash
        $v = Test-DeirfJournal -Incident $i.Id -Workspace $ws
        $v.Fault | Should -Be 'HashMismatch'
        $v.FirstBadSeq | Should -Be 1
    }
}

Describe 'Workspace resolution corners' {
    It 'a piped workspace object binds -Workspace (Root), not -Id' {
        $ws = Join-Path $TestDrive 'ws-pipe'
        $created = Initialize-DeirfWorkspace -Path $ws
        New-DeirfIncident -Title 'piped' -Reporter alice -Workspace $ws | Out-Null
        ($created | Get-DeirfIncident).Title | Should -Be 'piped'
    }

    It 'New-DeirfIncident -WhatIf with no workspace anywhere creates nothing' {
        $home2 = Join-Path $TestDrive 'xdg'
        New-Item -ItemType Directory $home2 | Out-Null
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $script = "`$env:DEIRF_WORKSPACE = `$null; Set-Location '$home2'; Import-Module '$(Get-DeirfTestModulePath)'; New-DeirfIncident -Title t -Reporter alice -WhatIf -ErrorAction SilentlyContinue"
        $env:XDG_DATA_HOME_SAVED = $env:XDG_DATA_HOME
        try {
            $env:XDG_DATA_HOME = $home2
            $out = & $pwsh @pre -NoProfile -NonInteractive -Command $script 6>&1 2>&1 | Out-String
        }
        finally { $env:XDG_DATA_HOME = $env:XDG_DATA_HOME_SAVED }
        $LASTEXITCODE | Should -Be 0 -Because $out
        $out | Should -Match 'What if: .*Create the per-user default workspace'
        Get-ChildItem -Recurse $home2 | Should -BeNullOrEmpty
    }

    It 'Test-DeirfJournal -Quiet answers $false when the journal cannot be checked' {
        $ws = Join-Path $TestDrive 'ws-quiet'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        Test-DeirfJournal -Incident 'INC-20990101-0000' -Workspace $ws -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'an unreadable head record is a verdict (HeadRecordInvalid), not a crash' {
        $ws = Join-Path $TestDrive 'ws-head'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'head' -Reporter alice -Workspace $ws
        Set-Content -Path "$($i.JournalPath).head" -Value 'not json'
        $v = Test-DeirfJournal -Incident $i.Id -Workspace $ws
        $v.IsValid | Should -BeFalse
        $v.Fault | Should -Be 'HeadRecordInvalid'
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws -NoHeadRecord).IsValid | Should -BeTrue
    }
}

Describe 'Writes over a journal the readers refuse (issue 19 finding 4)' {
    BeforeAll {
        $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
        $ws = Join-Path $TestDrive 'ws-tamper'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        Add-DeirfTestResponder -Workspace $ws -Handle alice -Role TriageLead -KeyFolder $TestDrive | Out-Null
    }
    AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue }

    It 'line 3 edited by hand: Get-DeirfJournal and Add-DeirfNote both refuse with JournalCorrupt, nothing appended' {
        $i = New-DeirfIncident -Title 'edited behind our back' -Reporter alice -Workspace $ws
        1..3 | ForEach-Object { Add-DeirfNote -Incident $i.Id -Text "step $_" -Actor alice -Workspace $ws }
        $lines = [IO.File]::ReadAllLines($i.JournalPath)
        $lines[2] = $lines[2].Replace('step', 'STEP')
        [IO.File]::WriteAllLines($i.JournalPath, $lines)
        $before = [IO.File]::ReadAllBytes($i.JournalPath)
        Get-DeirfJournal -Incident $i.Id -Workspace $ws -ErrorVariable rerr -ErrorAction SilentlyContinue | Out-Null
        $rerr[0].FullyQualifiedErrorId | Should -BeLike 'JournalCorrupt,*'
        Add-DeirfNote -Incident $i.Id -Text 'chained onto it' -Actor alice -Workspace $ws -ErrorVariable werr -ErrorAction SilentlyContinue
        $werr[0].FullyQualifiedErrorId | Should -BeLike 'JournalCorrupt,*'
        [IO.File]::ReadAllBytes($i.JournalPath) | Should -Be $before
    }

    It 'an actor not on the roster is refused at write time: ActorNotOnRoster, nothing appended' {
        $i = New-DeirfIncident -Title 'who is that' -Reporter alice -Workspace $ws
        $n = @(Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count
        Add-DeirfNote -Incident $i.Id -Text 'hi' -Actor mallory -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ActorNotOnRoster,*'
        $err[0].TargetObject | Should -Be 'mallory'
        @(Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count | Should -Be $n
        (Add-DeirfNote -Incident $i.Id -Text 'hi' -Actor alice -Workspace $ws -PassThru).Actor | Should -Be 'alice'
    }
}

Describe 'A journal checked for a workspace holds only that workspace''s statements (issue 20: as sync checks)' {
    It 'refuses a journal copied in from another workspace with WrongWorkspace; alone (-Path) it is still valid' {
        $a = Join-Path $TestDrive 'ws-a'; $b = Join-Path $TestDrive 'ws-b'
        Initialize-DeirfWorkspace -Path $a | Out-Null
        $bws = Initialize-DeirfWorkspace -Path $b
        $i = New-DeirfIncident -Title 'replayed' -Reporter alice -Workspace $a
        Add-DeirfNote -Incident $i.Id -Text 'from A' -Actor alice -Workspace $a
        # Planted by hand in B (a copy, a bad merge, an attacker with write access to the folder).
        $dest = New-Item -ItemType Directory (Join-Path $b "incidents/$($i.Id)")
        Copy-Item (Join-Path $a "incidents/$($i.Id)/journal.jsonl") $dest
        $v = Test-DeirfJournal -Incident $i.Id -Workspace $b -NoHeadRecord -AllowUnsigned
        $v.IsValid | Should -BeFalse
        "$($v.Fault)" | Should -Be 'WrongWorkspace'
        $v.FirstBadSeq | Should -Be 0
        $v.Reason | Should -Match ([regex]::Escape($bws.WorkspaceId))
        (Test-DeirfJournal -Path (Join-Path $dest 'journal.jsonl') -NoHeadRecord -AllowUnsigned).IsValid | Should -BeTrue
        (Test-DeirfJournal -Incident $i.Id -Workspace $a -AllowUnsigned).IsValid | Should -BeTrue
    }
}
