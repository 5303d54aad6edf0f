using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DeIRF.Core.Tests.Recovery;

/// <summary>
/// A real Prometheus (Debian prometheus 2.42) on a free loopback port, scraping a tiny exporter this class serves
/// (gauges the test sets), evaluating one alerting rule every second and firing into a real Alertmanager (Debian
/// prometheus-alertmanager 0.25). Both are stopped by PID. Outside CI a missing binary skips; under CI=true it fails.
/// </summary>
public sealed class MonitoringStack : IDisposable
{
    private readonly Dictionary<string, double> _gauges = new(StringComparer.Ordinal);
    private HttpListener? _exporter;
    private readonly List<Process> _processes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-monitoring-").FullName;
    private Exception? _startFailure;

    public Uri Prometheus { get; private set; } = null!;
    public Uri Alertmanager { get; private set; } = null!;
    public Uri Exporter { get; private set; } = null!;

    /// <summary>Requests the exporter answered (Prometheus' scrapes).</summary>
    public int Scrapes;

    /// <summary>The exporter's metric lines: name (with labels) → value. Set before Start or at any time.</summary>
    public void Set(string series, double value)
    {
        lock (_gauges)
        {
            _gauges[series] = value;
        }
    }

    public const string AlertName = "DeirfTestHighErrors";

    private bool _started;

    /// <summary>Starts everything once (skips or fails as ExternalTool.Require says when a binary is missing).</summary>
    public void Start()
    {
        var prometheus = ExternalTool.Require("prometheus");
        var alertmanager = ExternalTool.Require("prometheus-alertmanager");
        lock (_processes)
        {
            if (_startFailure is not null)
            {
                throw new InvalidOperationException("The monitoring stack failed to start earlier.", _startFailure);
            }
            if (_started)
            {
                return;
            }
            try
            {
                StartAll(prometheus, alertmanager);
                _started = true;
            }
            catch (Exception ex)
            {
                _startFailure = ex;
                throw;
            }
        }
    }

    private void StartAll(string prometheus, string alertmanager)
    {
        Set("deirf_test_errors", 0.1);
        Set("deirf_test_split{path=\"/a\"}", 1);
        Set("deirf_test_split{path=\"/b\"}", 2);
        Set("deirf_test_alert", 0);
        _exporter = Serve(_ => (200, Metrics(), "text/plain; version=0.0.4"), out var exporter);
        Exporter = exporter;
        var exporterPort = exporter.Port;

        var amPort = FreePort();
        File.WriteAllText(Path.Combine(_dir, "alertmanager.yml"), """
            route:
              receiver: blackhole
              group_wait: 1s
              group_interval: 1s
            receivers:
              - name: blackhole
            """);
        Alertmanager = new Uri($"http://127.0.0.1:{amPort}/");
        _processes.Add(Launch(alertmanager, [
            $"--config.file={Path.Combine(_dir, "alertmanager.yml")}", $"--storage.path={Path.Combine(_dir, "am-data")}",
            $"--web.listen-address=127.0.0.1:{amPort}", "--cluster.listen-address=", "--log.level=warn"], "alertmanager"));

        var promPort = FreePort();
        File.WriteAllText(Path.Combine(_dir, "rules.yml"), $$$"""
            groups:
              - name: deirf-test
                interval: 1s
                rules:
                  - alert: {{{AlertName}}}
                    expr: deirf_test_alert > 0
                    for: 0s
                    labels:
                      severity: critical
                      service: api
                    annotations:
                      summary: 'API error rate is high on {{ $labels.instance }}'
                      description: 'deirf_test_alert is {{ $value }}'
            """);
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Path.Combine(_dir, "rules.yml")}
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['127.0.0.1:{amPort}']
            scrape_configs:
              - job_name: deirf-exporter
                static_configs:
                  - targets: ['127.0.0.1:{exporterPort}']
            """);
        Prometheus = new Uri($"http://127.0.0.1:{promPort}/");
        _processes.Add(Launch(prometheus, [
            $"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{promPort}", "--rules.alert.resend-delay=1s", "--log.level=warn"], "prometheus"));

        WaitReady(new Uri(Alertmanager, "-/ready"), "alertmanager");
        WaitReady(new Uri(Prometheus, "-/ready"), "prometheus");
        // The first scrape has landed once the gauge answers.
        WaitForValue("deirf_test_errors", 0.1);
    }

    private Process Launch(string file, string[] args, string name)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _dir };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        var log = new StringBuilder();
        p.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        p.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        _logs[name] = log;
        return p;
    }

    private readonly Dictionary<string, StringBuilder> _logs = new(StringComparer.Ordinal);

    public string Log(string name) => _logs.TryGetValue(name, out var l) ? l.ToString() : string.Empty;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private void WaitReady(Uri ready, string name)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (_processes.Any(p => p.HasExited))
            {
                throw new InvalidOperationException($"{name} exited: {Log(name)}");
            }
            try
            {
                if (Http.GetAsync(ready).GetAwaiter().GetResult().IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            Thread.Sleep(200);
        }
        throw new TimeoutException($"{name} not ready within 60 s: {Log(name)}");
    }

    /// <summary>Sets a gauge and waits until Prometheus answers the new value (a scrape happened).</summary>
    public void SetAndWait(string series, double value)
    {
        Set(series, value);
        WaitForValue(series, value);
    }

    public void WaitForValue(string query, double value, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        string last = "(nothing)";
        while (DateTime.UtcNow < until)
        {
            try
            {
                last = Http.GetStringAsync(new Uri(Prometheus, $"api/v1/query?query={Uri.EscapeDataString(query)}")).GetAwaiter().GetResult();
                using var doc = JsonDocument.Parse(last);
                var result = doc.RootElement.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() == 1 && double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) == value)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            Thread.Sleep(250);
        }
        throw new TimeoutException($"Prometheus did not answer {query} = {value} within {seconds} s; last answer: {last}");
    }

    /// <summary>Alertmanager's /api/v2/alerts, raw, until <paramref name="until"/> holds.</summary>
    public string WaitForAlerts(Func<JsonElement, bool> until, int seconds = 45)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string last = "(nothing)";
        while (DateTime.UtcNow < deadline)
        {
            last = Http.GetStringAsync(new Uri(Alertmanager, "api/v2/alerts")).GetAwaiter().GetResult();
            using var doc = JsonDocument.Parse(last);
            if (until(doc.RootElement))
            {
                return last;
            }
            Thread.Sleep(300);
        }
        throw new TimeoutException($"Alertmanager's alerts did not reach the expected state within {seconds} s; last: {last}");
    }

    /// <summary>The exposition text of the gauges (Prometheus' text format 0.0.4).</summary>
    private string Metrics()
    {
        Interlocked.Increment(ref Scrapes);
        var text = new StringBuilder();
        lock (_gauges)
        {
            foreach (var name in _gauges.Keys.Select(k => k.Split('{')[0]).Distinct())
            {
                text.Append("# TYPE ").Append(name).Append(" gauge\n");
                foreach (var (series, v) in _gauges.Where(g => g.Key.Split('{')[0] == name))
                {
                    text.Append(series).Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    /// <summary>A loopback HTTP server on a free port answering every request with <paramref name="answer"/>; dispose to stop it.</summary>
    public static HttpListener Serve(Func<HttpListenerRequest, (int Status, string Body, string ContentType)> answer, out Uri baseUrl)
    {
        var port = FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        baseUrl = new Uri($"http://127.0.0.1:{port}/");
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
                var (status, body, contentType) = answer(ctx.Request);
                var bytes = Encoding.UTF8.GetBytes(body);
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = contentType;
                ctx.Response.ContentLength64 = bytes.Length;
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
        });
        return listener;
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        if (_exporter is { IsListening: true })
        {
            _exporter.Stop();
        }
        _exporter?.Close();
        DeIRF.Testing.TestArtifacts.Delete(_dir);
    }
}

[CollectionDefinition(Name)]
public sealed class MonitoringCollection : ICollectionFixture<MonitoringStack>
{
    public const string Name = "Real Prometheus and Alertmanager";
}
