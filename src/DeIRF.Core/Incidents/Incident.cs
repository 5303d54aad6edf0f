using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Incidents;

/// <summary>
/// An incident as its journal tells it: a fold over the entries, so every replica of the journal shows the same.
/// </summary>
public sealed class Incident
{
    public string Id { get; private init; } = string.Empty;
    public string Title { get; private set; } = string.Empty;
    public string State { get; private set; } = "Open";
    public string Reporter { get; private set; } = string.Empty;
    public DateTimeOffset Opened { get; private set; }
    public DateTimeOffset LastActivity { get; private set; }
    public bool IsDrill { get; private set; }
    public IReadOnlyList<string> Tags { get; private set; } = [];
    public long EntryCount { get; private set; }

    /// <summary>The workspace root: lets `Get-DeirfIncident | Test-DeirfJournal` bind -Workspace by property name.</summary>
    public string Workspace { get; private init; } = string.Empty;
    public string JournalPath { get; private init; } = string.Empty;

    public static Incident Load(Workspace ws, string id)
    {
        var journal = ws.JournalOf(id);
        var incident = new Incident { Id = id, Workspace = ws.Root, JournalPath = journal.Path };
        foreach (var entry in journal.ReadEntries())
        {
            incident.Apply(entry);
        }
        return incident;
    }

    /// <summary>Folds one entry into the state. Later entry kinds (severity, roles, closure) extend this.</summary>
    public void Apply(JournalEntry entry)
    {
        EntryCount++;
        LastActivity = entry.Timestamp;
        switch (entry.Kind)
        {
            case IncidentOpened.KindName:
                Title = EntryKinds.Text(entry.Body, "title");
                Reporter = EntryKinds.Text(entry.Body, "reporter");
                Opened = entry.Timestamp;
                IsDrill = entry.Body.TryGetValue("drill", out var d) && d is true;
                Tags = entry.Body.TryGetValue("tags", out var t) && t is object?[] arr ? arr.Select(x => x?.ToString() ?? string.Empty).ToArray() : [];
                State = "Open";
                break;
        }
    }

    public override string ToString() => $"{Id} [{State}] {Title}";
}
