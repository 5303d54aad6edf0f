BeforeDiscovery {
    # -Skip is decided at discovery: a missing tool skips here, and fails the run under CI=true.
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

    function New-SshKey([string] $Name) { New-DeirfTestKey Ssh (Join-Path $TestDrive $Name) }
    function New-Seed([string] $Name) { New-DeirfTestKey DidKey (Join-Path $TestDrive $Name) }
}

AfterAll {
    Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Quorum-signed proposals (issue 6), the way the issue''s user lines drive them' -Skip:(-not $hasSsh) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $env:DEIRF_WORKSPACE = $ws
        $script:keys = @{}
        foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' }, @{ H = 'dana'; R = 'TriageLead' })) {
            New-DeirfResponder -Handle $r.H -Name $r.H.ToUpper() -Role $r.R | Out-Null
            $ssh = New-SshKey "$($r.H)-ssh-key"
            $seed = New-Seed "$($r.H).seed"
            Add-DeirfIdentityProof -Responder $r.H -Kind Ssh -KeyPath $ssh -Confirm:$false | Out-Null
            Add-DeirfIdentityProof -Responder $r.H -Kind DidKey -KeyPath $seed -Confirm:$false | Out-Null
            $script:keys[$r.H] = @{ Ssh = $ssh; Seed = $seed }
        }
        $script:inc = (New-DeirfIncident -Title 'Pod compromise' -Reporter bob).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Confirm:$false
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder carol -Actor bob -Confirm:$false
        Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder dana -Actor bob -Confirm:$false
        $log = Join-Path $TestDrive 'api.log'
        Set-Content $log 'GET /admin 200'
        Add-DeirfEvidence -Incident $inc -Path $log -Target prod/api-7f9 -Actor bob | Out-Null
    }
    AfterAll { Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue }

    It 'proposes, shows the digest in the payload file, signs with ssh-keygen and -KeyPath, and meets the quorum' {
        $p = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob
        $p.Id | Should -Match '^[0-9a-f]{64}$'
        Push-Location $TestDrive
        try {
            $payload = $p | Get-DeirfSigningPayload -OutFile prop.txt
            $payload.Digest | Should -Be $p.Id
            (Get-Content prop.txt)[0..1] | Should -Be @('DeIRF-proposal-v1', "proposal: $($p.Id)")
            & ssh-keygen -q -Y sign -n deirf -f $keys.carol.Ssh prop.txt 2>$null
            $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath prop.txt.sig -Confirm:$false | Out-Null
        }
        finally { Pop-Location }
        (Test-DeirfQuorum -Incident $inc -Proposal $p.Id).IsMet | Should -BeFalse
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Ssh -Confirm:$false | Out-Null

        $v = $p | Test-DeirfQuorum

        $v.IsMet | Should -BeTrue
        $v.Persons | Should -Be @('carol', 'bob')
        $v.Signatures.Reason | ForEach-Object { "$_" } | Should -Be @('Counted', 'Counted')
        ($v | Out-String) | Should -Match 'Counted'
        (Get-DeirfProposal -Incident $inc).Id | Should -Contain $p.Id
    }

    It 'refuses a second signature of the same person (other proof kind) with DuplicatePerson, writing nothing' {
        $p = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer dana
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Ssh -Confirm:$false | Out-Null
        $before = @(Get-DeirfJournal -Incident $inc).Count

        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null

        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumSignatureRefused,*'
        "$($err[0].Exception.Reason)" | Should -Be 'DuplicatePerson'
        @(Get-DeirfJournal -Incident $inc).Count | Should -Be $before
    }

    It 'refuses an ssh-keygen signature made in another namespace' {
        $p = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob
        Push-Location $TestDrive
        try {
            $p | Get-DeirfSigningPayload -OutFile git.txt | Out-Null
            & ssh-keygen -q -Y sign -n git -f $keys.carol.Ssh git.txt 2>$null
            $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath git.txt.sig -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        }
        finally { Pop-Location }
        "$($err[0].Exception.Reason)" | Should -Be 'BadSignature'
        $err[0].Exception.Message | Should -Match "namespace 'git' is not 'deirf'"
    }

    It 'refuses a signer who was shown another target for the same digest' {
        $p = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob
        Push-Location $TestDrive
        try {
            $text = ($p | Get-DeirfSigningPayload).Text -replace 'target: prod/api-7f9', 'target: staging/api-7f9'
            [IO.File]::WriteAllText((Join-Path $TestDrive 'shown.txt'), $text)
            & ssh-keygen -q -Y sign -n deirf -f $keys.carol.Ssh shown.txt 2>$null
            $p | Add-DeirfQuorumSignature -Responder carol -SignaturePath shown.txt.sig -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
        }
        finally { Pop-Location }
        "$($err[0].Exception.Reason)" | Should -Be 'PayloadMismatch'
    }

    It 'keeps recovery behind a manual approval that -Confirm:$false alone cannot give' {
        $p = New-DeirfProposal -Incident $inc -Action recovery.rollforward -Target release-42 -Proposer dana
        $p | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Confirm:$false | Out-Null
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Confirm:$false | Out-Null
        $v = $p | Test-DeirfQuorum
        $v.IsQuorumFilled | Should -BeTrue
        "$($v.Blockers.Blocker)" | Should -Be 'ManualApprovalMissing'

        Push-Location $TestDrive
        try {
            # The quorum payload signed and offered as an approval: refused.
            $p | Get-DeirfSigningPayload -OutFile quorum.txt | Out-Null
            & ssh-keygen -q -Y sign -n deirf -f $keys.carol.Ssh quorum.txt 2>$null
            $p | Approve-DeirfProposal -Responder carol -SignaturePath quorum.txt.sig -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err | Out-Null
            "$($err[0].Exception.Reason)" | Should -Be 'PayloadMismatch'
            # No signature at all: -Confirm:$false does not stand in for -SignaturePath.
            { $p | Approve-DeirfProposal -Responder carol -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'MissingMandatoryParameter,DeIRF.Commands.Cmdlets.ApproveDeirfProposalCommand'
            ($p | Test-DeirfQuorum).IsMet | Should -BeFalse

            $p | Get-DeirfSigningPayload -Approval -OutFile approve.txt | Out-Null
            & ssh-keygen -q -Y sign -n deirf -f $keys.carol.Ssh approve.txt 2>$null
            $p | Approve-DeirfProposal -Responder carol -SignaturePath approve.txt.sig -Confirm:$false | Out-Null
        }
        finally { Pop-Location }
        $v = $p | Test-DeirfQuorum
        $v.IsMet | Should -BeTrue
        $v.Approvers | Should -Be @('carol')
    }

    It 'shows the policy rule for an action, and a candidate policy''s digest' {
        $rule = Get-DeirfQuorumPolicy -Action k8s.pod.quarantine
        $rule.Action | Should -Be 'k8s.*'
        $rule.EvidenceRequired | Should -BeTrue
        $doc = Join-Path $TestDrive 'policy.json'
        Set-Content $doc '{"version":1,"rules":[{"action":"k8s.*","require":{"all":[{"count":2,"roles":["ContainmentLead"]},{"count":1,"roles":["TriageLead"]}]}}]}'
        (Get-DeirfQuorumPolicy -Path $doc).Sha256 | Should -Match '^[0-9a-f]{64}$'
        (Get-DeirfQuorumPolicy).Source | Should -Be 'default'
    }
}
