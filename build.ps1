#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, drills and benchmarks DeIRF.
.DESCRIPTION
    One entry point with named tasks (run from the repository, through the pinned PowerShell tool):

        dotnet tool restore && dotnet pwsh ./build.ps1 drill    # the main job: a scripted gameday drill
        dotnet tool restore && dotnet pwsh ./build.ps1 test     # every test (xUnit + Pester)

    bootstrap  restores the tools: Pester from its NuGet package, Debian packages the interop tests use (as root),
               anvil/solcjs/contract sources from npm into tools/chain/node_modules and s3rver into tools/s3/node_modules
               (each pinned by its package-lock.json)
    build      compiles and lays the module out in out/DeIRF (cmdlets in the default load context,
               the engine and third-party assemblies in out/DeIRF/Dependencies)
    test       bootstrap + build + xUnit + Pester + the secrets scan; result files in out/test-results, everything the
               suite wrote in out/test-artifacts (TMPDIR), runner output in out/test-logs. The summary gives behaviour
               tests and documentation checks (Get-Help, documented examples) on separate lines, lists the documented
               blocks marked not runnable here (no tests) and every skipped test; under CI=true a skipped test counts as
               a failure. The last line is always "N passed, N failed" (everything), non-zero exit when N failed > 0
    drill      build + runbooks/drills/<Scenario>.ps1 in a temporary workspace; prints the scorecard
    bench      build + benchmarks; writes docs/benchmarks.md
    reliability  bootstrap + build + the reliability tests at full size: every N of the strace fault sweep, 16 writers
               for a minute, 10,000 incidents, a 10,000,000-entry journal (~3 GB in the temp folder, deleted after);
               the measured lines go to out/reliability/results.txt (copy them into docs/reliability.md)
    fuzz       AFL++ + SharpFuzz over every parser of outside input (tests/fuzz): -Minutes N shared by the targets,
               -Target one; crashes and hangs in out/fuzz/findings, a summary table in out/fuzz/summary.md
.EXAMPLE
    dotnet pwsh ./build.ps1 test -Filter Journal
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('bootstrap', 'build', 'test', 'drill', 'bench', 'reliability', 'fuzz', 'clean')]
    [string] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Drill scenario under runbooks/drills.
    [string] $Scenario = 'leaked-key',

    # Keep the drill workspace here instead of a temporary folder.
    [string] $Workspace,

    # Only tests whose name contains this text (both runners).
    [string] $Filter,

    # Benchmark size (entries in the journal benchmarks).
    [int] $BenchEntries = 1000000,

    # Evidence ingest benchmark size in MiB (0 skips it).
    [int] $BenchEvidenceMB = 1024,

    # Only these benchmark sections (journal, checkpoints, signatures, quorum, reachability, evidence, s3, dns, containment, evm, sync, import, report); default all.
    [string[]] $BenchOnly,

    # fuzz: minutes in all, shared equally by the targets run.
    [double] $Minutes = 10,

    # fuzz: only these targets (names from `dotnet tests/fuzz/DeIRF.Fuzz/... list`); default all.
    [string[]] $Target
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'DeIRF'
$Results = Join-Path $Out 'test-results'
# What the suite produced (kept for the secrets scan), each runner's console output and result files, the registry.
$Artifacts = Join-Path $Out 'test-artifacts'
$TestLogs = Join-Path $Out 'test-logs'
$SecretsRegistry = Join-Path $Out 'test-secrets/registry.tsv'
$PesterVersion = '5.7.1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Invoke-Native {
    param([string] $File, [string[]] $Arguments, [switch] $AllowFailure)
    & $File @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
    $LASTEXITCODE
}

function Get-PwshCommand {
    # Under `dotnet pwsh` this process is the dotnet host; start the same PowerShell as `dotnet <PSHOME>/pwsh.dll`.
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return @($self, (Join-Path $PSHOME 'pwsh.dll')) }
    @($self)
}

function Invoke-Pwsh([string[]] $Arguments) {
    $cmd = @(Get-PwshCommand)
    $rest = @($cmd | Select-Object -Skip 1) + $Arguments
    & $cmd[0] @rest
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    @($props.Project.PropertyGroup | ForEach-Object { $_.Version } | Where-Object { $_ })[0]
}

function Invoke-Bootstrap {
    Write-Step 'bootstrap: tools'
    Invoke-Native dotnet @('tool', 'restore') | Out-Null
    # Pester comes from its NuGet package (the PowerShell Gallery is not reachable everywhere we run).
    Invoke-Native dotnet @('restore', (Join-Path $Root 'build/Bootstrap.csproj'), '--verbosity', 'quiet') | Out-Null
    $pester = Join-Path (Get-NuGetPackageRoot) "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { throw "Pester $PesterVersion was not restored to $pester" }

    # On-chain tests (evm.*): anvil, solcjs and the contract sources, pinned in tools/chain/package-lock.json.
    Install-NodeTools -Name 'chain' -Bin 'anvil' -What 'anvil and solcjs are missing (evm tests skip outside CI, fail under CI=true)'
    # S3 evidence store tests and bench: s3rver, pinned in tools/s3/package-lock.json.
    Install-NodeTools -Name 's3' -Bin 's3rver' -What 's3rver is missing (S3 evidence store tests skip outside CI, fail under CI=true)'

    # Command-line peers of the interop tests (later issues): install with apt when root and missing.
    # chromium: the headless browser that renders Export-DeirfReport's HTML in the report test.
    # strace: the fault-injection tests (inject=<syscall>:error=EIO|signal=SIGKILL). afl++ only in `build.ps1 fuzz`.
    Install-AptTools ([ordered]@{ gpg = 'gnupg'; 'ssh-keygen' = 'openssh-client'; git = 'git'; named = 'bind9'; dig = 'bind9-dnsutils'; nsupdate = 'bind9-dnsutils'; chromium = 'chromium'; strace = 'strace'; minisign = 'minisign'; prometheus = 'prometheus'; 'prometheus-alertmanager' = 'prometheus-alertmanager'; sshd = 'openssh-server'; nft = 'nftables'; ip = 'iproute2' })
}

# Installs the Debian packages of the missing commands (key: command, value: package) with apt when root; otherwise warns.
# named lives in /usr/sbin, which a non-root PATH may lack: look there too.
function Install-AptTools([System.Collections.IDictionary] $Wanted) {
    $missing = @($Wanted.Keys | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) -and -not (Test-Path "/usr/sbin/$_") } |
        ForEach-Object { $Wanted[$_] } | Select-Object -Unique)
    if ($missing.Count -gt 0) {
        if ($IsLinux -and (Get-Command apt-get -ErrorAction SilentlyContinue) -and ((id -u) -eq '0')) {
            Write-Step "bootstrap: apt-get install $($missing -join ' ')"
            $env:DEBIAN_FRONTEND = 'noninteractive'
            Invoke-Native apt-get @('update', '-qq') | Out-Null
            Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing) | Out-Null
        }
        else {
            Write-Warning "Not installed (tests that need them skip outside CI, fail under CI=true): $($missing -join ', ')"
        }
    }
}

function Install-NodeTools([string] $Name, [string] $Bin, [string] $What) {
    $dir = Join-Path $Root "tools/$Name"
    $stamp = Join-Path $dir 'node_modules/.deirf-lock.sha256'
    $lockHash = (Get-FileHash (Join-Path $dir 'package-lock.json') -Algorithm SHA256).Hash
    if ((Test-Path $stamp) -and (Get-Content -Raw $stamp).Trim() -eq $lockHash -and (Test-Path (Join-Path $dir "node_modules/.bin/$Bin"))) { return }
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Warning "npm is not installed: $What"
        return
    }
    Write-Step "bootstrap: npm ci (tools/$Name)"
    Push-Location $dir
    try { Invoke-Native npm @('ci', '--no-audit', '--no-fund', '--loglevel', 'error') | Out-Null }
    finally { Pop-Location }
    Set-Content -Path $stamp -Value $lockHash -NoNewline
}

# The CHANGELOG.md section of this version ("## 0.1.0 ..." up to the next "## "), for the manifest's ReleaseNotes.
function Get-ReleaseNotes([string] $Version) {
    $lines = Get-Content (Join-Path $Root 'CHANGELOG.md')
    $start = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match "^## $([regex]::Escape($Version))(\s|$)" })
    if ($start -lt 0) { throw "CHANGELOG.md has no section '## $Version': add one before building this version" }
    $section = [Collections.Generic.List[string]]::new()
    for ($n = $start; $n -lt $lines.Count; $n++) {
        if ($n -gt $start -and $lines[$n] -match '^## ') { break }
        $section.Add($lines[$n])
    }
    ($section -join "`n").Trim()
}

# Not Invoke-Build: that is the InvokeBuild module's command, which a contributor may have loaded.
# Makes Destination hold exactly Source's files: copies a file only when its bytes differ, removes what Source lacks.
# Returns how many files were written or removed.
function Sync-Tree([string] $Source, [string] $Destination) {
    $count = 0
    $null = New-Item -ItemType Directory -Force $Destination
    $wanted = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
    foreach ($file in Get-ChildItem $Source -File -Recurse -Force) {
        $relative = [IO.Path]::GetRelativePath($Source, $file.FullName)
        $null = $wanted.Add($relative)
        $target = Join-Path $Destination $relative
        $same = [IO.File]::Exists($target) -and [IO.FileInfo]::new($target).Length -eq $file.Length -and
            [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([IO.File]::ReadAllBytes($target))) -eq
            [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([IO.File]::ReadAllBytes($file.FullName)))
        if (-not $same) {
            $null = New-Item -ItemType Directory -Force (Split-Path $target)
            Copy-Item -LiteralPath $file.FullName $target -Force
            $count++
        }
        if (-not $IsWindows -and (Get-Item -LiteralPath $target).UnixFileMode -ne $file.UnixFileMode) { (Get-Item -LiteralPath $target).UnixFileMode = $file.UnixFileMode }
    }
    foreach ($file in Get-ChildItem $Destination -File -Recurse -Force) {
        if (-not $wanted.Contains([IO.Path]::GetRelativePath($Destination, $file.FullName))) { Remove-Item -LiteralPath $file.FullName -Force; $count++ }
    }
    Get-ChildItem $Destination -Directory -Recurse -Force | Sort-Object { $_.FullName.Length } -Descending |
        Where-Object { -not (Get-ChildItem -LiteralPath $_.FullName -Force) } | Remove-Item -Force
    $count
}

function Invoke-ModuleBuild {
    Write-Step "build ($Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $Root 'DeIRF.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly') | Out-Null
    $publish = Join-Path $Out "obj/publish"
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/DeIRF.Commands/DeIRF.Commands.csproj'), '-c', $Configuration, '--no-build', '-o', $publish, '--nologo', '-v', 'quiet') | Out-Null

    # Laid out in a staging folder, then mirrored into out/DeIRF: only files whose bytes changed are written, and
    # files the build no longer makes are removed, so a rebuild with nothing changed leaves the module untouched.
    $layout = Join-Path $Out 'obj/module/DeIRF'
    if (Test-Path $layout) { Remove-Item $layout -Recurse -Force }
    $deps = New-Item -ItemType Directory -Force (Join-Path $layout 'Dependencies')
    # Only the cmdlet assembly sits in the module root (default load context); everything else goes to Dependencies.
    foreach ($file in Get-ChildItem $publish -File) {
        if ($file.Name -in 'DeIRF.dll', 'DeIRF.pdb', 'DeIRF.xml') { Copy-Item $file.FullName $layout }
        elseif ($file.Extension -in '.dll', '.pdb', '.so', '.dylib') { Copy-Item $file.FullName $deps }
    }
    $runtimes = Join-Path $publish 'runtimes'
    if (Test-Path $runtimes) { Copy-Item $runtimes $deps -Recurse }
    foreach ($name in 'DeIRF.Format.ps1xml', 'DeIRF.Types.ps1xml') { Copy-Item (Join-Path $Root "module/$name") $layout }
    $version = Get-ModuleVersion
    $manifest = (Get-Content -Raw (Join-Path $Root 'module/DeIRF.psd1')) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    $notes = Get-ReleaseNotes $version
    $manifest = $manifest -replace "ReleaseNotes = ''", ("ReleaseNotes = '" + $notes.Replace("'", "''") + "'")
    Set-Content -Path (Join-Path $layout 'DeIRF.psd1') -Value $manifest -Encoding utf8NoBOM
    $helpScript = Join-Path $Root 'build/New-MamlHelp.ps1'
    if (Test-Path $helpScript) {
        & $helpScript -HelpSource (Join-Path $Root 'docs/help') -ModulePath $layout
    }
    # about_DeIRF (docs/about_DeIRF.md) and the updatable help package (out/help) Update-Help -SourcePath reads.
    & (Join-Path $Root 'build/New-AboutHelp.ps1') -Source (Join-Path $Root 'docs') -ModulePath $layout -PackagePath (Join-Path $Out 'help')
    foreach ($dir in 'templates', 'runbooks') {
        Copy-Item (Join-Path $Root $dir) $layout -Recurse
    }
    $changed = Sync-Tree -Source $layout -Destination $ModuleOut
    # The sample extension (tests/extensions): built outside the engine, imported by docs/extending.md and its tests.
    $samples = Join-Path $Out 'samples/DeIRF.SampleExtension'
    if (Test-Path $samples) { Remove-Item $samples -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'tests/extensions/DeIRF.SampleExtension/DeIRF.SampleExtension.csproj'), '-c', $Configuration, '--no-build', '-o', $samples, '--nologo', '-v', 'quiet') | Out-Null
    # Import-DeirfExtension refuses assemblies others may change (group/other write), whatever the umask was.
    if (-not $IsWindows) { foreach ($f in Get-ChildItem $samples -File) { $f.UnixFileMode = $f.UnixFileMode -band -bnot ([IO.UnixFileMode]'GroupWrite, OtherWrite') } }
    Write-Host "Module $version in $ModuleOut ($changed file(s) written or removed)"
}

function Read-TrxCounts([string] $Path) {
    $trx = [xml](Get-Content -Raw $Path)
    $c = $trx.TestRun.ResultSummary.Counters
    # The skipped tests by name, with the reason xUnit gave (Skip.If / SkippableFact), for the summary.
    $skippedTests = @($trx.GetElementsByTagName('UnitTestResult') | Where-Object { $_.outcome -eq 'NotExecuted' } | ForEach-Object {
            $why = @($_.GetElementsByTagName('Message') | ForEach-Object InnerText) + @($_.GetElementsByTagName('StdOut') | ForEach-Object InnerText) |
                Where-Object { $_ } | Select-Object -First 1
            "$($_.testName)$(if ($why) { " ($("$why".Trim()))" })"
        })
    # Skipped is counted from the results: the logger leaves Counters.notExecuted at 0 for a skipped xUnit test.
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = $skippedTests.Count; SkippedTests = $skippedTests }
}

function Set-TestArtifactEnvironment {
    # The suite's temp root is out/test-artifacts and nothing in it is deleted (DEIRF_TEST_KEEP: TestArtifacts.Delete,
    # Remove-DeirfTestDirectory, Pester's TestDrive); tests register the secrets they make in the registry.
    foreach ($dir in $Artifacts, $TestLogs, (Split-Path $SecretsRegistry)) {
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
        New-Item -ItemType Directory -Force $dir | Out-Null
    }
    $script:SavedTemp = @{ TMPDIR = $env:TMPDIR; TEMP = $env:TEMP; TMP = $env:TMP }
    $env:TMPDIR = $Artifacts; $env:TEMP = $Artifacts; $env:TMP = $Artifacts
    $env:DEIRF_TEST_ARTIFACTS = $Artifacts
    $env:DEIRF_TEST_KEEP = '1'
    $env:DEIRF_TEST_SECRETS_REGISTRY = $SecretsRegistry
}

function Invoke-SecretsScan {
    # One test in the summary: every file the suite produced searched for every registered secret form.
    Write-Step 'secrets scan'
    # The scanner's own temporary files (runtime debug pipes) stay out of the tree it scans.
    foreach ($name in $script:SavedTemp.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedTemp[$name]) }
    foreach ($f in Get-ChildItem $Results -File) { Copy-Item $f.FullName $TestLogs }
    $scanArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'build/Invoke-SecretsScan.ps1'), '-Registry', $SecretsRegistry,
        '-Root', "$Artifacts,$TestLogs", '-ResultPath', (Join-Path $Results 'secrets-scan.json'))
    Invoke-Pwsh $scanArgs | Tee-Object -FilePath (Join-Path $TestLogs 'secrets-scan.log') | Out-Host
    $code = $LASTEXITCODE
    # A filtered run may leave no artifacts: Measure-Object then has no Sum (StrictMode).
    $size = 0.0
    foreach ($f in Get-ChildItem $Artifacts -Recurse -File -Force -ErrorAction SilentlyContinue) { $size += $f.Length }
    Write-Host ("test artifacts: {0:N1} MiB in {1}" -f ($size / 1MB), $Artifacts)
    # The registry holds the secrets themselves: gone once scanned.
    Remove-Item (Split-Path $SecretsRegistry) -Recurse -Force -ErrorAction SilentlyContinue
    $code -eq 0
}

function Invoke-Test {
    Invoke-Bootstrap
    Invoke-ModuleBuild
    if (Test-Path $Results) { Remove-Item $Results -Recurse -Force }
    New-Item -ItemType Directory -Force $Results | Out-Null
    Set-TestArtifactEnvironment
    $passed = 0; $failed = 0; $skipped = 0
    # Behaviour tests (every xUnit project, the Pester files other than the documentation ones, the secrets scan) and
    # documentation checks (Help.Tests.ps1's Get-Help checks, the documented examples run) are reported apart.
    $xunit = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $pesterKinds = $null
    $skippedTests = [Collections.Generic.List[string]]::new()
    $notRunnable = @()

    # Every xUnit project under tests/ (tests/DeIRF.*.Tests): a new provider's tests run without editing this list.
    $projects = @(Get-ChildItem (Join-Path $Root 'tests') -Directory -Filter 'DeIRF.*.Tests' | Where-Object { Test-Path (Join-Path $_.FullName "$($_.Name).csproj") } |
        Sort-Object @{ e = { $_.Name -ne 'DeIRF.Core.Tests' } }, @{ e = { $_.Name -ne 'DeIRF.Module.Tests' } }, Name | ForEach-Object Name)
    foreach ($project in $projects) {
        Write-Step "xUnit: $project"
        $testArgs = @('test', (Join-Path $Root "tests/$project/$project.csproj"), '-c', $Configuration, '--no-build', '--nologo',
            '--logger', "trx;LogFileName=$project.trx", '--logger', 'console;verbosity=minimal', '--results-directory', $Results)
        # Run=Reliability (the 10,000,000-entry journal, ~3 GB) belongs to build.ps1 reliability, not to the suite.
        $testArgs += @('--filter', $(if ($Filter) { "FullyQualifiedName~$Filter&Run!=Reliability" } else { 'Run!=Reliability' }))
        & dotnet @testArgs 2>&1 | Tee-Object -FilePath (Join-Path $TestLogs "$project.log") | Out-Host
        $code = $LASTEXITCODE
        $trxFile = Join-Path $Results "$project.trx"
        if (Test-Path $trxFile) {
            $counts = Read-TrxCounts $trxFile
            $passed += $counts.Passed; $failed += $counts.Failed; $skipped += $counts.Skipped
            $xunit.Passed += $counts.Passed; $xunit.Failed += $counts.Failed; $xunit.Skipped += $counts.Skipped
            foreach ($s in $counts.SkippedTests) { $skippedTests.Add("xUnit $s") }
            if ($code -ne 0 -and $counts.Failed -eq 0) { $failed++; $xunit.Failed++ }
        }
        else {
            Write-Warning "$project produced no result file (exit code $code)"
            $failed++; $xunit.Failed++
        }
    }

    Write-Step 'Pester'
    $pesterJob = Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1'
    $pesterArgs = @('-NoProfile', '-NonInteractive', '-File', $pesterJob, '-PesterPath', (Join-Path (Get-NuGetPackageRoot) "pester/$PesterVersion/tools/Pester.psd1"),
        '-ModulePath', (Join-Path $ModuleOut 'DeIRF.psd1'), '-ResultPath', (Join-Path $Results 'pester.xml'))
    if ($Filter) { $pesterArgs += @('-Filter', $Filter) }
    # A separate process: the suite imports the built module fresh, as a user would.
    Invoke-Pwsh $pesterArgs 2>&1 | Tee-Object -FilePath (Join-Path $TestLogs 'pester.log') | Out-Host
    $summaryFile = Join-Path $Results 'pester-summary.json'
    if (Test-Path $summaryFile) {
        $p = Get-Content -Raw $summaryFile | ConvertFrom-Json
        $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
        $pesterKinds = $p.Kinds
        foreach ($s in $p.SkippedTests) { $skippedTests.Add("Pester $s") }
        $notRunnable = @($p.NotRunnable)
    }
    else {
        Write-Warning 'Pester produced no summary'
        $failed++
    }

    $scanPassed = Invoke-SecretsScan
    if ($scanPassed) { $passed++ } else { $failed++ }

    Write-Host ''
    Write-Host "Results: $Results"
    Write-TestSummary -XUnit $xunit -PesterKinds $pesterKinds -ScanPassed $scanPassed -SkippedTests $skippedTests -NotRunnable $notRunnable
    # Under CI=true everything the suite has must run: a skipped test is a failure there (a missing tool, a platform
    # condition), said on its own line above the total.
    if ($env:CI -eq 'true' -and $skipped -gt 0) {
        Write-Host "FAILED under CI=true: $skipped test(s) skipped (listed above); a skipped test counts as a failed one here" -ForegroundColor Red
        $failed += $skipped
    }
    "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Write-TestSummary {
    param($XUnit, $PesterKinds, [bool] $ScanPassed, [string[]] $SkippedTests, [string[]] $NotRunnable)
    $zero = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $behaviour = if ($PesterKinds) { $PesterKinds.Behaviour } else { $zero }
    $help = if ($PesterKinds) { $PesterKinds.Help } else { $zero }
    $examples = if ($PesterKinds) { $PesterKinds.Examples } else { $zero }
    $scan = if ($ScanPassed) { 1 } else { 0 }
    $b = @{ Passed = $XUnit.Passed + $behaviour.Passed + $scan; Failed = $XUnit.Failed + $behaviour.Failed + (1 - $scan); Skipped = $XUnit.Skipped + $behaviour.Skipped }
    Write-Host ("behaviour tests: {0} passed, {1} failed, {2} skipped (xUnit {3}, Pester {4}, secrets scan 1)" -f $b.Passed, $b.Failed, $b.Skipped,
        ($XUnit.Passed + $XUnit.Failed + $XUnit.Skipped), ($behaviour.Passed + $behaviour.Failed + $behaviour.Skipped))
    Write-Host ("documentation checks: {0} passed, {1} failed, {2} skipped (Get-Help checks {3}, documented examples run {4})" -f
        ($help.Passed + $examples.Passed), ($help.Failed + $examples.Failed), ($help.Skipped + $examples.Skipped),
        ($help.Passed + $help.Failed + $help.Skipped), ($examples.Passed + $examples.Failed + $examples.Skipped))
    Write-Host "not tests: $($NotRunnable.Count) documented block(s) marked not runnable here, each with its reason (docs/*.md 'doc-test: skip'):"
    foreach ($n in $NotRunnable) { Write-Host "  $n" }
    Write-Host "skipped: $($SkippedTests.Count) test(s)$(if ($SkippedTests.Count) { ':' })"
    foreach ($s in $SkippedTests) { Write-Host "  $s" }
}

function Invoke-Reliability {
    Invoke-Bootstrap
    Invoke-ModuleBuild
    $dir = New-Item -ItemType Directory -Force (Join-Path $Out 'reliability')
    $resultFile = Join-Path $dir 'results.txt'
    Remove-Item $resultFile -ErrorAction SilentlyContinue
    $free = (Get-PSDrive -PSProvider FileSystem | Where-Object { [IO.Path]::GetTempPath().StartsWith($_.Root) } | Sort-Object { $_.Root.Length } -Descending | Select-Object -First 1).Free
    if ($free -and $free -lt 8GB) { Write-Warning "Only $([math]::Round($free / 1GB, 1)) GB free for the 10,000,000-entry journal (~3 GB)" }
    $saved = @{}
    $settings = @{ DEIRF_FAULT_SWEEP = 'full'; DEIRF_LOAD_SECONDS = '60'; DEIRF_LOAD_INCIDENTS = '10000'; DEIRF_RELIABILITY = '1'; DEIRF_RELIABILITY_OUT = $resultFile }
    foreach ($k in $settings.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $settings[$k]) }
    try {
        Write-Step 'reliability: fault injection (full sweep), load, the 10,000,000-entry journal'
        $testFilter = 'FullyQualifiedName~DeIRF.Core.Tests.Reliability'
        if ($Filter) { $testFilter += "&FullyQualifiedName~$Filter" }
        $code = Invoke-Native dotnet @('test', (Join-Path $Root 'tests/DeIRF.Core.Tests/DeIRF.Core.Tests.csproj'), '-c', $Configuration, '--no-build', '--nologo',
            '--filter', $testFilter, '--logger', 'console;verbosity=normal', '--logger', 'trx;LogFileName=reliability.trx', '--results-directory', $dir) -AllowFailure
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    }
    $machine = "$([Environment]::ProcessorCount) cores, $(if ($IsLinux) { (Get-Content /proc/cpuinfo | Select-String 'model name' | Select-Object -First 1).Line -replace '.*:\s*', '' }), " +
        "$(if ($IsLinux) { [math]::Round(((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') / 1MB, 1) }) GB RAM, .NET $([Environment]::Version), $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC"
    Add-Content -Path $resultFile -Value "machine: $machine"
    Get-Content $resultFile
    $trxFile = Join-Path $dir 'reliability.trx'
    $counts = if (Test-Path $trxFile) { Read-TrxCounts $trxFile } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    "$($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    if ($code -ne 0 -or $counts.Failed -gt 0 -or $counts.Passed -eq 0) { exit 1 }
}

function Invoke-Drill {
    Invoke-ModuleBuild
    $script = Join-Path $Root "runbooks/drills/$Scenario.ps1"
    if (-not (Test-Path $script)) { throw "No drill scenario '$Scenario' in runbooks/drills" }
    $drillArgs = @('-NoProfile', '-NonInteractive', '-File', $script, '-ModulePath', (Join-Path $ModuleOut 'DeIRF.psd1'))
    if ($Workspace) { $drillArgs += @('-Workspace', $Workspace) }
    Invoke-Pwsh $drillArgs
    exit $LASTEXITCODE
}

function Invoke-Bench {
    # The DNS and EVM rows need named/nsupdate/dig and anvil/solcjs: the same bootstrap as the tests.
    Invoke-Bootstrap
    Invoke-ModuleBuild
    Write-Step 'bench'
    $benchDll = Join-Path $Root "bench/DeIRF.Bench/bin/$Configuration/net10.0/DeIRF.Bench.dll"
    $benchArgs = @($benchDll, '--entries', $BenchEntries, '--evidence-mb', $BenchEvidenceMB, '--module', (Join-Path $ModuleOut 'DeIRF.psd1'), '--pwsh', ((Get-PwshCommand) -join '|'),
        '--out', (Join-Path $Root 'docs/benchmarks.md'))
    if ($BenchOnly) { $benchArgs += @('--only', ($BenchOnly -join ',')) }
    Invoke-Native dotnet $benchArgs | Out-Null
    Get-Content (Join-Path $Root 'docs/benchmarks.md')
}

function Invoke-Fuzz {
    # AFL++ (Debian afl++ 4.04c, installed here as root; it pulls clang/llvm, so the test bootstrap leaves it out) drives the fuzz host through SharpFuzz: the published
    # host's DeIRF.Core.dll is instrumented in place by the pinned `sharpfuzz` tool, the test build stays as it is.
    Invoke-Bootstrap
    Install-AptTools ([ordered]@{ 'afl-fuzz' = 'afl++' })
    if (-not (Get-Command afl-fuzz -ErrorAction SilentlyContinue)) { throw 'afl-fuzz is not installed: apt-get install afl++ (build.ps1 fuzz does it as root)' }
    $fuzzOut = Join-Path $Out 'fuzz'
    $bin = Join-Path $fuzzOut 'bin'
    if (Test-Path $fuzzOut) { Remove-Item $fuzzOut -Recurse -Force }
    Write-Step 'fuzz: publish and instrument'
    Invoke-Native dotnet @('publish', (Join-Path $Root 'tests/fuzz/DeIRF.Fuzz/DeIRF.Fuzz.csproj'), '-c', 'Release', '-o', $bin, '--nologo', '-v', 'quiet') | Out-Null
    # An uninstrumented copy replays findings (instrumented code writes to AFL's shared memory: it only runs under afl-fuzz).
    $replay = Join-Path $fuzzOut 'replay'
    Copy-Item $bin $replay -Recurse
    Invoke-Native dotnet @('sharpfuzz', (Join-Path $bin 'DeIRF.Core.dll')) | Out-Null
    $host_ = Join-Path $bin 'DeIRF.Fuzz.dll'
    $all = @(& dotnet $host_ list | ForEach-Object { ($_ -split "`t")[0] })
    $targets = @(if ($Target) { $Target | ForEach-Object { $_ -split "," } | Where-Object { $_ } } else { $all })
    foreach ($t in $targets) { if ($t -notin $all) { throw "No fuzz target '$t'. Targets: $($all -join ', ')" } }
    $seconds = [math]::Max(10, [int]($Minutes * 60 / $targets.Count))
    $env:AFL_SKIP_BIN_CHECK = '1'               # the target is the dotnet host, instrumented through SharpFuzz
    $env:AFL_SKIP_CPUFREQ = '1'
    $env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'
    $env:AFL_NO_UI = '1'
    $env:AFL_NO_AFFINITY = '1'                  # shared machine: do not pin a core
    New-Item -ItemType Directory -Force (Join-Path $fuzzOut 'runs') | Out-Null
    $dotnet = (Get-Command dotnet).Source
    $rows = foreach ($t in $targets) {
        Write-Step "fuzz: $t for $seconds s"
        $dir = Join-Path $fuzzOut "runs/$t"
        $aflArgs = @('-i', (Join-Path $Root "tests/fuzz/corpus/$t"), '-o', $dir, '-t', '10000', '-m', 'none', '-V', $seconds, '--', $dotnet, $host_, 'run', $t)
        & afl-fuzz @aflArgs *> (Join-Path $fuzzOut "$t.log")
        $statsFile = Join-Path $dir 'default/fuzzer_stats'
        if (-not (Test-Path $statsFile)) {
            Write-Warning "afl-fuzz produced no statistics for $t (see $(Join-Path $fuzzOut "$t.log"))"
            [pscustomobject]@{ Target = $t; Seconds = $seconds; Executions = 0; ExecPerSec = 0; Paths = 0; Edges = 0; Crashes = -1; Hangs = -1 }
            continue
        }
        $stats = @{}
        foreach ($line in Get-Content $statsFile) { $k, $v = $line -split '\s*:\s*', 2; $stats[$k.Trim()] = $v }
        $findings = Join-Path $fuzzOut "findings/$t"
        foreach ($kind in 'crashes', 'hangs') {
            foreach ($f in Get-ChildItem (Join-Path $dir "default/$kind") -File -Filter 'id*' -ErrorAction SilentlyContinue) {
                New-Item -ItemType Directory -Force $findings | Out-Null
                Copy-Item $f.FullName (Join-Path $findings ((@{ crashes = 'crash-'; hangs = 'hang-' })[$kind] + ($f.Name -replace '[^A-Za-z0-9_.-]', '_')))
            }
        }
        [pscustomobject]@{
            Target = $t; Seconds = [int]$stats['run_time']; Executions = [long]$stats['execs_done']; ExecPerSec = [double]$stats['execs_per_sec']
            Paths = [int]$stats['corpus_count']; Edges = [int]$stats['edges_found']; Crashes = [int]$stats['saved_crashes']; Hangs = [int]$stats['saved_hangs']
        }
    }
    $table = @('| target | seconds | executions | exec/s | paths | edges | crashes | hangs |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    $table += $rows | ForEach-Object { "| $($_.Target) | $($_.Seconds) | $($_.Executions) | $([math]::Round($_.ExecPerSec)) | $($_.Paths) | $($_.Edges) | $($_.Crashes) | $($_.Hangs) |" }
    $table | Set-Content (Join-Path $fuzzOut 'summary.md')
    $rows | Format-Table -AutoSize | Out-Host
    $found = @(Get-ChildItem (Join-Path $fuzzOut 'findings') -Recurse -File -ErrorAction SilentlyContinue)
    if ($found.Count -gt 0) {
        Write-Host "$($found.Count) finding(s) in $(Join-Path $fuzzOut 'findings'):"
        foreach ($group in $found | Group-Object { $_.Directory.Name }) {
            & dotnet (Join-Path $replay 'DeIRF.Fuzz.dll') replay $group.Name @($group.Group.FullName) *> (Join-Path $fuzzOut "findings/$($group.Name).txt")
            Get-Content (Join-Path $fuzzOut "findings/$($group.Name).txt") | Where-Object { $_ -match '^(FINDING|[A-Za-z.]+Exception)' } |
                Where-Object { $_ -notmatch '^FINDING' } | Group-Object | ForEach-Object { Write-Host ("  {0}: {1} x {2}" -f $group.Name, $_.Count, $_.Name) }
        }
        Write-Host "Replay: dotnet $(Join-Path $replay 'DeIRF.Fuzz.dll') replay <target> <file> (full traces in findings/<target>.txt)"
        Write-Host 'Fix it, then commit the input as tests/fuzz/regressions/<target>/<name> (FuzzRegressionTests replays it).'
        exit 1
    }
    Write-Host "No findings. Summary: $(Join-Path $fuzzOut 'summary.md')"
}

switch ($Task) {
    'bootstrap' { Invoke-Bootstrap }
    'build' { Invoke-ModuleBuild }
    'test' { Invoke-Test }
    'drill' { Invoke-Drill }
    'bench' { Invoke-Bench }
    'reliability' { Invoke-Reliability }
    'fuzz' { Invoke-Fuzz }
    'clean' { if (Test-Path $Out) { Remove-Item $Out -Recurse -Force } }
}
