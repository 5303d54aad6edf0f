using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeIRF.FakeServices;

/// <summary>What every fake host here shares: Kestrel on 127.0.0.1 and a free port, and how a bearer token is recorded.</summary>
internal static class FakeHttp
{
    /// <summary>Starts <paramref name="handler"/> for every request; returns the app and its base URL (http://127.0.0.1:port).</summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(Func<WebApplication, RequestDelegate> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(handler(app));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, address.Replace("[::1]", "127.0.0.1").TrimEnd('/'));
    }

    /// <summary>An Authorization header as recorded: whether it was the valid bearer token, never the value.</summary>
    public static string Authorization(string value, string token)
        => value == $"Bearer {token}" ? "Bearer <valid token>" : value.StartsWith("Bearer ", StringComparison.Ordinal) ? "Bearer <wrong token>" : "<not a bearer token>";

    /// <summary>Everything queued so far, removed.</summary>
    public static IReadOnlyList<string> Drain(ConcurrentQueue<string> queue)
    {
        var taken = new List<string>();
        while (queue.TryDequeue(out var p))
        {
            taken.Add(p);
        }
        return taken;
    }
}
