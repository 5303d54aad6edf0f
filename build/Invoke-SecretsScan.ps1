#Requires -Version 7.4
<#
.SYNOPSIS
    Scans every file under the given roots for the secrets the test suite registered; names file and KIND of each
    hit, never the secret. Exit code 0: clean; 1: hits; 2: no registry.
.DESCRIPTION
    The registry (DEIRF_TEST_SECRETS_REGISTRY, written by tests/shared/TestArtifacts.cs and the Pester helpers) is a
    TSV of "secret<TAB>kind<TAB>form" (one searchable text form: hex either case, base64, base64url, an armored key's
    body line, a token, a passphrase) and "keyfile<TAB>kind<TAB>path" (a file that holds a key on purpose: skipped).
    Files are read as Latin-1 (every byte one char) in chunks that overlap by the longest form, and searched for all
    forms at once (SearchValues). A JSON result goes to -ResultPath.
.EXAMPLE
    ./build/Invoke-SecretsScan.ps1 -Registry out/test-secrets/registry.tsv -Root out/test-artifacts, out/test-logs
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Registry,
    [Parameter(Mandatory)] [string[]] $Root,
    [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Under -File a list arrives as one "a,b" string.
$Root = @($Root | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

if (-not (Test-Path $Registry)) {
    Write-Host "secrets scan: no registry at $Registry (nothing registered?)"
    exit 2
}
$kindOf = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
$skip = [Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
foreach ($line in [IO.File]::ReadLines((Resolve-Path $Registry).Path)) {
    $parts = $line.Split("`t", 3)
    if ($parts.Count -ne 3) { continue }
    if ($parts[0] -eq 'secret') { $kindOf[$parts[2]] = $parts[1] }
    elseif ($parts[0] -eq 'keyfile') { [void]$skip.Add([IO.Path]::GetFullPath($parts[2])) }
}
$registryFull = [IO.Path]::GetFullPath($Registry)
[void]$skip.Add($registryFull)
$forms = [string[]]@($kindOf.Keys)
$longest = ($forms | Measure-Object -Property Length -Maximum).Maximum
$hits = [Collections.Generic.List[object]]::new()
$files = 0; $bytes = 0L; $unreadable = 0

if ($forms.Count -gt 0) {
    if (-not ('DeirfSecretsScan' -as [type])) {
        # PowerShell cannot hold spans: the inner loop is C#.
        Add-Type -TypeDefinition @'
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
public static class DeirfSecretsScan
{
    public static HashSet<string> KindsIn(string path, SearchValues<string> search, string[] forms, IDictionary<string, string> kindOf, int longest, out long read)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        read = 0;
        const int Chunk = 4 << 20;
        var buffer = new byte[Chunk + longest];
        int carry = 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        while (true)
        {
            int n = stream.Read(buffer, carry, Chunk);
            if (n <= 0) break;
            read += n;
            var text = Encoding.Latin1.GetString(buffer, 0, carry + n);
            int at = 0;
            while (at < text.Length)
            {
                int i = text.AsSpan(at).IndexOfAny(search);
                if (i < 0) break;
                int pos = at + i;
                foreach (var form in forms)
                {
                    if (string.CompareOrdinal(text, pos, form, 0, form.Length) == 0) found.Add(kindOf[form]);
                }
                at = pos + 1;
            }
            // Keep the tail so that a form split across two chunks is still seen.
            int keep = Math.Min(longest - 1, carry + n);
            Array.Copy(buffer, carry + n - keep, buffer, 0, keep);
            carry = keep;
        }
        return found;
    }
}
'@
    }
    $search = [Buffers.SearchValues]::Create($forms, [StringComparison]::Ordinal)
    foreach ($r in $Root | Where-Object { Test-Path $_ }) {
        $full = (Resolve-Path $r).Path
        # Regular files only: opening a FIFO (a runtime's debug pipe left in TMPDIR) would block forever, and .NET
        # cannot tell a FIFO from a file; find can.
        $list = if ($IsWindows) { [IO.Directory]::EnumerateFiles($full, '*', [IO.SearchOption]::AllDirectories) }
                else { @(& find $full -type f) }
        foreach ($file in $list) {
            if ($skip.Contains($file)) { continue }
            $read = 0L
            try { $found = [DeirfSecretsScan]::KindsIn($file, $search, $forms, $kindOf, $longest, [ref]$read) }
            catch [IO.IOException], [UnauthorizedAccessException] { $unreadable++; continue }
            $files++; $bytes += $read
            foreach ($kind in $found) { $hits.Add([pscustomobject]@{ File = $file; Kind = $kind }) }
        }
    }
}

foreach ($h in $hits) { Write-Host "secrets scan: LEAK: $($h.File) contains a registered $($h.Kind)" -ForegroundColor Red }
$summary = "secrets scan: $files files ($([math]::Round($bytes / 1MB, 1)) MiB) searched for $($forms.Count) forms of registered secrets; $($hits.Count) hit(s); $($skip.Count - 1) key files skipped; $unreadable unreadable"
Write-Host $summary
if ($ResultPath) {
    [ordered]@{ Files = $files; Bytes = $bytes; Forms = $forms.Count; KeyFilesSkipped = $skip.Count - 1; Hits = @($hits) } |
        ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath -Encoding utf8NoBOM
}
exit $(if ($hits.Count -gt 0) { 1 } else { 0 })
