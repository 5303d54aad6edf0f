# Issue 5, "evidence first": Add-/Get-/Test-DeirfEvidence as a responder uses them, against the built module.
BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force

    function New-RandomFile([string] $Path, [int] $Bytes) {
        New-Item -ItemType Directory -Force (Split-Path $Path) | Out-Null
        [IO.File]::WriteAllBytes($Path, [Security.Cryptography.RandomNumberGenerator]::GetBytes($Bytes))
        Get-Item -LiteralPath $Path -Force
    }

    function Get-StoreObjects([string] $Workspace) {
        $objects = Join-Path $Workspace 'evidence/sha256'
        if (-not (Test-Path $objects)) { return @() }
        @(Get-ChildItem $objects -Recurse -File | Where-Object { $_.FullName -notlike '*/.incoming/*' })
    }

    function Get-Incoming([string] $Workspace) {
        $incoming = Join-Path $Workspace 'evidence/sha256/.incoming'
        if (-not (Test-Path $incoming)) { return @() }
        @(Get-ChildItem $incoming -File -Force)
    }

    # Runs a script in its own PowerShell, to see its progress records and to stop it as Ctrl+C would.
    function New-ModuleShell([string] $Script) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("`$ProgressPreference = 'Continue'; Import-Module '$(Get-DeirfTestModulePath)'; $Script")
        $ps
    }

    # A deterministic Ctrl+C: Add-DeirfEvidence reports progress on its pipeline thread while it reads and hashes, so
    # holding that thread inside the first progress record at or past a percentage holds the capture mid-file. The
    # stop is asked then, from a thread of its own as the host's Ctrl+C handler does, and the capture goes on only once
    # the stop is under way: it always lands in the middle of that file, however fast or loaded the machine is.
    if (-not ('DeirfTests.ProgressGate' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;

namespace DeirfTests
{
    public sealed class ProgressGate
    {
        private readonly ManualResetEventSlim _reached = new ManualResetEventSlim();
        private readonly ManualResetEventSlim _release = new ManualResetEventSlim();

        public ProgressRecord HeldAt { get; private set; }

        public ProgressGate(PSDataCollection<ProgressRecord> progress, int percent)
        {
            progress.DataAdded += (sender, e) =>
            {
                var record = progress[e.Index];
                if (_reached.IsSet || record.RecordType == ProgressRecordType.Completed || record.PercentComplete < percent)
                {
                    return;
                }
                HeldAt = record;
                _reached.Set();
                _release.Wait();
            };
        }

        /// <summary>Once the capture is held: Stop on a thread of its own, the capture let go when the stop is under way; true when the stop finished.</summary>
        public bool StopWhileHeld(PowerShell shell, TimeSpan timeout)
        {
            if (!_reached.Wait(timeout))
            {
                return false;
            }
            var stopper = new Thread(() => shell.Stop()) { IsBackground = true };
            stopper.Start();
            var clock = Stopwatch.StartNew();
            while (shell.InvocationStateInfo.State == PSInvocationState.Running && clock.Elapsed < timeout)
            {
                Thread.Sleep(1);
            }
            _release.Set();
            return stopper.Join(timeout);
        }
    }
}
'@
    }
}

Describe 'Evidence: a generated 50 MB folder, hashed while stored, one custody entry per file' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'Pod compromise' -Reporter alice -Workspace $ws
        $src = Join-Path $TestDrive 'pod-logs'
        $sizes = [ordered]@{ 'api.log' = 20MB; 'kubelet/kubelet.log' = 15MB; 'kubelet/audit.json' = 10MB; 'core/dump.bin' = 5MB - 1; '.bash_history' = 4096 }
        foreach ($name in $sizes.Keys) { New-RandomFile (Join-Path $src $name) $sizes[$name] | Out-Null }
        $files = @(Get-ChildItem $src -Recurse -File -Force)

        $ps = New-ModuleShell "Add-DeirfEvidence -Incident '$($i.Id)' -Path '$src' -Target prod/api-7f9 -Actor alice -Workspace '$ws' -PassThru"
        $items = @($ps.Invoke())
        $shellErrors = @($ps.Streams.Error)
        $progress = @($ps.Streams.Progress)
        $ps.Dispose()
    }

    It 'stores every file without error' {
        $shellErrors | Should -BeNullOrEmpty
        $items.Count | Should -Be $files.Count
        ($items | Measure-Object Size -Sum).Sum | Should -Be (($files | Measure-Object Length -Sum).Sum)
    }

    It 'records each hash as sha256sum computes it' {
        if (-not (Test-DeirfTool sha256sum)) { Set-ItResult -Skipped -Because 'sha256sum is not installed'; return }
        foreach ($f in $files) {
            $expected = ((& sha256sum $f.FullName) -split '\s+')[0]
            $item = $items | Where-Object OriginalPath -eq $f.FullName
            $item.Sha256 | Should -Be $expected
            $item.Hash | Should -Be "sha256:$expected"
            # The stored copy hashes the same.
            ((& sha256sum $item.StoredPath) -split '\s+')[0] | Should -Be $expected
        }
    }

    It 'appends exactly one evidence.added entry per file, in path order, and the journal verifies' {
        $entries = @(Get-DeirfJournal -Incident $i.Id -Workspace $ws -Kind 'evidence.added')
        $entries.Count | Should -Be $files.Count
        $relative = [string[]]@($files | ForEach-Object { [IO.Path]::GetRelativePath($src, $_.FullName) })
        [Array]::Sort($relative, [StringComparer]::Ordinal)
        $entries.Body.path | Should -Be @($relative | ForEach-Object { Join-Path $src $_ }) -Because 'files are captured in ordinal order of their relative path'
        $entries[0].Body.target | Should -Be 'prod/api-7f9'
        $entries[0].Body.collector | Should -Be 'alice'
        $entries[0].Actor | Should -Be 'alice'
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws).IsValid | Should -BeTrue
    }

    It 'keeps each object read-only under evidence/sha256, named by its hash' {
        foreach ($item in $items) {
            $item.StoredPath | Should -Be (Join-Path $ws "evidence/sha256/$($item.Sha256.Substring(0, 2))/$($item.Sha256)")
            (Get-Item $item.StoredPath).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead')
            (Get-Item (Split-Path $item.StoredPath)).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        }
        Get-Incoming $ws | Should -BeNullOrEmpty
    }

    It 'shows progress by bytes with a fixed activity id and completes it' {
        $progress.Count | Should -BeGreaterThan 2
        @($progress.ActivityId | Select-Object -Unique).Count | Should -Be 1
        $progress[-1].RecordType | Should -Be 'Completed'
        $percents = @($progress | Where-Object RecordType -eq 'Processing' | ForEach-Object PercentComplete)
        $percents | Should -Contain 100
        ($percents | Where-Object { $_ -gt 0 -and $_ -lt 100 }).Count | Should -BeGreaterThan 0
    }

    It 'Get-DeirfEvidence lists the items from the journal' {
        $listed = @(Get-DeirfEvidence -Incident $i.Id -Workspace $ws)
        $listed.Count | Should -Be $files.Count
        $listed.Collector | Select-Object -Unique | Should -Be 'alice'
        (Get-DeirfIncident -Workspace $ws | Get-DeirfEvidence).Count | Should -Be $files.Count
        Get-DeirfEvidence -Incident $i.Id -Workspace $ws | Format-Table | Out-String -Width 200 | Should -Match 'Collector\s+Size\s+Hash\s+Target'
    }

    It 'Test-DeirfEvidence: one valid result per item' {
        $verdicts = @(Test-DeirfEvidence -Incident $i.Id -Workspace $ws)
        $verdicts.Count | Should -Be $files.Count
        $verdicts.IsValid | Should -Not -Contain $false
    }

    It 'the same content captured again is stored once and journaled again' {
        $before = (Get-StoreObjects $ws).Count
        Add-DeirfEvidence -Incident $i.Id -Path (Join-Path $src 'api.log') -Actor bob -Workspace $ws
        (Get-StoreObjects $ws).Count | Should -Be $before
        @(Get-DeirfEvidence -Incident $i.Id -Workspace $ws).Count | Should -Be ($files.Count + 1)
    }
}

Describe 'Evidence: altered and vanished items, as Test-DeirfEvidence reports them' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-tamper'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'tamper' -Reporter alice -Workspace $ws
        $a = New-RandomFile (Join-Path $TestDrive 'tamper/a.log') 10000
        $b = New-RandomFile (Join-Path $TestDrive 'tamper/b.log') 10000
        $c = New-RandomFile (Join-Path $TestDrive 'tamper/c.log') 10000
        $items = @(Add-DeirfEvidence -Incident $i.Id -Path $a.FullName, $b.FullName, $c.FullName -Actor alice -Workspace $ws -PassThru)
    }

    It 'a stored file altered on disk (chmod +w, one byte changed) is reported Changed' {
        $stored = $items[0].StoredPath
        chmod u+w $stored
        $fs = [IO.File]::OpenWrite($stored); $fs.Position = 5000; $fs.WriteByte(0x41); $fs.Dispose()
        $v = Test-DeirfEvidence -Incident $i.Id -Workspace $ws | Where-Object Path -eq $a.FullName
        $v.IsValid | Should -BeFalse
        $v.Fault | Should -Be 'Changed'
        $v.ActualHash | Should -Not -Be $v.Hash
        $v.Reason | Should -Match 'hash'
    }

    It 'a deleted one is reported Vanished' {
        Remove-Item -Force $items[1].StoredPath
        $v = Test-DeirfEvidence -Incident $i.Id -Workspace $ws | Where-Object Path -eq $b.FullName
        $v.IsValid | Should -BeFalse
        $v.Fault | Should -Be 'Vanished'
    }

    It 'one grown on disk is reported SizeDiffers; the untouched one stays valid' {
        chmod u+w $items[2].StoredPath
        [IO.File]::AppendAllText($items[2].StoredPath, 'x')
        $verdicts = @(Test-DeirfEvidence -Incident $i.Id -Workspace $ws)
        $verdicts.Count | Should -Be 3
        ($verdicts | Where-Object Path -eq $c.FullName).Fault | Should -Be 'SizeDiffers'
        $verdicts | Format-Table | Out-String -Width 200 | Should -Match 'Changed'
    }

    It 'capturing the altered content again never overwrites the damaged object: EvidenceStoreDamaged' {
        Add-DeirfEvidence -Incident $i.Id -Path $c.FullName -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'EvidenceStoreDamaged,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        (Get-Content -Raw $items[2].StoredPath).EndsWith('x') | Should -BeTrue
    }
}

Describe 'Evidence: empty, missing and unreadable files are errors that name the file, and nothing is journaled' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-err'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'errors' -Reporter alice -Workspace $ws
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'bad')
        function Get-EntryCount { @(Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count }
    }

    It 'an empty file: EvidenceEmpty with the path as target, nothing stored or journaled' {
        $empty = New-Item -ItemType File (Join-Path $dir 'empty.log')
        Add-DeirfEvidence -Incident $i.Id -Path $empty.FullName -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'EvidenceEmpty,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $empty.FullName
        Get-EntryCount | Should -Be 1
        Get-StoreObjects $ws | Should -BeNullOrEmpty
        Get-Incoming $ws | Should -BeNullOrEmpty
    }

    It 'an empty file with -AllowEmpty is stored with the hash of nothing, on purpose' {
        $item = Add-DeirfEvidence -Incident $i.Id -Path (Join-Path $dir 'empty.log') -Actor alice -Workspace $ws -AllowEmpty -PassThru
        $item.Size | Should -Be 0
        $item.Sha256 | Should -Be 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
        Get-EntryCount | Should -Be 2
    }

    # chmod 000 does not make a file unreadable for root (the CI user): a FIFO and a symbolic link loop are
    # unreadable for everyone, and a FIFO must be refused at once, not wait for a writer.
    It 'a FIFO: EvidenceUnreadable naming it, at once' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'a FIFO (mkfifo) exists only on Unix'; return }
        $fifo = Join-Path $dir 'pipe'
        mkfifo $fifo
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Add-DeirfEvidence -Incident $i.Id -Path $fifo -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        $err[0].FullyQualifiedErrorId | Should -Be 'EvidenceUnreadable,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        $err[0].TargetObject | Should -Be $fifo
        $err[0].Exception.Message | Should -Match ([regex]::Escape($fifo))
        Get-EntryCount | Should -Be 2
    }

    It 'a symbolic link loop: EvidenceUnreadable naming it' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'symbolic links need elevation on Windows; the loop case is tested on Unix'; return }
        $loop = Join-Path $dir 'loop'
        ln -s $loop $loop
        Add-DeirfEvidence -Incident $i.Id -Path $loop -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'EvidenceUnreadable,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        $err[0].TargetObject | Should -Be $loop
        Get-EntryCount | Should -Be 2
    }

    It 'a path that does not exist: EvidenceNotFound' {
        $missing = Join-Path $dir 'no-such.log'
        { Add-DeirfEvidence -Incident $i.Id -Path $missing -Actor alice -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'EvidenceNotFound,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        Get-EntryCount | Should -Be 2
    }

    It 'in a folder, the bad files are reported and the good ones captured' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'the bad files are a FIFO and a symbolic link loop: Unix only'; return }
        New-RandomFile (Join-Path $dir 'good.log') 1000 | Out-Null
        Add-DeirfEvidence -Incident $i.Id -Path $dir -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        @($err.FullyQualifiedErrorId | ForEach-Object { $_.Split(',')[0] } | Sort-Object) | Should -Be @('EvidenceEmpty', 'EvidenceUnreadable', 'EvidenceUnreadable')
        (Get-DeirfEvidence -Incident $i.Id -Workspace $ws).Name | Should -Contain 'good.log'
        Get-EntryCount | Should -Be 3
    }

    It 'an unknown incident: IncidentNotFound, nothing stored' {
        Add-DeirfEvidence -Incident 'INC-20990101-FFFF' -Path (Join-Path $dir 'good.log') -Actor alice -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        $err[0].TargetObject | Should -Be 'INC-20990101-FFFF'
    }
}

Describe 'Evidence: pipelines, -WhatIf and Ctrl+C' {
    BeforeAll {
        $ws = Join-Path $TestDrive 'ws-pipe'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
        $i = New-DeirfIncident -Title 'pipeline' -Reporter alice -Workspace $ws
        $src = Join-Path $TestDrive 'pipe-src'
        1..3 | ForEach-Object { New-RandomFile (Join-Path $src "f$_.log") (1000 * $_) | Out-Null }
    }

    It '-WhatIf stores nothing and journals nothing' {
        Add-DeirfEvidence -Incident $i.Id -Path $src -Actor alice -Workspace $ws -WhatIf
        Get-StoreObjects $ws | Should -BeNullOrEmpty
        @(Get-DeirfJournal -Incident $i.Id -Workspace $ws).Count | Should -Be 1
    }

    It 'Get-ChildItem | Add-DeirfEvidence binds each file by its FullName' {
        $out = @(Get-ChildItem $src -File | Add-DeirfEvidence -Incident $i.Id -Target web-3 -Actor bob -Workspace $ws -PassThru)
        $out.Count | Should -Be 3
        $out.OriginalPath | Should -Be @((Get-ChildItem $src -File).FullName)
        @(Get-DeirfEvidence -Incident $i.Id -Workspace $ws).Count | Should -Be 3
    }

    It 'strings and relative paths from the pipeline resolve against the current location' {
        Push-Location $src
        try {
            $out = @('./f1.log', 'f2.log') | Add-DeirfEvidence -Incident $i.Id -Actor bob -Workspace $ws -PassThru
            $out.OriginalPath | Should -Be @((Join-Path $src 'f1.log'), (Join-Path $src 'f2.log'))
        }
        finally { Pop-Location }
    }

    It 'an incident from Get-DeirfIncident binds -Incident and -Workspace by property name' {
        $out = Get-DeirfIncident -Workspace $ws | Add-DeirfEvidence -Path (Join-Path $src 'f3.log') -Actor carol -PassThru
        $out.Incident | Should -Be $i.Id
    }

    It 'Ctrl+C (Stop) mid-capture leaves no partial object and no unjournaled one' {
        $big = Join-Path $TestDrive 'big'
        1..4 | ForEach-Object { New-RandomFile (Join-Path $big "part$_.bin") 40MB | Out-Null }
        $before = @(Get-DeirfEvidence -Incident $i.Id -Workspace $ws).Count
        $ps = New-ModuleShell "Add-DeirfEvidence -Incident '$($i.Id)' -Path '$big' -Actor alice -Workspace '$ws'"
        # Held at 30% of the 160 MiB: part1.bin is stored and journaled, part2.bin is half read.
        $gate = [DeirfTests.ProgressGate]::new($ps.Streams.Progress, 30)
        $handle = $ps.BeginInvoke()
        $gate.StopWhileHeld($ps, [TimeSpan]::FromSeconds(120)) | Should -BeTrue -Because 'the capture reached 30% and the stop finished'
        $gate.HeldAt.CurrentOperation | Should -Be (Join-Path $big 'part2.bin')
        $handle.IsCompleted | Should -BeTrue
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $ps.Dispose()
        $captured = @(Get-DeirfEvidence -Incident $i.Id -Workspace $ws)
        $captured.Count | Should -Be ($before + 1) -Because 'the stop came in the middle of the second file'
        $captured[-1].Name | Should -Be 'part1.bin'
        Get-Incoming $ws | Should -BeNullOrEmpty
        # Every stored object is named by a custody entry: nothing half-done under a hash name.
        $journaled = @($captured.Sha256)
        foreach ($o in Get-StoreObjects $ws) { $journaled | Should -Contain $o.Name }
        @(Test-DeirfEvidence -Incident $i.Id -Workspace $ws).IsValid | Should -Not -Contain $false
        (Test-DeirfJournal -Incident $i.Id -Workspace $ws).IsValid | Should -BeTrue
    }
}
