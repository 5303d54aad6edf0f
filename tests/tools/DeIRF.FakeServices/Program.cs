using DeIRF.FakeServices;

// Usage: dotnet DeIRF.FakeServices.dll [pipelines]   (token from $DEIRF_FAKE_TOKEN; prints the base URL, serves until stdin closes or it is killed)
// With "pipelines": the GitHub Actions, Argo CD and OpenZeppelin Relayer fakes (PipelineFakeHost) instead of the chat and ticket fakes.
var token = Environment.GetEnvironmentVariable("DEIRF_FAKE_TOKEN");
if (string.IsNullOrEmpty(token))
{
    Console.Error.WriteLine("Set DEIRF_FAKE_TOKEN to the token the fake services accept.");
    return 2;
}
IAsyncDisposable fake;
string baseUrl;
if (args.Length > 0 && args[0] == "pipelines")
{
    var pipelines = await PipelineFakeHost.StartAsync(token);
    (fake, baseUrl) = (pipelines, pipelines.BaseUrl);
}
else
{
    var services = await FakeServiceHost.StartAsync(token);
    (fake, baseUrl) = (services, services.BaseUrl);
}
await using var running = fake;
Console.WriteLine(baseUrl);
Console.Out.Flush();
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
_ = Task.Run(() =>
{
    // stdin closing (the test runner went away) also stops the server.
    while (Console.In.ReadLine() is not null)
    {
    }
    stop.TrySetResult();
});
await stop.Task;
return 0;
