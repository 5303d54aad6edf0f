using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Chooses where the workspace keeps evidence bytes: an S3 bucket (object lock, content-addressed keys) or the local
/// store. Written to evidence-store.json at the workspace root — no credentials: those come from the standard AWS chain
/// (environment, profile) on each responder's machine. Then checks the bucket's object lock and warns when it is short.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DeirfEvidenceStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = S3Set)]
[OutputType("DeIRF.Evidence.EvidenceStoreInfo")]
public sealed class SetDeirfEvidenceStoreCommand : GovernedSettingCmdlet
{
    private const string S3Set = "S3";
    private const string LocalSet = "Local";

    /// <summary>Store evidence in an S3 bucket (or an S3-compatible server with -Endpoint).</summary>
    [Parameter(Mandatory = true, ParameterSetName = S3Set)]
    public SwitchParameter S3 { get; set; }

    /// <summary>Store evidence in the workspace (evidence/sha256/…), the default.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LocalSet)]
    public SwitchParameter Local { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string Bucket { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string Region { get; set; } = string.Empty;

    /// <summary>An S3-compatible server's URL (MinIO, Ceph, s3rver); path-style addressing. Default: AWS.</summary>
    [Parameter(ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string? Endpoint { get; set; }

    /// <summary>Key prefix, e.g. "acme/" (a trailing '/' is added).</summary>
    [Parameter(ParameterSetName = S3Set)]
    public string? Prefix { get; set; }

    /// <summary>A named profile of the shared AWS config/credentials files (the name only is stored).</summary>
    [Parameter(ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string? Profile { get; set; }

    /// <summary>Object lock retention mode set on each evidence object (None: the bucket's default retention applies).</summary>
    [Parameter(ParameterSetName = S3Set)]
    [ValidateSet("Compliance", "Governance", "None")]
    public string ObjectLock { get; set; } = "None";

    /// <summary>Days each object is retained under the lock (with -ObjectLock Compliance or Governance).</summary>
    [Parameter(ParameterSetName = S3Set)]
    [ValidateRange(1, 36500)]
    public int RetainDays { get; set; }

    /// <summary>Refuse to store evidence unless the bucket has object lock enabled.</summary>
    [Parameter(ParameterSetName = S3Set)]
    public SwitchParameter RequireObjectLock { get; set; }

    /// <summary>Multipart part size in MiB (5–5120); files larger than this are uploaded in parts. Default 16.</summary>
    [Parameter(ParameterSetName = S3Set)]
    [ValidateRange(5, 5120)]
    public int PartSizeMB { get; set; } = (int)(Evidence.EvidenceStoreSettings.DefaultPartSize >> 20);

    /// <summary>Do not ask the bucket about object lock after saving (offline, or no credentials on this machine yet).</summary>
    [Parameter(ParameterSetName = S3Set)]
    public SwitchParameter NoCheck { get; set; }

    protected override void ProcessRecord()
    {
        Try(Bucket.Length > 0 ? Bucket : "local", () =>
        {
            var ws = ResolveWorkspace();
            var actor = ResolveActor(ws, Actor);
            Evidence.EvidenceStoreSettings settings;
            if (Local)
            {
                settings = Evidence.EvidenceStoreSettings.Local;
            }
            else
            {
                var prefix = (Prefix ?? string.Empty).TrimStart('/');
                settings = new Evidence.EvidenceStoreSettings
                {
                    Kind = Evidence.EvidenceStoreKind.S3,
                    Bucket = Bucket,
                    Region = Region,
                    Endpoint = Endpoint,
                    Prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/",
                    Profile = Profile,
                    ObjectLock = Evidence.EvidenceStoreSettings.ParseLockMode(ObjectLock),
                    RetainDays = RetainDays,
                    RequireObjectLock = RequireObjectLock,
                    PartSize = (long)PartSizeMB << 20,
                };
            }
            settings.Validate();
            if (!ShouldProcess(Evidence.EvidenceStoreSettings.PathIn(ws), $"Store evidence in {settings}"))
            {
                return;
            }
            settings.Save(ws, actor, AppendOptions(ws, actor, requireOnRoster: false), Proposal);
            WriteVerbose($"Evidence store: {settings} ({Evidence.EvidenceStoreSettings.PathIn(ws)}).");
            bool query = settings.Kind == Evidence.EvidenceStoreKind.S3 && !NoCheck;
            var info = Evidence.EvidenceStoreInfo.Describe(ws, query, CancellationToken);
            if (query && info.Readiness != Readiness.ReadinessStatus.Pass)
            {
                WriteWarning($"Object lock check {info.Readiness}: {info.Reason}");
            }
            if (PassThru)
            {
                WriteObject(info);
            }
        });
    }
}
