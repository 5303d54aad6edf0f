# Issue 19 finding 7: the default views fit 80 columns with their key columns whole (and 120).
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $script:ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $script:title = 'Deploy key leaked in a public gist'
    $script:inc = New-DeirfIncident -Title $title -Reporter alice -Workspace $ws
    Add-DeirfNote -Incident $inc.Id -Text 'rotated the key' -Actor alice -Workspace $ws
    function Render($InputObject, [int] $Width) { ($InputObject | Format-Table | Out-String -Width $Width) -split "`r?`n" | Where-Object { $_.Trim() } }
}

Describe 'Default table views at <Width> columns' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
    It 'Get-DeirfIncident shows the title, and no label is cut' {
        $lines = Render (Get-DeirfIncident -Workspace $ws) $Width
        $lines[0] | Should -Match '^Id\s+State\s+Severity\s+Opened\s+Title'
        ($lines -join "`n") | Should -Match ([regex]::Escape($title.Substring(0, 25)))
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual $Width }
    }

    It 'Get-DeirfJournal shows each kind whole and a readable summary' {
        $lines = Render (Get-DeirfJournal -Incident $inc.Id -Workspace $ws) $Width
        $lines[0] | Should -Match '^\s*Seq\s+Timestamp\s+Kind\s+Actor\s+Hash\s+Summary'
        ($lines -join "`n") | Should -Match 'incident\.opened'
        ($lines | Where-Object { $_ -match 'note' }) | Should -Match 'rotated the key'
    }

    It 'Test-DeirfJournal labels are the property names, and the longest fault fits' {
        $copy = Join-Path $TestDrive "tampered-$Width.jsonl"
        $text = Get-Content -Raw (Join-Path $ws "incidents/$($inc.Id)/journal.jsonl")
        Set-Content -Path $copy -Value ($text -replace 'rotated the key', 'did nothing') -NoNewline
        $lines = Render (Test-DeirfJournal -Path $copy -NoHeadRecord -AllowUnsigned) $Width
        $lines[0] | Should -Match '^IsValid\s+EntryCount\s+Fault\s+FirstBadSeq\s+Reason'
        ($lines -join "`n") | Should -Match 'HashMismatch'
    }
}

# Every table view of DeIRF.Format.ps1xml, rendered by PowerShell's own formatter: an object carrying the view's type
# name and, for each property column, a value as wide as the column. At 80 and 120 columns the header must show every
# label whole (PowerShell drops or cuts columns that do not fit) and no line may be wider than the terminal.
BeforeDiscovery {
    $format = [xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../module/DeIRF.Format.ps1xml'))
    $script:tableViews = foreach ($v in $format.Configuration.ViewDefinitions.View) {
        if (-not $v.TableControl) { continue }
        $headers = @($v.TableControl.TableHeaders.TableColumnHeader)
        $items = @(@($v.TableControl.TableRowEntries.TableRowEntry)[0].TableColumnItems.TableColumnItem)
        $columns = for ($n = 0; $n -lt $headers.Count; $n++) {
            $h = $headers[$n]; $item = $items[$n]
            $prop = if ($item.PropertyName) { $item.PropertyName } else { $null }
            $label = if ($h.Label) { $h.Label } else { $prop }
            # The properties a script-block column reads ($_.Name), so the formatter has values to lay out.
            $uses = @(if ($prop) { $prop } else { [regex]::Matches("$($item.ScriptBlock)", '\$_\.(\w+)') | ForEach-Object { $_.Groups[1].Value } })
            @{ Label = $label; Width = if ($h.Width) { [int]$h.Width } else { 0 }; Uses = $uses }
        }
        @{ View = $v.Name; TypeName = $v.ViewSelectedBy.TypeName; Columns = @($columns) }
    }
}

Describe 'Every default table view at <Width> columns' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
    It '<View>: every label whole, no line wider than the terminal' -ForEach $tableViews {
        $o = [pscustomobject]@{}
        $o.PSTypeNames.Insert(0, $TypeName)
        foreach ($c in $Columns) {
            foreach ($p in $c.Uses) { $o | Add-Member -NotePropertyName $p -NotePropertyValue ('x' * [Math]::Max($c.Width, 12)) -Force }
        }
        $text = $o | Format-Table | Out-String -Width $Width
        $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
        $lines.Count | Should -BeGreaterThan 1 -Because "the $View view renders ('$text')"
        $header = $lines[0]
        foreach ($c in $Columns) {
            $header | Should -Match "(^|\s)$([regex]::Escape($c.Label))(\s|$)" -Because "the $View view at $Width columns should show the '$($c.Label)' column (header: '$header')"
        }
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual $Width -Because "'$_'" }
    }
}

Describe 'Digests to compare are notices a script can silence (issue 19 finding 8)' {
    BeforeAll {
        $script:pws = Join-Path $TestDrive 'ws-notice'
        Initialize-DeirfWorkspace -Path $pws | Out-Null
        $null = Add-DeirfTestResponder -Workspace $pws -Handle alice -Role ContainmentLead -KeyFolder $TestDrive
        $script:pinc = (New-DeirfIncident -Title 'notice' -Reporter alice -Workspace $pws).Id
    }

    It 'New-DeirfProposal tags its digest notice, and -InformationAction SilentlyContinue silences it' {
        $p = New-DeirfProposal -Incident $pinc -Action k8s.pod.quarantine -Target prod/a -Proposer alice -Workspace $pws -InformationVariable iv
        @($iv | Where-Object { $_.Tags -contains 'Digest' -and "$($_.MessageData)" -match $p.Id }).Count | Should -Be 1
        $quiet = New-DeirfProposal -Incident $pinc -Action k8s.pod.quarantine -Target prod/b -Proposer alice -Workspace $pws -InformationAction SilentlyContinue 6>&1
        @($quiet | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).Count | Should -Be 0
        # Several verdicts as a table, one line each at 80 columns (the list view stays the default for one).
        $table = ($p, @($quiet)[-1]) | Test-DeirfQuorum | Format-Table | Out-String -Width 80
        $table | Should -Match 'ShortId\s+IsMet\s+Action\s+Persons\s+Blockers'
        $table | Should -Match ([regex]::Escape($p.Id.Substring(0, 12)) + '\s+False\s+k8s\.pod\.quarantine')
        $p2 = @($quiet)[-1]
        ($p2 | Get-DeirfSigningPayload -OutFile (Join-Path $TestDrive 'p.txt') -InformationAction Ignore 6>&1 |
            Where-Object { $_ -is [System.Management.Automation.InformationRecord] }) | Should -BeNullOrEmpty
    }
}

Describe 'Test-DeirfInclusionProof names a missing trusted-key file (issue 19 finding 12)' {
    It 'is TrustedKeyFileNotFound with how to make one, not a key-format error' {
        $proof = Join-Path $TestDrive 'any.tlog-proof'
        Set-Content $proof 'not read before the keys'
        Test-DeirfInclusionProof -Path $proof -TrustedKey (Join-Path $TestDrive 'keys.txt') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TrustedKeyFileNotFound,*'
        $err[0].Exception.Message | Should -Match 'VerifierKey'
    }
}
