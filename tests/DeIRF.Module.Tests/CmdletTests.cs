using System.Management.Automation;
using Xunit;

namespace DeIRF.Module.Tests;

/// <summary>The cmdlets driven through a hosted runspace: objects, pipeline binding, error records.</summary>
public sealed class CmdletTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-mod-").FullName;

    public void Dispose()
    {
        _ps.Dispose();
        DeIRF.Testing.TestArtifacts.Delete(_dir);
    }

    [Fact]
    public void Walkthrough_OpensIncident_AddsNotes_AndVerifies()
    {
        var ws = Path.Combine(_dir, "ws");
        var result = _ps.Invoke(@"
            Initialize-DeirfWorkspace -Path $ws | Out-Null
            $i = New-DeirfIncident -Title 'API keys leaked in public repo' -Reporter alice -Workspace $ws
            1..3 | ForEach-Object { Add-DeirfNote -Incident $i.Id -Text ""step $_"" -Actor alice -Workspace $ws }
            Test-DeirfJournal -Incident $i.Id -Workspace $ws", new Dictionary<string, object?> { ["ws"] = ws });
        var verdict = Assert.Single(result).BaseObject;
        Assert.Equal("DeIRF.Journal.JournalVerdict", verdict.GetType().FullName);
        Assert.True((bool)verdict.GetType().GetProperty("IsValid")!.GetValue(verdict)!);
        Assert.Equal(4L, (long)verdict.GetType().GetProperty("EntryCount")!.GetValue(verdict)!);
    }

    [Fact]
    public void Pipeline_BindsIncidentByPropertyName()
    {
        var ws = Path.Combine(_dir, "ws2");
        var result = _ps.Invoke(@"
            Initialize-DeirfWorkspace -Path $ws | Out-Null
            New-DeirfIncident -Title one -Reporter alice -Workspace $ws | Out-Null
            New-DeirfIncident -Title two -Reporter bob -Workspace $ws | Out-Null
            Get-DeirfIncident -Workspace $ws | Test-DeirfJournal | ForEach-Object IsValid", new Dictionary<string, object?> { ["ws"] = ws });
        Assert.Equal(2, result.Count);
        Assert.All(result, r => Assert.True((bool)r.BaseObject));
    }

    [Fact]
    public void UnknownIncident_IsAnErrorRecordWithStableId()
    {
        var ws = Path.Combine(_dir, "ws3");
        _ps.Invoke("Initialize-DeirfWorkspace -Path $ws | Out-Null", new Dictionary<string, object?> { ["ws"] = ws });
        _ps.Invoke("Get-DeirfJournal -Incident INC-20990101-0000 -Workspace $ws", out var errors, new Dictionary<string, object?> { ["ws"] = ws });
        var error = Assert.Single(errors);
        Assert.Equal("IncidentNotFound,DeIRF.Commands.Cmdlets.GetDeirfJournalCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("INC-20990101-0000", error.TargetObject);
    }

    [Fact]
    public void EveryStateChangingCmdlet_SupportsShouldProcess()
    {
        // New-DeirfKickoffMessage only renders text from the journal (no file, no entry): it is read-only like Get-.
        var result = _ps.Invoke(@"Get-Command -Module DeIRF | Where-Object { $_.Verb -notin 'Get','Test','ConvertFrom' } |
            Where-Object { $_.Name -ne 'New-DeirfKickoffMessage' } |
            Where-Object { -not $_.Parameters.ContainsKey('WhatIf') } | ForEach-Object Name");
        Assert.Empty(result);
        var impact = _ps.Invoke("(Get-Command Repair-DeirfJournal).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact");
        Assert.Equal("High", impact.Single().ToString());
    }

    [Fact]
    public void EnumParameters_OfferExactlyTheEngineValues()
    {
        // Kinds and roles cross into DeIRF.dll as strings (so import never needs the engine). Roles are a ValidateSet
        // equal to the engine's enum; proof kinds are validated and completed from the engine's extension catalog
        // (ValidateProofKind, ProofKindCompleter), so the values offered are exactly the kinds the engine has.
        var result = _ps.Invoke(@"
            $kindAttr = @((Get-Command Add-DeirfIdentityProof).Parameters['Kind'].Attributes.Where({ $_.GetType().Name -eq 'ValidateProofKindAttribute' }))
            $roles = (Get-Command New-DeirfResponder).Parameters['Role'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues
            Initialize-DeirfWorkspace -Path (Join-Path $ws 'enumws') | Out-Null   # loads the engine
            $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DeIRF.Core' } | Select-Object -First 1
            $line = 'Add-DeirfIdentityProof -Kind '
            $tracker = 'New-DeirfIncident -Tracker '
            $channel = 'Send-DeirfUpdate -Channel '
            $catalog = $core.GetType('DeIRF.Extensions.ExtensionCatalog')
            $points = $core.GetType('DeIRF.Extensions.ExtensionPoints')
            [pscustomobject]@{
                Trackers = (TabExpansion2 -inputScript $tracker -cursorColumn $tracker.Length).CompletionMatches.CompletionText -join ','
                EngineTrackers = ($catalog::Of('ticket-tracker') | ForEach-Object Key) -join ','
                Channels = (TabExpansion2 -inputScript $channel -cursorColumn $channel.Length).CompletionMatches.CompletionText -join ','
                EngineChannels = ($catalog::Of('chat-channel') | ForEach-Object Key) -join ','
                Points = (Get-Command Get-DeirfExtension).Parameters['Point'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues -join ','
                EnginePoints = $points.GetField('All').GetValue($null) -join ','
                KindValidators = $kindAttr.Count
                Kinds = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
                Roles = ($roles -join ',')
                # The engine lives in its own load context, where PowerShell type literals do not look.
                EngineKinds = ($core.GetType('DeIRF.Identity.ProofKinds')::Available | ForEach-Object Name) -join ','
                EngineRoles = [Enum]::GetNames($core.GetType('DeIRF.Identity.ResponderRole')) -join ','
            }", new Dictionary<string, object?> { ["ws"] = _dir });
        var o = result.Last();
        Assert.Equal(1, o.Properties["KindValidators"].Value);
        Assert.Equal("OpenPgp,Ssh,Ethereum,DidKey,Fido2,Oidc,ContractAccount,Matrix", o.Properties["EngineKinds"].Value);
        Assert.Equal(o.Properties["EngineKinds"].Value, o.Properties["Kinds"].Value);
        Assert.Equal(o.Properties["EngineRoles"].Value, o.Properties["Roles"].Value);
        // -Tracker and -Channel complete from the catalog's declarations; Get-DeirfExtension -Point offers every point.
        Assert.Equal("GitHub,GitLab", o.Properties["EngineTrackers"].Value);
        Assert.Equal(o.Properties["EngineTrackers"].Value, o.Properties["Trackers"].Value);
        Assert.Equal("Matrix,Slack,Webhook", o.Properties["EngineChannels"].Value);
        Assert.Equal(o.Properties["EngineChannels"].Value, o.Properties["Channels"].Value);
        Assert.Equal(o.Properties["EnginePoints"].Value, o.Properties["Points"].Value);
    }

    [Fact]
    public void Engine_LoadsInItsOwnLoadContext()
    {
        var ws = Path.Combine(_dir, "ws4");
        var alc = _ps.Invoke(@"
            Initialize-DeirfWorkspace -Path $ws | Out-Null
            $i = New-DeirfIncident -Title alc -Reporter alice -Workspace $ws
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($i.GetType().Assembly).Name", new Dictionary<string, object?> { ["ws"] = ws });
        Assert.Equal("DeIRF", alc.Single().ToString());
    }
}
