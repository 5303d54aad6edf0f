using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using DeIRF.Evidence;
using DeIRF.Providers.S3;
using DeIRF.Providers.S3.Tests;

/// <summary>
/// Evidence upload to a real s3rver on loopback (tools/s3): S3EvidenceStore.Put of one file (hash pass, HEAD, multipart
/// upload with a SHA-256 per part, up to 4 parts in flight, HEAD after) beside the AWS SDK's own TransferUtility upload of the
/// same file to the same server in the same run (its default: parallel parts, no content checksum). Best of 3 each;
/// every run writes a new object (deleted, untimed, after it).
/// </summary>
internal static class S3Bench
{
    public static IEnumerable<(string, string, string, string, string)> Run(string work, int megabytes)
    {
        var node = FindOnPath("node");
        var script = S3rverServer.FindScript(AppContext.BaseDirectory);
        if (node is null || script is null)
        {
            Console.Error.WriteLine("s3: node or tools/s3 (s3rver) missing (build.ps1 bootstrap): S3 rows skipped");
            return new[] { ("Evidence upload to S3 (s3rver) vs TransferUtility", "skipped: node/s3rver not installed", "—", "—", "—") };
        }
        var file = Path.Combine(work, "s3-evidence.bin");
        using (var fs = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            var buffer = new byte[1 << 20];
            for (int i = 0; i < megabytes; i++)
            {
                RandomNumberGenerator.Fill(buffer);
                fs.Write(buffer);
            }
        }
        long bytes = new FileInfo(file).Length;
        using var server = new S3rverServer(node, script);
        var credentials = new BasicAWSCredentials(S3rverServer.AccessKey, S3rverServer.SecretKey);
        var settings = new EvidenceStoreSettings
        {
            Kind = EvidenceStoreKind.S3, Bucket = server.Bucket, Region = "us-east-1", Endpoint = server.Endpoint, Prefix = "bench/",
        };
        using var client = new AmazonS3Client(credentials, new AmazonS3Config
        {
            ServiceURL = server.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED, ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        void Delete(string key) => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = server.Bucket, Key = key }).GetAwaiter().GetResult();
        long SizeOf(string key) => client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = server.Bucket, Key = key }).GetAwaiter().GetResult().ContentLength;

        string? key = null;
        double deirf = EvidenceBench.Best(3, () =>
        {
            using var store = new S3EvidenceStore(settings, credentials);
            using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var stored = store.Put(fs, new EvidencePutOptions { ExpectedSize = bytes, SourceName = file });
            BenchTeam.Check(!stored.AlreadyStored && stored.Size == bytes, "the S3 store did not upload the whole file");
            key = settings.KeyOf(stored.Sha256);
        }, after: () =>
        {
            BenchTeam.Check(SizeOf(key!) == bytes, "the uploaded object has the wrong size");
            Delete(key!);
        });

        using var transfer = new TransferUtility(client, new TransferUtilityConfig());
        int run = 0;
        double sdk = EvidenceBench.Best(3, () =>
        {
            transfer.Upload(new TransferUtilityUploadRequest
            {
                BucketName = server.Bucket, Key = $"transfer/{run}", FilePath = file, PartSize = EvidenceStoreSettings.DefaultPartSize,
            });
        }, after: () => Delete($"transfer/{run++}"));
        File.Delete(file);

        return new[]
        {
            ($"Evidence upload to S3 ({bytes / 1e6:F0} MB file to s3rver on loopback, {EvidenceStoreSettings.DefaultPartSize >> 20} MiB parts: hash, HEAD, multipart with SHA-256 per part, HEAD)",
                $"{deirf:F2} s ({bytes / deirf / 1e6:F0} MB/s)",
                $"AWS SDK TransferUtility.Upload of the same file: {sdk:F2} s ({bytes / sdk / 1e6:F0} MB/s)",
                $"{sdk / deirf:F2}× TransferUtility's throughput", "≥ 0.5×"),
        };
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
