BeforeAll {
    # Errors stop the test (issue 27): an absence check ("nothing came back") proves nothing when the cmdlet failed.
    # A test that means to see an error asks for it: -ErrorAction SilentlyContinue -ErrorVariable, or Should -Throw -ErrorId.
    $ErrorActionPreference = 'Stop'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

# The provider's behaviour against an ARM fake is covered by tests/DeIRF.Providers.Azure.Tests (xUnit); this checks
# what only the built module can show: publish put the provider and its SDK into Dependencies/, and the engine
# loads them by name into DeIRF's own load context, not the session's.
Describe 'azure.resource.lock provider in the built module' {
    It 'loads DeIRF.Providers.Azure, Azure.Core and Azure.ResourceManager from Dependencies into the DeIRF load context' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-DeirfTestModulePath)'
`$alc = [DeIRF.Commands.Loading.DeirfLoadContext]::Instance
`$core = `$alc.LoadFromAssemblyName([Reflection.AssemblyName]::new('DeIRF.Core'))
`$provider = `$core.GetType('DeIRF.Containment.ContainmentProviders', `$true).GetMethod('Find').Invoke(`$null, @('azure.resource.lock'))
`$requestType = `$core.GetType('DeIRF.Containment.ContainmentRequest', `$true)
`$request = [Activator]::CreateInstance(`$requestType, @('azure.resource.lock', 'not-an-arm-id', `$null, 'INC-1', `$null, `$null))
`$errorId = try { `$provider.PlanAsync(`$request, [Threading.CancellationToken]::None).GetAwaiter().GetResult(); 'none' } catch { `$_.Exception.InnerException.ErrorId ?? `$_.Exception.ErrorId }
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'DeIRF.Providers.Azure', 'Azure.Core', 'Azure.ResourceManager' } |
    ForEach-Object { '{0}@{1}@{2}' -f `$_.GetName().Name, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name, (Split-Path -Leaf (Split-Path -Parent `$_.Location)) }
[pscustomobject]@{ Provider = `$provider.GetType().FullName; ErrorId = `$errorId; Loaded = (`$loaded | Sort-Object) -join ';' } | ConvertTo-Json -Compress
"@
        $pwsh = [Environment]::ProcessPath
        [string[]] $pre = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $out = & $pwsh @pre -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        $r = ($out | Select-Object -Last 1) | ConvertFrom-Json
        $r.Provider | Should -Be 'DeIRF.Providers.Azure.AzureProvider'
        # Parsing the target uses Azure.Core's ResourceIdentifier, so the SDK really loaded, and refused the id.
        $r.ErrorId | Should -Be 'AzureTargetInvalid'
        $r.Loaded | Should -Be 'Azure.Core@DeIRF@Dependencies;Azure.ResourceManager@DeIRF@Dependencies;DeIRF.Providers.Azure@DeIRF@Dependencies'
    }
}
