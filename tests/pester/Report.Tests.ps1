# Issue 19 finding 9 as a responder meets it: a short drill run with the built module (notes, a deadline 30 min out,
# a quorum proposal and two signatures), its report exported and opened in headless Chromium, the screenshot decoded
# and the marks found on it. Before the fix the open deadline stretched the axis to +30 min and every mark of the
# 2-second drill sat in one pixel column. The screenshot stays in the test's folder (kept by build.ps1 test).

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
    # The one PNG decoder of the suite (xUnit uses the same file).
    if (-not ('DeIRF.Core.Tests.Reports.PngImage' -as [type])) {
        Add-Type -TypeDefinition (Get-Content -Raw (Join-Path $PSScriptRoot '../DeIRF.Core.Tests/Reports/PngImage.cs')) -Language CSharp
    }
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $keys = @{}
    foreach ($r in @(@{ H = 'bob'; R = 'ContainmentLead' }, @{ H = 'carol'; R = 'ContainmentLead', 'TriageLead' })) {
        $keys[$r.H] = Add-DeirfTestResponder -Workspace $ws -Handle $r.H -Role $r.R -KeyFolder $TestDrive -AddedBy bob
    }

    # The drill, as a responder types it; a pause between steps so the marks have time between them.
    $inc = (New-DeirfIncident -Title 'Report drill: leaked deploy key' -Reporter bob -Drill -Workspace $ws).Id
    Add-DeirfNote -Incident $inc -Text 'scanner hit on the deploy key' -Actor bob -Workspace $ws | Out-Null
    Set-DeirfDeadline -Incident $inc -Name containment -In (New-TimeSpan -Minutes 30) -Actor bob -Workspace $ws -Confirm:$false | Out-Null
    Grant-DeirfIncidentRole -Incident $inc -Role ContainmentLead -Responder bob -Actor bob -Workspace $ws -Confirm:$false | Out-Null
    Grant-DeirfIncidentRole -Incident $inc -Role TriageLead -Responder carol -Actor bob -Workspace $ws -Confirm:$false | Out-Null
    foreach ($i in 1..3) {
        Start-Sleep -Milliseconds 250
        Add-DeirfNote -Incident $inc -Text "checked host $i" -Actor carol -Workspace $ws | Out-Null
    }
    $proposal = New-DeirfProposal -Incident $inc -Action identity.revoke -Target carol -Parameter @{ reason = 'drill' } -Proposer bob -Workspace $ws
    Start-Sleep -Milliseconds 250
    $proposal | Add-DeirfQuorumSignature -Responder bob -KeyPath $keys.bob.Seed -Kind DidKey -Workspace $ws -Confirm:$false | Out-Null
    Start-Sleep -Milliseconds 250
    $proposal | Add-DeirfQuorumSignature -Responder carol -KeyPath $keys.carol.Seed -Kind DidKey -Workspace $ws -Confirm:$false | Out-Null
    Start-Sleep -Milliseconds 250
    Add-DeirfNote -Incident $inc -Text 'drill done' -Actor bob -Workspace $ws | Out-Null

    $report = Join-Path $TestDrive 'report.html'
    Export-DeirfReport -Incident $inc -Path $report -Workspace $ws | Out-Null
    $html = Get-Content -Raw $report
    $entries = @(Get-DeirfJournal -Incident $inc -Workspace $ws)
}

AfterAll { Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue }

Describe 'Export-DeirfReport timeline of a short drill' {
    It 'fits the axis to the entries and draws the 30-minute deadline as an edge marker' {
        $span = ($entries[-1].Timestamp - $entries[0].Timestamp).TotalSeconds
        $span | Should -BeLessThan 60
        # The axis caption: from the first to the last entry, in seconds, never +30 min.
        $html | Should -Match 'Axis: time since the incident was opened, [^<]*\d s to \+[\d.]+ s \(the first to the last journal entry'
        $html | Should -Match '<g class="edge"><title>T-minus containment: due [^<]*\(\+30 min( \d+ s)?\), open'
        $html | Should -Match 'containment open, due \+30 min( \d+ s)?</text></g>'
        # Tick labels are nice values of one step, in seconds.
        $labels = @([regex]::Matches($html, 'class="small" text-anchor="middle">([^<]+)</text>') | ForEach-Object { $_.Groups[1].Value })
        $labels.Count | Should -BeGreaterOrEqual 3
        $labels | ForEach-Object { $_ | Should -Match '^(0|[+\u2212]\d+(\.\d+)? s)$' }
    }

    It 'spreads the marks across the chart in headless Chromium' -Skip:(-not $HaveChromium) {
        $png = Join-Path $TestDrive 'report.png'
        $psi = [Diagnostics.ProcessStartInfo]::new((Get-Command chromium).Source)
        foreach ($a in '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--hide-scrollbars', "--user-data-dir=$(Join-Path $TestDrive 'profile')",
            "--screenshot=$png", '--window-size=1200,900', [Uri]::new($report).AbsoluteUri) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardError = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $psi.Environment['HOME'] = $TestDrive
        $p = [Diagnostics.Process]::Start($psi)
        $stderr = $p.StandardError.ReadToEndAsync(); $null = $p.StandardOutput.ReadToEndAsync()
        # Ours, by PID, with its children (renderer, GPU and zygote processes).
        if (-not $p.WaitForExit(90000)) { $p.Kill($true); throw "chromium (pid $($p.Id)) did not finish within 90 s; killed" }
        if (-not (Test-Path $png)) { throw "no screenshot (exit $($p.ExitCode)): $($stderr.Result)" }

        $image = [DeIRF.Core.Tests.Reports.PngImage]::Decode([IO.File]::ReadAllBytes($png))
        $image.Width | Should -Be 1200
        $image.Height | Should -Be 900
        # The chart is found by its background (#fbfbfd); SVG units (1100 wide) scale to its pixels.
        $box = $image.RunBox(0xfbfbfd, 600)
        $box | Should -Not -BeNullOrEmpty
        $scale = ($box.Item3 - $box.Item1 + 1) / 1100
        $plotLeft = $box.Item1 + 160 * $scale; $plotRight = $box.Item1 + 1060 * $scale
        $plotWidth = $plotRight - $plotLeft
        function Find-Mark([int] $Colour, [double] $Lane, [double] $Run) {
            $columns = $image.MarkColumns($Colour, [int]$plotLeft - 4, [int]($box.Item2 + ($Lane - 10) * $scale), [int]$plotRight + 4,
                [int]($box.Item2 + ($Lane + 10) * $scale), [int]($Run * $scale))
            @([DeIRF.Core.Tests.Reports.PngImage]::Marks($columns))
        }
        $notes = Find-Mark 0x374151 260 14        # note ticks, 18 units tall
        $signatures = Find-Mark 0x7c3aed 160 10   # filled circles, 12 units across (a proposal's ring is thinner)
        $notes.Count | Should -Be 5
        $signatures.Count | Should -Be 2
        $xs = @($notes) + @($signatures) | Sort-Object
        # Spread across the axis, not piled in one column: more than a third of the plot width, every mark its own x.
        ($xs[-1] - $xs[0]) | Should -BeGreaterThan ($plotWidth / 3)
        $gaps = for ($i = 1; $i -lt $xs.Count; $i++) { $xs[$i] - $xs[$i - 1] }
        ($gaps | Measure-Object -Minimum).Minimum | Should -BeGreaterThan 3
        # The first note is near the left end of the window, the last near the right (the entries fill it).
        $notes[0] - $plotLeft | Should -BeLessThan ($plotWidth * 0.15)
        $plotRight - $notes[-1] | Should -BeLessThan ($plotWidth * 0.15)
        # The edge marker for the deadline: its grey triangle just right of the plot.
        @($image.MarkColumns(0x9aa0a6, [int]($box.Item1 + 1068 * $scale), $box.Item2, [int]($box.Item1 + 1082 * $scale), [int]($box.Item2 + 150 * $scale), 4)).Count |
            Should -BeGreaterThan 0
    }
}
