BeforeDiscovery {
    # -Skip is decided at discovery: a missing named skips here, and fails the run under CI=true.
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $named = @((Get-Command named -ErrorAction SilentlyContinue).Source, '/usr/sbin/named') | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    if (-not $named -and $env:CI -eq 'true') { throw 'named is required under CI=true but is not installed (build.ps1 bootstrap installs bind9)' }
    if (-not $named) { Write-Warning 'named is not installed: the real-BIND test is skipped (build.ps1 bootstrap installs bind9 as root).' }
    $hasNamed = [bool]$named
}

BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-DeirfTestModulePath) -Force

    function Get-EngineAssembly {
        # Any engine command loads DeIRF.Core into the module's private load context.
        $null = Get-DeirfWorkspace -Workspace (Join-Path $TestDrive 'ws') -ErrorAction SilentlyContinue
        [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DeIRF.Core' } | Select-Object -First 1
    }
}

Describe 'dns.reroute inside the built module (issue 6)' {
    It 'is found by action name and loads from Dependencies/ into the DeIRF load context' {
        $core = Get-EngineAssembly
        $provider = $core.GetType('DeIRF.Containment.ContainmentProviders')::Find('dns.reroute')
        $provider.GetType().FullName | Should -Be 'DeIRF.Providers.Dns.DnsProvider'
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($provider.GetType().Assembly).Name | Should -Be 'DeIRF'
        $provider.GetType().Assembly.Location | Should -BeLike '*Dependencies*DeIRF.Providers.Dns.dll'
    }

    It 'plans, applies and undoes a reroute against a real named, with no ASP.NET Core loaded' -Skip:(-not $hasNamed) {
        $named = @((Get-Command named -ErrorAction SilentlyContinue).Source, '/usr/sbin/named') | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        $dir = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'named')
        $secret = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
        Register-DeirfTestSecret -Kind 'tsig secret' -Secret $secret
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
        $port = $listener.LocalEndpoint.Port; $listener.Stop()
        Set-Content (Join-Path $dir 'example.test.db') @(
            '$ORIGIN example.test.', '$TTL 300', '@ IN SOA ns1 hostmaster 1 3600 600 86400 60', '@ IN NS ns1', 'ns1 IN A 127.0.0.1',
            'api 300 IN A 192.0.2.1')
        Set-Content (Join-Path $dir 'named.conf') @"
options { directory "$dir"; pid-file "$dir/named.pid"; session-keyfile "$dir/session.key"; managed-keys-directory "$dir";
  listen-on port $port { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; notify no; };
controls { };
key "deirf-tsig" { algorithm hmac-sha256; secret "$secret"; };
zone "example.test" { type primary; file "$dir/example.test.db"; allow-update { key "deirf-tsig"; }; };
"@
        # The server's own config holds the TSIG secret on purpose: a key file to the secrets scan.
        Register-DeirfTestKeyFile -Kind 'tsig secret' -Path (Join-Path $dir 'named.conf')
        $process = Start-Process -FilePath $named -ArgumentList '-g', '-4', '-n', '1', '-c', "$dir/named.conf" -PassThru `
            -RedirectStandardError (Join-Path $dir 'named.log') -RedirectStandardOutput (Join-Path $dir 'named.out')
        try {
            $core = Get-EngineAssembly
            $provider = $core.GetType('DeIRF.Containment.ContainmentProviders')::Find('dns.reroute')
            $parameters = [Collections.Generic.Dictionary[string, string]]::new()
            $parameters['server'] = "127.0.0.1:$port"; $parameters['zone'] = 'example.test.'; $parameters['safeTarget'] = '198.51.100.1'
            $parameters['tsigKeyName'] = 'deirf-tsig'; $parameters['timeoutSeconds'] = '2'
            $secrets = [Collections.Generic.Dictionary[string, string]]::new(); $secrets['tsigSecret'] = $secret
            $request = [Activator]::CreateInstance($core.GetType('DeIRF.Containment.ContainmentRequest'),
                [object[]]@('dns.reroute', 'api.example.test.', $parameters, $null, $null, $secrets))
            $none = [Threading.CancellationToken]::None

            # named takes a moment: plan until it answers (at most ~15 s).
            $plan = $null
            foreach ($try in 1..30) {
                try { $plan = $provider.PlanAsync($request, $none).GetAwaiter().GetResult(); break } catch { Start-Sleep -Milliseconds 500 }
            }
            $plan | Should -Not -BeNullOrEmpty -Because (Get-Content -Raw (Join-Path $dir 'named.log'))
            $plan.Before['records'].ToJsonString() | Should -Match '192\.0\.2\.1'

            $applied = $provider.ApplyAsync($request, $none).GetAwaiter().GetResult()
            $applied.Verified | Should -BeTrue -Because $applied.Message
            $undone = $provider.UndoAsync($request, $applied.UndoState, $none).GetAwaiter().GetResult()
            $undone.Verified | Should -BeTrue -Because $undone.Message
            $undone.After['records'].ToJsonString() | Should -Match '"ttl":300,"data":"192\.0\.2\.1"'

            @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'Microsoft.AspNetCore*' }).Count | Should -Be 0
        }
        finally {
            Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
            $process.WaitForExit(5000) | Out-Null
        }
    }
}
