BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $hasGit = Test-DeirfTool git
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'config/signing-keys.json'
    Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue
}

AfterAll {
    Remove-Item Env:DEIRF_SIGNING_CONFIG, Env:DEIRF_ACTOR -ErrorAction SilentlyContinue
}

Describe 'Sharing a workspace through git (issue 9), the way the issue''s user lines drive it' -Skip:(-not $hasGit) {
    BeforeAll {
        $script:remote = Join-Path $TestDrive 'remote.git'
        git init --quiet --bare --initial-branch=main $remote
        $script:ws1 = Join-Path $TestDrive 'alice-laptop'
        $script:ws2 = Join-Path $TestDrive 'bob-laptop'
        $w = Initialize-DeirfWorkspace -Path $ws1 -Remote $remote -Actor alice
        # The documented bootstrap: alice adds herself, then bob (signed by her); each binds a first key, configures
        # it as their signing key, and binds the second signed by it; both founders seal.
        foreach ($h in 'alice', 'bob') {
            New-DeirfResponder -Workspace $ws1 -Handle $h -Name $h.ToUpper() -Role ContainmentLead, TriageLead -Actor alice | Out-Null
            $seed = New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive "$h.seed")
            Add-DeirfIdentityProof -Workspace $ws1 -Responder $h -Kind DidKey -KeyPath $seed -Confirm:$false | Out-Null
            Set-DeirfSigningKey -Workspace $ws1 -Responder $h -Kind DidKey -KeyPath $seed | Out-Null
            Add-DeirfIdentityProof -Workspace $ws1 -Responder $h -Kind Ethereum -KeyPath (New-DeirfTestKey -Kind Ethereum -Path (Join-Path $TestDrive "$h.eth")) -Confirm:$false | Out-Null
        }
        foreach ($h in 'alice', 'bob') { Complete-DeirfRosterGenesis -Workspace $ws1 -Responder $h -Confirm:$false | Out-Null }
        (Test-DeirfJournal -Roster -Workspace $ws1 -RequireSignatures).IsValid | Should -BeTrue
        $script:inc = (New-DeirfIncident -Workspace $ws1 -Title 'API keys leaked in public repo' -Reporter alice).Id
        $script:first = Sync-DeirfWorkspace -Workspace $ws1 -Actor alice
        $script:clone = Initialize-DeirfWorkspace -Path $ws2 -Remote $remote -Actor bob
    }

    It 'pushes the first replica, and clones it with the same workspace id' {
        $first.Pushed | Should -BeTrue
        $clone.WorkspaceId | Should -Be $w.WorkspaceId
        Test-Path (Join-Path $ws2 "incidents/$inc/journal.jsonl") | Should -BeTrue
        Get-Content (Join-Path $ws2 '.gitignore') | Should -Contain '.deirf-sync/'
    }

    It 'converges two replicas that wrote while apart: same bytes, valid chain and signatures' {
        Add-DeirfNote -Workspace $ws1 -Incident $inc -Text 'alice: rotated the leaked key' -Actor alice
        Add-DeirfNote -Workspace $ws2 -Incident $inc -Text 'bob: scanned the repo history' -Actor bob
        $a = Sync-DeirfWorkspace -Workspace $ws1 -Actor alice
        $b = Sync-DeirfWorkspace -Workspace $ws2 -Actor bob
        $null = Sync-DeirfWorkspace -Workspace $ws1 -Actor alice
        $a.Pushed | Should -BeTrue
        $b.EntriesReceived | Should -Be 1
        $b.EntriesRelinked | Should -Be 1
        $b.GetType().FullName | Should -Be 'DeIRF.Sync.SyncResult'
        $j1 = [IO.File]::ReadAllBytes((Join-Path $ws1 "incidents/$inc/journal.jsonl"))
        $j2 = [IO.File]::ReadAllBytes((Join-Path $ws2 "incidents/$inc/journal.jsonl"))
        [Convert]::ToHexString($j1) | Should -Be ([Convert]::ToHexString($j2))
        foreach ($ws in $ws1, $ws2) {
            $v = Test-DeirfJournal -Workspace $ws -Incident $inc -RequireSignatures
            $v.IsValid | Should -BeTrue -Because $v.Reason
            $v.SignedEntries | Should -Be $v.EntryCount
        }
    }

    It 'prints the result as a list a person can read' {
        $text = Sync-DeirfWorkspace -Workspace $ws2 -Actor bob | Out-String
        $text | Should -Match 'JournalsChecked'
        $text | Should -Match 'EntriesRelinked'
        $text | Should -Match 'nothing to push'
    }

    It 'refuses to act without an actor, and -WhatIf fetches nothing' {
        Remove-Item Env:DEIRF_ACTOR -ErrorAction SilentlyContinue
        Sync-DeirfWorkspace -Workspace $ws1 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ActorMissing*'
        Sync-DeirfWorkspace -Workspace $ws1 -Actor alice -WhatIf | Should -BeNullOrEmpty
    }

    It 'refuses a remote with a tampered entry: one error record naming the journal and the seq; the replica keeps its journal' {
        $mallory = Join-Path $TestDrive 'mallory'
        git clone --quiet $remote $mallory
        $path = Join-Path $mallory "incidents/$inc/journal.jsonl"
        $text = [IO.File]::ReadAllText($path)
        [IO.File]::WriteAllText($path, $text.Replace('rotated the leaked key', 'did nothing at all'))
        git -C $mallory -c user.name=mallory -c user.email=m@example.invalid commit --quiet -am 'tamper'
        git -C $mallory push --quiet origin main
        $before = [IO.File]::ReadAllBytes((Join-Path $ws1 "incidents/$inc/journal.jsonl"))

        Sync-DeirfWorkspace -Workspace $ws1 -Actor alice -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SyncRemoteTampered*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].TargetObject | Should -Be $inc
        $err[0].Exception.Refusals[0].Seq | Should -BeGreaterThan 0
        $err[0].Exception.Message | Should -Match 'HashMismatch'
        [Convert]::ToHexString([IO.File]::ReadAllBytes((Join-Path $ws1 "incidents/$inc/journal.jsonl"))) | Should -Be ([Convert]::ToHexString($before))
    }
}

Describe 'A relative -Remote path is the PowerShell location''s (issue 19)' -Skip:(-not $hasGit) {
    It 'shares to ./remote.git next to where the user stands, not the process directory' {
        Push-Location $TestDrive
        try {
            git init --quiet --bare --initial-branch=main ./rel-remote.git
            [Environment]::CurrentDirectory | Should -Not -Be $TestDrive
            $r = Initialize-DeirfWorkspace -Path ./rel-ws -Remote ./rel-remote.git -Actor alice
            $r | Should -Not -BeNullOrEmpty
            (git --git-dir ./rel-remote.git ls-tree -r --name-only main) | Should -Contain 'deirf-workspace.json'
        }
        finally { Pop-Location }
    }
}
