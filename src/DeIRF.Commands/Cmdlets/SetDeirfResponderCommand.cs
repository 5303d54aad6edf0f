using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Declares when a responder can be reached (follow the sun): an IANA time zone, local working hours and days, and an
/// on-call flag. A roster change: one's own alone (signed), anyone else's with a met ROSTER proposal
/// roster.responder.availability once the roster is sealed.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfResponder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DeIRF.Identity.Responder")]
public sealed class SetDeirfResponderCommand : WorkspaceCmdlet
{
    /// <summary>The responder's handle. Binds from the Handle of piped responders.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Handle { get; set; } = string.Empty;

    /// <summary>IANA time zone name: Europe/Berlin, America/New_York, Asia/Tokyo. Default: the one declared before.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TimeZone { get; set; }

    /// <summary>Local working hours, HH:mm-HH:mm ('08:00-18:00'; '22:00-06:00' runs past midnight). Default: the ones declared before, else 09:00-17:00.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingHours { get; set; }

    /// <summary>Local working days: 'Mon-Fri', 'Mon,Wed,Fri', 'Sun-Thu'. Default: the ones declared before, else every day.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDays { get; set; }

    /// <summary>On call: reachable at any hour (-OnCall:$false to step down).</summary>
    [Parameter]
    public SwitchParameter OnCall { get; set; }

    /// <summary>Someone else's availability once the roster is sealed: the met ROSTER proposal roster.responder.availability (target the handle; parameters zone, hours, days, oncall).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Proposal { get; set; }

    /// <summary>Who makes the change (its configured key signs the roster entry).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    protected override void ProcessRecord()
    {
        Try(Handle, () =>
        {
            var ws = ResolveWorkspace();
            var roster = Roster.Load(ws);
            var current = roster.Get(Handle).Availability;
            var zone = TimeZone ?? current?.Zone
                ?? throw new DeirfException("TimeZoneMissing", DeirfErrorKind.InvalidArgument, $"'{Handle}' has declared no time zone yet: give -TimeZone (an IANA name such as Europe/Berlin).", Handle);
            Swarm.Availability.FindZone(zone);
            var hours = WorkingHours is not null ? Swarm.WorkingHours.Parse(WorkingHours) : current?.Hours ?? Swarm.WorkingHours.Parse("09:00-17:00");
            var days = WorkingDays is not null ? Swarm.WorkingHours.ParseDays(WorkingDays) : current?.Days ?? Swarm.WorkingHours.Week;
            var onCall = MyInvocation.BoundParameters.ContainsKey(nameof(OnCall)) ? OnCall.IsPresent : current?.OnCall ?? false;
            var text = $"{hours} {string.Join(",", Swarm.WorkingHours.Ordered(days).Select(Swarm.WorkingHours.DayName))} {zone}{(onCall ? ", on call" : string.Empty)}";
            if (!ShouldProcess($"{ws.Root}: {Handle}", $"Declare availability {text}"))
            {
                return;
            }
            var actor = ResolveActor(ws, Actor);
            WriteFromWorkspace(roster.SetAvailability(Handle, zone, hours, days, onCall, actor, AppendOptions(ws, actor, requireOnRoster: false), Proposal), ws);
        });
    }
}
