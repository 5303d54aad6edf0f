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
        'DidKey' { [IO.File]::WriteAllText($Path, [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)).ToLowerInvariant()) }
        'Ethereum' {
            do { $bytes = [Security.Cryptography.RandomNumberGenerator]::GetBytes(32) } while ($bytes[0] -eq 0 -or $bytes[0] -ge 0xF0)
            [IO.File]::WriteAllText($Path, '0x' + [Convert]::ToHexString($bytes).ToLowerInvariant())
        }
        'Ssh' { & ssh-keygen -q -t ed25519 -N '' -C (Split-Path -Leaf $Path) -f $Path | Out-Null }
    }
    $Path
}

Export-ModuleMember -Function Get-DeirfTestModulePath, Test-DeirfTool, New-DeirfTestKey
