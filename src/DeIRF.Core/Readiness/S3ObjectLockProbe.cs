using DeIRF.Evidence;

namespace DeIRF.Readiness;

/// <summary>
/// "Evidence store write-once" for a workspace whose evidence goes to S3 (evidence-store.json): the bucket has object
/// lock enabled and objects get a retention (<see cref="EvidenceStores.CheckObjectLock"/>, which asks the bucket).
/// Does not apply to the local store (null: <see cref="LocalEvidenceStoreProbe"/> answers).
/// </summary>
public sealed class S3ObjectLockProbe : IReadinessProbe
{
    public string Item => LocalEvidenceStoreProbe.ItemName;

    public ReadinessCheck? Check(ReadinessContext context)
    {
        EvidenceStoreSettings settings;
        try
        {
            settings = EvidenceStoreSettings.Load(context.Workspace);
        }
        catch (EvidenceStoreException ex)
        {
            return ReadinessChecklist.Result(Item, ReadinessChecklist.Preparation, ReadinessStatus.Fail, ex.Message,
                "Fix or rewrite it with Set-DeirfEvidenceStore.", EvidenceStoreSettings.FileName);
        }
        if (settings.Kind != EvidenceStoreKind.S3)
        {
            return null;
        }
        var check = EvidenceStores.CheckObjectLock(context.Workspace, context.CancellationToken);
        var fix = check.Status switch
        {
            ReadinessStatus.Pass => string.Empty,
            _ when check.ObjectLockEnabled == true => "Give the bucket a default retention, or Set-DeirfEvidenceStore -ObjectLock Compliance -RetainDays <n>.",
            _ when check.ObjectLockEnabled == false => "Use a bucket created with object lock (it cannot be turned on for every existing bucket), then Set-DeirfEvidenceStore -S3 -Bucket <it> -ObjectLock Compliance -RetainDays <n>.",
            _ => "Check the bucket, the endpoint and this machine's AWS credentials (environment or profile), then Get-DeirfEvidenceStore.",
        };
        return ReadinessChecklist.Result(Item, ReadinessChecklist.Preparation, check.Status, check.Reason, fix, EvidenceStoreSettings.FileName);
    }
}
