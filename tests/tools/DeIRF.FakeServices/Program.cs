using DeIRF.FakeServices;

// Usage: dotnet DeIRF.FakeServices.dll   (token from $DEIRF_FAKE_TOKEN; prints the base URL, serves until stdin closes or it is killed)
var token = Environment.GetEnvironmentVariable("DEIRF_FAKE_TOKEN");
if (string.IsNullOrEmpty(token))
{
    Console.Error.WriteLine("Set DEIRF_FAKE_TOKEN to the token the fake services accept.");
    return 2;
}
await using var fake = await FakeServiceHost.StartAsync(token);
Console.WriteLine(fake.BaseUrl);
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
