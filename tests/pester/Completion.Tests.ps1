# Issue 19 finding 6: completers resolve the workspace from the PowerShell location, and the missing ones exist.
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $script:savedWs = $env:DEIRF_WORKSPACE
    Remove-Item Env:DEIRF_WORKSPACE -ErrorAction SilentlyContinue
    $env:DEIRF_SIGNING_CONFIG = Join-Path $TestDrive 'signing-keys.json'
    $script:ws = Join-Path $TestDrive 'ws'
    Initialize-DeirfWorkspace -Path $ws | Out-Null
    $script:keys = Add-DeirfTestResponder -Workspace $ws -Handle alice -Role TriageLead -KeyFolder $TestDrive
    $script:inc = New-DeirfIncident -Title 'Leaked deploy key' -Reporter alice -Workspace $ws
    function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
}
AfterAll {
    $env:DEIRF_WORKSPACE = $savedWs
    Remove-Item Env:DEIRF_SIGNING_CONFIG -ErrorAction SilentlyContinue
}

Describe 'Completion from inside a workspace (Set-Location, not the process directory)' {
    BeforeEach { Push-Location $ws }
    AfterEach { Pop-Location }

    It 'completes incident ids, with the title and state as the tooltip' {
        [Environment]::CurrentDirectory | Should -Not -Be $ws
        $m = Complete 'Get-DeirfIncident -Id INC-'
        $m.CompletionText | Should -Contain $inc.Id
        ($m | Where-Object CompletionText -eq $inc.Id).ToolTip | Should -Match 'Leaked deploy key \(Open'
    }

    It 'completes -Actor handles, -Kind entry kinds, -Action actions and -Fingerprint proofs' {
        (Complete 'Add-DeirfNote -Incident x -Text y -Actor al').CompletionText | Should -Contain 'alice'
        (Complete 'Get-DeirfJournal -Incident x -Kind incident.').CompletionText | Should -Contain 'incident.opened'
        (Complete 'New-DeirfProposal -Incident x -Target y -Action identity').CompletionText | Should -Contain 'identity.revoke'
        (Complete 'New-DeirfProposal -Incident x -Target y -Action roster.').CompletionText | Should -Contain 'roster.responder.add'
        $fp = ((Get-DeirfResponder alice -Workspace $ws).Proofs | Where-Object Kind -eq 'DidKey').Fingerprint
        (Complete 'Revoke-DeirfIdentityProof -Responder alice -Reason r -Fingerprint did').CompletionText | Should -Contain $fp
    }

    It 'resolves a relative -Workspace against the PowerShell location' {
        Push-Location $TestDrive
        try { (Complete 'Get-DeirfIncident -Workspace ./ws -Id INC-').CompletionText | Should -Contain $inc.Id }
        finally { Pop-Location }
    }
}
