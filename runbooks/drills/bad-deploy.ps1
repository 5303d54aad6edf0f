#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "bad deploy": a release raises the 5xx ratio; Alertmanager pages, the fix is reviewed, replayed on
    staging and rolled forward through GitHub Actions by quorum, and Prometheus shows it holds.
.DESCRIPTION
    The recovery section of the flow as a drill, on the embedded defaults:
      - a real Prometheus (Debian prometheus) and Alertmanager (prometheus-alertmanager), started here on 127.0.0.1
        on free ports and stopped by PID; Prometheus scrapes a tiny exporter this script serves on loopback (the 5xx
        ratio of the api, high before the fix, low after it) and fires an alerting rule into Alertmanager;
      - the GitHub Actions fake of the DeIRF repository (tests/tools/DeIRF.FakeServices "pipelines", or the DLL in
        $env:DEIRF_FAKE_SERVICES): GitHub itself cannot run here; the fake follows GitHub's REST description and
        records every request GitHub would refuse (the Verify phase asserts there is none). The token is made now and
        reaches DeIRF only as a SecureString.
    Without Prometheus/Alertmanager the alert is a recorded Alertmanager webhook body (ConvertFrom-DeirfAlert), the
    live check is skipped with a clear line and the drill ends STOPPED (exit 3): it never calls a recovery Stable
    without data. Without the fake the drill stops at once (exit 3).

      Roster, Detect (Alertmanager alert -> drill incident; deadline triage), Triage, Review (patch review of the
      commit by two signers + manual approval), Staging (recovery.staging-replay), RollForward (recovery.roll-forward
      through github-actions: refused before the manual gate, then dispatched and followed to success), Monitor
      (Test-DeirfRecovery against Prometheus: Stable), Close (deadline retrospective), Verify.
.EXAMPLE
    ./bad-deploy.ps1 -Workspace ./drill-deploy
.EXAMPLE
    Start-DeirfDrill -Scenario bad-deploy
#>
[CmdletBinding()]
param(
    [string] $ModulePath = 'DeIRF',
    [string] $Workspace,
    [string] $InjectDelay,
    [ValidateRange(0.0001, 1000)]
    [double] $TargetScale = 1,
    [string] $ScorecardPath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
. (Join-Path $PSScriptRoot '_drill-kit.ps1')

$targets = [ordered]@{ Roster = 60; Detect = 60; Triage = 60; Review = 60; Staging = 60; RollForward = 120; Monitor = 60; Close = 60; Verify = 60 }
$drill = Initialize-Drill -Scenario bad-deploy -Workspace $Workspace -ScorecardPath $ScorecardPath -InjectDelay $InjectDelay -TargetScale $TargetScale -Targets $targets
$ws = $drill.Workspace
$keys = $drill.Keys
$fake = $null
$processes = [Collections.Generic.List[Diagnostics.Process]]::new()
$listener = $null; $exporter = $null
$patch = 'acme/api@fix-5xx'
$sha = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
# The api's 5xx ratio as the exporter serves it: high under the bad release, low once the fix runs.
$gauges = [hashtable]::Synchronized(@{ deirf_drill_http_5xx_ratio = 0.42 })
function Get-FreePort { $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $p = $l.LocalEndpoint.Port; $l.Stop(); $p }
function Wait-DrillCondition([scriptblock] $Condition, [int] $Seconds, [string] $What) {
    $until = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $until) {
        try { if (& $Condition) { return } } catch { }
        Start-Sleep -Milliseconds 250
    }
    throw "timed out after $Seconds s waiting for $What"
}

# The pipeline: the GitHub Actions fake (found beside the repository, or through $env:DEIRF_FAKE_SERVICES).
$found = Find-DrillFake DeIRF.FakeServices DEIRF_FAKE_SERVICES 'no pipeline: build the DeIRF repository (its GitHub Actions fake, tests/tools/DeIRF.FakeServices) or set $env:DEIRF_FAKE_SERVICES to its DLL'
$dll = $found.Dll
$dotnet = $found.Dotnet
$token = 'ghp_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
$secureToken = ConvertTo-SecureString $token -AsPlainText -Force
$psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
foreach ($a in $dll, 'pipelines') { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
# The token reaches the fake through its environment, never a command line or a file.
$psi.Environment['DEIRF_FAKE_TOKEN'] = $token
$process = [Diagnostics.Process]::Start($psi)
$line = $process.StandardOutput.ReadLineAsync()
if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { Stop-Process -Id $process.Id -Force; Stop-Drill 'the pipeline fake did not start within 60 s' }
$fake = [pscustomobject]@{ Process = $process; Base = $line.Result.Trim() }
if ($fake.Base -notmatch '^http://127\.0\.0\.1:\d+$') { Stop-Process -Id $process.Id -Force; Stop-Drill "the pipeline fake answered '$($fake.Base)', not its address" }
foreach ($call in @(@{ r = 'github/branch'; b = @{ repository = 'acme/api'; branch = 'main'; sha = $sha } }, @{ r = 'github/workflow'; b = @{ repository = 'acme/api'; workflow = 'deploy.yml'; outcome = 'Success' } })) {
    Invoke-RestMethod -Method Post -Uri "$($fake.Base)/_fake/$($call.r)" -ContentType 'application/json' -Body ($call.b | ConvertTo-Json -Compress) | Out-Null
}

# The monitors: a real Prometheus scraping the exporter below, firing into a real Alertmanager; else a recorded alert.
$missing = @('prometheus', 'prometheus-alertmanager') | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) }
$live = -not $missing
try {
    if ($live) {
        $exporterPort = Get-FreePort
        $listener = [Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$exporterPort/")
        $listener.Start()
        $exporter = [powershell]::Create()
        $null = $exporter.AddScript({
                param($listener, $gauges)
                while ($listener.IsListening) {
                    try { $ctx = $listener.GetContext() } catch { break }
                    $text = ($gauges.Keys | Sort-Object | ForEach-Object { "# TYPE $($_) gauge`n$($_){app=`"api`"} $($gauges[$_].ToString([Globalization.CultureInfo]::InvariantCulture))" }) -join "`n"
                    $bytes = [Text.Encoding]::UTF8.GetBytes("$text`n")
                    $ctx.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                    $ctx.Response.Close()
                }
            }).AddArgument($listener).AddArgument($gauges)
        $null = $exporter.BeginInvoke()
        $mon = New-Item -ItemType Directory -Force (Join-Path $keys 'monitoring')
        $amPort = Get-FreePort
        $promPort = Get-FreePort
        Set-Content (Join-Path $mon 'am.yml') "route:`n  receiver: blackhole`nreceivers:`n  - name: blackhole"
        Set-Content (Join-Path $mon 'rules.yml') @'
groups:
  - name: deirf-drill
    interval: 1s
    rules:
      - alert: ApiHighErrorRate
        expr: max(deirf_drill_http_5xx_ratio) > 0.05
        for: 0s
        labels: { severity: critical, service: api }
        annotations: { summary: 'api 5xx ratio above 5% after release api-2026.12.08 (drill)' }
'@
        Set-Content (Join-Path $mon 'prometheus.yml') @"
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['$(Join-Path $mon 'rules.yml')']
alerting:
  alertmanagers: [ { static_configs: [ { targets: ['127.0.0.1:$amPort'] } ] } ]
scrape_configs:
  - job_name: api
    static_configs: [ { targets: ['127.0.0.1:$exporterPort'] } ]
"@
        $processes.Add((Start-Process (Get-Command prometheus-alertmanager).Source -PassThru -RedirectStandardError (Join-Path $mon 'am.log') -RedirectStandardOutput (Join-Path $mon 'am.out') -ArgumentList @(
                    "--config.file=$(Join-Path $mon 'am.yml')", "--storage.path=$(Join-Path $mon 'am-data')", "--web.listen-address=127.0.0.1:$amPort", '--cluster.listen-address=')))
        $processes.Add((Start-Process (Get-Command prometheus).Source -PassThru -RedirectStandardError (Join-Path $mon 'prom.log') -RedirectStandardOutput (Join-Path $mon 'prom.out') -ArgumentList @(
                    "--config.file=$(Join-Path $mon 'prometheus.yml')", "--storage.tsdb.path=$(Join-Path $mon 'tsdb')", "--web.listen-address=127.0.0.1:$promPort", '--rules.alert.resend-delay=1s')))
        $prom = "http://127.0.0.1:$promPort"
        $am = "http://127.0.0.1:$amPort"
    }
    else {
        Write-Host "bad-deploy: $($missing -join ' and ') not installed (Debian: apt-get install prometheus prometheus-alertmanager): the alert is a recorded Alertmanager webhook body and the live recovery check is skipped." -ForegroundColor Yellow
    }
    function Get-PromValue([string] $Query) {
        $r = Invoke-RestMethod "$prom/api/v1/query?query=$([uri]::EscapeDataString($Query))"
        if (@($r.data.result).Count -eq 1) { [double] $r.data.result[0].value[1] }
    }

    $null = Invoke-DrillPhase Roster { New-DrillTeam }
    $null = Invoke-DrillPhase Detect {
        if ($live) {
            Wait-DrillCondition { (Invoke-WebRequest "$am/-/ready").StatusCode -eq 200 } -Seconds 30 -What 'Alertmanager to be ready'
            Wait-DrillCondition { @(Get-DeirfAlert -Alertmanager $am -Filter 'alertname="ApiHighErrorRate"').Count -eq 1 } -Seconds 40 -What 'Prometheus to fire ApiHighErrorRate into Alertmanager'
            $alert = Get-DeirfAlert -Alertmanager $am -Filter 'alertname="ApiHighErrorRate"'
            $from = "Alertmanager $am"
        }
        else {
            # A recorded webhook body, as Alertmanager posts it to a receiver.
            $started = [DateTimeOffset]::UtcNow.AddSeconds(-30).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [cultureinfo]::InvariantCulture)
            $alert = ([ordered]@{
                    version = '4'; groupKey = '{}:{alertname="ApiHighErrorRate"}'; status = 'firing'; receiver = 'deirf'
                    alerts = @([ordered]@{
                            status = 'firing'; labels = @{ alertname = 'ApiHighErrorRate'; severity = 'critical'; service = 'api' }
                            annotations = @{ summary = 'api 5xx ratio above 5% after release api-2026.12.08 (drill)' }
                            startsAt = $started; endsAt = '0001-01-01T00:00:00Z'; fingerprint = '5e1d0c0ffee0ba5e'
                        })
                } | ConvertTo-Json -Depth 5 -Compress) | ConvertFrom-DeirfAlert
            $from = 'a recorded Alertmanager webhook body (no live Alertmanager)'
        }
        $i = $alert | New-DeirfIncident -Reporter alice -Drill -Workspace $ws
        if (-not $i) { throw 'the alert opened no incident' }
        $drill.Incident = $i.Id
        Set-DrillDeadline -Incident $i.Id -Deadlines @{ triage = 'Detect', 'Triage' }
        "alert '$($alert.Title)' from $from opened $($i.Id) (drill: true)"
    }
    $id = $drill.Incident
    $null = Invoke-DrillPhase Triage -Deadline triage { Set-DrillTriage 'customers see errors after a production release' }
    $null = Invoke-DrillPhase Review { Invoke-DrillRecoveryGate $patch -Revision $sha }
    $null = Invoke-DrillPhase Staging {
        $setRelease = Join-Path $PSScriptRoot '../scripts/set-release.ps1' | Resolve-Path | ForEach-Object Path
        $staging = Join-Path $keys 'staging-current'
        Set-Content $staging 'api-2026.12.08-bad0000'
        $version = "api-fix-5xx-$($sha.Substring(0, 7))"
        $replay = New-DeirfProposal -Incident $id -Action recovery.staging-replay -Target staging -Proposer bob -Workspace $ws -Parameter @{
            patch = $patch; path = $setRelease; sha256 = (Get-FileHash -Algorithm SHA256 $setRelease).Hash.ToLowerInvariant(); releaseFile = $staging; version = $version }
        Add-DrillQuorum $replay | Out-Null
        Approve-DrillProposal $replay
        $r = $replay | Invoke-DeirfContainment -Actor bob -Confirm:$false -WarningAction SilentlyContinue
        if (-not $r.Verified) { throw "the staging replay was applied but not verified: $($r.Message)" }
        if ((Get-Content $staging) -ne $version) { throw "staging does not run $version" }
        "staging replayed $version (quorum carol + dana, approved by dana)"
    }
    $null = Invoke-DrillPhase RollForward {
        $p = & (Join-Path $PSScriptRoot '../recovery-roll-forward.ps1') -Incident $id -Patch $patch -Backend github-actions -Revision $sha -Proposer bob -Workspace $ws -Parameter @{
            repository = 'acme/api'; workflow = 'deploy.yml'; ref = 'main'; apiUrl = $fake.Base; pollSeconds = '0.05'; timeoutSeconds = '30'; 'input.environment' = 'production' }
        Add-DrillQuorum $p | Out-Null
        # Signed by two but not yet approved: our manual gate holds, and nothing reaches the pipeline.
        $gate = $null
        $early = $p | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $secureToken } -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable gate -WarningAction SilentlyContinue
        if ($early -or "$($gate[0])" -notmatch 'ManualApprovalMissing') { throw "the roll-forward ran without its manual approval: $($gate[0])" }
        if (@(Invoke-RestMethod "$($fake.Base)/_fake/requests" | ForEach-Object { $_ } | Where-Object route -EQ 'github.dispatch').Count) { throw 'a workflow was dispatched before the manual approval' }
        Approve-DrillProposal $p
        $r = $p | Invoke-DeirfContainment -Actor bob -Secret @{ githubToken = $secureToken } -Confirm:$false -WarningAction SilentlyContinue
        if (-not $r.Verified) { throw "the roll-forward was applied but not verified: $($r.Message)" }
        $run = $r.After | ConvertFrom-Json
        if ($run.conclusion -ne 'success' -or $run.head_sha -ne $sha) { throw "the run did not deploy the reviewed commit: $($r.After)" }
        # The fixed release serves: the exporter's ratio falls, as the api's would.
        $gauges['deirf_drill_http_5xx_ratio'] = 0.01
        "refused before the manual gate; deploy.yml dispatched at $($sha.Substring(0, 7)), run $($run.url) concluded success"
    }
    if ($live) {
        $null = Invoke-DrillPhase Monitor {
            Wait-DrillCondition { (Get-PromValue 'max(deirf_drill_http_5xx_ratio)') -eq 0.01 } -Seconds 20 -What 'Prometheus to scrape the fixed release'
            $v = Test-DeirfRecovery -Incident $id -Workspace $ws -Prometheus $prom -Query 'max(deirf_drill_http_5xx_ratio)' -Below 0.05 -For '00:00:03' -Step '00:00:01' -Actor bob -Confirm:$false
            if ($v.Verdict -ne 'Stable') { throw "the recovery is $($v.Verdict), not Stable: $(@($v.Samples.Value) -join ', ')" }
            "Prometheus $prom`: max(5xx ratio) below 0.05 for 3 s, $($v.Samples.Count) samples journaled: Stable"
        }
        $null = Invoke-DrillPhase Close -Deadline retrospective { Close-DrillIncident 'Bad release rolled forward by quorum through GitHub Actions; Prometheus shows it stable (drill)' }
    }
    $null = Invoke-DrillPhase Verify {
        $t = Test-DrillJournal
        $problems = @(Invoke-RestMethod "$($fake.Base)/_fake/problems" | ForEach-Object { $_ })
        if ($problems.Count -ne 0) { throw "the fake saw requests GitHub would refuse: $($problems -join '; ')" }
        if (Get-ChildItem $ws -Recurse -File | Select-String -SimpleMatch $token) { throw 'the GitHub token is in a workspace file' }
        $t
    }
}
finally {
    foreach ($p in $processes) { if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force; $p.WaitForExit(10000) | Out-Null } }
    if ($listener) { $listener.Stop(); $listener.Close() }
    if ($exporter) { $exporter.Dispose() }
    if ($fake -and -not $fake.Process.HasExited) { Stop-Process -Id $fake.Process.Id -Force; $fake.Process.WaitForExit(10000) | Out-Null }
    if (-not $live) {
        # Never Stable without data: the monitoring check did not run, so the incident stays open and the drill says so.
        $drill.Score.Add([pscustomobject]@{ phase = 'Monitor'; seconds = 0; target = $drill.Targets['Monitor']; deadline = ''; result = 'STOPPED'
                detail = "live recovery check skipped: $($missing -join ' and ') not installed; no verdict, the incident is not called Stable and stays open" })
        Complete-Drill -ExitCode 3
    }
    Complete-Drill
}
