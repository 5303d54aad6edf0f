# The doc-test harness (issue 19 section 1): finds every fenced ```powershell block of README.md and docs/*.md
# (DocBlocks.Tests.ps1) and of the Get-Help examples in docs/help/*.md (HelpExamples.Tests.ps1), turns each into a
# script, and runs the blocks of one markdown file in document order in a folder and runspace of that file's own.
# Conventions a doc writer follows, also in CONTRIBUTING.md:
#   <!-- doc-test: setup=<name>[,<name>] -->   on the line right above the fence: shared setups (Get-DeirfDocSetup
#                                              below) run first (once per file) and their substitutions apply to the block
#   <!-- doc-test: skip — <reason> -->          the block is not run and is no test (it cannot run here as written);
#                                              the run and the suite's summary list it with the reason
#   <statement>   # => <Property> <Value>[, <Property> <Value>]
#                                              a claim: each object the statement outputs (or the variable it assigns)
#                                              has that property, and its value prints as <Value>
#   <statement>   # !> <ErrorId>                the statement is meant to fail: it must, with that error id
# The two test files share everything here: Initialize-DeirfDocHarness once, New-DeirfDocRunspace per markdown file,
# Invoke-DeirfDocTest per block, Restore-DeirfDocEnvironment at the end.

using namespace System.Management.Automation.Language

function Get-DeirfDocBlock {
    <# The ```powershell blocks of one markdown file, in document order, with the marker above each. #>
    param([Parameter(Mandatory)] [string] $Path, [string] $Root = (Split-Path $Path))
    $lines = [IO.File]::ReadAllLines($Path)
    $relative = [IO.Path]::GetRelativePath($Root, $Path).Replace('\', '/')
    for ($n = 0; $n -lt $lines.Count; $n++) {
        if ($lines[$n] -notmatch '^\s*```powershell\s*$') { continue }
        $start = $n
        $code = [Collections.Generic.List[string]]::new()
        for ($n++; $n -lt $lines.Count -and $lines[$n] -notmatch '^\s*```\s*$'; $n++) { $code.Add($lines[$n]) }
        if ($n -ge $lines.Count) { throw "${relative}:$($start + 1): the powershell fence is never closed" }
        $marker = if ($start -gt 0) { $lines[$start - 1].Trim() } else { '' }
        $setup = @(); $skip = $null
        if ($marker -match '^<!--\s*doc-test:\s*(.*?)\s*-->$') {
            $spec = $Matches[1]
            if ($spec -match '^setup=([\w,-]+)$') { $setup = @($Matches[1] -split ',' | Where-Object { $_ }) }
            elseif ($spec -match '^skip\s*[—-]+\s*(\S.*)$') { $skip = $Matches[1] }
            else { throw "${relative}:${start}: doc-test marker '$marker' is neither setup=<name> nor 'skip — <reason>'" }
        }
        [pscustomobject]@{
            File     = $relative
            Line     = $start + 1   # the fence line, as an editor numbers it
            Location = "${relative}:$($start + 1)"
            Code     = $code -join "`n"
            Setup    = $setup
            Skip     = $skip
        }
    }
}

function Get-DeirfDocFile {
    <#
    The markdown files whose blocks are tests: Documents (README.md and docs/*.md, DocBlocks.Tests.ps1) or Help (the
    Get-Help examples of docs/help/*.md, HelpExamples.Tests.ps1). One list for both test files and the suite's summary.
    #>
    param([Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [ValidateSet('Documents', 'Help')] [string] $Set)
    if ($Set -eq 'Documents') {
        @(Join-Path $Root 'README.md') + @(Get-ChildItem (Join-Path $Root 'docs') -Filter *.md -File | Sort-Object Name | ForEach-Object FullName)
    }
    else { @(Get-ChildItem (Join-Path $Root 'docs/help') -Filter *.md -File | Sort-Object Name | ForEach-Object FullName) }
}

function Get-DeirfDocTestCase {
    <#
    The Pester test cases of markdown files: per file with a block that runs, a hashtable (so Pester names each test
    and defines $File, $OwnWorkspace, $Blocks, and per block $Location, $Setup, $Block in it). A file whose blocks make
    ./ws themselves starts without one, as its reader does. A block marked 'skip — <reason>' is no test case: it cannot
    run here as written, so it is not counted as a skipped test; Get-DeirfDocNotRunnable lists it with its reason.
    #>
    param([Parameter(Mandatory)] [string[]] $Path, [Parameter(Mandatory)] [string] $Root)
    foreach ($f in $Path) {
        $all = @(Get-DeirfDocBlock -Path $f -Root $Root)
        $blocks = @($all | Where-Object { -not $_.Skip })
        $own = [bool]($all.Code -match 'Initialize-DeirfWorkspace -Path \./ws\b')
        if ($blocks.Count) { @{ File = $all[0].File; OwnWorkspace = $own; Blocks = @($blocks | ForEach-Object { @{ Location = $_.Location; Setup = $_.Setup; Block = $_ } }) } }
    }
}

function Get-DeirfDocNotRunnable {
    <# The blocks of markdown files marked 'skip — <reason>', as "<file>:<line>: <reason>": documented, not run here, no test. #>
    param([Parameter(Mandatory)] [string[]] $Path, [Parameter(Mandatory)] [string] $Root)
    foreach ($f in $Path) {
        foreach ($b in Get-DeirfDocBlock -Path $f -Root $Root) { if ($b.Skip) { "$($b.Location): $($b.Skip)" } }
    }
}

function ConvertTo-DeirfDocScript {
    <#
    The block as the suite runs it: substitutions applied, and each top-level statement ending in a '# => ...' claim
    wrapped so its output (or the variable it assigns) is checked by Assert-DeirfDocClaim (defined in the runspace).
    #>
    param([Parameter(Mandatory)] $Block, [Collections.IDictionary] $Substitute = @{})
    $code = $Block.Code
    foreach ($k in $Substitute.Keys) { $code = $code.Replace([string]$k, [string]$Substitute[$k]) }
    $tokens = $null; $errors = $null
    $ast = [Parser]::ParseInput($code, [ref]$tokens, [ref]$errors)
    if ($errors) { throw "$($Block.Location): does not parse: $($errors[0].Message) (block line $($errors[0].Extent.StartLineNumber))" }
    $claims = @{}
    foreach ($t in $tokens) {
        if ($t.Kind -eq 'Comment' -and $t.Text -match '^#\s*(=>|!>)\s*(.+)$') { $claims[$t.Extent.StartLineNumber] = @($Matches[1], $Matches[2].Trim()) }
    }
    $statements = @(if ($ast.EndBlock) { $ast.EndBlock.Statements })
    if (-not $claims.Count -or -not $statements.Count) { return $code }
    $out = [Text.StringBuilder]::new()
    $at = 0
    foreach ($s in $statements) {
        $found = $claims[$s.Extent.EndLineNumber]
        if (-not $found) { continue }
        $kind, $claim = $found
        [void]$out.Append($code.Substring($at, $s.Extent.StartOffset - $at))
        $line = $Block.Line + $s.Extent.EndLineNumber   # the markdown line the claim is on
        $where = "$($Block.File):$line"
        $escaped = $claim.Replace("'", "''")
        if ($kind -eq '!>') {
            # At the top level, so what the statement assigns (-ErrorVariable too) stays for the next one; a terminating
            # error is caught here, a non-terminating one (-ErrorAction Continue, SilentlyContinue) just recorded.
            [void]$out.Append("`$DocErrorMark = `$Error.Count; try { $($s.Extent.Text) } catch { }; Assert-DeirfDocError -ErrorId '$escaped' -Location '$where' -Since `$DocErrorMark")
        }
        elseif ($s -is [AssignmentStatementAst]) {
            [void]$out.Append("$($s.Extent.Text); Assert-DeirfDocClaim -Claim '$escaped' -Location '$where' -Output $($s.Left.Extent.Text)")
        }
        else {
            [void]$out.Append("Assert-DeirfDocClaim -Claim '$escaped' -Location '$where' -Output @($($s.Extent.Text))")
        }
        $at = $s.Extent.EndOffset
        $claims.Remove($s.Extent.EndLineNumber)
    }
    [void]$out.Append($code.Substring($at))
    if ($claims.Count) {
        $first = ($claims.Keys | Sort-Object)[0]
        throw "$($Block.File):$($Block.Line + $first): '# $($claims[$first] -join ' ')' is not at the end of a top-level statement"
    }
    $out.ToString()
}

# Defined in each file's runspace: checks one claim against a statement's output. Text, so a scriptblock made in the
# Pester runspace is not called from another one.
$AssertDeirfDocClaim = @'
function Assert-DeirfDocClaim {
    param([string] $Claim, [string] $Location, [object[]] $Output)
    $items = @($Output | Where-Object { $null -ne $_ })
    if (-not $items.Count) { throw "${Location}: claims '$Claim' but the statement output nothing" }
    foreach ($pair in $Claim -split ',\s*') {
        if ($pair -notmatch '^(\w+)\s+(.+)$') { throw "${Location}: claim '$pair' is not '<Property> <Value>'" }
        $name = $Matches[1]; $want = $Matches[2].Trim()
        foreach ($item in $items) {
            $p = $item.PSObject.Properties[$name]
            if (-not $p) { throw "${Location}: claims $name $want but $($item.GetType().Name) has no property $name" }
            $got = if ($p.Value -is [Collections.IEnumerable] -and $p.Value -isnot [string]) { @($p.Value) -join ' ' } else { "$($p.Value)" }
            if ($got -ne $want) {
                $why = foreach ($r in 'Reason', 'Fault', 'Message') { if ($item.PSObject.Properties[$r] -and $item.$r) { " (${r}: $($item.$r))"; break } }
                throw "${Location}: claims $name $want, got '$got'$why"
            }
        }
    }
}
function Assert-DeirfDocError {
    param([string] $ErrorId, [string] $Location, [int] $Since)
    $new = $Error.Count - $Since
    if ($new -le 0) { throw "${Location}: claims it fails with $ErrorId, but it ran without an error" }
    $first = $Error[$new - 1]   # $Error is newest first: the statement's first error
    if ($first -is [Management.Automation.IContainsErrorRecord]) { $first = $first.ErrorRecord }
    $id = if ($first -is [Management.Automation.ErrorRecord]) { $first.FullyQualifiedErrorId } else { $first.GetType().Name }
    if ($id -notlike "$ErrorId*") { throw "${Location}: claims it fails with $ErrorId, got [$id] $(if ($first.Exception) { $first.Exception.Message } else { "$first" })" }
    # Every error of the statement is the one claimed (a pipeline may refuse several items); another one is a failure.
    for ($i = 0; $i -lt $new; $i++) {
        $e = $Error[$i]; if ($e -is [Management.Automation.IContainsErrorRecord]) { $e = $e.ErrorRecord }
        $other = if ($e -is [Management.Automation.ErrorRecord]) { $e.FullyQualifiedErrorId } else { $e.GetType().Name }
        if ($other -notlike "$ErrorId*") { throw "${Location}: claims it fails with $ErrorId, and it did, but also with [$other] $(if ($e.Exception) { $e.Exception.Message } else { "$e" })" }
    }
    # The expected failure is not a failure of the block: its records leave $Error, and the error stream's check skips them.
    for ($i = 0; $i -lt $new; $i++) { $global:DocExpectedErrors.Add($Error[0]); $Error.RemoveAt(0) }
}
'@

function Get-DeirfDocClaimFunction { $AssertDeirfDocClaim }


# The environment a doc runspace changes (the process's, shared by every runspace): saved once, put back before each
# markdown file and at the end of the run.
$script:EnvironmentNames = 'DEIRF_WORKSPACE', 'DEIRF_SIGNING_CONFIG', 'DEIRF_ACTOR', 'PATH', 'PSModulePath', 'HOME', 'GNUPGHOME',
    'TMPDIR', 'DEIRF_K8S_TOKEN', 'DEIRF_EVM_KEY', 'DEIRF_TSIG_SECRET', 'DEIRF_GITHUB_TOKEN', 'DEIRF_GITLAB_TOKEN', 'DEIRF_MATRIX_TOKEN', 'DEIRF_SLACK_TOKEN', 'DEIRF_WEBHOOK_URL', 'DEIRF_MATRIX_HOMESERVER', 'AWS_PROFILE'
$script:SavedEnv = $null
$script:ModuleDir = $null
$script:Setups = $null

function Initialize-DeirfDocHarness {
    <# Once per test file, after the built module is imported: where it is (its folder), and the environment to restore. #>
    param([Parameter(Mandatory)] [string] $ModuleDir, [Parameter(Mandatory)] [string] $Root)
    $script:ModuleDir = $ModuleDir
    $script:SavedEnv = @{}
    foreach ($v in $script:EnvironmentNames) { $script:SavedEnv[$v] = [Environment]::GetEnvironmentVariable($v) }
    $script:Setups = New-DeirfDocSetupTable -Root $Root
}

function Restore-DeirfDocEnvironment {
    foreach ($v in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($v, $script:SavedEnv[$v]) }
}

function Get-DeirfDocSetup {
    <# The setups a marker names (all of them without -Name). #>
    param([string] $Name)
    if ($Name) { $script:Setups[$Name] } else { $script:Setups }
}

function New-DeirfDocSetupTable([string] $Root) {
    # The shared setups a marker names. Prepare runs once per file, in the file's runspace, before the first block
    # that names the setup (text, so no scriptblock crosses runspaces); Substitute replaces text in each such block;
    # Wrap, with {code} for the block, runs the block some other way.
    @{
        # The falco event of the xUnit vectors, where the docs read ./falco-event.json.
        alert = @{ Prepare = "Copy-Item '$Root/tests/DeIRF.Core.Tests/Vectors/alerts/falco-event.json' ./falco-event.json" }
        # More alerts of the xUnit vectors: an Alertmanager webhook payload and Falco's JSON lines (./falco-events.json).
        alerts = @{ Prepare = "Copy-Item '$Root/tests/DeIRF.Core.Tests/Vectors/alerts/alertmanager-webhook.json' ./alertmanager-webhook.json; Copy-Item '$Root/tests/DeIRF.Core.Tests/Vectors/alerts/falco-events.jsonl' ./falco-events.json" }
        # An inbox of alert files: the falco event, and one a monitor cut off mid-write.
        inbox = @{ Prepare = "New-Item -ItemType Directory ./inbox | Out-Null; Copy-Item '$Root/tests/DeIRF.Core.Tests/Vectors/alerts/falco-event.json' ./inbox/falco-1.json; Set-Content ./inbox/torn.json '{`"rule`": `"Terminal shell in container`", `"time`"'" }
        # The docs' example incident ids stand for the newest incident of the workspace (one is opened if there is none).
        incident = @{
            Prepare = @'
function global:Get-DocIncidentId {
    # A drill an example opened is not what the docs' real incident ids stand for.
    $newest = Get-DeirfIncident | Where-Object { -not $_.IsDrill } | Sort-Object Opened -Descending | Select-Object -First 1
    if (-not $newest) { $newest = New-DeirfIncident -Title 'API keys leaked in public repo' -Reporter alice }
    $newest.Id
}
'@
            Substitute = [ordered]@{ 'INC-20261124-3DAB' = '$(Get-DocIncidentId)'; 'INC-20250314-7A3F' = '$(Get-DocIncidentId)'; 'INC-20260301-7A1F' = '$(Get-DocIncidentId)'; 'INC-...' = '$(Get-DocIncidentId)' }
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
            Substitute = [ordered]@{ './handover/journal.jsonl' = './received/journal.jsonl' }
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
        # --- Setups of the Get-Help examples (docs/help/*.md, HelpExamples.Tests.ps1) ---
        # The folders of a server or a stick the examples name (/srv/..., /etc/deirf/..., /media/usb/..., /var/log/...)
        # are folders under ./machine: nothing is written outside the test folder.
        machine = @{
            Prepare = "New-Item -ItemType Directory ./machine/srv, ./machine/etc/deirf, ./machine/etc/nginx, ./machine/media/usb, ./machine/var/log -Force | Out-Null; Set-Content ./machine/etc/nginx/deny.conf 'deny 198.51.100.1;'"
            Substitute = [ordered]@{ '/srv/' = '{folder}/machine/srv/'; '/etc/deirf/' = '{folder}/machine/etc/deirf/'; '/media/usb/' = '{folder}/machine/media/usb/'; '/var/log/' = '{folder}/machine/var/log/'; '/etc/nginx/' = '{folder}/machine/etc/nginx/' }
        }
        # The reader stands in the workspace root, where the examples' ./incidents/ is.
        'ws-paths' = @{ Substitute = [ordered]@{ './incidents/' = './ws/incidents/' } }
        # Two checkpoints of the doc incident signed by alice, the newer one copied to ./cp for witnesses; the examples'
        # ./bob-key is bob's did:key seed of the team setup.
        # The doc incident has 20 entries (notes by alice), so entries 7 and 17 exist.
        'busy-incident' = @{ Prepare = "`$n = (Get-DeirfIncident (Get-DocIncidentId)).EntryCount; foreach (`$i in `$n..19) { Add-DeirfNote -Incident (Get-DocIncidentId) -Text `"step `$i`" -Actor alice }" }
        checkpoints = @{
            Prepare = @'
$null = New-DeirfCheckpoint -Incident (Get-DocIncidentId) -Signer alice -OutFile ./old-cp
Add-DeirfNote -Incident (Get-DocIncidentId) -Text 'checkpointed once' -Actor alice
(New-DeirfCheckpoint -Incident (Get-DocIncidentId) -Signer alice -OutFile ./cp).VerifierKey | Set-Content ./deirf-keys.txt
'@
        }
        # The examples' key files stand for the team setup's (made at test time under ./keys, outside the workspace).
        'team-keys' = @{
            Substitute = [ordered]@{ './bob-key' = './keys/bob-ws.seed'; './bob.key' = './keys/bob-ws.seed'; './carol.eth.key' = './keys/carol-ws.eth'
                '~/.deirf/dana.didkey' = './keys/dana-ws.seed'; '~/keys/dana.eth' = './keys/dana-ws.eth' }
        }
        # Notes a responder typed during triage, with a blank line.
        'triage-notes' = @{ Prepare = "Set-Content ./triage-notes.txt 'Pod api-7f9 runs an unknown binary', '', 'Outbound traffic to pool.example:3333'" }
        # What the evidence examples capture: a dump folder, a memory image, an nginx log folder (under ./machine).
        'evidence-files' = @{
            Prepare = @'
New-Item -ItemType Directory ./dump, ./machine/var/log/nginx -Force | Out-Null
'core dump 1' | Set-Content ./dump/core.1; 'core dump 2' | Set-Content ./dump/core.2
[IO.File]::WriteAllBytes((Join-Path (Get-Location) memory.lime), [byte[]](1..64)); [IO.File]::WriteAllBytes((Join-Path (Get-Location) memdump.raw), [byte[]](1..32))
'GET / 200' | Set-Content ./machine/var/log/nginx/access.log; 'GET /admin 403' | Set-Content ./machine/var/log/nginx/access.log.1
'@
        }
        # bob is the fourth founder (added by alice, did:key signing key and an Ethereum proof, as the founders setup).
        'bob-founder' = @{
            Prepare = "`$null = Add-DeirfTestResponder -Workspace `$env:DEIRF_WORKSPACE -Handle bob -Role ContainmentLead, TriageLead -KeyFolder (Resolve-Path ./keys).Path -AddedBy alice"
        }
        # A drill incident of the day, beside the doc incident.
        'drill-incident' = @{ Prepare = "New-DeirfIncident -Title 'Gameday: leaked deploy key' -Reporter drillbot -Drill | Out-Null" }
        # The reader's clone of the team's public repository is the current folder (git init), with a ./public folder.
        'public-repo' = @{ Prepare = "git init --quiet .; New-Item -ItemType Directory ./public | Out-Null" }
        # The team workspace as the examples' other places name it: ~/src/ir-journal, ~/deirf and ./ir are links to ./ws.
        'home-workspace' = @{
            Prepare = "New-Item -ItemType Directory ~/src -Force | Out-Null; foreach (`$l in '~/src/ir-journal', '~/deirf', './ir') { New-Item -ItemType SymbolicLink -Path `$l -Target (Resolve-Path ./ws).Path | Out-Null }"
        }
        # A workspace of the server's own at /srv/deirf/ws (with the machine setup: under ./machine).
        'server-workspace' = @{ Prepare = "Initialize-DeirfWorkspace -Path ./machine/srv/deirf/ws | Out-Null" }
        # A copy of the team workspace handed over on a stick, at /media/usb/ir-journal (machine setup).
        'usb-copy' = @{ Prepare = "Copy-Item ./ws ./machine/media/usb/ir-journal -Recurse" }
        # A folder for the retrospective's files.
        'retro-folder' = @{ Prepare = "New-Item -ItemType Directory ./retro | Out-Null" }
        # The evidence of the doc incident: the pod-logs files, target prod/api-7f9, collected by alice.
        evidence = @{ Prepare = "Add-DeirfEvidence -Incident (Get-DocIncidentId) -Path ./pod-logs/ -Target prod/api-7f9 -Actor alice" }
        # The doc incident is closed (by bob).
        'closed-incident' = @{ Prepare = "Close-DeirfIncident -Incident (Get-DocIncidentId) -Resolution 'Keys rotated' -Actor bob" }
        # A drill of the day that is over: opened and closed by drillbot.
        'closed-drill' = @{ Prepare = "New-DeirfIncident -Title 'Gameday: leaked deploy key' -Reporter drillbot -Drill | Close-DeirfIncident -Resolution 'Drill finished' -Actor drillbot" }
        # A quorum policy file the team drafted: k8s.* needs three persons.
        'policy-file' = @{
            Prepare = "Set-Content ./policy.json '{`"version`": 1, `"rules`": [{`"action`": `"k8s.*`", `"require`": {`"count`": 3, `"roles`": [`"ContainmentLead`", `"TriageLead`"]}, `"ttlMinutes`": 60, `"evidenceRequired`": true}]}'"
        }
        # The CSV of the on-call rota: handle, name, roles separated by ';'.
        'oncall-csv' = @{ Prepare = "Set-Content ./oncall.csv 'Handle,Name,Role', 'erin,Erin Park,TriageLead;CommsLead', 'frank,Frank Osei,Recorder'" }
        # rec, the Recorder, a responder alice added before the team sealed (did:key signing key, Ethereum proof);
        # the examples' ./rec-key is rec's did:key seed.
        recorder = @{
            Prepare = "`$null = Add-DeirfTestResponder -Workspace `$env:DEIRF_WORKSPACE -Handle rec -Role Recorder -KeyFolder (Resolve-Path ./keys).Path -AddedBy alice"
            Substitute = [ordered]@{ './rec-key' = './keys/rec-ws.seed' }
        }
        # A stand-in Set-Clipboard that keeps the text in ./clipboard.txt (no clipboard here).
        clipboard = @{ Prepare = "function global:Set-Clipboard { param([Parameter(ValueFromPipeline)] [string] `$Value) begin { `$t = @() } process { `$t += `$Value } end { Set-Content ./clipboard.txt `$t } }" }
        # The team's own kickoff template: the shipped one with a line added.
        'kickoff-template' = @{ Prepare = "(Get-Content -Raw ./out/DeIRF/templates/incident-kickoff.md) + `"`nTeam rule: post in the room, not in DMs.`n`" | Set-Content ./my-kickoff.md" }
        # The advisory the Comms Lead published, ./advisory-2025-03.md.
        advisory = @{ Prepare = "Set-Content ./advisory-2025-03.md '# Advisory 2025-03', 'A deploy key leaked and was revoked within the hour.'" }
        # The details of a regulator notification, ./art33-details.md.
        'art33-details' = @{ Prepare = "Set-Content ./art33-details.md 'Nature of the breach: a leaked API key.', 'Categories of data: none confirmed.'" }
        # In the incident, bob is Triage Lead (granted by alice).
        'triage-lead' = @{ Prepare = "Grant-DeirfIncidentRole -Incident (Get-DocIncidentId) -Role TriageLead -Responder bob -Actor alice | Out-Null" }
        # dana holds one proof only: she revoked her Ethereum proof.
        'dana-one-proof' = @{ Prepare = "(Get-DeirfResponder dana).ActiveProofs | Where-Object Kind -EQ 'Ethereum' | Revoke-DeirfIdentityProof -Reason 'wallet lost' -Actor dana | Out-Null" }
        # A journal torn by a crash: the doc incident's last write was cut off mid-line. The examples' incident id
        # stands for it (Get-DeirfIncident cannot list a torn journal).
        'torn-journal' = @{
            Prepare = @'
$global:DocTornId = Get-DocIncidentId
[IO.File]::AppendAllText((Join-Path $env:DEIRF_WORKSPACE "incidents/$DocTornId/journal.jsonl"), '{"hash":"9f2c","prev":"')
'@
            Substitute = [ordered]@{ 'INC-20250314-7A3F' = '$DocTornId' }
        }
        # bob's SSH key kept for DeIRF, ~/.ssh/deirf_ed25519, bound to bob the documented way.
        'bob-deirf-ssh' = @{
            Prepare = @'
New-Item -ItemType Directory ~/.ssh -Force | Out-Null
$null = New-DeirfTestKey -Kind Ssh -Path (Join-Path $HOME .ssh/deirf_ed25519)
Get-DeirfSigningPayload -Responder bob -Kind Ssh -PublicKeyPath ~/.ssh/deirf_ed25519.pub -OutFile ./keys/bob-ssh-bind.txt | Out-Null
ssh-keygen -q -Y sign -n deirf -f ~/.ssh/deirf_ed25519 ./keys/bob-ssh-bind.txt 2>$null
Add-DeirfIdentityProof -Responder bob -Kind Ssh -PublicKeyPath ~/.ssh/deirf_ed25519.pub -SignaturePath ./keys/bob-ssh-bind.txt.sig | Out-Null
'@
        }
        # The reader's ~/.ssh/id_ed25519 is bob's, bound to him; the examples' SSH fingerprint stands for it.
        'bob-ssh' = @{
            Prepare = @'
New-Item -ItemType Directory ~/.ssh -Force | Out-Null
if (-not (Test-Path ~/.ssh/id_ed25519)) { $null = New-DeirfTestKey -Kind Ssh -Path (Join-Path $HOME .ssh/id_ed25519) }
Get-DeirfSigningPayload -Responder bob -Kind Ssh -PublicKeyPath ~/.ssh/id_ed25519.pub -OutFile ./keys/bob-home-bind.txt | Out-Null
ssh-keygen -q -Y sign -n deirf -f ~/.ssh/id_ed25519 ./keys/bob-home-bind.txt 2>$null
$global:DocBobSsh = (Add-DeirfIdentityProof -Responder bob -Kind Ssh -PublicKeyPath ~/.ssh/id_ed25519.pub -SignaturePath ./keys/bob-home-bind.txt.sig).Fingerprint
'@
            Substitute = [ordered]@{ "'SHA256:Kq3T0uVb1yP6fZ8mW2cR9dE4hJ7sL5nA0xG3vB8kQ1o'" = '$DocBobSsh'; 'SHA256:Kq3T0uVb1yP6fZ8mW2cR9dE4hJ7sL5nA0xG3vB8kQ1o' = '$DocBobSsh' }
        }
        # The reader works in the workspace root from here on (Set-Location ./ws): the examples' -Workspace . is it.
        'in-ws' = @{ Prepare = "Set-Location ./ws" }
        # Witnesses: bob and carol cosign ./cp (checkpoints setup); ./deirf-keys.txt holds the verifier keys of alice,
        # bob and carol, as a reader keeps them; ./entry17.proof proves entry 17 against ./cp (busy-incident setup).
        'inclusion-proof' = @{
            Prepare = @'
$w = foreach ($h in 'bob', 'carol') { Add-DeirfCheckpointCosignature -Checkpoint ./cp -Responder $h -KeyPath "./keys/$h-ws.seed" }
$w.VerifierKey | Add-Content ./deirf-keys.txt
$null = Get-DeirfInclusionProof -Incident (Get-DocIncidentId) -Seq 17 -Checkpoint ./cp -OutFile ./entry17.proof
'@
        }
        # Test-DeirfCheckpoint's keys as a reader keeps them apart: alice's log key in ./log-key.txt, and bob and carol
        # (who cosign ./cp here) in ./witness-keys.txt (checkpoints setup first).
        'witness-keys' = @{
            Prepare = @'
Copy-Item ./deirf-keys.txt ./log-key.txt
$w = foreach ($h in 'bob', 'carol') { Add-DeirfCheckpointCosignature -Checkpoint ./cp -Responder $h -KeyPath "./keys/$h-ws.seed" }
$w.VerifierKey | Set-Content ./witness-keys.txt
'@
        }
        # The disclosure published from the template: entries 0 and 2 with their proofs (./disclosure.entry-2.tlog-proof),
        # the verifier keys it lists in ./published-keys.txt; the examples' workspace id stands for this one.
        disclosure = @{
            Prepare = @'
Publish-DeirfDisclosure -Incident (Get-DocIncidentId) -Path ./disclosure.md -FromTemplate -Message 'A responder key leaked; it was revoked within the hour.' -Entry 0, 2 -Actor carol | Out-Null
Select-String -Path ./disclosure.md -Pattern '^\S+\+[0-9a-f]{8}\+\S+$' | ForEach-Object { $_.Line } | Set-Content ./published-keys.txt
$global:DocWorkspaceId = (Get-DeirfWorkspace).WorkspaceId
'@
            Substitute = [ordered]@{ 'ws-739857c4910b5a50efe2a7e6d09c9b22' = '$($DocWorkspaceId)' }
        }
        # A Kubernetes API server: the suite's fake (tests/tools/DeIRF.FakeProviders, a child process on 127.0.0.1 and a
        # free port, stopped by PID after the file) with node-1 and the pods prod/api-7f9, prod/worker-2 and
        # drill/api-7f9. ~/.kube/config names it (contexts prod and staging); the bearer token, made now, is only in
        # $env:DEIRF_K8S_TOKEN, never in a file.
        'k8s-fake' = @{
            Prepare = @"
`$dll = @('Release', 'Debug') | ForEach-Object { '$Root/tests/tools/DeIRF.FakeProviders/bin/' + `$_ + '/net10.0/DeIRF.FakeProviders.dll' } | Where-Object { Test-Path `$_ } | Select-Object -First 1
if (-not `$dll) { throw 'DeIRF.FakeProviders.dll is not built: run ./build.ps1 build' }
`$token = 'tok_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(24)).ToLowerInvariant()
Register-DeirfTestSecret -Kind 'provider token' -Secret `$token
`$dotnet = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { (Get-Command dotnet).Source }
`$psi = [Diagnostics.ProcessStartInfo]::new(`$dotnet)
foreach (`$a in `$dll, 'k8s', '--cert-out', (Join-Path (Get-Location) keys/k8s-server.pem)) { `$psi.ArgumentList.Add(`$a) }
`$psi.RedirectStandardOutput = `$true; `$psi.RedirectStandardInput = `$true; `$psi.UseShellExecute = `$false
`$psi.Environment['DEIRF_FAKE_TOKEN'] = `$token
`$process = [Diagnostics.Process]::Start(`$psi)
`$DocCleanup.Add({ if (-not `$process.HasExited) { Stop-Process -Id `$process.Id -Force; `$process.WaitForExit(10000) | Out-Null } }.GetNewClosure())
`$line = `$process.StandardOutput.ReadLineAsync()
if (-not `$line.Wait([TimeSpan]::FromSeconds(60))) { throw 'the API-server fake did not start within 60 s' }
`$global:DocK8s = `$line.Result | ConvertFrom-Json
# A request a real API server would reject fails its block (the fake's violations).
Add-DocFakeCheck "`$(`$DocK8s.control)/__fake/violations" 'the API-server fake saw requests a real one would reject'
function global:Invoke-DocK8s([string] `$Route, `$Body) { Invoke-RestMethod -Method Post -Uri "`$(`$DocK8s.control)/__fake/`$Route" -ContentType 'application/json' -Body (`$Body | ConvertTo-Json -Compress) }
Invoke-DocK8s nodes @{ name = 'node-1' } | Out-Null
foreach (`$pod in @('prod', 'api-7f9'), @('prod', 'worker-2'), @('drill', 'api-7f9')) { Invoke-DocK8s pods @{ namespace = `$pod[0]; name = `$pod[1]; node = 'node-1'; labels = @{ app = 'api' } } | Out-Null }
New-Item -ItemType Directory ~/.kube -Force | Out-Null
Set-Content ~/.kube/config @(
    'apiVersion: v1', 'kind: Config', 'clusters:', '- name: fake', '  cluster:', "    server: `$(`$DocK8s.url)", "    certificate-authority: `$(`$DocK8s.certFile)",
    'users:', '- name: responder', '  user: {}', 'contexts:', '- name: prod', '  context: {cluster: fake, user: responder}',
    '- name: staging', '  context: {cluster: fake, user: responder}', 'current-context: prod')
`$env:DEIRF_K8S_TOKEN = `$token
"@
        }
        # Quorum stand-ins for the steps other people take on their own machines while the example waits: bob and carol
        # sign a proposal with their did:key seeds (Approve-DocProposal), dana approves it when its rule wants a manual
        # approval. An example's comment line that says so stands for the call.
        'quorum-signers' = @{
            Prepare = @'
function global:Approve-DocProposal($Proposal) {
    foreach ($h in 'bob', 'carol') { $Proposal | Add-DeirfQuorumSignature -Responder $h -KeyPath "./keys/$h-ws.seed" -Kind DidKey | Out-Null }
    if ((Get-DeirfQuorumPolicy -Action $Proposal.Action).ManualApproval) {
        $Proposal | Get-DeirfSigningPayload -Approval -OutFile ./keys/approval.txt | Out-Null
        New-DeirfSignature ./keys/approval.txt -KeyPath ./keys/dana-ws.seed -Kind DidKey -OutFile ./keys/approval.txt.sig | Out-Null
        $Proposal | Approve-DeirfProposal -Responder dana -SignaturePath ./keys/approval.txt.sig | Out-Null
    }
}
'@
            Substitute = [ordered]@{ '# bob and carol sign, dana approves' = 'Approve-DocProposal $p'; '# ... bob and carol sign $s (Add-DeirfQuorumSignature) ...' = 'Approve-DocProposal $s' }
        }
        # A quarantine of pod prod/api-7f9 ready to run (with k8s-fake), in $p: evidence on the pod is in, bob and carol
        # are its Containment Leads and signed bob's proposal. The examples' proposal id 3f2a9c0d stands for it.
        'quarantine-proposal' = @{
            Prepare = @'
Add-DeirfEvidence -Incident (Get-DocIncidentId) -Path ./pod-logs/ -Target prod/api-7f9 -Actor alice | Out-Null
foreach ($h in 'bob', 'carol') { Grant-DeirfIncidentRole -Incident (Get-DocIncidentId) -Role ContainmentLead -Responder $h -Actor alice | Out-Null }
$global:p = New-DeirfProposal -Incident (Get-DocIncidentId) -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob
Approve-DocProposal $p
'@
            Substitute = [ordered]@{ '3f2a9c0d' = '$($p.Id)' }
        }
        # The quarantine of prod/api-7f9 ran (quarantine-proposal, applied by dana) and is in place.
        'quarantine-applied' = @{ Prepare = "Get-DeirfProposal -Incident (Get-DocIncidentId) | Where-Object Action -EQ 'k8s.pod.quarantine' | Invoke-DeirfContainment -Actor dana | Out-Null" }
        # Another quarantine ready to run, in $p: pod prod/worker-2, evidence in, signed by bob and carol.
        'second-quarantine' = @{
            Prepare = @'
Add-DeirfEvidence -Incident (Get-DocIncidentId) -Path ./pod-logs/api-7f9.log -Target prod/worker-2 -Actor alice | Out-Null
$global:p = New-DeirfProposal -Incident (Get-DocIncidentId) -Action k8s.pod.quarantine -Target prod/worker-2 -Proposer bob
Approve-DocProposal $p
'@
        }
        # ci-bot, the automation account of the pipeline, a responder alice added before the team sealed.
        'ci-bot' = @{ Prepare = "`$null = Add-DeirfTestResponder -Workspace `$env:DEIRF_WORKSPACE -Handle ci-bot -Role Recorder -KeyFolder (Resolve-Path ./keys).Path -AddedBy alice" }
        # The reader types secrets at Read-Host's prompt: a stand-in answers with one made now (registered for the secrets scan).
        'typed-secrets' = @{
            Prepare = @'
function global:Read-Host { param([Parameter(Position = 0)] $Prompt, [switch] $AsSecureString)
    $typed = 'typed_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16)).ToLowerInvariant()
    Register-DeirfTestSecret -Kind 'typed secret' -Secret $typed
    if ($AsSecureString) { ConvertTo-SecureString $typed -AsPlainText -Force } else { $typed }
}
'@
        }
        # carol's wallet: an Ethereum key made now (./keys/carol-wallet.eth) whose address stands for the examples'.
        # Set-Clipboard is the wallet's paste box here: what is pasted is signed with personal_sign (New-DeirfSignature),
        # and the 0x... signature is saved where the example says, as bind3.txt.sig beside bind3.txt.
        wallet = @{
            Prepare = @'
$k = New-DeirfSigningKey -Kind Ethereum -Path (Join-Path (Get-Location) keys/carol-wallet.eth) -InformationAction Ignore
Register-DeirfTestKeyFile -Kind 'ethereum private key' -Path $k.Path
$global:DocCarolWallet = $k.PublicKey
function global:Set-Clipboard { param([Parameter(ValueFromPipeline)] [string] $Value)
    process { New-DeirfSignature ./bind3.txt -KeyPath ./keys/carol-wallet.eth -Kind Ethereum -OutFile ./bind3.txt.sig -Force | Out-Null } }
'@
            Substitute = [ordered]@{ '0x71C7656EC7ab88b098defB751B7401B5f6d8976F' = '$DocCarolWallet' }
        }
        # The reader's services: the suite's fakes of GitLab, Matrix, Slack and webhooks (tests/tools/DeIRF.FakeServices,
        # a child process on 127.0.0.1 and a free port, stopped by PID after the file) stand for gitlab.example.com and
        # matrix.example.org; $statusHook and $env:DEIRF_WEBHOOK_URL are webhooks on it. The token, made now, is what the
        # reader's vault holds: a stand-in Get-Secret (SecretManagement) returns it, and Read-Host answers with it.
        'fake-services' = @{
            Prepare = @"
`$dll = @('Release', 'Debug') | ForEach-Object { '$Root/tests/tools/DeIRF.FakeServices/bin/' + `$_ + '/net10.0/DeIRF.FakeServices.dll' } | Where-Object { Test-Path `$_ } | Select-Object -First 1
if (-not `$dll) { throw 'DeIRF.FakeServices.dll is not built: run ./build.ps1 build' }
`$global:DocServiceToken = 'tok_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(20)).ToLowerInvariant()
Register-DeirfTestSecret -Kind 'fake service token' -Secret `$DocServiceToken
`$dotnet = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { (Get-Command dotnet).Source }
`$psi = [Diagnostics.ProcessStartInfo]::new(`$dotnet)
`$psi.ArgumentList.Add(`$dll)
`$psi.RedirectStandardOutput = `$true; `$psi.RedirectStandardInput = `$true; `$psi.UseShellExecute = `$false
`$psi.Environment['DEIRF_FAKE_TOKEN'] = `$DocServiceToken
`$process = [Diagnostics.Process]::Start(`$psi)
`$DocCleanup.Add({ if (-not `$process.HasExited) { Stop-Process -Id `$process.Id -Force; `$process.WaitForExit(10000) | Out-Null } }.GetNewClosure())
`$line = `$process.StandardOutput.ReadLineAsync()
if (-not `$line.Wait([TimeSpan]::FromSeconds(60))) { throw 'the fake services did not start within 60 s' }
`$global:DocServices = `$line.Result.Trim()
# As strict as the suite's own tests: a request the real services would refuse, or to a route none has, fails its block.
Add-DocFakeCheck "`$DocServices/_fake/problems" 'the fake services saw requests the real ones would refuse'
`$global:statusHook = "`$DocServices/hooks/status-page"
`$env:DEIRF_WEBHOOK_URL = "`$DocServices/hooks/regulator"
function global:Get-Secret { param([Parameter(Position = 0)] `$Name, [switch] `$AsPlainText) if (`$AsPlainText) { `$DocServiceToken } else { ConvertTo-SecureString `$DocServiceToken -AsPlainText -Force } }
function global:Read-Host { param([Parameter(Position = 0)] `$Prompt, [switch] `$AsSecureString) if (`$AsSecureString) { ConvertTo-SecureString `$DocServiceToken -AsPlainText -Force } else { `$DocServiceToken } }
"@
            Substitute = [ordered]@{ 'https://matrix.example.org' = '$DocServices'; 'https://gitlab.example.com/api/v4' = '$DocServices/api/v4' }
        }
        # The incident's Matrix room (fake-services), made by dana with the bot's token in $env:DEIRF_MATRIX_TOKEN.
        'matrix-room' = @{
            Prepare = "`$env:DEIRF_MATRIX_TOKEN = `$DocServiceToken; New-DeirfIncidentChannel -Incident (Get-DocIncidentId) -Homeserver `$DocServices -Invite '@bob:example.org' -Actor dana | Out-Null"
        }
        # This machine is bob's (or dana's): the examples that leave out -Actor act as the one responder who signs here.
        # The team setup configured everyone's keys in this one folder, so the choice is made through $env:DEIRF_ACTOR.
        'as-bob' = @{ Prepare = "`$env:DEIRF_ACTOR = 'bob'" }
        'as-dana' = @{ Prepare = "`$env:DEIRF_ACTOR = 'dana'" }
        # -Workspace . names the workspace root.
        'ws-dot' = @{ Substitute = [ordered]@{ '-Workspace . ' = '-Workspace ./ws ' } }
        # A new checkpoint (alice) of the doc incident at ./cp, after what happened since the checkpoints setup.
        'cp-after-close' = @{ Prepare = "(New-DeirfCheckpoint -Incident (Get-DocIncidentId) -Signer alice -OutFile ./cp).VerifierKey | Set-Content ./deirf-keys.txt" }
        # drillbot, the gameday automation account, a responder alice added before the team sealed.
        'drillbot-account' = @{ Prepare = "`$null = Add-DeirfTestResponder -Workspace `$env:DEIRF_WORKSPACE -Handle drillbot -Role Recorder -KeyFolder (Resolve-Path ./keys).Path -AddedBy alice" }
        # The workspace of a server (machine setup) at /srv/deirf/ws whose automation account drillbot binds the did:key
        # seed /etc/deirf/drillbot.seed (made now).
        'drillbot-server' = @{
            Prepare = @'
$srv = (Initialize-DeirfWorkspace -Path ./machine/srv/deirf/ws).Root
New-DeirfResponder -Handle drillbot -Name 'Gameday automation' -Role Recorder -Actor drillbot -Workspace $srv | Out-Null
$seed = New-DeirfTestKey -Kind DidKey -Path (Join-Path (Get-Location) machine/etc/deirf/drillbot.seed)
Add-DeirfIdentityProof -Responder drillbot -Kind DidKey -KeyPath $seed -Workspace $srv | Out-Null
'@
        }
        # The team workspace shares a git remote (git-remote setup): ./ws is made again with -Remote, so it is a clone.
        'shared-ws' = @{ Prepare = "Remove-Item ./ws -Recurse -Force; Initialize-DeirfWorkspace -Path ./ws -Remote `$DocRemote -Actor alice | Out-Null" }
        # The server's replica of the shared workspace (git-remote, machine setups) at /srv/deirf/ws.
        'server-replica' = @{ Prepare = "Initialize-DeirfWorkspace -Path ./machine/srv/deirf/ws -Remote `$DocRemote -Actor svc-deirf | Out-Null" }
        # What bob signed: ./change-plan.md with his OpenPGP key (bob@example.org in ~/.gnupg, bound to
        # him), as ./change-plan.md.asc.
        'bob-gpg' = @{
            Prepare = @'
# A short GNUPGHOME: under the suite's long artifact paths the agent's socket path would pass the 108-byte limit.
$dg = $env:GNUPGHOME = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath().Length -gt 40 ? '/tmp' : [IO.Path]::GetTempPath()) ('dg' + [guid]::NewGuid().ToString('N').Substring(0, 10)))).FullName; chmod 700 $env:GNUPGHOME
$DocCleanup.Add({ gpgconf --kill gpg-agent 2>$null; Remove-Item -Recurse -Force $dg -ErrorAction SilentlyContinue }.GetNewClosure())
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'Bob Okafor <bob@example.org>' ed25519 sign never 2>$null
$DocCleanup.Add({ gpgconf --kill gpg-agent 2>$null })
gpg --batch --armor --export bob@example.org | Set-Content ./keys/bob.asc
Get-DeirfSigningPayload -Responder bob -Kind OpenPgp -PublicKeyPath ./keys/bob.asc -OutFile ./keys/bob-gpg-bind.txt | Out-Null
gpg --batch --quiet --yes --armor --detach-sign ./keys/bob-gpg-bind.txt 2>$null
Add-DeirfIdentityProof -Responder bob -Kind OpenPgp -PublicKeyPath ./keys/bob.asc -SignaturePath ./keys/bob-gpg-bind.txt.asc | Out-Null
Set-Content ./change-plan.md '# Change plan', 'Rotate the deploy key, then redeploy api.'
gpg --batch --quiet --yes --armor --detach-sign ./change-plan.md 2>$null
'@
        }
        # A folder of approvals listed in ./approvals.csv (Responder, PayloadPath, SignaturePath): bob's signed change plan
        # (bob-gpg setup) and carol's statement, signed with her did:key seed.
        'approvals-csv' = @{
            Prepare = @'
Set-Content ./statement.json '{"statement":"api keys rotated","by":"carol"}'
New-DeirfSignature ./statement.json -KeyPath ./keys/carol-ws.seed -Kind DidKey -OutFile ./statement.json.jws | Out-Null
Set-Content ./approvals.csv 'Responder,PayloadPath,SignaturePath', 'bob,./change-plan.md,./change-plan.md.asc', 'carol,./statement.json,./statement.json.jws'
'@
        }
        # An Ethereum node: anvil on 127.0.0.1 and a free port (ChainHelpers.psm1, stopped by PID after the file) stands
        # for the examples' http://127.0.0.1:8545; $env:DEIRF_EVM_KEY is its dev account's key (made at random by anvil).
        anvil = @{
            Prepare = @"
Import-Module '$Root/tests/pester/ChainHelpers.psm1'
if (-not (Test-ChainTools)) { throw 'anvil is not installed: build.ps1 bootstrap installs it into tools/chain' }
`$node = Start-TestAnvil -LogDirectory (Resolve-Path ./keys).Path
`$DocCleanup.Add({ Stop-TestAnvil `$node }.GetNewClosure())
`$global:DocRpc = `$node.Url
`$env:DEIRF_EVM_KEY = `$node.AccountKey
"@
            Substitute = [ordered]@{ 'http://127.0.0.1:8545' = '$DocRpc' }
        }
        # A note bob is to sign, ./note.txt.
        'note-file' = @{ Prepare = "Set-Content ./note.txt 'pod api-7f9 quarantined at 10:42' -NoNewline" }
        # A new incident, opened now: the examples' incident id stands for it (the newest). another-incident: one more.
        'new-incident' = @{ Prepare = "New-DeirfIncident -Title 'Phishing page mimicking SSO' -Reporter bob | Out-Null" }
        'another-incident' = @{ Prepare = "New-DeirfIncident -Title 'Runner token leaked in job log' -Reporter bob | Out-Null" }
        # The team keeps its runbook scripts in the workspace (a copy of the shipped ones in ./ws/runbooks/scripts).
        'ws-runbooks' = @{ Prepare = "New-Item -ItemType Directory ./ws/runbooks -Force | Out-Null; Copy-Item ./runbooks/scripts ./ws/runbooks/scripts -Recurse" }
        # The torn-journal setup's journal is torn once more (the next crash).
        'torn-again' = @{ Prepare = "[IO.File]::AppendAllText((Join-Path `$env:DEIRF_WORKSPACE `"incidents/`$DocTornId/journal.jsonl`"), '{`"hash`":`"41d0`",`"seq`":')" }
        # bob joins the founders' roster (alice, carol, dana: founders setup) with no proof yet, added by alice.
        'bob-joins' = @{
            Prepare = "New-DeirfResponder -Handle bob -Name 'Bob Okafor' -Role ContainmentLead, TriageLead -Actor alice | Out-Null"
        }
        # The reader's SSH key ~/.ssh/id_ed25519 (the folder is the reader's home), made by ssh-keygen, bound to nobody yet.
        'ssh-key' = @{
            Prepare = "New-Item -ItemType Directory ~/.ssh -Force | Out-Null; if (-not (Test-Path ~/.ssh/id_ed25519)) { `$null = New-DeirfTestKey -Kind Ssh -Path (Join-Path `$HOME .ssh/id_ed25519) }"
        }
        # The reader's gpg key for bob@example.org in ~/.gnupg, no passphrase; the agent it starts is stopped after the file.
        'gpg-key' = @{
            Prepare = @'
# A short GNUPGHOME: under the suite's long artifact paths the agent's socket path would pass the 108-byte limit.
$dg = $env:GNUPGHOME = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath().Length -gt 40 ? '/tmp' : [IO.Path]::GetTempPath()) ('dg' + [guid]::NewGuid().ToString('N').Substring(0, 10)))).FullName; chmod 700 $env:GNUPGHOME
$DocCleanup.Add({ gpgconf --kill gpg-agent 2>$null; Remove-Item -Recurse -Force $dg -ErrorAction SilentlyContinue }.GetNewClosure())
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'Bob Okafor <bob@example.org>' ed25519 sign never 2>$null
$DocCleanup.Add({ gpgconf --kill gpg-agent 2>$null })
'@
        }
        # drillbot, an automation account alice added, with key files ./drillbot.seed (did:key) and ./drillbot.eth.
        drillbot = @{
            Prepare = @'
New-DeirfResponder -Handle drillbot -Name 'Gameday automation' -Role Recorder -Actor alice | Out-Null
$null = New-DeirfTestKey -Kind DidKey -Path (Join-Path (Get-Location) drillbot.seed)
$null = New-DeirfTestKey -Kind Ethereum -Path (Join-Path (Get-Location) drillbot.eth)
'@
        }
        # What carol sent from her machine: a did:key she holds, the binding payload for it and her signature over it,
        # in ./from-carol. The examples' did:key stands for hers.
        'from-carol' = @{
            Prepare = @'
New-Item -ItemType Directory ./from-carol | Out-Null
$k = New-DeirfSigningKey -Kind DidKey -Path (Join-Path (Get-Location) keys/carol-laptop.seed) -InformationAction Ignore
Register-DeirfTestKeyFile -Kind 'did:key seed' -Path $k.Path
$global:DocCarolDid = $k.PublicKey
Get-DeirfSigningPayload -Responder carol -Kind DidKey -PublicKey $k.PublicKey -OutFile ./from-carol/binding.json | Out-Null
New-DeirfSignature -Path ./from-carol/binding.json -KeyPath ./keys/carol-laptop.seed -Kind DidKey -OutFile ./from-carol/approval.sig | Out-Null
'@
            Substitute = [ordered]@{ 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' = '$DocCarolDid' }
        }
        # A proposal to sign, in $p: bob proposes quarantining pod prod/api-7f9 in the doc incident (setups team,
        # incident), where alice made bob and carol Containment Leads; dana holds no role in it. The examples' proposal
        # id 3f2a9c0d stands for it.
        proposal = @{
            Prepare = @'
foreach ($h in 'bob', 'carol') { Grant-DeirfIncidentRole -Incident (Get-DocIncidentId) -Role ContainmentLead -Responder $h -Actor alice | Out-Null }
$global:p = New-DeirfProposal -Incident (Get-DocIncidentId) -Action k8s.pod.quarantine -Target prod/api-7f9 -Proposer bob
'@
            Substitute = [ordered]@{ '3f2a9c0d' = '$($p.Id)' }
        }
        # A signature dana made over $p's payload with her did:key (./dana.asc), which the quorum refuses: she holds no role.
        'dana-signature' = @{
            Prepare = "`$p | Get-DeirfSigningPayload -OutFile ./keys/dana-prop.txt | Out-Null; New-DeirfSignature ./keys/dana-prop.txt -KeyPath ./keys/dana-ws.seed -Kind DidKey -OutFile ./dana.asc | Out-Null"
        }
        # dana's OpenPGP key (dana@example.org, the only key in ~/.gnupg, made by gpg), bound to her the documented way.
        'dana-gpg' = @{
            Prepare = @'
# A short GNUPGHOME: under the suite's long artifact paths the agent's socket path would pass the 108-byte limit.
$dg = $env:GNUPGHOME = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath().Length -gt 40 ? '/tmp' : [IO.Path]::GetTempPath()) ('dg' + [guid]::NewGuid().ToString('N').Substring(0, 10)))).FullName; chmod 700 $env:GNUPGHOME
$DocCleanup.Add({ gpgconf --kill gpg-agent 2>$null; Remove-Item -Recurse -Force $dg -ErrorAction SilentlyContinue }.GetNewClosure())
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'Dana Lee <dana@example.org>' ed25519 sign never 2>$null
$DocCleanup.Add({ gpgconf --kill gpg-agent 2>$null })
Add-Content (Join-Path $env:GNUPGHOME gpg.conf) 'default-key dana@example.org'   # dana's machine signs as dana
gpg --batch --armor --export dana@example.org | Set-Content ./keys/dana.asc
Get-DeirfSigningPayload -Responder dana -Kind OpenPgp -PublicKeyPath ./keys/dana.asc -OutFile ./keys/dana-bind.txt | Out-Null
gpg --batch --quiet --yes --armor --detach-sign ./keys/dana-bind.txt 2>$null
Add-DeirfIdentityProof -Responder dana -Kind OpenPgp -PublicKeyPath ./keys/dana.asc -SignaturePath ./keys/dana-bind.txt.asc | Out-Null
'@
        }
        # A roll-forward waiting for its manual approval, in $p: bob proposes recovery.roll-forward of acme/api@3f1c2d9
        # after its reviewed patch; alice and carol signed it (their did:key seeds). The id 3f2a9c0d stands for it.
        'roll-forward' = @{
            Prepare = @'
$global:p = New-DeirfProposal -Incident (Get-DocIncidentId) -Action recovery.roll-forward -Target acme/api -Parameter @{ patch = 'acme/api@3f1c2d9' } -Proposer bob
foreach ($h in 'alice', 'carol') { $p | Add-DeirfQuorumSignature -Responder $h -KeyPath "./keys/$h-ws.seed" -Kind DidKey | Out-Null }
'@
            Substitute = [ordered]@{ '3f2a9c0d' = '$($p.Id)' }
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
}

function New-DeirfDocRunspace {
    <#
    One markdown file's folder and runspace: ./out/DeIRF and ./runbooks link to the built module as in a clone, ./keys
    for key files (outside the workspace), ./ws the workspace unless the file makes it, the environment pointed there.
    -AsHome makes the folder the reader's home too ($env:HOME, so ~ and ~/.ssh are in it), for the help examples.
    #>
    param([Parameter(Mandatory)] [string] $Directory, [switch] $OwnWorkspace, [switch] $AsHome)
    New-Item -ItemType Directory -Path (Join-Path $Directory 'out'), (Join-Path $Directory 'keys') -Force | Out-Null
    New-Item -ItemType SymbolicLink -Path (Join-Path $Directory 'out/DeIRF') -Target $script:ModuleDir | Out-Null
    New-Item -ItemType SymbolicLink -Path (Join-Path $Directory 'runbooks') -Target (Join-Path $script:ModuleDir 'runbooks') | Out-Null
    # The sample extension build.ps1 lays next to the module (docs/extending.md imports it from ./out/samples).
    New-Item -ItemType SymbolicLink -Path (Join-Path $Directory 'out/samples') -Target (Join-Path (Split-Path $script:ModuleDir) 'samples') | Out-Null
    Restore-DeirfDocEnvironment
    $env:DEIRF_WORKSPACE = Join-Path $Directory 'ws'
    $env:DEIRF_SIGNING_CONFIG = Join-Path $Directory 'keys/signing-keys.json'
    Remove-Item Env:DEIRF_ACTOR -ErrorAction SilentlyContinue
    # Installed, as docs/drills.md assumes: Import-Module DeIRF by name finds ./out/DeIRF.
    $env:PSModulePath = (Join-Path $Directory 'out') + [IO.Path]::PathSeparator + $script:SavedEnv['PSModulePath']
    if ($AsHome) {
        # The reader's home: ~ and ~/.ssh, ~/.gnupg, ~/.kube/config, ~/.gitconfig are in the folder, and so is the
        # temporary folder; nothing an example writes lands in the real home or /tmp.
        $env:HOME = $Directory
        Remove-Item Env:GNUPGHOME -ErrorAction SilentlyContinue
        $env:TMPDIR = (New-Item -ItemType Directory -Force (Join-Path $Directory 'tmp')).FullName
        Set-Content -Path (Join-Path $Directory '.gitconfig') -Value "[user]`n`tname = Doc Reader`n`temail = reader@example.org`n[init]`n`tdefaultBranch = main"
    }
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
`$global:DocExpectedErrors = [Collections.Generic.List[object]]::new()
`$global:DocFolder = '$Directory'
`$global:DocCleanup = [Collections.Generic.List[scriptblock]]::new()
`$global:DocAfterBlock = [Collections.Generic.List[scriptblock]]::new()
# A fake a setup started fails the block after which it lists a new problem (GET `$Url: every one so far, as strings).
function global:Add-DocFakeCheck([string] `$Url, [string] `$What) {
    `$seen = @{ Count = 0 }
    `$DocAfterBlock.Add({
        `$all = @(Invoke-RestMethod `$Url | ForEach-Object { `$_ })
        `$new = @(`$all | Select-Object -Skip `$seen.Count)
        `$seen.Count = `$all.Count
        if (`$new.Count) { throw "`${What}: `$(`$new -join '; ')" }
    }.GetNewClosure())
}
$(Get-DeirfDocClaimFunction)
"@).Invoke()
    if ($ps.Streams.Error.Count) { throw "the doc-test runspace in $Directory did not start: $($ps.Streams.Error[0])" }
    $ps.Dispose()
    $runspace
}

function Close-DeirfDocRunspace {
    <# After a file's last block: what setups added to $DocCleanup runs (a service they started is stopped by PID, gpg's agent). #>
    param($Runspace)
    if (-not $Runspace) { Restore-DeirfDocEnvironment; return }
    $failure = Invoke-DeirfDocBlock $Runspace 'foreach ($c in $DocCleanup) { & $c }' ([pscustomobject]@{ File = 'cleanup'; Line = 0; Location = 'cleanup' })
    $Runspace.Dispose()
    # Before Pester makes the next folder: TMPDIR, HOME... as they were.
    Restore-DeirfDocEnvironment
    if ($failure) { Write-Warning "doc-test cleanup: $failure" }
}

function Invoke-DeirfDocBlock {
    <# Runs one script in the file's runspace; returns the error text, or nothing when it passed. #>
    param([Parameter(Mandatory)] $Runspace, [Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] $Block)
    $ps = [powershell]::Create()
    $ps.Runspace = $Runspace
    try {
        [void]$ps.AddScript('$Error.Clear(); $global:DocExpectedErrors.Clear()').Invoke()
        $ps.Commands.Clear()
        # Dot-sourced (useLocalScope false): what the block defines stays for the next block of the file.
        [void]$ps.AddScript($Script, $false).AddCommand('Out-String').AddParameter('Width', 120)
        $failure = $null
        # What the reader would see, on the host when $env:DEIRF_DOC_SHOW is 1 (for writing a claim).
        try { $shown = $ps.Invoke(); if ($env:DEIRF_DOC_SHOW -eq '1') { Write-Host "--- $($Block.Location)"; Write-Host ($shown -join '') } }
        catch {
            # The runspace's own $Error[0] has the block's line; the exception here only says "calling Invoke".
            $e = $_.Exception
            $ps.Commands.Clear()
            $record = @($ps.AddScript('$Error[0]').Invoke()) | Select-Object -First 1
            $failure = Format-DeirfDocError $Block $record $e.InnerException
        }
        # A native tool's stderr line (ssh-keygen's "Signing file ...") is what a terminal prints, not a failure;
        # a failing exit code is (NativeCommandExitException, $PSNativeCommandUseErrorActionPreference).
        # An error a '# !>' claim expected is not one either (the same record objects: compared by reference).
        $ps.Commands.Clear()
        $expected = @($ps.AddScript('$global:DocExpectedErrors').Invoke())
        $errors = @($ps.Streams.Error | Where-Object { $_.FullyQualifiedErrorId -notin 'NativeCommandError', 'NativeCommandErrorMessage' } |
            Where-Object { $e = $_; -not ($expected | Where-Object { [object]::ReferenceEquals($_, $e) }) })
        if (-not $failure -and $errors.Count) { $failure = Format-DeirfDocError $Block $errors[0] $null }
        if (-not $failure) {
            # $Error as the block left it, less what a script it called handled itself (a drill's expected refusals
            # carry that script's file; an unhandled one would have stopped the block already).
            $ps.Commands.Clear()
            $left = @($ps.AddScript(@'
@($Error | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] -or
    ($_.FullyQualifiedErrorId -notin 'NativeCommandError', 'NativeCommandErrorMessage' -and -not $_.InvocationInfo.ScriptName) })
'@).Invoke())
            if ($left.Count) { $failure = Format-DeirfDocError $Block $left[-1] $null }
        }
        $failure
    }
    finally { $ps.Dispose() }
}

function Format-DeirfDocError($Block, $Record, $Exception) {
    # file:line of the markdown, the error id and message, so a failing block is found from the run's output.
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

function Invoke-DeirfDocTest {
    <#
    One block as a test: the setups it names prepared (once per file: -Prepared is the file's set), substitutions
    and wraps applied, claims checked. Returns the failure text, or nothing when it passed. Skipped blocks are the
    caller's (Pester's Set-ItResult).
    #>
    param([Parameter(Mandatory)] $Runspace, [Parameter(Mandatory)] $Block, [Parameter(Mandatory)] [AllowEmptyCollection()] [Collections.Generic.HashSet[string]] $Prepared)
    $substitute = [ordered]@{}
    $wrap = $null
    foreach ($name in $Block.Setup) {
        $s = $script:Setups[$name]
        if (-not $s) { throw "$($Block.Location): setup '$name' is not defined in DocBlocks.psm1" }
        if ($s.Prepare -and $Prepared.Add($name)) {
            $failure = Invoke-DeirfDocBlock $Runspace $s.Prepare ([pscustomobject]@{ File = "setup $name"; Line = 0; Location = "setup $name" })
            if ($failure) { return "$($Block.Location): $failure" }
        }
        # {folder}: the file's folder, for a path that must be absolute (an environment variable, a native tool's argument).
        if ($s.Substitute) { foreach ($k in $s.Substitute.Keys) { $substitute[$k] = $s.Substitute[$k].Replace('{folder}', $Runspace.SessionStateProxy.GetVariable('DocFolder')) } }
        if ($s.Wrap) { $wrap = $s.Wrap }
    }
    $code = ConvertTo-DeirfDocScript -Block $Block -Substitute $substitute
    if ($wrap) { $code = $wrap.Replace('{code}', $code) }
    $failure = Invoke-DeirfDocBlock $Runspace $code $Block
    if (-not $failure) {
        # What setups check after every block ($DocAfterBlock: a fake's problems): the block that caused one fails.
        $after = [pscustomobject]@{ File = "$($Block.Location), checked after it"; Line = 0; Location = "$($Block.Location), checked after it" }
        $failure = Invoke-DeirfDocBlock $Runspace 'foreach ($c in $DocAfterBlock) { & $c }' $after
    }
    $failure
}

function Write-DeirfDocSummary {
    <# The run's last lines: how many blocks ran, and every block marked not runnable here, with its reason. #>
    param([Parameter(Mandatory)] [string] $Label, [string[]] $Ran = @(), [string[]] $NotRunnable = @())
    Write-Host "${Label}: $($Ran.Count) blocks ran; $($NotRunnable.Count) marked not runnable here (no test):"
    foreach ($s in $NotRunnable) { Write-Host "  not run $s" }
}

Export-ModuleMember -Function Get-DeirfDocBlock, Get-DeirfDocFile, Get-DeirfDocTestCase, Get-DeirfDocNotRunnable, ConvertTo-DeirfDocScript, Get-DeirfDocClaimFunction, Initialize-DeirfDocHarness,
    Restore-DeirfDocEnvironment, Get-DeirfDocSetup, New-DeirfDocRunspace, Close-DeirfDocRunspace, Invoke-DeirfDocBlock, Invoke-DeirfDocTest, Write-DeirfDocSummary
