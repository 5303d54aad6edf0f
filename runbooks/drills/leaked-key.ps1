#Requires -Version 7.4
<#
.SYNOPSIS
    Gameday drill "leaked key": a responder's signing key was pushed to a public repository.
.DESCRIPTION
    Runs the whole incident flow as a drill in a sandbox workspace using only public DeIRF cmdlets, times each phase
    against its target and the incident's T-minus deadlines, and prints a scorecard. Exits 1 when a phase failed or
    missed its target or deadline. Needs no external service and no external tool (dana signs the manual approval with New-DeirfSignature).
    Copy this file (and _drill-kit.ps1) to write your own scenario.

      Roster   - alice, bob, carol, dana join; each binds two proofs of different kinds (keys made now)
      Detect   - the leak scanner's alert (generic JSON) opens the incident, tagged as a drill
      Triage   - P1 severity, Triage and Containment Leads, kickoff message          (deadline: triage)
      Evidence - the scanner's finding is captured in the write-once evidence store
      Contain  - quorum (bob + carol) revokes dana's leaked did:key; replay refused;
                 a note written with the leaked key on an attacker's copy is caught (deadline: containment)
      Re-key   - dana binds a new key and signs with it
      Recover  - recovery gate: patch review by two signers plus a manual approval
      Close    - reward recorded, incident closed, retrospective written       (deadline: retrospective)
      Verify   - the incident journal and the roster verify, signatures included

    With -MatrixApproval the Triage Lead (bob) approves from Matrix: in the Roster phase he binds @bob:fake.local (the
    "deirf bind" message, posted in the team room, carries his did:key signature over the binding), Triage opens the
    incident's Matrix room (New-DeirfIncidentChannel), and in Contain he posts "deirf approve <proposal id>" there;
    Add-DeirfQuorumSignature -FromMatrix counts it as his signature of the revocation (beside carol's Ethereum one).
    No Matrix homeserver is installable here: the homeserver is the DeIRF repository's fake (tests/tools/DeIRF.FakeServices,
    found above this script or through $env:DEIRF_FAKE_SERVICES = its DLL), started on 127.0.0.1 and stopped by PID;
    Verify asserts it saw no request a real homeserver would refuse. Without the fake the drill stops (exit 3).

    Drill keys live in a folder beside the workspace and are deleted at the end; the workspace is kept.
.EXAMPLE
    ./leaked-key.ps1 -Workspace ./drill-ws
.EXAMPLE
    Start-DeirfDrill -Scenario leaked-key -InjectDelay @{ Triage = 5 } -TargetScale 0.01
.EXAMPLE
    ./leaked-key.ps1 -Workspace ./drill-matrix -MatrixApproval
#>
[CmdletBinding()]
param(
    # The module to drill with (defaults to the installed DeIRF).
    [string] $ModulePath = 'DeIRF',
    # Keep the drill workspace here (default: a new temporary folder, kept for inspection).
    [string] $Workspace,
    # Seconds added to phases: "Triage=5,Contain=1" (Start-DeirfDrill -InjectDelay @{ Triage = 5 }).
    [string] $InjectDelay,
    # Seconds added to the Triage phase (kept for older callers; same as -InjectDelay Triage=<n>).
    [double] $InjectDelaySeconds = 0,
    # Multiplies every phase target and deadline (tests use a small scale to miss a deadline quickly).
    [ValidateRange(0.0001, 1000)]
    [double] $TargetScale = 1,
    # Where Start-DeirfDrill reads the scorecard (JSON lines).
    [string] $ScorecardPath,
    # The Triage Lead binds his Matrix account and approves the revocation from the incident's Matrix room (fake homeserver).
    [switch] $MatrixApproval
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
. (Join-Path $PSScriptRoot '_drill-kit.ps1')

if ($InjectDelaySeconds -gt 0) { $InjectDelay = (@($InjectDelay, "Triage=$InjectDelaySeconds") | Where-Object { $_ }) -join ',' }
# Phase targets (seconds): generous for a scripted drill; a real team sets its own.
$targets = [ordered]@{ Roster = 60; Detect = 30; Triage = 60; Evidence = 30; Contain = 120; 'Re-key' = 60; Recover = 120; Close = 60; Verify = 60 }
$drill = Initialize-Drill -Scenario leaked-key -Workspace $Workspace -ScorecardPath $ScorecardPath -InjectDelay $InjectDelay -TargetScale $TargetScale -Targets $targets
$ws = $drill.Workspace
$keys = $drill.Keys
$matrix = $null
$savedMatrix = @{ Homeserver = $env:DEIRF_MATRIX_HOMESERVER; Token = $env:DEIRF_MATRIX_TOKEN }

# -MatrixApproval: the fake homeserver (found beside the repository, or through $env:DEIRF_FAKE_SERVICES), with the
# workspace bot's token and bob's own client token made now; both reach it through its environment and an HTTP body.
if ($MatrixApproval) {
    $found = Find-DrillFake DeIRF.FakeServices DEIRF_FAKE_SERVICES 'no homeserver for -MatrixApproval: build the DeIRF repository (its fake homeserver, tests/tools/DeIRF.FakeServices) or set $env:DEIRF_FAKE_SERVICES to its DLL'
    $dll = $found.Dll
    $dotnet = $found.Dotnet
    $newToken = { 'syt_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant() }
    $botToken = & $newToken
    $psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
    $psi.ArgumentList.Add((Resolve-Path $dll).Path)
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
    # The token reaches the fake through its environment, never a command line or a file.
    $psi.Environment['DEIRF_FAKE_TOKEN'] = $botToken
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { Stop-Process -Id $process.Id -Force; Stop-Drill 'the fake homeserver did not start within 60 s' }
    $base = $line.Result.Trim()
    if ($base -notmatch '^http://127\.0\.0\.1:\d+$') { Stop-Process -Id $process.Id -Force; Stop-Drill "the fake homeserver printed '$base', not its address" }
    $matrix = [pscustomobject]@{ Process = $process; Base = $base; Bot = $botToken; Users = @{ bob = (& $newToken) }; TeamRoom = $null; IncidentRoom = $null }
    foreach ($u in $matrix.Users.Keys) {
        Invoke-RestMethod -Method Post "$base/_fake/matrix/users" -ContentType 'application/json' -Body (@{ userId = "@${u}:fake.local"; token = $matrix.Users[$u] } | ConvertTo-Json) | Out-Null
    }
    # DeIRF reads events with the workspace bot's token, as an operator configures it.
    $env:DEIRF_MATRIX_HOMESERVER = $base
    $env:DEIRF_MATRIX_TOKEN = $botToken
}

# A message as a responder posts it from their own Matrix client (PUT .../send/m.room.message/{txn}): its event id.
function Send-DrillMatrixMessage([string] $User, [string] $Room, [string] $Body) {
    $uri = "$($matrix.Base)/_matrix/client/v3/rooms/$([uri]::EscapeDataString($Room))/send/m.room.message/$([guid]::NewGuid().ToString('n'))"
    (Invoke-RestMethod -Method Put $uri -Headers @{ Authorization = "Bearer $($matrix.Users[$User])" } -ContentType 'application/json' `
        -Body (@{ msgtype = 'm.text'; body = $Body } | ConvertTo-Json)).event_id
}

# bob binds @bob:fake.local: the binding payload, his did:key signature over it in a "deirf bind" message he posts in
# the team's room (made by the workspace bot), then the claim naming that room and event.
function Add-DrillMatrixHandle([string] $Handle) {
    $mxid = "@${Handle}:fake.local"
    if (-not $matrix.TeamRoom) {
        $matrix.TeamRoom = (Invoke-RestMethod -Method Post "$($matrix.Base)/_matrix/client/v3/createRoom" -Headers @{ Authorization = "Bearer $($matrix.Bot)" } `
                -ContentType 'application/json' -Body (@{ preset = 'private_chat'; name = 'responders (drill)'; invite = @($mxid) } | ConvertTo-Json)).room_id
    }
    $payload = Join-Path $keys "$Handle-matrix-binding.json"
    $p = Get-DeirfSigningPayload -Responder $Handle -Kind Matrix -PublicKey "matrix:u/$mxid" -OutFile $payload -Workspace $ws
    $jws = Get-Content -Raw (New-DeirfSignature -Path $payload -KeyPath (Get-DrillKeyPath $Handle DidKey) -Kind DidKey -Confirm:$false)
    $ev = Send-DrillMatrixMessage $Handle $matrix.TeamRoom "deirf bind $($p.Digest)`n$jws"
    $ref = Join-Path $keys "$Handle-matrix-binding.ref"
    Set-Content -Path $ref -Value "matrix:event/$($matrix.TeamRoom)/$ev" -NoNewline
    $claim = "matrix:u/${mxid}?org.keyoxide.r=$($matrix.TeamRoom)&org.keyoxide.e=$ev"
    $proof = Add-DeirfIdentityProof -Responder $Handle -Kind Matrix -PublicKey $claim -SignaturePath $ref -PayloadPath $payload -Actor $Handle -Workspace $ws -Confirm:$false
    "$Handle bound $($proof.Fingerprint) (vouched by his did:key)"
}

try {
    $null = Invoke-DrillPhase Roster {
        $team = New-DrillTeam
        if ($matrix) { "$team; $(Add-DrillMatrixHandle bob)" } else { $team }
    }
    $null = Invoke-DrillPhase Detect {
        $i = New-DrillIncidentFromAlert -Title 'Responder signing key leaked in public repo (drill)' -Source 'leak-scanner' -Tag leaked-key
        # The T-minus deadlines of this drill: triage within the Detect+Triage targets, containment by Contain.
        Set-DrillDeadline -Incident $i.Id -Deadlines @{ triage = 'Detect', 'Triage'; containment = 'Detect', 'Triage', 'Evidence', 'Contain' }
        "alert from leak-scanner opened $($i.Id) (drill: true)"
    }
    $id = $drill.Incident
    $null = Invoke-DrillPhase Triage -Deadline triage {
        $triage = Set-DrillTriage 'a responder signing key is public'
        if (-not $matrix) { return $triage }
        # The Comms Lead opens the incident's private room on the homeserver and invites the Triage Lead.
        $matrix.IncidentRoom = (New-DeirfIncidentChannel -Incident $id -Homeserver $matrix.Base -Invite '@bob:fake.local' -Actor carol -Workspace $ws -Confirm:$false).Reference
        "$triage; incident room $($matrix.IncidentRoom)"
    }
    $null = Invoke-DrillPhase Evidence {
        $finding = Join-Path $keys 'scanner-finding.txt'
        "repo: acme/dotfiles`ncommit: 3f1c2d9`nfile: .deirf/dana.key`nfound: $([DateTimeOffset]::UtcNow.ToString('o'))" | Set-Content $finding
        $e = Add-DeirfEvidence -Incident $id -Path $finding -Target 'identity/dana' -Actor bob -Workspace $ws -PassThru
        "scanner finding captured: $($e.Hash.Substring(0, 19))..."
    }
    $null = Invoke-DrillPhase Contain -Deadline containment {
        $leaked = (Get-DeirfResponder dana -Workspace $ws).Proofs | Where-Object Kind -eq 'DidKey'
        # No one revokes alone: bob proposes, carol and dana sign (two persons), then the revocation runs once.
        $p = New-DeirfProposal -Incident $id -Action identity.revoke -Target "dana/$($leaked.Fingerprint)" -Parameter @{ reason = 'seed leaked in public repo (drill)' } -Proposer bob -Workspace $ws
        if ($matrix) {
            # bob approves from his phone, in the incident room; the sweep records it as his Matrix signature.
            $null = Send-DrillMatrixMessage bob $matrix.IncidentRoom "deirf approve $($p.Id)"
            $p | Add-DeirfQuorumSignature -FromMatrix -Actor bob -Workspace $ws -Confirm:$false | Out-Null
        }
        else {
            $p | Add-DeirfQuorumSignature -Responder bob -Kind DidKey -KeyPath (Get-DrillKeyPath bob DidKey) -Confirm:$false | Out-Null
        }
        $p | Add-DeirfQuorumSignature -Responder carol -Kind Ethereum -KeyPath (Get-DrillKeyPath carol Ethereum) -Confirm:$false | Out-Null
        $verdict = $p | Test-DeirfQuorum
        if (-not $verdict.IsMet) { throw "quorum not met: $($verdict.Blockers -join '; ')" }
        if ($matrix -and -not @($verdict.Signatures | Where-Object { $_.Responder -eq 'bob' -and "$($_.Kind)" -eq 'Matrix' -and "$($_.Status)" -eq 'Counted' })) {
            throw "bob's approval from Matrix is not counted: $(@($verdict.Signatures | ForEach-Object { "$($_.Responder) $($_.Kind) $($_.Status) $($_.Detail)" }) -join '; ')"
        }
        $applied = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction Stop
        if (-not $applied.Verified) { throw "identity.revoke applied but not verified: $($applied.Message)" }
        $again = $p | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable replay
        if ($again -or "$($replay[0].FullyQualifiedErrorId)" -notlike 'ProposalConsumed,*') { throw 'the same approvals ran the revocation twice' }
        # The attacker holds the leaked seed and writes as dana on a copy of the workspace: verification refuses it.
        $probe = Join-Path $keys 'attacker-copy'
        Copy-Item $ws $probe -Recurse
        Add-DeirfNote -Incident $id -Actor dana -Text 'approve the treasury transfer' -Workspace $probe -WarningAction SilentlyContinue
        $v = Test-DeirfJournal -Incident $id -Workspace $probe -RequireSignatures
        if ($v.IsValid -or $v.Fault -ne 'SignatureInvalid') { throw "a note written as dana after the revocation was not caught: $($v.Fault) $($v.Reason)" }
        "quorum ($($verdict.Persons -join ' + ')$(if ($matrix) { ', bob from Matrix' })) revoked dana's did:key; replay refused; forged note caught at seq $($v.FirstBadSeq)"
    }
    $null = Invoke-DrillPhase 'Re-key' {
        # dana signs with her remaining proof (Ethereum) until the new key is bound.
        Set-DeirfSigningKey -Responder dana -Kind Ethereum -KeyPath (Get-DrillKeyPath dana Ethereum) -Workspace $ws | Out-Null
        $new = New-DrillKey 'dana-rekeyed' DidKey
        $proof = Add-DeirfIdentityProof -Responder dana -Kind DidKey -KeyPath $new -Workspace $ws
        Set-DeirfSigningKey -Responder dana -Kind DidKey -KeyPath $new -Workspace $ws | Out-Null
        Copy-Item $new (Get-DrillKeyPath dana DidKey) -Force
        Add-DeirfNote -Incident $id -Actor dana -Text 'Re-keyed; signing with the new did:key.' -Workspace $ws
        if (-not (Get-DeirfResponder dana -Workspace $ws).Eligible) { throw 'dana is not eligible after re-keying' }
        "dana re-keyed: $($proof.Fingerprint.Substring(0, 24))..."
    }
    $null = Invoke-DrillPhase Recover { Invoke-DrillRecoveryGate 'acme/signing-config@rekey-dana' }
    $null = Invoke-DrillPhase Close -Deadline retrospective { Close-DrillIncident 'Leaked key revoked by quorum, responder re-keyed (drill)' }
    $null = Invoke-DrillPhase Verify {
        $t = Test-DrillJournal
        if ($matrix) {
            $problems = @(Invoke-RestMethod "$($matrix.Base)/_fake/problems" | ForEach-Object { $_ })
            if ($problems.Count -ne 0) { throw "the fake homeserver saw requests a real one would refuse: $($problems | ConvertTo-Json -Compress -Depth 5)" }
            $tokens = @($matrix.Bot) + @($matrix.Users.Values)
            $leaks = @(Get-ChildItem $ws -Recurse -File | Where-Object { $text = [IO.File]::ReadAllText($_.FullName); @($tokens | Where-Object { $text.Contains($_) }).Count })
            if ($leaks.Count) { throw "a Matrix token is in the workspace: $($leaks.Name -join ', ')" }
        }
        $t
    }
}
finally {
    $env:DEIRF_MATRIX_HOMESERVER = $savedMatrix.Homeserver
    $env:DEIRF_MATRIX_TOKEN = $savedMatrix.Token
    if ($matrix -and -not $matrix.Process.HasExited) { Stop-Process -Id $matrix.Process.Id -Force; $matrix.Process.WaitForExit(10000) | Out-Null }
    Complete-Drill
}
