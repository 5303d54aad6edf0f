@{
    RootModule           = 'DeIRF.dll'
    # Filled from Directory.Build.props by build.ps1; the one module version.
    ModuleVersion        = '0.0.0'
    GUID                 = '5b0c7f0e-3d0a-4c57-9a55-6f1de1f0d31f'
    Author               = 'DeIRF contributors'
    CompanyName          = 'DeIRF'
    Copyright            = '(c) DeIRF contributors. MIT License.'
    Description          = 'Decentralized Incident Response Framework: hash-chained incident journals, quorum-gated containment, identity plurality.'
    PowerShellVersion    = '7.4'
    # Update-Help and Save-Help fetch <HelpInfoURI>DeIRF_<GUID>_HelpInfo.xml and the _en-US_HelpContent.zip beside it:
    # the build writes both to out/help, a release attaches them (docs/about_DeIRF.md, Help).
    HelpInfoURI          = 'https://github.com/deirf/deirf/releases/latest/download/'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('DeIRF.Format.ps1xml')
    TypesToProcess       = @('DeIRF.Types.ps1xml')
    CmdletsToExport      = @(
        'Initialize-DeirfWorkspace'
        'Complete-DeirfRosterGenesis'
        'New-DeirfSigningKey'
        'Sync-DeirfWorkspace'
        'Start-DeirfDrill'
        'Register-DeirfDrill'
        'New-DeirfRetrospective'
        'Add-DeirfReward'
        'New-DeirfCheckpoint'
        'Add-DeirfCheckpointCosignature'
        'Get-DeirfInclusionProof'
        'Test-DeirfInclusionProof'
        'Test-DeirfCheckpoint'
        'Submit-DeirfCheckpoint'
        'Get-DeirfWorkspace'
        'Set-DeirfEvidenceStore'
        'Set-DeirfSyncPolicy'
        'Get-DeirfEvidenceStore'
        'New-DeirfIncident'
        'Get-DeirfIncident'
        'Add-DeirfNote'
        'ConvertFrom-DeirfAlert'
        'Get-DeirfSeverityMatrix'
        'Get-DeirfExtension'
        'Import-DeirfExtension'
        'Set-DeirfSeverity'
        'New-DeirfKickoffMessage'
        'Invoke-DeirfContainment'
        'Undo-DeirfContainment'
        'Get-DeirfContainment'
        'New-DeirfIncidentChannel'
        'Send-DeirfUpdate'
        'Close-DeirfIncident'
        'Grant-DeirfIncidentRole'
        'Revoke-DeirfIncidentRole'
        'Set-DeirfDeadline'
        'Get-DeirfDeadline'
        'Get-DeirfTimeline'
        'Get-DeirfJournal'
        'Test-DeirfJournal'
        'Repair-DeirfJournal'
        'New-DeirfResponder'
        'Get-DeirfResponder'
        'Get-DeirfSigningPayload'
        'Add-DeirfIdentityProof'
        'Revoke-DeirfIdentityProof'
        'Test-DeirfSignature'
        'Test-DeirfIdentityProof'
        'Export-DeirfRoster'
        'Set-DeirfSigningKey'
        'Add-DeirfEvidence'
        'Get-DeirfEvidence'
        'Test-DeirfEvidence'
        'New-DeirfProposal'
        'Get-DeirfProposal'
        'Add-DeirfQuorumSignature'
        'Test-DeirfQuorum'
        'Approve-DeirfProposal'
        'New-DeirfSignature'
        'Get-DeirfQuorumPolicy'
        'Set-DeirfQuorumPolicy'
        'Publish-DeirfDisclosure'
        'Get-DeirfMetric'
        'Export-DeirfReport'
        'Test-DeirfReadiness'
        'New-DeirfSshCertificate'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('IncidentResponse', 'Security', 'SRE', 'Journal', 'Quorum', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/deirf/deirf'
            LicenseUri   = 'https://github.com/deirf/deirf/blob/main/LICENSE'
            # Filled by build.ps1 from the CHANGELOG.md section of the module version.
            ReleaseNotes = ''
        }
    }
}
