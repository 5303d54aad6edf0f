using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;

namespace DeIRF.Workspaces;

/// <summary>How a workspace was found, so a user can tell why this folder was used.</summary>
public enum WorkspaceSource { Parameter, Environment, ParentFolder, UserDefault }

/// <summary>
/// A folder holding workspace settings, one journal per incident (incidents/&lt;id&gt;/journal.jsonl), and later the
/// roster, policy, checkpoints and evidence store. Plain files, so it can be a git repository; where each one lives
/// is <see cref="WorkspaceLayout"/>'s to say.
/// </summary>
public sealed class Workspace
{
    public const string FileName = WorkspaceLayout.SettingsFile;
    public const string EnvironmentVariable = "DEIRF_WORKSPACE";
    public const int FormatVersion = 1;

    private Workspace(string root, string id, string name, DateTimeOffset created, WorkspaceSource source)
    {
        Root = root;
        WorkspaceId = id;
        Name = name;
        Created = created;
        Source = source;
    }

    public string Root { get; }

    /// <summary>Random id fixed at creation; bound into every statement so signatures cannot be replayed elsewhere.</summary>
    public string WorkspaceId { get; }
    public string Name { get; }
    public DateTimeOffset Created { get; }
    public WorkspaceSource Source { get; }
    public string IncidentsDirectory => WorkspaceLayout.PathIn(Root, WorkspaceLayout.IncidentsFolder);
    public string SettingsPath => WorkspaceLayout.PathIn(Root, FileName);

    public int IncidentCount => Directory.Exists(IncidentsDirectory) ? Directory.EnumerateDirectories(IncidentsDirectory, IncidentFolderGlob).Count() : 0;

    private const string IncidentFolderGlob = WorkspaceLayout.IncidentIdPrefix + "*";

    /// <summary>The per-user default: %LOCALAPPDATA%\DeIRF\workspace, or $XDG_DATA_HOME/deirf/workspace (~/.local/share/...).</summary>
    public static string UserDefaultPath
    {
        get
        {
            var baseDir = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(baseDir))
            {
                baseDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }
            return Path.Combine(baseDir, OperatingSystem.IsWindows() ? "DeIRF" : "deirf", "workspace");
        }
    }

    public static bool IsWorkspace(string path) => File.Exists(WorkspaceLayout.PathIn(path, FileName));

    /// <summary>Creates a workspace in <paramref name="path"/> (made if missing). Refuses a folder that already is one.</summary>
    public static Workspace Initialize(string path, string? name = null, TimeProvider? clock = null)
    {
        var root = Path.GetFullPath(path);
        if (IsWorkspace(root))
        {
            throw new DeirfException("WorkspaceAlreadyExists", DeirfErrorKind.AlreadyExists, $"'{root}' is already a DeIRF workspace.", root);
        }
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(WorkspaceLayout.PathIn(root, WorkspaceLayout.IncidentsFolder));
        var created = (clock ?? TimeProvider.System).GetUtcNow();
        var id = "ws-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        name = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)) : name;
        var settings = new JsonObject
        {
            ["created"] = Timestamps.ToJournal(created),
            ["format"] = FormatVersion,
            ["id"] = id,
            ["name"] = name,
        };
        // Replica-local files stay out of git when the workspace is shared through a repository.
        File.WriteAllText(WorkspaceLayout.PathIn(root, WorkspaceLayout.GitIgnoreFile), string.Join("\n", WorkspaceLayout.ReplicaLocal) + "\n");
        AtomicFile.Write(WorkspaceLayout.PathIn(root, FileName), CanonicalJson.Serialize(settings), overwrite: false);
        return Open(root, WorkspaceSource.Parameter);
    }

    public static Workspace Open(string path, WorkspaceSource source = WorkspaceSource.Parameter)
    {
        var root = Path.GetFullPath(path);
        var file = WorkspaceLayout.PathIn(root, FileName);
        if (!File.Exists(file))
        {
            throw new DeirfException("WorkspaceNotFound", DeirfErrorKind.NotFound,
                $"'{root}' is not a DeIRF workspace (no {FileName}). Create one with Initialize-DeirfWorkspace -Path '{root}'.", root);
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var r = doc.RootElement;
            int format = r.GetProperty("format").GetInt32();
            if (format != FormatVersion)
            {
                throw new DeirfException("WorkspaceFormatUnsupported", DeirfErrorKind.InvalidData, $"Workspace '{root}' has format {format}; this DeIRF reads {FormatVersion}.", root);
            }
            return new Workspace(root, r.GetProperty("id").GetString()!, r.GetProperty("name").GetString()!,
                DateTimeOffset.Parse(r.GetProperty("created").GetString()!, CultureInfo.InvariantCulture), source);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DeirfException("WorkspaceSettingsInvalid", DeirfErrorKind.InvalidData, $"Workspace settings '{file}' are unreadable: {ex.Message}", file, ex);
        }
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds a workspace file.</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (IsWorkspace(dir.FullName))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>
    /// Resolution order (SPEC): the -Workspace parameter, then $env:DEIRF_WORKSPACE, then the nearest parent of the
    /// current folder holding a workspace file, then the per-user default (created on first write when
    /// <paramref name="createDefault"/>).
    /// </summary>
    public static Workspace Resolve(string? parameter, string currentDirectory, bool createDefault, string? environmentValue = null)
    {
        if (!string.IsNullOrWhiteSpace(parameter))
        {
            return Open(Path.GetFullPath(parameter, currentDirectory), WorkspaceSource.Parameter);
        }
        environmentValue ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            return Open(Path.GetFullPath(environmentValue, currentDirectory), WorkspaceSource.Environment);
        }
        if (FindRoot(currentDirectory) is { } found)
        {
            return Open(found, WorkspaceSource.ParentFolder);
        }
        var def = UserDefaultPath;
        if (!IsWorkspace(def))
        {
            if (!createDefault)
            {
                throw new DeirfException("WorkspaceNotFound", DeirfErrorKind.NotFound,
                    $"No workspace: none given, ${EnvironmentVariable} unset, none above '{currentDirectory}', and the per-user default '{def}' does not exist yet. Run Initialize-DeirfWorkspace.", currentDirectory);
            }
            Initialize(def, "default");
        }
        return Open(def, WorkspaceSource.UserDefault);
    }

    /// <summary>
    /// The journal file of an incident, or of the workspace's governance journal, the roster (id "ROSTER"): roster
    /// changes and shared settings are proposed, signed and consumed there like incident steps.
    /// </summary>
    public string JournalPathFor(string incidentId) => WorkspaceLayout.PathIn(Root, WorkspaceLayout.JournalPath(incidentId));

    public JournalFile JournalOf(string incidentId)
    {
        var journal = new JournalFile(JournalPathFor(incidentId));
        if (!journal.Exists)
        {
            throw new DeirfException("IncidentNotFound", DeirfErrorKind.NotFound, $"No incident '{incidentId}' in workspace '{Root}'.", incidentId);
        }
        return journal;
    }

    /// <summary>Appends one typed statement (<see cref="Journal.Kinds.IEntryBody"/>) to an incident's journal as <paramref name="actor"/>.</summary>
    public JournalEntry Record(string incidentId, string actor, Journal.Kinds.IEntryBody body, JournalAppendOptions? options = null)
        => JournalOf(incidentId).Append(StatementDraft.Of(actor, body), options ?? JournalAppendOptions.Default);

    public IEnumerable<string> IncidentIds()
        => Directory.Exists(IncidentsDirectory)
            ? Directory.EnumerateDirectories(IncidentsDirectory, IncidentFolderGlob).Select(Path.GetFileName)
                .Where(n => n is not null && File.Exists(Path.Combine(IncidentsDirectory, n, WorkspaceLayout.JournalFileName))).Order(StringComparer.Ordinal)!
            : [];

    /// <inheritdoc cref="WorkspaceLayout.ValidateIncidentId"/>
    public static string ValidateIncidentId(string id) => WorkspaceLayout.ValidateIncidentId(id);

    /// <summary>Opens a new incident: its journal with the genesis entry "incident.opened".</summary>
    /// <remarks>
    /// With an <paramref name="alert"/>, the genesis body records its format, source, event time and the SHA-256 of
    /// its original bytes, and those bytes are stored in the workspace's configured evidence store (local or S3) before the
    /// incident is opened.
    /// </remarks>
    public Incident OpenIncident(string title, string reporter, IEnumerable<string>? tags = null, bool drill = false, JournalAppendOptions? options = null,
        Alerts.Alert? alert = null)
    {
        options ??= JournalAppendOptions.Default;
        var opened = IncidentOpened.Body.Of(title, reporter, tags, drill, alert);
        EntryKinds.Validate(IncidentOpened.KindName, opened.ToBody());
        JournalFile.ValidateHandle(reporter);
        var now = options.Clock.GetUtcNow();
        // The alert's original bytes go into the write-once evidence store BEFORE the incident exists: if this fails,
        // nothing is opened; if opening then fails, the stored object is harmless (content-addressed, deduplicated).
        var store = Evidence.EvidenceStores.Open(this);
        using var ownedStore = store as IDisposable;
        var storedAlert = alert is null ? null : store.Put(new MemoryStream(alert.RawBytes, writable: false), new Evidence.EvidencePutOptions
        {
            ExpectedSize = alert.RawBytes.Length,
            SourceName = alert.SourcePath ?? $"{alert.Format} alert",
            CancellationToken = options.CancellationToken,
        });
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var id = WorkspaceLayout.IncidentIdFor(now, RandomNumberGenerator.GetBytes(2));
            var journal = new JournalFile(JournalPathFor(id));
            if (journal.Exists)
            {
                continue;
            }
            try
            {
                journal.CreateGenesis(WorkspaceId, id, StatementDraft.Of(reporter, opened) with { Timestamp = now }, options);
            }
            catch (DeirfException ex) when (ex.ErrorId == "IncidentAlreadyExists")
            {
                continue;
            }
            if (alert is not null && storedAlert is not null)
            {
                // Chain of custody for the alert, as for any evidence: the reporter collected it.
                var custody = new EvidenceAdded.Body(storedAlert.Sha256, storedAlert.Size, alert.SourcePath ?? $"({alert.Format} alert from the pipeline)",
                    alert.SourcePath is { } sp ? Path.GetFileName(sp) : AlertFileName(alert.Sha256), reporter, "alert",
                    store is not Evidence.LocalEvidenceStore ? storedAlert.StoredPath : null);
                journal.Append(StatementDraft.Of(reporter, custody) with { Timestamp = now }, options with { CancellationToken = CancellationToken.None });
            }
            return Incident.Load(this, id);
        }
        throw new DeirfException("IncidentIdExhausted", DeirfErrorKind.ResourceUnavailable, "Could not find a free incident id for today after 20 tries.", title);
    }

    /// <inheritdoc cref="WorkspaceLayout.AlertEvidenceName"/>
    public static string AlertFileName(string sha256) => WorkspaceLayout.AlertEvidenceName(sha256);

    /// <summary>
    /// Closes an incident once. The "already closed" check and the write happen under the journal lock
    /// (<see cref="JournalFile.AppendChecked"/>), so two responders closing at the same moment cannot both succeed.
    /// </summary>
    public Incident CloseIncident(string id, string actor, string resolution, JournalAppendOptions? options = null)
    {
        options ??= JournalAppendOptions.Default;
        var journal = JournalOf(ValidateIncidentId(id));
        journal.AppendChecked(() =>
        {
            var current = GetIncident(id);
            if (current.State == "Closed")
            {
                throw new DeirfException("IncidentAlreadyClosed", DeirfErrorKind.InvalidOperation,
                    $"Incident '{current.Id}' was closed at {current.Closed:yyyy-MM-dd HH:mm}Z ({current.Resolution}). Add notes with Add-DeirfNote.", current.Id);
            }
            return [StatementDraft.Of(actor, new IncidentClosed.Body(resolution))];
        }, options);
        return GetIncident(id);
    }

    public Incident GetIncident(string id) => Incident.Load(this, ValidateIncidentId(id));

    public IEnumerable<Incident> GetIncidents() => IncidentIds().Select(id => Incident.Load(this, id));

    public override string ToString() => $"{Name} ({WorkspaceId}) at {Root}";
}
