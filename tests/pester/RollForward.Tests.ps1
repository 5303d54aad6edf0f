# Issue 23, roll forward: recovery.roll-forward through the github-actions backend, as responders drive it from the
# BUILT module: review by two signers + manual approval (signing the revision) → staging replay (the set-release
# script) → roll-forward proposed with the runbook one-liner, refused without the quorum and without the manual
# approval, then dispatched against a fake of the GitHub Actions REST API (tests/tools/DeIRF.FakeServices
# PipelineFakeHost: a child process on 127.0.0.1 and a free port, stopped by PID; it follows GitHub's REST description
# and records every request the real API would refuse; each test asserts there was none). GitHub itself cannot run
# here. The token is made at test time, reaches DeIRF only as a SecureString -Secret, and is asserted absent from
# every file of the workspace.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $hasSsh = Test-DeirfTool ssh-keygen
}

BeforeAll {
    # Errors stop the test (issue 27); a test that means to see an error asks for it.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    Remove-Item Env:DEIRF_GITHUB_TOKEN -ErrorAction SilentlyContinue
    $script:Runbooks = Join-Path (Split-Path (Get-DeirfTestModulePath)) 'runbooks' | Resolve-Path | ForEach-Object Path

    $script:Token = 'ghp_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
    Register-DeirfTestSecret -Kind 'fake GitHub token' -Secret $script:Token
    $script:SecureToken = ConvertTo-SecureString $script:Token -AsPlainText -Force

    $started = Start-DeirfTestFakeServices -Token $script:Token -Pipelines
    $script:Fake = $started.Process
    $script:Base = $started.Base

    function Invoke-Fake([string] $Route, $Body) {
        Invoke-RestMethod -Method Post "$script:Base/_fake/$Route" -ContentType 'application/json' -Body ($Body | ConvertTo-Json -Depth 4 -Compress) | Out-Null
    }
    function Get-FakeRequests([string] $Route) { @((Invoke-RestMethod "$script:Base/_fake/requests") | ForEach-Object { $_ } | Where-Object route -EQ $Route) }
    $script:ProblemsSeen = 0
    function Assert-NoFakeProblem {
        $problems = @(Invoke-RestMethod "$script:Base/_fake/problems" | ForEach-Object { $_ })
        $new = @($problems | Select-Object -Skip $script:ProblemsSeen)
        $script:ProblemsSeen = $problems.Count
        $new | Should -BeNullOrEmpty -Because 'the fake saw requests GitHub would refuse'
    }
}

AfterAll {
    if ($script:Fake -and -not $script:Fake.HasExited) {
        Stop-Process -Id $script:Fake.Id -Force
        $script:Fake.WaitForExit(10000) | Out-Null
    }
    Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'recovery.roll-forward through github-actions: review, staging replay, quorum of two and manual approval, then the pipeline' -Skip:(-not $hasSsh) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $keys = @{}
        foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' }, @{ H = 'dana'; R = 'TriageLead' })) {
            $keys[$r.H] = Add-DeirfTestResponder -Workspace $ws -Handle $r.H -Role $r.R -KeyFolder $TestDrive -AddedBy bob
        }
        $inc = (New-DeirfIncident -Title 'Bad deploy: 5xx after api-2026.12.07' -Reporter bob -Workspace $ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder carol -Actor bob -Workspace $ws -Confirm:$false
        Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder dana -Actor bob -Workspace $ws -Confirm:$false
        $danaSsh = Join-Path $TestDrive 'dana-approval-ssh'
        New-DeirfTestKey -Kind Ssh -Path $danaSsh | Out-Null
        Add-DeirfIdentityProof -Responder dana -Kind Ssh -KeyPath $danaSsh -Workspace $ws -Confirm:$false | Out-Null

        $patch = 'acme/api@fix-2417'
        $sha = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
        Invoke-Fake 'github/branch' @{ repository = 'acme/api'; branch = 'main'; sha = $sha }
        Invoke-Fake 'github/workflow' @{ repository = 'acme/api'; workflow = 'deploy.yml'; outcome = 'Success' }
        Invoke-Fake 'github/workflow' @{ repository = 'acme/api'; workflow = 'deploy-prod.yml'; outcome = 'WaitingForReviewers'; environment = 'production'; reviewers = @('alice', 'team:release-managers') }

        function Sign($proposal) {
            # recovery.* forbids self-approval: the two signers are not the proposer (bob).
            $proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
            $proposal | Add-DeirfQuorumSignature -Responder dana -KeyPath $keys.dana.Seed -Kind DidKey -Confirm:$false | Out-Null
        }
        function Approve($proposal) {
            Push-Location $TestDrive
            try {
                $proposal | Get-DeirfSigningPayload -Approval -OutFile "approve-$($proposal.ShortId).txt" | Out-Null
                & ssh-keygen -q -Y sign -n deirf -f $danaSsh "approve-$($proposal.ShortId).txt" 2>$null
                $proposal | Approve-DeirfProposal -Responder dana -SignaturePath "approve-$($proposal.ShortId).txt.sig" -Confirm:$false | Out-Null
            }
            finally { Pop-Location }
        }
        function RollForward([string] $Workflow = 'deploy.yml', [string] $Revision = $sha, [string] $Timeout = '30') {
            & (Join-Path $Runbooks 'recovery-roll-forward.ps1') -Incident $inc -Patch $patch -Backend github-actions -Revision $Revision -Proposer bob -Workspace $ws -Parameter @{
                repository = 'acme/api'; workflow = $Workflow; ref = 'main'; apiUrl = $script:Base; pollSeconds = '0.05'; timeoutSeconds = $Timeout
                'input.environment' = 'production' }
        }
    }
    AfterEach { Assert-NoFakeProblem }

    It 'the backends are extensions of the catalog, declared by DeIRF.Providers.Pipelines (the engine names none)' {
        $backends = @(Get-DeirfExtension -Point rollforward-backend)
        ($backends.Key | Sort-Object) -join ',' | Should -Be 'argocd,github-actions,oz-relayer'
        $backends.AssemblyName | Select-Object -Unique | Should -Be 'DeIRF.Providers.Pipelines'
    }

    It 'the review signs the revision; the staging replay runs the reviewed release on staging' {
        $review = New-DeirfProposal -Incident $inc -Action recovery.patch-review -Target $patch -Parameter @{ patch = $patch; revision = $sha } -Proposer bob -Workspace $ws
        Sign $review; Approve $review
        ($review | Invoke-DeirfContainment -Actor bob -Confirm:$false).Verified | Should -BeTrue
        $setRelease = Join-Path $PSScriptRoot '../../runbooks/scripts/set-release.ps1' | Resolve-Path | ForEach-Object Path
        $staging = Join-Path $TestDrive 'staging-current'
        Set-Content $staging 'api-2026.12.07-aaaaaaa'
        $replay = New-DeirfProposal -Incident $inc -Action recovery.staging-replay -Target staging -Proposer bob -Workspace $ws -Parameter @{
            patch = $patch; path = $setRelease; sha256 = (Get-FileHash -Algorithm SHA256 $setRelease).Hash.ToLowerInvariant(); releaseFile = $staging; version = "api-fix-2417-$($sha.Substring(0, 7))" }
        Sign $replay; Approve $replay
        ($replay | Invoke-DeirfContainment -Actor bob -Confirm:$false).Verified | Should -BeTrue
        Get-FakeRequests 'github.dispatch' | Should -BeNullOrEmpty
    }

    It 'the roll-forward waits for both gates of ours: two signers, then the manual approval; nothing is dispatched before' {
        $script:p = RollForward
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $SecureToken } -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        Sign $p
        "$(($p | Test-DeirfQuorum).Blockers.Blocker)" | Should -Be 'ManualApprovalMissing'
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $SecureToken } -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        Get-FakeRequests 'github.dispatch' | Should -BeNullOrEmpty
    }

    It 'approved: the workflow is dispatched on the reviewed branch head, followed to success, run id and url journaled' {
        Approve $p
        $r = $p | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $SecureToken } -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        $r.Verified | Should -BeTrue
        "$warn" | Should -Match 'required reviewers'
        "$warn" | Should -Match "production roll-forward of 'acme/api@fix-2417' at $sha through github-actions"
        $after = $r.After | ConvertFrom-Json
        $after.conclusion | Should -Be 'success'
        $after.head_sha | Should -Be $sha
        $after.url | Should -Match '^https://github\.com/acme/api/actions/runs/\d+$'
        $dispatch = @(Get-FakeRequests 'github.dispatch')
        $dispatch.Count | Should -Be 1
        $dispatch[0].headers.Authorization | Should -Be 'Bearer <valid token>'
        ($dispatch[0].body | ConvertFrom-Json).ref | Should -Be 'main'
        $applied = Get-DeirfContainment -Incident $inc -Workspace $ws | Where-Object Outcome -EQ 'Applied'
        $applied.Action | Should -Be @('recovery.patch-review', 'recovery.staging-replay', 'recovery.roll-forward')
        Get-ChildItem $ws -Recurse -File | Select-String -SimpleMatch $Token | Should -BeNullOrEmpty
    }

    It 'a roll-forward of another revision is refused before any request reaches GitHub: RecoveryRevisionMismatch' {
        $other = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
        $before = @(Invoke-RestMethod "$script:Base/_fake/requests").Count
        $q = RollForward -Revision $other
        $err = $null
        $q | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $SecureToken } -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RecoveryRevisionMismatch,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        @(Invoke-RestMethod "$script:Base/_fake/requests").Count | Should -Be $before
    }

    It "GitHub's own gate is shown too: a run waiting on the environment's required reviewers is applied, not verified, and says who it waits for" {
        $w = RollForward -Workflow 'deploy-prod.yml' -Timeout '1'
        Sign $w; Approve $w
        $err = $null
        $r = $w | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $SecureToken } -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainmentNotVerified,*'
        $r.Verified | Should -BeFalse
        $r.Message | Should -Match "GitHub environment 'production' waits for its required reviewers \(alice, team release-managers\)"
        ($r.After | ConvertFrom-Json).status | Should -Be 'waiting'
    }

    It 'argocd: the same gates, a sync to the reviewed revision, and the undo is its own quorum proposal that syncs back' {
        $previous = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
        Invoke-Fake 'argocd/app' @{ name = 'api'; deployed = $previous; targetHead = $sha; outcome = 'Success' }
        $a = & (Join-Path $Runbooks 'recovery-roll-forward.ps1') -Incident $inc -Patch $patch -Backend argocd -Revision $sha -Target api -Proposer bob -Workspace $ws -Parameter @{
            server = $script:Base; pollSeconds = '0.05'; timeoutSeconds = '30' }
        Sign $a; Approve $a
        $token = @{ argocdToken = $SecureToken }
        $r = $a | Invoke-DeirfContainment -Actor bob -Secret $token -Confirm:$false -WarningAction SilentlyContinue
        $r.Verified | Should -BeTrue
        ($r.Before | ConvertFrom-Json).revision | Should -Be $previous
        ($r.After | ConvertFrom-Json).health | Should -Be 'Healthy'
        $u = Undo-DeirfContainment -Incident $inc -Action recovery.roll-forward -Target api -Proposer bob -Workspace $ws
        Sign $u
        # Syncing back is a production change too: policy undo.recovery.* waits for the manual approval.
        "$(($u | Test-DeirfQuorum).Blockers.Blocker)" | Should -Be 'ManualApprovalMissing'
        Approve $u
        $back = $u | Undo-DeirfContainment -Actor bob -Secret $token -Confirm:$false
        $back.Verified | Should -BeTrue
        $syncs = @(Get-FakeRequests 'argocd.sync' | ForEach-Object { ($_.body | ConvertFrom-Json).revision })
        $syncs | Should -Be @($sha, $previous)
        Get-ChildItem $ws -Recurse -File | Select-String -SimpleMatch $Token | Should -BeNullOrEmpty
    }
}
