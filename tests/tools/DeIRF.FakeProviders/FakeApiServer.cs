using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DeIRF.FakeProviders;

/// <summary>
/// A kube-apiserver stand-in over real HTTPS on 127.0.0.1 (no kube-apiserver can be installed here). It serves only
/// the endpoints the pod quarantine uses, keeps objects in memory, checks the bearer token, validates every request
/// body against the Kubernetes object shapes and patch content types, answers errors with real Status objects, and
/// records anything unexpected as a violation (tests assert there are none). In process for the provider's xUnit
/// tests and as a child process for Pester (Program.cs).
/// </summary>
public sealed partial class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private long _resourceVersion = 1000;

    private FakeApiServer(WebApplication app, X509Certificate2 certificate, string token)
    {
        _app = app;
        Certificate = certificate;
        Token = token;
    }

    public string Url { get; private set; } = string.Empty;
    public X509Certificate2 Certificate { get; }
    public string Token { get; }

    public Dictionary<string, JsonObject> Pods { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonObject> Policies { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonObject> ReplicaSets { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonObject> Nodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request served, in order.</summary>
    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Anything a real API server would reject or that the provider should never send.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Requests matching this are answered 403 Forbidden (RBAC denies them).</summary>
    public Func<Request, bool>? Forbid { get; set; }

    /// <summary>Requests matching this wait for <see cref="Gate"/> (or the client's disconnect) before they are served.</summary>
    public Func<Request, bool>? Hold { get; set; }
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Number of pod PATCHes before which another writer bumps the pod's resourceVersion (forcing a 409).</summary>
    public int ConcurrentPodWrites { get; set; }

    public sealed record Request(string Method, string Path, string Query, string? ContentType, string Body)
    {
        public bool IsWrite => Method is "POST" or "PATCH" or "PUT" or "DELETE";
        public override string ToString() => $"{Method} {Path}{Query}";
    }

    public static async Task<FakeApiServer> StartAsync(string? token = null)
    {
        var certificate = NewCertificate();
        token ??= NewToken();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var fake = new FakeApiServer(app, certificate, token);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Url = app.Urls.Single();
        return fake;
    }

    public static string NewToken() => "fake-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    /// <summary>A self-signed server certificate for 127.0.0.1 that is also its own CA (certificate-authority-data).</summary>
    private static X509Certificate2 NewCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=deirf-fake-apiserver", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public string CaPem => Certificate.ExportCertificatePem();

    /// <summary>A kubeconfig with one context per (name, server, token), as kubectl reads it.</summary>
    public static string Kubeconfig(string currentContext, params (string Name, FakeApiServer Server, string Token)[] contexts)
    {
        var sb = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
        foreach (var c in contexts)
        {
            sb.Append($"- name: {c.Name}-cluster\n  cluster:\n    server: {c.Server.Url}\n    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(c.Server.CaPem))}\n");
        }
        sb.Append("users:\n");
        foreach (var c in contexts)
        {
            sb.Append($"- name: {c.Name}-user\n  user:\n    token: {c.Token}\n");
        }
        sb.Append("contexts:\n");
        foreach (var c in contexts)
        {
            sb.Append($"- name: {c.Name}\n  context:\n    cluster: {c.Name}-cluster\n    user: {c.Name}-user\n");
        }
        sb.Append($"current-context: {currentContext}\n");
        return sb.ToString();
    }

    public IReadOnlyList<Request> Writes => Requests.Where(r => r.IsWrite).ToList();

    /// <summary>Pods, network policies, replica sets and nodes as they are now (deep copies taken under the fake's lock).</summary>
    public JsonObject Snapshot()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["pods"] = Copy(Pods),
                ["networkPolicies"] = Copy(Policies),
                ["replicaSets"] = Copy(ReplicaSets),
                ["nodes"] = Copy(Nodes),
            };
        }

        static JsonObject Copy(Dictionary<string, JsonObject> store)
            => new(store.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value.DeepClone())));
    }

    // ------------------------------------------------------------------ seeding

    public JsonObject AddPod(string ns, string name, string? node = "node-1", IDictionary<string, string>? labels = null,
        (string Kind, string Name, string Uid)? owner = null, bool hostNetwork = false)
    {
        var meta = Meta(name, ns, labels);
        if (owner is { } o)
        {
            meta["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = o.Kind == "ReplicaSet" ? "apps/v1" : "apps/v1",
                ["kind"] = o.Kind, ["name"] = o.Name, ["uid"] = o.Uid, ["controller"] = true, ["blockOwnerDeletion"] = true,
            });
        }
        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "registry.example/app:1" }) };
        if (node is not null)
        {
            spec["nodeName"] = node;
        }
        if (hostNetwork)
        {
            spec["hostNetwork"] = true;
        }
        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = spec, ["status"] = new JsonObject { ["phase"] = "Running" } };
        lock (_gate) { Pods[$"{ns}/{name}"] = pod; }
        return pod;
    }

    public JsonObject AddReplicaSet(string ns, string name, int replicas, (string Name, string Uid)? deployment = null)
    {
        var meta = Meta(name, ns, new Dictionary<string, string> { ["app"] = "api" });
        if (deployment is { } d)
        {
            meta["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = d.Name, ["uid"] = d.Uid, ["controller"] = true, ["blockOwnerDeletion"] = true,
            });
        }
        var rs = new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["metadata"] = meta,
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "api" } } },
        };
        lock (_gate) { ReplicaSets[$"{ns}/{name}"] = rs; }
        return rs;
    }

    public JsonObject AddNode(string name, bool unschedulable = false)
    {
        var spec = new JsonObject();
        if (unschedulable)
        {
            spec["unschedulable"] = true;
        }
        var node = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["metadata"] = Meta(name, null, null), ["spec"] = spec };
        lock (_gate) { Nodes[name] = node; }
        return node;
    }

    public JsonObject AddPolicy(string ns, string name, JsonObject spec)
    {
        var policy = new JsonObject { ["apiVersion"] = "networking.k8s.io/v1", ["kind"] = "NetworkPolicy", ["metadata"] = Meta(name, ns, null), ["spec"] = spec };
        lock (_gate) { Policies[$"{ns}/{name}"] = policy; }
        return policy;
    }

    public static string Uid(JsonObject o) => (string)o["metadata"]!["uid"]!;

    private JsonObject Meta(string name, string? ns, IDictionary<string, string>? labels)
    {
        var meta = new JsonObject
        {
            ["name"] = name,
            ["uid"] = Guid.NewGuid().ToString(),
            ["resourceVersion"] = NextResourceVersion(),
            ["creationTimestamp"] = "2025-01-01T00:00:00Z",
        };
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }
        if (labels is not null)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels)
            {
                l[k] = v;
            }
            meta["labels"] = l;
        }
        return meta;
    }

    private string NextResourceVersion() => Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ serving

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = new Request(http.Request.Method, http.Request.Path.Value ?? string.Empty, http.Request.QueryString.Value ?? string.Empty,
            http.Request.ContentType, body);
        Requests.Enqueue(request);

        var (status, reply) = await RouteAsync(http, request);
        http.Response.StatusCode = (int)status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(reply.ToJsonString(), http.RequestAborted);
    }

    private async Task<(HttpStatusCode, JsonObject)> RouteAsync(HttpContext http, Request r)
    {
        if (http.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            return Status(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized");
        }
        if (Hold?.Invoke(r) == true)
        {
            Held.TrySetResult();
            try
            {
                await Gate.Task.WaitAsync(http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Status(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "client went away");
            }
        }
        var query = QueryHelpers(r.Query);
        Match m;
        if ((m = PodPath().Match(r.Path)).Success)
        {
            return Forbidden(r, "pods", m) ?? r.Method switch
            {
                "GET" => NoQuery(r, query) ?? Read(Pods, m, "pods"),
                "PATCH" => WriteQuery(r, query) ?? PatchPod(r, $"{m.Groups["ns"].Value}/{m.Groups["name"].Value}", m.Groups["name"].Value),
                _ => Unexpected(r),
            };
        }
        if ((m = PodsPath().Match(r.Path)).Success && r.Method == "GET")
        {
            return Forbidden(r, "pods", m) ?? ListQuery(r, query) ?? List(Pods, m.Groups["ns"].Value, "PodList", "v1");
        }
        if ((m = NodePath().Match(r.Path)).Success)
        {
            return Forbidden(r, "nodes", m) ?? r.Method switch
            {
                "GET" => NoQuery(r, query) ?? ReadNode(m.Groups["name"].Value),
                "PATCH" => WriteQuery(r, query) ?? PatchNode(r, m.Groups["name"].Value),
                _ => Unexpected(r),
            };
        }
        if ((m = PolicyPath().Match(r.Path)).Success)
        {
            return Forbidden(r, "networkpolicies", m) ?? r.Method switch
            {
                "GET" => NoQuery(r, query) ?? Read(Policies, m, "networkpolicies.networking.k8s.io"),
                "DELETE" => NoQuery(r, query) ?? DeletePolicy(r, m.Groups["ns"].Value, m.Groups["name"].Value),
                _ => Unexpected(r),
            };
        }
        if ((m = PoliciesPath().Match(r.Path)).Success && r.Method == "POST")
        {
            return Forbidden(r, "networkpolicies", m) ?? WriteQuery(r, query) ?? CreatePolicy(r, m.Groups["ns"].Value);
        }
        if ((m = ReplicaSetPath().Match(r.Path)).Success && r.Method == "GET")
        {
            return Forbidden(r, "replicasets", m) ?? NoQuery(r, query) ?? Read(ReplicaSets, m, "replicasets.apps");
        }
        if ((m = ReplicaSetsPath().Match(r.Path)).Success && r.Method == "GET")
        {
            return Forbidden(r, "replicasets", m) ?? ListQuery(r, query) ?? List(ReplicaSets, m.Groups["ns"].Value, "ReplicaSetList", "apps/v1");
        }
        return Unexpected(r);
    }

    private (HttpStatusCode, JsonObject)? Forbidden(Request r, string resource, Match m)
    {
        if (Forbid?.Invoke(r) != true)
        {
            return null;
        }
        var verb = r.Method switch { "GET" => m.Groups["name"].Success ? "get" : "list", "POST" => "create", "PATCH" => "patch", "DELETE" => "delete", _ => r.Method.ToLowerInvariant() };
        var ns = m.Groups["ns"].Success ? $" in the namespace \"{m.Groups["ns"].Value}\"" : string.Empty;
        return Status(HttpStatusCode.Forbidden, "Forbidden",
            $"{resource} \"{(m.Groups["name"].Success ? m.Groups["name"].Value : string.Empty)}\" is forbidden: User \"system:serviceaccount:ops:responder\" cannot {verb} resource \"{resource}\"{ns}");
    }

    private (HttpStatusCode, JsonObject) Read(Dictionary<string, JsonObject> store, Match m, string resource)
    {
        var key = $"{m.Groups["ns"].Value}/{m.Groups["name"].Value}";
        lock (_gate)
        {
            return store.TryGetValue(key, out var o)
                ? (HttpStatusCode.OK, (JsonObject)o.DeepClone())
                : NotFound(resource, m.Groups["name"].Value);
        }
    }

    private (HttpStatusCode, JsonObject) ReadNode(string name)
    {
        lock (_gate)
        {
            return Nodes.TryGetValue(name, out var o) ? (HttpStatusCode.OK, (JsonObject)o.DeepClone()) : NotFound("nodes", name);
        }
    }

    private (HttpStatusCode, JsonObject) List(Dictionary<string, JsonObject> store, string ns, string kind, string apiVersion)
    {
        lock (_gate)
        {
            var items = store.Where(p => p.Key.StartsWith(ns + "/", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => (JsonNode?)p.Value.DeepClone()).ToArray();
            return (HttpStatusCode.OK, new JsonObject
            {
                ["kind"] = kind, ["apiVersion"] = apiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items),
            });
        }
    }

    private (HttpStatusCode, JsonObject) PatchPod(Request r, string key, string name)
    {
        if (Body(r, out var patch, "application/merge-patch+json", "application/strategic-merge-patch+json") is { } bad)
        {
            return bad;
        }
        // Only metadata.labels (and the resourceVersion precondition) may be patched by a quarantine.
        if (!OnlyKeys(patch, "metadata") || patch["metadata"] is not JsonObject meta || !OnlyKeys(meta, "labels", "resourceVersion")
            || meta["labels"] is not JsonObject labels)
        {
            return Invalid(r, "Pod", name, $"a quarantine patch touches only metadata.labels, got {patch.ToJsonString()}");
        }
        foreach (var (k, v) in labels)
        {
            if (!LabelKey().IsMatch(k) || (v is not null && (v.GetValueKind() != System.Text.Json.JsonValueKind.String || !LabelValue().IsMatch((string)v!))))
            {
                return Invalid(r, "Pod", name, $"metadata.labels: Invalid value: \"{k}\"=\"{v}\"");
            }
        }
        lock (_gate)
        {
            if (!Pods.TryGetValue(key, out var pod))
            {
                return NotFound("pods", name);
            }
            if (ConcurrentPodWrites > 0)
            {
                ConcurrentPodWrites--;
                pod["metadata"]!["resourceVersion"] = NextResourceVersion();
            }
            if (Conflict(pod, meta, "pods", name) is { } conflict)
            {
                return conflict;
            }
            var current = pod["metadata"]!["labels"] as JsonObject ?? new JsonObject();
            foreach (var (k, v) in labels)
            {
                if (v is null)
                {
                    current.Remove(k);
                }
                else
                {
                    current[k] = v.DeepClone();
                }
            }
            pod["metadata"]!["labels"] = current.DeepClone();
            pod["metadata"]!["resourceVersion"] = NextResourceVersion();
            return (HttpStatusCode.OK, (JsonObject)pod.DeepClone());
        }
    }

    private (HttpStatusCode, JsonObject) PatchNode(Request r, string name)
    {
        if (Body(r, out var patch, "application/strategic-merge-patch+json", "application/merge-patch+json") is { } bad)
        {
            return bad;
        }
        if (!OnlyKeys(patch, "spec") || patch["spec"] is not JsonObject spec || !OnlyKeys(spec, "unschedulable") || !spec.ContainsKey("unschedulable")
            || (spec["unschedulable"] is { } u && u.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)))
        {
            return Invalid(r, "Node", name, $"a cordon patch touches only spec.unschedulable, got {patch.ToJsonString()}");
        }
        lock (_gate)
        {
            if (!Nodes.TryGetValue(name, out var node))
            {
                return NotFound("nodes", name);
            }
            var current = (JsonObject)node["spec"]!;
            if (spec["unschedulable"] is null || (bool)spec["unschedulable"]! == false)
            {
                current.Remove("unschedulable");
            }
            else
            {
                current["unschedulable"] = true;
            }
            node["metadata"]!["resourceVersion"] = NextResourceVersion();
            return (HttpStatusCode.OK, (JsonObject)node.DeepClone());
        }
    }

    private (HttpStatusCode, JsonObject) CreatePolicy(Request r, string ns)
    {
        if (Body(r, out var policy, "application/json") is { } bad)
        {
            return bad;
        }
        var name = (string?)policy["metadata"]?["name"] ?? string.Empty;
        var problems = new List<string>();
        if (!OnlyKeys(policy, "apiVersion", "kind", "metadata", "spec"))
        {
            problems.Add("unknown top-level field");
        }
        if ((string?)policy["apiVersion"] != "networking.k8s.io/v1")
        {
            problems.Add("apiVersion must be networking.k8s.io/v1");
        }
        if ((string?)policy["kind"] != "NetworkPolicy")
        {
            problems.Add("kind must be NetworkPolicy");
        }
        if (policy["metadata"] is not JsonObject meta || !OnlyKeys(meta, "name", "namespace", "labels", "annotations") || !DnsSubdomain().IsMatch(name) || name.Length > 253)
        {
            problems.Add("metadata.name must be a DNS subdomain (and metadata only name, namespace, labels, annotations)");
        }
        else if (meta["namespace"] is { } n && (string?)n != ns)
        {
            problems.Add("metadata.namespace does not match the request namespace");
        }
        if (policy["spec"] is not JsonObject spec || !OnlyKeys(spec, "podSelector", "policyTypes", "ingress", "egress"))
        {
            problems.Add("spec must have only podSelector, policyTypes, ingress, egress");
        }
        else
        {
            if (spec["podSelector"] is not JsonObject selector || !OnlyKeys(selector, "matchLabels", "matchExpressions")
                || selector["matchLabels"] is not JsonObject matchLabels || matchLabels.Any(l => !LabelKey().IsMatch(l.Key) || l.Value is null || !LabelValue().IsMatch((string)l.Value!)))
            {
                problems.Add("spec.podSelector.matchLabels must be a map of valid labels");
            }
            if (spec["policyTypes"] is not JsonArray types || types.Count == 0 || types.Any(t => (string?)t is not ("Ingress" or "Egress")) || types.Select(t => (string?)t).Distinct().Count() != types.Count)
            {
                problems.Add("spec.policyTypes must list Ingress and/or Egress");
            }
            foreach (var dir in new[] { "ingress", "egress" })
            {
                if (spec[dir] is { } rules && rules is not JsonArray)
                {
                    problems.Add($"spec.{dir} must be a list");
                }
            }
        }
        if (problems.Count > 0)
        {
            return Invalid(r, "NetworkPolicy", name, string.Join("; ", problems));
        }
        lock (_gate)
        {
            var key = $"{ns}/{name}";
            if (Policies.ContainsKey(key))
            {
                return Status(HttpStatusCode.Conflict, "AlreadyExists", $"networkpolicies.networking.k8s.io \"{name}\" already exists", name, "networkpolicies");
            }
            var stored = (JsonObject)policy.DeepClone();
            var m = (JsonObject)stored["metadata"]!;
            m["namespace"] = ns;
            m["uid"] = Guid.NewGuid().ToString();
            m["resourceVersion"] = NextResourceVersion();
            m["generation"] = 1;
            m["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            Policies[key] = stored;
            return (HttpStatusCode.Created, (JsonObject)stored.DeepClone());
        }
    }

    private (HttpStatusCode, JsonObject) DeletePolicy(Request r, string ns, string name)
    {
        string? preconditionUid = null;
        if (r.Body.Length > 0)
        {
            if (Body(r, out var options, "application/json") is { } bad)
            {
                return bad;
            }
            if (!OnlyKeys(options, "apiVersion", "kind", "preconditions", "propagationPolicy", "gracePeriodSeconds")
                || (options["kind"] is { } kind && (string?)kind != "DeleteOptions")
                || (options["preconditions"] is { } p && (p is not JsonObject po || !OnlyKeys(po, "uid", "resourceVersion"))))
            {
                return Invalid(r, "DeleteOptions", name, $"not a DeleteOptions: {r.Body}");
            }
            preconditionUid = (string?)options["preconditions"]?["uid"];
        }
        lock (_gate)
        {
            var key = $"{ns}/{name}";
            if (!Policies.TryGetValue(key, out var policy))
            {
                return NotFound("networkpolicies.networking.k8s.io", name);
            }
            if (preconditionUid is not null && preconditionUid != Uid(policy))
            {
                return Status(HttpStatusCode.Conflict, "Conflict",
                    $"Operation cannot be fulfilled on networkpolicies.networking.k8s.io \"{name}\": Precondition failed: UID in precondition: {preconditionUid}, UID in object meta: {Uid(policy)}", name, "networkpolicies");
            }
            Policies.Remove(key);
            return (HttpStatusCode.OK, new JsonObject
            {
                ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success",
                ["details"] = new JsonObject { ["name"] = name, ["group"] = "networking.k8s.io", ["kind"] = "networkpolicies", ["uid"] = Uid(policy) },
            });
        }
    }

    private (HttpStatusCode, JsonObject)? Conflict(JsonObject current, JsonObject patchMeta, string resource, string name)
    {
        var wanted = (string?)patchMeta["resourceVersion"];
        var have = (string?)current["metadata"]!["resourceVersion"];
        return wanted is not null && wanted != have
            ? Status(HttpStatusCode.Conflict, "Conflict",
                $"Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", name, resource)
            : null;
    }

    // ------------------------------------------------------------------ validation helpers

    private (HttpStatusCode, JsonObject)? Body(Request r, out JsonObject body, params string[] contentTypes)
    {
        body = new JsonObject();
        var type = (r.ContentType ?? string.Empty).Split(';')[0].Trim();
        if (!contentTypes.Contains(type, StringComparer.Ordinal))
        {
            Violations.Enqueue($"{r}: content type '{r.ContentType}', expected {string.Join(" or ", contentTypes)}");
            return Status(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", contentTypes)}");
        }
        try
        {
            body = JsonNode.Parse(r.Body) as JsonObject ?? throw new System.Text.Json.JsonException("not an object");
            return null;
        }
        catch (System.Text.Json.JsonException ex)
        {
            Violations.Enqueue($"{r}: body is not a JSON object: {ex.Message}");
            return Status(HttpStatusCode.BadRequest, "BadRequest", "the body of the request could not be decoded");
        }
    }

    private static bool OnlyKeys(JsonObject o, params string[] allowed) => o.All(p => allowed.Contains(p.Key, StringComparer.Ordinal));

    private (HttpStatusCode, JsonObject)? NoQuery(Request r, Dictionary<string, string> query)
    {
        if (query.Count == 0)
        {
            return null;
        }
        Violations.Enqueue($"{r}: unexpected query parameters");
        return Status(HttpStatusCode.BadRequest, "BadRequest", "unexpected query parameters");
    }

    /// <summary>A list is a plain list (KubernetesClient says watch=false): no selector, no watch, no paging.</summary>
    private (HttpStatusCode, JsonObject)? ListQuery(Request r, Dictionary<string, string> query)
        => query.Count == 1 && query.TryGetValue("watch", out var w) && w == "false"
            ? null
            : NoQuery(r, query);

    /// <summary>Writes carry fieldManager=deirf (so managedFields name us) and nothing else.</summary>
    private (HttpStatusCode, JsonObject)? WriteQuery(Request r, Dictionary<string, string> query)
    {
        if (query.Count == 1 && query.TryGetValue("fieldManager", out var fm) && fm == "deirf")
        {
            return null;
        }
        Violations.Enqueue($"{r}: a write must carry exactly fieldManager=deirf");
        return Status(HttpStatusCode.BadRequest, "BadRequest", "unexpected query parameters");
    }

    private static Dictionary<string, string> QueryHelpers(string query)
        => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);

    private (HttpStatusCode, JsonObject) Invalid(Request r, string kind, string name, string message)
    {
        Violations.Enqueue($"{r}: {message}");
        return Status(HttpStatusCode.UnprocessableEntity, "Invalid", $"{kind} \"{name}\" is invalid: {message}", name, kind);
    }

    private (HttpStatusCode, JsonObject) Unexpected(Request r)
    {
        Violations.Enqueue($"unexpected request {r}");
        return Status(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
    }

    private static (HttpStatusCode, JsonObject) NotFound(string resource, string name)
        => Status(HttpStatusCode.NotFound, "NotFound", $"{resource} \"{name}\" not found", name, resource);

    private static (HttpStatusCode, JsonObject) Status(HttpStatusCode code, string reason, string message, string? name = null, string? kind = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
            ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = (int)code,
        };
        if (name is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["kind"] = kind };
        }
        return (code, status);
    }

    [GeneratedRegex("^/api/v1/namespaces/(?<ns>[^/]+)/pods/(?<name>[^/]+)$")]
    private static partial Regex PodPath();

    [GeneratedRegex("^/api/v1/namespaces/(?<ns>[^/]+)/pods$")]
    private static partial Regex PodsPath();

    [GeneratedRegex("^/api/v1/nodes/(?<name>[^/]+)$")]
    private static partial Regex NodePath();

    [GeneratedRegex("^/apis/networking.k8s.io/v1/namespaces/(?<ns>[^/]+)/networkpolicies/(?<name>[^/]+)$")]
    private static partial Regex PolicyPath();

    [GeneratedRegex("^/apis/networking.k8s.io/v1/namespaces/(?<ns>[^/]+)/networkpolicies$")]
    private static partial Regex PoliciesPath();

    [GeneratedRegex("^/apis/apps/v1/namespaces/(?<ns>[^/]+)/replicasets/(?<name>[^/]+)$")]
    private static partial Regex ReplicaSetPath();

    [GeneratedRegex("^/apis/apps/v1/namespaces/(?<ns>[^/]+)/replicasets$")]
    private static partial Regex ReplicaSetsPath();

    [GeneratedRegex("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelKey();

    [GeneratedRegex("^$|^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex DnsSubdomain();

    public async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
