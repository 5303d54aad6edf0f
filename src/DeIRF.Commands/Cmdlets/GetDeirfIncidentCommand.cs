using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Lists incidents of the workspace, or the ones whose id matches.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfIncident")]
[OutputType("DeIRF.Incidents.Incident")]
public sealed class GetDeirfIncidentCommand : WorkspaceCmdlet
{
    /// <summary>Incident ids; wildcards allowed. Default: all. Binds piped strings, and by property name (Id,
    /// Incident); a piped workspace object binds -Workspace (its Root) instead.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Incident")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Whatever is piped: a string is an incident id ('INC-…' | Get-DeirfIncident); objects bind by property name.</summary>
    /// <remarks>Not -Id by value: PowerShell would then coerce a piped workspace object to a string and bind it as an id.</remarks>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        Workspaces.Workspace ws;
        try
        {
            ws = ResolveWorkspace();
        }
        catch (DeirfException ex)
        {
            ThrowTerminating(ex, Workspace ?? CurrentDirectory);
            return;
        }
        var ids = ws.IncidentIds().ToList();
        var requestedIds = Id ?? (InputObject?.BaseObject is string piped ? [piped] : null);
        foreach (var requested in requestedIds ?? ["*"])
        {
            if (WildcardPattern.ContainsWildcardCharacters(requested))
            {
                var pattern = new WildcardPattern(requested, WildcardOptions.IgnoreCase);
                foreach (var id in ids.Where(i => pattern.IsMatch(i)))
                {
                    Try(id, () => WriteObject(ws.GetIncident(id)));
                }
            }
            else
            {
                Try(requested, () => WriteObject(ws.GetIncident(requested)));
            }
        }
    }
}
