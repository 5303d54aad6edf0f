using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Sets (or moves) a T-minus deadline of an incident; stored in UTC.</summary>
[Cmdlet(VerbsCommon.Set, "DeirfDeadline", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ByIn)]
[OutputType("DeIRF.Incidents.Deadline")]
public sealed class SetDeirfDeadlineCommand : IncidentChangeCmdlet
{
    private const string ByDue = "Due";
    private const string ByIn = "In";


    /// <summary>The deadline's name: triage, containment, first-comms, or any lower-case token.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.DeadlineNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>When it falls due, at any offset; stored in UTC.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByDue)]
    public DateTimeOffset Due { get; set; }

    /// <summary>Due this long from now (real elapsed time).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByIn)]
    public TimeSpan In { get; set; }

    /// <summary>The responder setting the deadline.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }


    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            var current = ws.GetIncident(Incident);
            if (!DeadlineSet.IsValidName(Name))
            {
                throw new DeirfException("DeadlineNameInvalid", DeirfErrorKind.InvalidArgument,
                    $"'{Name}' is not a deadline name: lower-case letters, digits and '-', starting with a letter, at most 40 ('{DeadlineSet.Retrospective}' is reserved: closing sets it).", Name);
            }
            if (ParameterSetName == ByIn && In <= TimeSpan.Zero)
            {
                throw new DeirfException("DeadlineInvalid", DeirfErrorKind.InvalidArgument, $"-In must be positive (got {In}); use -Due for a time in the past.", In);
            }
            var due = Incidents.Deadline.Normalize(ParameterSetName == ByIn ? Incidents.Deadline.DueIn(In) : Due);
            var text = DeadlineSet.FormatDue(due);
            if (!ShouldProcess(current.Id, $"Set deadline {Name} due {text} by {Actor}"))
            {
                return;
            }
            Record(ws, current.Id, Actor, new DeadlineSet.Body(Name, due));
            if (PassThru)
            {
                foreach (var d in Incidents.Deadline.For(ws.GetIncident(current.Id)).Where(d => d.Name == Name))
                {
                    WriteObject(d);
                }
            }
        });
    }
}
