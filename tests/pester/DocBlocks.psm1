# The doc-test harness (issue 19 section 1): finds every fenced ```powershell block of README.md and docs/*.md and
# turns it into a script the suite runs (DocBlocks.Tests.ps1). Conventions a doc writer follows, also in CONTRIBUTING.md:
#   <!-- doc-test: setup=<name>[,<name>] -->   on the line right above the fence: shared setups of DocBlocks.Tests.ps1
#                                              run first (once per file) and their substitutions apply to the block
#   <!-- doc-test: skip — <reason> -->          the block is not run; the run prints it with the reason
#   <statement>   # => <Property> <Value>[, <Property> <Value>]
#                                              a claim: each object the statement outputs (or the variable it assigns)
#                                              has that property, and its value prints as <Value>
#   <statement>   # !> <ErrorId>                the statement is meant to fail: it must, with that error id
# docs/help/*.md (Get-Help examples) are not read here: they are a separate part of issue 19.

using namespace System.Management.Automation.Language

function Get-DeirfDocBlock {
    <# The ```powershell blocks of one markdown file, in document order, with the marker above each. #>
    param([Parameter(Mandatory)] [string] $Path, [string] $Root = (Split-Path $Path))
    $lines = [IO.File]::ReadAllLines($Path)
    $relative = [IO.Path]::GetRelativePath($Root, $Path).Replace('\', '/')
    for ($n = 0; $n -lt $lines.Count; $n++) {
        if ($lines[$n] -notmatch '^\s*```powershell\s*$') { continue }
        $start = $n
        $code = [Collections.Generic.List[string]]::new()
        for ($n++; $n -lt $lines.Count -and $lines[$n] -notmatch '^\s*```\s*$'; $n++) { $code.Add($lines[$n]) }
        if ($n -ge $lines.Count) { throw "${relative}:$($start + 1): the powershell fence is never closed" }
        $marker = if ($start -gt 0) { $lines[$start - 1].Trim() } else { '' }
        $setup = @(); $skip = $null
        if ($marker -match '^<!--\s*doc-test:\s*(.*?)\s*-->$') {
            $spec = $Matches[1]
            if ($spec -match '^setup=([\w,-]+)$') { $setup = @($Matches[1] -split ',' | Where-Object { $_ }) }
            elseif ($spec -match '^skip\s*[—-]+\s*(\S.*)$') { $skip = $Matches[1] }
            else { throw "${relative}:${start}: doc-test marker '$marker' is neither setup=<name> nor 'skip — <reason>'" }
        }
        [pscustomobject]@{
            File     = $relative
            Line     = $start + 1   # the fence line, as an editor numbers it
            Location = "${relative}:$($start + 1)"
            Code     = $code -join "`n"
            Setup    = $setup
            Skip     = $skip
        }
    }
}

function ConvertTo-DeirfDocScript {
    <#
    The block as the suite runs it: substitutions applied, and each top-level statement ending in a '# => ...' claim
    wrapped so its output (or the variable it assigns) is checked by Assert-DeirfDocClaim (defined in the runspace).
    #>
    param([Parameter(Mandatory)] $Block, [Collections.IDictionary] $Substitute = @{})
    $code = $Block.Code
    foreach ($k in $Substitute.Keys) { $code = $code.Replace([string]$k, [string]$Substitute[$k]) }
    $tokens = $null; $errors = $null
    $ast = [Parser]::ParseInput($code, [ref]$tokens, [ref]$errors)
    if ($errors) { throw "$($Block.Location): does not parse: $($errors[0].Message) (block line $($errors[0].Extent.StartLineNumber))" }
    $claims = @{}
    foreach ($t in $tokens) {
        if ($t.Kind -eq 'Comment' -and $t.Text -match '^#\s*(=>|!>)\s*(.+)$') { $claims[$t.Extent.StartLineNumber] = @($Matches[1], $Matches[2].Trim()) }
    }
    $statements = @(if ($ast.EndBlock) { $ast.EndBlock.Statements })
    if (-not $claims.Count -or -not $statements.Count) { return $code }
    $out = [Text.StringBuilder]::new()
    $at = 0
    foreach ($s in $statements) {
        $found = $claims[$s.Extent.EndLineNumber]
        if (-not $found) { continue }
        $kind, $claim = $found
        [void]$out.Append($code.Substring($at, $s.Extent.StartOffset - $at))
        $line = $Block.Line + $s.Extent.EndLineNumber   # the markdown line the claim is on
        $where = "$($Block.File):$line"
        $escaped = $claim.Replace("'", "''")
        if ($kind -eq '!>') {
            [void]$out.Append("Assert-DeirfDocError -ErrorId '$escaped' -Location '$where' -Script { $($s.Extent.Text) }")
        }
        elseif ($s -is [AssignmentStatementAst]) {
            [void]$out.Append("$($s.Extent.Text); Assert-DeirfDocClaim -Claim '$escaped' -Location '$where' -Output $($s.Left.Extent.Text)")
        }
        else {
            [void]$out.Append("Assert-DeirfDocClaim -Claim '$escaped' -Location '$where' -Output @($($s.Extent.Text))")
        }
        $at = $s.Extent.EndOffset
        $claims.Remove($s.Extent.EndLineNumber)
    }
    [void]$out.Append($code.Substring($at))
    if ($claims.Count) {
        $first = ($claims.Keys | Sort-Object)[0]
        throw "$($Block.File):$($Block.Line + $first): '# $($claims[$first] -join ' ')' is not at the end of a top-level statement"
    }
    $out.ToString()
}

# Defined in each file's runspace: checks one claim against a statement's output. Text, so a scriptblock made in the
# Pester runspace is not called from another one.
$AssertDeirfDocClaim = @'
function Assert-DeirfDocClaim {
    param([string] $Claim, [string] $Location, [object[]] $Output)
    $items = @($Output | Where-Object { $null -ne $_ })
    if (-not $items.Count) { throw "${Location}: claims '$Claim' but the statement output nothing" }
    foreach ($pair in $Claim -split ',\s*') {
        if ($pair -notmatch '^(\w+)\s+(.+)$') { throw "${Location}: claim '$pair' is not '<Property> <Value>'" }
        $name = $Matches[1]; $want = $Matches[2].Trim()
        foreach ($item in $items) {
            $p = $item.PSObject.Properties[$name]
            if (-not $p) { throw "${Location}: claims $name $want but $($item.GetType().Name) has no property $name" }
            $got = if ($p.Value -is [Collections.IEnumerable] -and $p.Value -isnot [string]) { @($p.Value) -join ' ' } else { "$($p.Value)" }
            if ($got -ne $want) {
                $why = foreach ($r in 'Reason', 'Fault', 'Message') { if ($item.PSObject.Properties[$r] -and $item.$r) { " (${r}: $($item.$r))"; break } }
                throw "${Location}: claims $name $want, got '$got'$why"
            }
        }
    }
}
function Assert-DeirfDocError {
    param([string] $ErrorId, [string] $Location, [scriptblock] $Script)
    $before = $Error.Count
    try { . $Script | Out-Null; $got = $null }
    catch { $got = $_ }
    if (-not $got) { throw "${Location}: claims it fails with $ErrorId, but it ran without an error" }
    if ($got.FullyQualifiedErrorId -notlike "$ErrorId*") { throw "${Location}: claims it fails with $ErrorId, got [$($got.FullyQualifiedErrorId)] $($got.Exception.Message)" }
    # The expected failure is not a failure of the block.
    while ($Error.Count -gt $before) { $Error.RemoveAt(0) }
}
'@

function Get-DeirfDocClaimFunction { $AssertDeirfDocClaim }

Export-ModuleMember -Function Get-DeirfDocBlock, ConvertTo-DeirfDocScript, Get-DeirfDocClaimFunction
