using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace DeIRF.Module.Tests;

/// <summary>Ctrl+C during Test-DeirfRecovery: the pipeline stops at once, the samples read stay, no verdict is written.</summary>
public sealed class RecoveryStopTests : IDisposable
{
    private readonly PowerShellHost _ps = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-mod-recovery-").FullName;

    public void Dispose()
    {
        _ps.Dispose();
        DeIRF.Testing.TestArtifacts.Delete(_dir);
    }

    [Fact]
    public void Stopped_MidCheck_EndsThePipeline_KeepsTheSamples_WritesNoVerdict()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var answered = new ManualResetEventSlim();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var bytes = Encoding.UTF8.GetBytes("""{"count":1}""");
                ctx.Response.ContentType = "application/json";
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
                answered.Set();
            }
        });
        var vars = new Dictionary<string, object?> { ["ws"] = Path.Combine(_dir, "ws"), ["url"] = $"http://127.0.0.1:{port}/count" };
        var id = (string)_ps.Invoke("Initialize-DeirfWorkspace -Path $ws | Out-Null; (New-DeirfIncident -Title 'Bad deploy' -Reporter alice -Workspace $ws).Id", vars)[0].BaseObject;
        _ps.Invoke("$global:recoveryIncident = $id", new Dictionary<string, object?> { ["id"] = id });

        using var ps = _ps.Create();
        ps.AddScript("Test-DeirfRecovery -Incident $recoveryIncident -Workspace $ws -CountUrl $url -Below 5 -For '00:10:00' -Step '00:00:05' -Actor alice");
        var running = ps.BeginInvoke();
        Assert.True(answered.Wait(TimeSpan.FromSeconds(60)), "the first sample was never read");
        Thread.Sleep(300); // inside the wait for the next step
        var clock = Stopwatch.StartNew();
        ps.Stop();
        clock.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {clock.Elapsed}");

        var kinds = _ps.Invoke("(Get-DeirfJournal -Incident $recoveryIncident -Workspace $ws).Kind", vars).Select(o => (string)o.BaseObject).ToList();
        Assert.Equal(1, kinds.Count(k => k == "recovery.sample"));
        Assert.DoesNotContain("recovery.verified", kinds);
        Assert.True((bool)_ps.Invoke("(Test-DeirfJournal -Incident $recoveryIncident -Workspace $ws).IsValid", vars)[0].BaseObject);
    }
}
