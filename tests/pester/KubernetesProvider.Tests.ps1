BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'k8s.pod.quarantine from the built module' {
    It 'loads the provider, KubernetesClient and YamlDotNet from Dependencies/ into the DeIRF load context, lazily' {
        $kubeconfig = Join-Path $TestDrive 'kubeconfig'
        # A real kubeconfig (parsed by KubernetesClient through YamlDotNet) for a port nothing listens on.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        @"
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:$port
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: $([Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16)))
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
"@ | Set-Content -Path $kubeconfig
        $ws = Join-Path $TestDrive 'ws'
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-DeirfTestModulePath)'
Initialize-DeirfWorkspace -Path '$ws' | Out-Null
`$loaded = { [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'KubernetesClient', 'YamlDotNet', 'DeIRF.Providers.Kubernetes' } }
`$before = @(& `$loaded).Count
`$core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'DeIRF.Core' }
`$provider = `$core.GetType('DeIRF.Containment.ContainmentProviders')::Find('k8s.pod.quarantine')
`$parameters = [Collections.Generic.Dictionary[string,string]]::new(); `$parameters['kubeconfig'] = '$kubeconfig'
`$request = [Activator]::CreateInstance(`$core.GetType('DeIRF.Containment.ContainmentRequest'), @('k8s.pod.quarantine', 'prod/api-7f9', `$parameters, 'INC-20250101-ABCD', '$ws', `$null))
`$errorId = try { `$provider.PlanAsync(`$request, [Threading.CancellationToken]::None).GetAwaiter().GetResult(); 'none' } catch { `$_.Exception.InnerException.ErrorId ?? `$_.Exception.ErrorId }
[pscustomobject]@{
    Before = `$before
    Provider = `$provider.GetType().FullName
    ErrorId = `$errorId
    Contexts = (& `$loaded | ForEach-Object { '{0}@{1}' -f `$_.GetName().Name, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object) -join ';'
} | ConvertTo-Json -Compress
"@
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $out = & $pwsh @pre -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        $r = ($out | Select-Object -Last 1) | ConvertFrom-Json
        $r.Before | Should -Be 0 -Because 'the Kubernetes SDK loads only when a k8s. action is used'
        $r.Provider | Should -Be 'DeIRF.Providers.Kubernetes.KubernetesProvider'
        $r.ErrorId | Should -Be 'KubernetesUnreachable'
        $r.Contexts | Should -Be 'DeIRF.Providers.Kubernetes@DeIRF;KubernetesClient@DeIRF;YamlDotNet@DeIRF'
    }
}
