# Invoke-/Undo-/Get-DeirfContainment as responders drive them (issue 6): the quorum gate, the plan under -WhatIf,
# identity.revoke (no external service) and the script provider (the block-ip runbook against a deny-list file).
# Keys are did:key seeds and Ethereum keys made at test time.

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
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $Runbook = Join-Path $PSScriptRoot '../../runbooks/scripts/block-ip.ps1' | Resolve-Path | ForEach-Object Path

    function New-Seed([string] $Name) { New-DeirfTestKey DidKey (Join-Path $TestDrive $Name) }
    function New-EthKey([string] $Name) { New-DeirfTestKey Ethereum (Join-Path $TestDrive $Name) }
    function New-Team([string] $Ws) {
        Initialize-DeirfWorkspace -Path $Ws | Out-Null
        $keys = @{}
        foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' }, @{ H = 'dana'; R = 'TriageLead' })) {
            $keys[$r.H] = Add-DeirfTestResponder -Workspace $Ws -Handle $r.H -Role $r.R -KeyFolder $TestDrive -AddedBy bob
        }
        $inc = (New-DeirfIncident -Title 'Leaked key' -Reporter bob -Workspace $Ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $Ws -Confirm:$false
        Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder carol -Actor bob -Workspace $Ws -Confirm:$false
        @{ Inc = $inc; Keys = $keys }
    }
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue }

Describe 'identity.revoke by quorum: plan, refusals, apply, no second run, no undo' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-id'
        $t = New-Team $ws
        $inc = $t.Inc; $keys = $t.Keys
        $p = New-DeirfProposal -Incident $inc -Action identity.revoke -Target dana -Parameter @{ reason = 'seed pasted in chat' } -Proposer bob -Workspace $ws
    }

    It '-WhatIf shows the plan (two proofs, eligibility lost) and changes nothing, even before the quorum' {
        $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
        $out = $p | Invoke-DeirfContainment -Actor bob -WhatIf -WarningVariable warn -WarningAction SilentlyContinue 6>&1 | Out-String
        $warn | Should -Match 'not eligible'
        @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be $before
        (Get-DeirfResponder -Handle dana -Workspace $ws).Eligible | Should -BeTrue
    }

    It 'without the quorum: QuorumNotMet, nothing applied, the proposal not consumed' {
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed').Count | Should -Be 0
        (Get-DeirfResponder -Handle dana -Workspace $ws).Eligible | Should -BeTrue
    }

    It 'with two persons: applies, revokes both proofs in the roster, journals before/after and meets the containment deadline' {
        Set-DeirfDeadline -Incident $inc -Name containment -In ([TimeSpan]::FromHours(1)) -Actor bob -Workspace $ws
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Eth -Kind Ethereum -Confirm:$false | Out-Null
        ($p | Test-DeirfQuorum).IsMet | Should -BeTrue

        $r = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false

        $r.Outcome | Should -Be 'Applied'
        $r.Verified | Should -BeTrue
        $r.Action | Should -Be 'identity.revoke'
        ($r.Before | ConvertFrom-Json).eligible | Should -BeTrue
        ($r.After | ConvertFrom-Json).eligible | Should -BeFalse
        $dana = Get-DeirfResponder -Handle dana -Workspace $ws
        $dana.Eligible | Should -BeFalse
        @($dana.Proofs | Where-Object { -not $_.IsRevoked }).Count | Should -Be 0
        (Get-DeirfDeadline -Incident $inc -Name containment -Workspace $ws).Met | Should -BeTrue
        $kinds = (Get-DeirfJournal -Incident $inc -Workspace $ws).Kind
        $kinds[-2..-1] | Should -Be @('proposal.consumed', 'containment.applied')
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
        ($inc | Get-DeirfTimeline -Workspace $ws | Where-Object Kind -eq 'containment.applied').Phase | Should -Be 'Contained'
    }

    It 'the same approvals cannot run it twice: ProposalConsumed' {
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProposalConsumed,*'
        @(Get-DeirfContainment -Incident $inc -Workspace $ws).Count | Should -Be 1
    }

    It 'Get-DeirfContainment lists it as a readable table' {
        $t = Get-DeirfContainment -Incident $inc -Workspace $ws -Active
        $t.Target | Should -Be 'dana'
        ($t | Format-Table | Out-String -Width 200) | Should -Match 'Outcome\s+Verified\s+Action'
    }

    It 'an undo is refused: a leaked key stays leaked' {
        $u = Undo-DeirfContainment -Incident $inc -Action identity.revoke -Target dana -Proposer bob -Workspace $ws -Confirm:$false
        $u.Action | Should -Be 'undo.identity.revoke'
        $u | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $u | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
        $err = $null
        Undo-DeirfContainment -Incident $inc -Action identity.revoke -Target dana -Actor bob -Workspace $ws -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainmentUndoNotPossible,*'
        (Get-DeirfContainment -Incident $inc -Workspace $ws).Outcome | Should -Contain 'Failed'
    }

    # Last in this Describe: it leaves carol with one proof kind (not eligible).
    It 'the runbook one-liner proposes the revocation of one proof (runbooks/identity-revoke.ps1)' {
        $runbook = Join-Path $PSScriptRoot '../../runbooks/identity-revoke.ps1'
        $fp = ((Get-DeirfResponder -Handle carol -Workspace $ws).Proofs | Where-Object Kind -eq 'Ethereum').Fingerprint
        $q = & $runbook -Incident $inc -Responder carol -Fingerprint $fp -Proposer bob -Reason 'wallet phrase photographed' -Workspace $ws
        $q.Action | Should -Be 'identity.revoke'
        $q.Target | Should -Be "carol/$fp"
        $q.Parameters['reason'] | Should -Be 'wallet phrase photographed'
        $q | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $q | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
        ($q | Invoke-DeirfContainment -Actor bob -Confirm:$false).Verified | Should -BeTrue
        $carol = Get-DeirfResponder -Handle carol -Workspace $ws
        ($carol.Proofs | Where-Object Kind -eq 'Ethereum').IsRevoked | Should -BeTrue
        ($carol.Proofs | Where-Object Kind -eq 'DidKey').IsRevoked | Should -BeFalse
    }
}

Describe 'script provider: the block-ip runbook, approved by hash, applied and undone by quorum' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-script'
        $t = New-Team $ws
        $inc = $t.Inc; $keys = $t.Keys
        $deny = Join-Path $TestDrive 'deny.conf'
        Set-Content $deny 'deny 198.51.100.1;'
        $log = Join-Path $TestDrive 'edge.log'
        Set-Content $log '203.0.113.7 GET /wp-login.php 404'
        Add-DeirfEvidence -Incident $inc -Path $log -Target 203.0.113.7 -Actor bob -Workspace $ws | Out-Null
        $sha = (Get-FileHash -Algorithm SHA256 $Runbook).Hash.ToLowerInvariant()
        function Approve($proposal) {
            $proposal | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
            $proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
        }
    }

    It 'applies through pwsh, reads back, and the deny list holds the address' {
        $p = New-DeirfProposal -Incident $inc -Action script -Target 203.0.113.7 -Parameter @{ path = $Runbook; sha256 = $sha; denyList = $deny } -Proposer bob -Workspace $ws
        Approve $p
        $r = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false
        $r.Verified | Should -BeTrue
        Get-Content $deny | Should -Be @('deny 198.51.100.1;', 'deny 203.0.113.7;')
    }

    It 'undo by quorum removes exactly the line it added' {
        # Proposing changes no system: it does not ask at the default $ConfirmPreference (High), even in this
        # non-interactive runner, where a prompt would fail. Running the undo changes the deny list: it still asks.
        $ConfirmPreference | Should -Be 'High'
        $u = Undo-DeirfContainment -Incident $inc -Action script -Target 203.0.113.7 -Proposer carol -Workspace $ws
        $u.Action | Should -Be 'undo.script'
        Approve $u
        { $u | Undo-DeirfContainment -Actor carol } |
            Should -Throw -ErrorId 'InvalidOperation,DeIRF.Commands.Cmdlets.UndoDeirfContainmentCommand' -ExpectedMessage '*NonInteractive mode*Prompt*'
        Get-Content $deny | Should -Be @('deny 198.51.100.1;', 'deny 203.0.113.7;')
        $r = $u | Undo-DeirfContainment -Actor carol -Confirm:$false
        $r.Outcome | Should -Be 'Undone'
        $r.Verified | Should -BeTrue
        Get-Content $deny | Should -Be @('deny 198.51.100.1;')
        (Get-DeirfContainment -Incident $inc -Workspace $ws | Where-Object Outcome -eq 'Applied').UndoneBy | Should -Be $r.Seq
    }

    It 'one Invoke-DeirfContainment judges the quorum once, under the journal lock (issue 20; four times before, then twice)' {
        # A listener on the engine's meter (DeIRF.Quorum, deirf.quorum.judgements), compiled here: a profile as an
        # operator would take it with dotnet-counters, in-process.
        if (-not ('DeirfJudgementCounter' -as [type])) {
            Add-Type -TypeDefinition @'
using System.Diagnostics.Metrics;
using System.Threading;
public sealed class DeirfJudgementCounter : System.IDisposable
{
    private readonly MeterListener _listener = new MeterListener();
    private long _count;
    public DeirfJudgementCounter()
    {
        _listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == "DeIRF.Quorum" && instrument.Name == "deirf.quorum.judgements") l.EnableMeasurementEvents(instrument); };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, state) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }
    public long Count => Interlocked.Read(ref _count);
    public void Dispose() => _listener.Dispose();
}
'@
        }
        $p = New-DeirfProposal -Incident $inc -Action script -Target 203.0.113.9 -Parameter @{ path = $Runbook; sha256 = $sha; denyList = $deny } -Proposer bob -Workspace $ws
        Approve $p
        $counter = [DeirfJudgementCounter]::new()
        try { $r = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false }
        finally { $counter.Dispose() }
        $r.Verified | Should -BeTrue
        $counter.Count | Should -Be 1
    }

    It 'a changed parameter is a different proposal: the approvals do not carry over' {
        $p = New-DeirfProposal -Incident $inc -Action script -Target 203.0.113.8 -Parameter @{ path = $Runbook; sha256 = $sha; denyList = $deny } -Proposer bob -Workspace $ws
        Approve $p
        $q = New-DeirfProposal -Incident $inc -Action script -Target 203.0.113.8 -Parameter @{ path = $Runbook; sha256 = $sha; denyList = "$deny.other" } -Proposer bob -Workspace $ws
        $q.Id | Should -Not -Be $p.Id
        ($q | Test-DeirfQuorum).IsMet | Should -BeFalse
    }
}

Describe 'script proposals (issue 18): nothing runs before the quorum, the child sees only declared secrets, only the approved bytes run' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-script-safety'
        $t = New-Team $ws
        $inc = $t.Inc; $keys = $t.Keys
        $runbooks = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'proposer-runbooks')
        # The proposer's script: any run of it (Plan included) writes the marker and a report of what it saw.
        $script:proposed = Join-Path $runbooks 'marker.ps1'
        Set-Content -LiteralPath $proposed -NoNewline -Value @'
<# DEIRF-PLAN
{ "steps": ["write the marker {{marker}} on {{target}}"], "expected": { "marker": "{{marker}}" } }
#>
param($Operation, $Target, $ParametersJson, $UndoStateJson)
$p = $ParametersJson | ConvertFrom-Json
Set-Content -LiteralPath $p.marker -Value $Operation
function Sha([string] $s) { if ($s) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($s))).ToLowerInvariant() } else { '' } }
$self = Get-Item -LiteralPath $PSCommandPath
@{
    names = @(Get-ChildItem env: | ForEach-Object Name); apiKey = (Sha $env:DEIRF_SECRET_APIKEY)
    path = $PSCommandPath; sha256 = (Get-FileHash -Algorithm SHA256 -LiteralPath $PSCommandPath).Hash.ToLowerInvariant()
    mode = [int]$self.UnixFileMode; dirMode = [int](Get-Item -LiteralPath $PSScriptRoot).UnixFileMode
} | ConvertTo-Json -Compress -Depth 4 | Set-Content -LiteralPath $p.report
# Answers a Plan too (as scripts did when planning ran them), so the same file shows what an old-style run would leak.
if ($Operation -eq 'Plan') { @{ steps = @('run'); before = @{}; expected = @{} } | ConvertTo-Json -Compress; exit }
@{ before = @{}; after = @{ marker = $p.marker }; undoState = @{}; verified = $true; message = 'ran' } | ConvertTo-Json -Compress
'@
        $script:proposedSha = (Get-FileHash -Algorithm SHA256 $proposed).Hash.ToLowerInvariant()
        $script:apiKey = 'api-' + [guid]::NewGuid().ToString('n')
        $script:other = 'other-' + [guid]::NewGuid().ToString('n')
        $script:k8sToken = 'k8s-' + [guid]::NewGuid().ToString('n')
        Register-DeirfTestSecret -Kind token -Secret $apiKey
        Register-DeirfTestSecret -Kind token -Secret $other
        Register-DeirfTestSecret -Kind token -Secret $k8sToken
        function Propose([string] $Target, [string] $Name) {
            New-DeirfProposal -Incident $inc -Action script -Target $Target -Proposer bob -Workspace $ws -Parameter @{
                path = $proposed; sha256 = $proposedSha; secrets = 'apiKey'
                marker = (Join-Path $TestDrive "$Name.marker"); report = (Join-Path $TestDrive "$Name.json") }
        }
        function Approve($proposal) {
            $proposal | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
            $proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
        }
    }

    It 'a reviewer''s -WhatIf shows the declared plan and runs nothing of the proposal, even with secrets at hand' {
        $p = Propose 'edge-1' 'whatif'
        $out = $p | Invoke-DeirfContainment -Actor carol -Secret @{ apiKey = $apiKey } -WhatIf -Verbose -WarningVariable warn -WarningAction SilentlyContinue -ErrorAction SilentlyContinue 4>&1 | Out-String
        Join-Path $TestDrive 'whatif.marker' | Should -Not -Exist
        Join-Path $TestDrive 'whatif.json' | Should -Not -Exist
        $out | Should -Match ([regex]::Escape("write the marker $(Join-Path $TestDrive 'whatif.marker') on edge-1"))
        "$warn" | Should -Match 'declared plan section'
        "$warn" | Should -Match 'DEIRF_SECRET_APIKEY'
    }

    It 'without the quorum a run is QuorumNotMet and the script never starts' {
        $p = Propose 'edge-2' 'early'
        $err = $null
        $p | Invoke-DeirfContainment -Actor carol -Secret @{ apiKey = $apiKey } -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        Join-Path $TestDrive 'early.marker' | Should -Not -Exist
    }

    It 'a script without a plan section is ScriptPlanMissing under -WhatIf, and is not run to find one' {
        $bare = Join-Path $runbooks 'bare.ps1'
        Set-Content -LiteralPath $bare -Value "Set-Content -LiteralPath '$(Join-Path $TestDrive 'bare.marker')' -Value ran"
        $p = New-DeirfProposal -Incident $inc -Action script -Target edge-3 -Proposer bob -Workspace $ws -Parameter @{
            path = $bare; sha256 = (Get-FileHash -Algorithm SHA256 $bare).Hash.ToLowerInvariant() }
        $err = $null
        $p | Invoke-DeirfContainment -Actor carol -WhatIf -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ScriptPlanMissing,*'
        Join-Path $TestDrive 'bare.marker' | Should -Not -Exist
    }

    It 'approved, it runs with only the declared secret: no other -Secret, provider token or caller variable reaches the child' {
        $p = Propose 'edge-4' 'run'
        Approve $p
        $env:DEIRF_K8S_TOKEN = $k8sToken          # a provider token in the caller's environment (resolved as secret 'token')
        $env:DEIRF_TEST_UNDECLARED = $other       # and anything else the caller has
        try {
            $r = $p | Invoke-DeirfContainment -Actor bob -Secret @{ apiKey = $apiKey; other = $other } -Confirm:$false -WarningAction SilentlyContinue
        }
        finally { Remove-Item Env:DEIRF_K8S_TOKEN, Env:DEIRF_TEST_UNDECLARED -ErrorAction SilentlyContinue }
        $r.Verified | Should -BeTrue
        Get-Content (Join-Path $TestDrive 'run.marker') | Should -Be 'Apply'
        $seen = Get-Content -Raw (Join-Path $TestDrive 'run.json') | ConvertFrom-Json
        $seen.apiKey | Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($apiKey))).ToLowerInvariant())
        $seen.names | Should -Contain 'DEIRF_SECRET_APIKEY'
        $seen.names | Should -Contain 'PATH'
        foreach ($n in 'DEIRF_SECRET_OTHER', 'DEIRF_SECRET_TOKEN', 'DEIRF_K8S_TOKEN', 'DEIRF_TEST_UNDECLARED', 'DEIRF_SIGNING_CONFIG') { $seen.names | Should -Not -Contain $n }
    }

    It 'what ran is a private 0400 copy (0700 folder) of the approved bytes, deleted after; the journal records their hash' {
        $seen = Get-Content -Raw (Join-Path $TestDrive 'run.json') | ConvertFrom-Json
        $seen.path | Should -Not -Be $proposed
        $seen.sha256 | Should -Be $proposedSha
        if (-not $IsWindows) {
            $seen.mode | Should -Be ([Convert]::ToInt32('400', 8))
            $seen.dirMode | Should -Be ([Convert]::ToInt32('700', 8))
        }
        $seen.path | Should -Not -Exist   # the copy is deleted after the run
        $applied = Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'containment.applied' | Select-Object -Last 1
        $applied.Body.ran.sha256 | Should -Be $proposedSha
    }

    It 'a declared secret not given is ScriptSecretMissing before the approvals are used up' {
        $p = Propose 'edge-6' 'nosecret'
        Approve $p
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ScriptSecretMissing,*'
        Join-Path $TestDrive 'nosecret.marker' | Should -Not -Exist
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed' | Where-Object { $_.Body.proposal -eq $p.Id }).Count | Should -Be 0
    }

    It 'a script swapped after approval is ScriptChanged before the approvals are used up; the swapped code never runs' {
        $p = Propose 'edge-5' 'swap'
        Approve $p
        $approved = [IO.File]::ReadAllBytes($proposed)
        try {
            Set-Content -LiteralPath $proposed -Value "Set-Content -LiteralPath '$(Join-Path $TestDrive 'swap.marker')' -Value swapped"
            $err = $null
            $p | Invoke-DeirfContainment -Actor bob -Secret @{ apiKey = $apiKey } -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ScriptChanged,*'
            Join-Path $TestDrive 'swap.marker' | Should -Not -Exist
            @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed' | Where-Object { $_.Body.proposal -eq $p.Id }).Count | Should -Be 0
        }
        finally { [IO.File]::WriteAllBytes($proposed, $approved) }
    }
}

Describe 'evidence first: a policy that wants evidence refuses a bare target; -Force -Reason overrides, journaled' -Skip:(-not $hasSsh) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-evidence'
        $t = New-Team $ws
        $inc = $t.Inc; $keys = $t.Keys
        # dana also binds an SSH key: the manual approval of the policy change is signed with ssh-keygen, as a person would.
        $danaSsh = Join-Path $TestDrive 'dana-ssh'
        New-DeirfTestKey -Kind Ssh -Path $danaSsh | Out-Null
        Add-DeirfIdentityProof -Responder dana -Kind Ssh -KeyPath $danaSsh -Workspace $ws -Confirm:$false | Out-Null
        $policy = Join-Path $TestDrive 'policy.json'
        @{ version = 1; rules = @(@{ action = 'script'; require = @{ count = 2 }; ttlMinutes = 60; evidenceRequired = $true }) } |
            ConvertTo-Json -Depth 6 | Set-Content $policy
        $change = New-DeirfProposal -Incident ROSTER -Action policy.set -Target workspace -Parameter @{ sha256 = (Get-DeirfQuorumPolicy -Path $policy).Sha256 } -Proposer bob -Workspace $ws
        $change | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
        $change | Add-DeirfQuorumSignature -Responder dana -KeyPath $keys.dana.Seed -Kind DidKey -Confirm:$false | Out-Null
        Push-Location $TestDrive
        try {
            $change | Get-DeirfSigningPayload -Approval -OutFile approve.txt | Out-Null
            & ssh-keygen -q -Y sign -n deirf -f $danaSsh approve.txt 2>$null
            $change | Approve-DeirfProposal -Responder dana -SignaturePath approve.txt.sig -Confirm:$false | Out-Null
        }
        finally { Pop-Location }
        $change | Set-DeirfQuorumPolicy -Path $policy -Confirm:$false | Out-Null
        $deny = Join-Path $TestDrive 'deny-evidence.conf'
        $sha = (Get-FileHash -Algorithm SHA256 $Runbook).Hash.ToLowerInvariant()
        $p = New-DeirfProposal -Incident $inc -Action script -Target 192.0.2.9 -Parameter @{ path = $Runbook; sha256 = $sha; denyList = $deny } -Proposer bob -Workspace $ws
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
    }

    It 'no evidence on 192.0.2.9: QuorumNotMet naming EvidenceMissing, nothing consumed or applied' {
        ($p | Test-DeirfQuorum).Blockers.Blocker | ForEach-Object { "$_" } | Should -Be @('EvidenceMissing')
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        $err[0].Exception.Message | Should -Match 'EvidenceMissing'
        $deny | Should -Not -Exist
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed').Count | Should -Be 0
        @(Get-DeirfJournal -Roster -Workspace $ws -Kind 'proposal.consumed').Count | Should -Be 1   # the policy change, decided in the roster journal
    }

    It '-Force without -Reason: ContainmentForceNeedsReason' {
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Force -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ContainmentForceNeedsReason,*'
        $deny | Should -Not -Exist
    }

    It '-Force -Reason runs it and journals the reason with the consumption' {
        $r = $p | Invoke-DeirfContainment -Actor bob -Force -Reason 'scanner IP, logs rotated away' -Confirm:$false
        $r.Verified | Should -BeTrue
        Get-Content $deny | Should -Be @('deny 192.0.2.9;')
        $consumed = Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed' | Select-Object -Last 1
        $consumed.Body.evidenceOverride | Should -Be 'scanner IP, logs rotated away'
    }
}

Describe 'recovery: patch review, staging replay, roll-forward, each with two signers and a manual approval' -Skip:(-not $hasSsh) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-recovery'
        $t = New-Team $ws
        $inc = $t.Inc; $keys = $t.Keys
        $danaSsh = Join-Path $TestDrive 'dana-recovery-ssh'
        New-DeirfTestKey -Kind Ssh -Path $danaSsh | Out-Null
        Add-DeirfIdentityProof -Responder dana -Kind Ssh -KeyPath $danaSsh -Workspace $ws -Confirm:$false | Out-Null
        $script:setRelease = Join-Path $PSScriptRoot '../../runbooks/scripts/set-release.ps1' | Resolve-Path | ForEach-Object Path
        $script:releaseSha = (Get-FileHash -Algorithm SHA256 $setRelease).Hash.ToLowerInvariant()
        $script:staging = Join-Path $TestDrive 'staging-current'
        $script:prod = Join-Path $TestDrive 'prod-current'
        Set-Content $staging 'api-2026.11.20-aaaaaaa'
        Set-Content $prod 'api-2026.11.20-aaaaaaa'
        $patch = 'acme/api@3f1c2d9'
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
        function Release([string] $Action, [string] $Target, [string] $File) {
            New-DeirfProposal -Incident $inc -Action $Action -Target $Target -Proposer bob -Workspace $ws -Parameter @{
                patch = $patch; path = $setRelease; sha256 = $releaseSha; releaseFile = $File; version = 'api-2026.11.24-3f1c2d9' }
        }
    }

    It 'a roll-forward before any review is refused: RecoveryPatchNotReviewed, production untouched' {
        $p = Release recovery.roll-forward prod $prod
        Sign $p; Approve $p
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RecoveryPatchNotReviewed,*'
        Get-Content $prod | Should -Be 'api-2026.11.20-aaaaaaa'
    }

    It 'the patch review: two signers are not enough, -Confirm:$false does not stand in for the manual approval' {
        $review = New-DeirfProposal -Incident $inc -Action recovery.patch-review -Target $patch -Parameter @{ patch = $patch } -Proposer bob -Workspace $ws
        Sign $review
        $v = $review | Test-DeirfQuorum
        $v.IsQuorumFilled | Should -BeTrue
        $v.IsMet | Should -BeFalse
        "$($v.Blockers.Blocker)" | Should -Be 'ManualApprovalMissing'
        $err = $null
        $review | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        Approve $review
        ($review | Invoke-DeirfContainment -Actor bob -Confirm:$false).Verified | Should -BeTrue
    }

    It 'roll-forward before the staging replay: RecoveryNotReplayed' {
        $p = Release recovery.roll-forward prod $prod
        Sign $p; Approve $p
        $err = $null
        $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RecoveryNotReplayed,*'
        Get-Content $prod | Should -Be 'api-2026.11.20-aaaaaaa'
    }

    It 'staging replay, then roll-forward: production runs the reviewed release, and the journal says who approved each step' {
        $s = Release recovery.staging-replay staging $staging
        Sign $s; Approve $s
        ($s | Invoke-DeirfContainment -Actor bob -Confirm:$false).Verified | Should -BeTrue
        Get-Content $staging | Should -Be 'api-2026.11.24-3f1c2d9'
        $p = Release recovery.roll-forward prod $prod
        Sign $p; Approve $p
        $r = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -WarningAction SilentlyContinue
        $r.Verified | Should -BeTrue
        Get-Content $prod | Should -Be 'api-2026.11.24-3f1c2d9'
        ($r.Before | ConvertFrom-Json).release | Should -Be 'api-2026.11.20-aaaaaaa'
        $applied = Get-DeirfContainment -Incident $inc -Workspace $ws | Where-Object Outcome -eq 'Applied'
        $applied.Action | Should -Be @('recovery.patch-review', 'recovery.staging-replay', 'recovery.roll-forward')
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.approved').Count | Should -BeGreaterOrEqual 3
    }
}
