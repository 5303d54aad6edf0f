using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.FakeProviders;

// Usage: dotnet DeIRF.FakeProviders.dll k8s|arm --cert-out <file>
// The bearer token the fake accepts comes from $DEIRF_FAKE_TOKEN (never the command line). The fake's certificate
// (PEM) is written to <file>; one JSON line on stdout says where everything is:
//   {"kind":"k8s","url":"https://127.0.0.1:<port>","control":"http://127.0.0.1:<port>","certFile":"<file>","certSha256":"<hex>"}
// It serves until stdin closes or it is killed (the test stops it by PID).
if (args.Length != 3 || args[0] is not ("k8s" or "arm") || args[1] != "--cert-out")
{
    Console.Error.WriteLine("Usage: DeIRF.FakeProviders k8s|arm --cert-out <file>   (token in $DEIRF_FAKE_TOKEN)");
    return 2;
}
var token = Environment.GetEnvironmentVariable("DEIRF_FAKE_TOKEN");
if (string.IsNullOrEmpty(token))
{
    Console.Error.WriteLine("Set DEIRF_FAKE_TOKEN to the bearer token the fake accepts.");
    return 2;
}
var certFile = Path.GetFullPath(args[2]);

IAsyncDisposable fake;
ControlPlane control;
string url;
System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
if (args[0] == "k8s")
{
    var k8s = await FakeApiServer.StartAsync(token);
    (fake, url, certificate) = (k8s, k8s.Url, k8s.Certificate);
    control = await ControlPlane.StartAsync(ControlPlane.ForKubernetes(k8s));
}
else
{
    var arm = await ArmFake.StartAsync(token);
    (fake, url, certificate) = (arm, arm.Endpoint.ToString().TrimEnd('/'), arm.Certificate);
    control = await ControlPlane.StartAsync(ControlPlane.ForArm(arm));
}
await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());

Console.WriteLine(new JsonObject
{
    ["kind"] = args[0],
    ["url"] = url,
    ["control"] = control.Url,
    ["certFile"] = certFile,
    ["certSha256"] = Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).ToLowerInvariant(),
}.ToJsonString());
Console.Out.Flush();

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
_ = Task.Run(() =>
{
    // stdin closing (the test runner went away) also stops the fake.
    while (Console.In.ReadLine() is not null)
    {
    }
    stop.TrySetResult();
});
await stop.Task;
await control.DisposeAsync();
await fake.DisposeAsync();
return 0;
