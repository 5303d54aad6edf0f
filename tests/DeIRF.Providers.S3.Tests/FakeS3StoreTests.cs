using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DeIRF.Evidence;
using DeIRF.Readiness;
using Xunit;

namespace DeIRF.Providers.S3.Tests;

/// <summary>
/// What s3rver cannot show, against a recording fake S3 on loopback that checks the headers the AWS API requires:
/// object lock mode and ISO 8601 retain-until with a checksum, x-amz-checksum-sha256 on objects and parts,
/// If-None-Match: * (412 when the object exists), ObjectLockConfigurationNotFoundError, failed parts and abort.
/// </summary>
public sealed class FakeS3StoreTests : IDisposable
{
    private readonly FakeS3Server _fake = new();

    public void Dispose() => _fake.Dispose();

    private S3EvidenceStore NewStore(Func<EvidenceStoreSettings, EvidenceStoreSettings>? change = null)
    {
        var settings = S3Tools.Settings(_fake.Endpoint);
        return new(change is null ? settings : change(settings), new BasicAWSCredentials("AKIAFAKE", "fake-secret"))
        {
            PartRetryDelays = [TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)],
        };
    }

    private static EvidenceStoreSettings Locked(EvidenceStoreSettings s) => s with { ObjectLock = EvidenceLockMode.Compliance, RetainDays = 365, RequireObjectLock = true };

    private static string Base64Sha(byte[] bytes) => Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(bytes));

    [Fact]
    public void PutObject_carries_the_sha256_checksum_lock_mode_iso_retain_until_and_if_none_match()
    {
        using var store = NewStore(Locked);
        var bytes = S3Tools.RandomBytes(10_000);
        var before = DateTimeOffset.UtcNow;
        var stored = store.Put(new MemoryStream(bytes));

        var put = Assert.Single(_fake.Requests, r => r.Method == "PUT");
        Assert.Equal(Base64Sha(bytes), put.Header("x-amz-checksum-sha256"));
        Assert.Equal("*", put.Header("if-none-match"));
        Assert.Equal("COMPLIANCE", put.Header("x-amz-object-lock-mode"));
        var until = DateTimeOffset.Parse(put.Header("x-amz-object-lock-retain-until-date")!, CultureInfo.InvariantCulture);
        Assert.InRange(until, before.AddDays(365).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(365).AddMinutes(1));
        Assert.Null(put.Header("content-encoding"));
        Assert.Equal(200, put.Status);
        Assert.Equal(bytes, _fake.Objects["deirf/sha256/" + stored.Sha256]);
        Assert.Equal(ReadinessStatus.Pass, store.CheckObjectLock().Status);
    }

    [Fact]
    public void Multipart_puts_the_lock_on_the_upload_a_checksum_on_every_part_and_if_none_match_on_complete()
    {
        using var store = NewStore(s => Locked(s) with { ObjectLock = EvidenceLockMode.Governance });
        var bytes = S3Tools.RandomBytes((int)(2 * EvidenceStoreSettings.MinPartSize) + 10);
        var stored = store.Put(new MemoryStream(bytes));

        var initiate = Assert.Single(_fake.Requests, r => r.Method == "POST" && r.Has("uploads"));
        Assert.Equal("GOVERNANCE", initiate.Header("x-amz-object-lock-mode"));
        Assert.NotNull(initiate.Header("x-amz-object-lock-retain-until-date"));
        Assert.Equal("SHA256", initiate.Header("x-amz-checksum-algorithm"));
        var parts = _fake.Requests.Where(r => r.Method == "PUT" && r.Has("partNumber")).ToList();
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.Equal(200, p.Status));
        Assert.All(parts, p => Assert.NotNull(p.Header("x-amz-checksum-sha256")));
        var complete = Assert.Single(_fake.Requests, r => r.Method == "POST" && r.Has("uploadId"));
        Assert.Equal("*", complete.Header("if-none-match"));
        Assert.Equal(bytes, _fake.Objects["deirf/sha256/" + stored.Sha256]);
        Assert.Equal(0, _fake.OpenUploads);
    }

    [Fact]
    public void A_412_from_if_none_match_means_another_writer_stored_it_and_nothing_is_overwritten()
    {
        using var store = NewStore();
        var bytes = S3Tools.RandomBytes(2000);
        var key = "deirf/sha256/" + S3Tools.Hex(bytes);
        _fake.Seed(key, bytes);
        _fake.HideFromHead = 1;
        var stored = store.Put(new MemoryStream(bytes));

        Assert.True(stored.AlreadyStored);
        Assert.Equal(412, Assert.Single(_fake.Requests, r => r.Method == "PUT").Status);
        Assert.Empty(_fake.HeadersOf(key));
    }

    [Fact]
    public void A_bucket_without_object_lock_is_refused_when_policy_requires_it()
    {
        _fake.ObjectLockConfiguration = null;
        using var store = NewStore(Locked);
        var check = store.CheckObjectLock();
        Assert.Equal(ReadinessStatus.Fail, check.Status);
        Assert.Contains("ObjectLockConfigurationNotFoundError", check.Reason);

        var ex = Assert.Throws<EvidenceStoreException>(() => store.Put(new MemoryStream(S3Tools.RandomBytes(100))));
        Assert.Equal("EvidenceObjectLockUnavailable", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.InvalidOperation, ex.Kind);
        Assert.DoesNotContain(_fake.Requests, r => r.Method is "PUT" or "POST");
        Assert.Empty(_fake.Objects);
    }

    [Fact]
    public void Without_required_lock_a_bucket_lacking_it_gets_objects_without_lock_headers()
    {
        _fake.ObjectLockConfiguration = null;
        using var store = NewStore(s => Locked(s) with { RequireObjectLock = false });
        Assert.Equal(ReadinessStatus.Warn, store.CheckObjectLock().Status);
        store.Put(new MemoryStream(S3Tools.RandomBytes(100)));
        var put = Assert.Single(_fake.Requests, r => r.Method == "PUT");
        Assert.Equal(200, put.Status);
        Assert.Null(put.Header("x-amz-object-lock-mode"));
    }

    [Fact]
    public void A_failing_part_is_retried()
    {
        // Three 500s: the SDK's own two retries, then the store retries the part once more.
        _fake.FailPart = 3;
        _fake.FailPartTimes = 3;
        using var store = NewStore();
        var bytes = S3Tools.RandomBytes((int)(3 * EvidenceStoreSettings.MinPartSize) + 1);
        var stored = store.Put(new MemoryStream(bytes));
        Assert.Equal(1, store.PartRetries);
        Assert.Equal(4, _fake.Requests.Count(r => r.Method == "PUT" && r.Query.Contains("partNumber=3", StringComparison.Ordinal)));
        Assert.Equal(bytes, _fake.Objects["deirf/sha256/" + stored.Sha256]);
    }

    [Fact]
    public void A_part_that_keeps_failing_aborts_the_upload_leaving_no_object_and_no_open_upload()
    {
        _fake.FailPart = 3;
        _fake.FailPartTimes = int.MaxValue;
        using var store = NewStore();
        var bytes = S3Tools.RandomBytes((int)(4 * EvidenceStoreSettings.MinPartSize));
        var ex = Assert.Throws<EvidenceStoreException>(() => store.Put(new MemoryStream(bytes)));
        Assert.Equal("EvidenceStoreWriteFailed", ex.ErrorId);
        Assert.Contains("UploadPart 3", ex.Message);
        Assert.Single(_fake.Requests, r => r.Method == "DELETE" && r.Has("uploadId"));
        Assert.DoesNotContain(_fake.Requests, r => r.Method == "POST" && r.Has("uploadId"));
        Assert.Empty(_fake.Objects);
        using var client = new AmazonS3Client(new BasicAWSCredentials("AKIAFAKE", "fake-secret"),
            new AmazonS3Config { ServiceURL = _fake.Endpoint, ForcePathStyle = true, AuthenticationRegion = "eu-west-1" });
        var uploads = client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "evidence" }).GetAwaiter().GetResult();
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public void A_source_that_changes_between_hashing_and_upload_is_never_completed()
    {
        using var store = NewStore();
        var bytes = S3Tools.RandomBytes((int)(2 * EvidenceStoreSettings.MinPartSize) + 5);
        var source = new MutatingStream(bytes, mutateAfterReads: bytes.Length);
        var ex = Assert.Throws<DeirfException>(() => store.Put(source));
        Assert.Equal("EvidenceChangedDuringCapture", ex.ErrorId);
        Assert.Empty(_fake.Objects);
        Assert.Equal(0, _fake.OpenUploads);
    }

    [Fact]
    public void Test_DeirfReadiness_asks_the_bucket_through_the_S3_probe_with_credentials_from_the_environment()
    {
        var dir = Directory.CreateTempSubdirectory("deirf-s3-readiness-").FullName;
        var saved = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        try
        {
            // The standard chain reads these (this test alone sets them; the others pass credentials explicitly).
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAFAKE");
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "fake-secret");
            var ws = DeIRF.Workspaces.Workspace.Initialize(Path.Combine(dir, "ws"));
            Locked(S3Tools.Settings(_fake.Endpoint)).Save(ws, "alice", new DeIRF.Journal.JournalAppendOptions { Durable = false });
            ReadinessCheck Item() => ReadinessChecklist.Run(ws).Single(c => c.Item == "Evidence store write-once");

            var pass = Item();
            Assert.Equal(ReadinessStatus.Pass, pass.Status);
            Assert.Contains("object lock enabled", pass.Reason);
            Assert.Equal(EvidenceStoreSettings.FileName, pass.Source);

            _fake.ObjectLockConfiguration = null;
            var fail = Item();
            Assert.Equal(ReadinessStatus.Fail, fail.Status);
            Assert.Contains("ObjectLockConfigurationNotFoundError", fail.Reason);
            Assert.NotEmpty(fail.Fix);
            Assert.Contains(_fake.Requests, r => r.Method == "GET" && r.Has("object-lock"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", saved.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", saved.Item2);
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
    }

    /// <summary>A seekable stream whose bytes change once the first full pass has been read.</summary>
    private sealed class MutatingStream(byte[] bytes, long mutateAfterReads) : MemoryStream(bytes, writable: false)
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = base.Read(buffer, offset, count);
            if (_read >= mutateAfterReads && n > 0)
            {
                buffer[offset] ^= 0xFF;
            }
            _read += n;
            return n;
        }
    }
}
