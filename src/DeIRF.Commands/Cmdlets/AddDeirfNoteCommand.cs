using System.Management.Automation;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Appends a note to an incident's journal.</summary>
[Cmdlet(VerbsCommon.Add, "DeirfNote", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Journal.JournalEntry")]
public sealed class AddDeirfNoteCommand : WorkspaceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>The note. Piped strings become one note each.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Text { get; set; } = string.Empty;

    /// <summary>The responder writing the note.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Emit the appended journal entry.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            var journal = ws.JournalOf(Incident);
            if (!ShouldProcess(Incident, $"Add note by {Actor}"))
            {
                return;
            }
            var entry = journal.Append(StatementDraft.Of(Actor, new Note.Body(Text)), AppendOptions(ws, Actor));
            if (PassThru)
            {
                WriteObject(entry);
            }
        });
    }
}
