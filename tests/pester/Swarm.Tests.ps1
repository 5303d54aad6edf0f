# Issue 25: the swarm. A P1 walked through the built module: tasks from the p1-kickoff template, responders in two
# time zones, a quorum that cannot be reached in the Berlin evening until the Berlin leads hand over to New York, and
# the tasks in the timeline, the report and the retrospective. Views are judged at fixed times (-At, -AvailableAt),
# never at the wall clock.
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $script:ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $env:DEIRF_WORKSPACE = $ws
    $keyFolder = New-Item -ItemType Directory (Join-Path $TestDrive 'keys')
    $script:keys = @{}
    $script:keys.alice = Add-DeirfTestResponder -Workspace $ws -Handle alice -Role TriageLead, ContainmentLead -KeyFolder $keyFolder
    $script:keys.bob = Add-DeirfTestResponder -Workspace $ws -Handle bob -Role ContainmentLead -KeyFolder $keyFolder -AddedBy alice
    $script:keys.carol = Add-DeirfTestResponder -Workspace $ws -Handle carol -Role ContainmentLead -KeyFolder $keyFolder -AddedBy alice
    $script:keys.dave = Add-DeirfTestResponder -Workspace $ws -Handle dave -Role TriageLead -KeyFolder $keyFolder -AddedBy alice
    foreach ($h in 'alice', 'bob', 'carol', 'dave') { Complete-DeirfRosterGenesis -Responder $h -Confirm:$false | Out-Null }
    # Tuesday 8 December 2026, 17:30 UTC: 18:30 in Berlin (off), 12:30 in New York (at work).
    $script:evening = [DateTimeOffset]::new(2026, 12, 8, 17, 30, 0, [TimeSpan]::Zero)
}

AfterAll {
    Remove-Item Env:DEIRF_WORKSPACE, Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Follow the sun: a P1 handed over from Berlin to New York' {
    It 'lets each responder declare their own hours, signed; someone else''s needs the quorum' {
        Set-DeirfResponder -Handle alice -TimeZone Europe/Berlin -WorkingHours '08:00-18:00' -WorkingDays 'Mon-Fri' -Actor alice -Confirm:$false | Out-Null
        Set-DeirfResponder -Handle bob -TimeZone Europe/Berlin -WorkingHours '08:00-18:00' -WorkingDays 'Mon-Fri' -Actor bob -Confirm:$false | Out-Null
        Set-DeirfResponder -Handle carol -TimeZone America/New_York -WorkingHours '08:00-18:00' -WorkingDays 'Mon-Fri' -Actor carol -Confirm:$false | Out-Null
        $dave = Set-DeirfResponder -Handle dave -TimeZone America/New_York -WorkingHours '08:00-18:00' -WorkingDays 'Mon-Fri' -Actor dave -Confirm:$false
        $dave.TimeZone | Should -Be 'America/New_York'
        $dave.WorkingHours | Should -Be '08:00-18:00 Mon,Tue,Wed,Thu,Fri'
        { Set-DeirfResponder -Handle bob -OnCall -Actor alice -Confirm:$false } | Should -Throw -ErrorId 'RosterChangeNeedsQuorum,DeIRF.Commands.Cmdlets.SetDeirfResponderCommand'
        { Set-DeirfResponder -Handle bob -TimeZone Mars/Olympus -Actor bob -Confirm:$false } | Should -Throw -ErrorId 'TimeZoneNotFound,DeIRF.Commands.Cmdlets.SetDeirfResponderCommand'
        (Get-DeirfResponder bob).OnCall | Should -BeFalse
        (Test-DeirfJournal -Roster -RequireSignatures).IsValid | Should -BeTrue
        (Get-DeirfResponder -AvailableAt $evening).Handle | Should -Be @('carol', 'dave')
        (Get-DeirfResponder -AvailableAt $evening.AddHours(-6)).Handle | Should -Be @('alice', 'bob')
    }

    It 'opens the P1 and seeds the kickoff tasks; tasks move through the pipeline' {
        $script:inc = (New-DeirfIncident -Title 'Drainer contract approvals on the treasury' -Reporter alice).Id
        Set-DeirfSeverity -Incident $inc -Impact High -Urgency High -Actor alice -Confirm:$false | Out-Null
        Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder alice -Actor alice -Confirm:$false
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor alice -Confirm:$false
        $seeded = @(Get-DeirfIncident $inc | New-DeirfTask -Template p1-kickoff -Actor alice -Confirm:$false)
        $seeded.Count | Should -Be 6
        $seeded.Template | Sort-Object -Unique | Should -Be 'p1-kickoff'
        $script:watch = New-DeirfTask -Incident $inc -Title 'Watch the treasury for new approvals' -Assignee alice -Due '04:00:00' -Actor alice -Confirm:$false
        $script:node = New-DeirfTask -Incident $inc -Title 'Keep the RPC node logs' -Assignee bob -Actor alice -Confirm:$false
        $watch.Id | Should -Match '^T-[0-9a-f]{8}$'
        { New-DeirfTask -Incident $inc -Title 'x' -Assignee mallory -Actor alice -Confirm:$false } | Should -Throw -ErrorId 'TaskAssigneeNotOnRoster,DeIRF.Commands.Cmdlets.NewDeirfTaskCommand'

        # bob's tasks: his own and the Containment Lead's (a role he holds in the incident).
        $mine = @(Get-DeirfTask -Incident $inc -Mine -Actor bob)
        $mine.Count | Should -Be 3
        $capture = $mine | Where-Object Title -Like 'Capture evidence*'
        $capture | Set-DeirfTask -Status InProgress -Actor bob -Confirm:$false | Out-Null
        $done = $capture | Set-DeirfTask -Status Done -Note 'disk image and RPC logs in evidence' -Actor bob -Confirm:$false
        $done.Status | Should -Be 'Done'
        $done.CompletedBy | Should -Be 'bob'
        $done.Times[0].Responder | Should -Be 'bob'
        { $done | Set-DeirfTask -Status Blocked -Actor bob -Confirm:$false } | Should -Throw -ErrorId 'TaskDone,DeIRF.Commands.Cmdlets.SetDeirfTaskCommand'
        @(Get-DeirfTask -Incident $inc -Overdue -At ([DateTimeOffset]::UtcNow.AddHours(2))).Count | Should -Be 5   # the five open kickoff tasks; the watch is due in 4 h, the logs task has no due time
        @(Get-DeirfTask -Incident $inc -Overdue).Count | Should -Be 0
        (Get-DeirfTimeline -Incident $inc | Where-Object Kind -Like 'task.*').Count | Should -Be 10
    }

    It 'cannot reach the quarantine quorum in the Berlin evening: the leads are off and New York holds no incident role' {
        $r = Test-DeirfQuorum -Reachability -Action k8s.pod.quarantine -Incident $inc -At $evening
        $r.PSObject.TypeNames[0] | Should -Be 'DeIRF.Swarm.QuorumReachability'
        $r.IsReachableNow | Should -BeFalse
        $r.CouldSign | Should -BeNullOrEmpty
        $r.EarliestAt | Should -Be ([DateTimeOffset]::new(2026, 12, 9, 7, 0, 0, [TimeSpan]::Zero))   # Wednesday 08:00 in Berlin
        $r.WaitingFor | Should -Be @('alice', 'bob')
        ($r.Candidates | Where-Object Handle -EQ carol).Reason | Should -Match 'holds no role'
        # Before the hand-off the same question at 13:00 Berlin: alice and bob are at work.
        (Test-DeirfQuorum -Reachability -Action k8s.pod.quarantine -Incident $inc -At $evening.AddHours(-4.5)).IsReachableNow | Should -BeTrue
    }

    It 'hands over: -WhatIf shows the briefing and writes nothing; then tasks and the Triage Lead role pass to New York' {
        $head = (Get-DeirfIncident $inc).HeadSeq
        # What -WhatIf says goes to the host: a transcript keeps it.
        $transcript = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -Path $transcript | Out-Null
        try { Send-DeirfHandoff -Incident $inc -To dave -Role TriageLead -Actor alice -WhatIf }
        finally { Stop-Transcript | Out-Null }
        $what = Get-Content -Raw $transcript
        $what | Should -Match 'Hand-off: P1'
        $what | Should -Match ([regex]::Escape($watch.Id))
        (Get-DeirfIncident $inc).HeadSeq | Should -Be $head

        $h = Send-DeirfHandoff -Incident $inc -To dave -Role TriageLead -Actor alice -Confirm:$false
        $h.Tasks.Id | Should -Be @($watch.Id)
        $h.Roles | Should -Be @('TriageLead')
        $h.Text | Should -Match 'Pending proposals'
        $h.Sha256 | Should -Match '^sha256:[0-9a-f]{64}$'
        (Get-DeirfTask -Incident $inc -Id $watch.Id).Assignee | Should -Be 'dave'
        (Get-DeirfIncident $inc).Roles.TriageLead | Should -Contain 'dave'

        # bob is Containment Lead but neither opened the incident nor leads triage: he passes his tasks, not the role.
        { Send-DeirfHandoff -Incident $inc -To carol -Role ContainmentLead -Actor bob -Confirm:$false } | Should -Throw -ErrorId 'HandoffRoleRefused,DeIRF.Commands.Cmdlets.SendDeirfHandoffCommand'
        (Send-DeirfHandoff -Incident $inc -To carol -Actor bob -Confirm:$false).Tasks.Id | Should -Be @($node.Id)
        # dave, Triage Lead now, names carol Containment Lead for the night.
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder carol -Actor dave -Confirm:$false
        (Get-DeirfTimeline -Incident $inc | Where-Object Kind -EQ 'handoff.sent').Count | Should -Be 2
    }

    It 'reaches the quorum in the Berlin evening after the hand-off, and the proposal is met by New York' {
        $r = Test-DeirfQuorum -Reachability -Action k8s.pod.quarantine -Incident $inc -At $evening
        $r.IsReachableNow | Should -BeTrue
        $r.CouldSign | Should -Be @('carol', 'dave')
        $r.EarliestAt | Should -Be $evening

        $log = Join-Path $TestDrive 'api.log'
        Set-Content $log 'approve(0xdrainer, max)'
        Add-DeirfEvidence -Incident $inc -Path $log -Target prod/api-7f9 -Actor carol | Out-Null
        $p = New-DeirfProposal -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer carol
        $p | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Confirm:$false | Out-Null
        $pr = $p | Test-DeirfQuorum -Reachability -At $evening
        $pr.Signed | Should -Be @('carol')
        $pr.IsReachableNow | Should -BeTrue
        $p | Add-DeirfQuorumSignature -Responder dave -KeyPath $keys.dave.Seed -Kind DidKey -Confirm:$false | Out-Null
        ($p | Test-DeirfQuorum).IsMet | Should -BeTrue
    }

    It 'shows the tasks in the report and in the retrospective, with who did them and time on task' {
        $report = Join-Path $TestDrive 'report.html'
        Export-DeirfReport -Incident $inc -Path $report | Out-Null
        $html = Get-Content -Raw $report
        $html | Should -Match '<h2>Tasks</h2>'
        $html | Should -Match 'Capture evidence from the affected systems'
        $html | Should -Match 'Time on task'
        Close-DeirfIncident -Incident $inc -Resolution 'Approvals revoked, pod quarantined' -Actor dave -Confirm:$false | Out-Null
        $retro = New-DeirfRetrospective -Incident $inc -Path (Join-Path $TestDrive 'retro.md') -Actor dave -Confirm:$false
        $md = Get-Content -Raw $retro.Path
        $md | Should -Match '### Tasks'
        $md | Should -Match "\| $([regex]::Escape($watch.Id)) \| Watch the treasury for new approvals \| dave \| Open \|"
        $md | Should -Match '@bob: .* on 1 task'
        (Test-DeirfJournal -Incident $inc -RequireSignatures).IsValid | Should -BeTrue
    }
}
