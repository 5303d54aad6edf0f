#Requires -Version 7.4
<#
.SYNOPSIS
    Writes the module's about_ topics and its updatable help package.
.DESCRIPTION
    Each docs/about_*.md (the source, so its powershell blocks run in the doc-tests) becomes
    <ModulePath>/en-US/about_*.help.txt, the plain-text form Get-Help about_<name> shows: headings become the
    upper-case section titles of an about topic, paragraphs and list items are wrapped at 80 columns and indented,
    code blocks and tables are kept as written, markup (backticks, bold, links, doc-test markers) is removed.

    With -PackagePath it also writes what Update-Help and Save-Help fetch from the manifest's HelpInfoURI:
    <Module>_<GUID>_HelpInfo.xml (the UI culture and help version) and <Module>_<GUID>_en-US_HelpContent.zip (the
    MAML file and the about topics). Publishing those two files at the HelpInfoURI is a release step.
.EXAMPLE
    ./build/New-AboutHelp.ps1 -Source ./docs -ModulePath ./out/DeIRF -PackagePath ./out/help
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Source,
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $PackagePath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Width = 80

function ConvertTo-PlainText([string] $Text) {
    $t = $Text -replace '\[([^\]]+)\]\(([^)]+)\)', '$1 ($2)'
    $t = $t -replace '\*\*([^*]+)\*\*', '$1'
    $t -replace '`([^`]+)`', '$1'
}

function Format-Wrapped([string] $Text, [string] $Indent, [string] $FirstIndent = $Indent) {
    $lines = [Collections.Generic.List[string]]::new()
    $line = $FirstIndent
    $bare = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $bare -and ($line.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($line)
            $line = $Indent + $word
        }
        else { $line = if ($bare) { $line + $word } else { "$line $word" } }
        $bare = $false
    }
    if (-not $bare) { $lines.Add($line) }
    $lines
}

function ConvertTo-AboutTopic([string] $Path) {
    $md = Get-Content -LiteralPath $Path
    $name = [IO.Path]::GetFileNameWithoutExtension($Path)
    if ($md[0] -ne "# $name") { throw "${Path}: the first line must be '# $name'" }
    $out = [Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $name"); $out.Add('')
    $para = [Collections.Generic.List[string]]::new()
    $item = $null
    $inCode = $false
    $flush = {
        if ($para.Count) { foreach ($l in (Format-Wrapped (ConvertTo-PlainText ($para -join ' ')) '    ')) { $out.Add($l) }; $out.Add(''); $para.Clear() }
        if ($null -ne $script:item) { foreach ($l in (Format-Wrapped (ConvertTo-PlainText $script:item) '      ' '    - ')) { $out.Add($l) }; $script:item = $null }
    }
    $script:item = $null
    foreach ($raw in $md | Select-Object -Skip 1) {
        if ($inCode) {
            if ($raw -match '^```\s*$') { $inCode = $false; $out.Add('') }
            else { $out.Add("        $raw") }
            continue
        }
        if ($raw -match '^```') { & $flush; if ($out[-1] -ne '') { $out.Add('') }; $inCode = $true; continue }
        if ($raw -match '^\s*<!--.*-->\s*$') { continue }
        if ($raw -match '^(#{2,4})\s+(.+)$') {
            & $flush
            if ($out[-1] -ne '') { $out.Add('') }
            $title = ConvertTo-PlainText $Matches[2]
            # Level 2: the about topic's own sections (SHORT DESCRIPTION...); deeper: upper-case subsections, indented.
            $out.Add($(if ($Matches[1].Length -eq 2) { $title.ToUpperInvariant() } else { '  ' + $title.ToUpperInvariant() }))
            continue
        }
        if ($raw -match '^\s*\|') {
            & $flush
            if ($raw -match '^\s*\|[\s\-|:]+\|\s*$') { continue }
            # A table row: "Cell: cell text", wrapped, so a long row still fits 80 columns.
            $cells = @($raw.Trim().Trim('|') -split '\|' | ForEach-Object { ConvertTo-PlainText $_.Trim() })
            if ($cells[0] -in 'Impact', 'Name', 'Cmdlet') { continue }
            foreach ($l in (Format-Wrapped ($cells[1..($cells.Count - 1)] -join ' ') '        ' ("    $($cells[0]): "))) { $out.Add($l) }
            continue
        }
        if ($raw -match '^\s*[-*]\s+(.+)$') { & $flush; $script:item = $Matches[1]; continue }
        if ($raw -match '^\s*$') { & $flush; if ($out[-1] -ne '') { $out.Add('') }; continue }
        if ($null -ne $script:item) { $script:item += ' ' + $raw.Trim() } else { $para.Add($raw.Trim()) }
    }
    & $flush
    while ($out.Count -and $out[-1] -eq '') { $out.RemoveAt($out.Count - 1) }
    $long = @($out | Where-Object { $_.Length -gt $Width -and $_ -notmatch '^        ' })
    if ($long) { throw "${Path}: lines over $Width columns in the about topic: $($long[0])" }
    $out
}

$culture = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Force $culture | Out-Null
$topics = @(Get-ChildItem -LiteralPath $Source -Filter 'about_*.md' -File)
if (-not $topics) { throw "No about_*.md in $Source" }
foreach ($t in $topics) {
    $target = Join-Path $culture ($t.BaseName + '.help.txt')
    # UTF-8 with a BOM: Windows PowerShell's Get-Help and editors read the dash and quotes right.
    Set-Content -LiteralPath $target -Value (ConvertTo-AboutTopic $t.FullName) -Encoding utf8BOM
}
Write-Host "About topics: $(($topics.BaseName) -join ', ') in $culture"

if ($PackagePath) {
    $manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'DeIRF.psd1')
    $module = 'DeIRF'
    $guid = $manifest.GUID
    if (-not $manifest.HelpInfoURI) { throw 'The manifest has no HelpInfoURI' }
    New-Item -ItemType Directory -Force $PackagePath | Out-Null
    $zip = Join-Path $PackagePath "${module}_${guid}_en-US_HelpContent.zip"
    if (Test-Path $zip) { Remove-Item $zip }
    Compress-Archive -Path (Join-Path $culture '*') -DestinationPath $zip
    # The help version follows the module version (four parts, as Update-Help compares them).
    $v = [version]$manifest.ModuleVersion
    $helpVersion = [version]::new($v.Major, $v.Minor, [Math]::Max($v.Build, 0), [Math]::Max($v.Revision, 0))
    $xml = @"
<?xml version="1.0" encoding="utf-8"?>
<HelpInfo xmlns="http://schemas.microsoft.com/powershell/help/2010/05">
  <HelpContentURI>$([Security.SecurityElement]::Escape($manifest.HelpInfoURI))</HelpContentURI>
  <SupportedUICultures>
    <UICulture>
      <UICultureName>en-US</UICultureName>
      <UICultureVersion>$helpVersion</UICultureVersion>
    </UICulture>
  </SupportedUICultures>
</HelpInfo>
"@
    Set-Content -LiteralPath (Join-Path $PackagePath "${module}_${guid}_HelpInfo.xml") -Value $xml -Encoding utf8NoBOM
    Write-Host "Updatable help $helpVersion in $PackagePath"
}
