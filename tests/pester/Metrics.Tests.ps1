# Issue 10, part B as users call it: Get-DeirfMetric, Export-DeirfReport, Test-DeirfReadiness on the built module.
# Known numbers on hand-built journals, the headless-Chromium render and the prepared workspace are in xUnit
# (tests/DeIRF.Core.Tests/Metrics, Reports, Readiness), where the journal clock can be set.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:HaveChromium = Test-DeirfTool chromium
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $Hostile = '<script>alert(1)</script> Leaked key'
    $ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $alert = Join-Path $TestDrive 'alert.json'
    Set-Content -Path $alert -Value ('{"title":"scanner hit","time":"' + [DateTime]::UtcNow.AddMinutes(-5).ToString('yyyy-MM-ddTHH:mm:ss.fffZ') + '","source":"leak-scanner"}')
    $real = ConvertFrom-DeirfAlert -Path $alert | New-DeirfIncident -Reporter alice -Workspace $ws
    Set-DeirfSeverity -Incident $real.Id -Impact High -Urgency High -Actor bob -Workspace $ws
    Grant-DeirfIncidentRole -Incident $real.Id -Role TriageLead -Responder bob -Actor bob -Workspace $ws
    Add-DeirfNote -Incident $real.Id -Text 'rotating the key' -Actor bob -Workspace $ws
    Close-DeirfIncident -Incident $real.Id -Resolution 'key rotated' -Actor bob -Workspace $ws
    $byHand = New-DeirfIncident -Title $Hostile -Reporter carol -Workspace $ws
    Set-DeirfSeverity -Incident $byHand.Id -Impact Medium -Urgency Medium -Actor bob -Workspace $ws
    $drill = New-DeirfIncident -Title 'drill' -Reporter alice -Drill -Workspace $ws
}

Describe 'Get-DeirfMetric' {
    It 'aggregates per severity and overall, with the sample size of each row' {
        $rows = Get-DeirfMetric -Workspace $ws
        $rows[0].PSObject.TypeNames[0] | Should -Be 'DeIRF.Metrics.MetricSummary'
        $p1d = $rows | Where-Object { $_.Severity -eq 'P1' -and $_.Metric -eq 'MTTD' }
        $p1d.N | Should -Be 1
        $p1d.Statistic | Should -Be 'one incident (not a mean)'
        $p1d.Mean.TotalMinutes | Should -BeGreaterOrEqual 4.9
        $allD = $rows | Where-Object { $_.Severity -eq 'all' -and $_.Metric -eq 'MTTD' }
        $allD.N | Should -Be 1
        $allD.NotCounted | Should -Be 1
        $allD.Note | Should -Be '1 without alert'
        ($rows | Where-Object { $_.Severity -eq 'all' -and $_.Metric -eq 'MTTA' }).N | Should -Be 1
        ($rows | Where-Object { $_.Severity -eq 'all' -and $_.Metric -eq 'MTTR' }).N | Should -Be 1
    }

    It 'leaves drills out unless -IncludeDrill; -PerIncident gives one object per incident' {
        @(Get-DeirfMetric -Workspace $ws -PerIncident).Incident | Should -Not -Contain $drill.Id
        $with = @(Get-DeirfMetric -Workspace $ws -PerIncident -IncludeDrill)
        $with.Count | Should -Be 3
        ($with | Where-Object Incident -eq $drill.Id).IsDrill | Should -BeTrue
        (Get-DeirfMetric -Workspace $ws -IncludeDrill | Where-Object { $_.Severity -eq 'unrated' -and $_.Metric -eq 'MTTR' }).NotCounted | Should -Be 1
    }

    It 'filters by severity and by opening time' {
        @(Get-DeirfMetric -Workspace $ws -Severity P3 -PerIncident).Incident | Should -Be @($byHand.Id)
        @(Get-DeirfMetric -Workspace $ws -Since ([DateTimeOffset]::UtcNow.AddDays(1)) -PerIncident).Count | Should -Be 0
        (Get-DeirfMetric -Workspace $ws -Since ([DateTimeOffset]::UtcNow.AddDays(1)) | Where-Object Metric -eq 'MTTD').N | Should -Be 0
    }

    It 'prints as a table with N' {
        $text = Get-DeirfMetric -Workspace $ws | Format-Table | Out-String -Width 200
        $text | Should -Match 'Severity\s+Metric\s+N\s+Mean\s+Median\s+P90'
        $text | Should -Match 'P1\s+MTTD\s+1\s'
    }
}

Describe 'Export-DeirfReport' {
    It 'writes one self-contained HTML file with the hostile title escaped' {
        $path = Join-Path $TestDrive 'report.html'
        $file = Export-DeirfReport -Incident $byHand.Id -Path $path -Workspace $ws
        $file.FullName | Should -Be $path
        $html = Get-Content -Raw $path
        $html | Should -Match ([regex]::Escape('&lt;script&gt;alert(1)&lt;/script&gt; Leaked key'))
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match '(?i)\b(src|href)\s*=\s*["'']?\s*(https?:)?//'
        $html | Should -Match '<svg class="chart"'
        $html | Should -Match '<b>valid</b>'
    }

    It 'binds piped incidents, honours -WhatIf, and refuses to overwrite without -Force' {
        $path = Join-Path $TestDrive 'piped.html'
        Get-DeirfIncident -Id $real.Id -Workspace $ws | Export-DeirfReport -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
        Get-DeirfIncident -Id $real.Id -Workspace $ws | Export-DeirfReport -Path $path | Should -Not -BeNullOrEmpty
        { Export-DeirfReport -Incident $real.Id -Path $path -Workspace $ws -ErrorAction Stop } | Should -Throw -ErrorId 'ReportFileExists,DeIRF.Commands.Cmdlets.ExportDeirfReportCommand'
        Export-DeirfReport -Incident $real.Id -Path $path -Workspace $ws -Force | Should -Not -BeNullOrEmpty
        (Get-Content -Raw $path) | Should -Match 'Closed at'
    }

    It 'names reports after their incidents when -Path is a folder' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'reports')
        $real.Id, $byHand.Id | Export-DeirfReport -Path $dir -Workspace $ws | Out-Null
        (Get-ChildItem $dir).Name | Sort-Object | Should -Be (@("$($real.Id).html", "$($byHand.Id).html") | Sort-Object)
    }

    It 'renders in headless Chromium' -Skip:(-not $HaveChromium) {
        $path = Join-Path $TestDrive 'shot.html'
        Export-DeirfReport -Incident $real.Id -Path $path -Workspace $ws | Out-Null
        $png = Join-Path $TestDrive 'shot.png'
        $psi = [Diagnostics.ProcessStartInfo]::new((Get-Command chromium).Source)
        foreach ($a in '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', "--user-data-dir=$(Join-Path $TestDrive 'profile')",
            "--screenshot=$png", '--window-size=1200,900', [Uri]::new($path).AbsoluteUri) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardError = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        $null = $p.StandardError.ReadToEndAsync(); $null = $p.StandardOutput.ReadToEndAsync()
        if (-not $p.WaitForExit(90000)) { $p.Kill($true); throw "chromium (pid $($p.Id)) timed out; killed" }
        $png | Should -Exist
        # A PNG of the window's size (the pixels are checked in xUnit: IncidentReportTests.RendersInHeadlessChromium).
        $bytes = [IO.File]::ReadAllBytes($png)
        [Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
        ($bytes[16..19] | ForEach-Object { '{0:x2}' -f $_ }) -join '' | Should -Be ('{0:x8}' -f 1200)   # IHDR width
        ($bytes[20..23] | ForEach-Object { '{0:x2}' -f $_ }) -join '' | Should -Be ('{0:x8}' -f 900)    # IHDR height
    }
}

Describe 'Test-DeirfReadiness' {
    It 'on a fresh workspace: every item, failures and warnings each with a fix; -Quiet is $false' {
        $fresh = Join-Path $TestDrive 'fresh'
        Initialize-DeirfWorkspace -Path $fresh | Out-Null
        $checks = Test-DeirfReadiness -Workspace $fresh
        $checks.Count | Should -Be 12
        $checks[0].PSObject.TypeNames[0] | Should -Be 'DeIRF.Readiness.ReadinessCheck'
        ($checks | Where-Object Status -eq 'Fail').Count | Should -Be 7
        $checks | Where-Object Status -ne 'Pass' | ForEach-Object { $_.Fix | Should -Not -BeNullOrEmpty }
        $q = Test-DeirfReadiness -Workspace $fresh -Quiet
        $q | Should -BeOfType [bool]
        $q | Should -BeFalse
        (Test-DeirfReadiness -Workspace $fresh | Format-Table | Out-String -Width 250) | Should -Match 'Status\s+Item\s+Reason\s+Fix'
    }

    It '-Quiet is $true once nothing fails (warnings allowed)' {
        $ready = Join-Path $TestDrive 'ready'
        Initialize-DeirfWorkspace -Path $ready | Out-Null
        $now = [DateTime]::UtcNow
        Set-Content (Join-Path $ready 'assets.csv') "name,kind,owner`napi,code,dev`ncluster,infra,ops`ndeploy-key,keys,sec"
        Set-Content (Join-Path $ready 'log-pipeline.json') ('{"tolerance_ms":1000,"sources":[{"name":"nodes","skew_ms":12,"measured":"' + $now.AddHours(-3).ToString('o') + '"}]}')
        Set-Content (Join-Path $ready 'integrations.json') '{"channel":{"kind":"matrix","homeserver":"https://matrix.example.org","e2ee":true}}'
        New-Item -ItemType Directory (Join-Path $ready 'detection') | Out-Null
        Set-Content (Join-Path $ready 'detection/leaks.yaml') '- rule: leaked key'
        Set-Content (Join-Path $ready 'secrets-rotation.json') ('{"secrets":[{"name":"matrix-bot-token","cadence_days":90,"last_rotated":"' + $now.AddDays(-10).ToString('o') + '"}]}')
        # A drill in a sandbox workspace under drills/, as Start-DeirfDrill -Workspace ./drills/<name> keeps it.
        Initialize-DeirfWorkspace -Path (Join-Path $ready 'drills/leaked-key') | Out-Null
        New-DeirfIncident -Title 'drill leaked-key' -Reporter alice -Drill -Workspace (Join-Path $ready 'drills/leaked-key') | Out-Null
        $checks = Test-DeirfReadiness -Workspace $ready
        ($checks | Where-Object Item -eq 'Drill schedule').Status | Should -Be 'Pass'
        ($checks | Where-Object Item -eq 'Asset inventory').Status | Should -Be 'Pass'
        # Still failing: no roster proofs. Everything else passes or warns.
        @($checks | Where-Object Status -eq 'Fail' | ForEach-Object Item) | Should -Be @('Identity proofs reviewed')
        Test-DeirfReadiness -Workspace $ready -Quiet | Should -BeFalse
        $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing.json'
        try {
            foreach ($who in 'alice', 'bob') {
                New-DeirfResponder -Handle $who -Name $who -Role TriageLead -Actor $who -Workspace $ready -Confirm:$false | Out-Null
                Add-DeirfIdentityProof -Responder $who -Kind DidKey -KeyPath (New-DeirfTestKey -Kind DidKey -Path (Join-Path $TestDrive "$who.seed")) -Actor $who -Workspace $ready -Confirm:$false | Out-Null
                Add-DeirfIdentityProof -Responder $who -Kind Ethereum -KeyPath (New-DeirfTestKey -Kind Ethereum -Path (Join-Path $TestDrive "$who.eth")) -Actor $who -Workspace $ready -Confirm:$false | Out-Null
            }
        }
        finally { Remove-Item Env:DEIRF_SIGNING_CONFIG }
        @(Test-DeirfReadiness -Workspace $ready | Where-Object Status -eq 'Fail').Count | Should -Be 0
        Test-DeirfReadiness -Workspace $ready -Quiet | Should -BeTrue
    }

    It '-Quiet gives $false when there is no workspace' {
        Test-DeirfReadiness -Workspace (Join-Path $TestDrive 'nowhere') -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }
}
