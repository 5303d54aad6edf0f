using System.Net;
using System.Net.Http;
using System.Text.Json;
using DeIRF.Containment;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace DeIRF.Providers.Kubernetes;

/// <summary>
/// A client for one cluster, found the way kubectl finds it: the kubeconfig parameter, else $KUBECONFIG (a
/// path list, merged), else ~/.kube/config; the context parameter, else the file's current-context.
/// Also the one place that turns API and transport failures into <see cref="ContainmentException"/>s.
/// </summary>
internal sealed class KubernetesConnection : IDisposable
{
    private KubernetesConnection(IKubernetes client, string server, string context, IReadOnlyList<string> kubeconfigFiles)
    {
        Client = client;
        Server = server;
        Context = context;
        KubeconfigFiles = kubeconfigFiles;
    }

    public IKubernetes Client { get; }

    /// <summary>The API server URL of the chosen context (journaled; never a credential).</summary>
    public string Server { get; }

    public string Context { get; }

    public IReadOnlyList<string> KubeconfigFiles { get; }

    public static KubernetesConnection Open(ContainmentRequest request)
    {
        var files = ResolveKubeconfigFiles(request.Parameter("kubeconfig"), request.WorkspaceRoot);
        var context = request.Parameter("context") is { Length: > 0 } c ? c : null;
        KubernetesClientConfiguration config;
        try
        {
            var merged = LoadMerged(files);
            context ??= merged.CurrentContext;
            if (string.IsNullOrEmpty(context))
            {
                throw new ContainmentException("KubernetesContextNotFound", DeirfErrorKind.InvalidArgument,
                    $"The kubeconfig ({string.Join(Path.PathSeparator, files)}) has no current-context; pass the parameter 'context'.", "context");
            }
            if (merged.Contexts is null || !merged.Contexts.Any(x => string.Equals(x.Name, context, StringComparison.Ordinal)))
            {
                var known = merged.Contexts?.Select(x => x.Name) ?? Enumerable.Empty<string>();
                throw new ContainmentException("KubernetesContextNotFound", DeirfErrorKind.InvalidArgument,
                    $"The kubeconfig has no context '{context}'. Known: {string.Join(", ", known)}.", context);
            }
            // A bearer token handed in at run time (never signed, never journaled) stands in for the kubeconfig user's
            // credentials, in memory only; KubernetesClient refuses a user with none, so it goes in before the build.
            var token = request.Secrets.TryGetValue("token", out var t) && !string.IsNullOrEmpty(t) ? t : null;
            if (token is not null)
            {
                var userName = merged.Contexts.First(x => string.Equals(x.Name, context, StringComparison.Ordinal)).ContextDetails?.User;
                var user = merged.Users?.FirstOrDefault(u => string.Equals(u.Name, userName, StringComparison.Ordinal));
                if (user is null)
                {
                    user = new User { Name = userName ?? "deirf-token" };
                    merged.Users = (merged.Users ?? Enumerable.Empty<User>()).Append(user).ToList();
                }
                user.UserCredentials = new UserCredentials { Token = token };
            }
            config = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
            if (token is not null)
            {
                config.AccessToken = token;
                config.TokenProvider = null;
            }
        }
        catch (Exception ex) when (ex is KubeConfigException or YamlDotNet.Core.YamlException or FormatException or IOException or UnauthorizedAccessException)
        {
            // Messages of these name files, contexts and fields, never credential values; keep the inner exception out anyway.
            throw new ContainmentException("KubernetesConfigInvalid", DeirfErrorKind.InvalidData,
                $"The kubeconfig ({string.Join(Path.PathSeparator, files)}) could not be used: {ex.GetType().Name}: {FirstLine(ex.Message)}", files[0]);
        }
        return new KubernetesConnection(new k8s.Kubernetes(config), config.Host, context, files);
    }

    /// <summary>
    /// kubectl's merge of a $KUBECONFIG list: the first file to name a cluster, user or context wins, and the first
    /// current-context set wins. (KubernetesClient's own merge is internal.) Relative certificate paths are taken
    /// from the directory of the first file.
    /// </summary>
    private static K8SConfiguration LoadMerged(IReadOnlyList<string> files)
    {
        var merged = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(files[0]), useRelativePaths: true);
        foreach (var file in files.Skip(1))
        {
            var next = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file), useRelativePaths: true);
            merged.CurrentContext = string.IsNullOrEmpty(merged.CurrentContext) ? next.CurrentContext : merged.CurrentContext;
            merged.Clusters = Union(merged.Clusters, next.Clusters, c => c.Name);
            merged.Users = Union(merged.Users, next.Users, u => u.Name);
            merged.Contexts = Union(merged.Contexts, next.Contexts, c => c.Name);
        }
        return merged;
    }

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? second, Func<T, string> name)
    {
        var result = (first ?? Enumerable.Empty<T>()).ToList();
        var seen = result.Select(name).ToHashSet(StringComparer.Ordinal);
        result.AddRange((second ?? Enumerable.Empty<T>()).Where(x => seen.Add(name(x))));
        return result;
    }

    internal static IReadOnlyList<string> ResolveKubeconfigFiles(string? parameter, string? workspaceRoot)
    {
        IEnumerable<string> candidates;
        if (!string.IsNullOrEmpty(parameter))
        {
            candidates = new[] { parameter };
        }
        else if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env)
        {
            candidates = env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        }
        else
        {
            candidates = new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config") };
        }
        var files = new List<string>();
        foreach (var candidate in candidates)
        {
            var path = candidate.StartsWith('~')
                ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + candidate[1..]
                : candidate;
            // A relative path is taken from the workspace (the provider cannot see PowerShell's $PWD).
            path = Path.GetFullPath(path, workspaceRoot ?? Environment.CurrentDirectory);
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (!string.IsNullOrEmpty(parameter))
            {
                throw new ContainmentException("KubernetesConfigNotFound", DeirfErrorKind.NotFound,
                    $"The kubeconfig '{path}' does not exist.", path);
            }
        }
        // kubectl skips missing entries of $KUBECONFIG; it fails only when none is left.
        return files.Count > 0
            ? files
            : throw new ContainmentException("KubernetesConfigNotFound", DeirfErrorKind.NotFound,
                $"No kubeconfig found ({string.Join(Path.PathSeparator, candidates)}); pass the parameter 'kubeconfig'.", "kubeconfig");
    }

    /// <summary>
    /// Runs one API call and maps failures. The HttpOperationException is never kept as the inner exception: it holds
    /// the request, headers included, and the Authorization header is a credential.
    /// </summary>
    public async Task<T> CallAsync<T>(string what, object target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken,
        string notFoundErrorId = "KubernetesNotFound")
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw Map(ex, what, target, notFoundErrorId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new ContainmentException("KubernetesUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"{what}: the API server {Server} did not answer in time ({ex.GetType().Name}).", target);
        }
        catch (HttpRequestException ex)
        {
            throw new ContainmentException("KubernetesUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"{what}: the API server {Server} could not be reached: {Describe(ex)}", target);
        }
        catch (KubeConfigException ex)
        {
            // Raised lazily by exec/token providers while authenticating a request.
            throw new ContainmentException("KubernetesConfigInvalid", DeirfErrorKind.InvalidData,
                $"{what}: the credentials of context '{Context}' could not be used: {FirstLine(ex.Message)}", Context);
        }
    }

    public Task CallAsync(string what, object target, Func<CancellationToken, Task> call, CancellationToken cancellationToken,
        string notFoundErrorId = "KubernetesNotFound")
        => CallAsync<bool>(what, target, async ct => { await call(ct).ConfigureAwait(false); return true; }, cancellationToken, notFoundErrorId);

    /// <summary>Reads one object; a 404 is an answer (null), not an error.</summary>
    public async Task<T?> ReadOrNullAsync<T>(string what, object target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await CallAsync(what, target, call, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainmentException ex) when (ex.ErrorId == "KubernetesNotFound")
        {
            return null;
        }
    }

    private ContainmentException Map(HttpOperationException ex, string what, object target, string notFoundErrorId)
    {
        var status = ex.Response?.StatusCode ?? 0;
        var detail = StatusMessage(ex.Response?.Content);
        var text = $"{what}: {(int)status} {status}{(detail is null ? string.Empty : ": " + detail)} (server {Server}, context {Context}).";
        return status switch
        {
            HttpStatusCode.NotFound => new ContainmentException(notFoundErrorId, DeirfErrorKind.NotFound, text, target),
            HttpStatusCode.Forbidden => new ContainmentException("KubernetesForbidden", DeirfErrorKind.SecurityError, text, target),
            HttpStatusCode.Unauthorized => new ContainmentException("KubernetesUnauthorized", DeirfErrorKind.SecurityError, text, target),
            HttpStatusCode.Conflict => new ContainmentException("KubernetesConflict", DeirfErrorKind.ResourceBusy, text, target),
            HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest
                => new ContainmentException("KubernetesInvalid", DeirfErrorKind.InvalidArgument, text, target),
            _ => new ContainmentException("KubernetesApiError", DeirfErrorKind.ResourceUnavailable, text, target),
        };
    }

    /// <summary>The message of a Kubernetes Status body, if the body is one.</summary>
    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? FirstLine(m.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            parts.Add(FirstLine(e.Message));
        }
        return string.Join(" → ", parts.Distinct());
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    public void Dispose() => Client.Dispose();
}
