#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "phishing domain": a name of ours serves a phishing kit; reroute it to a safe target by quorum.
.DESCRIPTION
    The whole flow as a drill, with dns.reroute (RFC 2136 update signed with TSIG) run for real against BIND named,
    started here on 127.0.0.1 on a free port with a zone and a TSIG secret made at run time (the secret lives in the
    server's config beside the drill keys and in the environment only; it is deleted with them). named and dig
    must be installed; without them the drill stops with a clear message (exit 3): it never pretends.

      Roster, Detect (alert -> drill incident), Triage (deadline triage), Evidence (the phishing page on the name),
      Contain (quorum, reroute applied, dig sees the safe target; deadline containment), Recover (patch review gate,
      then the reroute undone by its own quorum proposal, dig sees the original records), Close (deadline
      retrospective), Verify.
.EXAMPLE
    ./phishing-domain.ps1 -Workspace ./drill-dns
.EXAMPLE
    Start-DeirfDrill -Scenario phishing-domain
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

$targets = [ordered]@{ Roster = 60; Detect = 30; Triage = 60; Evidence = 30; Contain = 120; Recover = 180; Close = 60; Verify = 60 }
$drill = Initialize-Drill -Scenario phishing-domain -Workspace $Workspace -ScorecardPath $ScorecardPath -InjectDelay $InjectDelay -TargetScale $TargetScale -Targets $targets
$ws = $drill.Workspace
$keys = $drill.Keys
$named = $null
$savedSecret = $env:DEIRF_TSIG_SECRET

# Debian puts named in /usr/sbin, which a non-root PATH may lack.
if (-not (Get-Command named -ErrorAction SilentlyContinue) -and (Test-Path /usr/sbin/named)) { $env:PATH = "$env:PATH$([IO.Path]::PathSeparator)/usr/sbin" }
$missing = @('named', 'dig') | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) }
if ($missing) { Stop-Drill "needs BIND: $($missing -join ', ') not found (Debian: apt-get install bind9 bind9-dnsutils)" }

$dir = New-Item -ItemType Directory -Force (Join-Path $keys 'named')
$secret = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
$listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
$port = $listener.LocalEndpoint.Port; $listener.Stop()
Set-Content (Join-Path $dir 'example.test.db') @(
    '$ORIGIN example.test.', '$TTL 300', '@ IN SOA ns1 hostmaster 1 3600 600 86400 60', '@ IN NS ns1', 'ns1 IN A 127.0.0.1',
    'login 300 IN A 192.0.2.66')
Set-Content (Join-Path $dir 'named.conf') @"
options { directory "$dir"; pid-file "$dir/named.pid"; session-keyfile "$dir/session.key"; managed-keys-directory "$dir";
  listen-on port $port { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; notify no; };
controls { };
key "deirf-tsig" { algorithm hmac-sha256; secret "$secret"; };
zone "example.test" { type primary; file "$dir/example.test.db"; allow-update { key "deirf-tsig"; }; };
"@
$named = Start-Process -FilePath (Get-Command named).Source -ArgumentList '-g', '-4', '-n', '1', '-c', "$dir/named.conf" -PassThru `
    -RedirectStandardError (Join-Path $dir 'named.log') -RedirectStandardOutput (Join-Path $dir 'named.out')
function Get-Answer { @(& dig "@127.0.0.1" -p $port +short +norecurse +time=1 +tries=1 login.example.test. A 2>$null | Where-Object { $_ }) }
foreach ($try in 1..60) {
    if ($named.HasExited -or (Get-Answer)) { break }
    Start-Sleep -Milliseconds 250
}
if ($named.HasExited -or -not (Get-Answer)) { Stop-Drill "named did not start on 127.0.0.1:$port ($(Get-Content -Raw (Join-Path $dir 'named.log') -ErrorAction SilentlyContinue))" }
$env:DEIRF_TSIG_SECRET = $secret
$name = 'login.example.test.'
$safe = '198.51.100.10'

try {
    $null = Invoke-DrillPhase Roster { New-DrillTeam }
    $null = Invoke-DrillPhase Detect {
        $i = New-DrillIncidentFromAlert -Title "$name serves a phishing kit (drill)" -Source 'phish-report' -Tag dns, phishing
        Set-DrillDeadline -Incident $i.Id -Deadlines @{ triage = 'Detect', 'Triage'; containment = 'Detect', 'Triage', 'Evidence', 'Contain' }
        "alert opened $($i.Id) (drill: true); named on 127.0.0.1:$port"
    }
    $id = $drill.Incident
    $null = Invoke-DrillPhase Triage -Deadline triage { Set-DrillTriage 'users are sent to a credential phishing page' }
    $null = Invoke-DrillPhase Evidence {
        $page = Join-Path $keys 'phishing-page.html'
        "<html><!-- captured from $name at $(Get-Date -AsUTC -Format o) (drill) --><form action=https://collector.invalid/>password</form></html>" | Set-Content $page
        $e = Add-DeirfEvidence -Incident $id -Path $page -Target $name -Actor bob -Workspace $ws -PassThru
        "phishing page captured for $name ($($e.Hash.Substring(0, 19))...)"
    }
    $null = Invoke-DrillPhase Contain -Deadline containment {
        $before = Get-Answer
        $p = & (Join-Path $PSScriptRoot '../dns-reroute.ps1') -Incident $id -Name $name -SafeTarget $safe -Proposer bob -Server "127.0.0.1:$port"
        $verdict = Add-DrillQuorum $p
        if (-not $verdict.IsMet) { throw "quorum not met: $($verdict.Blockers -join '; ')" }
        $applied = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false -WarningAction SilentlyContinue
        if (-not $applied.Verified) { throw "the reroute was applied but not verified: $($applied.Message)" }
        $after = Get-Answer
        if ("$after" -ne $safe) { throw "dig still answers $after" }
        "quorum ($($verdict.Persons -join ' + ')) rerouted $name from $($before -join ',') to $safe; dig agrees"
    }
    $null = Invoke-DrillPhase Recover {
        $gate = Invoke-DrillRecoveryGate 'acme/login@takedown-done'
        Undo-DrillContainment dns.reroute $name
        if ("$(Get-Answer)" -ne '192.0.2.66') { throw "dig answers $(Get-Answer) after the undo" }
        "$gate; reroute undone by quorum, dig sees the original record"
    }
    $null = Invoke-DrillPhase Close -Deadline retrospective { Close-DrillIncident 'Phishing name rerouted by quorum, takedown done, record restored (drill)' }
    $null = Invoke-DrillPhase Verify {
        $t = Test-DrillJournal
        if (Select-String -Path (Join-Path $ws '*'), (Join-Path $ws 'incidents/*/*') -SimpleMatch $secret -ErrorAction SilentlyContinue) { throw 'the TSIG secret is in a workspace file' }
        $t
    }
}
finally {
    $env:DEIRF_TSIG_SECRET = $savedSecret
    if ($named -and -not $named.HasExited) { Stop-Process -Id $named.Id -Force -ErrorAction SilentlyContinue; $named.WaitForExit(5000) | Out-Null }
    Complete-Drill
}
