using System.Text;
using DeIRF.Checkpoints;
using DeIRF.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// DeIRF.Witness: a C2SP tlog-witness serving POST <prefix>/add-checkpoint.
//   --listen http://127.0.0.1:8080/   the prefix (scheme, address, port, optional path; loopback unless a bastion is in front)
//   --name witness.example/w1          the witness's key name
//   --key ./witness.seed               its did:key seed file (0600): it cosigns with cosignature/v1
//   --state ./state                    where the latest cosigned checkpoint per origin is kept
//   --log '<origin>=<vkey>'            a log it witnesses (repeat; several keys for one origin allowed)
// Prints its cosignature/v1 verifier key, then "listening <prefix>", and serves until stopped (SIGTERM, Ctrl+C).
// Hosted by Kestrel (ASP.NET Core's server): keep-alive, request limits and shutdown as a web server does them.
var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"unexpected argument '{args[i]}'");
        return 2;
    }
    (options.TryGetValue(args[i], out var list) ? list : options[args[i]] = []).Add(args[i + 1]);
}
string One(string name) => options.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : throw new ArgumentException($"give {name} once");
try
{
    var prefix = One("--listen");
    var name = One("--name");
    var signer = CheckpointSigner.FromKeyFile(name, One("--key"), ProofKind.DidKey);
    var logs = new Dictionary<string, List<NoteVerifierKey>>(StringComparer.Ordinal);
    foreach (var spec in options.GetValueOrDefault("--log") ?? [])
    {
        // The origin may hold '=' and '+'; the key is what follows the first '=' after which a whole vkey parses.
        NoteVerifierKey? key = null;
        int eq = -1;
        for (int at = spec.IndexOf('='); at > 0 && key is null; at = spec.IndexOf('=', at + 1))
        {
            try
            {
                key = NoteVerifierKey.Parse(spec[(at + 1)..]);
                eq = at;
            }
            catch (CheckpointException)
            {
            }
        }
        if (key is null)
        {
            throw new ArgumentException($"--log '{spec}' is not '<origin>=<vkey>'");
        }
        (logs.TryGetValue(spec[..eq], out var keys) ? keys : logs[spec[..eq]] = []).Add(key);
    }
    var service = new WitnessService(new WitnessBook(One("--state"), name), signer,
        logs.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<NoteVerifierKey>)kv.Value, StringComparer.Ordinal));
    if (!Uri.TryCreate(prefix, UriKind.Absolute, out var listen) || listen.Scheme != "http" || listen.Query.Length > 0)
    {
        throw new ArgumentException($"--listen '{prefix}' is not http://<address>:<port>/[path/] (put TLS in a proxy in front)");
    }
    var path = listen.AbsolutePath.EndsWith('/') ? listen.AbsolutePath : listen.AbsolutePath + "/";
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls($"http://{listen.Authority}");
    builder.WebHost.ConfigureKestrel(k =>
    {
        // A checkpoint with 64 signatures and 63 proof lines is well under 64 KiB; more is refused unread.
        k.Limits.MaxRequestBodySize = MaxBody;
        k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        k.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
    });
    var app = builder.Build();
    app.Run(async context => await Serve(context, service, path));
    await app.StartAsync();
    Console.WriteLine(signer.VerifierKey(CheckpointRole.Witness));
    Console.WriteLine($"listening {prefix}");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or DeIRF.DeirfException or IOException)
{
    Console.Error.WriteLine($"DeIRF.Witness: {ex.Message}");
    return 2;
}

static async Task Serve(HttpContext context, WitnessService service, string prefixPath)
{
    WitnessAnswer answer;
    var request = context.Request;
    if (request.Method != "POST" || request.Path.Value != prefixPath + "add-checkpoint")
    {
        answer = new WitnessAnswer(request.Method == "POST" ? 404 : 405, "text/plain; charset=utf-8", $"only POST {prefixPath}add-checkpoint\n");
    }
    else
    {
        var body = new byte[MaxBody + 1];
        int total = 0, n;
        try
        {
            while (total < body.Length && (n = await request.Body.ReadAsync(body.AsMemory(total), context.RequestAborted)) > 0)
            {
                total += n;
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            total = body.Length; // over Kestrel's body limit
        }
        try
        {
            answer = total > MaxBody
                ? new WitnessAnswer(413, "text/plain; charset=utf-8", "request too large\n")
                : service.Handle(body[..total]);
        }
        catch (Exception ex)
        {
            // Never a cosignature on an error; the reason goes to the operator, not to the caller.
            Console.Error.WriteLine($"DeIRF.Witness: {ex.GetType().Name}: {ex.Message}");
            answer = new WitnessAnswer(500, "text/plain; charset=utf-8", "internal error\n");
        }
    }
    var bytes = Encoding.UTF8.GetBytes(answer.Body);
    context.Response.StatusCode = answer.Status;
    context.Response.ContentType = answer.ContentType;
    context.Response.ContentLength = bytes.Length;
    await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
}

internal static partial class Program
{
    private const int MaxBody = 64 * 1024;
}
