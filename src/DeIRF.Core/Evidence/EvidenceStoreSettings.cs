using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Workspaces;

namespace DeIRF.Evidence;

public enum EvidenceStoreKind { Local, S3 }

/// <summary>S3 object lock retention mode set on each object (None: the bucket's default retention, if any, applies).</summary>
public enum EvidenceLockMode { None, Governance, Compliance }

/// <summary>
/// Where a workspace keeps evidence bytes: evidence-store.json at the workspace root. Absent: the local store
/// (&lt;workspace&gt;/evidence). Holds no secret — S3 credentials come only from the standard AWS chain (environment,
/// profile) on each responder's machine. {"version":1,"kind":"s3","bucket":…,"region":…,"endpoint":…,"prefix":…,
/// "objectLock":"compliance","retainDays":365,"requireObjectLock":true,"partSize":16777216}
/// </summary>
public sealed record EvidenceStoreSettings
{
    public const string FileName = WorkspaceLayout.EvidenceStoreFile;
    public const long MinPartSize = 5L << 20;
    public const long MaxPartSize = 5L << 30;
    public const long DefaultPartSize = 16L << 20;

    public EvidenceStoreKind Kind { get; init; } = EvidenceStoreKind.Local;
    public string? Bucket { get; init; }
    public string? Region { get; init; }

    /// <summary>An S3-compatible server's URL (MinIO, Ceph, s3rver); null: AWS itself. Implies path-style addressing.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Key prefix ("" or ending in '/'): objects are &lt;prefix&gt;sha256/&lt;hex&gt;.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>A named profile of the shared AWS config/credentials files (a name, never a secret); null: the default chain.</summary>
    public string? Profile { get; init; }

    public EvidenceLockMode ObjectLock { get; init; } = EvidenceLockMode.None;

    /// <summary>Retention set on each object (days from upload) when <see cref="ObjectLock"/> is not None.</summary>
    public int RetainDays { get; init; }

    /// <summary>Refuse to store (EvidenceObjectLockUnavailable) unless the bucket has object lock enabled.</summary>
    public bool RequireObjectLock { get; init; }

    /// <summary>Files larger than this go up as a multipart upload of parts this size (5 MiB – 5 GiB).</summary>
    public long PartSize { get; init; } = DefaultPartSize;

    public static EvidenceStoreSettings Local { get; } = new();

    public static string PathIn(Workspace ws) => WorkspaceLayout.PathIn(ws.Root, FileName);

    /// <summary>
    /// The settings in force: what the roster journal last set (settings.set), checked against evidence-store.json
    /// (a file nobody journaled, e.g. one a remote commit changed, is refused: EvidenceStoreUnjournaled); the AWS
    /// profile comes from this machine only (<see cref="SaveReplicaProfile"/>), never from the shared file.
    /// </summary>
    public static EvidenceStoreSettings Load(Workspace ws)
    {
        var governed = Identity.Roster.LoadGoverned(ws, FileName, (message, path) => new EvidenceStoreException("EvidenceStoreUnjournaled", DeirfErrorKind.SecurityError, message, path));
        if (governed is null)
        {
            return Local;
        }
        var parsed = Parse(governed.Value.Content, PathIn(ws));
        if (parsed.Profile is not null)
        {
            throw Invalid("'profile' is replica-local (Set-DeirfEvidenceStore -Profile keeps it on this machine); a shared file naming one is refused", PathIn(ws));
        }
        return ReplicaProfile(ws) is { } profile ? parsed with { Profile = profile } : parsed;
    }

    /// <summary>
    /// Sets the shared settings through the roster journal (once the roster is sealed, with a met settings.set
    /// proposal whose sha256 is <see cref="Sha256"/>) and keeps <see cref="Profile"/> on this machine only.
    /// </summary>
    public void Save(Workspace ws, string actor, Journal.JournalAppendOptions options, string? proposalId = null)
    {
        Validate();
        Identity.Roster.Load(ws).SetSettings(FileName, (this with { Profile = null }).ToJson(), proposalId, actor, options);
        SaveReplicaProfile(ws, Profile);
    }

    /// <summary>The digest a settings.set proposal for these settings names (the shared part: no profile).</summary>
    public string Sha256 => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(CanonicalJson.Serialize((this with { Profile = null }).ToJson()))).ToLowerInvariant();

    private static string ReplicaProfilesPath => Path.Combine(Path.GetDirectoryName(Identity.SigningKeys.ConfigPath)!, "evidence-profiles.json");

    /// <summary>This machine's AWS profile for the workspace's S3 store (a name, never a secret), or null.</summary>
    public static string? ReplicaProfile(Workspace ws)
    {
        var path = ReplicaProfilesPath;
        if (!File.Exists(path))
        {
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.TryGetProperty(ws.WorkspaceId, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    public static void SaveReplicaProfile(Workspace ws, string? profile)
    {
        var path = ReplicaProfilesPath;
        var all = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? new JsonObject() : new JsonObject();
        if (profile is null && !all.ContainsKey(ws.WorkspaceId))
        {
            return;
        }
        if (profile is null)
        {
            all.Remove(ws.WorkspaceId);
        }
        else
        {
            all[ws.WorkspaceId] = profile;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Workspaces.AtomicFile.Write(path, CanonicalJson.Serialize(all));
    }

    /// <summary>The canonical location of an object, for messages and the custody entry: a path or s3://bucket/key.</summary>
    public string KeyOf(string sha256)
    {
        LocalEvidenceStore.ValidateHash(sha256);
        return Prefix + "sha256/" + sha256;
    }

    public string? LocationOf(string sha256) => Kind == EvidenceStoreKind.S3 ? $"s3://{Bucket}/{KeyOf(sha256)}" : null;

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["version"] = 1, ["kind"] = Kind == EvidenceStoreKind.S3 ? "s3" : "local" };
        if (Kind == EvidenceStoreKind.S3)
        {
            o["bucket"] = Bucket;
            o["region"] = Region;
            if (Endpoint is not null)
            {
                o["endpoint"] = Endpoint;
            }
            if (Prefix.Length > 0)
            {
                o["prefix"] = Prefix;
            }
            if (Profile is not null)
            {
                o["profile"] = Profile;
            }
            o["objectLock"] = ObjectLock.ToString().ToLowerInvariant();
            if (ObjectLock != EvidenceLockMode.None)
            {
                o["retainDays"] = RetainDays;
            }
            o["requireObjectLock"] = RequireObjectLock;
            o["partSize"] = PartSize;
        }
        return o;
    }

    private static readonly string[] Members = ["version", "kind", "bucket", "region", "endpoint", "prefix", "profile", "objectLock", "retainDays", "requireObjectLock", "partSize"];

    public static EvidenceStoreSettings Parse(string json, string? source = null)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("the document is an object {version, kind, …}", source);
            }
            if (r.EnumerateObject().Select(p => p.Name).Except(Members).FirstOrDefault() is { } extra)
            {
                throw Invalid($"unknown member '{extra}'", source);
            }
            if (!r.TryGetProperty("version", out var v) || !v.TryGetInt32(out var version) || version != 1)
            {
                throw Invalid("'version' must be 1", source);
            }
            string? Text(string name) => r.TryGetProperty(name, out var p) ? p.ValueKind == JsonValueKind.String ? p.GetString() : throw Invalid($"'{name}' is a string", source) : null;
            var kind = Text("kind") switch
            {
                "local" => EvidenceStoreKind.Local,
                "s3" => EvidenceStoreKind.S3,
                var k => throw Invalid($"'kind' is \"local\" or \"s3\", not '{k}'", source),
            };
            if (kind == EvidenceStoreKind.Local)
            {
                return Local;
            }
            var settings = new EvidenceStoreSettings
            {
                Kind = kind,
                Bucket = Text("bucket"),
                Region = Text("region"),
                Endpoint = Text("endpoint"),
                Prefix = Text("prefix") ?? string.Empty,
                Profile = Text("profile"),
                ObjectLock = ParseLockMode(Text("objectLock") ?? "none"),
                RetainDays = r.TryGetProperty("retainDays", out var d) ? d.TryGetInt32(out var days) ? days : throw Invalid("'retainDays' is an integer", source) : 0,
                RequireObjectLock = r.TryGetProperty("requireObjectLock", out var q) && (q.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Invalid("'requireObjectLock' is true or false", source),
                }),
                PartSize = r.TryGetProperty("partSize", out var ps) ? ps.TryGetInt64(out var part) ? part : throw Invalid("'partSize' is an integer", source) : DefaultPartSize,
            };
            settings.Validate(source);
            return settings;
        }
        catch (JsonException ex)
        {
            throw Invalid($"not JSON ({ex.Message})", source);
        }
    }

    public static EvidenceLockMode ParseLockMode(string text) => text.ToLowerInvariant() switch
    {
        "none" => EvidenceLockMode.None,
        "governance" => EvidenceLockMode.Governance,
        "compliance" => EvidenceLockMode.Compliance,
        _ => throw Invalid($"'objectLock' is none, governance or compliance, not '{text}'", text),
    };

    /// <summary>Checks the S3 settings; throws EvidenceStoreSettingsInvalid naming the first problem.</summary>
    public void Validate(string? source = null)
    {
        if (Kind == EvidenceStoreKind.Local)
        {
            return;
        }
        // Bucket naming rules (lowercase letters, digits, dots, hyphens; 3–63; starts and ends alphanumeric).
        if (Bucket is null || Bucket.Length is < 3 or > 63 || !Bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
            || !char.IsAsciiLetterOrDigit(Bucket[0]) || !char.IsAsciiLetterOrDigit(Bucket[^1]))
        {
            throw Invalid($"'{Bucket}' is not an S3 bucket name (3–63 lowercase letters, digits, dots and hyphens)", source ?? Bucket);
        }
        if (Region is null || Region.Length is < 2 or > 32 || !Region.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw Invalid($"'{Region}' is not an AWS region name (e.g. eu-west-1)", source ?? Region);
        }
        if (Endpoint is not null)
        {
            // Never a URL carrying credentials: the settings file is shared with the workspace.
            if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0
                || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                throw Invalid("the endpoint is an http(s) URL without user info, query or fragment (e.g. http://127.0.0.1:9000)", source ?? "endpoint");
            }
        }
        if (Prefix.Length > 512 || Prefix.StartsWith('/') || (Prefix.Length > 0 && !Prefix.EndsWith('/')) || Prefix.Contains("//", StringComparison.Ordinal)
            || Prefix.Any(char.IsControl))
        {
            throw Invalid($"the prefix '{Prefix}' must be empty or end in '/', not start with '/', and be at most 512 characters", source ?? Prefix);
        }
        if (Profile is not null && (Profile.Length is 0 or > 64 || Profile.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            throw Invalid($"'{Profile}' is not an AWS profile name", source ?? Profile);
        }
        if (ObjectLock != EvidenceLockMode.None && RetainDays is < 1 or > 36500)
        {
            throw Invalid("-RetainDays is 1 to 36500 when an object lock mode is set", source ?? RetainDays.ToString(CultureInfo.InvariantCulture));
        }
        if (ObjectLock == EvidenceLockMode.None && RetainDays != 0)
        {
            throw Invalid("-RetainDays needs an object lock mode (Governance or Compliance)", source ?? RetainDays.ToString(CultureInfo.InvariantCulture));
        }
        if (PartSize is < MinPartSize or > MaxPartSize)
        {
            throw Invalid($"the part size is {MinPartSize >> 20} MiB to {MaxPartSize >> 30} GiB (S3's limits)", source ?? PartSize.ToString(CultureInfo.InvariantCulture));
        }
    }

    public override string ToString() => Kind == EvidenceStoreKind.S3
        ? $"s3://{Bucket}/{Prefix} ({Region}{(Endpoint is null ? string.Empty : ", " + Endpoint)}; object lock {ObjectLock}{(ObjectLock == EvidenceLockMode.None ? string.Empty : $" {RetainDays} days")}{(RequireObjectLock ? ", required" : string.Empty)})"
        : "local";

    private static EvidenceStoreException Invalid(string reason, object? target)
        => new("EvidenceStoreSettingsInvalid", DeirfErrorKind.InvalidArgument, $"Evidence store settings are invalid: {reason}.", target);
}

/// <summary>The evidence store could not be configured, reached, or refused to store under the configured policy.</summary>
public sealed class EvidenceStoreException : DeirfException
{
    public EvidenceStoreException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
    }
}
