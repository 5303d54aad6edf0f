# Issue 10 part A through the BUILT module: the drill scenarios (the README's main job), Start-DeirfDrill's scorecard
# and DrillDeadlineMissed, Register-DeirfDrill's printed schedules, the retrospective, rewards and the disclosure text
# with inclusion proofs. Scenario keys are made at drill time; real services (the API-server fake, named) run on
# 127.0.0.1 and are stopped by PID inside the scenario scripts.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (-not (Get-Command named -ErrorAction SilentlyContinue) -and (Test-Path /usr/sbin/named)) { $env:PATH = "$env:PATH$([IO.Path]::PathSeparator)/usr/sbin" }
    $hasBind = (Test-DeirfTool named) -and (Test-DeirfTool dig)
    $hasMonitoring = (Test-DeirfTool prometheus) -and (Test-DeirfTool prometheus-alertmanager)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    if (-not (Get-Command named -ErrorAction SilentlyContinue) -and (Test-Path /usr/sbin/named)) { $env:PATH = "$env:PATH$([IO.Path]::PathSeparator)/usr/sbin" }
    $script:Drills = Join-Path $PSScriptRoot '../../runbooks/drills' | Resolve-Path | ForEach-Object Path
    $script:SavedSigning = $env:DEIRF_SIGNING_CONFIG
    # A scenario script run on its own, as a scheduler or a team member runs it.
    function Invoke-DrillScript([string] $Scenario, [string[]] $Arguments) {
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $out = & $pwsh @pre -NoProfile -NonInteractive -File (Join-Path $Drills "$Scenario.ps1") -ModulePath (Get-DeirfTestModulePath) @Arguments 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out }
    }
    function Get-DrillIncident([string] $Ws) { Get-DeirfIncident -Workspace $Ws | Select-Object -First 1 }
}

AfterAll { $env:DEIRF_SIGNING_CONFIG = $SavedSigning }

Describe 'leaked-key, the default drill: the whole flow, no external service' {
    It 'the script on its own passes: every phase met, exit 0, keys gone, workspace kept with a drill incident' {
        $ws = Join-Path $TestDrive 'drill-ok'
        $r = Invoke-DrillScript leaked-key @('-Workspace', $ws)
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'Drill passed: 9 phases'
        $r.Output | Should -Not -Match 'MISSED|FAILED'
        Test-Path "$ws.keys" | Should -BeFalse
        $i = Get-DrillIncident $ws
        $i.IsDrill | Should -BeTrue
        $i.State | Should -Be 'Closed'
        $i.AlertSource | Should -Be 'leak-scanner'
        (Get-DeirfJournal -Incident $i.Id -Workspace $ws | Select-Object -First 1).Body.drill | Should -BeTrue
        $kinds = (Get-DeirfJournal -Incident $i.Id -Workspace $ws).Kind
        foreach ($k in 'incident.opened', 'severity.set', 'role.granted', 'evidence.added', 'proposal.created', 'proposal.signed',
            'containment.applied', 'proposal.approved', 'reward.recorded', 'incident.closed', 'retro.written') { $kinds | Should -Contain $k }
        (Get-DeirfDeadline -Incident $i.Id -Workspace $ws -Name retrospective).Met | Should -BeTrue
        Test-Path (Join-Path $ws "retro-$($i.Id).md") | Should -BeTrue
    }

    It 'the script with -InjectDelaySeconds misses its triage deadline: exit 1, the phase named' {
        $r = Invoke-DrillScript leaked-key @('-Workspace', (Join-Path $TestDrive 'drill-late'), '-TargetScale', '0.01', '-InjectDelaySeconds', '1.5')
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Match 'Triage\s+[\d.]+\s+[\d.]+\s+triage: MISSED\s+MISSED'
        $r.Output | Should -Match 'Drill FAILED: .*Triage'
    }

    It 'Start-DeirfDrill returns the scorecard objects, every phase met' {
        $ws = Join-Path $TestDrive 'drill-cmdlet'
        $card = Start-DeirfDrill -Scenario leaked-key -Workspace $ws
        $card.Count | Should -Be 9
        $card[0].PSObject.TypeNames[0] | Should -Be 'DeIRF.Drills.DrillPhaseResult'
        $card.Phase | Should -Be @('Roster', 'Detect', 'Triage', 'Evidence', 'Contain', 'Re-key', 'Recover', 'Close', 'Verify')
        $card.Result | Sort-Object -Unique | Should -Be 'met'
        ($card | Where-Object Phase -eq 'Contain').Deadline | Should -Be 'containment: met'
        ($card | Out-String) | Should -Match 'Phase\s+Seconds\s+Target\s+Deadline\s+Result'
        (Get-DrillIncident $ws).IsDrill | Should -BeTrue
    }

    It 'Start-DeirfDrill with an injected delay throws DrillDeadlineMissed after emitting the scorecard' {
        $err = $null
        $out = $null
        try { Start-DeirfDrill -Scenario leaked-key -Workspace (Join-Path $TestDrive 'drill-cmdlet-late') -InjectDelay @{ Triage = 1.5 } -TargetScale 0.01 -OutVariable out | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DrillDeadlineMissed,*'
        $err.Exception.Message | Should -Match 'Triage \(triage: MISSED\)'
        ($out | Where-Object Phase -eq 'Triage').Result | Should -Be 'MISSED'
        ($out | Where-Object Phase -eq 'Triage').Deadline | Should -Be 'triage: MISSED'
    }

    It 'a scheduler running pwsh -Command sees a non-zero exit code for a missed deadline' {
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $cmd = "Import-Module '$(Get-DeirfTestModulePath)'; Start-DeirfDrill -Scenario leaked-key -Workspace '$(Join-Path $TestDrive 'drill-cron')' -InjectDelay @{ Triage = 1.5 } -TargetScale 0.01"
        $null = & $pwsh @pre -NoProfile -NonInteractive -Command $cmd 2>&1
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'a drills/ script in the workspace never runs (DrillScenarioInWorkspace); this machine''s overrides folder adds scenarios; an unknown one is DrillScenarioNotFound' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'the override folder is %APPDATA%\DeIRF, not settable per test'; return }
        # Issue 18: drills/ travels through sync, so a pushed scenario would run at the next scheduled drill.
        $ws = Join-Path $TestDrive 'own'
        $marker = Join-Path $TestDrive 'pushed-drill.marker'
        New-Item -ItemType Directory -Force (Join-Path $ws 'drills') | Out-Null
        "Set-Content -LiteralPath '$marker' -Value ran" | Set-Content (Join-Path $ws 'drills/tabletop.ps1')
        "Set-Content -LiteralPath '$marker' -Value ran" | Set-Content (Join-Path $ws 'drills/leaked-key.ps1')
        $saved = $env:XDG_CONFIG_HOME
        $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
        try {
            $err = $null
            try { Start-DeirfDrill -Scenario tabletop -Workspace $ws | Out-Null } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'DrillScenarioInWorkspace,*'
            $err.Exception.Message | Should -Match ([regex]::Escape((Join-Path $TestDrive 'config/deirf/drills')))
            # A shipped scenario of the same name: the shipped one runs, with a warning; the pushed one does not.
            Start-DeirfDrill -Scenario leaked-key -Workspace $ws -WhatIf -WarningVariable warn -WarningAction SilentlyContinue
            "$warn" | Should -Match 'not used'
            $marker | Should -Not -Exist

            $local = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'config/deirf/drills')
            Copy-Item (Join-Path $Drills '_drill-kit.ps1') $local
            @'
param([string] $ModulePath, [string] $Workspace, [string] $InjectDelay, [double] $TargetScale = 1, [string] $ScorecardPath)
Import-Module $ModulePath -Force
. (Join-Path $PSScriptRoot '_drill-kit.ps1')
$null = Initialize-Drill -Scenario tabletop -Workspace $Workspace -ScorecardPath $ScorecardPath -InjectDelay $InjectDelay -TargetScale $TargetScale -Targets @{ Talk = 30 }
$null = Invoke-DrillPhase Talk { 'walked through the runbook' }
Complete-Drill
'@ | Set-Content (Join-Path $local 'tabletop.ps1')
            $card = Start-DeirfDrill -Scenario tabletop -Workspace (Join-Path $TestDrive 'own-sandbox') -WarningAction SilentlyContinue
            $card.Phase | Should -Be 'Talk'
            $card.Result | Should -Be 'met'
            $marker | Should -Not -Exist
            { Start-DeirfDrill -Scenario no-such-drill -Workspace $ws } | Should -Throw -ErrorId 'DrillScenarioNotFound,*'
        }
        finally { $env:XDG_CONFIG_HOME = $saved }
    }

    It 'the script with -MatrixApproval passes: the Triage Lead''s approval from the incident''s Matrix room is a quorum signature of kind Matrix' {
        $ws = Join-Path $TestDrive 'drill-matrix'
        $r = Invoke-DrillScript leaked-key @('-Workspace', $ws, '-MatrixApproval')
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'Drill passed: 9 phases'
        $r.Output | Should -Match 'bob bound @bob:fake\.local'
        $i = Get-DrillIncident $ws
        $i.ChatRoom | Should -Match '^!.+:fake\.local$'
        $signed = @(Get-DeirfJournal -Incident $i.Id -Workspace $ws | Where-Object Kind -EQ 'proposal.signed' | Where-Object { $_.Body.kind -eq 'Matrix' })
        $signed.Count | Should -Be 1
        $signed[0].Body.responder | Should -Be 'bob'
        $signed[0].Body.fingerprint | Should -Be '@bob:fake.local'
        $signed[0].Body.details.room | Should -Be $i.ChatRoom
        $signed[0].Body.details.event | Should -Match '^\$'
        (Get-DeirfResponder bob -Workspace $ws).ProofKinds | ForEach-Object { "$_" } | Should -Contain 'Matrix'
        Test-Path "$ws.keys" | Should -BeFalse
    }
}

Describe 'compromised-pod against the in-process API-server fake' {
    It 'runs green: quarantine applied, read back, undone; the fake saw no request a real server rejects' {
        $ws = Join-Path $TestDrive 'drill-pod'
        $card = Start-DeirfDrill -Scenario compromised-pod -Workspace $ws
        $card.Result | Sort-Object -Unique | Should -Be 'met'
        ($card | Where-Object Phase -eq 'Contain').Detail | Should -Match 'quarantined drill/api-7f9'
        $i = Get-DrillIncident $ws
        $i.IsDrill | Should -BeTrue
        $c = Get-DeirfContainment -Incident $i.Id -Workspace $ws
        ($c | Where-Object Action -eq 'k8s.pod.quarantine').Verified | Should -BeTrue
        @(Get-DeirfContainment -Incident $i.Id -Workspace $ws -Active | Where-Object Action -eq 'k8s.pod.quarantine').Count | Should -Be 0
    }

    It 'with neither a cluster nor the fake it stops with a clear message and never pretends' {
        $env:DEIRF_FAKE_PROVIDERS = Join-Path $TestDrive 'missing.dll'
        try {
            # Copied away from the repository (into this machine's overrides folder) so the fake is not found beside it either.
            $savedConfig = $env:XDG_CONFIG_HOME
            $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'lonely-config'
            $copy = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'lonely-config/deirf/drills')
            Copy-Item (Join-Path $Drills '*.ps1') $copy
            $err = $null
            try { Start-DeirfDrill -Scenario compromised-pod -Workspace (Join-Path $TestDrive 'lonely') | Out-Null } catch { $err = $_ }
        }
        finally { Remove-Item Env:DEIRF_FAKE_PROVIDERS; $env:XDG_CONFIG_HOME = $savedConfig }
        $err.FullyQualifiedErrorId | Should -BeLike 'DrillPrerequisiteMissing,*'
        $err.Exception.Message | Should -Match 'no cluster'
        @(Get-DeirfIncident -Workspace (Join-Path $TestDrive 'lonely')).Count | Should -Be 0
    }
}

Describe 'phishing-domain against a real BIND named' -Skip:(-not $hasBind) {
    It 'runs green: reroute applied, dig sees the safe target, undone; the TSIG secret in no workspace file' {
        $ws = Join-Path $TestDrive 'drill-dns'
        $card = Start-DeirfDrill -Scenario phishing-domain -Workspace $ws
        $card.Result | Sort-Object -Unique | Should -Be 'met'
        ($card | Where-Object Phase -eq 'Contain').Detail | Should -Match 'to 198\.51\.100\.10; dig agrees'
        ($card | Where-Object Phase -eq 'Recover').Detail | Should -Match 'dig sees the original record'
        (Get-DrillIncident $ws).IsDrill | Should -BeTrue
    }
}

Describe 'bad-deploy drill against a real Prometheus and Alertmanager and the GitHub Actions fake' -Skip:(-not $hasMonitoring) {
    It 'runs green: alert from Alertmanager, review, staging replay, gated roll-forward, Stable from Prometheus; the fake saw no bad request' {
        $ws = Join-Path $TestDrive 'drill-deploy'
        $card = Join-Path $TestDrive 'deploy-card.jsonl'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-DrillScript bad-deploy @('-Workspace', $ws, '-ScorecardPath', $card)
        $watch.Stop()
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'Drill passed: 9 phases'
        $phases = @(Get-Content $card | ConvertFrom-Json)
        $phases.phase | Should -Be @('Roster', 'Detect', 'Triage', 'Review', 'Staging', 'RollForward', 'Monitor', 'Close', 'Verify')
        $phases.result | Sort-Object -Unique | Should -Be 'met'
        ($phases | Where-Object phase -EQ 'Detect').detail | Should -Match "from Alertmanager http://127\.0\.0\.1:\d+ opened"
        ($phases | Where-Object phase -EQ 'RollForward').detail | Should -Match 'refused before the manual gate; deploy\.yml dispatched .* concluded success'
        ($phases | Where-Object phase -EQ 'Monitor').detail | Should -Match 'Stable$'
        $i = Get-DrillIncident $ws
        $i.IsDrill | Should -BeTrue
        $i.State | Should -Be 'Closed'
        $i.AlertFingerprint | Should -Match '^[0-9a-f]{16}$'
        $applied = Get-DeirfContainment -Incident $i.Id -Workspace $ws | Where-Object Outcome -EQ 'Applied'
        $applied.Action | Should -Be @('recovery.patch-review', 'recovery.staging-replay', 'recovery.roll-forward')
        $verdict = Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind recovery.verified | Select-Object -Last 1
        $verdict.Body.verdict | Should -Be 'Stable'
        @(Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind recovery.sample).Count | Should -BeGreaterOrEqual 3
        Test-Path "$ws.keys" | Should -BeFalse
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 90 -Because 'the drill is meant to take about a minute'
    }
}

Describe 'bad-deploy drill where Prometheus and Alertmanager are not installed' {
    It 'says so, opens the incident from a recorded Alertmanager webhook body, skips the live check and never calls it Stable (exit 3)' {
        $ws = Join-Path $TestDrive 'drill-deploy-recorded'
        $empty = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'empty-path')
        $saved = $env:PATH
        # Nothing on PATH: prometheus and prometheus-alertmanager are not found (the drill runs through absolute paths).
        $env:PATH = $empty.FullName
        try { $r = Invoke-DrillScript bad-deploy @('-Workspace', $ws) }
        finally { $env:PATH = $saved }
        $r.ExitCode | Should -Be 3 -Because $r.Output
        $r.Output | Should -Match 'prometheus and prometheus-alertmanager not installed .*recorded Alertmanager webhook body'
        $r.Output | Should -Match 'Monitor\s+0\s+[\d.]+\s+STOPPED\s+live recovery check skipped'
        $r.Output | Should -Match 'RollForward\s+[\d.]+\s+[\d.]+\s+met'
        $i = Get-DrillIncident $ws
        $i.IsDrill | Should -BeTrue
        $i.State | Should -Not -Be 'Closed'
        $i.AlertFingerprint | Should -Be '5e1d0c0ffee0ba5e'
        @(Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind recovery.verified).Count | Should -Be 0
        @(Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind recovery.sample).Count | Should -Be 0
    }
}

Describe 'Register-DeirfDrill prints the schedule' {
    It 'Cron: a crontab line with the quarter expression and the drill command' {
        $line = Register-DeirfDrill -Scenario leaked-key -Every Quarter -As Cron -At 09:30
        $fields = $line -split ' '
        $fields[0..4] -join ' ' | Should -Be '30 9 1 1,4,7,10 *'
        # The module is imported by name when PSModulePath finds it, else by its manifest path (this suite loads it by path).
        $line | Should -Match "pwsh -NoProfile -NonInteractive -Command 'Import-Module (DeIRF|'\\''[^']+DeIRF\.psd1'\\''); Start-DeirfDrill -Scenario '\\''leaked-key'\\'''"
        $line | Should -Match '# deirf-drill:leaked-key$'
        (Register-DeirfDrill -Scenario leaked-key -Every Week -As Cron) -split ' ' | Select-Object -First 5 | Join-String -Separator ' ' | Should -Be '0 10 * * 1'
    }

    It 'Cron -Install replaces the scenario''s line in the user''s crontab, keeping the others' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'crontab is the Unix scheduler; ScheduledTask is tested by its printed XML'; return }
        # A stand-in crontab on PATH that keeps the table in a file: the real one is never touched.
        $bin = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'bin')
        $table = Join-Path $TestDrive 'crontab.txt'
        Set-Content (Join-Path $bin 'crontab') "#!/bin/sh`nif [ `"`$1`" = '-l' ]; then [ -f '$table' ] || { echo 'no crontab for user' >&2; exit 1; }; cat '$table'; else cat > '$table'; fi" -NoNewline
        & chmod +x (Join-Path $bin 'crontab')
        $savedPath = $env:PATH
        $env:PATH = "$bin$([IO.Path]::PathSeparator)$env:PATH"
        try {
            Register-DeirfDrill -Scenario leaked-key -Every Quarter -As Cron -Install -Confirm:$false | Out-Null
            Add-Content $table '5 4 * * * /usr/bin/backup'
            Register-DeirfDrill -Scenario leaked-key -Every Week -As Cron -Install -Confirm:$false | Out-Null
            Register-DeirfDrill -Scenario leaked-key -Every Day -As Cron -Install -WhatIf | Out-Null
        }
        finally { $env:PATH = $savedPath }
        $lines = @(Get-Content $table)
        $lines.Count | Should -Be 2
        $lines[0] | Should -Be '5 4 * * * /usr/bin/backup'
        $lines[1] | Should -Match '^0 10 \* \* 1 pwsh .*# deirf-drill:leaked-key$'
    }

    It 'ScheduledTask: Task Scheduler XML with a calendar trigger and the pwsh action' {
        $xml = [xml] (Register-DeirfDrill -Scenario leaked-key -Every Month -As ScheduledTask)
        $xml.Task.xmlns | Should -Be 'http://schemas.microsoft.com/windows/2004/02/mit/task'
        $xml.Task.Triggers.CalendarTrigger.ScheduleByMonth.DaysOfMonth.Day | Should -Be '1'
        @($xml.Task.Triggers.CalendarTrigger.ScheduleByMonth.Months.ChildNodes).Count | Should -Be 12
        $xml.Task.Actions.Exec.Command | Should -Be 'pwsh.exe'
        $xml.Task.Actions.Exec.Arguments | Should -Match "Start-DeirfDrill -Scenario 'leaked-key'"
    }

    It 'CronJob: -Install writes the YAML file and says how to apply it; -WhatIf writes nothing' {
        $file = Join-Path $TestDrive 'drill.yaml'
        Register-DeirfDrill -Scenario compromised-pod -Every Day -As CronJob -Image deirf:test -OutFile $file -Install -WhatIf | Out-Null
        Test-Path $file | Should -BeFalse
        $text = Register-DeirfDrill -Scenario compromised-pod -Every Day -As CronJob -Image deirf:test -OutFile $file -Install -Confirm:$false -InformationVariable info
        Get-Content -Raw $file | Should -Be $text
        $text | Should -Match '(?m)^kind: CronJob$'
        $text | Should -Match '(?m)^  schedule: "0 10 \* \* \*"$'
        "$info" | Should -Match 'kubectl apply -f'
    }
}

Describe 'Retrospective, reward and disclosure through the cmdlets' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-retro'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing.json'
        $script:seed = (Add-DeirfTestResponder -Workspace $ws -Handle rec -Role Recorder, CommsLead -KeyFolder $TestDrive).Seed
        $inc = (New-DeirfIncident -Title 'Leaked deploy key' -Reporter rec -Workspace $ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role CommsLead -Responder rec -Actor rec -Workspace $ws -Confirm:$false
    }

    It 'Add-DeirfReward journals reward.recorded with the amount as a string; the incident and timeline show it' {
        $r = Add-DeirfReward -Incident $inc -Reporter alice -Amount 500.50 -Currency USDC -Reason 'bounty' -Actor rec -Workspace $ws -Confirm:$false
        $r.Amount | Should -Be '500.5'
        $r.Currency | Should -Be 'USDC'
        $line = Get-Content (Join-Path $ws "incidents/$inc/journal.jsonl") | Select-Object -Last 1
        $line | Should -Match '"amount":"500.5"'
        $line | Should -Match '"kind":"reward.recorded"'
        (Get-DeirfIncident $inc -Workspace $ws).RewardsText | Should -Be '500.5 USDC to alice'
        (Get-DeirfTimeline -Incident $inc -Workspace $ws | Select-Object -Last 1).Summary | Should -Match 'Reward 500.5 USDC to alice \(recorded, not paid\): bounty'
        { Add-DeirfReward -Incident $inc -Reporter alice -Amount -1 -Currency USDC -Actor rec -Workspace $ws -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidStatement,*'
        Add-DeirfReward -Incident $inc -Reporter bob -Amount 1 -Currency USDC -Actor rec -Workspace $ws -WhatIf | Should -BeNullOrEmpty
        @((Get-DeirfIncident $inc -Workspace $ws).Rewards).Count | Should -Be 1
    }

    It 'New-DeirfRetrospective refuses an open incident, then writes the form and meets the retrospective deadline' {
        { New-DeirfRetrospective -Incident $inc -Path (Join-Path $TestDrive 'early.md') -Actor rec -Workspace $ws -ErrorAction Stop } | Should -Throw -ErrorId 'RetroIncidentOpen,*'
        Close-DeirfIncident -Incident $inc -Resolution 'Key rotated' -Actor rec -Workspace $ws -Confirm:$false
        (Get-DeirfDeadline -Incident $inc -Name retrospective -Workspace $ws).Met | Should -BeNullOrEmpty
        $path = Join-Path $TestDrive 'retro.md'
        $doc = New-DeirfRetrospective -Incident $inc -Path $path -Facilitator erin -Actor rec -Workspace $ws
        $doc.OnTime | Should -BeTrue
        $doc.Digest | Should -Be ('sha256:' + (Get-FileHash $path -Algorithm SHA256).Hash.ToLowerInvariant())
        $text = Get-Content -Raw $path
        $text | Should -Match "# Retrospective: $inc"
        $text | Should -Match '500.5 USDC to @alice'
        $text | Should -Match '\| detection \| No alert opened this incident'
        (Get-DeirfDeadline -Incident $inc -Name retrospective -Workspace $ws).Met | Should -BeTrue
        { New-DeirfRetrospective -Incident $inc -Path $path -Actor rec -Workspace $ws -ErrorAction Stop } | Should -Throw -ErrorId 'RetroFileExists,*'
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }

    It 'Publish-DeirfDisclosure -FromTemplate -Entry renders the text and writes inclusion proofs that verify' {
        Push-Location $TestDrive
        try {
            $path = Join-Path $TestDrive 'disclosure.md'
            # Proofs need a checkpoint covering the entry (the workspace may hold automatic ones already).
            $expected = if (@(Get-ChildItem (Join-Path $ws "incidents/$inc/checkpoints") -Filter *.checkpoint -ErrorAction SilentlyContinue).Count) { 'DisclosureEntryNotCheckpointed' } else { 'DisclosureCheckpointMissing' }
            { Publish-DeirfDisclosure -Incident $inc -Path $path -FromTemplate -Entry 999 -Actor rec -Workspace $ws -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId "$expected,*"
            Test-Path $path | Should -BeFalse
            $cp = New-DeirfCheckpoint -Incident $inc -Signer rec -KeyPath $seed -Workspace $ws
            $e = Publish-DeirfDisclosure -Incident $inc -Path $path -FromTemplate -Message 'A deploy key leaked and was rotated.' -Entry 0, 1 -Actor rec -Workspace $ws -Confirm:$false
            $e.Kind | Should -Be 'disclosure.published'
            $e.Body.digest | Should -Be ('sha256:' + (Get-FileHash $path -Algorithm SHA256).Hash.ToLowerInvariant())
            $text = Get-Content -Raw $path
            $text | Should -Match '# Incident disclosure: Leaked deploy key'
            $text | Should -Match 'A deploy key leaked and was rotated\.'
            $text | Should -Match 'a reward of 500.5 USDC was recorded'
            $text | Should -Match "size $($cp.Size), root"
            $text | Should -Match '`disclosure.entry-1.tlog-proof`'
            $text | Should -Not -Match 'journal.jsonl'
            foreach ($seq in 0, 1) {
                $proof = Join-Path $TestDrive "disclosure.entry-$seq.tlog-proof"
                $v = Test-DeirfInclusionProof -Path $proof -Workspace $ws
                $v.IsIncluded | Should -BeTrue
                $v.Index | Should -Be $seq
                $v.TreeSize | Should -Be $cp.Size
            }
            { Publish-DeirfDisclosure -Incident $inc -Path $path -FromTemplate -Actor rec -Workspace $ws -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'DisclosureFileExists,*'
            Publish-DeirfDisclosure -Incident $inc -Path (Join-Path $TestDrive 'whatif.md') -FromTemplate -Entry 0 -Actor rec -Workspace $ws -WhatIf | Should -BeNullOrEmpty
            Test-Path (Join-Path $TestDrive 'whatif.md') | Should -BeFalse
            Test-Path (Join-Path $TestDrive 'whatif.entry-0.tlog-proof') | Should -BeFalse
        }
        finally { Pop-Location }
    }
}

Describe 'A schedule for a module imported by path imports it by path (issue 19 finding 11)' {
    It 'the cron line and the task XML name the loaded manifest, quoted; a CronJob image imports DeIRF by name' {
        $manifest = Join-Path (Get-Module DeIRF).ModuleBase 'DeIRF.psd1'
        $line = Register-DeirfDrill -Scenario leaked-key -Every Week -As Cron
        # The command is sh-quoted in the cron line ('\'' for each '): undo that to read the PowerShell command.
        ($line -replace [regex]::Escape("'\''"), "'") | Should -Match ([regex]::Escape("Import-Module '$manifest'"))
        $xml = [xml] (Register-DeirfDrill -Scenario leaked-key -Every Month -As ScheduledTask)
        $xml.Task.Actions.Exec.Arguments | Should -Match ([regex]::Escape("Import-Module '$manifest'"))
        (Register-DeirfDrill -Scenario leaked-key -Every Day -As CronJob -Image deirf:test) | Should -Match 'Import-Module DeIRF;'
    }
}
