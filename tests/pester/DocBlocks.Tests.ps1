# Issue 19 section 1: the documents are tests. Every ```powershell block of README.md and docs/*.md runs here, in
# document order within a file, in one fresh temporary folder per file (a workspace ./ws in it, $env:DEIRF_WORKSPACE
# set to it, the location set there, ./out/DeIRF and ./runbooks linking to the built module, as in a clone) and in
# a runspace of its own, so the variables one block sets are there for the next, as in a reader's session.
# A block passes when it runs with no error record ($ErrorActionPreference Stop, $Error empty after it) and every
# '# => <Property> <Value>' claim holds (DocBlocks.psm1). A block that cannot run as written carries a marker on the
# line above its fence: setup=<name> (the setups below) or skip — <reason>; skipped blocks are listed with their
# reason at the end of the run. $ConfirmPreference is None there: the reader answers yes to each prompt.
# docs/help/*.md (the Get-Help examples) are not run here yet: that is a separate part of issue 19.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $files = @(Join-Path $root 'README.md') + @(Get-ChildItem (Join-Path $root 'docs') -Filter *.md -File | Sort-Object Name | ForEach-Object FullName)
    $docs = foreach ($f in $files) {
        $blocks = @(Get-DeirfDocBlock -Path $f -Root $root)
        # Hashtables, so Pester names each test and defines $Location, $Block... in it.
        # A file whose blocks make ./ws themselves starts without one, as its reader does.
        $own = [bool]($blocks.Code -match 'Initialize-DeirfWorkspace -Path \./ws\b')
        if ($blocks.Count) { @{ File = $blocks[0].File; OwnWorkspace = $own; Blocks = @($blocks | ForEach-Object { @{ Location = $_.Location; Skip = $_.Skip; Setup = $_.Setup; Block = $_ } }) } }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DocBlocks.psm1') -Force
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:ModuleDir = Split-Path (Resolve-Path (Get-DeirfTestModulePath)).Path
    $script:Ran = [Collections.Generic.List[string]]::new()
    $script:Skipped = [Collections.Generic.List[string]]::new()
    $script:SavedEnv = @{}
    # Loaded here first, from the build output, as every Pester file does: the runspaces below import the same module
    # through ./out/DeIRF, and the engine's files (runbooks, templates) stay where the build put them.
    Import-Module (Get-DeirfTestModulePath) -Force
    foreach ($v in 'DEIRF_WORKSPACE', 'DEIRF_SIGNING_CONFIG', 'DEIRF_ACTOR', 'PATH', 'PSModulePath') { $script:SavedEnv[$v] = [Environment]::GetEnvironmentVariable($v) }

    # The shared setups a marker names. Prepare runs once per file, in the file's runspace, before the first block
    # that names the setup (text, so no scriptblock crosses runspaces); Substitute replaces text in each such block.
    $script:Setups = @{
        # The falco event of the xUnit vectors, where the docs read ./falco-event.json.
        alert = @{ Prepare = "Copy-Item '$Root/tests/DeIRF.Core.Tests/Vectors/alerts/falco-event.json' ./falco-event.json" }
        # The docs' example incident id stands for the newest incident of the workspace (one is opened if there is none).
        incident = @{
            Prepare = @'
function global:Get-DocIncidentId {
    $newest = Get-DeirfIncident | Sort-Object Opened -Descending | Select-Object -First 1
    if (-not $newest) { $newest = New-DeirfIncident -Title 'API keys leaked in public repo' -Reporter alice }
    $newest.Id
}
'@
            Substitute = [ordered]@{ 'INC-20261124-3DAB' = '(Get-DocIncidentId)'; 'INC-...' = '(Get-DocIncidentId)' }
        }
        # Two log files a responder collected.
        'pod-logs' = @{ Prepare = "New-Item -ItemType Directory ./pod-logs | Out-Null; 'line 1' | Set-Content ./pod-logs/api-7f9.log; 'line 2' | Set-Content ./pod-logs/sidecar.log" }
        # A journal handed over from another workspace, at ./received/journal.jsonl.
        received = @{
            Prepare = @'
$other = Initialize-DeirfWorkspace -Path ./other-ws
$i = New-DeirfIncident -Title 'Handed over' -Reporter erin -Workspace ./other-ws
Add-DeirfNote -Incident $i.Id -Text 'for review' -Actor erin -Workspace ./other-ws | Out-Null
New-Item -ItemType Directory ./received | Out-Null
Copy-Item "./other-ws/incidents/$($i.Id)/journal.jsonl" ./received/journal.jsonl
'@
        }
        # The founding team bob joins in the README: alice founded it alone (did:key signing key, Ethereum second
        # proof), then added carol and dana the same way; nobody has sealed yet. Bob's keys: ./bob-ssh-key (for
        # ~/.ssh/id_ed25519, made by ssh-keygen) and ./bob.seed. Keys under ./keys, outside the workspace.
        founders = @{
            Prepare = @'
$null = Add-DeirfTestResponder -Workspace $env:DEIRF_WORKSPACE -Handle alice -Role TriageLead -KeyFolder (Resolve-Path ./keys).Path
foreach ($h in 'carol', 'dana') { $null = Add-DeirfTestResponder -Workspace $env:DEIRF_WORKSPACE -Handle $h -Role ContainmentLead, TriageLead -KeyFolder (Resolve-Path ./keys).Path -AddedBy alice }
$null = New-DeirfTestKey -Kind Ssh -Path (Join-Path (Get-Location) bob-ssh-key)
$null = New-DeirfTestKey -Kind DidKey -Path (Join-Path (Get-Location) bob.seed)
'@
            Substitute = [ordered]@{ '~/.ssh/id_ed25519' = './bob-ssh-key' }
        }
        # A founded, sealed team: alice (TriageLead), bob, carol and dana (ContainmentLead, TriageLead), each with a
        # did:key signing key and an Ethereum proof (keys under ./keys); whoever is on the roster already is kept, and
        # every founder who has not sealed yet seals.
        team = @{
            Prepare = @'
if (-not @(Get-DeirfResponder -ErrorAction SilentlyContinue).Count) {
    $null = Add-DeirfTestResponder -Workspace $env:DEIRF_WORKSPACE -Handle alice -Role TriageLead -KeyFolder (Resolve-Path ./keys).Path
    foreach ($h in 'bob', 'carol', 'dana') { $null = Add-DeirfTestResponder -Workspace $env:DEIRF_WORKSPACE -Handle $h -Role ContainmentLead, TriageLead -KeyFolder (Resolve-Path ./keys).Path -AddedBy alice }
}
$sealed = @(Get-DeirfJournal -Roster | Where-Object Kind -EQ 'roster.sealed' | ForEach-Object Actor)
foreach ($h in (Get-DeirfResponder).Handle) { if ($h -notin $sealed) { Complete-DeirfRosterGenesis -Responder $h | Out-Null } }
$v = Test-DeirfJournal -Roster -RequireSignatures
if (-not $v.IsValid) { throw "setup team: the roster is not valid: $($v.Reason)" }
'@
        }
        # The README's quorum signers: carol signs with an SSH key (for ~/.ssh/id_ed25519, bound the documented way),
        # bob with ./bob-ssh-key (bound now unless the README's identity block bound it), dana with her did:key seed.
        'quorum-keys' = @{
            Prepare = @'
function Add-DocSshProof([string] $Handle, [string] $Key) {
    if (-not (Test-Path $Key)) { $null = New-DeirfTestKey -Kind Ssh -Path (Join-Path (Get-Location) $Key) }
    Get-DeirfSigningPayload -Responder $Handle -Kind Ssh -PublicKeyPath "$Key.pub" -OutFile "./keys/$Handle-bind.txt" | Out-Null
    ssh-keygen -q -Y sign -n deirf -f $Key "./keys/$Handle-bind.txt" 2>$null
    Add-DeirfIdentityProof -Responder $Handle -Kind Ssh -PublicKeyPath "$Key.pub" -SignaturePath "./keys/$Handle-bind.txt.sig" | Out-Null
}
Add-DocSshProof carol ./keys/carol_ed25519
if (-not ((Get-DeirfResponder bob).Proofs | Where-Object Kind -EQ 'Ssh')) { Add-DocSshProof bob ./bob-ssh-key }
Copy-Item ./keys/dana-ws.seed ./dana.didkey
# A copy of a key is a key file too: the secrets scan skips it and looks for the seed everywhere else.
Register-DeirfTestKeyFile -Kind 'did:key seed' -Path (Resolve-Path ./dana.didkey).Path
'@
            Substitute = [ordered]@{ '~/.ssh/id_ed25519' = './keys/carol_ed25519' }
        }
        # A stand-in crontab on PATH that keeps the table in ./crontab.txt: the machine's own crontab is never touched.
        crontab = @{
            Prepare = @'
New-Item -ItemType Directory ./bin -Force | Out-Null
$table = Join-Path (Get-Location) crontab.txt
Set-Content ./bin/crontab "#!/bin/sh`nif [ `"`$1`" = '-l' ]; then [ -f '$table' ] || { echo 'no crontab for user' >&2; exit 1; }; cat '$table'; else cat > '$table'; fi" -NoNewline
chmod +x ./bin/crontab
$env:PATH = (Join-Path (Get-Location) bin) + [IO.Path]::PathSeparator + $env:PATH
'@
        }
        # A drill script as docs/drills.md shows it: saved as ./drills/tabletop.ps1 beside the shipped _drill-kit.ps1
        # and run as a scheduler would, with its own workspace.
        'drill-script' = @{
            Prepare = "New-Item -ItemType Directory ./drills | Out-Null; Copy-Item ./runbooks/drills/_drill-kit.ps1 ./drills/"
            Wrap = "Set-Content ./drills/tabletop.ps1 -Value @'`n{code}`n'@`n& ./drills/tabletop.ps1 -Workspace ./tabletop`nif (`$LASTEXITCODE) { throw `"the drill exited `$LASTEXITCODE`" }"
        }
        # A remote made the plain way (git init --bare) for the docs' git@git.example.org:sec/incidents.git.
        'git-remote' = @{
            # This folder plays several people's machines (the team setup configures everyone's keys here), so the
            # default actor would be ambiguous: the person at the keyboard says who they are, as docs/sync.md does.
            Prepare = "git init --quiet --bare ./remote.git; `$global:DocRemote = (Resolve-Path ./remote.git).Path; `$env:DEIRF_ACTOR = 'alice'"
            # Absolute: DeIRF hands the remote to git verbatim, and git does not run in the PowerShell location.
            Substitute = [ordered]@{ 'git@git.example.org:sec/incidents.git' = '$DocRemote' }
        }
    }

    # One file's folder and runspace: ./out/DeIRF and ./runbooks link to the built module as in a clone, ./keys for
    # key files (outside the workspace), ./ws the workspace unless the file makes it, the environment pointed there.
    function New-DocRunspace([string] $Directory, [switch] $OwnWorkspace) {
        New-Item -ItemType Directory -Path (Join-Path $Directory 'out'), (Join-Path $Directory 'keys') -Force | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $Directory 'out/DeIRF') -Target $script:ModuleDir | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $Directory 'runbooks') -Target (Join-Path $script:ModuleDir 'runbooks') | Out-Null
        $env:DEIRF_WORKSPACE = Join-Path $Directory 'ws'
        $env:DEIRF_SIGNING_CONFIG = Join-Path $Directory 'keys/signing-keys.json'
        Remove-Item Env:DEIRF_ACTOR -ErrorAction SilentlyContinue
        # Installed, as docs/drills.md assumes: Import-Module DeIRF by name finds ./out/DeIRF.
        $env:PSModulePath = (Join-Path $Directory 'out') + [IO.Path]::PathSeparator + $script:SavedEnv['PSModulePath']
        $env:PATH = $script:SavedEnv['PATH']
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create(); $ps.Runspace = $runspace
        [void]$ps.AddScript(@"
Set-Location -LiteralPath '$Directory'
Import-Module ./out/DeIRF
Import-Module '$PSScriptRoot/TestHelpers.psm1'
$(if (-not $OwnWorkspace) { 'Initialize-DeirfWorkspace -Path ./ws | Out-Null' })
`$ErrorActionPreference = 'Stop'
`$PSNativeCommandUseErrorActionPreference = `$true
`$ConfirmPreference = 'None'
$(Get-DeirfDocClaimFunction)
"@).Invoke()
        if ($ps.Streams.Error.Count) { throw "the doc-test runspace in $Directory did not start: $($ps.Streams.Error[0])" }
        $ps.Dispose()
        $runspace
    }

    # Runs one block in the file's runspace; returns the error text, or nothing when it passed.
    function Invoke-DocBlock($Runspace, [string] $Script, $Block) {
        $ps = [powershell]::Create()
        $ps.Runspace = $Runspace
        try {
            [void]$ps.AddScript('$Error.Clear()').Invoke()
            $ps.Commands.Clear()
            # Dot-sourced (useLocalScope false): what the block defines stays for the next block of the file.
            [void]$ps.AddScript($Script, $false).AddCommand('Out-String').AddParameter('Width', 120)
            $failure = $null
            try { [void]$ps.Invoke() }
            catch {
                # The runspace's own $Error[0] has the block's line; the exception here only says "calling Invoke".
                $e = $_.Exception
                $ps.Commands.Clear()
                $record = @($ps.AddScript('$Error[0]').Invoke()) | Select-Object -First 1
                $failure = Format-DocError $Block $record $e.InnerException
            }
            # A native tool's stderr line (ssh-keygen's "Signing file ...") is what a terminal prints, not a failure;
            # a failing exit code is (NativeCommandExitException, $PSNativeCommandUseErrorActionPreference).
            $errors = @($ps.Streams.Error | Where-Object FullyQualifiedErrorId -NotIn 'NativeCommandError', 'NativeCommandErrorMessage')
            if (-not $failure -and $errors.Count) { $failure = Format-DocError $Block $errors[0] $null }
            if (-not $failure) {
                # $Error as the block left it, less what a script it called handled itself (a drill's expected refusals
                # carry that script's file; an unhandled one would have stopped the block already).
                $ps.Commands.Clear()
                $left = @($ps.AddScript(@'
@($Error | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] -or
    ($_.FullyQualifiedErrorId -notin 'NativeCommandError', 'NativeCommandErrorMessage' -and -not $_.InvocationInfo.ScriptName) })
'@).Invoke())
                if ($left.Count) { $failure = Format-DocError $Block $left[-1] $null }
            }
            $failure
        }
        finally { $ps.Dispose() }
    }

    # file:line of the markdown, the error id and message, so a failing block is found from the run's output.
    function Format-DocError($Block, $Record, $Exception) {
        if ($Record -is [Management.Automation.IContainsErrorRecord]) { $Record = $Record.ErrorRecord }
        if ($Record -isnot [Management.Automation.ErrorRecord]) {
            $e = if ($Record -is [Exception]) { $Record } else { $Exception }
            return "$($Block.Location): $(if ($e) { $e.Message } else { "$Record" })"
        }
        $line = $Block.Line
        # A claim the harness checked already names its markdown line.
        if ($Record.Exception.Message -like "$($Block.File):*: claims *") { return $Record.Exception.Message }
        $at = $Record.InvocationInfo
        if ($at -and $at.ScriptLineNumber -gt 0) {
            # In the block itself (no script file): its markdown line; in a script it called: that file's line.
            if (-not $at.ScriptName) { $line = $Block.Line + $at.ScriptLineNumber }
            else { return "$($Block.Location): $($at.ScriptName):$($at.ScriptLineNumber): [$($Record.FullyQualifiedErrorId)] $($Record.Exception.Message)" }
        }
        $msg = if ($Record.Exception) { $Record.Exception.Message } else { "$Record" }
        "$($Block.File):${line}: [$($Record.FullyQualifiedErrorId)] $msg"
    }
}

AfterAll {
    $text = "doc-test: $($script:Ran.Count) blocks ran, $($script:Skipped.Count) skipped"
    Write-Host $text
    foreach ($s in $script:Skipped) { Write-Host "  skipped $s" }
    foreach ($v in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($v, $script:SavedEnv[$v]) }
}

Describe 'DocBlocks: <File>' -ForEach $docs {
    BeforeAll {
        $dir = Join-Path $TestDrive ($File -replace '[/\\.]', '-')
        $rs = New-DocRunspace -Directory $dir -OwnWorkspace:$OwnWorkspace
        $script:Prepared = [Collections.Generic.HashSet[string]]::new()
    }

    AfterAll { if ($rs) { $rs.Dispose() } }

    It '<Location>' -ForEach $Blocks {
        if ($Skip) {
            $script:Skipped.Add("${Location}: $Skip")
            Set-ItResult -Skipped -Because $Skip
            return
        }
        $substitute = [ordered]@{}
        $wrap = $null
        foreach ($name in $Setup) {
            $s = $script:Setups[$name]
            if (-not $s) { throw "${Location}: setup '$name' is not defined in DocBlocks.Tests.ps1" }
            if ($s.Prepare -and $script:Prepared.Add($name)) {
                $failure = Invoke-DocBlock $rs $s.Prepare ([pscustomobject]@{ File = "setup $name"; Line = 0; Location = "setup $name" })
                if ($failure) { throw "${Location}: $failure" }
            }
            if ($s.Substitute) { foreach ($k in $s.Substitute.Keys) { $substitute[$k] = $s.Substitute[$k] } }
            if ($s.Wrap) { $wrap = $s.Wrap }
        }
        $script:Ran.Add($Location)
        $code = ConvertTo-DeirfDocScript -Block $Block -Substitute $substitute
        if ($wrap) { $code = $wrap.Replace('{code}', $code) }
        $failure = Invoke-DocBlock $rs $code $Block
        $failure | Should -BeNullOrEmpty
    }
}

# The harness itself, on a markdown file made here: a false claim, an unexpected error and an unknown marker fail.
Describe 'DocBlocks harness' {
    BeforeAll {
        $md = Join-Path $TestDrive 'sample.md'
        Set-Content -Path $md -Value @(
            '# sample', '```powershell', '$i = New-DeirfIncident -Title t -Reporter alice   # => State Open', 'Test-DeirfJournal -Incident $i.Id   # => IsValid False', '```',
            '<!-- doc-test: skip — needs a moon base -->', '```powershell', 'Get-Moon', '```',
            '```powershell', 'Get-DeirfIncident -Id INC-20000101-0000   # !> IncidentNotFound', 'Get-DeirfIncident -Id INC-20000101-0000', '```',
            '<!-- doc-test: setup=incident -->', '```powershell', 'Get-DeirfIncident INC-20261124-3DAB   # => Title t', '```')
        $blocks = @(Get-DeirfDocBlock -Path $md -Root $TestDrive)
        $rs = New-DocRunspace -Directory (Join-Path $TestDrive 'harness')
    }
    AfterAll { if ($rs) { $rs.Dispose() } }

    It 'reads each block with its fence line and marker' {
        $blocks.Count | Should -Be 4
        $blocks[0].Location | Should -Be 'sample.md:2'
        $blocks[1].Skip | Should -Be 'needs a moon base'
        $blocks[3].Setup | Should -Be 'incident'
    }

    It 'fails a block whose claim does not hold, naming the claim''s line' {
        $failure = Invoke-DocBlock $rs (ConvertTo-DeirfDocScript -Block $blocks[0]) $blocks[0]
        $failure | Should -Match "^sample\.md:4: claims IsValid False, got 'True'"
    }

    It 'passes an expected error and fails an unexpected one with its error id and line' {
        $failure = Invoke-DocBlock $rs (ConvertTo-DeirfDocScript -Block $blocks[2]) $blocks[2]
        $failure | Should -Match '^sample\.md:12: \[IncidentNotFound,'
    }

    It 'applies a setup''s substitution' {
        $code = ConvertTo-DeirfDocScript -Block $blocks[3] -Substitute $script:Setups.incident.Substitute
        $code | Should -Match 'Get-DeirfIncident \(Get-DocIncidentId\)'
        Invoke-DocBlock $rs $script:Setups.incident.Prepare $blocks[3] | Should -BeNullOrEmpty
        Invoke-DocBlock $rs $code $blocks[3] | Should -BeNullOrEmpty
    }

    It 'refuses a marker it does not understand' {
        Set-Content -Path $md -Value '<!-- doc-test: maybe -->', '```powershell', 'x', '```'
        { Get-DeirfDocBlock -Path $md -Root $TestDrive } | Should -Throw '*neither setup=<name> nor*'
    }
}
