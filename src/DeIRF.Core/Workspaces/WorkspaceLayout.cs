using System.Globalization;
using System.Text.RegularExpressions;

namespace DeIRF.Workspaces;

/// <summary>
/// Where everything lives inside a workspace, and what an incident id is: pure functions from ids to paths relative to
/// the workspace root ('/'-separated, as git and the sync see them) and back, and which of those paths the replicas
/// share. The one owner of the layout, as transparency-dev/tessera's api/layout is of tiles: the workspace, journals,
/// checkpoints, evidence, settings and sync ask here instead of joining names by hand. docs/sync.md lists the layout.
/// </summary>
public static class WorkspaceLayout
{
    // ---------------------------------------------------------------- ids

    public const string IncidentIdPrefix = "INC-";

    /// <summary>
    /// An incident id as a regular expression without anchors: INC- and 1 to 60 ASCII letters, digits, '-' or '_'
    /// (INC-yyyyMMdd-XXXX as opened; at most 64 characters: a folder name on every filesystem, a Kubernetes label value).
    /// </summary>
    public const string IncidentIdPattern = "INC-[A-Za-z0-9_-]{1,60}";

    public const int MaxIncidentIdLength = 64;

    /// <summary>The journal id of the workspace's governance journal (roster, shared settings).</summary>
    public const string RosterJournalId = "ROSTER";

    private static readonly Regex IncidentId = new(@"^(?:" + IncidentIdPattern + @")\z", RegexOptions.CultureInvariant);

    public static bool IsIncidentId(string? id) => id is not null && IncidentId.IsMatch(id);

    /// <summary>Incident ids are INC-yyyyMMdd-XXXX: readable, sortable by day, unlikely to collide across replicas.</summary>
    public static string ValidateIncidentId(string id)
        => IsIncidentId(id)
            ? id
            : throw new DeirfException("IncidentIdInvalid", DeirfErrorKind.InvalidArgument, $"'{id}' is not an incident id (expected INC-yyyyMMdd-XXXX).", id);

    /// <summary>The id of an incident opened at <paramref name="opened"/>: its UTC day and the hex of <paramref name="suffix"/>.</summary>
    public static string IncidentIdFor(DateTimeOffset opened, ReadOnlySpan<byte> suffix)
        => ValidateIncidentId(IncidentIdPrefix + opened.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(suffix));

    // ---------------------------------------------------------------- shared files at the root

    /// <summary>The workspace's own settings (id, name, format).</summary>
    public const string SettingsFile = "deirf-workspace.json";

    /// <summary>The roster journal (<see cref="RosterJournalId"/>).</summary>
    public const string RosterFile = "roster.jsonl";

    public const string GitIgnoreFile = ".gitignore";
    public const string ReadmeFile = "README.md";

    public const string QuorumPolicyFile = "quorum-policy.json";
    public const string EvidenceStoreFile = "evidence-store.json";
    public const string DeadlinePolicyFile = "deadline-policy.json";

    /// <summary>The sync policy (commit signatures: require, warn, off), governed like the quorum policy.</summary>
    public const string SyncPolicyFile = "sync-policy.json";

    // Declared by CheckpointPolicy (another change owns that file); named here so the layout lists it once.
    public const string CheckpointPolicyFile = Checkpoints.CheckpointPolicy.FileName;
    public const string SeverityMatrixFile = "severity-matrix.json";
    public const string AssetsJsonFile = "assets.json";
    public const string AssetsCsvFile = "assets.csv";
    public const string LogPipelineFile = "log-pipeline.json";
    public const string IntegrationsFile = "integrations.json";
    public const string SecretsRotationFile = "secrets-rotation.json";

    /// <summary>SSH CA keys the workspace trusts, one authorized_keys line each.</summary>
    public const string SshCertificateAuthoritiesFile = "trust/ssh-ca.pub";

    /// <summary>Every single file of the layout outside the incidents and the shared folders.</summary>
    public static IReadOnlyList<string> SharedFiles { get; } =
    [
        GitIgnoreFile, SettingsFile, RosterFile, AssetsCsvFile, ReadmeFile,
        QuorumPolicyFile, EvidenceStoreFile, DeadlinePolicyFile, CheckpointPolicyFile, SeverityMatrixFile, AssetsJsonFile,
        LogPipelineFile, IntegrationsFile, SecretsRotationFile, SshCertificateAuthoritiesFile, SyncPolicyFile,
    ];

    // ---------------------------------------------------------------- shared folders

    public const string DetectionFolder = "detection";
    public const string DrillsFolder = "drills";
    public const string TemplatesFolder = "templates";
    public const string RunbooksFolder = "runbooks";

    /// <summary>Folders of plain files (rules, drill sandboxes, templates, runbooks): names of letters, digits, ' ._+@-', at most eight levels.</summary>
    public static IReadOnlyList<string> SharedFolders { get; } = [DetectionFolder, DrillsFolder, TemplatesFolder, RunbooksFolder];

    // ---------------------------------------------------------------- incidents

    public const string IncidentsFolder = "incidents";
    public const string JournalFileName = "journal.jsonl";
    public const string CheckpointsFolderName = "checkpoints";
    public const string CheckpointExtension = ".checkpoint";

    /// <summary>An incident journal's Merkle tree folder, beside the journal (replica-local: rebuilt from the journal).</summary>
    public const string TreeFolderName = "tree";

    public static string IncidentFolder(string incidentId) => IncidentsFolder + "/" + ValidateIncidentId(incidentId);

    /// <summary>The journal of an incident, or of the roster (<see cref="RosterJournalId"/>).</summary>
    public static string JournalPath(string journalId)
        => journalId == RosterJournalId ? RosterFile : IncidentFolder(journalId) + "/" + JournalFileName;

    public static string CheckpointsFolder(string incidentId) => IncidentFolder(incidentId) + "/" + CheckpointsFolderName;

    /// <summary>The checkpoint of an incident journal's first <paramref name="size"/> entries.</summary>
    public static string CheckpointPath(string incidentId, long size)
        => CheckpointsFolder(incidentId) + "/" + size.ToString("D10", CultureInfo.InvariantCulture) + CheckpointExtension;

    public static string TreeFolder(string incidentId) => IncidentFolder(incidentId) + "/" + TreeFolderName;

    private static readonly Regex IncidentJournal = new(@"^incidents/(" + IncidentIdPattern + @")/journal\.jsonl$", RegexOptions.CultureInvariant);
    private static readonly Regex IncidentCheckpoint = new(@"^incidents/(" + IncidentIdPattern + @")/checkpoints/[0-9]{1,20}\.checkpoint$", RegexOptions.CultureInvariant);

    /// <summary>The journal id of a relative path (<see cref="RosterJournalId"/> or the incident), or null when it is not a journal.</summary>
    public static string? JournalIdOf(string relativePath)
        => relativePath == RosterFile ? RosterJournalId : IncidentJournal.Match(relativePath) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>True for incidents/&lt;id&gt;/checkpoints/&lt;size&gt;.checkpoint.</summary>
    public static bool IsCheckpointPath(string relativePath) => IncidentCheckpoint.IsMatch(relativePath);

    // ---------------------------------------------------------------- evidence

    /// <summary>The local write-once evidence store.</summary>
    public const string EvidenceFolder = "evidence";

    /// <summary>The store's objects, by hash, inside <see cref="EvidenceFolder"/> (replica-local: the bytes never go to git).</summary>
    public const string EvidenceObjectsFolderName = "sha256";

    /// <summary>Temporary files of writes in progress, inside the folder they are written to.</summary>
    public const string IncomingFolderName = ".incoming";

    /// <summary>The evidence name of an alert that came from the pipeline rather than a file.</summary>
    public static string AlertEvidenceName(string sha256) => $"alert-{sha256}.json";

    // ---------------------------------------------------------------- replica-local

    /// <summary>The sync's own state (trusted heads, intents, set-aside files): per replica, never shared.</summary>
    public const string SyncStateFolder = ".deirf-sync";

    public const string TrustedHeadsFile = SyncStateFolder + "/trusted-heads.json";
    public const string SyncLockFile = SyncStateFolder + "/sync.lock";
    public const string SyncTempFolder = SyncStateFolder + "/tmp";
    public const string PendingWritesFolder = SyncStateFolder + "/pending";
    public const string ConflictsFolder = SyncStateFolder + "/conflicts";
    public const string SupersededFolder = SyncStateFolder + "/superseded";

    /// <summary>The intent of a journal replacement in progress (its new head), finished by the next sync after a crash.</summary>
    public static string PendingWrite(string journalId) => PendingWritesFolder + "/" + (journalId == RosterJournalId ? journalId : ValidateIncidentId(journalId)) + ".json";

    /// <summary>Where this replica's copy of <paramref name="relativePath"/> goes when the remote's changed copy wins.</summary>
    public static string ConflictCopy(string relativePath, DateTimeOffset at) => ConflictsFolder + "/" + relativePath + "." + Stamp(at);

    /// <summary>Where a checkpoint of a history that no longer exists is kept (never pushed).</summary>
    public static string SupersededCopy(string relativePath, DateTimeOffset at) => SupersededFolder + "/" + relativePath + "." + Stamp(at);

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);

    public const string GitFolder = ".git";
    public const string GitExcludeFile = GitFolder + "/info/exclude";

    /// <summary>
    /// Paths every replica keeps for itself (git ignore syntax): written to .gitignore and .git/info/exclude, never
    /// staged, and refused when a fetched tree holds them. Sync state and leftovers of interrupted writes are per
    /// machine; evidence objects stay out of git (memory dumps would bloat every clone forever): the custody entries
    /// travel in the journals, the bytes in the evidence store.
    /// </summary>
    public static readonly string[] ReplicaLocal =
    [
        "*.lock", "*.head", "*.tmp", "evidence/.incoming/", "incidents/*/tree/",
        SyncStateFolder + "/", "*.deirf-sync-tmp", "*.torn-*", "**/.incoming/", "evidence/sha256/", "drills/*.keys/",
    ];

    // The same paths as ReplicaLocal, as one expression over '/'-separated relative paths.
    private static readonly Regex ReplicaLocalPath = new(
        @"(^|/)\.deirf-sync(/|$)|\.lock$|\.head$|\.tmp$|\.deirf-sync-tmp$|\.torn-|(^|/)\.incoming(/|$)|(^|/)evidence/sha256(/|$)|(^|/)drills/[^/]*\.keys(/|$)|(^|/)incidents/[^/]+/tree(/|$)",
        RegexOptions.CultureInvariant);

    public static bool IsReplicaLocal(string relativePath) => ReplicaLocalPath.IsMatch(relativePath);

    // ---------------------------------------------------------------- the shared layout

    private static readonly Regex[] Shared =
    [
        new(@"^(" + string.Join("|", SharedFiles.Select(Regex.Escape)) + @")$", RegexOptions.CultureInvariant),
        IncidentJournal,
        IncidentCheckpoint,
        new(@"^(" + string.Join("|", SharedFolders.Select(Regex.Escape)) + @")/[A-Za-z0-9 ._+@-]+(/[A-Za-z0-9 ._+@-]+){0,7}$", RegexOptions.CultureInvariant),
    ];

    /// <summary>
    /// True for a path of the layout the replicas share: a file of <see cref="SharedFiles"/>, an incident journal or
    /// checkpoint, a file under <see cref="SharedFolders"/>. Says nothing of components (.., .git) or replica-local
    /// paths: <c>SyncTreePolicy.CheckPath</c> checks those first.
    /// </summary>
    public static bool IsSharedPath(string relativePath) => Shared.Any(r => r.IsMatch(relativePath));

    // ---------------------------------------------------------------- on disk

    /// <summary>The full path of a layout path in the workspace at <paramref name="root"/> (this platform's separators).</summary>
    public static string PathIn(string root, string relativePath) => Path.Combine(root, relativePath.Replace('/', Path.DirectorySeparatorChar));
}
