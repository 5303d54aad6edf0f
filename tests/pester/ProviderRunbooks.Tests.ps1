# Issue 6: "every provider has a one-liner in runbooks/, each exercised by a test", and the Kubernetes quarantine
# plan / apply / verify / undo as a user drives it. Each runbook one-liner runs from the BUILT module against a fake of
# the service it talks to (tests/tools/DeIRF.FakeProviders, a child process on 127.0.0.1 and a free port over real
# HTTPS with a certificate made at start, stopped by PID): propose with the runbook, evidence first, two responders
# sign, -WhatIf shows the plan, apply, the fake's state shows the change, Get-DeirfContainment shows it Verified, the
# undo is proposed, signed and run, and the fake's state is back to the original. The fakes record any request a real
# server would reject (GET /__fake/violations on their control port); each Describe ends asserting there was none.
# Bearer tokens are made at test time, reach DeIRF only through $env:DEIRF_K8S_TOKEN / $env:DEIRF_AZURE_TOKEN, and are
# asserted absent from every file of the workspace. dns.reroute's runbook is exercised against BIND in
# DnsProvider.Tests.ps1, host.quarantine's against a real sshd and nft in HostQuarantine.Tests.ps1; cdn.reroute's
# (last Describe) against the Cloudflare v4 API fake of tests/shared/CloudflareFake.cs, compiled into this process.

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $script:Runbooks = Join-Path (Split-Path (Get-DeirfTestModulePath)) 'runbooks' | Resolve-Path | ForEach-Object Path

    $script:FakeDll = @('Release', 'Debug') | ForEach-Object { Join-Path $PSScriptRoot "../tools/DeIRF.FakeProviders/bin/$_/net10.0/DeIRF.FakeProviders.dll" } |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $script:FakeDll) { throw 'DeIRF.FakeProviders.dll is not built: run ./build.ps1 build' }

    function New-Secret {
        $token = 'tok_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(24)).ToLowerInvariant()
        Register-DeirfTestSecret -Kind 'provider token' -Secret $token
        $token
    }

    # The fake (k8s or arm) as a child process; the token reaches it through its environment, never its command line.
    function Start-FakeProvider([string] $Kind, [string] $Token) {
        $dotnet = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { (Get-Command dotnet).Source }
        $psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
        foreach ($a in (Resolve-Path $script:FakeDll).Path, $Kind, '--cert-out', (Join-Path $TestDrive "$Kind-server.pem")) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardInput = $true
        $psi.UseShellExecute = $false
        $psi.Environment['DEIRF_FAKE_TOKEN'] = $Token
        $process = [Diagnostics.Process]::Start($psi)
        $line = $process.StandardOutput.ReadLineAsync()
        if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { Stop-Process -Id $process.Id -Force; throw "The $Kind fake did not start within 60 s" }
        $info = $line.Result | ConvertFrom-Json
        if ($info.url -notmatch '^https://127\.0\.0\.1:\d+$' -or $info.control -notmatch '^http://127\.0\.0\.1:\d+$') { throw "Unexpected fake addresses: $($line.Result)" }
        $info | Add-Member -NotePropertyName Process -NotePropertyValue $process -PassThru
    }
    function Stop-FakeProvider($Fake) {
        if ($Fake -and -not $Fake.Process.HasExited) {
            Stop-Process -Id $Fake.Process.Id -Force
            $Fake.Process.WaitForExit(10000) | Out-Null
        }
    }
    function Invoke-Fake($Fake, [string] $Method, [string] $Route, $Body) {
        $call = @{ Method = $Method; Uri = "$($Fake.control)/__fake/$Route" }
        if ($null -ne $Body) { $call.ContentType = 'application/json'; $call.Body = $Body | ConvertTo-Json -Depth 8 -Compress }
        Invoke-RestMethod @call
    }
    # What the user sees on the console: -WhatIf writes the plan to the host, so a transcript catches it.
    function Get-HostText([scriptblock] $Script) {
        $file = Join-Path $TestDrive "host-$([guid]::NewGuid().ToString('n')).txt"
        Start-Transcript -Path $file -UseMinimalHeader | Out-Null
        try { & $Script | Out-Null } finally { Stop-Transcript | Out-Null }
        Get-Content -Raw $file
    }

    function New-Seed([string] $Path) { New-DeirfTestKey DidKey $Path }
    function New-EthKey([string] $Path) { New-DeirfTestKey Ethereum $Path }
    # bob (ContainmentLead) and carol (TriageLead) sign, bob by did:key, carol by an Ethereum key; keys made now, outside the workspace.
    function New-Team([string] $Ws, [string] $Title) {
        Initialize-DeirfWorkspace -Path $Ws | Out-Null
        $keys = @{}
        foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' })) {
            $keys[$r.H] = Add-DeirfTestResponder -Workspace $Ws -Handle $r.H -Role $r.R -KeyFolder $TestDrive -AddedBy bob
        }
        $inc = (New-DeirfIncident -Title $Title -Reporter bob -Workspace $Ws).Id
        Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $Ws -Confirm:$false -ErrorAction Stop
        Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder carol -Actor bob -Workspace $Ws -Confirm:$false -ErrorAction Stop
        @{ Inc = $inc; Keys = $keys }
    }
    function Approve($Proposal, $Keys) {
        $Proposal | Add-DeirfQuorumSignature -Responder bob -KeyPath $Keys.bob.Seed -Kind DidKey -Confirm:$false -ErrorAction Stop | Out-Null
        $Proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $Keys.carol.Eth -Kind Ethereum -Confirm:$false -ErrorAction Stop | Out-Null
    }
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue }

Describe 'runbooks/k8s-pod-quarantine.ps1 end to end against the API-server fake' {
    BeforeAll {
        $token = New-Secret
        $fake = Start-FakeProvider k8s $token
        Invoke-Fake $fake Post nodes @{ name = 'node-1' } | Out-Null
        Invoke-Fake $fake Post pods @{ namespace = 'prod'; name = 'api-7f9'; node = 'node-1'; labels = @{ app = 'api' } } | Out-Null
        $original = Invoke-Fake $fake Get state
        # A kubeconfig as kubectl reads it: the fake's CA file, and a user with no credentials of its own: the bearer
        # token comes from $env:DEIRF_K8S_TOKEN at run time, so it is in no file.
        $kubeconfig = Join-Path $TestDrive 'kubeconfig'
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
- name: prod
  context: {cluster: fake, user: responder}
current-context: prod
"@ | Set-Content -Path $kubeconfig
        $ws = Join-Path $TestDrive 'ws-k8s'
        $team = New-Team $ws 'Crypto-miner in api pod'
        $inc = $team.Inc
        $env:DEIRF_K8S_TOKEN = $token
    }

    AfterAll {
        Remove-Item Env:DEIRF_K8S_TOKEN -ErrorAction SilentlyContinue
        Stop-FakeProvider $fake
    }

    It 'the one-liner proposes k8s.pod.quarantine with the kubeconfig and context signed, and returns the proposal' {
        $script:p = & (Join-Path $Runbooks 'k8s-pod-quarantine.ps1') -Incident $inc -Target prod/api-7f9 -Proposer bob -Kubeconfig $kubeconfig -Context prod -Workspace $ws
        @($p).Count | Should -Be 1
        $p.Action | Should -Be 'k8s.pod.quarantine'
        $p.Target | Should -Be 'prod/api-7f9'
        $p.Parameters.kubeconfig | Should -Be $kubeconfig
        $p.Parameters.context | Should -Be 'prod'
        $p.Parameters.cordonNode | Should -Be 'false'
        $p.Parameters.includeReplicas | Should -Be 'false'
        (Get-DeirfProposal -Incident $inc -Workspace $ws).Id | Should -Contain $p.Id
    }

    It 'two responders sign; evidence first: the quorum is met only once evidence on the pod is in' {
        Approve $p $team.Keys
        $v = $p | Test-DeirfQuorum
        $v.IsMet | Should -BeFalse
        $v.Blockers.Blocker | ForEach-Object { "$_" } | Should -Be @('EvidenceMissing')
        $log = Join-Path $TestDrive 'api-7f9.log'
        Set-Content $log 'xmrig: stratum+tcp://pool.example:3333 connected'
        Add-DeirfEvidence -Incident $inc -Path $log -Target prod/api-7f9 -Actor bob -Workspace $ws | Out-Null
        ($p | Test-DeirfQuorum).IsMet | Should -BeTrue
    }

    It '-WhatIf shows the plan (label, deny-all ingress+egress policy, replicas warning) and changes nothing' {
        $text = Get-HostText { $p | Invoke-DeirfContainment -WhatIf -Workspace $ws }
        $text | Should -Match 'What if: k8s\.pod\.quarantine on .prod/api-7f9.'
        $text | Should -Match ([regex]::Escape("deirf.io/quarantine=$inc"))
        $text | Should -Match 'deirf-quarantine-api-7f9'
        $text | Should -Match 'Ingress'
        $text | Should -Match 'Egress'
        (Invoke-Fake $fake Get requests) | Where-Object { $_ -notmatch '^GET ' } | Should -BeNullOrEmpty
        (Invoke-Fake $fake Get state | ConvertTo-Json -Depth 20) | Should -Be ($original | ConvertTo-Json -Depth 20)
        @(Get-DeirfJournal -Incident $inc -Workspace $ws -Kind 'proposal.consumed').Count | Should -Be 0
    }

    It 'Invoke-DeirfContainment applies: the pod carries the label and a deny-all ingress+egress NetworkPolicy selects it' {
        $r = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Applied'
        $r.Verified | Should -BeTrue
        $state = Invoke-Fake $fake Get state
        $pod = $state.pods.'prod/api-7f9'
        $pod.metadata.labels.'deirf.io/quarantine' | Should -Be $inc
        $pod.metadata.labels.app | Should -Be 'api'
        $policy = $state.networkPolicies.'prod/deirf-quarantine-api-7f9'
        $policy.kind | Should -Be 'NetworkPolicy'
        $policy.spec.podSelector.matchLabels.'deirf.io/quarantine' | Should -Be $inc
        $policy.spec.policyTypes | Should -Be @('Ingress', 'Egress')
        $policy.spec.PSObject.Properties.Name | Should -Not -Contain 'ingress'
        $policy.spec.PSObject.Properties.Name | Should -Not -Contain 'egress'
        $state.nodes.'node-1'.spec.PSObject.Properties.Name | Should -Not -Contain 'unschedulable'
    }

    It 'Get-DeirfContainment shows it applied and Verified' {
        $c = Get-DeirfContainment -Incident $inc -Workspace $ws -Active
        @($c).Count | Should -Be 1
        $c.Action | Should -Be 'k8s.pod.quarantine'
        $c.Target | Should -Be 'prod/api-7f9'
        $c.Verified | Should -BeTrue
        ($c.UndoState | ConvertFrom-Json).networkPolicy.created | Should -BeTrue
    }

    It 'the undo is proposed, signed by two, run, and the cluster is back to the original state' {
        $u = Undo-DeirfContainment -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer carol -Workspace $ws -Confirm:$false
        $u.Action | Should -Be 'undo.k8s.pod.quarantine'
        Approve $u $team.Keys
        $r = Undo-DeirfContainment -Incident $inc -Action k8s.pod.quarantine -Target prod/api-7f9 -Actor carol -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Undone'
        $r.Verified | Should -BeTrue
        $state = Invoke-Fake $fake Get state
        $state.networkPolicies.PSObject.Properties.Name | Should -BeNullOrEmpty
        $state.pods.'prod/api-7f9'.metadata.labels | ConvertTo-Json -Compress | Should -Be '{"app":"api"}'
        $state.nodes | ConvertTo-Json -Depth 20 | Should -Be ($original.nodes | ConvertTo-Json -Depth 20)
        @(Get-DeirfContainment -Incident $inc -Workspace $ws -Active).Count | Should -Be 0
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }

    It 'the fake saw nothing a real API server would reject, and the token is in no workspace file' {
        @(Invoke-Fake $fake Get violations) | Should -BeNullOrEmpty
        (Invoke-Fake $fake Get requests) | Should -Contain 'POST /apis/networking.k8s.io/v1/namespaces/prod/networkpolicies?fieldManager=deirf'
        Get-ChildItem $ws -Recurse -File | Select-String -SimpleMatch $token | Should -BeNullOrEmpty
        Select-String -Path $kubeconfig -SimpleMatch $token | Should -BeNullOrEmpty
    }
}

Describe 'runbooks/azure-resource-lock.ps1 end to end against the ARM fake (certificate pinned by a signed parameter)' {
    BeforeAll {
        $token = New-Secret
        $fake = Start-FakeProvider arm $token
        $sub = "/subscriptions/$([guid]::NewGuid())"
        $rg = "$sub/resourceGroups/prod-rg"
        $vm = "$rg/providers/Microsoft.Compute/virtualMachines/api-7f9"
        Invoke-Fake $fake Post scopes @{ id = $vm } | Out-Null
        # Someone else's lock on the resource group: the plan lists it, undo leaves it.
        Invoke-Fake $fake Post locks @{ scope = $rg; name = 'ops-hold'; level = 'CanNotDelete'; notes = 'change freeze' } | Out-Null
        $original = Invoke-Fake $fake Get state
        $ws = Join-Path $TestDrive 'ws-azure'
        $team = New-Team $ws 'Storage keys exfiltrated'
        $inc = $team.Inc
        $env:DEIRF_AZURE_TOKEN = $token
    }

    AfterAll {
        Remove-Item Env:DEIRF_AZURE_TOKEN -ErrorAction SilentlyContinue
        Stop-FakeProvider $fake
    }

    It 'the one-liner proposes azure.resource.lock with the endpoint and its certificate pin signed, and returns the proposal' {
        $script:p = & (Join-Path $Runbooks 'azure-resource-lock.ps1') -Incident $inc -ResourceId $vm -Proposer bob -Endpoint $fake.url -EndpointCertSha256 $fake.certSha256 -Workspace $ws
        @($p).Count | Should -Be 1
        $p.Action | Should -Be 'azure.resource.lock'
        $p.Target | Should -Be $vm
        $p.Parameters.level | Should -Be 'ReadOnly'
        $p.Parameters.endpoint | Should -Be $fake.url
        $p.Parameters.endpointCertSha256 | Should -Be $fake.certSha256
    }

    It 'two responders sign; evidence first: the quorum is met only once evidence on the resource is in' {
        Approve $p $team.Keys
        ($p | Test-DeirfQuorum).Blockers.Blocker | ForEach-Object { "$_" } | Should -Be @('EvidenceMissing')
        $log = Join-Path $TestDrive 'activity.json'
        Set-Content $log '{"operationName":"Microsoft.Storage/storageAccounts/listKeys/action","caller":"unknown"}'
        Add-DeirfEvidence -Incident $inc -Path $log -Target $vm -Actor bob -Workspace $ws | Out-Null
        ($p | Test-DeirfQuorum).IsMet | Should -BeTrue
    }

    It '-WhatIf shows the plan (the lock to create, the other lock there, the pin) and writes nothing' {
        $text = Get-HostText { $p | Invoke-DeirfContainment -WhatIf -Workspace $ws }
        $text | Should -Match 'What if: azure\.resource\.lock on'
        $text | Should -Match ([regex]::Escape("create management lock 'deirf-$inc' (ReadOnly)"))
        $text | Should -Match 'ops-hold'
        $text | Should -Match ([regex]::Escape($fake.certSha256))
        (Invoke-Fake $fake Get requests) | Where-Object { $_ -notmatch '^GET ' } | Should -BeNullOrEmpty
        @((Invoke-Fake $fake Get state).locks).Count | Should -Be 1
    }

    It 'Invoke-DeirfContainment sets the ReadOnly lock, and Get-DeirfContainment shows it Verified' {
        $r = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Applied'
        $r.Verified | Should -BeTrue
        $lock = (Invoke-Fake $fake Get state).locks | Where-Object name -EQ "deirf-$inc"
        $lock.id | Should -Be "$vm/providers/Microsoft.Authorization/locks/deirf-$inc"
        $lock.properties.level | Should -Be 'ReadOnly'
        $lock.properties.notes | Should -Match ([regex]::Escape($inc))
        $c = Get-DeirfContainment -Incident $inc -Workspace $ws -Active
        $c.Action | Should -Be 'azure.resource.lock'
        $c.Verified | Should -BeTrue
    }

    It 'the undo is proposed, signed by two, run: the lock is gone, the other lock stays' {
        $u = Undo-DeirfContainment -Incident $inc -Action azure.resource.lock -Target $vm -Proposer carol -Workspace $ws -Confirm:$false
        Approve $u $team.Keys
        $r = Undo-DeirfContainment -Incident $inc -Action azure.resource.lock -Target $vm -Actor carol -Workspace $ws -Confirm:$false
        $r.Outcome | Should -Be 'Undone'
        $r.Verified | Should -BeTrue
        (Invoke-Fake $fake Get state | ConvertTo-Json -Depth 20) | Should -Be ($original | ConvertTo-Json -Depth 20)
        @(Get-DeirfContainment -Incident $inc -Workspace $ws -Active).Count | Should -Be 0
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }

    It 'the fake saw nothing ARM would reject, and the token is in no workspace file' {
        @(Invoke-Fake $fake Get violations) | Should -BeNullOrEmpty
        @(Invoke-Fake $fake Get requests | Where-Object { $_ -like 'DELETE *' }).Count | Should -Be 1
        Get-ChildItem $ws -Recurse -File | Select-String -SimpleMatch $token | Should -BeNullOrEmpty
    }
}

Describe 'runbooks/cdn-reroute.ps1 end to end against the Cloudflare v4 API fake' {
    BeforeAll {
        # The fake (tests/shared/CloudflareFake.cs) compiled here and run in this process over real HTTP on loopback.
        if (-not ('DeIRF.Testing.CloudflareFake' -as [type])) {
            Add-Type -TypeDefinition (Get-Content -Raw (Join-Path $PSScriptRoot '../shared/CloudflareFake.cs')) -Language CSharp
        }
        $token = New-Secret
        $fake = [DeIRF.Testing.CloudflareFake]::new($token)
        $zone = [DeIRF.Testing.CloudflareFake]::NewId(); $record = [DeIRF.Testing.CloudflareFake]::NewId()
        $fake.AddRecord($zone, $record, 'shop.example.com', 'A', '203.0.113.10', $true)
        $ws = Join-Path $TestDrive 'ws-cdn'
        $team = New-Team $ws 'Skimmer script served from the shop origin'
        $inc = $team.Inc
        $env:DEIRF_CLOUDFLARE_TOKEN = $token
    }

    AfterAll {
        Remove-Item Env:DEIRF_CLOUDFLARE_TOKEN -ErrorAction SilentlyContinue
        if ($fake) { $fake.Dispose() }
    }

    It 'proposes, needs evidence, plans, swaps the origin, shows it Verified, and the undo restores it' {
        $p = & (Join-Path $Runbooks 'cdn-reroute.ps1') -Incident $inc -Name shop.example.com -ZoneId $zone -RecordId $record -Origin 198.51.100.99 -Api $fake.Api -Proposer bob -Workspace $ws
        $p.Action | Should -Be 'cdn.reroute'
        $p.Parameters.origin | Should -Be '198.51.100.99'
        Approve $p $team.Keys
        ($p | Test-DeirfQuorum).Blockers.Blocker | ForEach-Object { "$_" } | Should -Be @('EvidenceMissing')
        Set-Content (Join-Path $TestDrive 'skimmer.js') 'document.forms[0].onsubmit = exfiltrate'
        Add-DeirfEvidence -Incident $inc -Path (Join-Path $TestDrive 'skimmer.js') -Target shop.example.com -Actor bob -Workspace $ws | Out-Null
        $text = Get-HostText { $p | Invoke-DeirfContainment -WhatIf -Workspace $ws }
        $text | Should -Match 'PATCH /zones/.+/dns_records/.+ \{"content":"198\.51\.100\.99"\}'
        $fake.Record($zone, $record)['content'].GetValue[string]() | Should -Be '203.0.113.10'

        $r = $p | Invoke-DeirfContainment -Actor bob -Workspace $ws -Confirm:$false
        $r.Verified | Should -BeTrue
        $fake.Record($zone, $record)['content'].GetValue[string]() | Should -Be '198.51.100.99'
        (Get-DeirfContainment -Incident $inc -Workspace $ws -Active).Verified | Should -BeTrue

        $u = Undo-DeirfContainment -Incident $inc -Action cdn.reroute -Target shop.example.com -Proposer carol -Workspace $ws -Confirm:$false
        Approve $u $team.Keys
        (Undo-DeirfContainment -Incident $inc -Action cdn.reroute -Target shop.example.com -Actor carol -Workspace $ws -Confirm:$false).Verified | Should -BeTrue
        $fake.Record($zone, $record)['content'].GetValue[string]() | Should -Be '203.0.113.10'
        $fake.Problems | Should -BeNullOrEmpty
        foreach ($f in Get-ChildItem -Recurse -File $ws) { [IO.File]::ReadAllText($f.FullName).Contains($token) | Should -BeFalse -Because $f.Name }
        (Test-DeirfJournal -Incident $inc -Workspace $ws).IsValid | Should -BeTrue
    }
}
