# Issue 9 (S3 half): Set-/Get-DeirfEvidenceStore, then Add-/Get-/Test-DeirfEvidence and New-DeirfIncident's alert
# bytes against a real s3rver on 127.0.0.1 (tools/s3, a free port, stopped by PID). Credentials come from the
# environment, as the standard AWS chain reads them — and never show up in the workspace or an error.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:s3rverJs = Join-Path $PSScriptRoot '../../tools/s3/node_modules/s3rver/bin/s3rver.js'
    $script:noS3rver = -not ((Test-DeirfTool node) -and (Test-Path $s3rverJs))
    if ($noS3rver -and (Get-Command node -ErrorAction SilentlyContinue)) {
        if ($env:CI -eq 'true') { throw 's3rver is required under CI=true (build.ps1 bootstrap runs npm ci in tools/s3)' }
        Write-Warning 's3rver is not installed in tools/s3: the S3 evidence tests are skipped (build.ps1 bootstrap).'
    }
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force
    $s3rverJs = Join-Path $PSScriptRoot '../../tools/s3/node_modules/s3rver/bin/s3rver.js'

    function Start-TestS3rver([string] $Directory) {
        $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        New-Item -ItemType Directory -Force $Directory | Out-Null
        $p = Start-Process -FilePath (Get-Command node).Source -PassThru -RedirectStandardOutput (Join-Path $Directory '../s3rver.out') -RedirectStandardError (Join-Path $Directory '../s3rver.err') `
            -ArgumentList @($s3rverJs, '--directory', $Directory, '--address', '127.0.0.1', '--port', $port, '--silent', '--no-vhost-buckets', '--configure-bucket', 'evidence')
        $deadline = (Get-Date).AddSeconds(30)
        while ((Get-Date) -lt $deadline) {
            try { $c = [Net.Sockets.TcpClient]::new('127.0.0.1', $port); $c.Dispose(); break } catch { Start-Sleep -Milliseconds 100 }
        }
        [pscustomobject]@{ Process = $p; Port = $port; Endpoint = "http://127.0.0.1:$port"; Directory = $Directory }
    }

    # s3rver's object files: <dir>/evidence/<prefix>/sha256/<hex>._S3rver_object
    function Get-S3rverObjectPath($Server, [string] $Key) {
        $parts = $Key -split '/'
        Join-Path $Server.Directory (@('evidence') + $parts[0..($parts.Count - 2)] + ($parts[-1] + '._S3rver_object') -join '/')
    }
}

Describe 'S3 evidence store against s3rver' -Skip:$noS3rver {
    BeforeAll {
        $server = Start-TestS3rver (Join-Path $TestDrive 's3rver')
        # The standard AWS chain reads these; s3rver's only account is S3RVER/S3RVER.
        $saved = @{ id = $env:AWS_ACCESS_KEY_ID; secret = $env:AWS_SECRET_ACCESS_KEY; actor = $env:DEIRF_ACTOR }
        $env:AWS_ACCESS_KEY_ID = 'S3RVER'; $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'; $env:DEIRF_ACTOR = 'alice'
        $ws = Join-Path $TestDrive 'ws'
        Initialize-DeirfWorkspace -Path $ws | Out-Null
    }
    AfterAll {
        if ($server) { Stop-Process -Id $server.Process.Id -Force -ErrorAction SilentlyContinue }
        $env:AWS_ACCESS_KEY_ID = $saved.id; $env:AWS_SECRET_ACCESS_KEY = $saved.secret; $env:DEIRF_ACTOR = $saved.actor
    }

    It 'Set-DeirfEvidenceStore -WhatIf writes nothing' {
        Set-DeirfEvidenceStore -S3 -Bucket evidence -Region eu-west-1 -Endpoint $server.Endpoint -Workspace $ws -WhatIf
        Join-Path $ws 'evidence-store.json' | Should -Not -Exist
        (Get-DeirfEvidenceStore -Workspace $ws).Kind | Should -Be 'Local'
    }

    It 'refuses an endpoint carrying credentials' {
        { Set-DeirfEvidenceStore -S3 -Bucket evidence -Region eu-west-1 -Endpoint 'http://AKIA:secret@127.0.0.1:1' -Workspace $ws -ErrorAction Stop } |
            Should -Throw -ErrorId 'EvidenceStoreSettingsInvalid,DeIRF.Commands.Cmdlets.SetDeirfEvidenceStoreCommand'
        Join-Path $ws 'evidence-store.json' | Should -Not -Exist
    }

    It 'saves the settings without secrets and shows ObjectLockEnabled as the server answered' {
        $info = Set-DeirfEvidenceStore -S3 -Bucket evidence -Region eu-west-1 -Endpoint $server.Endpoint -Prefix team-a -Workspace $ws -PassThru -WarningVariable warn -WarningAction SilentlyContinue
        $info.Location | Should -Be 's3://evidence/team-a/'
        $info.ObjectLockEnabled | Should -BeFalse
        $info.Readiness | Should -Be 'Warn'
        "$warn" | Should -Match 'object lock'
        $text = Get-Content -Raw (Join-Path $ws 'evidence-store.json')
        $text | Should -Not -Match 'S3RVER'
        ($text | ConvertFrom-Json).prefix | Should -Be 'team-a/'
        $got = Get-DeirfEvidenceStore -Workspace $ws
        $got.Kind | Should -Be 'S3'
        $got.ObjectLockEnabled | Should -BeFalse
        $got.Reason | Should -Match 'does not implement object lock'
    }

    It 'New-DeirfIncident keeps the alert bytes in the bucket, with the s3:// location in the custody entry' {
        $falco = Join-Path $PSScriptRoot '../DeIRF.Core.Tests/Vectors/alerts/falco-event.json'
        $sha = (Get-FileHash $falco -Algorithm SHA256).Hash.ToLowerInvariant()
        $script:incident = ConvertFrom-DeirfAlert -Path $falco | New-DeirfIncident -Reporter alice -Workspace $ws
        $incident.AlertSha256 | Should -Be $sha
        $incident.AlertPath | Should -Be "s3://evidence/team-a/sha256/$sha"
        $custody = Get-DeirfEvidence -Incident $incident.Id -Workspace $ws | Where-Object Target -eq 'alert'
        $custody.StoredPath | Should -Be $incident.AlertPath
        Get-S3rverObjectPath $server "team-a/sha256/$sha" | Should -Exist
        (Test-DeirfEvidence -Incident $incident.Id -Workspace $ws).IsValid | Should -Be @($true)
    }

    It 'Add-DeirfEvidence streams a file in parts to S3, records the s3:// location, and Test-DeirfEvidence re-hashes it from S3' {
        $file = Join-Path $TestDrive 'memdump.raw'
        [IO.File]::WriteAllBytes($file, [Security.Cryptography.RandomNumberGenerator]::GetBytes(40MB + 7))
        $item = Add-DeirfEvidence -Incident $incident.Id -Path $file -Target prod/api-7f9 -Workspace $ws -PassThru
        $item.Sha256 | Should -Be (Get-FileHash $file -Algorithm SHA256).Hash.ToLowerInvariant()
        $item.StoredPath | Should -Be "s3://evidence/team-a/sha256/$($item.Sha256)"
        $body = (Get-Content (Join-Path $ws "incidents/$($incident.Id)/journal.jsonl") | Select-Object -Last 1 | ConvertFrom-Json).stmt.body
        $body.stored | Should -Be $item.StoredPath
        Get-S3rverObjectPath $server "team-a/sha256/$($item.Sha256)" | Should -Exist
        Join-Path $ws 'evidence/sha256' | Should -Not -Exist

        (Get-DeirfEvidence -Incident $incident.Id -Workspace $ws | Where-Object Sha256 -eq $item.Sha256).StoredPath | Should -Be $item.StoredPath
        $verdict = Test-DeirfEvidence -Incident $incident.Id -Workspace $ws | Where-Object Hash -eq $item.Hash
        $verdict.IsValid | Should -BeTrue
    }

    It 'Test-DeirfEvidence reports an object changed behind the store''s back' {
        $item = Get-DeirfEvidence -Incident $incident.Id -Workspace $ws | Select-Object -Last 1
        $path = Get-S3rverObjectPath $server "team-a/sha256/$($item.Sha256)"
        $bytes = [IO.File]::ReadAllBytes($path); $bytes[1000] = $bytes[1000] -bxor 0xFF
        [IO.File]::WriteAllBytes($path, $bytes)
        $verdict = Test-DeirfEvidence -Incident $incident.Id -Workspace $ws | Where-Object Hash -eq $item.Hash
        $verdict.IsValid | Should -BeFalse
        $verdict.Fault | Should -Be 'Changed'
    }

    It 'refuses to store when policy requires object lock and the server has none, with a stable error id' {
        Set-DeirfEvidenceStore -S3 -Bucket evidence -Region eu-west-1 -Endpoint $server.Endpoint -ObjectLock Compliance -RetainDays 365 -RequireObjectLock -Workspace $ws -WarningAction SilentlyContinue
        (Get-DeirfEvidenceStore -Workspace $ws).Readiness | Should -Be 'Fail'
        $file = Join-Path $TestDrive 'locked.txt'
        Set-Content -Path $file -Value 'needs a lock'
        Add-DeirfEvidence -Incident $incident.Id -Path $file -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'EvidenceObjectLockUnavailable,DeIRF.Commands.Cmdlets.AddDeirfEvidenceCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'never writes the credentials into the workspace or an error' {
        $env:AWS_ACCESS_KEY_ID = 'AKIA' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(8))
        $secret = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(30))
        $env:AWS_SECRET_ACCESS_KEY = $secret
        try {
            Set-DeirfEvidenceStore -S3 -Bucket evidence -Region eu-west-1 -Endpoint $server.Endpoint -Workspace $ws -NoCheck
            $file = Join-Path $TestDrive 'denied.txt'
            Set-Content -Path $file -Value 'denied'
            Add-DeirfEvidence -Incident $incident.Id -Path $file -Workspace $ws -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Match '^EvidenceStore'
            $shown = ($err[0] | Out-String) + $err[0].Exception.ToString() + (Get-DeirfEvidenceStore -Workspace $ws | Out-String)
            $shown | Should -Not -Match ([regex]::Escape($env:AWS_ACCESS_KEY_ID))
            $shown | Should -Not -Match ([regex]::Escape($secret))
        }
        finally { $env:AWS_ACCESS_KEY_ID = 'S3RVER'; $env:AWS_SECRET_ACCESS_KEY = 'S3RVER' }
        foreach ($f in Get-ChildItem $ws -Recurse -File) {
            $f.FullName | Should -Not -FileContentMatch 'S3RVER'
            $f.FullName | Should -Not -FileContentMatch ([regex]::Escape($secret))
        }
    }

    It 'Set-DeirfEvidenceStore -Local goes back to the workspace store' {
        Set-DeirfEvidenceStore -Local -Workspace $ws
        (Get-DeirfEvidenceStore -Workspace $ws).Kind | Should -Be 'Local'
        (Get-DeirfEvidenceStore -Workspace $ws).Readiness | Should -Be 'Warn'
    }
}
