#Requires -Version 7.4
<#
.SYNOPSIS
    Compiles the platyPS-shaped markdown in docs/help into the MAML file Get-Help reads for the built module.
.DESCRIPTION
    Text (synopsis, description, examples, parameter descriptions, inputs, outputs, notes, links) comes from
    <HelpSource>/<Cmdlet-Name>.md. Parameter metadata (type, mandatory, position, pipeline input, aliases,
    wildcards, parameter sets for the syntax) comes from the built module itself, imported in a child process so
    this build process never loads DeIRF.dll. Throws, listing every problem, when an exported cmdlet has no help
    file, a help file lacks a synopsis or an example, or its parameters differ from the cmdlet's.
    Writes <ModulePath>/en-US/<RootModule>-Help.xml (DeIRF.dll-Help.xml), the file PowerShell looks up.
.EXAMPLE
    ./build/New-MamlHelp.ps1 -HelpSource ./docs/help -ModulePath ./out/DeIRF
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $HelpSource,
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Get-CmdletMetadata([string] $Manifest) {
    # Runs in a fresh PowerShell: only that process loads the module (no locked DLL, no stale types in the build).
    $probe = {
        param($Manifest)
        $ErrorActionPreference = 'Stop'
        $module = Import-Module $Manifest -PassThru
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $out = foreach ($cmd in $module.ExportedCmdlets.Values) {
            [ordered]@{
                Name = $cmd.Name; Verb = $cmd.Verb; Noun = $cmd.Noun
                Sets = @(foreach ($set in $cmd.ParameterSets) {
                        [ordered]@{ IsDefault = $set.IsDefault; Parameters = @(foreach ($p in $set.Parameters) {
                                    if ($p.Name -in $common) { continue }
                                    # A nullable value type reads as the type itself ([datetimeoffset], not Nullable`1[[...]]):
                                    # the parameter is optional already, which the syntax shows with its brackets.
                                    $type = $p.ParameterType
                                    $type = if ([Nullable]::GetUnderlyingType($type)) { [Nullable]::GetUnderlyingType($type) } else { $type }
                                    [ordered]@{
                                        Name = $p.Name; Type = $type.Name; FullType = $type.FullName
                                        Mandatory = $p.IsMandatory; Position = $p.Position; ByValue = $p.ValueFromPipeline
                                        ByPropertyName = $p.ValueFromPipelineByPropertyName; Aliases = @($p.Aliases)
                                        Wildcards = [bool]($cmd.Parameters[$p.Name].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                                    }
                                }) }
                    })
            }
        }
        ConvertTo-Json -InputObject @($out) -Depth 8 -Compress
    }
    # Under `dotnet pwsh` this process is the dotnet host: start the same PowerShell as `dotnet <PSHOME>/pwsh.dll`.
    $exe = [Environment]::ProcessPath
    $pwsh = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $command = "& { $probe } '$($Manifest -replace "'", "''")'"
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($command))
    $output = & $exe @pwsh -NoProfile -NonInteractive -EncodedCommand $encoded
    if ($LASTEXITCODE -ne 0) { throw "Could not read cmdlet metadata from $Manifest (exit code $LASTEXITCODE): $output" }
    $output | Select-Object -Last 1 | ConvertFrom-Json   # the JSON is one line; warnings, if any, come before it
}

function Read-HelpMarkdown([string] $File) {
    # Splits the file into '## SECTION' bodies; '### Sub' headings inside a section become named blocks.
    $doc = @{ Name = $null; Sections = [ordered]@{} }
    $lines = @(Get-Content -LiteralPath $File)
    $i = 0
    if ($lines.Count -and $lines[0] -eq '---') { $i = [array]::IndexOf($lines, '---', 1) + 1 }   # YAML front matter
    $section = $null; $sub = $null; $inFence = $false
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        # A doc-test marker (<!-- doc-test: setup=... --> above an example's fence) is for the test run, not the reader.
        elseif (-not $inFence -and $line -match '^\s*<!--\s*doc-test:.*-->\s*$') { continue }
        elseif (-not $inFence -and $line -match '^# (.+)$') { $doc.Name = $Matches[1].Trim(); continue }
        elseif (-not $inFence -and $line -match '^## (.+)$') { $section = $Matches[1].Trim().ToUpperInvariant(); $doc.Sections[$section] = [ordered]@{ '' = [Collections.Generic.List[string]]::new() }; $sub = ''; continue }
        elseif (-not $inFence -and $line -match '^### (.+)$' -and $section) { $sub = $Matches[1].Trim(); $doc.Sections[$section][$sub] = [Collections.Generic.List[string]]::new(); continue }
        if ($section) { $doc.Sections[$section][$sub].Add($line) }
    }
    $doc
}

function Split-Blocks([string[]] $Lines) {
    # Markdown body -> blocks: paragraphs (lines joined; each list item its own) and fenced code (verbatim).
    $blocks = [Collections.Generic.List[object]]::new()
    $para = [Collections.Generic.List[string]]::new(); $code = $null; $lang = $null
    $flush = { if ($para.Count) { $blocks.Add(@{ Lang = $null; Text = ConvertFrom-Inline ($para -join ' ') }); $para.Clear() } }
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*```\s*$') { $blocks.Add(@{ Lang = $lang; Text = ($code -join "`n").TrimEnd() }); $code = $null }
            else { $code.Add($line) }
        }
        elseif ($line -match '^\s*```\s*(\S*)') { . $flush; $lang = if ($Matches[1]) { $Matches[1] } else { 'text' }; $code = [Collections.Generic.List[string]]::new() }
        elseif (-not $line.Trim()) { . $flush }
        else {
            if ($line -match '^\s*([-*]|\d+\.)\s') { . $flush }
            $para.Add($line.Trim())
        }
    }
    . $flush
    $blocks
}

# Terminal help is plain text: keep `code` ticks, drop emphasis, turn links into their text.
function ConvertFrom-Inline([string] $Text) { ($Text -replace '\*\*(.+?)\*\*', '$1') -replace '\[([^\]]+)\]\(([^)]*)\)', '$1' }

function Get-Paragraphs($Lines) { if ($Lines) { @(Split-Blocks @($Lines) | Where-Object { $_.Lang -ne 'yaml' } | ForEach-Object Text) } }

function Test-HelpDocument($Doc, $Command) {
    $problems = [Collections.Generic.List[string]]::new()
    $name = $Command.Name
    $s = $Doc.Sections
    if ($Doc.Name -ne $name) { $problems.Add("${name}: the '# ' heading says '$($Doc.Name)'") }
    if (-not $s.Contains('SYNOPSIS') -or -not (Get-Paragraphs $s['SYNOPSIS'][''])) { $problems.Add("${name}: no SYNOPSIS") }
    $examples = if ($s.Contains('EXAMPLES')) { @($s['EXAMPLES'].Keys | Where-Object { $_ }) } else { @() }
    if (-not $examples) { $problems.Add("${name}: no '### Example' under EXAMPLES") }
    foreach ($e in $examples | Where-Object { -not (Split-Blocks $s['EXAMPLES'][$_] | Where-Object Lang) }) { $problems.Add("${name}: '$e' has no code block") }
    $documented = if ($s.Contains('PARAMETERS')) { @($s['PARAMETERS'].Keys | Where-Object { $_ -like '-*' } | ForEach-Object { $_.Substring(1) }) } else { @() }
    $actual = @($Command.Sets.Parameters.Name | Select-Object -Unique)
    foreach ($p in $actual | Where-Object { $_ -notin $documented }) { $problems.Add("${name}: parameter -$p is not documented") }
    foreach ($p in $documented | Where-Object { $_ -notin $actual }) { $problems.Add("${name}: documents -$p, which the cmdlet does not have") }
    foreach ($p in $documented | Where-Object { $_ -in $actual -and -not (Get-Paragraphs $s['PARAMETERS']["-$_"]) }) { $problems.Add("${name}: -$p has no description") }
    $problems
}

$Ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }
function Open([Xml.XmlWriter] $W, [string] $QName) { $prefix, $local = $QName -split ':'; $W.WriteStartElement($prefix, $local, $Ns[$prefix]) }
function Leaf([Xml.XmlWriter] $W, [string] $QName, [string] $Text) { Open $W $QName; $W.WriteString($Text); $W.WriteEndElement() }

function Write-Paras([Xml.XmlWriter] $W, [string[]] $Paras) { foreach ($p in $Paras) { Leaf $W 'maml:para' $p } }

function Write-Parameter([Xml.XmlWriter] $W, $P, [string[]] $Description, [switch] $InSyntax) {
    $isSwitch = $P.Type -eq 'SwitchParameter'
    $pipe = @(if ($P.ByPropertyName) { 'ByPropertyName' }; if ($P.ByValue) { 'ByValue' })
    Open $W 'command:parameter'
    $W.WriteAttributeString('required', "$($P.Mandatory)".ToLowerInvariant())
    $W.WriteAttributeString('variableLength', "$($P.Type.EndsWith('[]'))".ToLowerInvariant())
    $W.WriteAttributeString('globbing', "$($P.Wildcards)".ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $(if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }))
    $W.WriteAttributeString('position', $(if ($P.Position -ge 0) { "$($P.Position)" } else { 'named' }))
    $W.WriteAttributeString('aliases', $(if ($P.Aliases) { $P.Aliases -join ', ' } else { 'none' }))
    Leaf $W 'maml:name' $P.Name
    Open $W 'maml:description'; Write-Paras $W $Description; $W.WriteEndElement()
    if (-not ($isSwitch -and $InSyntax)) {
        Open $W 'command:parameterValue'
        $W.WriteAttributeString('required', "$(-not $isSwitch)".ToLowerInvariant())
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($P.Type); $W.WriteEndElement()
    }
    Open $W 'dev:type'; Leaf $W 'maml:name' $P.FullType; $W.WriteEndElement()
    Leaf $W 'dev:defaultValue' $(if ($isSwitch) { 'False' } else { 'None' })
    $W.WriteEndElement()
}

function Write-TypeList([Xml.XmlWriter] $W, [string] $Outer, [string] $Inner, $Section) {
    # '### TypeName' blocks, each followed by its description; a section with no such block yields 'None'.
    Open $W "command:$Outer"
    $types = if ($Section) { @($Section.Keys | Where-Object { $_ }) } else { @() }
    if (-not $types) { $types = @('None') }
    foreach ($t in $types) {
        Open $W "command:$Inner"
        Open $W 'dev:type'; Leaf $W 'maml:name' $t; $W.WriteEndElement()
        Open $W 'maml:description'; Write-Paras $W $(if ($Section -and $Section.Contains($t)) { Get-Paragraphs $Section[$t] }); $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-Command([Xml.XmlWriter] $W, $Doc, $Command) {
    $s = $Doc.Sections
    $paramText = @{}
    foreach ($p in @($Command.Sets.Parameters.Name | Select-Object -Unique)) { $paramText[$p] = Get-Paragraphs $s['PARAMETERS']["-$p"] }
    Open $W 'command:command'
    Open $W 'command:details'
    Leaf $W 'command:name' $Command.Name
    Leaf $W 'command:verb' $Command.Verb
    Leaf $W 'command:noun' $Command.Noun
    Open $W 'maml:description'; Write-Paras $W (Get-Paragraphs $s['SYNOPSIS']['']); $W.WriteEndElement()
    $W.WriteEndElement()
    Open $W 'maml:description'; Write-Paras $W $(if ($s.Contains('DESCRIPTION')) { Get-Paragraphs $s['DESCRIPTION'][''] }); $W.WriteEndElement()

    Open $W 'command:syntax'
    foreach ($set in $Command.Sets | Sort-Object { -not $_.IsDefault }) {
        Open $W 'command:syntaxItem'
        Leaf $W 'maml:name' $Command.Name
        # As PowerShell prints syntax: positional first by position, then mandatory, then the rest; WhatIf/Confirm last.
        $ordered = @($set.Parameters) | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }, { -not $_.Mandatory }, { $_.Name -in 'WhatIf', 'Confirm' } -Stable
        foreach ($p in $ordered) { Write-Parameter $W $p $paramText[$p.Name] -InSyntax }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    Open $W 'command:parameters'
    foreach ($name in @($s['PARAMETERS'].Keys | Where-Object { $_ -like '-*' } | ForEach-Object { $_.Substring(1) })) {   # the help file's order
        Write-Parameter $W ($Command.Sets.Parameters | Where-Object Name -eq $name | Select-Object -First 1) $paramText[$name]
    }
    $W.WriteEndElement()

    Write-TypeList $W 'inputTypes' 'inputType' $s['INPUTS']
    Write-TypeList $W 'returnValues' 'returnValue' $s['OUTPUTS']
    if ($s.Contains('NOTES')) {
        Open $W 'maml:alertSet'; Open $W 'maml:alert'
        Write-Paras $W (Get-Paragraphs $s['NOTES']['']); $W.WriteEndElement(); $W.WriteEndElement()
    }

    Open $W 'command:examples'
    foreach ($title in @($s['EXAMPLES'].Keys | Where-Object { $_ })) {
        $blocks = @(Split-Blocks $s['EXAMPLES'][$title])
        $code = $blocks | Where-Object Lang | Select-Object -First 1
        Open $W 'command:example'
        $dashes = '-' * [Math]::Max(2, [Math]::Floor((70 - $title.Length) / 2))   # centred, unwrapped in an 80-column terminal
        Leaf $W 'maml:title' "$dashes $title $dashes"
        Leaf $W 'dev:code' $code.Text
        Open $W 'dev:remarks'; Write-Paras $W (@($blocks | Where-Object { $_ -ne $code } | ForEach-Object Text) + ''); $W.WriteEndElement()   # '' spaces the examples apart
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    Open $W 'maml:relatedLinks'
    foreach ($line in $(if ($s.Contains('RELATED LINKS')) { $s['RELATED LINKS'][''] })) {
        foreach ($m in [regex]::Matches($line, '\[([^\]]+)\]\(([^)]*)\)')) {
            Open $W 'maml:navigationLink'
            Leaf $W 'maml:linkText' $m.Groups[1].Value
            Leaf $W 'maml:uri' $(if ($m.Groups[2].Value -match '^https?://') { $m.Groups[2].Value } else { '' })
            $W.WriteEndElement()
        }
    }
    $W.WriteEndElement()
    $W.WriteEndElement()
}

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$manifestPath = Join-Path $ModulePath "$(Split-Path -Leaf $ModulePath).psd1"
$rootModule = (Import-PowerShellDataFile $manifestPath).RootModule
$commands = @(Get-CmdletMetadata $manifestPath | Sort-Object Name)
$docs = @{}
$problems = [Collections.Generic.List[string]]::new()
foreach ($cmd in $commands) {
    $file = Join-Path $HelpSource "$($cmd.Name).md"
    if (-not (Test-Path -LiteralPath $file)) { $problems.Add("$($cmd.Name): no help file $file"); continue }
    $docs[$cmd.Name] = Read-HelpMarkdown $file
    foreach ($p in Test-HelpDocument $docs[$cmd.Name] $cmd) { $problems.Add($p) }
}
foreach ($stray in Get-ChildItem $HelpSource -Filter *.md | Where-Object BaseName -notin $commands.Name) {
    $problems.Add("$($stray.Name) documents a cmdlet the module does not export")
}
if ($problems.Count) { throw "Help in ${HelpSource} does not match the module:`n  " + ($problems -join "`n  ") }

$outDir = New-Item -ItemType Directory -Force (Join-Path $ModulePath 'en-US')
$outFile = Join-Path $outDir "$([IO.Path]::GetFileName($rootModule))-Help.xml"
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
$w = [Xml.XmlWriter]::Create($outFile, $settings)
try {
    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', 'http://msh')
    $w.WriteAttributeString('schema', 'maml')
    foreach ($prefix in 'maml', 'command', 'dev') { $w.WriteAttributeString('xmlns', $prefix, 'http://www.w3.org/2000/xmlns/', $Ns[$prefix]) }
    foreach ($cmd in $commands) { Write-Command $w $docs[$cmd.Name] $cmd }
    $w.WriteEndElement()
    $w.WriteEndDocument()
}
finally { $w.Dispose() }
Write-Host "Help for $($commands.Count) cmdlets in $outFile"
