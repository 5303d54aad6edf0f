#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "compromised pod": Falco-style alert on a crypto-miner in an api pod; quarantine by quorum.
.DESCRIPTION
    The whole flow as a drill, with k8s.pod.quarantine (label + deny-all ingress/egress NetworkPolicy) run for real
    against either
      - a cluster you name with -Kubeconfig (and -Context): the pod -Target must exist there (a drill pod you made), or
      - the in-process API-server fake of the DeIRF repository (tests/tools/DeIRF.FakeProviders, or the DLL in
        $env:DEIRF_FAKE_PROVIDERS), started here on 127.0.0.1 and stopped by PID.
    With neither, the drill stops with a clear message (exit 3): it never pretends a quarantine happened.

      Roster, Detect (alert -> drill incident), Triage (deadline triage), Evidence (pod logs on the target),
      Contain (quorum, quarantine applied and read back; deadline containment), Recover (patch review gate, then the
      quarantine undone by its own quorum proposal), Close (reward, close, retrospective; deadline retrospective), Verify.
.EXAMPLE
    ./compromised-pod.ps1 -Workspace ./drill-pod
.EXAMPLE
    Start-DeirfDrill -Scenario compromised-pod -Kubeconfig ~/.kube/config -Context staging
#>
[CmdletBinding()]
param(
    [string] $ModulePath = 'DeIRF',
    [string] $Workspace,
    [string] $InjectDelay,
    [ValidateRange(0.0001, 1000)]
    [double] $TargetScale = 1,
    [string] $ScorecardPath,
    # A real cluster instead of the fake.
    [string] $Kubeconfig,
    [string] $Context,
    # namespace/pod to quarantine (on a real cluster: a pod made for the drill).
    [string] $Target = 'drill/api-7f9'
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
. (Join-Path $PSScriptRoot '_drill-kit.ps1')

$targets = [ordered]@{ Roster = 60; Detect = 30; Triage = 60; Evidence = 30; Contain = 120; Recover = 180; Close = 60; Verify = 60 }
$drill = Initialize-Drill -Scenario compromised-pod -Workspace $Workspace -ScorecardPath $ScorecardPath -InjectDelay $InjectDelay -TargetScale $TargetScale -Targets $targets
$ws = $drill.Workspace
$keys = $drill.Keys
$fake = $null
$savedToken = $env:DEIRF_K8S_TOKEN

# The cluster: the one named, else the fake (found beside the repository, or through $env:DEIRF_FAKE_PROVIDERS).
if (-not $Kubeconfig) {
    $found = Find-DrillFake DeIRF.FakeProviders DEIRF_FAKE_PROVIDERS 'no cluster: give -Kubeconfig (and -Context) of a cluster with the drill pod, or build the DeIRF repository (its API-server fake, tests/tools/DeIRF.FakeProviders) or set $env:DEIRF_FAKE_PROVIDERS to its DLL'
    $dll = $found.Dll
    $dotnet = $found.Dotnet
    $token = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(24))
    $psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
    foreach ($a in $dll, 'k8s', '--cert-out', (Join-Path $keys 'k8s-server.pem')) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
    # The token reaches the fake through its environment, never a command line or a file.
    $psi.Environment['DEIRF_FAKE_TOKEN'] = $token
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { Stop-Process -Id $process.Id -Force; Stop-Drill 'the API-server fake did not start within 60 s' }
    $fake = $line.Result | ConvertFrom-Json
    $fake | Add-Member -NotePropertyName Process -NotePropertyValue $process
    $ns, $pod = $Target -split '/', 2
    foreach ($call in @(@{ r = 'nodes'; b = @{ name = 'node-1' } }, @{ r = 'pods'; b = @{ namespace = $ns; name = $pod; node = 'node-1'; labels = @{ app = 'api' } } })) {
        Invoke-RestMethod -Method Post -Uri "$($fake.control)/__fake/$($call.r)" -ContentType 'application/json' -Body ($call.b | ConvertTo-Json -Compress) | Out-Null
    }
    $Kubeconfig = Join-Path $keys 'kubeconfig'
    $Context = 'drill'
    @"
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: $($fake.url)
    certificate-authority: $($fake.certFile)
users:
- name: responder
  user: {}
contexts:
- name: drill
  context: {cluster: fake, user: responder}
current-context: drill
"@ | Set-Content -Path $Kubeconfig
    $env:DEIRF_K8S_TOKEN = $token
}

try {
    $null = Invoke-DrillPhase Roster { New-DrillTeam }
    $null = Invoke-DrillPhase Detect {
        $i = New-DrillIncidentFromAlert -Title "Crypto-miner process in pod $Target (drill)" -Source 'falco/syscall' -Tag k8s, miner
        Set-DrillDeadline -Incident $i.Id -Deadlines @{ triage = 'Detect', 'Triage'; containment = 'Detect', 'Triage', 'Evidence', 'Contain' }
        "alert opened $($i.Id) (drill: true)$(if ($fake) { " against the API-server fake at $($fake.url)" } else { " against $Kubeconfig" })"
    }
    $id = $drill.Incident
    $null = Invoke-DrillPhase Triage -Deadline triage { Set-DrillTriage 'code execution in a production pod' }
    $null = Invoke-DrillPhase Evidence {
        $log = Join-Path $keys 'api-7f9.log'
        "$(Get-Date -AsUTC -Format o) xmrig: stratum+tcp://pool.example:3333 connected (drill)" | Set-Content $log
        $e = Add-DeirfEvidence -Incident $id -Path $log -Target $Target -Actor bob -Workspace $ws -PassThru
        "pod log captured for $Target ($($e.Hash.Substring(0, 19))...)"
    }
    $null = Invoke-DrillPhase Contain -Deadline containment {
        $p = & (Join-Path $PSScriptRoot '../k8s-pod-quarantine.ps1') -Incident $id -Target $Target -Proposer bob -Kubeconfig $Kubeconfig -Context $Context -Workspace $ws
        $verdict = Add-DrillQuorum $p
        if (-not $verdict.IsMet) { throw "quorum not met: $($verdict.Blockers -join '; ')" }
        $applied = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false -WarningAction SilentlyContinue
        if (-not $applied.Verified) { throw "the quarantine was applied but not verified: $($applied.Message)" }
        if ($fake) {
            $state = Invoke-RestMethod "$($fake.control)/__fake/state"
            if ($state.pods.$Target.metadata.labels.'deirf.io/quarantine' -ne $id) { throw 'the fake does not show the quarantine label' }
        }
        "quorum ($($verdict.Persons -join ' + ')) quarantined ${Target}: label + deny-all NetworkPolicy, read back"
    }
    $null = Invoke-DrillPhase Recover {
        $gate = Invoke-DrillRecoveryGate 'acme/api@drill-rebuild'
        Undo-DrillContainment k8s.pod.quarantine $Target
        if ($fake -and @((Invoke-RestMethod "$($fake.control)/__fake/state").networkPolicies.PSObject.Properties).Count -ne 0) { throw 'a NetworkPolicy is left behind' }
        "$gate; quarantine undone by quorum and read back"
    }
    $null = Invoke-DrillPhase Close -Deadline retrospective { Close-DrillIncident 'Pod quarantined by quorum, image rebuilt, quarantine lifted (drill)' }
    $null = Invoke-DrillPhase Verify {
        $t = Test-DrillJournal
        $violations = if ($fake) { @(Invoke-RestMethod "$($fake.control)/__fake/violations") } else { @() }
        if ($violations.Count -ne 0) { throw "the fake saw requests a real API server would reject: $($violations | ConvertTo-Json -Compress -Depth 5)" }
        $t
    }
}
finally {
    $env:DEIRF_K8S_TOKEN = $savedToken
    if ($fake -and -not $fake.Process.HasExited) { Stop-Process -Id $fake.Process.Id -Force; $fake.Process.WaitForExit(10000) | Out-Null }
    Complete-Drill
}
