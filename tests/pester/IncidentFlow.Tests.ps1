# The incident flow of issue 5 as an on-call engineer types it: alert in, incident, severity, close, timeline.
# Alert samples: tests/DeIRF.Core.Tests/Vectors/alerts (README.md there cites each):
#   falco-event.json          — Falco documentation, "Falco Alerts" → JSON Output (https://falco.org/docs/alerts/)
#   alertmanager-webhook.json — Alertmanager webhook payload, version "4"
#                               (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config;
#                               sample: docs.rs alertmanager-webhook-types assets/sample-v4-payload.json)

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $Samples = Join-Path $PSScriptRoot '../DeIRF.Core.Tests/Vectors/alerts'
}

Describe 'Flow: alert in, incident, P1 (the issue 5 walk-through)' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        Copy-Item (Join-Path $Samples 'falco-event.json') (Join-Path $ws 'falco-event.json')
        Push-Location $ws
        try {
            $i = ConvertFrom-DeirfAlert -Path ./falco-event.json |
                New-DeirfIncident -Reporter alice |
                Set-DeirfSeverity -Impact High -Urgency High -Actor bob -PassThru
        }
        finally { Pop-Location }
        $bytes = [IO.File]::ReadAllBytes((Join-Path $Samples 'falco-event.json'))
        $sha = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
    }

    It 'opens one incident titled after the Falco rule, and it is P1' {
        @($i).Count | Should -Be 1
        $i.Title | Should -Be 'Write below binary dir'
        $i.Severity | Should -Be 'P1'
        $i.Impact | Should -Be 'High'
        $i.Urgency | Should -Be 'High'
        $i.Reporter | Should -Be 'alice'
        $i.Tags | Should -Contain 'falco'
    }

    It 'records the alert source, event time and SHA-256 of the original bytes in the genesis entry' {
        $i.AlertSource | Should -Be 'falco/syscall'
        $i.AlertTime | Should -Be ([datetimeoffset]::Parse('2017-10-09T23:31:56.746Z', [cultureinfo]::InvariantCulture))
        $i.AlertSha256 | Should -Be $sha
        $genesis = Get-DeirfJournal -Incident $i.Id -Workspace $ws | Select-Object -First 1
        $genesis.StatementJson | Should -Match $sha
    }

    It 'keeps the raw alert as evidence: byte for byte, read-only, in the write-once store, with a custody entry' {
        $i.AlertPath | Should -Exist
        $i.AlertPath | Should -BeLike (Join-Path $ws 'evidence*')
        (Get-FileHash -Algorithm SHA256 $i.AlertPath).Hash.ToLowerInvariant() | Should -Be $sha
        (Get-Item $i.AlertPath).IsReadOnly | Should -BeTrue
        $ev = Get-DeirfEvidence -Incident $i.Id -Workspace $ws
        $ev.Sha256 | Should -Be $sha
        $ev.Target | Should -Be 'alert'
        $ev.Collector | Should -Be 'alice'
        (Test-DeirfEvidence -Incident $i.Id -Workspace $ws).IsValid | Should -BeTrue
    }

    It 'journals the severity with who set it' {
        $e = Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind 'severity.set'
        $e.Actor | Should -Be 'bob'
        $e.Body.severity | Should -Be 'P1'
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws).IsValid | Should -BeTrue
    }

    It 'shows Sev in the incident table' {
        Get-DeirfIncident -Workspace $ws | Format-Table | Out-String -Width 200 | Should -Match 'Sev[\s\S]*P1'
    }
}

Describe 'Flow: P1 brings T-minus deadlines and the kickoff message' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $before = [DateTimeOffset]::UtcNow
        $i = New-DeirfIncident -Title 'Deploy key in a public gist' -Reporter alice -Workspace $ws
        $info = $i | Set-DeirfSeverity -Impact High -Urgency High -Actor bob -Reason 'prod key' -PassThru 6>&1
        $i | Grant-DeirfIncidentRole -Role CommsLead -Responder carol -Actor alice   # the opener names the roles (docs/identities.md)
    }

    It 'sets triage, first-comms and containment from the default policy, in UTC, in the same write as the severity' {
        $d = Get-DeirfDeadline -Incident $i.Id -Workspace $ws
        ($d.Name | Sort-Object) -join ',' | Should -Be 'containment,first-comms,triage'
        $c = $d | Where-Object Name -eq containment
        ($c.Due - $before).TotalMinutes | Should -BeGreaterOrEqual 59.9
        ($c.Due - $before).TotalMinutes | Should -BeLessThan 62
        $c.Due.Offset | Should -Be ([TimeSpan]::Zero)
        $e = Get-DeirfJournal -Incident $i.Id -Workspace $ws
        $sev = $e | Where-Object Kind -eq 'severity.set'
        @($e | Where-Object { $_.Kind -eq 'deadline.set' -and $_.Seq -in ($sev.Seq + 1)..($sev.Seq + 3) }).Count | Should -Be 3
    }

    It 'renders kickoff.md beside the journal and says so' {
        ($info | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).MessageData | Should -Match 'kickoff message rendered'
        $file = Join-Path $ws "incidents/$($i.Id)/kickoff.md"
        $file | Should -Exist
        Get-Content -Raw $file | Should -Match "# P1 $($i.Id): Deploy key in a public gist"
    }

    It 'New-DeirfKickoffMessage renders the current state: leads, T-minus, journal head' {
        $text = $i | New-DeirfKickoffMessage -ChannelName '#inc-gist'
        $text | Should -BeOfType [string]
        $text | Should -Match '\| Comms Lead \| @carol \|'
        $text | Should -Match '\| Triage Lead \| \*\*UNASSIGNED'
        $text | Should -Match '\| T-(29|30)m \| First update'
        $text | Should -Match '#inc-gist \(this channel'
        $head = Test-DeirfJournal -Incident $i.Id -Workspace $ws
        $text | Should -Match "entry \*\*#$($head.HeadSeq)\*\*, hash ``$($head.HeadHash)``"
    }

    It '-AsOf past the first-comms deadline shows it overdue' {
        $due = (Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Name first-comms).Due
        $text = New-DeirfKickoffMessage -Incident $i.Id -Workspace $ws -AsOf $due.AddMinutes(7)
        $text | Should -Match '\| T\+7m OVERDUE \| First update'
    }

    It 'a workspace template is not used (a warning says where overrides live); this machine''s override is; a broken one is TemplateParseError naming the line' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'the override folder is %APPDATA%\DeIRF, not settable per test' ; return }
        # Issue 18: templates/ travels through sync, so a pushed template would speak for the team; only this machine's count.
        New-Item -ItemType Directory (Join-Path $ws 'templates') | Out-Null
        Set-Content -Path (Join-Path $ws 'templates/incident-kickoff.md') -Value '<!channel> all clear {{ incident.id }}' -NoNewline
        $saved = $env:XDG_CONFIG_HOME
        $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
        try {
            $text = New-DeirfKickoffMessage -Incident $i.Id -Workspace $ws -WarningVariable warn -WarningAction SilentlyContinue
            $text | Should -Not -Match 'all clear'
            $text | Should -Match ([regex]::Escape($i.Id))
            "$warn" | Should -Match ([regex]::Escape((Join-Path $TestDrive 'config/deirf/templates')))
            $local = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'config/deirf/templates')
            Set-Content -Path (Join-Path $local 'incident-kickoff.md') -Value 'ours {{ incident.id }}' -NoNewline
            New-DeirfKickoffMessage -Incident $i.Id -Workspace $ws -WarningAction SilentlyContinue | Should -Be "ours $($i.Id)"
            Set-Content (Join-Path $local 'incident-kickoff.md') "line 1`nline 2`n{{ if }}"
            $err = $null
            New-DeirfKickoffMessage -Incident $i.Id -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'TemplateParseError*'
            $err[0].TargetObject | Should -BeLike '*incident-kickoff.md:3:*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        }
        finally {
            $env:XDG_CONFIG_HOME = $saved
            Remove-Item -Recurse (Join-Path $ws 'templates'), (Join-Path $TestDrive 'config') -ErrorAction SilentlyContinue
        }
    }

    It 'raising again to P1 sets nothing new; -WhatIf sets no deadline' {
        $n = @(Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count
        $j = New-DeirfIncident -Title 'other' -Reporter alice -Workspace $ws
        $j | Set-DeirfSeverity -Impact High -Urgency High -Actor bob -WhatIf
        @(Get-DeirfDeadline -Incident $j.Id -Workspace $ws).Count | Should -Be 0
        $i | Set-DeirfSeverity -Impact High -Urgency High -Actor bob
        @(Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count | Should -Be ($n + 1)
    }

    It 'a malformed deadline-policy.json: DeadlinePolicyInvalid, nothing written' {
        $j = New-DeirfIncident -Title 'policy' -Reporter alice -Workspace $ws
        Set-Content (Join-Path $ws 'deadline-policy.json') '{"P1":{"triage":"soon"}}'
        try {
            $err = $null
            $j | Set-DeirfSeverity -Impact High -Urgency High -Actor bob -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'DeadlinePolicyInvalid*'
            @(Get-DeirfJournal -Incident $j.Id -Workspace $ws).Count | Should -Be 1
        }
        finally { Remove-Item (Join-Path $ws 'deadline-policy.json') }
    }
}

Describe 'Flow: ConvertFrom-DeirfAlert reads the three shapes' {
    It 'Falco documentation example: priority Error suggests Medium impact, High urgency' {
        $a = ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'falco-event.json')
        $a.Format | Should -Be 'falco'
        $a.SuggestedImpact | Should -Be 'Medium'
        $a.SuggestedUrgency | Should -Be 'High'
        $a.EventTime.Offset | Should -Be ([TimeSpan]::Zero)
        $a.RawText | Should -Match '1507591916746609046'
    }

    It 'Falco JSON lines: one alert per line' {
        @(ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'falco-events.jsonl')).Count | Should -Be 2
    }

    It 'Alertmanager webhook v4: title from the summary, severity critical suggests High/High' {
        $a = ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'alertmanager-webhook.json')
        $a.Format | Should -Be 'alertmanager'
        $a.Title | Should -Be 'BlackBox Probe Failure: https://server.example.org'
        $a.Source | Should -Be 'alertmanager/sms'
        $a.SuggestedImpact | Should -Be 'High'
        $a.SuggestedUrgency | Should -Be 'High'
        $a.Link | Should -Match '^http://prometheus.example.org:9090/'
    }

    It 'generic JSON from a piped string' {
        $a = '{"title":"Treasury withdrawal above limit","time":"2026-11-24T17:02:00Z","source":"chain-monitor","severity":"critical"}' | ConvertFrom-DeirfAlert
        $a.Title | Should -Be 'Treasury withdrawal above limit'
        $a.Source | Should -Be 'chain-monitor'
        $a.SuggestedImpact | Should -Be 'High'
    }

    It 'objects from ConvertFrom-Json and files from Get-ChildItem' {
        $o = Get-Content -Raw (Join-Path $Samples 'alertmanager-webhook.json') | ConvertFrom-Json
        ($o | ConvertFrom-DeirfAlert).Format | Should -Be 'alertmanager'
        @(Get-ChildItem (Join-Path $Samples '*.json') | ConvertFrom-DeirfAlert).Count | Should -Be 2
    }

    It 'prints as a table' {
        ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'alertmanager-webhook.json') | Format-Table | Out-String -Width 200 |
            Should -Match 'Format\s+Event \(UTC\)\s+Impact\s+Urgency\s+Source\s+Title'
    }
}

Describe 'Flow: alert text does not speak for us on the console (issue 18 finding 3)' {
    It 'an Alertmanager summary with escape sequences and a fake line opens an incident whose views print one plain line' {
        $ws = Join-Path $TestDrive 'ws-hostile'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $e = [char]27
        # Sets the window title, clears the screen, homes the cursor, prints a green fake "all clear" on a line of its own.
        $summary = "Disk 91% on db-1`n$e]0;ALL CLEAR$([char]7)$e[2J$e[H$e[32mRESOLVED: all clear$e[0m `u{202E}txt.exe"
        $payload = @{ version = '4'; groupKey = 'g'; status = 'firing'; receiver = 'ops'
            alerts = @(@{ status = 'firing'; labels = @{ alertname = 'DiskFull' }; annotations = @{ summary = $summary }; startsAt = '2031-03-04T05:06:07Z' }) } |
            ConvertTo-Json -Depth 5
        $inc = $payload | ConvertFrom-DeirfAlert | New-DeirfIncident -Reporter alice -Workspace $ws
        foreach ($text in @(
                (Get-DeirfIncident -Workspace $ws | Format-Table | Out-String -Width 300),
                (Get-DeirfIncident -Workspace $ws | Format-List | Out-String -Width 300),
                (Get-DeirfTimeline -Incident $inc.Id -Workspace $ws | Out-String -Width 300),
                (Get-DeirfJournal -Incident $inc.Id -Workspace $ws | Out-String -Width 300))) {
            $text | Should -Not -Match ([regex]::Escape("$e"))
            $text | Should -Not -Match "`u{202E}"
            # The fake "RESOLVED" line never starts a line of its own.
            $text | Should -Not -Match '(?m)^\s*RESOLVED'
        }
        $inc.Title | Should -Be 'Disk 91% on db-1 RESOLVED: all clear txt.exe'
    }

    It 'a typed title with an escape sequence is refused: InvalidStatement, nothing opened' {
        $ws = Join-Path $TestDrive 'ws-typed'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        { New-DeirfIncident -Title "ok$([char]27)]0;pwned$([char]7)" -Reporter alice -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidStatement*'
        @(Get-DeirfIncident -Workspace $ws).Count | Should -Be 0
    }
}

Describe 'Flow: malformed alerts name the field and open nothing' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-bad'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
    }

    It '<Case>: AlertInvalid naming <Field>' -ForEach @(
        @{ Case = 'Falco without priority'; Json = '{"output":"x","rule":"Write below binary dir","time":"2017-10-09T23:31:56.746609046Z"}'; Field = 'priority' }
        @{ Case = 'Falco with a bad time'; Json = '{"rule":"r","priority":"Error","time":"yesterday"}'; Field = 'time' }
        @{ Case = 'Alertmanager v3'; Json = '{"version":"3","alerts":[]}'; Field = 'version' }
        @{ Case = 'Alertmanager alert without alertname'; Json = '{"version":"4","alerts":[{"labels":{},"startsAt":"2023-02-06T13:08:45Z"}]}'; Field = 'alerts[0].labels.alertname' }
        @{ Case = 'generic without title'; Json = '{"time":"2026-11-24T17:02:00Z"}'; Field = 'title' }
    ) {
        $before = @(Get-DeirfIncident -Workspace $ws).Count
        $Json | ConvertFrom-DeirfAlert -ErrorVariable err -ErrorAction SilentlyContinue | New-DeirfIncident -Reporter alice -Workspace $ws
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'AlertInvalid,DeIRF.Commands.Cmdlets.ConvertFromDeirfAlertCommand'
        $err[0].Exception.Field | Should -Be $Field
        $err[0].Exception.Message | Should -Match ([regex]::Escape("'$Field'"))
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        @(Get-DeirfIncident -Workspace $ws).Count | Should -Be $before
    }

    It 'a bad file among good ones: an error naming the file, the good ones still come out' {
        $bad = Join-Path $TestDrive 'bad.json'
        Set-Content -Path $bad -Value '{"title":"x"}'
        $out = ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'falco-event.json'), $bad -ErrorVariable err -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $err[0].TargetObject | Should -Be $bad
        $err[0].Exception.Field | Should -Be 'time'
    }

    It 'a missing file: AlertFileNotFound' {
        ConvertFrom-DeirfAlert -Path (Join-Path $TestDrive 'nope.json') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^AlertFileNotFound,'
    }
}

Describe 'Flow: severity matrix' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-matrix'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
    }

    It 'the default: nine cells, High/High is P1, Low/Low is P4' {
        $m = Get-DeirfSeverityMatrix -Workspace $ws
        $m.Count | Should -Be 9
        ($m | Where-Object { $_.Impact -eq 'High' -and $_.Urgency -eq 'High' }).Severity | Should -Be 'P1'
        ($m | Where-Object { $_.Impact -eq 'Low' -and $_.Urgency -eq 'Low' }).Severity | Should -Be 'P4'
        $m[0].Origin | Should -Be 'default'
    }

    It 'severity-matrix.json at the workspace root overrides it, and Set-DeirfSeverity uses it' {
        '{"High":{"High":"P1","Medium":"P1","Low":"P2"},"Medium":{"High":"P2","Medium":"P3","Low":"P4"},"Low":{"High":"P3","Medium":"P4","Low":"P4"}}' |
            Set-Content (Join-Path $ws 'severity-matrix.json')
        try {
            (Get-DeirfSeverityMatrix -Workspace $ws | Where-Object { $_.Impact -eq 'High' -and $_.Urgency -eq 'Medium' }).Severity | Should -Be 'P1'
            (Get-DeirfSeverityMatrix -Workspace $ws -Default | Where-Object { $_.Impact -eq 'High' -and $_.Urgency -eq 'Medium' }).Severity | Should -Be 'P2'
            $i = New-DeirfIncident -Title 'matrix' -Reporter alice -Workspace $ws
            ($i | Set-DeirfSeverity -Impact High -Urgency Medium -Actor bob -Reason 'customer data' -PassThru).Severity | Should -Be 'P1'
            (Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind 'severity.set').Body.reason | Should -Be 'customer data'
        }
        finally { Remove-Item (Join-Path $ws 'severity-matrix.json') }
    }

    It 'an incomplete matrix file: SeverityMatrixInvalid naming the cell, nothing written' {
        $i = New-DeirfIncident -Title 'bad matrix' -Reporter alice -Workspace $ws
        '{"High":{"High":"P1","Medium":"P1"},"Medium":{"High":"P2","Medium":"P3","Low":"P4"},"Low":{"High":"P3","Medium":"P4","Low":"P4"}}' |
            Set-Content (Join-Path $ws 'severity-matrix.json')
        try {
            $i | Set-DeirfSeverity -Impact High -Urgency High -Actor bob -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'SeverityMatrixInvalid,DeIRF.Commands.Cmdlets.SetDeirfSeverityCommand'
            $err[0].TargetObject | Should -Be 'High.Low'
            (Get-DeirfIncident -Incident $i.Id -Workspace $ws).EntryCount | Should -Be 1
        }
        finally { Remove-Item (Join-Path $ws 'severity-matrix.json') }
    }

    It 'an impact outside the set is refused by the parameter' {
        { Set-DeirfSeverity -Incident 'INC-20990101-FFFF' -Impact Huge -Urgency High -Actor bob -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,DeIRF.Commands.Cmdlets.SetDeirfSeverityCommand'
    }

    It '-WhatIf writes nothing' {
        $i = New-DeirfIncident -Title 'whatif' -Reporter alice -Workspace $ws
        $i | Set-DeirfSeverity -Impact High -Urgency High -Actor bob -WhatIf
        (Get-DeirfIncident -Incident $i.Id -Workspace $ws).Severity | Should -BeNullOrEmpty
    }
}

Describe 'Flow: close and the 72 h retrospective clock' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-close'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'API keys leaked in public repo' -Reporter alice -Workspace $ws
        $c = Close-DeirfIncident -Incident $i.Id -Resolution 'Keys rotated' -Actor bob -Workspace $ws -PassThru
    }

    It 'State Closed, Closed time, RetroDue 72 h later' {
        $c.State | Should -Be 'Closed'
        $c.Resolution | Should -Be 'Keys rotated'
        ($c.RetroDue - $c.Closed) | Should -Be ([TimeSpan]::FromHours(72))
    }

    It 'notes after close are still allowed, and the incident stays closed' {
        Add-DeirfNote -Incident $i.Id -Text 'retro booked' -Actor carol -Workspace $ws
        $after = Get-DeirfIncident -Incident $i.Id -Workspace $ws
        $after.State | Should -Be 'Closed'
        $after.EntryCount | Should -Be 3
    }

    It 'a second close: IncidentAlreadyClosed, nothing written' {
        Close-DeirfIncident -Incident $i.Id -Resolution 'again' -Actor bob -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'IncidentAlreadyClosed,DeIRF.Commands.Cmdlets.CloseDeirfIncidentCommand'
        (Get-DeirfIncident -Incident $i.Id -Workspace $ws).EntryCount | Should -Be 3
    }

    It 'new incidents keep opening through the pipeline' {
        $n = ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'alertmanager-webhook.json') | New-DeirfIncident -Reporter alice -Workspace $ws
        $n.State | Should -Be 'Open'
    }

    It '-WhatIf closes nothing' {
        $o = New-DeirfIncident -Title 'open' -Reporter alice -Workspace $ws
        $o | Close-DeirfIncident -Resolution 'x' -Actor bob -WhatIf
        (Get-DeirfIncident -Incident $o.Id -Workspace $ws).State | Should -Be 'Open'
    }
}

Describe 'Flow: Get-DeirfTimeline' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-timeline'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = ConvertFrom-DeirfAlert -Path (Join-Path $Samples 'falco-event.json') | New-DeirfIncident -Reporter alice -Workspace $ws
        Add-DeirfNote -Incident $i.Id -Text 'looking at the host' -Actor alice -Workspace $ws
        $i | Set-DeirfSeverity -Impact High -Urgency High -Actor bob -Reason 'prod host'
        $i | Close-DeirfIncident -Resolution 'Binary removed, host rebuilt' -Actor bob
        $t = $i | Get-DeirfTimeline
    }

    It 'one line per entry, every kind, in time order' {
        # The alert's custody entry follows the genesis; P1 brings its three default deadlines in the same write.
        $t.Kind | Should -Be @('incident.opened', 'evidence.added', 'note', 'severity.set', 'deadline.set', 'deadline.set', 'deadline.set', 'incident.closed')
        $t.Actor | Should -Be @('alice', 'alice', 'alice', 'bob', 'bob', 'bob', 'bob', 'bob')
        $t.Seq | Should -Be @(0..7)
        for ($k = 1; $k -lt $t.Count; $k++) { $t[$k].Time | Should -BeGreaterOrEqual $t[$k - 1].Time }
    }

    It 'readable summaries and phases with durations' {
        $t[3].Summary | Should -Be 'Severity P1 (impact High, urgency High): prod host'
        $t[4].Summary | Should -BeLike 'Deadline * due *Z (default for P1 (default))'
        $t[7].Summary | Should -Be 'Closed: Binary removed, host rebuilt'
        $t.Phase | Should -Be @('Opened', 'Opened', 'Opened', 'Triaged', 'Triaged', 'Triaged', 'Triaged', 'Closed')
        $t.IsPhaseChange | Should -Be @($true, $false, $false, $true, $false, $false, $false, $true)
        $t[0].SinceOpened | Should -Be ([TimeSpan]::Zero)
        $t[7].SinceOpened | Should -BeGreaterOrEqual $t[3].SinceOpened
        $t[7].SincePhaseChange | Should -Be ($t[7].Time - $t[3].Time)
    }

    It 'prints as a table' {
        # 80 columns: the time in the phase is in the list view (SincePhaseChange), the table keeps the summary readable.
        $t | Format-Table | Out-String -Width 80 | Should -Match 'Time \(UTC\)\s+T\+\s+Phase\s+Kind\s+Actor\s+Summary'
        $t[7] | Format-List | Out-String | Should -Match 'SincePhaseChange\s+:'
    }

    It 'unknown incident: IncidentNotFound' {
        Get-DeirfTimeline -Incident 'INC-20990101-FFFF' -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,DeIRF.Commands.Cmdlets.GetDeirfTimelineCommand'
    }
}

Describe 'Flow: the issue 5 walk-through, verbatim, with $env:DEIRF_ACTOR naming who types' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-verbatim'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        Copy-Item (Join-Path $Samples 'falco-event.json') (Join-Path $ws 'falco-event.json')
        New-Item -ItemType Directory (Join-Path $ws 'pod-logs') | Out-Null
        Set-Content (Join-Path $ws 'pod-logs/app.log') 'GET /admin 200'
        Set-Content (Join-Path $ws 'pod-logs/audit.log') 'exec /bin/sh in api-7f9'
        $savedActor = $env:DEIRF_ACTOR
        $env:DEIRF_ACTOR = 'bob'
        Push-Location $ws
    }
    AfterAll {
        Pop-Location
        $env:DEIRF_ACTOR = $savedActor
    }

    It 'runs the issue''s pipeline as written, and every step is journaled with its actor' {
        ConvertFrom-DeirfAlert -Path ./falco-event.json |
            New-DeirfIncident -Reporter alice |
            Set-DeirfSeverity -Impact High -Urgency High -PassThru |
            Grant-DeirfIncidentRole -Role TriageLead -Responder bob -PassThru |
            Add-DeirfEvidence -Path ./pod-logs/ -Target prod/api-7f9 -Actor alice
        $all = @(Get-DeirfIncident)
        $all | Should -HaveCount 1
        $id = $all[0].Id
        $ev = Get-DeirfEvidence -Incident $id
        ($ev | Where-Object Target -eq 'prod/api-7f9').Name | Sort-Object | Should -Be @('app.log', 'audit.log')
        ($ev | Where-Object Target -eq 'alert').Collector | Should -Be 'alice'
        $i = Get-DeirfIncident -Id $id
        $i.Severity | Should -Be 'P1'
        $i.Roles['TriageLead'] | Should -Be @('bob')
        (Get-DeirfJournal -Incident $id -Kind 'severity.set').Actor | Should -Be 'bob'
        ((Get-DeirfJournal -Incident $id -Kind 'evidence.added').Actor | Sort-Object -Unique) | Should -Be @('alice')
        $kick = New-DeirfKickoffMessage -Incident $id
        $kick | Should -Match "# P1 $id"
        (Get-DeirfDeadline -Incident $id).Name | Should -Contain 'containment'
        @(Get-DeirfTimeline -Incident $id).Count | Should -Be @(Get-DeirfJournal -Incident $id).Count
        $closed = Close-DeirfIncident -Incident $id -Resolution 'Keys rotated' -PassThru
        $closed.State | Should -Be 'Closed'
        ($closed.RetroDue - $closed.Closed) | Should -Be ([TimeSpan]::FromHours(72))
        (Get-DeirfJournal -Incident $id -Kind 'incident.closed').Actor | Should -Be 'bob'
    }

    It 'with neither -Actor nor $env:DEIRF_ACTOR: ActorMissing, nothing written' {
        $id = (New-DeirfIncident -Title 'who?' -Reporter alice).Id
        $n = @(Get-DeirfJournal -Incident $id).Count
        $env:DEIRF_ACTOR = ''
        try {
            $err = $null
            Set-DeirfSeverity -Incident $id -Impact Low -Urgency Low -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'ActorMissing,DeIRF.Commands.Cmdlets.SetDeirfSeverityCommand'
            $err[0].Exception.Message | Should -Match 'DEIRF_ACTOR'
        }
        finally { $env:DEIRF_ACTOR = 'bob' }
        @(Get-DeirfJournal -Incident $id).Count | Should -Be $n
    }
}
