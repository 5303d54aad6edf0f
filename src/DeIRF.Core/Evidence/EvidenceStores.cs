using System.Reflection;
using DeIRF.Extensions;
using DeIRF.Readiness;
using DeIRF.Workspaces;

namespace DeIRF.Evidence;

/// <summary>
/// Whether the evidence store keeps bytes under object lock: Pass (enabled, and objects get a retention), Warn (usable
/// but not locked), Fail (policy requires object lock and the bucket has none, or the bucket cannot be reached).
/// </summary>
public sealed record ObjectLockReadiness(ReadinessStatus Status, string Reason, bool? ObjectLockEnabled, string? DefaultMode = null, int? DefaultRetentionDays = null)
{
    public override string ToString() => $"{Status}: {Reason}";
}

/// <summary>A store that can tell whether its bucket has object lock (the readiness check, Get-DeirfEvidenceStore).</summary>
public interface IObjectLockCheck
{
    ObjectLockReadiness CheckObjectLock(CancellationToken cancellationToken = default);
}

/// <summary>
/// The evidence store a workspace is configured to use (evidence-store.json): the local store, or the S3 store from
/// the extension catalog (DeIRF.Providers.S3 declares "s3"), loaded next to the engine on first use so the AWS SDK is never loaded for a local workspace.
/// </summary>
public static class EvidenceStores
{
    public static IEvidenceStore Open(Workspace ws) => Open(EvidenceStoreSettings.Load(ws), ws);

    public static IEvidenceStore Open(EvidenceStoreSettings settings, Workspace ws)
        => settings.Kind == EvidenceStoreKind.Local ? LocalEvidenceStore.In(ws) : OpenS3(settings);

    /// <summary>Where an object is (or would be) stored, from the settings alone: no SDK is loaded, nothing is asked.</summary>
    public static string LocationOf(Workspace ws, string sha256)
    {
        var settings = EvidenceStoreSettings.Load(ws);
        return settings.LocationOf(sha256) ?? LocalEvidenceStore.In(ws).LocationOf(sha256);
    }

    /// <summary>
    /// The readiness check "evidence goes to object-locked storage": S3 asks the bucket; the local store is a Warn
    /// (write-once by file mode, not by the storage).
    /// </summary>
    public static ObjectLockReadiness CheckObjectLock(Workspace ws, CancellationToken cancellationToken = default)
    {
        var settings = EvidenceStoreSettings.Load(ws);
        if (settings.Kind == EvidenceStoreKind.Local)
        {
            return new ObjectLockReadiness(ReadinessStatus.Warn,
                "Evidence is in the local store (read-only files in the workspace), not in object-locked storage: Set-DeirfEvidenceStore -S3 to use a bucket with object lock.", null);
        }
        try
        {
            var store = OpenS3(settings);
            try
            {
                return ((IObjectLockCheck)store).CheckObjectLock(cancellationToken);
            }
            finally
            {
                (store as IDisposable)?.Dispose();
            }
        }
        catch (DeirfException ex)
        {
            return new ObjectLockReadiness(ReadinessStatus.Fail, ex.Message, null);
        }
    }

    private static IEvidenceStore OpenS3(EvidenceStoreSettings settings)
    {
        settings.Validate();
        var key = settings.Kind.ToString().ToLowerInvariant();
        var entry = ExtensionCatalog.Find(ExtensionPoints.EvidenceStore, key)
            ?? throw new EvidenceStoreException("EvidenceStoreUnavailable", DeirfErrorKind.ResourceUnavailable,
                $"No evidence store '{key}' is installed next to the engine (the module ships it in DeIRF.Providers.S3).", settings.Bucket);
        Type type;
        try
        {
            type = entry.LoadType();
        }
        catch (ExtensionException ex)
        {
            throw new EvidenceStoreException("EvidenceStoreUnavailable", DeirfErrorKind.ResourceUnavailable,
                $"The {key} evidence store ({entry.AssemblyName}) could not be loaded: {ex.Message}", settings.Bucket, ex);
        }
        try
        {
            return (IEvidenceStore)Activator.CreateInstance(type, settings)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is DeirfException inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }
}

/// <summary>What Get-DeirfEvidenceStore shows: the configured store and, for S3, what the bucket says about object lock.</summary>
public sealed class EvidenceStoreInfo
{
    public EvidenceStoreKind Kind { get; init; }

    /// <summary>A folder, or s3://bucket/prefix.</summary>
    public string Location { get; init; } = string.Empty;
    public string? Bucket { get; init; }
    public string? Region { get; init; }
    public string? Endpoint { get; init; }
    public string? Prefix { get; init; }
    public string? Profile { get; init; }
    public EvidenceLockMode ObjectLock { get; init; }
    public int RetainDays { get; init; }
    public bool RequireObjectLock { get; init; }
    public long PartSize { get; init; }

    /// <summary>Whether the bucket has object lock enabled, as it answered now; null when not asked or not answered.</summary>
    public bool? ObjectLockEnabled { get; init; }

    /// <summary>The object lock readiness check (Pass / Warn / Fail); null when not asked.</summary>
    public ReadinessStatus? Readiness { get; init; }
    public string? Reason { get; init; }
    public string SettingsPath { get; init; } = string.Empty;

    public static EvidenceStoreInfo Describe(Workspace ws, bool query, CancellationToken cancellationToken = default)
    {
        var settings = EvidenceStoreSettings.Load(ws);
        var check = query ? EvidenceStores.CheckObjectLock(ws, cancellationToken) : null;
        return new EvidenceStoreInfo
        {
            Kind = settings.Kind,
            Location = settings.Kind == EvidenceStoreKind.S3 ? $"s3://{settings.Bucket}/{settings.Prefix}" : LocalEvidenceStore.In(ws).Location,
            Bucket = settings.Bucket,
            Region = settings.Region,
            Endpoint = settings.Endpoint,
            Prefix = settings.Kind == EvidenceStoreKind.S3 ? settings.Prefix : null,
            Profile = settings.Profile,
            ObjectLock = settings.ObjectLock,
            RetainDays = settings.RetainDays,
            RequireObjectLock = settings.RequireObjectLock,
            PartSize = settings.Kind == EvidenceStoreKind.S3 ? settings.PartSize : 0,
            ObjectLockEnabled = check?.ObjectLockEnabled,
            Readiness = check?.Status,
            Reason = check?.Reason,
            SettingsPath = EvidenceStoreSettings.PathIn(ws),
        };
    }

    public override string ToString() => Kind == EvidenceStoreKind.S3 ? $"{Location} (object lock {ObjectLock}, enabled: {ObjectLockEnabled?.ToString() ?? "?"})" : Location;
}
