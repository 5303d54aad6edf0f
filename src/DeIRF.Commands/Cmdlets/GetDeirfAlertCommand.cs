using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Reads the alerts an Alertmanager holds (GET /api/v2/alerts) as the same alert objects ConvertFrom-DeirfAlert
/// emits, ready to pipe into New-DeirfIncident (which adds an alert that already opened an incident to it instead).
/// </summary>
[Cmdlet(VerbsCommon.Get, "DeirfAlert")]
[OutputType("DeIRF.Alerts.Alert")]
public sealed class GetDeirfAlertCommand : WorkspaceCmdlet
{
    /// <summary>The Alertmanager base URL (http://am:9093).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Alertmanager { get; set; } = string.Empty;

    /// <summary>Label matchers, as Alertmanager takes them: 'alertname="HighErrorRate"', 'severity=~"critical|page"'. All must match.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Filter { get; set; } = [];

    /// <summary>Only alerts routed to a receiver whose name matches this regular expression.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Receiver { get; set; }

    /// <summary>Include active alerts (default true; -Active:$false leaves them out).</summary>
    [Parameter]
    public SwitchParameter Active { get; set; } = true;

    /// <summary>Include silenced alerts (default true).</summary>
    [Parameter]
    public SwitchParameter Silenced { get; set; } = true;

    /// <summary>Include inhibited alerts (default true).</summary>
    [Parameter]
    public SwitchParameter Inhibited { get; set; } = true;

    /// <summary>Include alerts Alertmanager has not processed yet (default true).</summary>
    [Parameter]
    public SwitchParameter Unprocessed { get; set; } = true;

    /// <summary>
    /// Also emit a resolved alert for every open incident opened from this Alertmanager whose alert it no longer
    /// lists (Alertmanager lists only unresolved alerts): piped into New-DeirfIncident, each records the resolution.
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeResolved { get; set; }

    protected override void ProcessRecord()
    {
        Try(Alertmanager, () =>
        {
            var query = new Alerts.AlertmanagerQuery
            {
                Filters = Filter, Receiver = Receiver, Active = Active.IsPresent, Silenced = Silenced.IsPresent, Inhibited = Inhibited.IsPresent,
                Unprocessed = Unprocessed.IsPresent,
            };
            var alerts = Alerts.AlertmanagerApi.GetAlerts(Alertmanager, query, CancellationToken);
            WriteVerbose($"{Recovery.MonitorHttp.EndpointOf(new Uri(Alertmanager))}: {alerts.Count} alert(s).");
            foreach (var a in alerts)
            {
                WriteObject(a);
            }
            if (IncludeResolved)
            {
                foreach (var r in Alerts.AlertmanagerApi.Resolved(ResolveWorkspace(), Alertmanager, CancellationToken))
                {
                    WriteObject(r);
                }
            }
        });
    }
}
