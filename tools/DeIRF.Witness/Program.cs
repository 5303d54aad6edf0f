using System.Net;
using System.Text;
using DeIRF.Checkpoints;
using DeIRF.Identity;

// DeIRF.Witness: a C2SP tlog-witness serving POST <prefix>/add-checkpoint.
//   --listen http://127.0.0.1:8080/   the prefix (HttpListener syntax; loopback unless you put a bastion in front)
//   --name witness.example/w1          the witness's key name
//   --key ./witness.seed               its did:key seed file (0600): it cosigns with cosignature/v1
//   --state ./state                    where the latest cosigned checkpoint per origin is kept
//   --log '<origin>=<vkey>'            a log it witnesses (repeat; several keys for one origin allowed)
// Prints its cosignature/v1 verifier key, then "listening <prefix>", and serves until stopped (SIGTERM, Ctrl+C).
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
    using var listener = new HttpListener();
    listener.Prefixes.Add(prefix.EndsWith('/') ? prefix : prefix + "/");
    listener.Start();
    Console.WriteLine(signer.VerifierKey(CheckpointRole.Witness));
    Console.WriteLine($"listening {prefix}");
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
    stop.Token.Register(() => listener.Stop());
    while (!stop.IsCancellationRequested)
    {
        HttpListenerContext context;
        try
        {
            context = await listener.GetContextAsync();
        }
        catch (HttpListenerException) when (stop.IsCancellationRequested)
        {
            break;
        }
        catch (ObjectDisposedException)
        {
            break;
        }
        _ = Task.Run(() => Serve(context, service));
    }
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or DeIRF.DeirfException or HttpListenerException)
{
    Console.Error.WriteLine($"DeIRF.Witness: {ex.Message}");
    return 2;
}

static void Serve(HttpListenerContext context, WitnessService service)
{
    using var response = context.Response;
    WitnessAnswer answer;
    if (context.Request.HttpMethod != "POST" || !context.Request.Url!.AbsolutePath.EndsWith("/add-checkpoint", StringComparison.Ordinal))
    {
        answer = new WitnessAnswer(context.Request.HttpMethod == "POST" ? 404 : 405, "text/plain; charset=utf-8", "only POST <prefix>/add-checkpoint\n");
    }
    else
    {
        // A checkpoint with 64 signatures and 63 proof lines is well under 64 KiB; more is refused unread.
        var body = new byte[64 * 1024 + 1];
        int total = 0, n;
        while (total < body.Length && (n = context.Request.InputStream.Read(body, total, body.Length - total)) > 0)
        {
            total += n;
        }
        try
        {
            answer = total > 64 * 1024
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
    // One request per connection: HttpListener may close a kept-alive connection under load, and a client would then
    // see its next request fail; a witness is asked rarely, so the handshake saved is not worth that.
    response.KeepAlive = false;
    response.StatusCode = answer.Status;
    response.ContentType = answer.ContentType;
    var bytes = Encoding.UTF8.GetBytes(answer.Body);
    response.ContentLength64 = bytes.Length;
    response.OutputStream.Write(bytes);
}
