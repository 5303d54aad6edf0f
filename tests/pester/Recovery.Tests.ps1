# Test-DeirfRecovery and Get-DeirfAlert as users call them, against a real Prometheus (Debian prometheus 2.42) that
# scrapes a tiny exporter this file serves on loopback (values the test sets) and fires one alerting rule into a real
# Alertmanager (Debian prometheus-alertmanager 0.25). Both start on free ports and are stopped by PID.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $hasStack = (Test-DeirfTool prometheus) -and (Test-DeirfTool prometheus-alertmanager)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force

    function Get-FreePort {
        $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start()
        $p = $l.LocalEndpoint.Port; $l.Stop(); $p
    }
    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 45, [string] $What) {
        $until = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $until) {
            try { if (& $Condition) { return } } catch { }
            Start-Sleep -Milliseconds 250
        }
        throw "Timed out after $Seconds s waiting for $What"
    }
    function Get-PromValue([string] $Query) {
        $r = Invoke-RestMethod "$script:Prom/api/v1/query?query=$([uri]::EscapeDataString($Query))"
        if (@($r.data.result).Count -eq 1) { [double]$r.data.result[0].value[1] }
    }
    function Set-Gauge([string] $Name, [double] $Value) {
        $script:Gauges[$Name] = $Value
        Wait-Until { (Get-PromValue $Name) -eq $Value } -What "Prometheus to scrape $Name = $Value"
    }

    $script:Processes = [Collections.Generic.List[Diagnostics.Process]]::new()
    $script:Listener = $null
    $script:ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws -Confirm:$false | Out-Null
    $script:Gauges = [hashtable]::Synchronized(@{ deirf_errors = 0.1; deirf_page = 0 })
}

AfterAll {
    foreach ($p in $script:Processes) { if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force; $p.WaitForExit(10000) | Out-Null } }
    if ($script:Listener) { $script:Listener.Stop(); $script:Listener.Close() }
    if ($script:Server) { $script:Server.Dispose() }
}

Describe 'recovery and alerts against a real Prometheus and Alertmanager' -Skip:(-not $hasStack) {
    BeforeAll {
        # The exporter: /metrics is what Prometheus scrapes; /count answers like OpenSearch's _count.
        $exporterPort = Get-FreePort
        $script:Listener = [Net.HttpListener]::new()
        $Listener.Prefixes.Add("http://127.0.0.1:$exporterPort/")
        $Listener.Start()
        $script:Server = [powershell]::Create()
        $null = $Server.AddScript({
                param($listener, $gauges)
                while ($listener.IsListening) {
                    try { $ctx = $listener.GetContext() } catch { break }
                    $text = if ($ctx.Request.Url.AbsolutePath -eq '/count') { '{"count":2,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0}}' }
                    else { ($gauges.Keys | Sort-Object | ForEach-Object { "# TYPE $_ gauge`n$_ $($gauges[$_].ToString([Globalization.CultureInfo]::InvariantCulture))" }) -join "`n" }
                    $bytes = [Text.Encoding]::UTF8.GetBytes("$text`n")
                    $ctx.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                    $ctx.Response.Close()
                }
            }).AddArgument($Listener).AddArgument($Gauges)
        $null = $Server.BeginInvoke()
        $script:Exporter = "http://127.0.0.1:$exporterPort"

        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'monitoring')
        $amPort = Get-FreePort
        Set-Content (Join-Path $dir 'am.yml') "route:`n  receiver: blackhole`nreceivers:`n  - name: blackhole"
        $promPort = Get-FreePort
        Set-Content (Join-Path $dir 'rules.yml') @'
groups:
  - name: deirf-pester
    interval: 1s
    rules:
      - alert: DeirfPesterPage
        expr: deirf_page > 0
        for: 0s
        labels: { severity: critical }
        annotations: { summary: 'Checkout is failing' }
'@
        Set-Content (Join-Path $dir 'prometheus.yml') @"
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['$(Join-Path $dir 'rules.yml')']
alerting:
  alertmanagers: [ { static_configs: [ { targets: ['127.0.0.1:$amPort'] } ] } ]
scrape_configs:
  - job_name: deirf-exporter
    static_configs: [ { targets: ['127.0.0.1:$exporterPort'] } ]
"@
        $amProcess = Start-Process (Get-Command prometheus-alertmanager).Source -PassThru -RedirectStandardError (Join-Path $dir 'am.log') -ArgumentList @(
            "--config.file=$(Join-Path $dir 'am.yml')", "--storage.path=$(Join-Path $dir 'am-data')", "--web.listen-address=127.0.0.1:$amPort", '--cluster.listen-address=')
        $Processes.Add($amProcess)
        $promProcess = Start-Process (Get-Command prometheus).Source -PassThru -RedirectStandardError (Join-Path $dir 'prom.log') -ArgumentList @(
            "--config.file=$(Join-Path $dir 'prometheus.yml')", "--storage.tsdb.path=$(Join-Path $dir 'tsdb')", "--web.listen-address=127.0.0.1:$promPort", '--rules.alert.resend-delay=1s')
        $Processes.Add($promProcess)
        $script:Prom = "http://127.0.0.1:$promPort"
        $script:Am = "http://127.0.0.1:$amPort"
        Wait-Until { (Invoke-WebRequest "$Am/-/ready").StatusCode -eq 200 } -What 'Alertmanager to be ready'
        Wait-Until { (Get-PromValue 'deirf_errors') -eq 0.1 } -What 'the first scrape'
        $script:inc = (New-DeirfIncident -Title 'Bad deploy: checkout 5xx' -Reporter alice -Workspace $ws).Id
    }

    It 'Stable: every sample below the threshold; each sample and the verdict are journaled' {
        $r = Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'deirf_errors' -Below 0.5 -For '00:00:02' -Step '00:00:01' -Actor bob
        $r.Verdict | Should -Be 'Stable'
        $r.Samples.Count | Should -Be 3
        $r.Last | Should -Be 0.1
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.sample).Count | Should -Be 3
        $verdict = Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.verified | Select-Object -Last 1
        $verdict.Body.verdict | Should -Be 'Stable'
        $verdict.Actor | Should -Be 'bob'
        ($r | Format-Table | Out-String) | Should -Match 'Stable'
    }

    It 'Unstable: a sample above the threshold; -ProposeUndo without a roll-forward is refused before any sample' {
        Set-Gauge deirf_errors 0.9
        try {
            $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.sample).Count
            $err = $null
            Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'deirf_errors' -Below 0.5 -For '00:00:02' -Step '00:00:01' -ProposeUndo -Actor bob -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].FullyQualifiedErrorId | Should -BeLike 'RecoveryRollForwardMissing,*'
            @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.sample).Count | Should -Be $before
            $r = Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'deirf_errors' -Below 0.5 -For '00:00:05' -Step '00:00:01' -Actor bob
            $r.Verdict | Should -Be 'Unstable'
            $r.Samples.Count | Should -Be 1
            $r.Samples[0].Value | Should -Be 0.9
        }
        finally { Set-Gauge deirf_errors 0.1 }
    }

    It 'NoData: a query no series answers is never Stable' {
        $r = Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'deirf_not_exported' -Below 0.5 -For '00:00:01' -Step '00:00:01' -Actor bob
        $r.Verdict | Should -Be 'NoData'
        $r.Missing | Should -Be 2
    }

    It 'a past window is one range query over every step of it' {
        Start-Sleep -Seconds 4
        $r = Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'deirf_errors' -Below 0.5 -For '00:00:03' -Step '00:00:01' -Window Past -Actor bob
        $r.Mode | Should -Be 'range'
        $r.Samples.Count | Should -Be 4
        $r.Verdict | Should -Be 'Stable'
    }

    It 'Prometheus down: RecoveryMonitorUnreachable, no verdict journaled' {
        $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.verified).Count
        $err = $null
        Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus "http://127.0.0.1:$(Get-FreePort)" -Query 'up' -Above 0 -For '00:00:01' -Step '00:00:01' -Actor bob -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RecoveryMonitorUnreachable,*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.verified).Count | Should -Be $before
    }

    It 'a query Prometheus refuses: RecoveryQueryFailed with its errorType, no verdict' {
        $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.verified).Count
        $err = $null
        Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'sum(deirf_errors' -Below 1 -For '00:00:01' -Step '00:00:01' -Actor bob -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RecoveryQueryFailed,*'
        $err[0].Exception.MonitorErrorType | Should -Be 'bad_data'
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind recovery.verified).Count | Should -Be $before
    }

    It 'a log check reads a count from any HTTP endpoint' {
        $r = Test-DeirfRecovery -Incident $inc -Workspace $ws -CountUrl "$Exporter/count?q=level:error" -Below 5 -For '00:00:01' -Step '00:00:01' -Actor bob
        $r.Verdict | Should -Be 'Stable'
        $r.Samples.Value | Should -Be @(2, 2)
        $r.Query | Should -Be '/count?q=level:error'
    }

    It '-WhatIf reads no monitor and journals nothing' {
        $before = @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count
        Test-DeirfRecovery -Incident $inc -Workspace $ws -Prometheus $Prom -Query 'deirf_errors' -Below 0.5 -For '00:00:01' -Step '00:00:01' -Actor bob -WhatIf
        @(Get-DeirfJournal -Incident $inc -Workspace $ws).Count | Should -Be $before
    }

    It 'Get-DeirfAlert | New-DeirfIncident opens one incident per alert, and its resolution is recorded there' {
        Set-Gauge deirf_page 1
        Wait-Until { @(Get-DeirfAlert -Alertmanager $Am -Filter 'alertname="DeirfPesterPage"').Count -eq 1 } -What 'Alertmanager to list the alert'
        $alert = Get-DeirfAlert -Alertmanager $Am -Filter 'alertname="DeirfPesterPage"'
        $alert.Title | Should -Be 'Checkout is failing'
        $alert.Fingerprint | Should -Match '^[0-9a-f]{16}$'
        $opened = $alert | New-DeirfIncident -Reporter alertmanager-bot -Workspace $ws
        $opened.AlertFingerprint | Should -Be $alert.Fingerprint
        $count = @(Get-DeirfIncident -Workspace $ws).Count
        # The next poll: nothing opened, nothing written to the pipeline or the journal.
        $entries = @(Get-DeirfJournal -Incident $opened.Id -Workspace $ws).Count
        @(Get-DeirfAlert -Alertmanager $Am -Filter 'alertname="DeirfPesterPage"' | New-DeirfIncident -Reporter alertmanager-bot -Workspace $ws).Count | Should -Be 0
        @(Get-DeirfIncident -Workspace $ws).Count | Should -Be $count
        @(Get-DeirfJournal -Incident $opened.Id -Workspace $ws).Count | Should -Be $entries

        $script:Gauges['deirf_page'] = 0
        Wait-Until { @(Get-DeirfAlert -Alertmanager $Am -Filter 'alertname="DeirfPesterPage"').Count -eq 0 } -What 'Alertmanager to drop the resolved alert'
        $resolved = @(Get-DeirfAlert -Alertmanager $Am -IncludeResolved -Workspace $ws)
        $resolved.Count | Should -Be 1
        $resolved[0].Status | Should -Be 'resolved'
        @($resolved | New-DeirfIncident -Reporter alertmanager-bot -Workspace $ws -InformationAction SilentlyContinue).Count | Should -Be 0
        @(Get-DeirfIncident -Workspace $ws).Count | Should -Be $count
        $entry = Get-DeirfJournal -Incident $opened.Id -Workspace $ws -Kind alert.received
        $entry.Body.status | Should -Be 'resolved'
        (Get-DeirfIncident -Id $opened.Id -Workspace $ws).AlertStatus | Should -Be 'resolved'
        @(Get-DeirfAlert -Alertmanager $Am -IncludeResolved -Workspace $ws).Count | Should -Be 0
    }

    It 'a bad matcher is AlertmanagerFilterInvalid' {
        $err = $null
        Get-DeirfAlert -Alertmanager $Am -Filter 'alertname=~"("' -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AlertmanagerFilterInvalid,*'
    }
}

Describe 'alert shapes through ConvertFrom-DeirfAlert' {
    It 'a resolved Alertmanager alert in a webhook file opens nothing' {
        $ws2 = Join-Path $TestDrive 'ws2'
        Initialize-DeirfWorkspace -Path $ws2 -Confirm:$false | Out-Null
        $body = '{"version":"4","groupKey":"g","status":"resolved","receiver":"deirf","alerts":[{"status":"resolved","labels":{"alertname":"DiskFull"},"startsAt":"2026-12-08T01:00:00Z","endsAt":"2026-12-08T01:10:00Z","fingerprint":"1234abcd1234abcd"}]}'
        $alert = $body | ConvertFrom-DeirfAlert
        $alert.Status | Should -Be 'resolved'
        @($alert | New-DeirfIncident -Reporter alice -Workspace $ws2).Count | Should -Be 0
        @(Get-DeirfIncident -Workspace $ws2).Count | Should -Be 0
    }

    It 'Falco names the pod as the target, and the incident keeps it' {
        $ws3 = Join-Path $TestDrive 'ws3'
        Initialize-DeirfWorkspace -Path $ws3 -Confirm:$false | Out-Null
        $falco = '{"time":"2026-12-08T03:30:00.1Z","rule":"Terminal shell in container","priority":"Warning","output":"shell","output_fields":{"k8s.ns.name":"prod","k8s.pod.name":"api-7f9"}}'
        $inc = $falco | ConvertFrom-DeirfAlert | New-DeirfIncident -Reporter alice -Workspace $ws3
        $inc.AlertTarget | Should -Be 'prod/api-7f9'
    }
}
