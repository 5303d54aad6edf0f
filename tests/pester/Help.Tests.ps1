# Get-Help works for every exported cmdlet of the built module (MAML compiled from docs/help by build/New-MamlHelp.ps1).
# Its examples are the blocks HelpExamples.Tests.ps1 runs: same code, same count, and no doc-test marker shows.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $cmdlets = @((Import-PowerShellDataFile (Get-DeirfTestModulePath)).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $script:HelpSource = Join-Path $PSScriptRoot '../../docs/help'
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'is exported by the module' {
        $command.ModuleName | Should -Be 'DeIRF'
    }

    It 'has a synopsis written by a person, not the generated syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell puts the syntax ("Name [-Param] <type> ...") in the synopsis.
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis | Should -Not -Match '\[<CommonParameters>\]'
    }

    It 'has a description' {
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'names parameter types as a reader writes them (no Nullable`1[[...]] or other CLR generic names)' {
        # Issue 19 finding 11: a [Nullable[datetimeoffset]] parameter showed as Nullable`1[[System.DateTimeOffset, ...]].
        $text = (Get-Help $Name -Full | Out-String -Width 250) + ((Get-Help $Name).syntax | Out-String -Width 250)
        $text | Should -Not -Match 'Nullable'
        $text | Should -Not -Match '`1'
    }

    It 'has at least one example whose code runs the cmdlet' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterThan 0
        @($examples | Where-Object { $_.code -match [regex]::Escape($Name) }).Count | Should -BeGreaterThan 0
    }

    It 'shows exactly the example code the help examples test runs (same blocks, same order, same text)' {
        $ran = @(Get-DeirfDocBlock -Path (Join-Path $HelpSource "$Name.md"))
        $shown = @($help.examples.example | ForEach-Object { ("$($_.code)" -replace "`r`n", "`n").TrimEnd() })
        $shown.Count | Should -Be $ran.Count -Because "Get-Help $Name -Examples shows one example per tested block"
        for ($i = 0; $i -lt $ran.Count; $i++) { $shown[$i] | Should -BeExactly $ran[$i].Code.TrimEnd() -Because "example $($i + 1) of $Name" }
    }

    It 'shows no doc-test marker in its examples' {
        foreach ($e in @($help.examples.example)) {
            $text = "$($e.title)`n$($e.code)`n$(@($e.remarks | ForEach-Object Text) -join "`n")"
            $text | Should -Not -Match 'doc-test' -Because "a marker is for the test run ($Name, $($e.title.Trim(' -')))"
        }
    }

    It 'describes every parameter (common parameters aside)' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $doc = @($help.parameters.parameter) | Where-Object name -eq $parameter
            $doc | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a help entry"
            ($doc.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }

    It 'shows the parameter metadata of the cmdlet itself' {
        foreach ($doc in @($help.parameters.parameter)) {
            $actual = $command.Parameters[$doc.name]
            $actual | Should -Not -BeNullOrEmpty -Because "$Name help documents -$($doc.name)"
            @($actual.ParameterSets.Values.IsMandatory | ForEach-Object { "$_".ToLowerInvariant() }) | Should -Contain $doc.required
        }
    }
}
