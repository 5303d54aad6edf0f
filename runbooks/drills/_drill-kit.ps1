# Shared by the drill scenarios in this folder (dot-source it: . (Join-Path $PSScriptRoot '_drill-kit.ps1')).
# Plain functions over public DeIRF cmdlets: the scorecard, scripted responders with keys made at drill time, the
# alert, the manual approval of recovery proposals, and the end of the drill. Copy it with your own scenario.

function Initialize-Drill {
    param(
        [Parameter(Mandatory)] [string] $Scenario,
        [string] $Workspace,
        [string] $ScorecardPath,
        # "Triage=5,Contain=2" (from Start-DeirfDrill) or a hashtable.
        $InjectDelay,
        [double] $TargetScale = 1,
        # Phase targets in seconds; phases guarding an incident deadline name it in $Deadlines.
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Targets
    )
    if (-not $Workspace) { $Workspace = Join-Path ([IO.Path]::GetTempPath()) ("deirf-drill-" + [guid]::NewGuid().ToString('n').Substring(0, 8)) }
    if (-not (Test-Path (Join-Path $Workspace 'deirf-workspace.json'))) { Initialize-DeirfWorkspace -Path $Workspace -Name "drill $Scenario" | Out-Null }
    $Workspace = (Resolve-Path $Workspace).Path
    $delays = @{}
    if ($InjectDelay -is [System.Collections.IDictionary]) { foreach ($k in $InjectDelay.Keys) { $delays[$k] = [double] $InjectDelay[$k] } }
    elseif ($InjectDelay) {
        foreach ($pair in "$InjectDelay" -split ',') {
            $name, $value = $pair -split '=', 2
            $delays[$name.Trim()] = [double]::Parse($value, [cultureinfo]::InvariantCulture)
        }
    }
    $scaled = [ordered]@{}
    foreach ($k in $Targets.Keys) { $scaled[$k] = [double] $Targets[$k] * $TargetScale }
    $keys = New-Item -ItemType Directory -Force -Path "$Workspace.keys"
    $script:Drill = [pscustomobject]@{
        Scenario = $Scenario; Workspace = $Workspace; Keys = $keys.FullName; ScorecardPath = $ScorecardPath
        Targets = $scaled; Delays = $delays; Score = [System.Collections.Generic.List[object]]::new()
        Incident = $null; SavedSigningConfig = $env:DEIRF_SIGNING_CONFIG; SavedWorkspace = $env:DEIRF_WORKSPACE; Started = [DateTimeOffset]::UtcNow
    }
    # Runbook one-liners without -Workspace find the drill workspace through the environment.
    $env:DEIRF_WORKSPACE = $Workspace
    # The drill's signing-key settings live beside its keys: the machine's own settings stay untouched.
    $env:DEIRF_SIGNING_CONFIG = Join-Path $keys 'signing-keys.json'
    $script:Drill
}

# Runs one phase: injected delay first (the work then happens late, as in a slow incident), times it against its
# target and, with -Deadline, asks the journal whether the incident's T-minus deadline of that name was met.
function Invoke-DrillPhase {
    # The body runs inside this function, and PowerShell scopes are dynamic: every local here is prefixed (drill*) so
    # it never hides a scenario variable such as $name or $target that the body reads.
    param([Parameter(Mandatory, Position = 0)] [string] $DrillPhase, [Parameter(Mandatory, Position = 1)] [scriptblock] $DrillBody, [string] $Deadline)
    $drillWatch = [Diagnostics.Stopwatch]::StartNew()
    $drillOk = $true; $drillDetail = ''; $drillDeadlineText = ''; $drillDeadlineMissed = $false
    try {
        if ($script:Drill.Delays[$DrillPhase]) { Start-Sleep -Milliseconds ([int](1000 * $script:Drill.Delays[$DrillPhase])) }
        $drillDetail = & $DrillBody
    }
    catch { $drillOk = $false; $drillDetail = $_.Exception.Message }
    $drillWatch.Stop()
    if ($drillOk -and $Deadline -and $script:Drill.Incident) {
        $drillDue = Get-DeirfDeadline -Incident $script:Drill.Incident -Name $Deadline -Workspace $script:Drill.Workspace
        $drillDeadlineText = if ($null -eq $drillDue) { "${Deadline}: not set" } elseif ($drillDue.Met -eq $true) { "${Deadline}: met" } elseif ($drillDue.Met -eq $false) { "${Deadline}: MISSED" } else { "${Deadline}: open" }
        $drillDeadlineMissed = $null -eq $drillDue -or $drillDue.Met -ne $true
    }
    $drillTarget = $script:Drill.Targets[$DrillPhase]
    $drillResult = if (-not $drillOk) { 'FAILED' } elseif ($drillDeadlineMissed -or $drillWatch.Elapsed.TotalSeconds -gt $drillTarget) { 'MISSED' } else { 'met' }
    $script:Drill.Score.Add([pscustomobject]@{
            phase = $DrillPhase; seconds = [math]::Round($drillWatch.Elapsed.TotalSeconds, 3); target = $drillTarget
            deadline = $drillDeadlineText; result = $drillResult; detail = "$drillDetail"
        })
    $drillOk
}

# T-minus deadlines of the drill incident: each guarded phase must be done within the sum of the targets up to it,
# counted from the opening (set before severity, so the P1 defaults, which are later, do not move them).
function Set-DrillDeadline {
    param([Parameter(Mandatory)] [string] $Incident, [Parameter(Mandatory)] [System.Collections.IDictionary] $Deadlines)
    $opened = (Get-DeirfIncident $Incident -Workspace $script:Drill.Workspace).Opened
    foreach ($name in $Deadlines.Keys) {
        $seconds = ($Deadlines[$name] | ForEach-Object { $script:Drill.Targets[$_] } | Measure-Object -Sum).Sum
        Set-DeirfDeadline -Incident $Incident -Name $name -Due $opened.AddSeconds($seconds) -Actor bob -Workspace $script:Drill.Workspace -Confirm:$false
    }
}

function New-DrillKey([string] $Name, [ValidateSet('DidKey', 'Ethereum')] [string] $Kind) {
    # Fresh key material for a scripted responder; written only to the drill's key folder.
    # Made by DeIRF itself: mode 0600, never inside the workspace, never over a file.
    $path = Join-Path $script:Drill.Keys "$Name.$Kind.key"
    (New-DeirfSigningKey -Kind $Kind -Path $path -InformationAction Ignore).Path
}

# alice, bob, carol, dana: each binds a did:key and an Ethereum key (two kinds: eligible) and signs with the did:key;
function New-DrillTeam {
    $ws = $script:Drill.Workspace
    $people = @(
        @{ Handle = 'alice'; Name = 'Alice Reporter'; Role = 'FirstReporter', 'Recorder' }
        @{ Handle = 'bob'; Name = 'Bob Okafor'; Role = 'TriageLead', 'ContainmentLead' }
        @{ Handle = 'carol'; Name = 'Carol Diaz'; Role = 'ContainmentLead', 'CommsLead' }
        @{ Handle = 'dana'; Name = 'Dana Lee'; Role = 'ContainmentLead' }
    )
    foreach ($p in $people) {
        New-DeirfResponder -Handle $p.Handle -Name $p.Name -Role $p.Role -Actor alice -Workspace $ws | Out-Null
        $did = New-DrillKey $p.Handle DidKey
        Add-DeirfIdentityProof -Responder $p.Handle -Kind DidKey -KeyPath $did -Workspace $ws | Out-Null
        Set-DeirfSigningKey -Responder $p.Handle -Kind DidKey -KeyPath $did -Workspace $ws | Out-Null
        Add-DeirfIdentityProof -Responder $p.Handle -Kind Ethereum -KeyPath (New-DrillKey $p.Handle Ethereum) -Workspace $ws | Out-Null
    }
    $eligible = @(Get-DeirfResponder -Workspace $ws | Where-Object Eligible).Count
    if ($eligible -ne 4) { throw "only $eligible of 4 responders are eligible" }
    '4 responders, did:key + Ethereum each (eligible), keys made now'
}

function Get-DrillKeyPath([string] $Handle, [string] $Kind) { Join-Path $script:Drill.Keys "$Handle.$Kind.key" }

# The alert as the detection pipeline would post it (generic JSON), then the drill incident opened from it.
function New-DrillIncidentFromAlert {
    param([Parameter(Mandatory)] [string] $Title, [Parameter(Mandatory)] [string] $Source, [string[]] $Tag = @(), [double] $DetectedSecondsAgo = 30)
    $alert = Join-Path $script:Drill.Keys 'alert.json'
    [ordered]@{
        title = $Title; source = $Source; severity = 'critical'; tags = @($Tag)
        time = [DateTimeOffset]::UtcNow.AddSeconds(-$DetectedSecondsAgo).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [cultureinfo]::InvariantCulture)
    } | ConvertTo-Json -Compress | Set-Content -Path $alert -NoNewline
    $incident = ConvertFrom-DeirfAlert -Path $alert | New-DeirfIncident -Reporter alice -Drill -Workspace $script:Drill.Workspace
    $script:Drill.Incident = $incident.Id
    $incident
}

# Triage: P1 from the matrix, bob Triage Lead, carol and dana Containment Leads, carol Comms Lead, kickoff rendered.
function Set-DrillTriage([string] $Reason) {
    $ws = $script:Drill.Workspace
    $id = $script:Drill.Incident
    Set-DeirfSeverity -Incident $id -Impact High -Urgency High -Actor bob -Reason $Reason -Workspace $ws -InformationAction SilentlyContinue
    Grant-DeirfIncidentRole -Incident $id -Role TriageLead -Responder bob -Actor bob -Workspace $ws
    foreach ($who in 'carol', 'dana') { Grant-DeirfIncidentRole -Incident $id -Role ContainmentLead -Responder $who -Actor bob -Workspace $ws }
    Grant-DeirfIncidentRole -Incident $id -Role CommsLead -Responder carol -Actor bob -Workspace $ws
    $kickoff = New-DeirfKickoffMessage -Incident $id -Workspace $ws
    if ($kickoff -notmatch "# P1 $id") { throw 'the kickoff message does not name the P1 incident' }
    # The swarm's standard tasks (templates/tasks/p1-kickoff.json), handed out by the Triage Lead.
    $tasks = @(New-DeirfTask -Incident $id -Template p1-kickoff -Actor bob -Workspace $ws -Confirm:$false)
    if ($tasks.Count -eq 0) { throw 'the p1-kickoff template seeded no task' }
    "P1, Triage Lead bob, Containment Leads carol + dana, Comms Lead carol, kickoff rendered, $($tasks.Count) tasks from p1-kickoff"
}

# The two signers of a proposal (never its proposer, bob), by did:key and Ethereum: two persons, two kinds.
function Add-DrillQuorum($Proposal, [string[]] $Signers = @('carol', 'dana')) {
    $kinds = @('DidKey', 'Ethereum')
    for ($i = 0; $i -lt $Signers.Count; $i++) {
        $kind = $kinds[$i % 2]
        $Proposal | Add-DeirfQuorumSignature -Responder $Signers[$i] -Kind $kind -KeyPath (Get-DrillKeyPath $Signers[$i] $kind) -Confirm:$false | Out-Null
    }
    $verdict = $Proposal | Test-DeirfQuorum
    if (-not $verdict.IsQuorumFilled) { throw "quorum not met: $($verdict.Blockers -join '; ')" }
    $verdict
}

# The manual approval recovery.* needs: dana signs the approval payload on "her device" with her did:key
# (New-DeirfSignature: the signer for key kinds without a standard CLI), then the signature file is recorded.
function Approve-DrillProposal($Proposal) {
    $payload = Join-Path $script:Drill.Keys "approve-$($Proposal.ShortId).txt"
    $Proposal | Get-DeirfSigningPayload -Approval -OutFile $payload | Out-Null
    New-DeirfSignature -Path $payload -KeyPath (Get-DrillKeyPath dana DidKey) -Kind DidKey -Confirm:$false | Out-Null
    $Proposal | Approve-DeirfProposal -Responder dana -SignaturePath "$payload.sig" -Confirm:$false | Out-Null
}

# Recovery gate (seed section 6): a patch review by two signers and a manual approval, applied and verified.
# With -Revision the review signs the commit too (a recovery.roll-forward later must run exactly that revision).
function Invoke-DrillRecoveryGate([string] $Patch, [string] $Revision) {
    $ws = $script:Drill.Workspace
    $reviewed = @{ patch = $Patch }
    if ($Revision) { $reviewed.revision = $Revision }
    $review = New-DeirfProposal -Incident $script:Drill.Incident -Action recovery.patch-review -Target $Patch -Parameter $reviewed -Proposer bob -Workspace $ws
    Add-DrillQuorum $review | Out-Null
    $blocked = $review | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable gate -WarningAction SilentlyContinue
    if ($blocked -or "$($gate[0])" -notmatch 'ManualApprovalMissing') { throw "the recovery ran without its manual approval: $($gate[0])" }
    Approve-DrillProposal $review
    $applied = $review | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
    if (-not $applied.Verified) { throw "the patch review was applied but not verified: $($applied.Message)" }
    "patch $Patch$(if ($Revision) { " at $($Revision.Substring(0, 7))" }) reviewed by carol + dana, manually approved by dana, applied and verified"
}

# A containment lifted the way it was applied: the undo is its own proposal, signed by two, run and read back.
function Undo-DrillContainment([string] $Action, [string] $Target) {
    $ws = $script:Drill.Workspace
    $u = Undo-DeirfContainment -Incident $script:Drill.Incident -Action $Action -Target $Target -Proposer bob -Workspace $ws -Confirm:$false
    Add-DrillQuorum $u | Out-Null
    $r = Undo-DeirfContainment -Incident $script:Drill.Incident -Action $Action -Target $Target -Actor bob -Workspace $ws -Confirm:$false -WarningAction SilentlyContinue
    if (-not $r.Verified) { throw "the $Action undo was not verified: $($r.Message)" }
}

# Each open task is worked by whoever holds its role (the Triage Lead picks up a role nobody holds): InProgress, then Done.
function Complete-DrillTasks {
    $ws = $script:Drill.Workspace
    $id = $script:Drill.Incident
    $roles = (Get-DeirfIncident $id -Workspace $ws).Roles
    $open = @(Get-DeirfTask -Incident $id -Workspace $ws | Where-Object Status -ne 'Done')
    foreach ($t in $open) {
        $who = if ($t.Assignee) { $t.Assignee } elseif ($roles[$t.Role]) { $roles[$t.Role][0] } else { 'bob' }
        $t | Set-DeirfTask -Status InProgress -Actor $who -Workspace $ws -Confirm:$false | Out-Null
        $t | Set-DeirfTask -Status Done -Note 'done in the drill' -Actor $who -Workspace $ws -Confirm:$false | Out-Null
    }
    $left = @(Get-DeirfTask -Incident $id -Workspace $ws | Where-Object Status -ne 'Done')
    if ($left.Count) { throw "tasks still open: $($left.Id -join ', ')" }
    "$($open.Count) task(s) done"
}

function Close-DrillIncident([string] $Resolution) {
    $ws = $script:Drill.Workspace
    $id = $script:Drill.Incident
    $done = Complete-DrillTasks
    Add-DeirfReward -Incident $id -Reporter alice -Amount 100 -Currency USDC -Reason 'drill: the reward step of the flow' -Actor carol -Workspace $ws -Confirm:$false | Out-Null
    Close-DeirfIncident -Incident $id -Resolution $Resolution -Actor bob -Workspace $ws -Confirm:$false
    $retro = New-DeirfRetrospective -Incident $id -Path (Join-Path $ws "retro-$id.md") -Facilitator alice -Actor alice -Workspace $ws -Confirm:$false
    if ((Get-Content -Raw $retro.Path) -notmatch '### Tasks') { throw 'the retrospective does not list the tasks' }
    "$done; closed; retrospective $([IO.Path]::GetFileName($retro.Path)) written ($($retro.Digest.Substring(0, 19))...)"
}

function Test-DrillJournal {
    $ws = $script:Drill.Workspace
    $v = Test-DeirfJournal -Incident $script:Drill.Incident -Workspace $ws -RequireSignatures
    if (-not $v.IsValid) { throw "incident journal invalid: $($v.Fault) at seq $($v.FirstBadSeq): $($v.Reason)" }
    $r = Test-DeirfJournal -Roster -Workspace $ws -RequireSignatures
    if (-not $r.IsValid) { throw "roster invalid: $($r.Fault) at seq $($r.FirstBadSeq): $($r.Reason)" }
    "incident: $($v.EntryCount) entries, $($v.SignedEntries) signed, head $($v.HeadHash.Substring(0, 12)); roster: $($r.EntryCount) entries"
}

# A prerequisite is missing (no cluster, no named): say so and stop; a drill never pretends.
# A test fake's DLL (tests/tools/<Project>, built beside the repository, or the path in $env:<Variable>) and the dotnet
# host to run it; stops the drill with <Missing> when either is absent (a drill never pretends a service is there).
function Find-DrillFake([string] $Project, [string] $Variable, [string] $Missing) {
    $dll = [Environment]::GetEnvironmentVariable($Variable)
    if (-not $dll) {
        $dir = $PSScriptRoot
        while ($dir -and -not $dll) {
            $dll = @('Release', 'Debug') | ForEach-Object { Join-Path $dir "tests/tools/$Project/bin/$_/net10.0/$Project.dll" } | Where-Object { Test-Path $_ } | Select-Object -First 1
            $dir = Split-Path $dir -Parent
        }
    }
    $dotnet = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { (Get-Command dotnet -ErrorAction SilentlyContinue).Source }
    if (-not $dll -or -not (Test-Path $dll) -or -not $dotnet) { Stop-Drill $Missing }
    [pscustomobject]@{ Dll = $dll; Dotnet = $dotnet }
}

function Stop-Drill([string] $Reason) {
    $script:Drill.Score.Add([pscustomobject]@{ phase = 'Setup'; seconds = 0; target = 0; deadline = ''; result = 'STOPPED'; detail = $Reason })
    Complete-Drill -ExitCode 3
}

function Complete-Drill([int] $ExitCode = -1) {
    $env:DEIRF_SIGNING_CONFIG = $script:Drill.SavedSigningConfig
    $env:DEIRF_WORKSPACE = $script:Drill.SavedWorkspace
    # Drill keys never outlive the drill.
    Remove-Item $script:Drill.Keys -Recurse -Force -ErrorAction SilentlyContinue
    if ($script:Drill.ScorecardPath) {
        $lines = $script:Drill.Score | ForEach-Object { $_ | ConvertTo-Json -Compress }
        [IO.File]::WriteAllLines($script:Drill.ScorecardPath, [string[]] @($lines))
    }
    Write-Host ''
    Write-Host "DeIRF drill: $($script:Drill.Scenario)   workspace: $($script:Drill.Workspace)"
    if ($script:Drill.Incident) {
        Get-DeirfJournal -Incident $script:Drill.Incident -Workspace $script:Drill.Workspace | Format-Table | Out-String -Width 160 | Write-Host
        # The tasks the drill handed out, who did them and when (the same fold as the report and the retrospective).
        Get-DeirfTask -Incident $script:Drill.Incident -Workspace $script:Drill.Workspace -ErrorAction SilentlyContinue |
            Format-Table Id, Status, AssignedTo, CompletedBy, Completed, Title -AutoSize | Out-String -Width 160 | Write-Host
    }
    $script:Drill.Score | Format-Table @{ n = 'Phase'; e = { $_.phase } }, @{ n = 'Seconds'; e = { $_.seconds } }, @{ n = 'Target'; e = { $_.target } },
        @{ n = 'Deadline'; e = { $_.deadline } }, @{ n = 'Result'; e = { $_.result } }, @{ n = 'Detail'; e = { $_.detail } } -AutoSize -Wrap | Out-String -Width 200 | Write-Host
    if ($ExitCode -eq 3) { Write-Host "Drill STOPPED: $($script:Drill.Score[-1].detail)" -ForegroundColor Yellow; exit 3 }
    $bad = @($script:Drill.Score | Where-Object result -ne 'met')
    if ($script:Drill.Score.Count -eq 0) { Write-Host 'Drill FAILED: no phase ran' -ForegroundColor Red; exit 1 }
    if ($bad.Count -gt 0) { Write-Host "Drill FAILED: $($bad.phase -join ', ')" -ForegroundColor Red; exit 1 }
    Write-Host "Drill passed: $($script:Drill.Score.Count) phases met their targets." -ForegroundColor Green
    exit 0
}
