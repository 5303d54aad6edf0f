using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>Reads the entries of an incident's journal (or of any journal file), oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfJournal", DefaultParameterSetName = ByIncident)]
[OutputType("DeIRF.Journal.JournalEntry")]
public sealed class GetDeirfJournalCommand : JournalCmdlet
{
    /// <summary>Only entries of these kinds (wildcards allowed, e.g. 'incident.*').</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.JournalKindCompleter))]
    public string[]? Kind { get; set; }

    protected override void ProcessRecord()
    {
        Try(JournalTarget, () =>
        {
            var patterns = Kind?.Select(k => new WildcardPattern(k, WildcardOptions.IgnoreCase)).ToArray();
            var journal = ResolveJournal();
            foreach (var entry in journal.ReadEntries(CancellationToken))
            {
                if (patterns is null || patterns.Any(p => p.IsMatch(entry.Kind)))
                {
                    WriteFromWorkspace(entry, JournalWorkspace);
                }
            }
        });
    }
}
