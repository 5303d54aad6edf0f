# Test-only helpers for the evm.* Pester tests: a real anvil on 127.0.0.1 (stopped by PID), contracts compiled by
# solcjs from the npm packages' sources at test time, deployments from anvil's unlocked dev account over raw
# JSON-RPC. EIP-55 checksums and key->address use Nethereum as loaded by the module (the DeIRF load context).

Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')   # Register-DeirfTestSecret for anvil's key

$script:Bin = Join-Path $PSScriptRoot '../../tools/chain/node_modules/.bin'
$script:NodeModules = Join-Path $PSScriptRoot '../../tools/chain/node_modules'
$script:Compiled = $null

function Get-ChainTool([string] $Name) {
    $local = Join-Path $script:Bin $Name
    if (Test-Path $local) { return (Resolve-Path $local).Path }
    (Get-Command $Name -ErrorAction SilentlyContinue).Source
}

function Test-ChainTools {
    <# True when anvil and solcjs are there; under CI=true a missing one throws (a failure, not a skip). #>
    $missing = @('anvil', 'solcjs') | Where-Object { -not (Get-ChainTool $_) }
    if ($missing -and $env:CI -eq 'true') { throw "$($missing -join ', ') required under CI=true (build.ps1 bootstrap installs them from npm into tools/chain)" }
    if ($missing) { Write-Warning "$($missing -join ', ') not installed: the anvil tests are skipped (build.ps1 bootstrap installs them into tools/chain)." }
    -not $missing
}

function Start-TestAnvil([string] $LogDirectory, [int] $Accounts = 1) {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $out = Join-Path $LogDirectory "anvil-$port.out"
    $process = Start-Process -FilePath (Get-ChainTool anvil) -PassThru -RedirectStandardOutput $out -RedirectStandardError (Join-Path $LogDirectory "anvil-$port.err") `
        -ArgumentList '--host', '127.0.0.1', '--port', $port, '--chain-id', '31337', '--accounts', $Accounts, '--mnemonic-random'
    $node = [pscustomobject]@{ Process = $process; Url = "http://127.0.0.1:$port"; ChainId = 31337; Account = $null; AccountKey = $null; Accounts = @() }
    foreach ($try in 1..100) {
        try { $node.Accounts = @(Invoke-EvmRpc $node eth_accounts); $node.Account = $node.Accounts[0]; break } catch { Start-Sleep -Milliseconds 100 }
    }
    if (-not $node.Account) { throw "anvil did not answer on port $port" }
    # anvil prints the dev account's key (made at random for this run): dana's wallet in the Safe tests.
    $node.AccountKey = [regex]::Match((Get-Content -Raw $out), '\(0\) (0x[0-9a-f]{64})').Groups[1].Value
    # anvil's own log prints the key (and its mnemonic): a key file as far as the secrets scan goes.
    Register-DeirfTestSecret -Kind 'anvil dev account key' -Secret $node.AccountKey
    Register-DeirfTestKeyFile -Kind 'anvil dev account key' -Path $out
    $node
}

function Stop-TestAnvil($Node) {
    if ($Node -and $Node.Process) {
        Stop-Process -Id $Node.Process.Id -ErrorAction SilentlyContinue
        $Node.Process.WaitForExit(5000) | Out-Null
    }
}

function Invoke-EvmRpc($Node, [string] $Method, [object[]] $Params = @()) {
    $body = @{ jsonrpc = '2.0'; id = 1; method = $Method; params = @($Params) } | ConvertTo-Json -Depth 10 -Compress
    $r = Invoke-RestMethod -Uri $Node.Url -Method Post -ContentType 'application/json' -Body $body
    if ($r.PSObject.Properties['error'] -and $r.error) { throw "$Method failed: $($r.error | ConvertTo-Json -Compress)" }
    $r.result
}

function Get-BlockNumber($Node) { [Convert]::ToInt64((Invoke-EvmRpc $Node eth_blockNumber), 16) }

function Get-EngineType([string] $Assembly, [string] $Type) {
    $a = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $Assembly } | Select-Object -First 1
    if (-not $a) { throw "$Assembly is not loaded (import the module and run an Ethereum command first)" }
    $a.GetType($Type, $true)
}

function ConvertTo-ChecksumAddress([string] $Address) {
    (Get-EngineType 'Nethereum.Util' 'Nethereum.Util.AddressUtil')::Current.ConvertToChecksumAddress($Address)
}

function Get-TestContracts {
    if ($script:Compiled) { return $script:Compiled }
    $dir = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "deirf-solc-$PID")
    Set-Content -Path (Join-Path $dir 'DeirfTestToken.sol') -Value @'
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract DeirfTestToken is ERC20Pausable, Ownable {
    constructor(address owner_) ERC20("DeIRF Test", "DTT") Ownable(owner_) { _mint(owner_, 1e24); }
    function pause() external onlyOwner { _pause(); }
    function unpause() external onlyOwner { _unpause(); }
}
'@
    # Stands in for a Lens v3 account (ERC-1271): the contract the xUnit tests and the bench deploy too.
    Copy-Item (Join-Path $PSScriptRoot '../shared/contracts/DeirfTestAccount.sol') (Join-Path $dir 'DeirfTestAccount.sol')
    $safe = '@safe-global/safe-contracts/contracts/Safe.sol'; $proxy = '@safe-global/safe-contracts/contracts/proxies/SafeProxy.sol'
    $handler = '@safe-global/safe-contracts/contracts/handler/CompatibilityFallbackHandler.sol'
    $request = @{
        language = 'Solidity'
        sources  = @{ 'DeirfTestToken.sol' = @{ urls = @('DeirfTestToken.sol') }; 'DeirfTestAccount.sol' = @{ urls = @('DeirfTestAccount.sol') }; $safe = @{ urls = @($safe) }; $proxy = @{ urls = @($proxy) }; $handler = @{ urls = @($handler) } }
        settings = @{ optimizer = @{ enabled = $true; runs = 200 }; outputSelection = @{ '*' = @{ '*' = @('abi', 'evm.bytecode.object', 'evm.methodIdentifiers') } } }
    } | ConvertTo-Json -Depth 10 -Compress
    # Output to a file, not a pipe: node cuts piped output at 64 KiB when solcjs exits.
    Set-Content -Path (Join-Path $dir 'in.json') -Value $request -NoNewline
    try {
        # (Start-Process redirects through a pipe too: the shell opens the file.)
        /bin/sh -c 'cd "$1" && exec "$0" --standard-json --base-path "$1" --include-path "$2" < in.json > out.json 2> err.txt' `
            (Get-ChainTool solcjs) $dir.FullName (Resolve-Path $script:NodeModules).Path
        $code = $LASTEXITCODE
        $raw = Get-Content -Raw (Join-Path $dir 'out.json')
        if ($code -ne 0 -or -not $raw) { throw "solcjs exited with ${code}: $(Get-Content -Raw (Join-Path $dir 'err.txt'))" }
    }
    finally { Remove-Item $dir -Recurse -Force }
    $json = $raw.Substring($raw.IndexOf('{')) | ConvertFrom-Json -AsHashtable
    $errors = @($json['errors'] | Where-Object { $_ -and $_.severity -eq 'error' })
    if ($errors) { throw "solcjs: $($errors.formattedMessage -join "`n")" }
    $result = @{}
    foreach ($file in $json.contracts.Values) {
        foreach ($name in $file.Keys) { $result[$name] = @{ Bytecode = $file[$name].evm.bytecode.object; Methods = $file[$name].evm.methodIdentifiers } }
    }
    $script:Compiled = $result
    $result
}

function ConvertTo-Word([object] $Value) {
    if ($Value -is [string] -and $Value.StartsWith('0x') -and $Value.Length -eq 42) { return $Value.Substring(2).ToLowerInvariant().PadLeft(64, '0') }
    ([Numerics.BigInteger] $Value).ToString('x').TrimStart('0').PadLeft(64, '0')
}

function Get-CallData([hashtable] $Contract, [string] $Signature, [object[]] $Words = @()) {
    '0x' + $Contract.Methods[$Signature] + (($Words | ForEach-Object { ConvertTo-Word $_ }) -join '')
}

function Send-TestTransaction($Node, [string] $To, [string] $Data) {
    $tx = @{ from = $Node.Account; data = $Data; gas = '0x7a1200' }
    if ($To) { $tx.to = $To }
    $hash = Invoke-EvmRpc $Node eth_sendTransaction @($tx)
    # Automine answers with the hash; on a loaded machine the receipt can lag it: wait for it, then judge it.
    $receipt = $null
    foreach ($try in 1..100) {
        $receipt = Invoke-EvmRpc $Node eth_getTransactionReceipt @($hash)
        if ($receipt) { break }
        Start-Sleep -Milliseconds 50
    }
    if (-not $receipt) { throw "transaction $hash was not mined within 5 s" }
    if ($receipt.status -ne '0x1') { throw "transaction $hash reverted (status $($receipt.status), gas used $($receipt.gasUsed))" }
    $receipt
}

function New-TestContract($Node, [string] $Name, [object[]] $ConstructorWords = @()) {
    $c = (Get-TestContracts)[$Name]
    $receipt = Send-TestTransaction $Node $null ('0x' + $c.Bytecode + (($ConstructorWords | ForEach-Object { ConvertTo-Word $_ }) -join ''))
    ConvertTo-ChecksumAddress $receipt.contractAddress
}

function New-TestSafe($Node, [string[]] $Owners, [int] $Threshold, [string] $FallbackHandler = ('0x' + '0' * 40)) {
    $contracts = Get-TestContracts
    $singleton = New-TestContract $Node 'Safe'
    $proxy = New-TestContract $Node 'SafeProxy' @($singleton)
    # setup(address[] owners, uint256 threshold, address to, bytes data, address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver)
    $zero = '0x' + '0' * 40
    $head = @(0x100, $Threshold, $zero, (0x120 + 32 * $Owners.Count), $FallbackHandler, $zero, 0, $zero)
    $tail = @($Owners.Count) + $Owners + @(0)
    Send-TestTransaction $Node $proxy (Get-CallData $contracts.Safe 'setup(address[],uint256,address,bytes,address,address,uint256,address)' ($head + $tail)) | Out-Null
    $proxy
}

function Invoke-TestCall($Node, [string] $To, [string] $Data) { Invoke-EvmRpc $Node eth_call @(@{ to = $To; data = $Data }, 'latest') }

Export-ModuleMember -Function Test-ChainTools, Start-TestAnvil, Stop-TestAnvil, Invoke-EvmRpc, Get-BlockNumber, ConvertTo-ChecksumAddress, Get-TestContracts,
    Get-CallData, Send-TestTransaction, New-TestContract, New-TestSafe, Invoke-TestCall, Get-EngineType, ConvertTo-Word
