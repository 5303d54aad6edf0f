# Issue 5, ticket and comms: New-DeirfIncident -Tracker, New-DeirfIncidentChannel, Send-DeirfUpdate, driven through the
# built module against local fakes of GitHub, GitLab, Matrix, Slack and a webhook (tests/tools/DeIRF.FakeServices, a
# child process on 127.0.0.1 and a free port, stopped by PID). The fakes check what the real APIs expect (method, path,
# auth header, Accept and API version, body) and answer like them; GET /_fake/requests and /_fake/state show what they got.

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force

    $script:Token = 'tok_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
    Register-DeirfTestSecret -Kind 'fake service token' -Secret $script:Token
    $script:SecureToken = ConvertTo-SecureString $script:Token -AsPlainText -Force

    $started = Start-DeirfTestFakeServices -Token $script:Token
    $script:Fake = $started.Process
    $script:Base = $started.Base

    function Get-FakeRequests([string] $Route) { @((Invoke-RestMethod "$script:Base/_fake/requests") | ForEach-Object { $_ } | Where-Object route -EQ $Route) }
    function Get-FakeState { Invoke-RestMethod "$script:Base/_fake/state" }
    function Add-FakeFault([string] $Route, [object[]] $Faults) {
        Invoke-RestMethod -Method Post "$script:Base/_fake/faults" -ContentType 'application/json' -Body (@{ route = $Route; faults = $Faults } | ConvertTo-Json -Depth 4) | Out-Null
    }

    # Not under $TestDrive: Pester cleans what each Describe adds there, and the Describes below share one workspace.
    $script:Ws = Join-Path ([IO.Path]::GetTempPath()) "deirf-integrations-$([guid]::NewGuid().ToString('n'))"
    Initialize-DeirfWorkspace -Path $script:Ws | Out-Null
    foreach ($v in 'DEIRF_GITHUB_TOKEN', 'DEIRF_GITLAB_TOKEN', 'DEIRF_MATRIX_TOKEN', 'DEIRF_SLACK_TOKEN', 'DEIRF_WEBHOOK_URL', 'DEIRF_MATRIX_HOMESERVER') {
        Remove-Item "Env:$v" -ErrorAction SilentlyContinue
    }

    # As strict as the Kubernetes fake: a request the real services would refuse, or one to a route none of them has,
    # fails the test that sent it (each Describe's AfterEach; GET /_fake/problems lists every one so far, the new ones
    # are this test's).
    $script:ProblemsSeen = 0
    function Assert-NoFakeProblem {
        $problems = @(Invoke-RestMethod "$script:Base/_fake/problems" | ForEach-Object { $_ })
        $new = @($problems | Select-Object -Skip $script:ProblemsSeen)
        $script:ProblemsSeen = $problems.Count
        $new | Should -BeNullOrEmpty -Because 'the fake services saw requests the real ones would refuse'
    }
}

AfterAll {
    if ($script:Fake -and -not $script:Fake.HasExited) {
        Stop-Process -Id $script:Fake.Id -Force
        $script:Fake.WaitForExit(10000) | Out-Null
    }
    Remove-Item Env:DEIRF_GITLAB_TOKEN, Env:DEIRF_MATRIX_TOKEN -ErrorAction SilentlyContinue
    if ($script:Ws -and (Test-Path $script:Ws)) { Remove-DeirfTestDirectory $script:Ws }
}

Describe 'Integrations: New-DeirfIncident -Tracker' {
    AfterEach { Assert-NoFakeProblem }

    It 'opens a GitHub security advisory with the headers GitHub requires and records its link' {
        $i = New-DeirfIncident -Title 'API keys leaked in public repo' -Reporter alice -Workspace $script:Ws `
            -Tracker GitHub -TrackerRepository octo-org/api -TrackerApiUrl $script:Base -TrackerToken $script:SecureToken
        $i.TrackerUrl | Should -Match '^https://github\.com/octo-org/api/security/advisories/GHSA-[2-9cfghjmpqrvwx]{4}-[2-9cfghjmpqrvwx]{4}-[2-9cfghjmpqrvwx]{4}$'
        $i.Tracker | Should -Be 'github'
        $req = Get-FakeRequests 'github.advisory'
        $req.Count | Should -Be 1
        $req[0].method | Should -Be 'POST'
        $req[0].rawTarget | Should -Be '/repos/octo-org/api/security-advisories'
        $req[0].headers.Authorization | Should -Be 'Bearer <valid token>'
        $req[0].headers.Accept | Should -Be 'application/vnd.github+json'
        $req[0].headers.'X-GitHub-Api-Version' | Should -Be '2022-11-28'
        $req[0].problems | Should -BeNullOrEmpty
        $body = $req[0].body | ConvertFrom-Json
        $body.summary | Should -Be "$($i.Id): API keys leaked in public repo"
        $body.vulnerabilities[0].package.ecosystem | Should -Be 'other'

        $t = Get-DeirfTimeline -Incident $i.Id -Workspace $script:Ws | Where-Object Kind -EQ 'integration.call'
        $t.Summary | Should -Be "GitHub advisory.create to octo-org/api delivered (1 attempt, HTTP 201): $($i.TrackerUrl)"
        (Get-DeirfIncident -Id $i.Id -Workspace $script:Ws).TrackerUrl | Should -Be $i.TrackerUrl
        New-DeirfKickoffMessage -Incident $i.Id -Workspace $script:Ws | Should -Match ([regex]::Escape("| Tracker | $($i.TrackerUrl) |"))
        $script:GitHubIncident = $i.Id
    }

    It 'opens a confidential GitLab issue with PRIVATE-TOKEN from $env:DEIRF_GITLAB_TOKEN' {
        $env:DEIRF_GITLAB_TOKEN = $script:Token
        try {
            $i = New-DeirfIncident -Title 'Runner token in job log' -Reporter bob -Workspace $script:Ws -Tracker GitLab -TrackerRepository sec/incidents -TrackerApiUrl "$script:Base/api/v4"
        }
        finally { Remove-Item Env:DEIRF_GITLAB_TOKEN }
        $req = Get-FakeRequests 'gitlab.issue'
        $req[-1].rawTarget | Should -Be '/api/v4/projects/sec%2Fincidents/issues'
        $req[-1].headers.'PRIVATE-TOKEN' | Should -Be '<valid token>'
        ($req[-1].body | ConvertFrom-Json).confidential | Should -BeTrue
        $i.TrackerUrl | Should -Match '^https://gitlab\.example\.com/sec/incidents/-/issues/\d+$'
    }

    It 'with a wrong token: the incident is opened, the failure journaled and reported, the token nowhere' {
        $wrong = 'tok_wrong_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(12))
        $before = @(Get-DeirfIncident -Workspace $script:Ws).Count
        $i = New-DeirfIncident -Title 'Wrong token' -Reporter alice -Workspace $script:Ws -Tracker GitHub -TrackerRepository octo-org/api `
            -TrackerApiUrl $script:Base -TrackerToken (ConvertTo-SecureString $wrong -AsPlainText -Force) -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IntegrationUnauthorized,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].TargetObject | Should -Be 'octo-org/api'
        $err[0].Exception.Message | Should -Match 'HTTP 401.*Bad credentials'
        $err[0].Exception.Message | Should -Not -Match $wrong
        @(Get-DeirfIncident -Workspace $script:Ws).Count | Should -Be ($before + 1)
        $i.TrackerUrl | Should -BeNullOrEmpty
        $e = Get-DeirfJournal -Incident $i.Id -Workspace $script:Ws -Kind 'integration.call'
        $e.Body.outcome | Should -Be 'failed'
        $e.Body.status | Should -Be 401
        $e.Body.error_id | Should -Be 'IntegrationUnauthorized'
        Get-ChildItem $script:Ws -Recurse -File | Select-String -SimpleMatch $wrong | Should -BeNullOrEmpty
    }

    It 'with no token: refuses before opening anything' {
        $before = @(Get-DeirfIncident -Workspace $script:Ws).Count
        { New-DeirfIncident -Title 'No token' -Reporter alice -Workspace $script:Ws -Tracker GitHub -TrackerRepository octo-org/api -TrackerApiUrl $script:Base -ErrorAction Stop } |
            Should -Throw -ErrorId 'IntegrationTokenMissing,DeIRF.Commands.Cmdlets.NewDeirfIncidentCommand'
        @(Get-DeirfIncident -Workspace $script:Ws).Count | Should -Be $before
    }

    It 'retries a 503 with Retry-After and opens exactly one advisory' {
        $count = @((Get-FakeState).advisories).Count
        Add-FakeFault 'github.advisory' @(@{ kind = 'status'; status = 503; retryAfterSeconds = 1 })
        $i = New-DeirfIncident -Title 'Retried' -Reporter alice -Workspace $script:Ws -Tracker GitHub -TrackerRepository octo-org/api -TrackerApiUrl $script:Base -TrackerToken $script:SecureToken
        $i.TrackerUrl | Should -Not -BeNullOrEmpty
        @((Get-FakeState).advisories).Count | Should -Be ($count + 1)
        (Get-DeirfJournal -Incident $i.Id -Workspace $script:Ws -Kind 'integration.call').Body.attempts | Should -Be 2
    }
}

Describe 'Integrations: Matrix room and updates' {
    AfterEach { Assert-NoFakeProblem }

    BeforeAll {
        $env:DEIRF_MATRIX_TOKEN = $script:Token
        $script:Inc = $script:GitHubIncident
        Grant-DeirfIncidentRole -Incident $script:Inc -Workspace $script:Ws -Role CommsLead -Responder dana -Actor alice
        Grant-DeirfIncidentRole -Incident $script:Inc -Workspace $script:Ws -Role TriageLead -Responder Bob -Actor alice
        Set-DeirfDeadline -Incident $script:Inc -Workspace $script:Ws -Name first-comms -In (New-TimeSpan -Hours 1) -Actor alice
    }

    It 'creates a private room named after the incident, inviting -Invite and the role holders' {
        $r = New-DeirfIncidentChannel -Incident $script:Inc -Workspace $script:Ws -Homeserver $script:Base -Invite '@erin:partner.org' -RoleHolderDomain example.org -Actor dana
        $r.Delivered | Should -BeTrue
        $r.Reference | Should -Match '^!room\d+x:fake\.local$'
        $room = @((Get-FakeState).rooms) | Where-Object room_id -EQ $r.Reference
        $room.preset | Should -Be 'private_chat'
        $room.name | Should -BeLike "$($script:Inc) API keys leaked*"
        $room.topic | Should -Match "$($script:Inc) · journal head #\d+ [0-9a-f]{16}"
        $room.invite | Sort-Object | Should -Be @('@bob:example.org', '@dana:example.org', '@erin:partner.org')
        (Get-FakeRequests 'matrix.createRoom')[-1].headers.Authorization | Should -Be 'Bearer <valid token>'
        (Get-DeirfIncident -Id $script:Inc -Workspace $script:Ws).ChatRoom | Should -Be $r.Reference
    }

    It 'refuses a second room without -Force' {
        { New-DeirfIncidentChannel -Incident $script:Inc -Workspace $script:Ws -Homeserver $script:Base -Actor dana -ErrorAction Stop } |
            Should -Throw -ErrorId 'IncidentChannelExists,DeIRF.Commands.Cmdlets.NewDeirfIncidentChannelCommand'
    }

    It 'New-DeirfKickoffMessage | Send-DeirfUpdate -Channel Matrix posts the kickoff; sending the same text again posts nothing new' {
        $kickoff = New-DeirfKickoffMessage -Incident $script:Inc -Workspace $script:Ws
        $kickoff | Should -Match ([regex]::Escape("| Channel | $($script:Inc) API keys leaked"))
        $first = $kickoff | Send-DeirfUpdate -Incident $script:Inc -Workspace $script:Ws -Channel Matrix -Actor dana
        $first.Delivered | Should -BeTrue
        $first.Reference | Should -Match '^\$\d+evt:fake\.local$'
        $put = (Get-FakeRequests 'matrix.send')[-1]
        $put.method | Should -Be 'PUT'
        $put.rawTarget | Should -Be "/_matrix/client/v3/rooms/$([uri]::EscapeDataString((Get-DeirfIncident -Id $script:Inc -Workspace $script:Ws).ChatRoom))/send/m.room.message/$($first.TransactionId)"
        $put.headers.Authorization | Should -Be 'Bearer <valid token>'
        ($put.body | ConvertFrom-Json).msgtype | Should -Be 'm.text'
        $messages = @((Get-FakeState).matrixMessages)
        $messages.Count | Should -Be 1
        $messages[0].Text | Should -Be $kickoff

        # A person re-running the post: same text, same transaction id, and the homeserver hands back the first event.
        # The rendered message carries Incident and Workspace: the pipe needs neither spelled out.
        $again = $kickoff | Send-DeirfUpdate -Channel Matrix -Actor dana
        $again.TransactionId | Should -Be $first.TransactionId
        $again.Reference | Should -Be $first.Reference
        @((Get-FakeState).matrixMessages).Count | Should -Be 1
    }

    It 'meets the first-comms deadline with the first delivered post' {
        $d = Get-DeirfDeadline -Incident $script:Inc -Workspace $script:Ws | Where-Object Name -EQ 'first-comms'
        $d.Met | Should -BeTrue
        $d.IsOverdue | Should -BeFalse
    }

    It 'a lost answer is retried with the same transaction id and stored once' {
        Add-FakeFault 'matrix.send' @(@{ kind = 'drop-after' })
        $r = Send-DeirfUpdate -Incident $script:Inc -Workspace $script:Ws -Channel Matrix -Actor dana -Audience Internal -Message 'Key revoked at 10:42Z.'
        $r.Delivered | Should -BeTrue
        $r.Attempts | Should -Be 2
        $r.Audience | Should -Be 'Internal'
        $puts = Get-FakeRequests 'matrix.send' | Select-Object -Last 2
        $puts[0].rawTarget | Should -Be $puts[1].rawTarget
        $stored = @((Get-FakeState).matrixMessages | Where-Object Text -Match 'Key revoked at 10:42Z')
        $stored.Count | Should -Be 1
        $stored[0].Text | Should -Match '# Update 2: \S+ INC-'
        $stored[0].Text | Should -Match 'Comms Lead: @dana'
    }

    It '-WhatIf sends and journals nothing' {
        $n = @(Get-FakeRequests 'matrix.send').Count
        $entries = (Get-DeirfIncident -Id $script:Inc -Workspace $script:Ws).EntryCount
        Send-DeirfUpdate -Incident $script:Inc -Workspace $script:Ws -Channel Matrix -Actor dana -Message 'not sent' -WhatIf
        @(Get-FakeRequests 'matrix.send').Count | Should -Be $n
        (Get-DeirfIncident -Id $script:Inc -Workspace $script:Ws).EntryCount | Should -Be $entries
    }
}

Describe 'Integrations: Slack and webhook' {
    AfterEach { Assert-NoFakeProblem }

    It 'posts to Slack with a Bearer token and JSON; ok:false is an error record and a failed entry' {
        $env:DEIRF_SLACK_TOKEN = $script:Token
        try {
            $ok = Send-DeirfUpdate -Incident $script:GitHubIncident -Workspace $script:Ws -Channel Slack -SlackChannel C0INCIDENT -SlackApiUrl "$script:Base/api" -Actor dana -Message 'Slack update'
            $bad = Send-DeirfUpdate -Incident $script:GitHubIncident -Workspace $script:Ws -Channel Slack -SlackChannel C0MISSING -SlackApiUrl "$script:Base/api" -Actor dana -Message 'Slack update' -ErrorVariable err -ErrorAction SilentlyContinue
        }
        finally { Remove-Item Env:DEIRF_SLACK_TOKEN }
        $ok.Delivered | Should -BeTrue
        $req = (Get-FakeRequests 'slack.postMessage')[0]
        $req.headers.Authorization | Should -Be 'Bearer <valid token>'
        $req.headers.'Content-Type' | Should -Be 'application/json; charset=utf-8'
        ($req.body | ConvertFrom-Json).channel | Should -Be 'C0INCIDENT'
        $bad.Delivered | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IntegrationRejected,*'
        $err[0].Exception.Message | Should -Match 'ok:false \(channel_not_found\)'
        $last = Get-DeirfJournal -Incident $script:GitHubIncident -Workspace $script:Ws -Kind 'integration.call' | Select-Object -Last 1
        $last.Body.outcome | Should -Be 'failed'
        $last.Summary | Should -Match '^Slack message\.send to C0MISSING FAILED'
    }

    It 'posts a community update to a webhook with an Idempotency-Key; only scheme and host are journaled' {
        $secretPath = '/hooks/T0/B0/' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(10))
        $env:DEIRF_WEBHOOK_URL = "$script:Base$secretPath"
        try {
            $r = Send-DeirfUpdate -Incident $script:GitHubIncident -Workspace $script:Ws -Channel Webhook -Audience Community -Actor dana -Message 'Rotate API keys created before today.'
        }
        finally { Remove-Item Env:DEIRF_WEBHOOK_URL }
        $r.Delivered | Should -BeTrue
        $req = (Get-FakeRequests 'webhook')[-1]
        $req.headers.'Idempotency-Key' | Should -Be $r.TransactionId
        $payload = $req.body | ConvertFrom-Json
        $payload.audience | Should -Be 'Community'
        $payload.text | Should -Match 'Rotate API keys created before today\.'
        $payload.text | Should -Not -Match 'journal\.jsonl|@dana'
        $r.Endpoint | Should -Be $script:Base
        Get-ChildItem $script:Ws -Recurse -File | Select-String -SimpleMatch $secretPath | Should -BeNullOrEmpty
    }

    It 'renders a regulator notification' {
        $env:DEIRF_WEBHOOK_URL = "$script:Base/hooks/regulator"
        try {
            $r = Send-DeirfUpdate -Incident $script:GitHubIncident -Workspace $script:Ws -Channel Webhook -Audience Regulator -Actor dana
        }
        finally { Remove-Item Env:DEIRF_WEBHOOK_URL }
        $text = ((Get-FakeRequests 'webhook')[-1].body | ConvertFrom-Json).text
        $text | Should -Match "# Incident notification \(follow-up \d+\): $($script:GitHubIncident)"
        $text | Should -Match 'preliminary notification'
        $text | Should -Match 'Contact \| @dana \(Comms Lead\)'
    }

    It 'posts a hand-off briefing through the webhook channel (issue 25): the hand-off and the delivery are both journaled' {
        $env:DEIRF_WEBHOOK_URL = "$script:Base/hooks/handoff"
        try {
            $h = Send-DeirfHandoff -Incident $script:GitHubIncident -Workspace $script:Ws -To erin -Channel Webhook -Actor dana -Confirm:$false
        }
        finally { Remove-Item Env:DEIRF_WEBHOOK_URL }
        $text = ((Get-FakeRequests 'webhook')[-1].body | ConvertFrom-Json).text
        $text | Should -Match "# Hand-off: .* $($script:GitHubIncident) from @dana to @erin"
        $text | Should -Be $h.Text
        $last = @(Get-DeirfJournal -Incident $script:GitHubIncident -Workspace $script:Ws | Select-Object -Last 2)
        $last.Kind | Should -Be @('handoff.sent', 'integration.call')
        $last[0].Body.sha256 | Should -Be $h.Sha256
        $last[1].Body.outcome | Should -Be 'delivered'
    }
}

Describe 'Integrations: secrets' {
    AfterEach { Assert-NoFakeProblem }

    It 'the token appears in no file of the workspace, after every call above' {
        $hits = Get-ChildItem $script:Ws -Recurse -File | Select-String -SimpleMatch $script:Token
        $hits | Should -BeNullOrEmpty
        # And the journals are still valid.
        Get-DeirfIncident -Workspace $script:Ws | ForEach-Object { (Test-DeirfJournal -Incident $_.Id -Workspace $script:Ws).IsValid | Should -BeTrue }
    }
}
