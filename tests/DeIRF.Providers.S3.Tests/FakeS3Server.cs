using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace DeIRF.Providers.S3.Tests;

/// <summary>One request as the fake saw it (headers lowercased; Authorization is never kept).</summary>
public sealed record S3Request(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, int BodyLength)
{
    public int Status { get; set; }
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    public bool Has(string query) => Query.Split('&').Any(q => q == query || q.StartsWith(query + "=", StringComparison.Ordinal));
}

/// <summary>
/// A recording fake of the S3 REST API on 127.0.0.1 (real HTTP, HttpListener) for what s3rver lacks: object lock
/// configuration, If-None-Match, checksum verification, abort and listing of multipart uploads. It CHECKS what the
/// AWS API requires and answers like S3 when a request is wrong (400 InvalidRequest / BadDigest / 412
/// PreconditionFailed / 404 ObjectLockConfigurationNotFoundError), so a store that sends the wrong headers fails.
/// One bucket; signatures are not checked.
/// </summary>
public sealed class FakeS3Server : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _objectHeaders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Key, Dictionary<string, string> Headers, SortedDictionary<int, (byte[] Bytes, string Checksum)> Parts)> _uploads = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public FakeS3Server(string bucket = "evidence")
    {
        Bucket = bucket;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public string Bucket { get; }
    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The bucket's object lock configuration: null answers ObjectLockConfigurationNotFoundError.</summary>
    public string? ObjectLockConfiguration { get; set; } = "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>";
    public bool ObjectLockEnabled => ObjectLockConfiguration is not null;

    /// <summary>Fail this part number with 500 InternalError, this many times (int.MaxValue: always).</summary>
    public int FailPart { get; set; }
    public int FailPartTimes { get; set; }

    /// <summary>HEAD answers 404 for existing objects this many times: another writer's put landing between HEAD and PUT.</summary>
    public int HideFromHead { get; set; }

    public ConcurrentQueue<S3Request> Requests { get; } = new();

    public IReadOnlyDictionary<string, byte[]> Objects { get { lock (_gate) { return new Dictionary<string, byte[]>(_objects); } } }
    public int OpenUploads { get { lock (_gate) { return _uploads.Count; } } }
    public IReadOnlyDictionary<string, string> HeadersOf(string key) { lock (_gate) { return _objectHeaders[key]; } }

    public void Seed(string key, byte[] bytes)
    {
        lock (_gate)
        {
            _objects[key] = bytes;
            _objectHeaders[key] = new Dictionary<string, string>();
        }
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                Handle(ctx);
            }
            catch (Exception ex)
            {
                try
                {
                    Error(ctx.Response, 500, "InternalError", ex.Message);
                }
                catch (Exception)
                {
                }
            }
        }
    }

    private void Handle(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        var headers = req.Headers.AllKeys.Where(k => k is not null && !k.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k!.ToLowerInvariant(), k => req.Headers[k]!);
        byte[] body;
        using (var ms = new MemoryStream())
        {
            req.InputStream.CopyTo(ms);
            body = ms.ToArray();
        }
        var path = Uri.UnescapeDataString(req.Url!.AbsolutePath);
        var query = req.Url.Query.TrimStart('?');
        var record = new S3Request(req.HttpMethod, path, query, headers, body.Length);
        Requests.Enqueue(record);
        var prefix = "/" + Bucket;
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            record.Status = Error(res, 404, "NoSuchBucket", "The specified bucket does not exist");
            return;
        }
        var key = path.Length > prefix.Length + 1 ? path[(prefix.Length + 1)..] : string.Empty;
        var q = System.Web.HttpUtility.ParseQueryString(query);
        record.Status = (req.HttpMethod, key.Length == 0) switch
        {
            ("GET", true) when record.Has("object-lock") => ObjectLockConfiguration is { } xml ? Xml(res, 200, xml)
                : Error(res, 404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"),
            ("GET", true) when record.Has("uploads") => ListUploads(res),
            ("HEAD", false) => HeadObject(res, key),
            ("GET", false) => GetObject(res, key),
            ("PUT", false) when q["uploadId"] is { } id => UploadPart(res, id, int.Parse(q["partNumber"]!, CultureInfo.InvariantCulture), headers, body),
            ("PUT", false) => PutObject(res, key, headers, body),
            ("POST", false) when record.Has("uploads") => Initiate(res, key, headers),
            ("POST", false) when q["uploadId"] is { } id => Complete(res, key, id, headers, body),
            ("DELETE", false) when q["uploadId"] is { } id => Abort(res, id),
            _ => Error(res, 501, "NotImplemented", $"{req.HttpMethod} {path}?{query} is not implemented by the fake"),
        };
    }

    /// <summary>What S3 requires of object lock headers: a valid mode, an ISO 8601 retain-until in the future, both or neither, and an integrity header.</summary>
    private string? LockProblem(Dictionary<string, string> headers)
    {
        headers.TryGetValue("x-amz-object-lock-mode", out var mode);
        headers.TryGetValue("x-amz-object-lock-retain-until-date", out var until);
        if (mode is null && until is null)
        {
            return null;
        }
        if (mode is null || until is null)
        {
            return "x-amz-object-lock-mode and x-amz-object-lock-retain-until-date must both be specified";
        }
        if (mode is not ("GOVERNANCE" or "COMPLIANCE"))
        {
            return $"Unknown wormMode directive: {mode}";
        }
        if (!DateTimeOffset.TryParseExact(until, ["yyyy-MM-ddTHH:mm:ss.fffZ", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffK", "yyyy-MM-ddTHH:mm:ssK"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return $"The retain until date must be in ISO 8601 format: {until}";
        }
        if (date <= DateTimeOffset.UtcNow)
        {
            return "The retain until date must be in the future!";
        }
        if (!ObjectLockEnabled)
        {
            return "Bucket is missing Object Lock Configuration";
        }
        return null;
    }

    private int PutObject(HttpListenerResponse res, string key, Dictionary<string, string> headers, byte[] body)
    {
        if (LockProblem(headers) is { } problem)
        {
            return Error(res, 400, "InvalidRequest", problem);
        }
        bool hasIntegrity = headers.ContainsKey("content-md5") || headers.Keys.Any(h => h.StartsWith("x-amz-checksum-", StringComparison.Ordinal) && h != "x-amz-checksum-algorithm");
        if (headers.ContainsKey("x-amz-object-lock-mode") && !hasIntegrity)
        {
            return Error(res, 400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters");
        }
        if (headers.TryGetValue("x-amz-checksum-sha256", out var sum) && sum != Convert.ToBase64String(SHA256.HashData(body)))
        {
            return Error(res, 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
        }
        lock (_gate)
        {
            if (headers.TryGetValue("if-none-match", out var inm) && inm == "*" && _objects.ContainsKey(key))
            {
                return Error(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
            }
            _objects[key] = body;
            _objectHeaders[key] = headers;
        }
        res.AddHeader("ETag", "\"" + Convert.ToHexString(MD5.HashData(body)).ToLowerInvariant() + "\"");
        if (sum is not null)
        {
            res.AddHeader("x-amz-checksum-sha256", sum);
        }
        return Empty(res, 200);
    }

    private int HeadObject(HttpListenerResponse res, string key)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var bytes) || (HideFromHead > 0 && HideFromHead-- > 0))
            {
                return Empty(res, 404);
            }
            res.ContentLength64 = bytes.Length;
            res.StatusCode = 200;
            res.Close();
            return 200;
        }
    }

    private int GetObject(HttpListenerResponse res, string key)
    {
        byte[]? bytes;
        lock (_gate)
        {
            _objects.TryGetValue(key, out bytes);
        }
        if (bytes is null)
        {
            return Error(res, 404, "NoSuchKey", "The specified key does not exist.");
        }
        res.StatusCode = 200;
        res.ContentLength64 = bytes.Length;
        res.OutputStream.Write(bytes);
        res.Close();
        return 200;
    }

    private int Initiate(HttpListenerResponse res, string key, Dictionary<string, string> headers)
    {
        if (LockProblem(headers) is { } problem)
        {
            return Error(res, 400, "InvalidRequest", problem);
        }
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        lock (_gate)
        {
            _uploads[id] = (key, headers, new SortedDictionary<int, (byte[], string)>());
        }
        return Xml(res, 200, $"<InitiateMultipartUploadResult><Bucket>{Bucket}</Bucket><Key>{key}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>");
    }

    private int UploadPart(HttpListenerResponse res, string id, int number, Dictionary<string, string> headers, byte[] body)
    {
        lock (_gate)
        {
            if (!_uploads.TryGetValue(id, out var upload))
            {
                return Error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
            }
            if (number == FailPart && FailPartTimes > 0)
            {
                FailPartTimes = FailPartTimes == int.MaxValue ? int.MaxValue : FailPartTimes - 1;
                return Error(res, 500, "InternalError", "We encountered an internal error. Please try again.");
            }
            // An upload created with a checksum algorithm needs that checksum on every part.
            if (upload.Headers.TryGetValue("x-amz-checksum-algorithm", out var algorithm) && algorithm == "SHA256" && !headers.ContainsKey("x-amz-checksum-sha256"))
            {
                return Error(res, 400, "InvalidRequest", "The upload was created using a sha256 checksum. The part must have one too.");
            }
            var sum = Convert.ToBase64String(SHA256.HashData(body));
            if (headers.TryGetValue("x-amz-checksum-sha256", out var given) && given != sum)
            {
                return Error(res, 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
            }
            upload.Parts[number] = (body, sum);
            res.AddHeader("ETag", "\"" + Convert.ToHexString(MD5.HashData(body)).ToLowerInvariant() + "\"");
            res.AddHeader("x-amz-checksum-sha256", sum);
            return Empty(res, 200);
        }
    }

    private int Complete(HttpListenerResponse res, string key, string id, Dictionary<string, string> headers, byte[] body)
    {
        int count;
        lock (_gate)
        {
            if (!_uploads.TryGetValue(id, out var upload))
            {
                return Error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
            }
            var doc = XDocument.Parse(Encoding.UTF8.GetString(body));
            var parts = doc.Descendants().Where(e => e.Name.LocalName == "Part").Select(p => (
                Number: int.Parse(p.Elements().First(e => e.Name.LocalName == "PartNumber").Value, CultureInfo.InvariantCulture),
                Checksum: p.Elements().FirstOrDefault(e => e.Name.LocalName == "ChecksumSHA256")?.Value)).ToList();
            if (parts.Count == 0 || parts.Any(p => !upload.Parts.ContainsKey(p.Number)))
            {
                return Error(res, 400, "InvalidPart", "One or more of the specified parts could not be found.");
            }
            if (upload.Headers.ContainsKey("x-amz-checksum-algorithm") && parts.Any(p => p.Checksum != upload.Parts[p.Number].Checksum))
            {
                return Error(res, 400, "InvalidPart", "A part's ChecksumSHA256 is missing or does not match.");
            }
            if (headers.TryGetValue("if-none-match", out var inm) && inm == "*" && _objects.ContainsKey(key))
            {
                return Error(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
            }
            _objects[key] = parts.SelectMany(p => upload.Parts[p.Number].Bytes).ToArray();
            _objectHeaders[key] = upload.Headers;
            _uploads.Remove(id);
            count = parts.Count;
        }
        return Xml(res, 200, $"<CompleteMultipartUploadResult><Bucket>{Bucket}</Bucket><Key>{key}</Key><ETag>\"x-{count}\"</ETag></CompleteMultipartUploadResult>");
    }

    private int Abort(HttpListenerResponse res, string id)
    {
        lock (_gate)
        {
            return _uploads.Remove(id) ? Empty(res, 204) : Error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
        }
    }

    private int ListUploads(HttpListenerResponse res)
    {
        var sb = new StringBuilder($"<ListMultipartUploadsResult><Bucket>{Bucket}</Bucket><IsTruncated>false</IsTruncated>");
        lock (_gate)
        {
            foreach (var (id, upload) in _uploads)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<Upload><Key>{upload.Key}</Key><UploadId>{id}</UploadId></Upload>");
            }
        }
        return Xml(res, 200, sb.Append("</ListMultipartUploadsResult>").ToString());
    }

    private static int Xml(HttpListenerResponse res, int status, string xml)
    {
        var bytes = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + xml.Replace("<ObjectLockConfiguration>", "<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
            .Replace("<InitiateMultipartUploadResult>", "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
            .Replace("<CompleteMultipartUploadResult>", "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
            .Replace("<ListMultipartUploadsResult>", "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"));
        res.StatusCode = status;
        res.ContentType = "application/xml";
        res.ContentLength64 = bytes.Length;
        res.OutputStream.Write(bytes);
        res.Close();
        return status;
    }

    private static int Error(HttpListenerResponse res, int status, string code, string message)
        => Xml(res, status, $"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fake-{Guid.NewGuid():N}</RequestId></Error>");

    private static int Empty(HttpListenerResponse res, int status)
    {
        res.StatusCode = status;
        res.ContentLength64 = 0;
        res.Close();
        return status;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(2000);
        }
        catch (AggregateException)
        {
        }
    }
}
