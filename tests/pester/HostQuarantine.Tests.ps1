# Issue 22: host.quarantine as a user drives it, from the BUILT module, against a real sshd and a real nft inside
# network namespaces this file makes and removes: "h" (the host), "m" (management: DeIRF's ssh runs there through a
# DEIRF_SSH wrapper) and "p" (an outside prober with a listener). veth pairs link h-m and h-p; no other traffic.
# The runbook proposes, evidence comes first, two responders sign, -WhatIf shows the plan, apply loads the table
# commit-confirmed, the prober is cut off while management works, the undo deletes exactly that table; and a DeIRF
# process killed right after the load leaves a host that reverts alone within confirmWithin.

BeforeDiscovery {
    $script:CanRun = $IsLinux -and ((id -u) -eq '0')
    if (-not $script:CanRun -and $env:CI -eq 'true') { throw 'HostQuarantine.Tests.ps1 needs Linux and root (ip netns) under CI=true' }
    if ($script:CanRun) {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        foreach ($tool in 'ip', 'ssh', 'ssh-keygen') { if (-not (Test-DeirfTool $tool)) { $script:CanRun = $false } }
        foreach ($tool in '/usr/sbin/sshd', '/usr/sbin/nft') {
            if (-not (Test-Path $tool)) { if ($env:CI -eq 'true') { throw "$tool is required under CI=true" }; $script:CanRun = $false }
        }
    }
}

BeforeAll {
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $script:Runbooks = Join-Path (Split-Path (Get-DeirfTestModulePath)) 'runbooks' | Resolve-Path | ForEach-Object Path

    function Invoke-Must([string] $File, [string[]] $Arguments) {
        $out = & $File @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed: $out" }
        $out
    }
    function Test-Connect([string] $Ns, [string] $Address, [int] $Port) {
        & ip netns exec $Ns timeout 2 bash -c "exec 3<>/dev/tcp/$Address/$Port" 2>$null
        $LASTEXITCODE -eq 0
    }
    function Get-HostTable { $t = & ip netns exec $Lab.H nft -j list table inet deirf_quarantine 2>$null; if ($LASTEXITCODE -eq 0) { $t } else { $null } }
    function Wait-NoTable([int] $Seconds) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while ($sw.Elapsed.TotalSeconds -lt $Seconds) { if (-not (Get-HostTable)) { return $sw.Elapsed }; Start-Sleep -Milliseconds 200 }
        $null
    }
    function Get-HostText([scriptblock] $Script) {
        $file = Join-Path $TestDrive "host-$([guid]::NewGuid().ToString('n')).txt"
        Start-Transcript -Path $file -UseMinimalHeader | Out-Null
        try { & $Script | Out-Null } finally { Stop-Transcript | Out-Null }
        Get-Content -Raw $file
    }
    function New-Team([string] $Ws, [string] $Title) {
        Initialize-DeirfWorkspace -Path $Ws | Out-Null
        $keys = @{}
        foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' })) {
            $keys[$r.H] = Add-DeirfTestResponder -Workspace $Ws -Handle $r.H -Role $r.R -KeyFolder $TestDrive -AddedBy bob
        }
        $inc = (New-DeirfIncident -Title $Title -Reporter bob -Workspace $Ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $Ws -Confirm:$false
        Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder carol -Actor bob -Workspace $Ws -Confirm:$false
        @{ Inc = $inc; Keys = $keys }
    }
    function Approve($Proposal, $Keys) {
        $Proposal | Add-DeirfQuorumSignature -Responder bob -KeyPath $Keys.bob.Seed -Kind DidKey -Confirm:$false | Out-Null
        $Proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $Keys.carol.Eth -Kind Ethereum -Confirm:$false | Out-Null
    }

    $script:Lab = $null
    if (-not $CanRun) { return }
    $id = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(3)).ToLowerInvariant()
    $dir = (New-Item -ItemType Directory (Join-Path $TestDrive 'lab')).FullName
    $script:Lab = [pscustomobject]@{
        Id = $id; Dir = $dir; H = "deirf-host-$id-h"; M = "deirf-host-$id-m"; P = "deirf-host-$id-p"
        Port = Get-Random -Minimum 40000 -Maximum 50000; Processes = [Collections.Generic.List[Diagnostics.Process]]::new()
        Namespaces = [Collections.Generic.List[string]]::new(); Key = (Join-Path $dir 'client_ed25519'); Fingerprint = $null
    }
    foreach ($ns in $Lab.H, $Lab.M, $Lab.P) { Invoke-Must ip @('netns', 'add', $ns) | Out-Null; $Lab.Namespaces.Add($ns); Invoke-Must ip @('-n', $ns, 'link', 'set', 'lo', 'up') | Out-Null }
    foreach ($link in @(@("pq$($id)hm", $Lab.H, '10.78.1.1', "pq$($id)mh", $Lab.M, '10.78.1.2'), @("pq$($id)hp", $Lab.H, '10.78.2.1', "pq$($id)ph", $Lab.P, '10.78.2.2'))) {
        $a, $na, $aa, $b, $nb, $ab = $link
        Invoke-Must ip @('link', 'add', $a, 'type', 'veth', 'peer', 'name', $b) | Out-Null
        Invoke-Must ip @('link', 'set', $a, 'netns', $na) | Out-Null
        Invoke-Must ip @('link', 'set', $b, 'netns', $nb) | Out-Null
        Invoke-Must ip @('-n', $na, 'addr', 'add', "$aa/24", 'dev', $a) | Out-Null
        Invoke-Must ip @('-n', $nb, 'addr', 'add', "$ab/24", 'dev', $b) | Out-Null
        Invoke-Must ip @('-n', $na, 'link', 'set', $a, 'up') | Out-Null
        Invoke-Must ip @('-n', $nb, 'link', 'set', $b, 'up') | Out-Null
    }
    foreach ($k in 'host_ed25519', 'client_ed25519', 'ca_ed25519', 'cert_ed25519') {
        Invoke-Must ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-C', $k, '-f', (Join-Path $dir $k)) | Out-Null
        Register-DeirfTestKeyFile -Kind 'openssh private key' -Path (Join-Path $dir $k)
    }
    Copy-Item "$($Lab.Key).pub" (Join-Path $dir 'authorized_keys')
    # SSH CA: the host trusts the CA and the principal 'deirf-quarantine'; the helper is installed as the force-command runs it.
    'deirf-quarantine' | Set-Content (Join-Path $dir 'principals')
    $script:Helper = Join-Path $dir 'deirf-quarantine'
    Copy-Item (Join-Path $PSScriptRoot '../../src/DeIRF.Providers.Host/deirf-quarantine.sh') $Helper
    chmod 755 $Helper
    $Lab.Fingerprint = ((Invoke-Must ssh-keygen @('-lf', (Join-Path $dir 'host_ed25519.pub'), '-E', 'sha256')) -split ' ')[1]
    New-Item -ItemType Directory -Force /run/sshd | Out-Null
    foreach ($s in @(@($Lab.H, $Lab.Port, 'host'), @($Lab.P, ($Lab.Port + 1), 'prober'))) {
        $ns, $port, $name = $s
        $conf = Join-Path $dir "sshd_$name.conf"
        @("Port $port", "HostKey $(Join-Path $dir 'host_ed25519')", "PidFile $(Join-Path $dir "sshd_$name.pid")", "AuthorizedKeysFile $(Join-Path $dir 'authorized_keys')",
            "TrustedUserCAKeys $(Join-Path $dir 'ca_ed25519.pub')", "AuthorizedPrincipalsFile $(Join-Path $dir 'principals')",
            'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no') | Set-Content $conf
        $psi = [Diagnostics.ProcessStartInfo]::new('ip')
        foreach ($a in 'netns', 'exec', $ns, '/usr/sbin/sshd', '-D', '-e', '-f', $conf) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $Lab.Processes.Add([Diagnostics.Process]::Start($psi))
    }
    $script:Wrapper = Join-Path $dir 'ssh-in-management'
    "#!/bin/sh`nexec ip netns exec $($Lab.M) ssh `"`$@`"`n" | Set-Content -NoNewline $Wrapper
    chmod 700 $Wrapper
    $env:DEIRF_SSH = $Wrapper
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (-not (Test-Connect $Lab.M '10.78.1.1' $Lab.Port) -or -not (Test-Connect $Lab.H '10.78.2.2' ($Lab.Port + 1))) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'the lab sshd did not come up' }
        Start-Sleep -Milliseconds 100
    }
    $script:Ssh = "root@10.78.1.1:$($Lab.Port)"
    $script:Probe = "10.78.2.2:$($Lab.Port + 1)"
}

AfterAll {
    Remove-Item Env:DEIRF_SIGNING_CONFIG, Env:DEIRF_SSH -ErrorAction SilentlyContinue
    if ($Lab) {
        foreach ($p in $Lab.Processes) { if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force; $p.WaitForExit(5000) | Out-Null } }
        foreach ($ns in $Lab.Namespaces) { & ip netns del $ns 2>$null }
    }
}

Describe 'HostQuarantine: runbooks/host-quarantine.ps1 end to end against a real sshd and nft' -Skip:(-not $CanRun) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-host'
        $team = New-Team $ws 'Reverse shell on web-3'
        $inc = $team.Inc
    }

    It 'the one-liner proposes host.quarantine with the destination, allow list, window, host key and probe signed' {
        $script:p = & (Join-Path $Runbooks 'host-quarantine.ps1') -Incident $inc -Target web-3.lab -Ssh $Ssh -Allow 10.78.1.0/24 -HostKey $Lab.Fingerprint `
            -Probe $Probe -ConfirmWithin '00:00:08' -IdentityFile $Lab.Key -Proposer bob -Workspace $ws
        @($p).Count | Should -Be 1
        $p.Action | Should -Be 'host.quarantine'
        $p.Parameters.ssh | Should -Be $Ssh
        $p.Parameters.allow | Should -Be '10.78.1.0/24'
        $p.Parameters.hostKey | Should -Be $Lab.Fingerprint
        $p.Parameters.confirmWithin | Should -Be '00:00:08'
    }

    It 'evidence first: the quorum is met only once evidence on the host is in' {
        Approve $p $team.Keys
        ($p | Test-DeirfQuorum).Blockers.Blocker | ForEach-Object { "$_" } | Should -Be @('EvidenceMissing')
        $file = Join-Path $TestDrive 'web-3.txt'
        & $Wrapper -p $Lab.Port -i $Lab.Key -o BatchMode=yes -o "UserKnownHostsFile=/dev/null" -o StrictHostKeyChecking=no root@10.78.1.1 'ss -tanp; ps -eo pid,ppid,user,args' 2>$null > $file
        (Get-Item $file).Length | Should -BeGreaterThan 0
        Add-DeirfEvidence -Incident $inc -Path $file -Target web-3.lab -Actor bob -Workspace $ws | Out-Null
        ($p | Test-DeirfQuorum).IsMet | Should -BeTrue
    }

    It '-WhatIf shows the table, its priority and the commit-confirmed steps, and changes nothing' {
        $text = Get-HostText { $p | Invoke-DeirfContainment -WhatIf -Workspace $ws }
        $text | Should -Match 'host\.quarantine'
        $text | Should -Match 'table inet deirf_quarantine'
        $text | Should -Match 'ip saddr \{ 10\.78\.1\.0/24 \}'
        $text | Should -Match 'unless DeIRF confirms'
        Get-HostTable | Should -BeNullOrEmpty
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed').Count | Should -Be 0
    }

    It 'Invoke-DeirfContainment quarantines: the prober is cut off both ways, management works, evidence came first' {
        $r = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Applied'
        $r.Verified | Should -BeTrue
        Get-HostTable | Should -Not -BeNullOrEmpty
        Test-Connect $Lab.P '10.78.2.1' $Lab.Port | Should -BeFalse
        Test-Connect $Lab.H '10.78.2.2' ($Lab.Port + 1) | Should -BeFalse
        Test-Connect $Lab.M '10.78.1.1' $Lab.Port | Should -BeTrue
        $entries = @(Get-DeirfJournal -Incident $inc -Workspace $ws)
        $applied = $entries | Where-Object Kind -EQ 'containment.applied'
        $captured = @($entries | Where-Object { $_.Kind -eq 'evidence.added' -and $_.Seq -gt ($entries | Where-Object Kind -EQ 'proposal.consumed').Seq })
        $captured.Count | Should -Be 2
        $captured | ForEach-Object { $_.Seq | Should -BeLessThan $applied.Seq }
        @(Get-DeirfEvidence -Incident $inc -Workspace $ws | Where-Object Name -Like 'web-3.lab-*').Name | Should -Be @('web-3.lab-ss-tanp.txt', 'web-3.lab-processes.txt')
        Get-DeirfEvidence -Incident $inc -Workspace $ws | Test-DeirfEvidence | ForEach-Object { $_.IsValid | Should -BeTrue }
    }

    It 'the revert was cancelled: past the window the table is still loaded, and Get-DeirfContainment shows it Verified' {
        Start-Sleep -Seconds 9
        Get-HostTable | Should -Not -BeNullOrEmpty
        $c = Get-DeirfContainment -Incident $inc -Workspace $ws -Active
        $c.Verified | Should -BeTrue
        ($c.UndoState | ConvertFrom-Json).sha256 | Should -Match '^[0-9a-f]{64}$'
    }

    It 'the undo is proposed, signed by two, run, and deletes exactly that table' {
        $u = Undo-DeirfContainment -Incident $inc -Action host.quarantine -Target web-3.lab -Proposer carol -Workspace $ws -Confirm:$false
        Approve $u $team.Keys
        $r = Undo-DeirfContainment -Incident $inc -Action host.quarantine -Target web-3.lab -Actor carol -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Undone'
        $r.Verified | Should -BeTrue
        Get-HostTable | Should -BeNullOrEmpty
        Test-Connect $Lab.P '10.78.2.1' $Lab.Port | Should -BeTrue
        ($r.Before | ConvertFrom-Json).table.nftables.Count | Should -BeGreaterThan 3
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }
}

Describe 'HostQuarantine: a DeIRF process killed right after the rules load' -Skip:(-not $CanRun) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-killed'
        $team = New-Team $ws 'Killed mid-quarantine'
        $inc = $team.Inc
        $file = Join-Path $TestDrive 'killed.txt'
        Set-Content $file 'ss output captured earlier'
        Add-DeirfEvidence -Incident $inc -Path $file -Target web-4.lab -Actor bob -Workspace $ws | Out-Null
        $p = New-DeirfProposal -Incident $inc -Action host.quarantine -Target web-4.lab -Proposer bob -Workspace $ws -Parameter @{
            ssh = $Ssh; allow = '10.78.1.0/24'; confirmWithin = '00:00:06'; hostKey = $Lab.Fingerprint; identityFile = $Lab.Key; probe = $Probe }
        Approve $p $team.Keys
    }

    It 'leaves a host that deletes the table alone within confirmWithin, and a journal that verifies' {
        $child = Join-Path $TestDrive 'run.ps1'
        @"
Import-Module '$(Get-DeirfTestModulePath)'
Get-DeirfProposal -Incident $inc -Workspace '$ws' | Where-Object Id -EQ '$($p.Id)' | Invoke-DeirfContainment -Actor bob -Workspace '$ws' -Confirm:`$false
"@ | Set-Content $child
        $pwsh = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $child) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $proc = [Diagnostics.Process]::Start($psi)
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            while (-not (Get-HostTable) -and $sw.Elapsed.TotalSeconds -lt 60 -and -not $proc.HasExited) { Start-Sleep -Milliseconds 50 }
            Get-HostTable | Should -Not -BeNullOrEmpty -Because 'the rules loaded before DeIRF was killed'
            Stop-Process -Id $proc.Id -Force
        }
        finally {
            if (-not $proc.HasExited) { Stop-Process -Id $proc.Id -Force }
        }
        $took = Wait-NoTable 8
        $took | Should -Not -BeNullOrEmpty -Because 'the host reverts alone within confirmWithin'
        Test-Connect $Lab.P '10.78.2.1' $Lab.Port | Should -BeTrue
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed').Count | Should -Be 1
        @(Get-DeirfContainment -Incident $inc -Workspace $ws -Active).Count | Should -Be 0
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }
}

Describe 'HostQuarantine: New-DeirfSshCertificate and a quarantine run with the certificate only' -Skip:(-not $CanRun) {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-cert'
        $team = New-Team $ws 'Webshell on web-5'
        $inc = $team.Inc
        $ca = Join-Path $Lab.Dir 'ca_ed25519'
        $certKey = Join-Path $Lab.Dir 'cert_ed25519'
        $p = New-DeirfProposal -Incident $inc -Action host.quarantine -Target web-5.lab -Proposer bob -Workspace $ws -Parameter @{
            ssh = $Ssh; allow = '10.78.1.0/24'; confirmWithin = '00:00:08'; hostKey = $Lab.Fingerprint; identityFile = $certKey; helper = $Helper; probe = $Probe }
    }

    It 'refuses to issue before the quorum is met (evidence first included)' {
        Approve $p $team.Keys
        { $p | New-DeirfSshCertificate -CaKeyPath $ca -PublicKeyPath "$certKey.pub" -Principal deirf-quarantine -Actor bob -Workspace $ws -Confirm:$false } |
            Should -Throw -ErrorId 'SshCertificateQuorumNotMet*'
        Test-Path "$certKey-cert.pub" | Should -BeFalse
    }

    It 'issues a certificate bound to the proposal, journals its serial and validity, never a key' {
        $file = Join-Path $TestDrive 'web-5.txt'
        Set-Content $file 'ss -tanp captured earlier'
        Add-DeirfEvidence -Incident $inc -Path $file -Target web-5.lab -Actor bob -Workspace $ws | Out-Null
        $script:cert = $p | New-DeirfSshCertificate -CaKeyPath $ca -PublicKeyPath "$certKey.pub" -Principal deirf-quarantine -Validity '00:02:00' -Actor bob -Workspace $ws -Confirm:$false
        $cert.KeyId | Should -Be "deirf:$($inc):$($p.Id)"
        $cert.Path | Should -Be "$certKey-cert.pub"
        $cert.ForceCommand | Should -Be "$Helper --forced --proposal $($p.Id) --action apply --allow 10.78.1.0/24 --port $($Lab.Port) --confirm 8"
        ($cert.ValidBefore - $cert.ValidAfter).TotalSeconds | Should -Be 150
        (ssh-keygen -L -f $cert.Path) -join "`n" | Should -Match "Serial: $($cert.Serial)"
        $entry = Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'ssh.certificate.issued'
        @($entry).Count | Should -Be 1
        $entry.Body.serial | Should -Be $cert.Serial
        $entry.Body.proposal | Should -Be $p.Id
        $entry.Body.principals | Should -Be @('deirf-quarantine')
        $secret = (Get-Content $ca | Where-Object { $_ -notmatch '^-----' }) | Select-Object -First 2
        foreach ($f in Get-ChildItem -Recurse -File $ws) { $text = [IO.File]::ReadAllText($f.FullName); foreach ($l in $secret) { $text.Contains($l) | Should -BeFalse -Because $f.Name } }
    }

    It 'Invoke-DeirfContainment quarantines with the certificate alone (the key is in no authorized_keys)' {
        (Get-Content (Join-Path $Lab.Dir 'authorized_keys') -Raw).Contains((Get-Content "$certKey.pub" -Raw).Split(' ')[1]) | Should -BeFalse
        $r = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false
        $r.Verified | Should -BeTrue
        Get-HostTable | Should -Not -BeNullOrEmpty
        { $p | New-DeirfSshCertificate -CaKeyPath $ca -PublicKeyPath "$certKey.pub" -Principal deirf-quarantine -Actor bob -Workspace $ws -Confirm:$false } |
            Should -Throw -ErrorId 'SshCertificateProposalConsumed*'
    }

    It 'the apply certificate cannot undo; a certificate for the approved undo proposal can' {
        $u = Undo-DeirfContainment -Incident $inc -Action host.quarantine -Target web-5.lab -Proposer carol -Workspace $ws -Confirm:$false
        Approve $u $team.Keys
        { Undo-DeirfContainment -Incident $inc -Action host.quarantine -Target web-5.lab -Actor carol -Workspace $ws -Confirm:$false } |
            Should -Throw -ErrorId 'HostCertificateProposalMismatch*'
        Get-HostTable | Should -Not -BeNullOrEmpty
        $u2 = Undo-DeirfContainment -Incident $inc -Action host.quarantine -Target web-5.lab -Proposer carol -Workspace $ws -Confirm:$false
        Approve $u2 $team.Keys
        $uc = $u2 | New-DeirfSshCertificate -CaKeyPath $ca -PublicKeyPath "$certKey.pub" -Principal deirf-quarantine -Actor carol -Workspace $ws -Confirm:$false
        $uc.ForceCommand | Should -Match "--proposal $($u2.Id) --action undo "
        $r = Undo-DeirfContainment -Incident $inc -Action host.quarantine -Target web-5.lab -Actor carol -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Undone'
        Get-HostTable | Should -BeNullOrEmpty
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }
}
