# The dns.reroute runbook one-liner (runbooks/dns-reroute.ps1) end to end through the built module against a real BIND
# named (issue 6: "every provider has a one-liner in runbooks/, each exercised by a test"): the runbook proposes, two
# responders sign (carol with ssh-keygen -Y sign over the payload file, bob with -KeyPath), evidence first (the default
# dns.* rule wants it), -WhatIf shows the plan, the apply takes the TSIG secret from $env:DEIRF_TSIG_SECRET, real dig
# sees the safe target, the undo is its own quorum proposal and puts the records back exactly, and the secret is in no
# workspace file. Keys are made at test time. Without named/dig/ssh-keygen: skipped, and a failure under CI=true.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # Debian puts named in /usr/sbin, which a non-root PATH may lack: look there too before asking Test-DeirfTool.
    if (-not (Get-Command named -ErrorAction SilentlyContinue) -and (Test-Path /usr/sbin/named)) { $env:PATH = "$env:PATH$([IO.Path]::PathSeparator)/usr/sbin" }
    $hasTools = (Test-DeirfTool named) -and (Test-DeirfTool dig) -and (Test-DeirfTool ssh-keygen)
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $Runbook = Join-Path $PSScriptRoot '../../runbooks/dns-reroute.ps1' | Resolve-Path | ForEach-Object Path
    $SavedEnv = @{}; $State = @{}
    foreach ($name in 'DEIRF_SIGNING_CONFIG', 'DEIRF_WORKSPACE', 'DEIRF_TSIG_SECRET', 'PATH') { $SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    if (-not (Get-Command named -ErrorAction SilentlyContinue) -and (Test-Path /usr/sbin/named)) { $env:PATH = "$env:PATH$([IO.Path]::PathSeparator)/usr/sbin" }
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'

    function Start-Named([string] $Dir, [string] $Secret) {
        # One primary zone accepting updates signed with the TSIG key; a free port on 127.0.0.1; stopped by PID.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
        $port = $listener.LocalEndpoint.Port; $listener.Stop()
        Set-Content (Join-Path $Dir 'example.test.db') @(
            '$ORIGIN example.test.', '$TTL 300', '@ IN SOA ns1 hostmaster 1 3600 600 86400 60', '@ IN NS ns1', 'ns1 IN A 127.0.0.1',
            'api 300 IN A 192.0.2.1', 'api 300 IN A 192.0.2.2', 'api 600 IN AAAA 2001:db8::1', 'api 300 IN TXT "owner=payments"')
        Set-Content (Join-Path $Dir 'named.conf') @"
options { directory "$Dir"; pid-file "$Dir/named.pid"; session-keyfile "$Dir/session.key"; managed-keys-directory "$Dir";
  listen-on port $port { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; notify no; };
controls { };
key "deirf-tsig" { algorithm hmac-sha256; secret "$Secret"; };
zone "example.test" { type primary; file "$Dir/example.test.db"; allow-update { key "deirf-tsig"; }; };
"@
        # The server's own config holds the TSIG secret on purpose: a key file to the secrets scan.
        Register-DeirfTestKeyFile -Kind 'tsig secret' -Path (Join-Path $Dir 'named.conf')
        $process = Start-Process -FilePath (Get-Command named).Source -ArgumentList '-g', '-4', '-n', '1', '-c', "$Dir/named.conf" -PassThru `
            -RedirectStandardError (Join-Path $Dir 'named.log') -RedirectStandardOutput (Join-Path $Dir 'named.out')
        # Wait (at most ~15 s) until it answers for the zone.
        foreach ($try in 1..60) {
            if ($process.HasExited) { break }
            if ((& dig "@127.0.0.1" -p $port +short +norecurse +time=1 +tries=1 example.test. SOA 2>$null) -match 'hostmaster') { break }
            Start-Sleep -Milliseconds 250
        }
        @{ Process = $process; Port = $port }
    }

    function Get-Answer([string] $Type) {
        # What the server answers for the name: "name ttl IN type data" lines, sorted (dig's order is not fixed).
        @(& dig "@127.0.0.1" -p $Named.Port +noall +answer +norecurse api.example.test. $Type | Where-Object { $_ } |
            ForEach-Object { ($_ -split '\s+') -join ' ' } | Sort-Object)
    }

    function New-HexKey([string] $Path, [string] $Prefix = '') {
        if ($Prefix -eq '0x') { New-DeirfTestKey -Kind Ethereum -Path $Path } else { New-DeirfTestKey -Kind DidKey -Path $Path }
    }

    function Add-SshSignature($Proposal, [string] $Name) {
        # carol, "on her laptop": the payload file, ssh-keygen -Y sign, then the .sig handed in.
        Push-Location $TestDrive
        try {
            $payload = $Proposal | Get-DeirfSigningPayload -OutFile "$Name.txt"
            & ssh-keygen -q -Y sign -n deirf -f $Keys.carolSsh "$Name.txt" 2>$null
            $LASTEXITCODE | Should -Be 0
            $Proposal | Add-DeirfQuorumSignature -Responder carol -SignaturePath "$Name.txt.sig" -Confirm:$false | Out-Null
            $payload
        }
        finally { Pop-Location }
    }

    # The server, with a TSIG secret made now; it lives in named.conf (outside the workspace) and in the environment only.
    $namedDir = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'named')
    $Secret = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    Register-DeirfTestSecret -Kind 'tsig secret' -Secret $Secret
    $Named = Start-Named $namedDir $Secret

    # The team: bob (ContainmentLead) signs with a did:key seed or an Ethereum key file, carol (TriageLead) with ssh-keygen;
    # each binds two kinds of proof (a person counts only with two).
    $Ws = Join-Path $TestDrive 'ws'
    $env:DEIRF_WORKSPACE = $Ws
    Initialize-DeirfWorkspace -Path $Ws | Out-Null
    New-DeirfResponder -Handle bob -Name Bob -Role ContainmentLead | Out-Null
    New-DeirfResponder -Handle carol -Name Carol -Role TriageLead | Out-Null
    $Keys = @{ bobSeed = New-HexKey (Join-Path $TestDrive 'bob.seed'); bobEth = New-HexKey (Join-Path $TestDrive 'bob.eth') '0x'; carolSsh = Join-Path $TestDrive 'carol-ssh'; carolSeed = New-HexKey (Join-Path $TestDrive 'carol.seed') }
    New-DeirfTestKey -Kind Ssh -Path $Keys.carolSsh | Out-Null
    Add-DeirfIdentityProof -Responder bob -Kind DidKey -KeyPath $Keys.bobSeed -Confirm:$false | Out-Null
    Add-DeirfIdentityProof -Responder bob -Kind Ethereum -KeyPath $Keys.bobEth -Confirm:$false | Out-Null
    Add-DeirfIdentityProof -Responder carol -Kind Ssh -KeyPath $Keys.carolSsh -Confirm:$false | Out-Null
    Add-DeirfIdentityProof -Responder carol -Kind DidKey -KeyPath $Keys.carolSeed -Confirm:$false | Out-Null   # a person counts with 2 kinds
    # Each responder's journal entries are signed with their did:key (as on their own machines).
    Set-DeirfSigningKey -Responder bob -Kind DidKey -KeyPath $Keys.bobSeed | Out-Null
    Set-DeirfSigningKey -Responder carol -Kind DidKey -KeyPath $Keys.carolSeed | Out-Null
    $Inc = (New-DeirfIncident -Title 'api.example.test serves a phishing kit' -Reporter bob).Id
    Grant-DeirfIncidentRole -Incident $Inc -Role ContainmentLead -Responder bob -Actor bob -Confirm:$false
    Grant-DeirfIncidentRole -Incident $Inc -Role TriageLead -Responder carol -Actor bob -Confirm:$false

    $Name = 'api.example.test.'
    $Safe = '198.51.100.10'
    $BeforeA = Get-Answer A
    $BeforeAaaa = Get-Answer AAAA
    $BeforeTxt = Get-Answer TXT
}

AfterAll {
    if ($Named -and $Named.Process) {
        Stop-Process -Id $Named.Process.Id -ErrorAction SilentlyContinue
        $Named.Process.WaitForExit(5000) | Out-Null
    }
    foreach ($e in $SavedEnv.GetEnumerator()) { [Environment]::SetEnvironmentVariable($e.Key, $e.Value) }
}

Describe 'runbooks/dns-reroute.ps1 end to end against a real named (issue 6)' -Skip:(-not $hasTools) {
    BeforeEach { $P = $State.P }   # the proposal the runbook made, for every step after it

    It 'the server answers with the records the zone file holds' {
        $BeforeA | Should -Be @("$Name 300 IN A 192.0.2.1", "$Name 300 IN A 192.0.2.2") -Because (Get-Content -Raw (Join-Path $namedDir 'named.log'))
        $BeforeAaaa | Should -Be @("$Name 600 IN AAAA 2001:db8::1")
    }

    It 'the runbook one-liner proposes dns.reroute with every parameter pinned (the TSIG key name, never its secret)' {
        $P = $State.P = & $Runbook -Incident $Inc -Name $Name -SafeTarget $Safe -Proposer bob -Server "127.0.0.1:$($Named.Port)"
        $P.Action | Should -Be 'dns.reroute'
        $P.Target | Should -Be $Name
        $P.Parameters['server'] | Should -Be "127.0.0.1:$($Named.Port)"
        $P.Parameters['safeTarget'] | Should -Be $Safe
        $P.Parameters['zone'] | Should -Be 'example.test.'
        $P.Parameters['tsigKeyName'] | Should -Be 'deirf-tsig'
        $P.Parameters['ttl'] | Should -Be '60'
        @($P.Parameters.Keys | Where-Object { $_ -match 'secret' }).Count | Should -Be 0
        ($P | Test-DeirfQuorum).IsMet | Should -BeFalse
    }

    It 'two responders sign: carol with ssh-keygen -Y sign over the payload file, bob with -KeyPath; evidence is still missing' {
        $payload = Add-SshSignature $P 'reroute'
        # The digest to compare out of band is the proposal id, and the file signed names it.
        $payload.Digest | Should -Be $P.Id
        Get-Content (Join-Path $TestDrive 'reroute.txt') | Should -Contain "proposal: $($P.Id)"
        $P | Add-DeirfQuorumSignature -Responder bob -KeyPath $Keys.bobSeed -Confirm:$false | Out-Null
        $v = $P | Test-DeirfQuorum
        @($v.Persons).Count | Should -Be 2
        $v.IsMet | Should -BeFalse
        $v.Blockers.Blocker | ForEach-Object { "$_" } | Should -Be @('EvidenceMissing')
    }

    It 'without evidence the apply is refused (QuorumNotMet, EvidenceMissing) and the name is untouched' {
        $env:DEIRF_TSIG_SECRET = $Secret
        try {
            $err = $null
            $P | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { Remove-Item Env:DEIRF_TSIG_SECRET -ErrorAction SilentlyContinue }
        $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
        $err[0].Exception.Message | Should -Match 'EvidenceMissing'
        Get-Answer A | Should -Be $BeforeA
    }

    It 'with evidence on the name the quorum is met' {
        $log = Join-Path $TestDrive 'proxy.log'
        Set-Content $log '2026-11-24T18:02:11Z api.example.test GET /login.php 200 (phishing kit)'
        Add-DeirfEvidence -Incident $Inc -Path $log -Target $Name -Actor carol | Out-Null
        ($P | Test-DeirfQuorum).IsMet | Should -BeTrue
    }

    It 'Invoke-DeirfContainment -WhatIf shows the plan (before records, delete/add steps) and changes nothing' {
        $before = @(Get-DeirfJournal -Incident $Inc).Count
        $text = $P | Invoke-DeirfContainment -Actor bob -WhatIf -Verbose -WarningVariable warn -WarningAction SilentlyContinue 4>&1 | Out-String
        $text | Should -Match ([regex]::Escape("dns.reroute on '$Name'"))
        $text | Should -Match 'delete RRset'
        $text | Should -Match ([regex]::Escape("60 A $Safe"))
        $text | Should -Match '192\.0\.2\.1'
        $text | Should -Match '2001:db8::1'
        ($warn | Out-String) | Should -Match 'AAAA'
        @(Get-DeirfJournal -Incident $Inc).Count | Should -Be $before
        Get-Answer A | Should -Be $BeforeA
        Get-Answer AAAA | Should -Be $BeforeAaaa
    }

    It 'applies with the TSIG secret from $env:DEIRF_TSIG_SECRET; dig sees only the safe target; Get-DeirfContainment shows it Verified' {
        $env:DEIRF_TSIG_SECRET = $Secret
        try { $r = $P | Invoke-DeirfContainment -Actor bob -Confirm:$false -WarningAction SilentlyContinue }
        finally { Remove-Item Env:DEIRF_TSIG_SECRET -ErrorAction SilentlyContinue }
        $r.Outcome | Should -Be 'Applied'
        $r.Verified | Should -BeTrue -Because $r.Message

        Get-Answer A | Should -Be @("$Name 60 IN A $Safe")
        & dig "@127.0.0.1" -p $Named.Port +short +norecurse $Name A | Should -Be $Safe
        Get-Answer AAAA | Should -BeNullOrEmpty
        Get-Answer TXT | Should -Be $BeforeTxt   # other types at the name are never touched

        $c = Get-DeirfContainment -Incident $Inc -Active
        $c.Action | Should -Be 'dns.reroute'
        $c.Target | Should -Be $Name
        $c.Verified | Should -BeTrue
        ($c | Format-Table | Out-String -Width 200) | Should -Match 'Applied\s+yes\s+dns\.reroute'
        $kinds = (Get-DeirfJournal -Incident $Inc).Kind
        $kinds[-2..-1] | Should -Be @('proposal.consumed', 'containment.applied')
    }

    It 'the same approvals cannot run it twice' {
        $env:DEIRF_TSIG_SECRET = $Secret
        try {
            $err = $null
            $P | Invoke-DeirfContainment -Actor bob -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        finally { Remove-Item Env:DEIRF_TSIG_SECRET -ErrorAction SilentlyContinue }
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProposalConsumed,*'
    }

    It 'the undo is a quorum proposal of its own: proposed, signed by two, then run; dig shows the records exactly as before' {
        $u = Undo-DeirfContainment -Incident $Inc -Action dns.reroute -Target $Name -Proposer carol -Confirm:$false
        $u.Action | Should -Be 'undo.dns.reroute'
        $err = $null
        $env:DEIRF_TSIG_SECRET = $Secret
        try {
            # One signature is not enough.
            $u | Add-DeirfQuorumSignature -Responder bob -KeyPath $Keys.bobEth -Kind Ethereum -Confirm:$false | Out-Null
            Undo-DeirfContainment -Incident $Inc -Action dns.reroute -Target $Name -Actor carol -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'QuorumNotMet,*'
            Get-Answer A | Should -Be @("$Name 60 IN A $Safe")

            Add-SshSignature $u 'undo' | Out-Null
            ($u | Test-DeirfQuorum).IsMet | Should -BeTrue
            $r = Undo-DeirfContainment -Incident $Inc -Action dns.reroute -Target $Name -Actor carol -Confirm:$false
        }
        finally { Remove-Item Env:DEIRF_TSIG_SECRET -ErrorAction SilentlyContinue }
        $r.Outcome | Should -Be 'Undone'
        $r.Verified | Should -BeTrue -Because $r.Message

        Get-Answer A | Should -Be $BeforeA
        Get-Answer AAAA | Should -Be $BeforeAaaa
        Get-Answer TXT | Should -Be $BeforeTxt
        @(Get-DeirfContainment -Incident $Inc -Active).Count | Should -Be 0
        (Get-DeirfContainment -Incident $Inc | Where-Object Outcome -eq 'Applied').UndoneBy | Should -Be $r.Seq
        (Test-DeirfJournal -Incident $Inc).IsValid | Should -BeTrue
    }

    It 'the TSIG secret appears in no workspace file (base64 or hex), and the journal holds none of it' {
        $files = @(Get-ChildItem -Path $Ws -Recurse -File -Force)
        $files.Count | Should -BeGreaterThan 0
        $hex = [Convert]::ToHexString([Convert]::FromBase64String($Secret))
        foreach ($needle in $Secret, $hex, $hex.ToLowerInvariant()) {
            @($files | Select-String -SimpleMatch -Pattern $needle -List).Path | Should -BeNullOrEmpty
        }
        # The runbook's own payload files and signatures (outside the workspace) hold no secret either.
        @(Get-ChildItem $TestDrive -Filter '*.txt*' | Select-String -SimpleMatch -Pattern $Secret -List).Count | Should -Be 0
        (Get-DeirfJournal -Incident $Inc | ConvertTo-Json -Depth 20) | Should -Not -Match ([regex]::Escape($Secret))
    }
}
