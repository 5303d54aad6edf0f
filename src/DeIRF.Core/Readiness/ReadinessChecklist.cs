using System.Globalization;
using System.Text.Json;
using DeIRF.Metrics;
using DeIRF.Workspaces;

namespace DeIRF.Readiness;

/// <summary>What every probe may read: the workspace, the clock, and (computed once) the incidents' metrics.</summary>
public sealed class ReadinessContext
{
    public ReadinessContext(Workspace workspace, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        Workspace = workspace;
        Now = (clock ?? TimeProvider.System).GetUtcNow().ToUniversalTime();
        CancellationToken = cancellationToken;
        _incidents = new Lazy<IReadOnlyList<IncidentMetrics>>(() => MetricsCalculator.ForWorkspace(workspace, (id, ex) => Problems.Add($"{id}: {ex.Message}"), cancellationToken));
    }

    public Workspace Workspace { get; }
    public DateTimeOffset Now { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>Every incident of the workspace, drills included (probes filter); unreadable journals go to <see cref="Problems"/>.</summary>
    public IReadOnlyList<IncidentMetrics> Incidents => _incidents.Value;
    private readonly Lazy<IReadOnlyList<IncidentMetrics>> _incidents;

    public List<string> Problems { get; } = [];

    public string PathOf(string name) => WorkspaceLayout.PathIn(Workspace.Root, name);
}

/// <summary>
/// The seed's preparation checklist (section 3) and keep-alive cadences (section 10) as checks with Pass/Warn/Fail, a
/// one-line reason and a one-line fix. Where each input lives in a workspace: docs/readiness.md.
/// </summary>
public static class ReadinessChecklist
{
    public const string Preparation = "3 Preparation";
    public const string KeepAlive = "10 Keep it alive";

    public const string AssetsJson = WorkspaceLayout.AssetsJsonFile;
    public const string AssetsCsv = WorkspaceLayout.AssetsCsvFile;
    public const string LogPipelineFile = WorkspaceLayout.LogPipelineFile;
    public const string IntegrationsFile = WorkspaceLayout.IntegrationsFile;
    public const string DetectionFolder = WorkspaceLayout.DetectionFolder;
    public const string DrillsFolder = WorkspaceLayout.DrillsFolder;
    public const string SecretsRotationFile = WorkspaceLayout.SecretsRotationFile;

    /// <summary>A drill "within the quarter": 92 days (the longest quarter).</summary>
    public static readonly TimeSpan DrillWindow = TimeSpan.FromDays(92);

    /// <summary>Identity proofs are reviewed every six months: 182 days, as Test-DeirfIdentityProof's default.</summary>
    public static readonly TimeSpan ProofReviewPeriod = TimeSpan.FromDays(182);

    /// <summary>The metrics trend compares the last 90 days with the 90 before.</summary>
    public static readonly TimeSpan TrendWindow = TimeSpan.FromDays(90);

    /// <summary>A trend up to 10 % worse is noise, not a regression.</summary>
    public const double TrendTolerance = 0.10;

    /// <summary>Clock-skew measurements older than this are stale (the pipeline may have drifted since).</summary>
    public static readonly TimeSpan SkewMeasurementMaxAge = TimeSpan.FromDays(7);

    /// <summary>Default log pipeline tolerance when log-pipeline.json names none.</summary>
    public const int DefaultSkewToleranceMs = 2000;

    public static readonly string[] RuleExtensions = [".yaml", ".yml", ".json", ".rules", ".toml", ".sigma", ".yar", ".yara", ".ps1", ".sh"];

    /// <summary>
    /// Probes for "evidence store write-once", asked in order; the first that applies (returns non-null) answers: the S3
    /// object-lock probe for a workspace whose evidence-store.json says S3, else the local store probe (always applies).
    /// </summary>
    public static List<IReadinessProbe> EvidenceStoreProbes { get; } = [new S3ObjectLockProbe(), new LocalEvidenceStoreProbe()];

    public static IReadOnlyList<ReadinessCheck> Run(Workspace ws, TimeProvider? clock = null, CancellationToken cancellationToken = default)
        => Run(new ReadinessContext(ws, clock, cancellationToken));

    public static IReadOnlyList<ReadinessCheck> Run(ReadinessContext ctx)
    {
        var checks = new List<ReadinessCheck>
        {
            AssetInventory(ctx),
            LogPipelineClock(ctx),
            SecureChannel(ctx),
            EvidenceStore(ctx),
            AlertRules(ctx),
            LastDrill(ctx),
            SecretsRotated(ctx),
            IdentityProofsReviewed(ctx),
            RosterSealed(ctx),
            QuorumReachable(ctx),
            Trend(ctx, MetricsCalculator.Mttd, "time to detect"),
            Trend(ctx, MetricsCalculator.Mttc, "time to contain"),
        };
        return checks;
    }

    /// <summary>True when no check failed (warnings allowed): the answer of Test-DeirfReadiness -Quiet.</summary>
    public static bool IsReady(IEnumerable<ReadinessCheck> checks) => checks.All(c => c.Status != ReadinessStatus.Fail);

    internal static ReadinessCheck Result(string item, string section, ReadinessStatus status, string reason, string fix, string source)
        => new() { Item = item, Section = section, Status = status, Reason = reason, Fix = status == ReadinessStatus.Pass ? string.Empty : fix, Source = source };

    private static string Days(TimeSpan t) => ((int)Math.Floor(t.TotalDays)).ToString(CultureInfo.InvariantCulture) + " days";

    // ---- section 3 ----

    public static ReadinessCheck AssetInventory(ReadinessContext ctx)
    {
        const string item = "Asset inventory";
        const string fix = "List code, infra and keys in assets.json ({\"assets\":[{\"name\":\"api\",\"kind\":\"infra\",\"owner\":\"ops\"}]}) or assets.csv (name,kind,owner).";
        var json = ctx.PathOf(AssetsJson);
        var csv = ctx.PathOf(AssetsCsv);
        var kinds = new List<string>();
        string source;
        try
        {
            if (File.Exists(json))
            {
                source = AssetsJson;
                using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
                var list = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement
                    : doc.RootElement.TryGetProperty("assets", out var a) && a.ValueKind == JsonValueKind.Array ? a
                    : throw new JsonException("expected an array of assets or {\"assets\": [...]}");
                foreach (var asset in list.EnumerateArray())
                {
                    kinds.Add(asset.ValueKind == JsonValueKind.Object && asset.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()!.Trim().ToLowerInvariant() : string.Empty);
                }
            }
            else if (File.Exists(csv))
            {
                source = AssetsCsv;
                var lines = File.ReadAllLines(csv).Where(l => l.Trim().Length > 0).ToList();
                if (lines.Count > 0)
                {
                    var header = lines[0].Split(',').Select(h => h.Trim().Trim('"').ToLowerInvariant()).ToList();
                    var kindColumn = header.IndexOf("kind");
                    foreach (var line in lines.Skip(1))
                    {
                        var cells = line.Split(',');
                        kinds.Add(kindColumn >= 0 && kindColumn < cells.Length ? cells[kindColumn].Trim().Trim('"').ToLowerInvariant() : string.Empty);
                    }
                }
            }
            else
            {
                return Result(item, Preparation, ReadinessStatus.Fail, "No asset inventory: neither assets.json nor assets.csv in the workspace.", fix, AssetsJson);
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"The asset inventory cannot be read: {ex.Message}", fix, File.Exists(json) ? AssetsJson : AssetsCsv);
        }
        if (kinds.Count == 0)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"{source} lists no assets.", fix, source);
        }
        var missing = new[] { "code", "infra", "keys" }.Where(k => !kinds.Contains(k)).ToArray();
        return missing.Length == 0
            ? Result(item, Preparation, ReadinessStatus.Pass, $"{kinds.Count} assets in {source}, covering code, infra and keys.", fix, source)
            : Result(item, Preparation, ReadinessStatus.Warn, $"{kinds.Count} assets in {source}, but none of kind {string.Join(", ", missing)}.",
                $"Add the {string.Join(", ", missing)} you run (kind \"{missing[0]}\") to {source}: you cannot protect what you do not know.", source);
    }

    public static ReadinessCheck LogPipelineClock(ReadinessContext ctx)
    {
        const string item = "Log pipeline clock";
        const string fix = "Record the pipeline's measured clock skew per source in log-pipeline.json ({\"tolerance_ms\":2000,\"sources\":[{\"name\":\"nodes\",\"skew_ms\":40,\"measured\":\"<UTC time>\"}]}), e.g. from chrony/timesync metrics.";
        var path = ctx.PathOf(LogPipelineFile);
        if (!File.Exists(path))
        {
            return Result(item, Preparation, ReadinessStatus.Fail, "No log-pipeline.json: the log pipeline and its clock skew are not described.", fix, LogPipelineFile);
        }
        int tolerance;
        var worst = (Name: string.Empty, Skew: 0L);
        DateTimeOffset? newest = null;
        int sources = 0;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            tolerance = root.TryGetProperty("tolerance_ms", out var t) && t.TryGetInt32(out var tv) && tv > 0 ? tv : DefaultSkewToleranceMs;
            if (root.TryGetProperty("sources", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in list.EnumerateArray())
                {
                    if (!s.TryGetProperty("skew_ms", out var sk) || !sk.TryGetInt64(out var skew))
                    {
                        throw new JsonException("every source needs a numeric skew_ms");
                    }
                    sources++;
                    if (Math.Abs(skew) >= Math.Abs(worst.Skew))
                    {
                        worst = (s.TryGetProperty("name", out var n) ? n.GetString() ?? "?" : "?", skew);
                    }
                    if (s.TryGetProperty("measured", out var m) && DateTimeOffset.TryParse(m.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
                    {
                        newest = newest is null || when > newest ? when : newest;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"log-pipeline.json cannot be read: {ex.Message}", fix, LogPipelineFile);
        }
        if (sources == 0)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, "log-pipeline.json has no measured sources.", fix, LogPipelineFile);
        }
        if (Math.Abs(worst.Skew) > tolerance)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"Source '{worst.Name}' is {worst.Skew} ms off, beyond the {tolerance} ms tolerance.",
                $"Fix time sync (NTP/chrony) on '{worst.Name}' and record a new measurement.", LogPipelineFile);
        }
        // The journals are a second witness: an alert whose event time is after the incident was opened means the
        // pipeline's clock runs ahead of the responders'.
        var ahead = ctx.Incidents.Where(m => !m.IsDrill && m.AlertTime is { } at && m.Opened >= ctx.Now - TrendWindow && (at - m.Opened).TotalMilliseconds > tolerance)
            .OrderByDescending(m => m.AlertTime!.Value - m.Opened).FirstOrDefault();
        if (ahead is not null)
        {
            return Result(item, Preparation, ReadinessStatus.Fail,
                $"{ahead.Incident}: the alert's event time is {(ahead.AlertTime!.Value - ahead.Opened).TotalSeconds:0.###} s after the incident was opened (pipeline clock ahead).",
                "Fix time sync on the alert source; MTTD of that incident is not counted until then.", $"incidents/{ahead.Incident}");
        }
        if (newest is null || ctx.Now - newest > SkewMeasurementMaxAge)
        {
            return Result(item, Preparation, ReadinessStatus.Warn,
                newest is null ? "Skew within tolerance, but the measurements carry no 'measured' time." : $"Skew within tolerance, but last measured {Days(ctx.Now - newest.Value)} ago.",
                "Measure the skew again (at least weekly) and update log-pipeline.json.", LogPipelineFile);
        }
        return Result(item, Preparation, ReadinessStatus.Pass, $"{sources} source(s), worst skew {Math.Abs(worst.Skew)} ms within {tolerance} ms, measured {Days(ctx.Now - newest.Value)} ago.", fix, LogPipelineFile);
    }

    public static ReadinessCheck SecureChannel(ReadinessContext ctx)
    {
        const string item = "Secure comms channel";
        const string fix = "Configure the incident channel in integrations.json ({\"channel\":{\"kind\":\"matrix\",\"homeserver\":\"https://matrix.example.org\",\"e2ee\":true}}); the token stays in $env:DEIRF_MATRIX_TOKEN.";
        var path = ctx.PathOf(IntegrationsFile);
        if (!File.Exists(path))
        {
            return Result(item, Preparation, ReadinessStatus.Fail, "No integrations.json: no incident channel is configured.", fix, IntegrationsFile);
        }
        string kind, endpoint;
        bool e2ee;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("channel", out var ch) || ch.ValueKind != JsonValueKind.Object)
            {
                return Result(item, Preparation, ReadinessStatus.Fail, "integrations.json has no 'channel'.", fix, IntegrationsFile);
            }
            kind = ch.TryGetProperty("kind", out var k) ? (k.GetString() ?? string.Empty).ToLowerInvariant() : string.Empty;
            endpoint = ch.TryGetProperty("homeserver", out var hs) ? hs.GetString() ?? string.Empty : ch.TryGetProperty("endpoint", out var ep) ? ep.GetString() ?? string.Empty : string.Empty;
            e2ee = ch.TryGetProperty("e2ee", out var e) && e.ValueKind == JsonValueKind.True;
            foreach (var secretLike in new[] { "token", "access_token", "password", "webhook_url" })
            {
                if (ch.TryGetProperty(secretLike, out _))
                {
                    return Result(item, Preparation, ReadinessStatus.Fail, $"integrations.json holds a '{secretLike}': secrets do not belong in the workspace.",
                        "Remove it from the file (and rotate it); pass tokens as SecureString or $env:DEIRF_*_TOKEN.", IntegrationsFile);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"integrations.json cannot be read: {ex.Message}", fix, IntegrationsFile);
        }
        if (endpoint.Length > 0 && !endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"The {kind} channel endpoint '{endpoint}' is not HTTPS.", "Use the https:// address of the server.", IntegrationsFile);
        }
        return kind switch
        {
            "matrix" or "signal" or "wire" when e2ee => Result(item, Preparation, ReadinessStatus.Pass, $"{kind} channel with end-to-end encryption{(endpoint.Length > 0 ? $" at {endpoint}" : string.Empty)}.", fix, IntegrationsFile),
            "matrix" or "signal" or "wire" => Result(item, Preparation, ReadinessStatus.Warn, $"{kind} channel configured without \"e2ee\": true.",
                "Turn on end-to-end encryption for incident rooms and set \"e2ee\": true.", IntegrationsFile),
            "" => Result(item, Preparation, ReadinessStatus.Fail, "The channel in integrations.json has no 'kind'.", fix, IntegrationsFile),
            _ => Result(item, Preparation, ReadinessStatus.Warn, $"{kind} channel: no end-to-end encryption for the swarm.",
                "Prefer Matrix (E2EE), Signal or Wire for the incident swarm; keep this one for announcements.", IntegrationsFile),
        };
    }

    public static ReadinessCheck EvidenceStore(ReadinessContext ctx)
    {
        foreach (var probe in EvidenceStoreProbes)
        {
            if (probe.Check(ctx) is { } result)
            {
                return result;
            }
        }
        return Result("Evidence store write-once", Preparation, ReadinessStatus.Fail, "No evidence store probe applies.", "Configure an evidence store.", "evidence");
    }

    public static ReadinessCheck AlertRules(ReadinessContext ctx)
    {
        const string item = "Automated alert rules";
        var dir = ctx.PathOf(DetectionFolder);
        var fix = $"Keep the detection rules (Falco, Prometheus/Alertmanager, Sigma, on-chain monitors) in {DetectionFolder}/, reviewed like code.";
        if (!Directory.Exists(dir))
        {
            return Result(item, Preparation, ReadinessStatus.Fail, $"No {DetectionFolder}/ folder: no alert rules are kept with the workspace.", fix, DetectionFolder);
        }
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList();
        var rules = files.Where(f => RuleExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase) && new FileInfo(f).Length > 0).ToList();
        if (rules.Count == 0)
        {
            return files.Count == 0
                ? Result(item, Preparation, ReadinessStatus.Fail, $"{DetectionFolder}/ is empty.", fix, DetectionFolder)
                : Result(item, Preparation, ReadinessStatus.Warn, $"{DetectionFolder}/ holds {files.Count} file(s), none a non-empty rule file ({string.Join(" ", RuleExtensions)}).", fix, DetectionFolder);
        }
        return Result(item, Preparation, ReadinessStatus.Pass, $"{rules.Count} rule file(s) in {DetectionFolder}/.", fix, DetectionFolder);
    }

    public static ReadinessCheck LastDrill(ReadinessContext ctx)
    {
        const string item = "Drill schedule";
        const string fix = "Run a gameday drill (Start-DeirfDrill -Scenario leaked-key -Workspace ./drills/<name>) and schedule it quarterly (Register-DeirfDrill).";
        // Drill incidents here, and in the sandbox workspaces kept under drills/.
        DateTimeOffset? last = null;
        string? where = null;
        foreach (var m in ctx.Incidents.Where(m => m.IsDrill))
        {
            if (last is null || m.Opened > last)
            {
                (last, where) = (m.Opened, m.Incident);
            }
        }
        var sandboxes = ctx.PathOf(DrillsFolder);
        if (Directory.Exists(sandboxes))
        {
            foreach (var dir in Directory.EnumerateDirectories(sandboxes).Where(Workspace.IsWorkspace))
            {
                try
                {
                    foreach (var m in MetricsCalculator.ForWorkspace(Workspace.Open(dir), (_, _) => { }, ctx.CancellationToken).Where(m => m.IsDrill))
                    {
                        if (last is null || m.Opened > last)
                        {
                            (last, where) = (m.Opened, $"{DrillsFolder}/{Path.GetFileName(dir)}/{m.Incident}");
                        }
                    }
                }
                catch (DeirfException)
                {
                    // A damaged sandbox is not a drill record; the drill check goes on with the others.
                }
            }
        }
        if (last is null)
        {
            return Result(item, Preparation, ReadinessStatus.Fail, "No drill on record (no drill incident here or under drills/).", fix, DrillsFolder);
        }
        var age = ctx.Now - last.Value;
        return age <= DrillWindow
            ? Result(item, Preparation, ReadinessStatus.Pass, $"Last drill {where} {Days(age)} ago (within the quarter).", fix, DrillsFolder)
            : Result(item, Preparation, ReadinessStatus.Fail, $"Last drill {where} was {Days(age)} ago: more than a quarter.", fix, DrillsFolder);
    }

    // ---- section 10 ----

    public static ReadinessCheck SecretsRotated(ReadinessContext ctx)
    {
        const string item = "Secrets rotated on cadence";
        const string fix = "List each secret's name, cadence and last rotation in secrets-rotation.json ({\"secrets\":[{\"name\":\"matrix-bot-token\",\"cadence_days\":90,\"last_rotated\":\"<UTC time>\"}]}); never the value.";
        var path = ctx.PathOf(SecretsRotationFile);
        if (!File.Exists(path))
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail, "No secrets-rotation.json: no rotation cadence is kept.", fix, SecretsRotationFile);
        }
        var overdue = new List<string>();
        var soon = new List<string>();
        int count = 0;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("secrets", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("expected {\"secrets\": [...]}");
            }
            foreach (var s in list.EnumerateArray())
            {
                var name = s.TryGetProperty("name", out var n) ? n.GetString() ?? "?" : "?";
                if (s.TryGetProperty("value", out _) || s.TryGetProperty("secret", out _))
                {
                    return Result(item, KeepAlive, ReadinessStatus.Fail, $"secrets-rotation.json holds the value of '{name}'.",
                        "Remove the value from the file and rotate that secret now: the file records dates only.", SecretsRotationFile);
                }
                if (!s.TryGetProperty("cadence_days", out var c) || !c.TryGetInt32(out var cadence) || cadence <= 0
                    || !s.TryGetProperty("last_rotated", out var lr)
                    || !DateTimeOffset.TryParse(lr.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var last))
                {
                    throw new JsonException($"secret '{name}' needs cadence_days (> 0) and last_rotated (a UTC time)");
                }
                count++;
                var due = last + TimeSpan.FromDays(cadence);
                if (due < ctx.Now)
                {
                    overdue.Add($"{name} ({Days(ctx.Now - due)} overdue)");
                }
                else if (due - ctx.Now <= TimeSpan.FromDays(14))
                {
                    soon.Add($"{name} (due in {Days(due - ctx.Now)})");
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail, $"secrets-rotation.json cannot be read: {ex.Message}", fix, SecretsRotationFile);
        }
        if (count == 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail, "secrets-rotation.json lists no secrets.", fix, SecretsRotationFile);
        }
        if (overdue.Count > 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail, $"Overdue: {string.Join(", ", overdue)}.", "Rotate them now and update last_rotated in secrets-rotation.json.", SecretsRotationFile);
        }
        return soon.Count > 0
            ? Result(item, KeepAlive, ReadinessStatus.Warn, $"Due within 14 days: {string.Join(", ", soon)}.", "Schedule the rotation before it falls due.", SecretsRotationFile)
            : Result(item, KeepAlive, ReadinessStatus.Pass, $"{count} secret(s) rotated within their cadence.", fix, SecretsRotationFile);
    }

    /// <summary>
    /// Is the founding over? Until every founder has sealed the roster (Complete-DeirfRosterGenesis) one of them can
    /// still add responders alone; a roster holding entries its rules refuse fails.
    /// </summary>
    /// <summary>A quorum unreachable for longer than this in a typical week is a warning (follow the sun: docs/swarm.md).</summary>
    public const int QuorumGapHours = 12;

    /// <summary>
    /// Follow the sun: for each rule of the quorum policy, by roster roles and the responders' declared hours (on call:
    /// always; nothing declared: always), the longest stretch of a typical week when its quorum cannot be reached.
    /// </summary>
    public static ReadinessCheck QuorumReachable(ReadinessContext ctx, int maxGapHours = QuorumGapHours)
    {
        const string item = "Quorum reachable around the clock";
        const string fix = "Declare hours across time zones and put someone on call (Set-DeirfResponder -TimeZone -WorkingHours [-OnCall]); Test-DeirfQuorum -Reachability -Action shows who is missing when.";
        Identity.Roster roster;
        Quorum.QuorumPolicy policy;
        try
        {
            roster = Identity.Roster.Load(ctx.Workspace);
            policy = Quorum.QuorumPolicy.Load(ctx.Workspace, roster);
        }
        catch (DeirfException ex)
        {
            return Result(item, Preparation, ReadinessStatus.Warn, $"not checked: {ex.Message}", fix, Identity.Roster.FileName);
        }
        if (roster.Responders.Count == 0)
        {
            return Result(item, Preparation, ReadinessStatus.Warn, "the roster holds no responders", fix, Identity.Roster.FileName);
        }
        var gaps = Swarm.Reachability.WeeklyGaps(roster, policy, ctx.Now).Where(g => g.LongestGapHours > maxGapHours).ToList();
        var declared = roster.Responders.Count(r => r.Availability is not null);
        return gaps.Count == 0
            ? Result(item, Preparation, ReadinessStatus.Pass,
                $"every rule's quorum can be reached with no gap over {maxGapHours} h in a typical week ({declared} of {roster.Responders.Count} responder(s) declared hours; the others count as reachable)", fix, Identity.Roster.FileName)
            : Result(item, Preparation, ReadinessStatus.Warn,
                $"unreachable for more than {maxGapHours} h in a typical week: " + string.Join("; ", gaps.Select(g => $"{g.Rule.Action} ({g.Rule.RequireText}) up to {g.LongestGapHours} h at a stretch, {g.UnreachableHours} h in all")),
                fix, Identity.Roster.FileName);
    }

    public static ReadinessCheck RosterSealed(ReadinessContext ctx)
    {
        const string item = "Roster sealed";
        const string fix = "When the founding team is complete, every founder runs Complete-DeirfRosterGenesis -Responder <handle> on their own machine (docs/identities.md).";
        if (LoadRoster(ctx, item, out var roster) is { } unreadable)
        {
            return unreadable;
        }
        if (roster.Problems.Count > 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail, $"{roster.Problems.Count} roster entr{(roster.Problems.Count == 1 ? "y breaks" : "ies break")} its rules, first {roster.Problems[0]}.",
                "Find who wrote it (Test-DeirfJournal -Roster, git log) and treat it as an incident; the roster does not apply it.", Identity.Roster.FileName);
        }
        if (roster.IsSealed)
        {
            return Result(item, KeepAlive, ReadinessStatus.Pass, $"Sealed at ROSTER#{roster.SealedAtSeq} by {string.Join(", ", roster.Founders)}: roster changes need a quorum.", fix, Identity.Roster.FileName);
        }
        var toSeal = roster.FoundersToSeal;
        return Result(item, KeepAlive, ReadinessStatus.Warn,
            $"The founding is open: one founder can still add responders alone{(toSeal.Count > 0 ? $" (to seal: {string.Join(", ", toSeal)})" : string.Empty)}.", fix, Identity.Roster.FileName);
    }

    /// <summary>The roster for a check, or the check's Fail when it cannot be read.</summary>
    private static ReadinessCheck? LoadRoster(ReadinessContext ctx, string item, out Identity.Roster roster)
    {
        try
        {
            roster = Identity.Roster.Load(ctx.Workspace);
            return null;
        }
        catch (DeirfException ex)
        {
            roster = null!;
            return Result(item, KeepAlive, ReadinessStatus.Fail, $"The roster cannot be read: {ex.Message}", "Check it with Test-DeirfJournal -Roster.", Identity.Roster.FileName);
        }
    }

    public static ReadinessCheck IdentityProofsReviewed(ReadinessContext ctx)
    {
        const string item = "Identity proofs reviewed";
        const string fix = "Review each proof every six months: Test-DeirfIdentityProof shows stale ones; a fresh signature confirms them.";
        if (LoadRoster(ctx, item, out var roster) is { } unreadable)
        {
            return unreadable;
        }
        var active = roster.Responders.SelectMany(r => r.ActiveProofs).ToList();
        if (active.Count == 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail, "No responder with an active identity proof on the roster.",
                "Add responders (New-DeirfResponder) with two proofs of different kinds each (Add-DeirfIdentityProof).", Identity.Roster.FileName);
        }
        var stale = active.Where(p => ctx.Now - p.LastConfirmedAt > ProofReviewPeriod).ToList();
        if (stale.Count > 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Fail,
                $"{stale.Count} of {active.Count} proofs unconfirmed for over six months: {string.Join(", ", stale.Take(5).Select(p => $"{p.Handle} {p.Kind}"))}{(stale.Count > 5 ? ", ..." : string.Empty)}.",
                fix, Identity.Roster.FileName);
        }
        var soon = active.Where(p => ctx.Now - p.LastConfirmedAt > ProofReviewPeriod - TimeSpan.FromDays(30)).ToList();
        var ineligible = roster.Responders.Where(r => !r.Eligible).Select(r => r.Handle).ToList();
        if (ineligible.Count > 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Warn, $"Not eligible for a role (fewer than two proof kinds): {string.Join(", ", ineligible)}.",
                "Add a second proof of another kind for each (Add-DeirfIdentityProof).", Identity.Roster.FileName);
        }
        return soon.Count > 0
            ? Result(item, KeepAlive, ReadinessStatus.Warn, $"{soon.Count} proof(s) fall due for review within 30 days: {string.Join(", ", soon.Take(5).Select(p => $"{p.Handle} {p.Kind}"))}.", fix, Identity.Roster.FileName)
            : Result(item, KeepAlive, ReadinessStatus.Pass, $"{active.Count} active proofs of {roster.Responders.Count} responder(s), all confirmed within six months.", fix, Identity.Roster.FileName);
    }

    public static ReadinessCheck Trend(ReadinessContext ctx, string metric, string words)
    {
        var item = $"{metric} trend";
        var recentFrom = ctx.Now - TrendWindow;
        var earlierFrom = recentFrom - TrendWindow;
        var real = ctx.Incidents.Where(m => !m.IsDrill).ToList();
        var recent = MetricsCalculator.Summarize(MetricsCalculator.All, metric, MetricsCalculator.Select(real, new MetricsSelection { Since = recentFrom, Until = ctx.Now }));
        var earlier = MetricsCalculator.Summarize(MetricsCalculator.All, metric, MetricsCalculator.Select(real, new MetricsSelection { Since = earlierFrom, Until = recentFrom }));
        var fix = $"Measure it: open incidents from alerts (ConvertFrom-DeirfAlert | New-DeirfIncident) and journal containment, so {metric} has a sample in both windows.";
        if (recent.N == 0 || earlier.N == 0)
        {
            return Result(item, KeepAlive, ReadinessStatus.Warn,
                $"Not enough data: {metric} n={recent.N} in the last 90 days, n={earlier.N} in the 90 before (real incidents only).", fix, "incidents");
        }
        var change = (recent.Mean!.Value.TotalMilliseconds - earlier.Mean!.Value.TotalMilliseconds) / Math.Max(1, earlier.Mean.Value.TotalMilliseconds);
        var text = $"{metric} {recent.Statistic} {recent.MeanText} (last 90 days, n={recent.N}) vs {earlier.Statistic} {earlier.MeanText} (90 before, n={earlier.N}): {(change * 100).ToString("+0;-0;0", CultureInfo.InvariantCulture)}%.";
        return change > TrendTolerance
            ? Result(item, KeepAlive, ReadinessStatus.Warn, text, $"Mean {words} got worse: review the retrospectives' action items, runbooks and detection rules.", "incidents")
            : Result(item, KeepAlive, ReadinessStatus.Pass, text, fix, "incidents");
    }
}
