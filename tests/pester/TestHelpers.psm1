# Shared by the Pester tests: where the built module is, and tool checks that fail under CI instead of skipping.

function Get-DeirfTestModulePath {
    if ($env:DEIRF_TEST_MODULE) { return $env:DEIRF_TEST_MODULE }
    Join-Path $PSScriptRoot '../../out/DeIRF/DeIRF.psd1'
}

function Test-DeirfTool {
    <# True when the command exists. Under CI=true a missing tool throws: a missing tool is a failure there. #>
    param([Parameter(Mandatory)] [string] $Name)
    $found = [bool](Get-Command $Name -ErrorAction SilentlyContinue)
    if (-not $found -and $env:CI -eq 'true') { throw "$Name is required under CI=true but is not installed" }
    # Outside CI the tests that need it are skipped; say which tool, so a skip is never silent.
    if (-not $found) { Write-Warning "$Name is not installed: the tests that need it are skipped (build.ps1 bootstrap installs it as root)." }
    $found
}

# The suite's one TestArtifacts helper (tests/shared/TestArtifacts.cs, linked into every xUnit project) compiled here
# too, so Pester registers secrets and keeps test folders exactly as xUnit does (see docs/reliability.md).
if (-not ('DeIRF.Testing.TestArtifacts' -as [type])) {
    $source = (Get-Content -Raw (Join-Path $PSScriptRoot '../shared/TestArtifacts.cs')) -replace 'internal static class TestArtifacts', 'public static class TestArtifacts'
    Add-Type -TypeDefinition $source -Language CSharp
}

function Register-DeirfTestSecret {
    <# Registers a secret the test made (token, passphrase, TSIG secret, hex key) for the suite's secrets scan. #>
    param([Parameter(Mandatory)] [string] $Kind, [Parameter(Mandatory)] [AllowEmptyString()] [string] $Secret)
    [DeIRF.Testing.TestArtifacts]::RegisterSecret($Kind, $Secret)
}

function Register-DeirfTestKeyFile {
    <# A file that holds a key on purpose (a key file, named.conf, a tool log printing keys): skipped by the scan, its secret searched elsewhere. #>
    param([Parameter(Mandatory)] [string] $Kind, [Parameter(Mandatory)] [string] $Path)
    [DeIRF.Testing.TestArtifacts]::RegisterKeyFile($Kind, $Path, $null)
}

function Remove-DeirfTestDirectory {
    <# Deletes a test folder, unless the run keeps artifacts for the secrets scan (DEIRF_TEST_KEEP=1). #>
    param([Parameter(Mandatory)] [string] $Path)
    [DeIRF.Testing.TestArtifacts]::Delete($Path)
}

# A key file as DeIRF reads one: created new with mode 0600 (a wider mode is PrivateKeyFileTooOpen).
function Write-DeirfTestKeyFile([string] $Path, [string] $Text) {
    $options = [IO.FileStreamOptions]@{ Mode = 'CreateNew'; Access = 'Write' }
    if (-not $IsWindows) { $options.UnixCreateMode = [IO.UnixFileMode]'UserRead, UserWrite' }
    $fs = [IO.FileStream]::new($Path, $options)
    try { $bytes = [Text.Encoding]::ASCII.GetBytes($Text); $fs.Write($bytes, 0, $bytes.Length) }
    finally { $fs.Dispose() }
}

function New-DeirfTestKey {
    <#
    Key material made at test time, never committed: a did:key Ed25519 seed (hex), an Ethereum secp256k1 key
    (0x hex, below the curve order), or an OpenSSH Ed25519 key pair made by the real ssh-keygen. Returns the path.
    #>
    param(
        [Parameter(Mandatory)] [ValidateSet('DidKey', 'Ethereum', 'Ssh')] [string] $Kind,
        [Parameter(Mandatory)] [string] $Path
    )
    switch ($Kind) {
        'DidKey' { Write-DeirfTestKeyFile $Path ([Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)).ToLowerInvariant()) }
        'Ethereum' {
            do { $bytes = [Security.Cryptography.RandomNumberGenerator]::GetBytes(32) } while ($bytes[0] -eq 0 -or $bytes[0] -ge 0xF0)
            Write-DeirfTestKeyFile $Path ('0x' + [Convert]::ToHexString($bytes).ToLowerInvariant())
        }
        'Ssh' { & ssh-keygen -q -t ed25519 -N '' -C (Split-Path -Leaf $Path) -f $Path | Out-Null }
    }
    Register-DeirfTestKeyFile -Kind $(switch ($Kind) { 'DidKey' { 'did:key seed' } 'Ethereum' { 'ethereum private key' } 'Ssh' { 'openssh private key' } }) -Path $Path
    $Path
}


<#
.SYNOPSIS
    Adds a responder the documented way: the first responder adds themselves, every later one is added by -AddedBy
    (signed by their key); a did:key is bound, configured as the signing key, and an Ethereum key bound signed by it.
    Keys are made now, outside the workspace. Returns @{ Seed; Eth }.
#>
function Add-DeirfTestResponder {
    param(
        [Parameter(Mandatory)] [string] $Workspace,
        [Parameter(Mandatory)] [string] $Handle,
        [string[]] $Role = @(),
        [Parameter(Mandatory)] [string] $KeyFolder,
        [string] $AddedBy
    )
    $first = @(Get-DeirfResponder -Workspace $Workspace -ErrorAction SilentlyContinue).Count -eq 0
    $actor = if ($first -or -not $AddedBy) { $Handle } else { $AddedBy }
    New-DeirfResponder -Handle $Handle -Name $Handle.ToUpper() -Role $Role -Workspace $Workspace -Actor $actor -Confirm:$false -ErrorAction Stop | Out-Null
    $name = "$Handle-$(Split-Path -Leaf $Workspace)"
    $seed = New-DeirfTestKey -Kind DidKey -Path (Join-Path $KeyFolder "$name.seed")
    $eth = New-DeirfTestKey -Kind Ethereum -Path (Join-Path $KeyFolder "$name.eth")
    Add-DeirfIdentityProof -Responder $Handle -Kind DidKey -KeyPath $seed -Workspace $Workspace -Confirm:$false -ErrorAction Stop | Out-Null
    Set-DeirfSigningKey -Responder $Handle -Kind DidKey -KeyPath $seed -Workspace $Workspace -ErrorAction Stop | Out-Null
    Add-DeirfIdentityProof -Responder $Handle -Kind Ethereum -KeyPath $eth -Workspace $Workspace -Confirm:$false -ErrorAction Stop | Out-Null
    @{ Seed = $seed; Eth = $eth }
}

<#
.SYNOPSIS
    Starts tests/tools/DeIRF.FakeServices as a child process on 127.0.0.1 (the chat and ticket fakes, or with
    -Pipelines the GitHub Actions / Argo CD / Relayer fakes) and returns its process and base URL; stop it by its PID.
    The token reaches it through its environment, never its command line.
#>
function Start-DeirfTestFakeServices {
    param([Parameter(Mandatory)] [string] $Token, [switch] $Pipelines)
    $fakeDll = @('Release', 'Debug') | ForEach-Object { Join-Path $PSScriptRoot "../tools/DeIRF.FakeServices/bin/$_/net10.0/DeIRF.FakeServices.dll" } |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $fakeDll) { throw 'DeIRF.FakeServices.dll is not built: run ./build.ps1 build' }
    $dotnet = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { [Environment]::ProcessPath } else { (Get-Command dotnet).Source }
    $psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
    $psi.ArgumentList.Add((Resolve-Path $fakeDll).Path)
    if ($Pipelines) { $psi.ArgumentList.Add('pipelines') }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $psi.Environment['DEIRF_FAKE_TOKEN'] = $Token
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait([TimeSpan]::FromSeconds(60))) { Stop-Process -Id $process.Id -Force; throw 'The fake services did not start within 60 s' }
    $base = $line.Result.Trim()
    if ($base -notmatch '^http://127\.0\.0\.1:\d+$') { Stop-Process -Id $process.Id -Force; throw "Unexpected fake services address '$base'" }
    [pscustomobject]@{ Process = $process; Base = $base }
}

Export-ModuleMember -Function Get-DeirfTestModulePath, Test-DeirfTool, New-DeirfTestKey, Write-DeirfTestKeyFile, Register-DeirfTestSecret, Register-DeirfTestKeyFile, Remove-DeirfTestDirectory, Add-DeirfTestResponder, Start-DeirfTestFakeServices
